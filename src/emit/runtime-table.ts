// How neutral layers and ops are spelled against nnxport's runtime.
import type { LayerKind } from "../ir/layers.js";

export interface RuntimeLayer {
  className: string;
  /** Options passed positionally, in order, as the NNX constructor takes them. */
  positional: string[];
  /** Options passed in the trailing options object (with `rngs`). */
  options: string[];
}

export const RUNTIME_LAYERS: Record<LayerKind, RuntimeLayer> = {
  Linear: { className: "nnx.Linear", positional: ["inFeatures", "outFeatures"], options: ["useBias"] },
  Conv: { className: "nnx.Conv", positional: ["inFeatures", "outFeatures", "kernelSize"], options: ["strides", "padding", "useBias"] },
  LayerNorm: { className: "nnx.LayerNorm", positional: ["numFeatures"], options: ["epsilon", "useScale", "useBias", "useFastVariance"] },
  Dropout: { className: "nnx.Dropout", positional: ["rate"], options: [] },
  BatchNorm: { className: "nnx.BatchNorm", positional: ["numFeatures"], options: ["momentum", "epsilon", "useScale", "useBias", "zeroDebias"] },
};

export const RUNTIME_OPS: Record<string, string> = {
  relu: "nnx.relu",
  gelu: "nnx.gelu",
  sigmoid: "nnx.sigmoid",
  tanh: "nnx.tanh",
  silu: "nnx.silu",
  elu: "nnx.elu",
  softmax: "nnx.softmax",
  logSoftmax: "nnx.logSoftmax",
  concatenate: "jnp.concatenate",
  swapaxes: "jnp.swapaxes",
  mean: "jnp.mean",
  sum: "jnp.sum",
  softmaxCrossEntropyWithIntegerLabels: "nnx.optax.softmaxCrossEntropyWithIntegerLabels",
  softmaxCrossEntropy: "nnx.optax.softmaxCrossEntropy",
  l2Loss: "nnx.optax.l2Loss",
  squaredError: "nnx.optax.squaredError",
  zeros: "jnp.zeros",
  ones: "jnp.ones",
  oneHot: "nnx.oneHot",
};

/** The runtime's import specifier in generated code. */
export const RUNTIME_MODULE = "nnxport/runtime";
