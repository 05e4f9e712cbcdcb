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
// sow (S6): intermediates a Module stores (Module.sow) and taking them out
export { pop } from "./graph.js";
export type { SowOptions } from "./module.js";

// Modules and RNG
export { Module, iterModules, iterChildren, firstFrom } from "./module.js";
export { Rngs, RngStream, type RngValue } from "./rnglib.js";

// Transforms
export { scan, Carry, type ScanCarry, type ScanOptions, type ScanStep } from "./scan.js";
// recurrent (S3): vmap of a plain function (a sequence helper run per example)
export { vmap } from "./vmap.js";
// vmap (S5): vmap over arrays and ensembles (modules stacked on axis 0), NNX's split_rngs for building one
export { splitRngs, type VmapAxis, type VmapOptions } from "./vmap.js";
export { stack, scanLayers } from "./stack.js";
export { grad, valueAndGrad, DiffState, type GradOptions } from "./transforms.js";
// lifted (S4): branches over Modules
export { cond, switchBranch as switch } from "./cond.js";

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
// Attention, recurrence, LinearGeneral, Einsum
export { LinearGeneral, dotGeneral, type LinearGeneralOptions } from "./nn/linear_general.js";
export { Einsum, einsum, type EinsumOp, type EinsumOptions } from "./nn/einsum.js";
export {
  MultiHeadAttention,
  dotProductAttention,
  dotProductAttentionWeights,
  makeAttentionMask,
  makeCausalMask,
  combineMasks,
  type AttentionFn,
  type AttentionOptions,
  type MakeAttentionMaskOptions,
  type MultiHeadAttentionOptions,
  type MultiHeadAttentionCallOptions,
} from "./nn/attention.js";
export {
  RNNCellBase,
  LSTMCell,
  OptimizedLSTMCell,
  GRUCell,
  LinenGRUCell,
  SimpleCell,
  MGUCell,
  ConvLSTMCell,
  RNN,
  Bidirectional,
  flipSequences,
  type RNNCarry,
  type CarryRngs,
  type LSTMCellOptions,
  type OptimizedLSTMCellOptions,
  type GRUCellOptions,
  type SimpleCellOptions,
  type MGUCellOptions,
  type ConvLSTMCellOptions,
  type RNNOptions,
  type RNNCallOptions,
  type BidirectionalOptions,
  type BidirectionalCallOptions,
} from "./nn/recurrent.js";
export * as initializers from "./nn/initializers.js";
export type { Initializer } from "./nn/initializers.js";

// Translated code: variables made by initializers, Python built-ins
export { param, variable, keyedVariable } from "./create.js";
export { range, enumerate, zip, mod, shapesEqual, prod } from "./python.js";
/** A PRNG key (threefry key data). */
export type { Key as PRNGKey } from "./random/index.js";
/** A function of arrays passed as a value (an activation). */
export type Activation = (x: import("./ops.js").Array) => import("./ops.js").Array;

// Layers, part 1 (area A "layers": conv, embed, normalization, pooling, activations, containers)
export { type PaddingLike } from "./nn/conv.js";
export { ConvTranspose, type ConvTransposeOptions } from "./nn/conv_transpose.js";
export { ConvLocal, type ConvLocalOptions } from "./nn/conv_local.js";
export { Embed, type EmbedOptions } from "./nn/embed.js";
export {
  RMSNorm,
  GroupNorm,
  InstanceNorm,
  type Axes,
  type NormCallOptions,
  type RMSNormOptions,
  type GroupNormOptions,
  type InstanceNormOptions,
} from "./nn/normalization.js";
export { SpectralNorm, type SpectralNormOptions, type CallableModule } from "./nn/spectral_norm.js";
export { WeightNorm, type WeightNormOptions } from "./nn/weight_norm.js";
// wrappers: Linen's nn.WeightNorm / nn.SpectralNorm (a view per call; init keeps the normalized weights)
export { LinenWeightNorm, type LinenWeightNormOptions } from "./nn/weight_norm.js";
export { LinenSpectralNorm, type LinenSpectralNormOptions } from "./nn/spectral_norm.js";
export { PReLU, type PReLUOptions } from "./nn/prelu.js";
export { pool, avgPool, maxPool, minPool, type PoolOptions, type AvgPoolOptions, type PoolPadding } from "./nn/pooling.js";
export { List, Dict, Sequential, type SequentialLayer } from "./nn/containers.js";
export {
  celu,
  glu,
  hardSigmoid,
  hardSilu,
  hardSwish,
  hardTanh,
  identity,
  log1mexp,
  logSigmoid,
  logmeanexp,
  mish,
  normalize,
  selu,
  softSign,
  sparsePlus,
  sparseSigmoid,
  squareplus,
  standardize,
  type Axis,
  type SoftmaxOptions,
  type LogsumexpOptions,
  type LogmeanexpOptions,
  type StandardizeOptions,
  type OneHotOptions,
} from "./nn/activations.js";

// Source-faithful initialization for translated programs
export { initFromSource, stateFromInitCall, useSourceDropoutKeys, type SourceInit, type SourceInitParam, type SourceInitializer } from "./source-init.js";

// Weights files (workflow): safetensors named by NNX dotted paths
export { loadWeights, saveWeights, weightsToBytes, weightVariables, WeightsError } from "./weights.js";
export { loadSafetensors, saveSafetensors, SafetensorsError, type SafetensorsFile } from "./safetensors.js";

// Compiled steps (nnx.jit)
export { jit, type Jitted, type JitOptions, type JitStats, type JitTrace } from "./jit/jit.js";
export { xlaAvailable } from "./jit/session.js";
