// Flax Linen's layers as rows of the neutral catalog (src/stage/layers.ts):
// constructor parameters in Linen's order, the option each sets, Linen's
// parameter names and the order its parameters draw keys in.
import type { SourceLayer } from "../../model/framework.js";

const FLOAT32 = ["float32", "null"];

/** Parameters every Linen layer accepts that change nothing in float32 on one device. */
const PRECISION = [
  { name: "dtype", ignore: FLOAT32 },
  { name: "param_dtype", ignore: FLOAT32 },
  { name: "precision", ignore: ["null"] },
];

export const LINEN_LAYERS: Record<string, SourceLayer> = {
  "flax.linen.Dense": {
    layer: "Linear",
    params: [
      { name: "features", option: "outFeatures" },
      { name: "use_bias", option: "useBias" },
      ...PRECISION,
      { name: "kernel_init", option: "kernelInit" },
      { name: "bias_init", option: "biasInit" },
    ],
    leaves: { kernel: "kernel", bias: "bias" },
    // Every self.param call makes one 'params' rng in the layer's scope, zeros included.
    draws: ["kernel", "bias"],
    autoName: "Dense",
  },
  "flax.linen.Embed": {
    layer: "Embed",
    params: [
      { name: "num_embeddings", option: "numEmbeddings" },
      { name: "features", option: "features" },
      ...PRECISION.slice(0, 2),
      { name: "embedding_init", option: "embeddingInit" },
    ],
    calls: { __call__: { params: [{ name: "inputs", option: "x" }] }, attend: { params: [{ name: "query", option: "x" }] } },
    leaves: { embedding: "embedding" },
    draws: ["embedding"],
    autoName: "Embed",
  },
  "flax.linen.Conv": {
    layer: "Conv",
    params: [
      { name: "features", option: "outFeatures" },
      // As flax: an integer kernel size means one spatial dimension.
      { name: "kernel_size", option: "kernelSize", repeat: 1 },
      { name: "strides", option: "strides" },
      { name: "padding", option: "padding" },
      { name: "input_dilation", option: "inputDilation" },
      { name: "kernel_dilation", option: "kernelDilation" },
      { name: "feature_group_count", option: "featureGroupCount" },
      { name: "use_bias", option: "useBias" },
      { name: "mask", option: "mask" },
      ...PRECISION,
      { name: "kernel_init", option: "kernelInit" },
      { name: "bias_init", option: "biasInit" },
    ],
    leaves: { kernel: "kernel", bias: "bias" },
    draws: ["kernel", "bias"],
    autoName: "Conv",
  },
  "flax.linen.LayerNorm": {
    layer: "LayerNorm",
    params: [
      { name: "epsilon", option: "epsilon" },
      ...PRECISION.slice(0, 2),
      { name: "use_bias", option: "useBias" },
      { name: "use_scale", option: "useScale" },
      { name: "bias_init", option: "biasInit" },
      { name: "scale_init", option: "scaleInit" },
      { name: "reduction_axes", option: "reductionAxes" },
      { name: "feature_axes", option: "featureAxes" },
      { name: "axis_name", ignore: ["null"] },
      { name: "axis_index_groups", ignore: ["null"] },
      { name: "use_fast_variance", option: "useFastVariance" },
    ],
    leaves: { scale: "scale", bias: "bias" },
    draws: ["scale", "bias"],
    autoName: "LayerNorm",
  },
  "flax.linen.Dropout": {
    layer: "Dropout",
    params: [{ name: "rate", option: "rate" }, { name: "broadcast_dims", option: "broadcastDims" }, { name: "deterministic", mode: true }, { name: "rng_collection", option: "rngCollection" }],
    mode: { trueMeansTraining: false },
    calls: {
      __call__: {
        params: [
          { name: "inputs", option: "x" },
          { name: "deterministic", mode: true },
          { name: "rng", literals: ["null"] },
        ],
      },
    },
    leaves: {},
    draws: [],
    autoName: "Dropout",
  },
  "flax.linen.BatchNorm": {
    layer: "BatchNorm",
    params: [
      { name: "use_running_average", mode: true },
      { name: "axis", option: "axis" },
      { name: "momentum", option: "momentum" },
      { name: "epsilon", option: "epsilon" },
      ...PRECISION.slice(0, 2),
      { name: "use_bias", option: "useBias" },
      { name: "use_scale", option: "useScale" },
      { name: "bias_init", option: "biasInit" },
      { name: "scale_init", option: "scaleInit" },
      // Cross-device statistics: one device here, the same numbers.
      { name: "axis_name", ignore: ["null", "batch"] },
      { name: "axis_index_groups", ignore: ["null"] },
      { name: "use_fast_variance", option: "useFastVariance" },
    ],
    mode: { trueMeansTraining: false },
    calls: {
      __call__: {
        params: [
          { name: "x", option: "x" },
          { name: "use_running_average", mode: true },
          { name: "mask", option: "mask" },
        ],
      },
    },
    leaves: { scale: "scale", bias: "bias", mean: "mean", var: "var" },
    draws: ["scale", "bias"],
    autoName: "BatchNorm",
  },
};
