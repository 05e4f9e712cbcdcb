// Minimal pytree utilities for optax-style code: a tree is a tensor, null
// (optax's None: "no update"), an array of trees or a plain object of trees.
// Object keys are visited sorted, like jax dicts.

import { tf } from "../tf.js";

export type Tree = tf.Tensor | null | undefined | readonly Tree[] | { readonly [key: string]: Tree };

function isPlainObject(x: unknown): x is Record<string, Tree> {
  if (typeof x !== "object" || x === null || x instanceof tf.Tensor || Array.isArray(x)) return false;
  const proto = Object.getPrototypeOf(x);
  return proto === Object.prototype || proto === null;
}

/**
 * jax.tree.map: f over the leaves of `tree` and the matching leaves of `rest`.
 * null leaves of the first tree stay null (optax `is_leaf=lambda x: x is None`).
 */
export function treeMap(f: (...leaves: any[]) => Tree, tree: Tree, ...rest: Tree[]): Tree {
  if (tree === null || tree === undefined) return tree;
  if (tree instanceof tf.Tensor) return f(tree, ...rest);
  if (Array.isArray(tree)) {
    for (const r of rest) if (!Array.isArray(r) || r.length !== tree.length) throw new Error("treeMap: structure mismatch");
    return tree.map((t, i) => treeMap(f, t, ...rest.map((r) => (r as Tree[])[i])));
  }
  if (isPlainObject(tree)) {
    const out: Record<string, Tree> = {};
    for (const k of Object.keys(tree).sort()) {
      for (const r of rest) if (!isPlainObject(r) || !(k in r)) throw new Error(`treeMap: structure mismatch at '${k}'`);
      out[k] = treeMap(f, tree[k], ...rest.map((r) => (r as Record<string, Tree>)[k]));
    }
    return out;
  }
  throw new TypeError(`treeMap: unsupported tree node ${String(tree)}`);
}

/** The tensors of a tree in traversal order. */
export function treeLeaves(tree: Tree): tf.Tensor[] {
  const out: tf.Tensor[] = [];
  const walk = (t: Tree) => {
    if (t === null || t === undefined) return;
    if (t instanceof tf.Tensor) out.push(t);
    else if (Array.isArray(t)) t.forEach(walk);
    else if (isPlainObject(t)) for (const k of Object.keys(t).sort()) walk(t[k]);
  };
  walk(tree);
  return out;
}

/** optax.tree.zeros_like. */
export function treeZerosLike(tree: Tree): Tree {
  return treeMap((t: tf.Tensor) => tf.zerosLike(t), tree);
}

export { isPlainObject };
