// Generated modules free their intermediates: calling one many times leaves
// only the outputs the caller holds (no tf.tidy needed around it).
import { readFile } from "node:fs/promises";
import { describe, expect, test } from "vitest";
import { translate } from "../../src/translate.js";
import { importGenerated } from "../../src/verify/load-module.js";
import { nnx, tf } from "../../runtime/index.js";
import { FIXTURES } from "../helpers/translate.js";

const CASES = ["basic/linen_model.py", "rnn/haiku_model.py", "cnn/linen_model.py", "toplevel/haiku_model.py", "layers/haiku_model.py", "methods/linen_model.py"];

describe.each(CASES)("%s", (path) => {
  test("20 calls of the entry method: tf.memory().numTensors grows by nothing once outputs are freed", async () => {
    const t = await translate(path, await readFile(FIXTURES + path, "utf8"));
    const generated = await importGenerated(t.code);
    const model = (generated[t.paramMap!.factory] as (r: nnx.Rngs) => nnx.Module & { call(...x: tf.Tensor[]): tf.Tensor })(new nnx.Rngs(0));
    model.eval();
    const inputs = t.paramMap!.inputs.map((i) => tf.ones(i.shape, i.dtype));
    const run = () => tf.dispose(model.call(...inputs));
    run();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 20; i++) run();
    expect(tf.memory().numTensors).toBe(before);
    nnx.dispose(model);
    tf.dispose(inputs);
  });
});

const STEP_CASES = ["training/linen_model.py", "trainstate/haiku_model.py", "state/linen_model.py"];

describe.each(STEP_CASES)("%s", (path) => {
  test("100 generated training steps, eager and compiled: tf.memory().numTensors stays flat", async () => {
    const t = await translate(path, await readFile(FIXTURES + path, "utf8"));
    const generated = await importGenerated(t.code);
    const model = (generated[t.paramMap!.factory] as (r: nnx.Rngs) => nnx.Module & { call(...x: tf.Tensor[]): tf.Tensor })(new nnx.Rngs(0));
    const inputs = t.paramMap!.inputs.map((i) => tf.randomNormal(i.shape));
    model.eval();
    const out = model.call(...inputs);
    const classes = tf.randomUniformInt(out.shape.slice(0, -1), 0, out.shape[out.shape.length - 1]);
    out.dispose();
    for (const step of t.staged.steps.flatMap((s) => [s.tsEager, s.tsFunction].map((fn) => ({ ...s, fn })))) {
      const optimizer = step.usesOptimizer ? (generated.createOptimizer as (m: nnx.Module) => object)(model) : undefined;
      const data = step.params.filter((p) => p.role.kind === "input" || p.role.kind === "labels").map((p) => (p.role.kind === "input" ? inputs[0] : classes));
      const run = () => tf.dispose((generated[step.fn] as (...a: unknown[]) => tf.Tensor | undefined)(model, ...(optimizer ? [optimizer] : []), ...data));
      run();
      const before = tf.memory().numTensors;
      for (let i = 0; i < 100; i++) run();
      expect(tf.memory().numTensors).toBe(before);
      if (optimizer) nnx.dispose(optimizer);
    }
    expect(t.staged.steps.length).toBeGreaterThan(0);
    nnx.dispose(model);
    tf.dispose([...inputs, classes]);
  }, 120_000);
});
