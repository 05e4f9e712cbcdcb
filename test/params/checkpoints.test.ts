// `nnxport params` end to end: train the guide's batch-norm model a few steps in
// Python, save it in every supported format, convert each, load the weights into
// the translated model, and compare its output with the trained original's.
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, test } from "vitest";
import { nnx, tf } from "../../runtime/index.js";
import { importGenerated } from "../../src/verify/load-module.js";
import { nnxport } from "../helpers/cli.js";
import { pythonJson } from "../helpers/python.js";
import { FIXTURES } from "../helpers/translate.js";

type Module = InstanceType<typeof nnx.Module>;

/** Trains `fixtures/state/<fw>_model.py` with its own train_state_step, then saves it every way a user might. */
function trainAndSave(framework: "linen" | "haiku", dir: string): { x: number[][]; out: number[][] } {
  return pythonJson(`
import json, os, pickle, runpy
import numpy as np
from flax import serialization
from flax.training import checkpoints
ns = runpy.run_path(${JSON.stringify(FIXTURES + `state/${framework}_model.py`)})
state, step, model = ns["state"], ns["train_state_step"], ns["model"]
rng = np.random.default_rng(0)
for i in range(3):
    x = rng.standard_normal((8, 784)).astype(np.float32)
    y = rng.integers(0, 10, (8,)).astype(np.int32)
    state = step(state, x, y)
x = rng.standard_normal((4, 784)).astype(np.float32)
d = ${JSON.stringify(dir)}
def flat(tree, prefix=""):
    out = {}
    for k, v in tree.items():
        if hasattr(v, "items"):
            out.update(flat(v, f"{prefix}{k}/"))
        else:
            out[f"{prefix}{k}"] = np.asarray(v)
    return out
if ${framework === "linen" ? "True" : "False"}:
    variables = {"params": state.params, "batch_stats": state.batch_stats}
    out = model.apply(variables, x, training=False)
    pickled = variables
else:
    variables = {"params": state.params, "state": state.batch_stats}
    out, _ = model.apply(state.params, state.batch_stats, None, x, training=False)
    pickled = (state.params, state.batch_stats)
def write(name, data):
    with open(os.path.join(d, name), "wb") as f:
        f.write(data)
write("trainstate.msgpack", serialization.to_bytes(state))
write("variables.msgpack", serialization.to_bytes(variables))
write("params.msgpack", serialization.to_bytes(state.params))
checkpoints.save_checkpoint(os.path.join(d, "orbax"), state, step=3)
import jax, orbax.checkpoint as ocp
mgr = ocp.CheckpointManager(os.path.join(d, "manager"))
mgr.save(1, args=ocp.args.StandardSave(jax.tree_util.tree_map(np.zeros_like, variables)))  # an older step, not to be read
mgr.save(3, args=ocp.args.StandardSave(variables))
mgr.wait_until_finished()
np.savez(os.path.join(d, "flat.npz"), **flat(variables))
np.savez_compressed(os.path.join(d, "compressed.npz"), **flat(variables))
np.save(os.path.join(d, "dict.npy"), flat(variables), allow_pickle=True)
with open(os.path.join(d, "weights.pkl"), "wb") as f:
    pickle.dump(pickled, f)
print(json.dumps({"x": x.tolist(), "out": np.asarray(out).tolist()}))
`);
}

/** The largest |ts − ref| of the translated model's eval output with the converted weights. */
async function outputError(code: string, weights: string, x: number[][], out: number[][]): Promise<number> {
  const generated = await importGenerated(code);
  const model = (generated.createModel as (r: nnx.Rngs) => Module)(new nnx.Rngs(0));
  try {
    nnx.loadWeights(model, weights);
    model.eval();
    const y = (model as unknown as { call: (x: tf.Tensor) => tf.Tensor }).call(tf.tensor(x));
    const err = tf.tidy(() => tf.max(tf.abs(tf.sub(y, tf.tensor(out)))).dataSync()[0]);
    y.dispose();
    return err;
  } finally {
    nnx.dispose(model);
  }
}

