// Live equivalence: the real Python reference (pinned JAX/Haiku/Flax) against the
// translated TypeScript on the same weights and inputs.
import { describe, expect, test } from "vitest";
import { verify } from "../../src/verify/index.js";
import { nnxport } from "../helpers/cli.js";
import { FIXTURES } from "../helpers/translate.js";

const CASES = ["basic/haiku_model.py", "basic/linen_model.py"];

describe.each(CASES)("%s", (name) => {
  test("`nnxport verify --json` passes: parameter tree, eval output and every gradient", () => {
    const r = nnxport(["verify", FIXTURES + name, "--json"]);
    expect(r.stderr).not.toMatch(/error/i);
    const report = JSON.parse(r.stdout);
    expect(report.ok).toBe(true);
    expect(r.code).toBe(0);
    expect(report.params).toEqual({ matched: 4, total: 4, problems: [] });
    expect(report.checks.map((c: { kind: string }) => c.kind)).toEqual(["output", "grad", "grad", "grad", "grad"]);
    for (const c of report.checks) {
      expect(c.ok).toBe(true);
      expect(c.maxAbsError).toBeLessThan(1e-4);
    }
  });

  test("a perturbed translation fails, with the mismatching checks named", async () => {
    const report = await verify(FIXTURES + name, {
      tamper: (model, { nnx, tf }) => {
        // Nudge the output layer's bias by far more than float32 noise.
        const bias = (model as unknown as { linear: { bias: InstanceType<typeof nnx.Param> } }).linear.bias;
        bias.value = tf.add(bias.value, 1e-3);
      },
    });
    expect(report.ok).toBe(false);
    expect(report.params!.problems).toEqual([]);
    const failed = report.checks.filter((c) => !c.ok).map((c) => c.name);
    expect(failed).toContain("output (eval mode)");
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
