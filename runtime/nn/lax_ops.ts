// Element-wise ops whose tfjs gradients differ from JAX's at ties and at zero:
// lax.max/min send half the gradient to each side of a tie (tf.maximum sends it
// all to the first), and lax.abs has derivative +1 at 0 (tf.abs: -1). These
// give JAX's values and JAX's gradients.

import { tf } from "../tf.js";

type Unary = (x: tf.Tensor) => tf.Tensor;

/** A unary op with value `forward(x)` and gradient `dy * derivative(x, y)` (forward ops are not taped). */
export function withGradient(forward: Unary, derivative: (x: tf.Tensor, y: tf.Tensor) => tf.Tensor): Unary {
  const f = tf.customGrad(((x: tf.Tensor, save: tf.GradSaveFunc) => {
    const value = forward(x);
    save([x, value]);
    return {
      value,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.mul(dy, derivative(saved[0], saved[1])),
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return (x) => f(x) as tf.Tensor;
}

/** JAX's _balanced_eq(x, ans, c): 1 where x alone is the result, 1/2 where x and c tie, 0 elsewhere. */
function balanced(x: tf.Tensor, ans: tf.Tensor, c: number): tf.Tensor {
  const mine = tf.cast(tf.equal(x, ans), "float32");
  const tie = tf.equal(ans, tf.scalar(c, "float32"));
  return tf.div(mine, tf.where(tie, tf.fill(ans.shape, 2), tf.onesLike(ans)));
}

/** jnp.maximum(x, c) for a constant c, with lax.max's gradient. */
export function maximum(x: tf.Tensor, c: number): tf.Tensor {
  return withGradient(
    (v) => tf.maximum(v, c),
    (v, y) => balanced(v, y, c),
  )(x);
}

/** jnp.minimum(x, c) for a constant c, with lax.min's gradient. */
export function minimum(x: tf.Tensor, c: number): tf.Tensor {
  return withGradient(
    (v) => tf.minimum(v, c),
    (v, y) => balanced(v, y, c),
  )(x);
}

/** jnp.clip(x, lo, hi) = minimum(maximum(x, lo), hi), as jax.numpy writes it. */
export function clip(x: tf.Tensor, lo: number | null, hi: number | null): tf.Tensor {
  let y = x;
  if (lo !== null) y = maximum(y, lo);
  if (hi !== null) y = minimum(y, hi);
  return y;
}

/** jnp.abs with lax.abs's gradient: +1 at 0. */
export function abs(x: tf.Tensor): tf.Tensor {
  return withGradient(tf.abs, (v) => tf.where(tf.greaterEqual(v, 0), tf.onesLike(v), tf.fill(v.shape, -1)))(x);
}