for (const framework of ["linen", "haiku"] as const) {
  describe(`nnxport params: ${framework} batch-norm model trained for 3 steps`, () => {
    let dir: string;
    let ref: { x: number[][]; out: number[][] };
    let code: string;
    const map = () => join(dir, "model.params.json");

    beforeAll(() => {
      dir = mkdtempSync(join(tmpdir(), `nnxport-params-${framework}-`));
      const r = nnxport(["convert", FIXTURES + `state/${framework}_model.py`, "-o", join(dir, "model.ts")]);
      expect(r.code, r.stderr).toBe(0);
      code = readFileSync(join(dir, "model.ts"), "utf8");
      ref = trainAndSave(framework, dir);
    }, 600_000);

    const formats: Array<[string, string[], RegExp]> = [
      ["trainstate.msgpack", [], /msgpack: read as a TrainState[^]*left out: the TrainState's optimizer state/],
      ["variables.msgpack", [], framework === "linen" ? /read as a variables dict/ : /read as a \{params, state\} dict/],
      ["orbax", [], /orbax: read as a TrainState/],
      ["manager", [], /orbax: read as/],
      ["flat.npz", [], /npz: read as/],
      ["compressed.npz", [], /npz: read as/],
      ["dict.npy", ["--allow-pickle"], /npy: read as/],
      ["weights.pkl", ["--allow-pickle"], framework === "linen" ? /pickle: read as a variables dict/ : /pickle: read as a \(params, state\) tuple/],
    ];
    for (const [file, flags, says] of formats) {
      test(`${file}${flags.length ? " " + flags.join(" ") : ""}: converts, loads, and gives the trained model's output`, async () => {
        const out = join(dir, `${file}.safetensors`);
        const r = nnxport(["params", join(dir, file), "--map", map(), "-o", out, ...flags]);
        expect(r.stderr).toMatch(says);
        expect(r.stderr).toContain(`${framework === "linen" ? 8 : 12} arrays written`);
        expect(r.code, r.stderr).toBe(0);
        const err = await outputError(code, out, ref.x, ref.out);
        const scale = Math.max(...ref.out.flat().map(Math.abs));
        expect(err).toBeLessThanOrEqual(1e-5 + 1e-4 * scale);
      });
    }

    test("the weights are the checkpoint's values to the bit (Python reads them back through the param map)", () => {
      const out = join(dir, "trainstate.msgpack.safetensors");
      if (!existsSync(out)) nnxport(["params", join(dir, "trainstate.msgpack"), "--map", map(), "-o", out]);
      const diff = pythonJson<{ compared: number; differ: string[] }>(`
import json, numpy as np
from flax import serialization
from safetensors.numpy import load_file
mp = json.load(open(${JSON.stringify(map())}))
raw = serialization.msgpack_restore(open(${JSON.stringify(join(dir, "trainstate.msgpack"))}, "rb").read())
def flat(tree, prefix=""):
    out = {}
    for k, v in tree.items():
        if isinstance(v, dict):
            out.update(flat(v, f"{prefix}{k}/"))
        else:
            out[f"{prefix}{k}"] = np.asarray(v)
    return out
state_key = "batch_stats"
src = {("params/" + k if ${framework === "linen" ? "True" : "False"} else k): v for k, v in flat(raw["params"]).items()}
src.update({(state_key + "/" + k if ${framework === "linen" ? "True" : "False"} else "state/" + k): v for k, v in flat(raw[state_key]).items()})
got = load_file(${JSON.stringify(out)})
differ = [e["nnx"] for e in mp["params"] if not np.array_equal(src[e["source"]].reshape(e["shape"]), got[e["nnx"]])]
print(json.dumps({"compared": len(mp["params"]), "differ": differ}))`);
      expect(diff.compared).toBeGreaterThan(3);
      expect(diff.differ).toEqual([]);
    });

    test("params alone lacks the batch statistics: each missing path is named, exit 1, nothing written", () => {
      const out = join(dir, "params-only.safetensors");
      const r = nnxport(["params", join(dir, "params.msgpack"), "--map", map(), "-o", out]);
      expect(r.code).toBe(1);
      const missing = framework === "linen" ? /batch_stats\/Block_0\/BatchNorm_0\/mean → block\.batchNorm\.mean: missing from the checkpoint/ : /state\/model\/block\/batch_norm\/~\/mean_ema\/average → block\.batchNorm\.mean: missing/;
      expect(r.stderr).toMatch(missing);
      expect(r.stderr).toMatch(/error NNX703/);
      expect(existsSync(out)).toBe(false);
    });

    test("a pickle without --allow-pickle is refused with the reason and the flag to pass (exit 3)", () => {
      for (const file of ["weights.pkl", "dict.npy"]) {
        const out = join(dir, `refused-${file}.safetensors`);
        const r = nnxport(["params", join(dir, file), "--map", map(), "-o", out]);
        expect(r.code).toBe(3);
        expect(r.stderr).toMatch(/error NNX702: .*runs code .*--allow-pickle/);
        expect(existsSync(out)).toBe(false);
      }
    });
  });
}
