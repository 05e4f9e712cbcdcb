// The generated training steps run: they train (the loss falls on a fixed
// batch) and free every tensor they make, step after step.
import { describe, expect, test } from "vitest";
import { readFile } from "node:fs/promises";
import { translate } from "../../src/pipeline.js";
import { importGenerated } from "../../src/verify/load-module.js";
import { nnx, tf } from "../../runtime/index.js";
import { FIXTURES } from "../helpers/translate.js";

type Model = InstanceType<typeof nnx.Module> & { call(x: tf.Tensor): tf.Tensor };

async function load(path: string) {
  const t = await translate(path, await readFile(FIXTURES + path, "utf8"));
  return importGenerated(t.code);
}

const meanLoss = (model: Model, x: tf.Tensor, y: tf.Tensor) =>
  tf.tidy(() => tf.mean(nnx.optax.softmaxCrossEntropyWithIntegerLabels(model.call(x), y)).dataSync()[0]);

describe.each([
  ["training/haiku_model.py", "trainStep"],
  ["trainstate/linen_model.py", "trainStep"],
  ["state/linen_model.py", "trainStep"],
  ["state/haiku_model.py", "trainStateStep"],
])("%s", (path, name) => {
  test(`${name} lowers the loss on a fixed batch and leaks no tensors over 50 steps`, async () => {
    const generated = await load(path);
    const model = (generated.createModel as (r: nnx.Rngs) => Model)(new nnx.Rngs(0));
    const step = generated[name] as (...args: unknown[]) => void;
    // (model, optimizer, inputs, labels) when the source's step takes a TrainState.
    const optimizer = step.length === 4 ? (generated.createOptimizer as (m: Model) => object)(model) : undefined;
    const batch = path.startsWith("state/") ? 8 : 4;
    const x = tf.randomNormal([batch, 784], 0, 1, "float32", 1);
    const y = tf.randomUniform([batch], 0, 10, "int32", 2);
    const run = () => step(model, ...(optimizer ? [optimizer] : []), x, y);

    model.eval();
    const before = meanLoss(model, x, y);
    run(); // the first step may create lazily kept state
    const tensors = tf.memory().numTensors;
    for (let i = 0; i < 49; i++) run();
    expect(tf.memory().numTensors).toBe(tensors);
    model.eval();
    expect(meanLoss(model, x, y)).toBeLessThan(before * 0.5);

    nnx.dispose(model);
    if (optimizer) nnx.dispose(optimizer);
    tf.dispose([x, y]);
  });
});
