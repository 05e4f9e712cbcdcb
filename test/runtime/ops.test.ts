// runtime/ops.ts: stop_gradient and off-tape masks on intermediates made inside tf.tidy, under
// tf.grad and nnx.grad, against jax.grad of the same functions.
import { describe, expect, it } from "vitest";
import { nnx, tf } from "../../runtime/index.js";
import { offTape, stopGradient } from "../../runtime/ops.js";
import { pythonJson } from "../helpers/python.js";

const X = [0.5, -1, 2, -0.25];

const ref = pythonJson<{ sg: number[]; mask: number[] }>(`
import json, jax, jax.numpy as jnp
x = jnp.array(${JSON.stringify(X)}, jnp.float32)
sg = jax.grad(lambda v: jnp.sum((2 * v) * jax.lax.stop_gradient(jnp.exp(2 * v))))(x)
mask = jax.grad(lambda v: jnp.sum((2 * v) * jax.lax.stop_gradient((2 * v > 0).astype(jnp.float32))))(x)
print(json.dumps({"sg": sg.tolist(), "mask": mask.tolist()}))
`);

const close = (a: number[], b: number[]) => a.forEach((v, i) => expect(Math.abs(v - b[i])).toBeLessThanOrEqual(1e-5 + 1e-4 * Math.abs(b[i])));

describe("stopGradient and offTape inside tf.tidy", () => {
  it("stopGradient: the gradient flows only around it", () => {
    const x = tf.tensor1d(X);
    const g = tf.grad((v: tf.Tensor) => tf.tidy(() => {
      const h = tf.mul(v, 2);
      return tf.sum(tf.mul(h, stopGradient(tf.exp(h))));
    }))(x);
    close(Array.from(g.dataSync()), ref.sg);
    tf.dispose([x, g]);
  });

  it("offTape: a boolean mask of an intermediate gets a zero gradient, with no tensors left behind", () => {
    const x = tf.tensor1d(X);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 20; i++) {
      const g = tf.grad((v: tf.Tensor) => tf.tidy(() => {
        const h = tf.mul(v, 2);
        return tf.sum(tf.mul(h, offTape((a) => tf.cast(tf.greater(a, 0), "float32"), h)));
      }))(x);
      close(Array.from(g.dataSync()), ref.mask);
      g.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
  });

  it("under nnx.grad of a module", () => {
    class M extends nnx.Module {
      w = new nnx.Param(tf.tensor1d(X));
    }
    const m = new M();
    const grads = nnx.grad((mod: M) => tf.tidy(() => {
      const h = tf.mul(mod.w.value, 2);
      return tf.sum(tf.mul(h, stopGradient(tf.exp(h))));
    }))(m);
    const [[, leaf]] = nnx.toFlatState(grads);
    const t = leaf instanceof nnx.Variable ? (leaf.value as tf.Tensor) : (leaf as tf.Tensor);
    close(Array.from(t.dataSync()), ref.sg);
    nnx.dispose(grads);
    nnx.dispose(m);
  });
});
