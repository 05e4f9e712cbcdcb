// The `nnx` namespace: `import { nnx } from "nnxport/runtime"`, then use it like
// `from flax import nnx` (camelCase names, options objects for keyword args).

export type { Array } from "./ops.js";
export { stopGradient } from "./ops.js";

// Variables
export {
  Variable,
  Param,
  BatchStat,
  Cache,
  Intermediate,
  RngState,
  RngKey,
  RngCount,
  createVariable,
  isVariable,
  type Metadata,
  type VariableType,
} from "./variables.js";

// Filters
export {
  Everything,
  Nothing,
  All,
  Any,
  Not,
  OfType,
  WithTag,
  PathContains,
  PathIn,
  toPredicate,
  type Filter,
  type Predicate,
  type Key,
  type PathParts,
} from "./filters.js";

// State
export {
  State,
  toFlatState,
  fromFlatState,
  mapState,
  filterState,
  splitState,
  mergeState,
  diffState as diff,
  toPureDict,
  replaceByPureDict,
  treeMap,
  type FlatState,
} from "./state.js";

// Graph / functional API
export {
  Pytree,
  GraphDef,
  split,
  merge,
  state,
  variables,
  update,
  graphdef,
  clone,
  flatten,
  iterGraph,
  dispose,
} from "./graph.js";

// Modules and RNG
export { Module, iterModules, iterChildren, firstFrom } from "./module.js";
export { Rngs, RngStream, type RngValue } from "./rnglib.js";

// Transforms
export { scan, Carry, type ScanOptions, type ScanStep } from "./scan.js";
export { stack, scanLayers } from "./stack.js";
export { grad, valueAndGrad, DiffState, type GradOptions } from "./transforms.js";

// Training
export { Optimizer, OptState, OptArray, OptVariable } from "./optimizer.js";
export * as optax from "./optax/index.js";

// Layers
export { Linear, type LinearOptions } from "./nn/linear.js";
export { Conv, type ConvOptions } from "./nn/conv.js";
export { Dropout, type DropoutOptions, type DropoutCallOptions } from "./nn/stochastic.js";
export { BatchNorm, LayerNorm, type BatchNormOptions, type LayerNormOptions } from "./nn/normalization.js";
export {
  relu,
  relu6,
  gelu,
  sigmoid,
  tanh,
  silu,
  swish,
  elu,
  leakyRelu,
  softplus,
  softmax,
  logSoftmax,
  logsumexp,
  oneHot,
} from "./nn/activations.js";
export * as initializers from "./nn/initializers.js";
export type { Initializer } from "./nn/initializers.js";

// Source-faithful initialization for translated programs
export { initFromSource, stateFromInitCall, useSourceDropoutKeys, type SourceInit, type SourceInitParam, type SourceInitializer } from "./source-init.js";

// Compiled steps (nnx.jit)
export { jit, type Jitted, type JitOptions, type JitStats, type JitTrace } from "./jit/jit.js";
export { xlaAvailable } from "./jit/session.js";
