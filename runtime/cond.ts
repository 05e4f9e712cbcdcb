// nnx.cond / nnx.switch: jax.lax.cond / switch that take Modules among their
// operands (flax/nnx/transforms/transforms.py). Eagerly, only the chosen
// branch runs, on the very operands given: what it sets on a Module's
// Variables stays set, as NNX propagates a branch's updates to its inputs.
import { cond as laxCond, switchCase, type Tree } from "./lax.js";
import type { ArrayLike } from "./jnp/dtypes.js";

/** `nnx.cond(pred, true_fun, false_fun, *operands)`. */
export function cond<A extends unknown[], R extends Tree>(pred: ArrayLike, trueFun: (...operands: A) => R, falseFun: (...operands: A) => R, ...operands: A): R {
  return laxCond(pred, trueFun, falseFun, ...operands);
}

/** `nnx.switch(index, branches, *operands)`: the index is clamped to the branches, as lax.switch does. */
export function switchBranch<A extends unknown[], R extends Tree>(index: ArrayLike, branches: readonly ((...operands: A) => R)[], ...operands: A): R {
  return switchCase(index, branches, ...operands);
}
