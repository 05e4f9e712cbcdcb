import { mkdtempSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { nnx, tf } from "../../runtime/index.js";
import { loadSafetensors, saveSafetensors } from "../../runtime/safetensors.js";
import { Block } from "../helpers/nnx-models.js";
import { pythonJson } from "../helpers/python.js";

const values = (m: object) => [...nnx.weightVariables(m)].map(([k, v]) => [k, Array.from((v.value as tf.Tensor).dataSync())]);

describe("nnx.saveWeights / nnx.loadWeights", () => {
  test("names are NNX's own dotted state paths (RNG state left out), and Python reads the file", () => {
    const dir = mkdtempSync(join(tmpdir(), "nnxport-w-"));
    const file = join(dir, "w.safetensors");
    const model = new Block(3, 4, new nnx.Rngs(0));
    nnx.saveWeights(model, file);
    expect(readdirSync(dir)).toEqual(["w.safetensors"]); // no temp file left behind
    const ref = pythonJson<{ nnx: Record<string, number[]>; file: Record<string, number[]> }>(`
import json
from flax import nnx
from safetensors.numpy import load_file
class Block(nnx.Module):
    def __init__(self, din, dout, rngs):
        self.linear = nnx.Linear(din, dout, rngs=rngs)
        self.bn = nnx.BatchNorm(dout, rngs=rngs)
        self.dropout = nnx.Dropout(0.5, rngs=rngs)
m = Block(3, 4, nnx.Rngs(0))
flat = nnx.to_flat_state(nnx.state(m, nnx.Not(nnx.RngState)))
print(json.dumps({"nnx": {".".join(map(str, p)): list(v.shape) for p, v in flat},
                  "file": {k: list(v.shape) for k, v in load_file("${file}").items()}}))`);
    expect(ref.file).toEqual(ref.nnx);
    nnx.dispose(model);
  });

  test("a round trip restores every weight, and loading takes bytes or a path", () => {
    const file = join(mkdtempSync(join(tmpdir(), "nnxport-w-")), "w.safetensors");
    const a = new Block(3, 4, new nnx.Rngs(0));
    a.bn.mean.value = tf.fill([4], 0.25);
    nnx.saveWeights(a, file);
    const b = new Block(3, 4, new nnx.Rngs(7));
    expect(values(b)).not.toEqual(values(a));
    nnx.loadWeights(b, file);
    expect(values(b)).toEqual(values(a));
    const c = new Block(3, 4, new nnx.Rngs(8));
    nnx.loadWeights(c, nnx.weightsToBytes(a));
    expect(values(c)).toEqual(values(a));
    nnx.dispose([a, b, c]);
  });

  test("missing, extra and wrongly-shaped tensors are all named, and nothing is loaded", () => {
    const a = new Block(3, 4, new nnx.Rngs(0));
    const { tensors } = loadSafetensors(nnx.weightsToBytes(a));
    const before = values(a);
    delete tensors["bn.var"];
    tensors["extra.w"] = tf.zeros([2]);
    tensors["linear.kernel"] = tf.zeros([4, 3]);
    expect(() => nnx.loadWeights(a, saveSafetensors(tensors))).toThrow(
      /bn\.var: missing from the weights[^]*linear\.kernel: weights have shape \[4,3\], the model \[3,4\][^]*extra\.w: in the weights but not in the model/,
    );
    expect(values(a)).toEqual(before);
    const truncated = nnx.weightsToBytes(a).subarray(0, 40);
    expect(() => nnx.loadWeights(a, truncated)).toThrow(nnx.WeightsError);
    tf.dispose(Object.values(tensors));
    nnx.dispose(a);
  });

  test("float64 files load into float32 variables", () => {
    const file = join(mkdtempSync(join(tmpdir(), "nnxport-w-")), "w.safetensors");
    const lin = new nnx.Linear(2, 2, { rngs: new nnx.Rngs(0) });
    const ref = pythonJson<number[][]>(`
import json, numpy as np
from safetensors.numpy import save_file
k = np.array([[0.1, 0.2], [0.3, 0.4]], np.float64)
save_file({"kernel": k, "bias": np.zeros(2)}, "${file}")
print(json.dumps(k.astype(np.float32).tolist()))`);
    nnx.loadWeights(lin, file);
    expect(lin.kernel.value.dtype).toBe("float32");
    expect(lin.kernel.value.arraySync()).toEqual(ref);
    nnx.dispose(lin);
  });

  test("loading many times leaks no tensors", () => {
    const a = new Block(3, 4, new nnx.Rngs(0));
    const bytes = nnx.weightsToBytes(a);
    nnx.loadWeights(a, bytes);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 50; i++) nnx.loadWeights(a, bytes);
    for (let i = 0; i < 10; i++) expect(() => nnx.loadWeights(a, bytes.subarray(0, bytes.length - 8))).toThrow();
    expect(tf.memory().numTensors).toBe(before);
    nnx.dispose(a);
  });
});
