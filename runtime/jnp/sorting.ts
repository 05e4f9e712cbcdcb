// jnp.sort / jnp.argsort (jax/_src/numpy/sorting.py): stable, NaNs last
// (-0 and +0 tie, as in lax.sort's comparator). The order is computed on the host
// (indices have no gradient); sort gathers by it, so gradients flow to the
// elements as JAX's sort JVP sends them.
import { tf } from "../tf.js";
import { normAxis } from "./axes.js";
import type { ArrayLike } from "./dtypes.js";
import { asArray } from "./promote.js";

function totalOrder(a: number, b: number): number {
  const na = Number.isNaN(a);
  const nb = Number.isNaN(b);
  if (na || nb) return na && nb ? 0 : na ? 1 : -1;
  return a === b ? 0 : a < b ? -1 : 1;
}

export interface SortOptions {
  /** Largest first. */
  descending?: boolean;
}

/** The sorting permutation along the last axis of a [rows, n] view, as JAX's argsort computes it. */
function orderLastAxis(x: tf.Tensor, descending: boolean): Int32Array {
  const n = x.shape[x.rank - 1];
  const data = x.dataSync();
  const out = new Int32Array(data.length);
  for (let r = 0; r < data.length; r += n) {
    // A stable descending sort reverses the row, sorts ascending, and reverses the result.
    const idx = Array.from({ length: n }, (_, k) => (descending ? n - 1 - k : k));
    idx.sort((p, q) => totalOrder(data[r + p], data[r + q]));
    if (descending) idx.reverse();
    out.set(idx, r);
  }
  return out;
}

function withAxisLast<T>(a: ArrayLike, axis: number | null, f: (x: tf.Tensor, ax: number) => T): T {
  let x = asArray(a);
  if (axis === null) x = tf.reshape(x, [-1]);
  return f(x, normAxis(axis ?? -1, x.rank));
}

function moveLast(x: tf.Tensor, ax: number): [tf.Tensor, number[]] {
  const perm = [...Array(x.rank).keys()].filter((d) => d !== ax).concat(ax);
  return [tf.transpose(x, perm), perm];
}

function moveBack(x: tf.Tensor, perm: number[]): tf.Tensor {
  return tf.transpose(x, perm.map((_, i) => perm.indexOf(i)));
}

/** jnp.argsort(a, axis=-1, stable=True, descending=False): int32 indices. */
export function argsort(a: ArrayLike, axis: number | null = -1, options: SortOptions = {}): tf.Tensor {
  return tf.tidy(() =>
    withAxisLast(a, axis, (x, ax) => {
      if (x.rank === 0) return tf.zeros([], "int32");
      const [last, perm] = moveLast(x, ax);
      return moveBack(tf.tensor(orderLastAxis(last, options.descending ?? false), last.shape, "int32"), perm);
    }),
  );
}

/** jnp.sort(a, axis=-1, stable=True, descending=False). */
export function sort(a: ArrayLike, axis: number | null = -1, options: SortOptions = {}): tf.Tensor {
  return tf.tidy(() =>
    withAxisLast(a, axis, (x, ax) => {
      if (x.rank === 0) return x.clone();
      const [last, perm] = moveLast(x, ax);
      const n = last.shape[last.rank - 1];
      const order = orderLastAxis(last, false);
      // Flat positions of the sorted elements, gathered in one differentiable step.
      const flat = Int32Array.from(order, (k, i) => i - (i % n) + k);
      let sorted = tf.reshape(tf.gather(tf.reshape(last, [-1]), tf.tensor1d(flat, "int32")), last.shape);
      if (options.descending) sorted = tf.reverse(sorted, [last.rank - 1]);
      return moveBack(sorted, perm);
    }),
  );
}
