// jnp.mean / jnp.var as XLA evaluates them: a sum, then a division by the
// element count, which XLA turns into a multiplication by f32(1 / n) unless
// the result is a scalar (see divByScalar).

import { tf } from "../tf.js";
import { divByScalar } from "./utils.js";

/** jnp.mean(x, axes, keepdims); all axes when `axes` is undefined. */
export function jnpMean(x: tf.Tensor, axes?: number[], keepdims = false): tf.Tensor {
  const all = axes ?? [...Array(x.rank).keys()];
  const n = all.reduce((a, ax) => a * x.shape[ax < 0 ? ax + x.rank : ax], 1);
  return divByScalar(tf.sum(x, all, keepdims), n);
}

/** jnp.mean(x, axes, keepdims=True). */
export function meanKeep(x: tf.Tensor, axes: number[]): tf.Tensor {
  return jnpMean(x, axes, true);
}

/** jnp.var(x, axes, keepdims=True): sum((x - mean)²) / n. */
export function varKeep(x: tf.Tensor, axes: number[]): tf.Tensor {
  return jnpMean(tf.square(tf.sub(x, meanKeep(x, axes))), axes, true);
}
