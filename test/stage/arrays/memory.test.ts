// Translated array code frees what it computes: calling a model many times
// leaves tf.memory().numTensors where it was once its outputs are freed
// (gathers, scatters, tf.unstack rows, random draws, lax slices included).
import { describe, expect, it } from "vitest";
import { nnx, tf } from "../../../runtime/index.js";
import { importGenerated } from "../../../src/verify/load-module.js";
import { translateText } from "../../helpers/verify-text.js";
import { LAX_RANDOM, LAYOUT, MIXED, SUBS } from "./programs.js";

type Model = nnx.Module & { call(...x: tf.Tensor[]): tf.TensorContainer };

describe("memory", () => {
  it.each([
    ["mixed.py", MIXED],
    ["subs.py", SUBS],
    ["laxrand.py", LAX_RANDOM],
    ["layout.py", LAYOUT],
  ])("%s: 10 calls leave the tensor count flat", async (name, text) => {
    const t = await translateText(name, text);
    const generated = await importGenerated(t.code);
    const model = (generated[t.paramMap!.factory] as (r: nnx.Rngs) => Model)(new nnx.Rngs(0));
    const inputs = t.paramMap!.inputs.map((i) => tf.ones(i.shape!, i.dtype === "int32" ? "int32" : "float32"));
    const run = () => tf.dispose(model.call(...inputs));
    run();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 10; i++) run();
    expect(tf.memory().numTensors).toBe(before);
    nnx.dispose(model);
    tf.dispose(inputs);
  }, 120_000);
});
