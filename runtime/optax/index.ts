// A small optax: GradientTransformations, optimizers and losses (nnx.optax).

export * from "./transform.js";
export * from "./alias.js";
export * from "./losses.js";
export { type Tree, treeMap, treeLeaves, treeZerosLike } from "./tree.js";
