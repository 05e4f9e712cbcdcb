// Live equivalence: the real Python reference (pinned JAX/Haiku/Flax) against the
// translated TypeScript on the same weights and inputs.
import { describe, expect, test } from "vitest";
import { verify } from "../../src/verify/index.js";
import { nnxport } from "../helpers/cli.js";
import { FIXTURES, fixtureCases } from "../helpers/translate.js";

const CASES = fixtureCases().map((c) => `${c}.py`);

/** What each fixture must have compared, beyond "everything passed". */
const EXPECTED: Record<string, { params: number; kinds: Record<string, number>; notes?: RegExp }> = {
  // Eval and train mode (with the source's own dropout masks).
  basic: { params: 4, kinds: { init: 4, output: 2, grad: 8 } },
  // Batch norm, and a training step that threads the batch statistics through (has_aux).
  // The guide's Haiku init runs in train mode on a batch of one: the reference's statistics
  // come from a batch of 8 instead (variance 0 would amplify rounding by 1/sqrt(eps)).
  "state/haiku_model": { params: 0, kinds: { init: 6, output: 2, grad: 0, state: 0, step: 0 }, notes: /from a batch of one/ },
  state: { params: 0, kinds: { init: 6, output: 2, grad: 0, state: 0, step: 0 } },
  // The guide's train_step: jax.grad + tree_map SGD, then TrainState + optax.adam; every
  // variable compared after 1 and after 5 steps, with the source's own dropout masks, for
  // the step run op by op and for the same step under nnx.jit (8 checks each).
  training: { params: 4, kinds: { init: 4, output: 2, grad: 8, step: 16 } },
  trainstate: { params: 4, kinds: { init: 4, output: 2, grad: 8, step: 16 } },
  // __call__, then encode and decode on inputs shaped as __call__ gives them.
  methods: { params: 4, kinds: { init: 4, output: 3, grad: 12 } },
  // A parameter and a counter: three successive calls, and the counter they leave.
  toplevel: { params: 2, kinds: { init: 1, output: 1, grad: 1, call: 3, state: 2 } },
  // Five Blocks stacked (layer_stack, nn.scan over params): parameters with a leading layer axis.
  // Haiku's layer_stack: each layer's init keys and dropout masks as the original draws them.
  "layers/haiku_model": { params: 2, kinds: { init: 2, output: 2, grad: 4 } },
  // The guide's nn.scan lifts no 'dropout' rng, so the original itself cannot run train mode.
  "layers/linen_model": { params: 2, kinds: { init: 2, output: 1, grad: 2 }, notes: /train mode not compared: the original cannot run its layer stack in train mode/ },
  // Conv, LayerNorm, strided VALID conv, mean pooling, Linear.
  cnn: { params: 8, kinds: { init: 8, output: 1, grad: 8 } },
  // A cell scanned over time; its parameters are created inside the scan, from the same keys.
  rnn: { params: 2, kinds: { init: 2, output: 1, grad: 2 } },
};

describe.each(CASES)("%s", (name) => {
  test("`nnxport verify --json` passes: parameter tree, outputs, state and every gradient", () => {
    const r = nnxport(["verify", FIXTURES + name, "--json"]);
    expect(r.stderr).not.toMatch(/error/i);
    const report = JSON.parse(r.stdout);
    expect(report.ok).toBe(true);
    expect(r.code).toBe(0);
    expect(report.params.problems).toEqual([]);
    expect(report.params.matched).toBe(report.params.total);
    for (const c of report.checks) {
      expect(c.ok).toBe(true);
      expect(c.maxAbsError).toBeLessThan(1e-4);
      // Initial parameters come from the same seed through JAX's own algorithms: bit-exact.
      if (c.kind === "init") expect(c.maxAbsError).toBe(0);
    }
    const kinds: Record<string, number> = {};
    for (const c of report.checks) kinds[c.kind] = (kinds[c.kind] ?? 0) + 1;
    const expected = EXPECTED[name.replace(/\.py$/, "")] ?? EXPECTED[name.split("/")[0]];
    if (expected.params) expect(report.params.total).toBe(expected.params);
    for (const [kind, n] of Object.entries(expected.kinds)) {
      // 0 means "at least one": the count depends on the framework's variables.
      if (n) expect(kinds[kind]).toBe(n);
      else expect(kinds[kind]).toBeGreaterThan(0);
    }
    // Each compiled step says how it ran: as a graph here, never eagerly.
    const jit = report.notes.filter((n: string) => /nnx\.jit|compiled TensorFlow graph/.test(n));
    if (kinds.step) expect(jit.length).toBeGreaterThan(0);
    for (const n of jit) expect(n).toMatch(/ran as one compiled TensorFlow graph/);
    const notes = report.notes.filter((n: string) => !jit.includes(n));
    if (expected.notes) expect(notes.join("\n")).toMatch(expected.notes);
    else expect(notes).toEqual([]);
  });

  test("a perturbed translation fails, with the mismatching checks named", async () => {
    const report = await verify(FIXTURES + name, {
      tamper: (model, { nnx, tf }) => {
        // Nudge every parameter by far more than float32 noise.
        for (const [, v] of nnx.toFlatState(nnx.state(model, nnx.Param))) {
          const p = v as InstanceType<typeof nnx.Param>;
          p.value = tf.add(p.value, 1e-3);
        }
      },
    });
    expect(report.ok).toBe(false);
    expect(report.params!.problems).toEqual([]);
    const failed = report.checks.filter((c) => !c.ok);
    expect(failed.map((c) => c.kind)).toContain("output");
    // Training steps start from the nudged parameters too, and must end elsewhere than the original's.
    if (report.checks.some((c) => c.kind === "step")) expect(failed.map((c) => c.kind)).toContain("step");
});
});

test("a translated model that throws is reported as a failure, not a crash", async () => {
  const broken = await verify(FIXTURES + "basic/haiku_model.py", {
    tamper: (model, { nnx, tf }) => {
      const linear = (model as unknown as { linear: { bias: InstanceType<typeof nnx.Param> } }).linear;
      linear.bias.value = tf.zeros([11]);
    },
  });
  expect(broken.ok).toBe(false);
  expect(broken.diagnostics).toContainEqual(expect.objectContaining({ code: "NNX505", message: expect.stringContaining("Incompatible shapes") }));
});

test("train mode compares real dropout masks: a different rate fails only there", async () => {
  const report = await verify(FIXTURES + "basic/linen_model.py", {
    tamper: (model) => {
      (model as unknown as { block: { dropout: { rate: number } } }).block.dropout.rate = 0.4;
    },
  });
  expect(report.ok).toBe(false);
  const failed = report.checks.filter((c) => !c.ok).map((c) => c.name);
  expect(failed).toContain("output (train mode)");
  expect(failed).not.toContain("output (eval mode)");
});
