// nnx.Optimizer (flax/nnx/training/optimizer.py, flax 0.12 API):
//
//   const opt = new nnx.Optimizer(model, nnx.optax.adam(1e-3), { wrt: nnx.Param });
//   const grads = nnx.grad(lossFn)(model, x, y);
//   opt.update(model, grads);
//   nnx.dispose(grads);          // grads belong to you (or use tf.tidy)
//
// The optimizer does not hold the model (like flax >= 0.11): update() takes it.
// Its step counter and optax state live in OptState Variables, so they show up
// in nnx.state(opt) / nnx.split(opt).

import { tf } from "./tf.js";
import { type Filter, pathString, toPredicate } from "./filters.js";
import { Pytree, flatten } from "./graph.js";
import { State, fromFlatState, toFlatState, toPureDict } from "./state.js";
import { Variable } from "./variables.js";
import { type GradientTransformation, type OptState as OptTree, applyUpdates } from "./optax/transform.js";
import { type Tree, isPlainObject } from "./optax/tree.js";

/** Any optimizer state. */
export class OptState<T = tf.Tensor> extends Variable<T> {}
/** Optimizer state for an array (every optax state leaf here). */
export class OptArray<T = tf.Tensor> extends OptState<T> {}
/** Optimizer state for a Variable (kept for NNX API parity). */
export class OptVariable<T = tf.Tensor> extends OptState<T> {}

/** Wraps each tensor of an optax state in an OptArray, keeping the arrays/objects around them. */
function toOptState(tree: OptTree): unknown {
  if (tree instanceof tf.Tensor) return new OptArray(tree);
  if (Array.isArray(tree)) return tree.map(toOptState);
  if (isPlainObject(tree)) {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(tree).sort()) out[k] = toOptState(tree[k]);
    return out;
  }
  return tree;
}

/** The optax view of the state: OptArray Variables replaced by their tensors. */
function toPure(x: unknown): Tree {
  if (x instanceof Variable) return x.value as tf.Tensor;
  if (Array.isArray(x)) return x.map(toPure);
  if (isPlainObject(x)) {
    const out: Record<string, Tree> = {};
    for (const k of Object.keys(x)) out[k] = toPure((x as Record<string, unknown>)[k]);
    return out;
  }
  return x as Tree;
}

/** Calls assign(variable, newTensor) for each OptArray in `holder` and the matching leaf of `tree`. */
function zipAssign(holder: unknown, tree: Tree, assign: (v: Variable<any>, t: tf.Tensor) => void): void {
  if (holder instanceof Variable) {
    if (!(tree instanceof tf.Tensor)) throw new Error("Optimizer: optax state structure changed");
    assign(holder, tree);
  } else if (Array.isArray(holder)) {
    holder.forEach((h, i) => zipAssign(h, (tree as Tree[])[i], assign));
  } else if (isPlainObject(holder)) {
    for (const k of Object.keys(holder)) zipAssign((holder as Record<string, unknown>)[k], (tree as Record<string, Tree>)[k], assign);
  }
}

export class Optimizer<M extends object = object> extends Pytree {
  step: OptState;
  tx: GradientTransformation<any>;
  optState: unknown;
  wrt: Filter;

  /**
   * `wrt` (required, as in flax >= 0.11) selects the Variables to optimize; it
   * should match the `wrt` of the nnx.grad call producing the gradients.
   */
  constructor(model: M, tx: GradientTransformation<any>, { wrt }: { wrt: Filter }) {
    super();
    if (wrt === undefined) {
      throw new TypeError("Missing required option `wrt` (e.g. { wrt: nnx.Param }), as in nnx.Optimizer.");
    }
    this.step = new OptState(tf.scalar(0, "int32"));
    this.tx = tx;
    this.wrt = wrt;
    const params = toPureDict(selectState(model, wrt));
    this.optState = toOptState(tx.init(params));
  }

  /**
   * Applies one optimizer step: tx.update on the gradients, then
   * params + updates written into the model's Variables, step += 1.
   * `grads` is a State (from nnx.grad) covering the `wrt` Variables; it is
   * not modified or freed. (NNX returns the updates; they are freed here.)
   */
  update(model: M, grads: State): void {
    const paramFlat = flatState(model, this.wrt);
    const gradFlat = toFlatState(grads).filter(([p, v]) => toPredicate(this.wrt)(p, v));
    const gradPaths = new Set(gradFlat.map(([p]) => pathString(p)));
    for (const [p] of paramFlat) {
      if (!gradPaths.has(pathString(p))) throw new Error(`Optimizer.update: no gradient for '${p.join("/")}'`);
    }
    if (gradFlat.length !== paramFlat.length) {
      const have = new Set(paramFlat.map(([p]) => pathString(p)));
      const extra = gradFlat.filter(([p]) => !have.has(pathString(p))).map(([p]) => p.join("/"));
      throw new Error(`Optimizer.update: gradients for Variables the model lacks: ${extra.join(", ")}`);
    }

    const paramTree = toPureDict(fromPairs(paramFlat));
    const gradTree = toPureDict(fromPairs(gradFlat));
    const stateTree = toPure(this.optState);
    // Tensors owned by someone else: never adopt them without a clone.
    const external = new Set<tf.Tensor>([...leaves(gradTree), ...leaves(paramTree)]);
    const adopt = (v: Variable<any>, t: tf.Tensor) => {
      if (t === v.value) return;
      v.value = external.has(t) ? tf.clone(t) : t;
    };

    tf.tidy(() => {
      const [updates, newState] = this.tx.update(gradTree, stateTree, paramTree);
      const newParams = applyUpdates(paramTree, updates) as Record<string, Tree>;
      const byPath = new Map(toFlatState(newParams as Record<string, unknown>).map(([p, t]) => [pathString(p.map(String)), t]));
      for (const [p, v] of paramFlat) adopt(v, byPath.get(pathString(p.map(String))) as tf.Tensor);
      zipAssign(this.optState, newState, adopt);
      this.step.value = tf.add(this.step.value, tf.scalar(1, "int32"));
    });
  }
}

function flatState(model: object, wrt: Filter): [readonly (string | number)[], Variable<any>][] {
  const predicate = toPredicate(wrt);
  return flatten(model)[1].filter(([p, v]) => predicate(p, v));
}

function selectState(model: object, wrt: Filter): State {
  return fromPairs(flatState(model, wrt));
}

function fromPairs(pairs: [readonly (string | number)[], unknown][]): State {
  return fromFlatState(pairs);
}

function leaves(tree: Tree): tf.Tensor[] {
  const out: tf.Tensor[] = [];
  const walk = (t: Tree) => {
    if (t instanceof tf.Tensor) out.push(t);
    else if (Array.isArray(t)) t.forEach(walk);
    else if (isPlainObject(t)) Object.values(t).forEach(walk);
  };
  walk(tree);
  return out;
}
