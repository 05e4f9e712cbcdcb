// nnx.vmap of a plain function (jax.vmap over axis 0 of every argument) and
// jnp.roll by an array of shifts (one per example inside the vmap), against
// live JAX: values and gradients, and no tensors left behind.
import { describe, expect, it } from "vitest";
import { jnp, nnx, tf } from "../../runtime/index.js";
import { pythonJson } from "../helpers/python.js";

const close = (a: tf.Tensor, e: number[]) => {
  const got = Array.from(a.dataSync());
  expect(got.length).toBe(e.length);
  got.forEach((v, i) => expect(Math.abs(v - e[i])).toBeLessThanOrEqual(1e-5 + 1e-4 * Math.abs(e[i])));
};

const X = Array.from({ length: 3 * 4 * 2 }, (_, i) => Math.sin(i + 1));
const N = [1, 3, 4];

describe("nnx.vmap", () => {
  it("runs a function per example and stacks its results, with jax.vmap's values and gradients", () => {
    const ref = pythonJson<{ y: number[]; g: number[] }>(`
import json, jax, jax.numpy as jnp, numpy as np
x = jnp.asarray(np.sin(np.arange(1, 25)).reshape(3, 4, 2), jnp.float32)
n = jnp.asarray([1, 3, 4], jnp.int32)
f = jax.vmap(lambda s, k: jnp.flip(jnp.roll(s, s.shape[0] - k, axis=0), axis=0) * jnp.tanh(s))
y = f(x, n)
g = jax.grad(lambda x: jnp.sum(f(x, n) ** 2))(x)
print(json.dumps({"y": np.asarray(y).ravel().tolist(), "g": np.asarray(g).ravel().tolist()}))
`);
    const x = tf.tensor(X, [3, 4, 2]);
    const n = tf.tensor(N, [3], "int32");
    const f = nnx.vmap((s: tf.Tensor, k: tf.Tensor) => tf.mul(jnp.flip(jnp.roll(s, tf.sub(tf.scalar(s.shape[0], "int32"), k), 0), 0), tf.tanh(s)));
    const y = f(x, n);
    expect(y.shape).toEqual([3, 4, 2]);
    close(y, ref.y);
    const g = tf.grad((x: tf.Tensor) => tf.sum(tf.square(f(x, n))))(x);
    close(g, ref.g);
    tf.dispose([y, g]);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 20; i++) f(x, n).dispose();
    expect(tf.memory().numTensors).toBe(before);
    tf.dispose([x, n]);
  });
});
