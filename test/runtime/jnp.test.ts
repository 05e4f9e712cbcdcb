import { describe, expect, test } from "vitest";
import { jnp, nnx, tf } from "../../runtime/index.js";
import { pythonJson } from "../helpers/python.js";

describe("jnp facade: JAX's promotion where tfjs would refuse mixed dtypes", () => {
  test("int32 array with Python ints stays int32; with floats and float arrays becomes float32", () => {
    const expected = pythonJson<Record<string, [string, number[]]>>(`
import json, jax.numpy as jnp
c = jnp.ones((), jnp.int32); m = jnp.ones((2,), jnp.float32) * 1.5
r = {"c+1": c + 1, "c*0.5": c * 0.5, "m*c": m * c, "c/2": c / 2}
print(json.dumps({k: [str(v.dtype), jnp.ravel(v).tolist()] for k, v in r.items()}))`);
    const c = tf.ones([], "int32");
    const m = tf.mul(tf.ones([2]), 1.5);
    const actual = { "c+1": jnp.add(c, 1), "c*0.5": jnp.multiply(c, 0.5), "m*c": jnp.multiply(m, c), "c/2": jnp.divide(c, 2) };
    for (const [k, t] of Object.entries(actual)) {
      expect([t.dtype, Array.from(t.dataSync())], k).toEqual(expected[k]);
    }
  });

  test("concatenate and swapaxes match jax.numpy", () => {
    const expected = pythonJson<{ cat: number[]; catShape: number[]; sw: number[]; swShape: number[] }>(`
import json, numpy as np, jax.numpy as jnp
a = jnp.arange(6.).reshape(1, 2, 3); b = jnp.arange(4.).reshape(1, 2, 2)
cat = jnp.concatenate([a, b], axis=-1); sw = jnp.swapaxes(a, 1, 0)
print(json.dumps({"cat": cat.ravel().tolist(), "catShape": list(cat.shape), "sw": sw.ravel().tolist(), "swShape": list(sw.shape)}))`);
    const a = tf.reshape(tf.range(0, 6), [1, 2, 3]);
    const b = tf.reshape(tf.range(0, 4), [1, 2, 2]);
    const cat = jnp.concatenate([a, b], -1);
    const sw = jnp.swapaxes(a, 1, 0);
    expect([Array.from(cat.dataSync()), cat.shape]).toEqual([expected.cat, expected.catShape]);
    expect([Array.from(sw.dataSync()), sw.shape]).toEqual([expected.sw, expected.swShape]);
  });
});

describe("nnx.scan", () => {
  test("equals jax.lax.scan for a carried cumulative sum, and frees what it does not return", () => {
    const expected = pythonJson<{ carry: number[]; ys: number[] }>(`
import json, jax, jax.numpy as jnp
xs = jnp.arange(12.).reshape(2, 3, 2)  # scan over axis 1
def step(c, x): c = c + x; return c, c * 2
c, ys = jax.lax.scan(step, jnp.zeros((2, 2)), jnp.swapaxes(xs, 0, 1))
print(json.dumps({"carry": c.ravel().tolist(), "ys": jnp.swapaxes(ys, 0, 1).ravel().tolist()}))`);
    const xs = tf.reshape(tf.range(0, 12), [2, 3, 2]);
    const init = tf.zeros([2, 2]);
    const before = tf.memory().numTensors;
    const [carry, ys] = nnx.scan((c, x) => { const n = tf.add(c, x); return [n, tf.mul(n, 2)]; }, { inAxes: [nnx.Carry, 1], outAxes: [nnx.Carry, 1] })(init, xs);
    expect(Array.from(carry.dataSync())).toEqual(expected.carry);
    expect(Array.from(ys.dataSync())).toEqual(expected.ys);
    expect(ys.shape).toEqual([2, 3, 2]);
    expect(tf.memory().numTensors - before).toBe(2);
  });
});
