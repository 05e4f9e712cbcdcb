// Nested structures of arrays (JAX pytrees) as the hk.* functions pass them:
// a tensor, null, an array (tuple) or a plain object (NamedTuple / dict) of them.

import { tf } from "../tf.js";

export type Nest = tf.Tensor | null | readonly Nest[] | { readonly [key: string]: Nest };

function isRecord(x: Nest): x is { readonly [key: string]: Nest } {
  return x !== null && !(x instanceof tf.Tensor) && !Array.isArray(x);
}

/** jax.tree.leaves (null is an empty subtree, as None in JAX). */
export function leaves(x: Nest): tf.Tensor[] {
  if (x === null) return [];
  if (x instanceof tf.Tensor) return [x];
  if (Array.isArray(x)) return x.flatMap(leaves);
  return Object.keys(x as object).flatMap((k) => leaves((x as Record<string, Nest>)[k]));
}

/**
 * jax.tree.map(f, first, ...rest): `rest` must have `first`'s structure; f sees
 * one leaf of each. Objects are matched by key, arrays by index.
 */
export function treeMap<T extends Nest>(f: (...xs: tf.Tensor[]) => tf.Tensor, first: T, ...rest: Nest[]): T {
  const go = (x: Nest, others: Nest[]): Nest => {
    if (x === null) return null;
    if (x instanceof tf.Tensor) {
      others.forEach((o) => {
        if (!(o instanceof tf.Tensor)) throw new Error("treeMap: trees have different structures");
      });
      return f(x, ...(others as tf.Tensor[]));
    }
    if (Array.isArray(x)) {
      others.forEach((o) => {
        if (!Array.isArray(o) || o.length !== x.length) throw new Error("treeMap: trees have different structures");
      });
      return x.map((v: Nest, i: number) => go(v, others.map((o) => (o as readonly Nest[])[i])));
    }
    const rec = x as Record<string, Nest>;
    const out: Record<string, Nest> = {};
    for (const k of Object.keys(rec)) {
      out[k] = go(
        rec[k],
        others.map((o) => {
          if (o === null || o instanceof tf.Tensor || Array.isArray(o) || !(k in (o as object))) {
            throw new Error("treeMap: trees have different structures");
          }
          return (o as Record<string, Nest>)[k];
        }),
      );
    }
    return out;
  };
  return go(first, rest) as T;
}

/** jax.tree.map(lambda *xs: f(xs), *trees) for a list of trees with one structure. */
export function treeStack<T extends Nest>(trees: readonly T[], f: (xs: tf.Tensor[]) => tf.Tensor): T {
  if (trees.length === 0) throw new Error("treeStack: no trees");
  return treeMap((...xs: tf.Tensor[]) => f(xs), trees[0], ...trees.slice(1));
}

export { isRecord };

/** tf.tidy for a function returning a nest (tfjs's TensorContainer type has no null). */
export function tidyNest<T>(fn: () => T): T {
  return tf.tidy(() => fn() as unknown as tf.TensorContainer) as unknown as T;
}
