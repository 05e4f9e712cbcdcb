// Generated modules free their intermediates: calling one many times leaves
// only the outputs the caller holds (no tf.tidy needed around it).
import { readFile } from "node:fs/promises";
import { describe, expect, test } from "vitest";
import { translate } from "../../src/pipeline.js";
import { importGenerated } from "../../src/verify/load-module.js";
import { nnx, tf } from "../../runtime/index.js";
import { FIXTURES } from "../helpers/translate.js";

const CASES = ["basic/linen_model.py", "rnn/haiku_model.py", "cnn/linen_model.py", "toplevel/haiku_model.py", "layers/haiku_model.py", "methods/linen_model.py"];

describe.each(CASES)("%s", (path) => {
  test("20 calls of the entry method: tf.memory().numTensors grows by nothing once outputs are freed", async () => {
    const t = await translate(path, await readFile(FIXTURES + path, "utf8"));
    const generated = await importGenerated(t.code);
    const model = (generated[t.paramMap.factory] as (r: nnx.Rngs) => nnx.Module & { call(...x: tf.Tensor[]): tf.Tensor })(new nnx.Rngs(0));
    model.eval();
    const inputs = t.paramMap.inputs.map((i) => tf.ones(i.shape, i.dtype));
    const run = () => tf.dispose(model.call(...inputs));
    run();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 20; i++) run();
    expect(tf.memory().numTensors).toBe(before);
    nnx.dispose(model);
    tf.dispose(inputs);
  });
});
