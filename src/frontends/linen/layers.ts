import type { SourceLayer } from "../common/layer-table.js";

/** Flax Linen layers nnxport translates, keyed by qualified name. */
export const LINEN_LAYERS: Record<string, SourceLayer> = {
  "flax.linen.Dense": {
    layer: "Linear",
    params: [
      { name: "features", option: "outFeatures" },
      { name: "use_bias", option: "useBias" },
      { name: "dtype" },
      { name: "param_dtype" },
      { name: "precision" },
      { name: "kernel_init" },
      { name: "bias_init" },
    ],
    leaves: { kernel: "kernel", bias: "bias" },
    init: { kernel: "lecunNormal", bias: "zeros" },
    // Every self.param call makes one 'params' rng in the layer's scope, zeros included.
    draws: ["kernel", "bias"],
    autoName: "Dense",
  },
  "flax.linen.Dropout": {
    layer: "Dropout",
    params: [{ name: "rate", option: "rate" }, { name: "broadcast_dims" }, { name: "deterministic", mode: true }, { name: "rng_collection" }],
    mode: { param: "deterministic", trueMeansTraining: false },
    leaves: {},
    autoName: "Dropout",
  },
  "flax.linen.BatchNorm": {
    layer: "BatchNorm",
    params: [
      { name: "use_running_average", mode: true },
      { name: "axis" },
      { name: "momentum", option: "momentum" },
      { name: "epsilon", option: "epsilon" },
      { name: "dtype" },
      { name: "param_dtype" },
      { name: "use_bias", option: "useBias" },
      { name: "use_scale", option: "useScale" },
      { name: "bias_init" },
      { name: "scale_init" },
      { name: "axis_name" },
      { name: "axis_index_groups" },
      { name: "use_fast_variance" },
    ],
    mode: { param: "use_running_average", trueMeansTraining: false },
    leaves: { scale: "scale", bias: "bias", mean: "mean", var: "var" },
    init: { scale: "ones", bias: "zeros" },
    draws: ["scale", "bias"],
    autoName: "BatchNorm",
  },
};

/** flax.linen re-exports jax.nn's activations under its own name. */
export const LINEN_OPS: Record<string, string> = {
  "flax.linen.relu": "relu",
  "flax.linen.gelu": "gelu",
  "flax.linen.sigmoid": "sigmoid",
  "flax.linen.silu": "silu",
  "flax.linen.swish": "silu",
  "flax.linen.elu": "elu",
  "flax.linen.tanh": "tanh",
  "flax.linen.softmax": "softmax",
  "flax.linen.log_softmax": "logSoftmax",
};
