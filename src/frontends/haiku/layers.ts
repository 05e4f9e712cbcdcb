import type { SourceLayer } from "../common/layer-table.js";

/** Haiku layers nnxport translates, keyed by qualified name. */
export const HAIKU_LAYERS: Record<string, SourceLayer> = {
  "haiku.Linear": {
    layer: "Linear",
    params: [{ name: "output_size", option: "outFeatures" }, { name: "with_bias", option: "useBias" }, { name: "w_init" }, { name: "b_init" }],
    leaves: { kernel: "w", bias: "b" },
    init: { kernel: "haikuFanInTruncatedNormal", bias: "zeros" },
    draws: ["kernel"],
    autoName: "linear",
  },
  "haiku.BatchNorm": {
    layer: "BatchNorm",
    params: [
      { name: "create_scale", option: "useScale" },
      { name: "create_offset", option: "useBias" },
      { name: "decay_rate", option: "momentum" },
      { name: "eps", option: "epsilon" },
      { name: "scale_init" },
      { name: "offset_init" },
      { name: "axis" },
      { name: "cross_replica_axis" },
      { name: "cross_replica_axis_index_groups" },
      { name: "data_format" },
    ],
    fixed: { zeroDebias: true },
    mode: { param: "is_training", trueMeansTraining: true, callPosition: 1 },
    leaves: {
      scale: "scale",
      bias: "offset",
      mean: "~/mean_ema/average",
      var: "~/var_ema/average",
      meanHidden: "~/mean_ema/hidden",
      varHidden: "~/var_ema/hidden",
      meanCount: "~/mean_ema/counter",
      varCount: "~/var_ema/counter",
    },
    keepdims: ["scale", "bias", "mean", "var", "meanHidden", "varHidden"],
    init: { scale: "ones", bias: "zeros" },
    draws: [],
    autoName: "batch_norm",
  },
};
