// A few jax.numpy / jax.lax pieces the layers need that tfjs lacks or spells
// differently.

import { tf } from "./tf.js";

/** The array type of the runtime (NNX code says jax.Array). */
export type Array = tf.Tensor;

/** jax.lax.stop_gradient: identity forward, zero gradient. */
export function stopGradient<T extends tf.Tensor>(x: T): T {
  const f = tf.customGrad(((a: tf.Tensor) => ({
    value: a.clone(),
    gradFunc: (dy: tf.Tensor) => tf.zerosLike(dy),
  })) as unknown as Parameters<typeof tf.customGrad>[0]);
  return f(x) as T;
}

/**
 * `fn(...xs)` computed off the gradient tape, with a zero gradient to every
 * input. For boolean masks: tfjs records boolean ops on the tape and fails
 * when it tries to differentiate them, and stopGradient alone does not help
 * because the ops after it are still recorded.
 */
export function offTape(fn: (...xs: tf.Tensor[]) => tf.Tensor, ...xs: tf.Tensor[]): tf.Tensor {
  // The zero gradients are built from the inputs' shapes, not the inputs: an input made inside a
  // tf.tidy is disposed by the time the tape runs backwards.
  const like = xs.map((x) => [x.shape, x.dtype] as const);
  const f = tf.customGrad(((...args: tf.Tensor[]) => ({
    value: fn(...args.slice(0, xs.length)),
    gradFunc: () => like.map(([shape, dtype]) => tf.zeros(shape, dtype)),
  })) as unknown as Parameters<typeof tf.customGrad>[0]);
  return f(...xs) as tf.Tensor;
}

/** Sorted, deduplicated, non-negative axes. */
export function canonicalizeAxes(rank: number, axes: number | readonly number[]): number[] {
  const list = typeof axes === "number" ? [axes] : [...axes];
  const out = new Set<number>();
  for (const a of list) {
    const ax = a < 0 ? a + rank : a;
    if (ax < 0 || ax >= rank) throw new Error(`axis ${a} out of range for rank ${rank}`);
    out.add(ax);
  }
  return [...out].sort((a, b) => a - b);
}

/** jax.nn.logsumexp (no `b`/`where`): max is stop-gradient'ed and non-finite maxima replaced by 0. */
export function logsumexp(x: tf.Tensor, axis: number | number[] = -1, keepdims = false): tf.Tensor {
  return tf.tidy(() => {
    const axes = canonicalizeAxes(x.rank, axis);
    let amax = tf.max(x, axes, true);
    amax = stopGradient(tf.where(tf.isFinite(amax), amax, tf.zerosLike(amax)));
    const sumexp = tf.sum(tf.exp(tf.sub(x, amax)), axes, true);
    let out = tf.add(tf.log(sumexp), amax);
    if (!keepdims) out = tf.squeeze(out, axes);
    return out;
  });
}
