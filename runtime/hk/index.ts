// The `hk` namespace: `import { hk } from "nnxport/runtime"`. Haiku's layers
// whose parameters, layout or formula differ from any NNX layer, as NNX-style
// modules (eager, options objects, `rngs`, `call`) whose attribute paths are
// Haiku's parameter paths (the top module's name and "~" dropped):
// Haiku "mlp/~/linear_0/w" is `mlp.linear_0.w`.
//
// Sizes Haiku reads from the first input come first in each constructor
// (`new hk.Linear(inputSize, outputSize, { rngs })`). Parameter keys are drawn
// with `rngs.params()` in Haiku's creation order, one per parameter whose
// initializer draws; `hk.haikuRngs(key)` replays hk.PRNGSequence(key).

export * as initializers from "./initializers.js";
export { haikuRngs, keyless, drawsKey, nextRngKeys } from "./keys.js";
export { type Nest } from "./tree.js";
export {
  Linear,
  Sequential,
  BatchApply,
  expandApply,
  oneHot,
  dropout,
  type LinearOptions,
  type Layer,
} from "./basic.js";
export { Bias, calculateBiasShape, type BiasOptions } from "./bias.js";
export * as pad from "./pad.js";
export { convGeneralDilated, padtypeToPads, type ConvPadding, type ConvGeneralOptions } from "./conv-general.js";
export {
  ConvND,
  Conv1D,
  Conv2D,
  Conv3D,
  ConvNDTranspose,
  Conv1DTranspose,
  Conv2DTranspose,
  Conv3DTranspose,
  computeAdjustedPadding,
  type ConvNDOptions,
  type ConvOptions,
  type ConvNDPadding,
  type ConvNDTransposeOptions,
  type ConvTransposeOptions,
} from "./conv.js";
export {
  DepthwiseConvND,
  DepthwiseConv1D,
  DepthwiseConv2D,
  DepthwiseConv3D,
  SeparableDepthwiseConv2D,
  type DepthwiseConvOptions,
  type SeparableDepthwiseConv2DOptions,
} from "./depthwise-conv.js";
export { Embed, type EmbedOptions, type EmbedLookupStyle } from "./embed.js";
export { LayerNorm, InstanceNorm, type LayerNormOptions, type InstanceNormOptions } from "./layer-norm.js";
export { RMSNorm, type RMSNormOptions } from "./rms-norm.js";
export { GroupNorm, type GroupNormOptions } from "./group-norm.js";
export { ExponentialMovingAverage, type ExponentialMovingAverageOptions } from "./moving-averages.js";
export { BatchNorm, type BatchNormOptions } from "./batch-norm.js";
export { SpectralNorm, type SpectralNormOptions } from "./spectral-norm.js";
export { type AxisSpec } from "./utils.js";
export { MultiHeadAttention, type MultiHeadAttentionOptions } from "./attention.js";
export {
  VanillaRNN,
  LSTM,
  GRU,
  ConvNDLSTM,
  Conv1DLSTM,
  Conv2DLSTM,
  Conv3DLSTM,
  IdentityCore,
  ResetCore,
  DeepRNN,
  deepRnnWithSkipConnections,
  staticUnroll,
  dynamicUnroll,
  isRNNCore,
  type RNNCore,
  type LSTMState,
  type GRUOptions,
  type VanillaRNNOptions,
  type DeepRNNLayer,
  type DynamicUnrollOptions,
} from "./recurrent.js";
export { Reshape, Flatten } from "./reshape.js";
export { maxPool, avgPool, MaxPool, AvgPool, type PoolPadding } from "./pool.js";
export * as nets from "./nets/index.js";
