import { describe, expect, test } from "vitest";
import { analyze } from "../../src/analyze/index.js";
import { DiagnosticBag, DiagnosticError } from "../../src/diagnostics.js";
import { fixture, recognizeText } from "../helpers/translate.js";

function analyzed(text: string) {
  const { program, diagnostics } = recognizeText(text);
  if (!program) throw new Error(JSON.stringify(diagnostics));
  return analyze(program, new DiagnosticBag("input.py"));
}

describe("Basic Example", () => {
  for (const fw of ["haiku", "linen"]) {
    describe(fw, () => {
      const a = analyzed(fixture(`basic/${fw}_model.py`));
      const [block, model] = a.program.modules;

      test("`training` becomes train/eval mode and leaves the signatures", () => {
        for (const m of [block, model]) {
          const call = m.methods.find((x) => x.name === "__call__")!;
          expect(call.params.map((p) => [p.name, p.modeFlag])).toEqual([
            ["x", undefined],
            ["training", { trainWhen: true }],
          ]);
        }
        const blockCall = model.methods[0].body[0].value;
        expect(blockCall).toMatchObject({ kind: "callChild", child: "block", args: [{ kind: "name", id: "x" }] });
        expect(JSON.stringify(a.program.modules)).not.toContain('"mode"');
      });

      test("input sizes become constructor config, as the guide's Model(din, dmid, dout)", () => {
        expect(block.config.map((f) => f.name)).toEqual(["in_features", "features"]);
        expect(model.config.map((f) => f.name)).toEqual(["in_features", "dmid", "dout"]);
        const [blockChild, linear] = model.children;
        expect(blockChild.ctor).toMatchObject({ kind: "module", args: { in_features: { kind: "config", field: "in_features" } } });
        expect(linear.ctor).toMatchObject({ kind: "layer", options: { inFeatures: { kind: "config", field: "dmid" } } });
        expect(a.entryConfig).toEqual({ in_features: 784, dmid: 256, dout: 10 });
      });

      test("the param map pairs every source parameter with its NNX path and shape", () => {
        const map = Object.fromEntries(a.paramMap.map((p) => [p.nnx, [p.source, p.shape]]));
        const src = fw === "haiku"
          ? { k1: "model/block/linear/w", b1: "model/block/linear/b", k2: "model/linear/w", b2: "model/linear/b" }
          : { k1: "params/Block_0/Dense_0/kernel", b1: "params/Block_0/Dense_0/bias", k2: "params/Dense_0/kernel", b2: "params/Dense_0/bias" };
        expect(map).toEqual({
          "block.linear.kernel": [src.k1, [784, 256]],
          "block.linear.bias": [src.b1, [256]],
          "linear.kernel": [src.k2, [256, 10]],
          "linear.bias": [src.b2, [10]],
        });
      });
    });
  }
});

describe("train/eval flags that cannot be lifted are reported", () => {
  test("a flag also used as a value", () => {
    const src = [
      "import haiku as hk", "import jax", "import jax.numpy as jnp",
      "class M(hk.Module):",
      "    def __call__(self, x, training):",
      "        x = hk.dropout(hk.next_rng_key(), 0.5 if training else 0, x)",
      "        return hk.Linear(3)(x) if training else x",
      "def f(x, training):",
      "    return M()(x, training)",
      "t = hk.transform(f)",
      "p = t.init(jax.random.key(0), jnp.ones((1, 4)), training=False)",
    ].join("\n");
    expect(() => analyzed(src)).toThrow(DiagnosticError);
    try {
      analyzed(src);
    } catch (e) {
      expect((e as DiagnosticError).diagnostics).toContainEqual(expect.objectContaining({ code: "NNX303", span: expect.objectContaining({ line: 5 }) }));
    }
  });
});

test("a layer stack whose layers keep batch-norm statistics is reported at the stack, not translated", () => {
  const text = fixture("layers/haiku_model.py").replace(
    "x = hk.dropout(hk.next_rng_key(), 0.5 if training else 0, x)",
    "x = hk.BatchNorm(True, True, 0.9)(x, is_training=training)",
  );
  const { program } = recognizeText(text);
  const diags = new DiagnosticBag("input.py");
  expect(() => analyze(program!, diags)).toThrow(DiagnosticError);
  const line = text.split("\n").findIndex((l) => l.includes("@hk.experimental.layer_stack")) + 1;
  expect(diags.items).toContainEqual(
    expect.objectContaining({ code: "NNX201", message: expect.stringContaining("batch norm's running statistics") }),
  );
  expect(diags.items[0].span!.line).toBeGreaterThanOrEqual(line);
});
