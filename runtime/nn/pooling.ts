// flax.linen.pooling (re-exported by flax.nnx): pool, avgPool, maxPool, minPool
// over the window dims of (*batch, *window dims, features) inputs, as
// lax.reduce_window computes them: padding is filled with the reduction's init
// value, windows are swept with strides. Max/min gradients go to the first
// extreme element of each window in row-major order, as JAX's reduce_window
// VJP (select_and_scatter_add) does at ties.

import { tf } from "../tf.js";
import { type PadPairs, padAxis, padtypeToPads, windowSlices } from "./conv_ops.js";

/** "SAME", "VALID" (or lax's "SAME_LOWER"), or one (low, high) pair per window dim. */
export type PoolPadding = string | readonly (readonly [number, number])[];

export interface PoolOptions {
  /** Default: 1 per window dim. */
  strides?: readonly number[] | null;
  /** Default "VALID". */
  padding?: PoolPadding;
}

export interface AvgPoolOptions extends PoolOptions {
  /** Divide by the full window size (default) or by the number of non-padding elements. */
  countIncludePad?: boolean;
}

/** Padding pairs, flattened-batch input, and a function that restores the caller's batch dims. */
function prepare(inputs: tf.Tensor, window: readonly number[], strides: number[], padding: PoolPadding) {
  const n = window.length;
  const numBatch = inputs.rank - (n + 1);
  if (numBatch < 0) throw new Error(`pool: input of rank ${inputs.rank} has fewer dims than the ${n} window dims plus features`);
  const batchShape = inputs.shape.slice(0, numBatch);
  const x = tf.reshape(inputs, [-1, ...inputs.shape.slice(numBatch)]);
  let pads: PadPairs;
  if (typeof padding === "string") pads = padtypeToPads(x.shape.slice(1, n + 1), [...window], strides, padding);
  else {
    if (padding.length !== n) throw new Error(`padding ${JSON.stringify(padding)} must specify pads for same number of dims as window_shape ${JSON.stringify(window)}`);
    if (!padding.every((p) => p.length === 2)) throw new Error(`each entry in padding ${JSON.stringify(padding)} must be length 2`);
    pads = padding.map(([lo, hi]) => [lo, hi]);
  }
  const restore = (y: tf.Tensor) => tf.reshape(y, [...batchShape, ...y.shape.slice(1)]);
  return { x, pads, restore };
}

function stridesOf(window: readonly number[], strides: readonly number[] | null | undefined): number[] {
  const s = strides && strides.length > 0 ? [...strides] : window.map(() => 1);
  if (s.length !== window.length) throw new Error(`len(${JSON.stringify(window)}) must equal len(${JSON.stringify(s)})`);
  return s;
}

/** The window slices of the padded input (padding filled with `fill`), in row-major window order. */
function windows(x: tf.Tensor, window: readonly number[], strides: number[], pads: PadPairs, fill: number): tf.Tensor[] {
  pads.forEach(([lo, hi], i) => (x = padAxis(x, i + 1, lo, hi, fill)));
  return windowSlices(x, [...window], strides, window.map(() => 1));
}

/**
 * flax's pool: reduces each window with `reduceFn` (a binary function, like
 * lax.add or lax.max) starting from `init`. As XLA:CPU's reduce_window does,
 * padding elements take no part (for an init that is the reduction's identity,
 * as in avg/max/min pooling, that is the same as padding with it).
 */
export function pool(
  inputs: tf.Tensor,
  init: number,
  reduceFn: (a: tf.Tensor, b: tf.Tensor) => tf.Tensor,
  windowShape: readonly number[],
  strides?: readonly number[] | null,
  padding: PoolPadding = "VALID",
): tf.Tensor {
  return tf.tidy(() => {
    const s = stridesOf(windowShape, strides);
    const { x, pads, restore } = prepare(inputs, windowShape, s, padding);
    const slices = windows(x, windowShape, s, pads, init);
    const real = windows(tf.ones([1, ...x.shape.slice(1, -1), 1], "bool"), windowShape, s, pads, 0);
    let acc = tf.fill(slices[0].shape, init, slices[0].dtype);
    slices.forEach((w, k) => {
      acc = tf.where(tf.broadcastTo(real[k], acc.shape), reduceFn(acc, w), acc);
    });
    return restore(acc);
  });
}

/** Folds the windows left to right, so that ties keep the earlier element (its gradient too). */
function foldWindows(inputs: tf.Tensor, windowShape: readonly number[], o: PoolOptions, fill: number, f: (a: tf.Tensor, b: tf.Tensor) => tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const s = stridesOf(windowShape, o.strides);
    const { x, pads, restore } = prepare(inputs, windowShape, s, o.padding ?? "VALID");
    const slices = windows(x, windowShape, s, pads, fill);
    // tf.maximum/minimum send the gradient of a tie to their first operand: the earlier window element.
    return restore(slices.slice(1).reduce(f, slices[0]));
  });
}

/** flax's max_pool: the maximum of each window (padding counts as -inf). */
export function maxPool(inputs: tf.Tensor, windowShape: readonly number[], options: PoolOptions = {}): tf.Tensor {
  return foldWindows(inputs, windowShape, options, -Infinity, tf.maximum);
}

/** flax's min_pool: the minimum of each window (padding counts as +inf). */
export function minPool(inputs: tf.Tensor, windowShape: readonly number[], options: PoolOptions = {}): tf.Tensor {
  return foldWindows(inputs, windowShape, options, Infinity, tf.minimum);
}

/** flax's avg_pool: window sums divided by the window size, or by the count of non-padding elements. */
export function avgPool(inputs: tf.Tensor, windowShape: readonly number[], options: AvgPoolOptions = {}): tf.Tensor {
  const { countIncludePad = true, ...o } = options;
  return tf.tidy(() => {
    const y = foldWindows(inputs, windowShape, o, 0, tf.add);
    if (countIncludePad) return tf.div(y, windowShape.reduce((a, b) => a * b, 1));
    // Count the real elements of each window: the same pooling of ones (no batch dims, one feature).
    const n = windowShape.length;
    const ones = tf.ones([...inputs.shape.slice(inputs.rank - n - 1, -1), 1]);
    return tf.div(y, foldWindows(ones, windowShape, o, 0, tf.add));
  });
}
