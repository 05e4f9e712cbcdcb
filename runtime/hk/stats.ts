// jnp.mean / jnp.var with keepdims, as Haiku's normalization layers call them.

import { tf } from "../tf.js";

/** jnp.mean(x, axes, keepdims=True). */
export function meanKeep(x: tf.Tensor, axes: number[]): tf.Tensor {
  return tf.mean(x, axes, true);
}

/** jnp.var(x, axes, keepdims=True): sum((x - mean)²) / n. */
export function varKeep(x: tf.Tensor, axes: number[]): tf.Tensor {
  const centered = tf.sub(x, tf.mean(x, axes, true));
  const n = axes.reduce((a, ax) => a * x.shape[ax], 1);
  return tf.div(tf.sum(tf.square(centered), axes, true), n);
}
