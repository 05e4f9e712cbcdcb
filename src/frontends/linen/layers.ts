// Flax Linen's layers as rows of the neutral catalog (src/stage/layers/):
// constructor parameters in Linen's order, the option each sets, Linen's
// parameter names and the order its parameters draw keys in.
import type { SourceLayer, SourceLayerParam } from "../../model/framework.js";

const FLOAT32 = ["float32", "null"];

/** Parameters every Linen layer accepts that change nothing in float32 on one device. */
const PRECISION = [
  { name: "dtype", ignore: FLOAT32 },
  { name: "param_dtype", ignore: FLOAT32 },
  { name: "precision", ignore: ["null"] },
];

/** Cross-device statistics: one device here, the same numbers. */
const CROSS_DEVICE: SourceLayerParam[] = [
  { name: "axis_name", ignore: ["null", "batch"] },
  { name: "axis_index_groups", ignore: ["null"] },
];

/** Float32 statistics are what the runtime computes anyway. */
const FLOAT32_REDUCTIONS: SourceLayerParam = { name: "force_float32_reductions", ignore: ["true", "false"] };

const NORM_CALL = { __call__: { params: [{ name: "x", option: "x" }, { name: "mask", option: "mask" }] } };

/** Conv's and ConvLocal's fields, in order. */
const CONV_FIELDS: SourceLayerParam[] = [
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
  { name: "dtype", ignore: ["float32", "null"] },
  { name: "param_dtype", ignore: ["float32", "null"] },
  { name: "precision", ignore: ["null"] },
  { name: "kernel_init", option: "kernelInit" },
  { name: "bias_init", option: "biasInit" },
];

/** promote_dtype, dot_general, dot_general_cls: the defaults compute as the runtime does in float32. */
const DOT_GENERAL: SourceLayerParam[] = [
  { name: "promote_dtype", ignore: [] },
  { name: "dot_general", ignore: ["null"] },
  { name: "dot_general_cls", ignore: ["null"] },
];

/** MultiHeadDotProductAttention's fields, in order. */
const MHA_PARAMS: SourceLayerParam[] = [
  { name: "num_heads", option: "numHeads" },
  ...PRECISION.slice(0, 2),
  { name: "qkv_features", option: "qkvFeatures" },
  { name: "out_features", option: "outFeatures" },
  { name: "broadcast_dropout", option: "broadcastDropout" },
  { name: "dropout_rate", option: "dropoutRate" },
  { name: "deterministic", mode: true },
  PRECISION[2],
  { name: "kernel_init", option: "kernelInit" },
  { name: "out_kernel_init", option: "outKernelInit" },
  { name: "bias_init", option: "biasInit" },
  { name: "out_bias_init", option: "outBiasInit" },
  { name: "use_bias", option: "useBias" },
  { name: "attention_fn", option: "attentionFn" },
  // The autoregressive cache (decode=True) needs Linen's 'cache' collection threaded by the caller.
  { name: "decode", literals: ["false"] },
  { name: "normalize_qk", option: "normalizeQk" },
  { name: "force_fp32_for_softmax", ignore: ["false", "true"] },
  { name: "qkv_dot_general", ignore: ["null"] },
  { name: "out_dot_general", ignore: ["null"] },
  { name: "qkv_dot_general_cls", ignore: ["null"] },
  { name: "out_dot_general_cls", ignore: ["null"] },
  { name: "qk_attn_weights_einsum_cls", ignore: ["null"] },
  { name: "attn_weights_value_einsum_cls", ignore: ["null"] },
];

/** query/key/value (and the optional query_ln/key_ln) and out are DenseGenerals in sub-scopes of their own. */
const MHA_LEAVES: Record<string, string> = Object.fromEntries(
  ["query.kernel", "query.bias", "key.kernel", "key.bias", "value.kernel", "value.bias", "query_ln.scale", "key_ln.scale", "out.kernel", "out.bias"].map((p) => [p, p.replace(".", "/")]),
);

const MHA_CALL = [
  { name: "inputs_q", option: "x" },
  { name: "inputs_k", option: "inputsK" },
  { name: "inputs_v", option: "inputsV" },
  { name: "inputs_kv", option: "inputsK" },
  { name: "mask", option: "mask" },
  { name: "deterministic", mode: true as const },
  // A key given at the call replaces make_rng('dropout'): not translated.
  { name: "dropout_rng", literals: ["null"] },
  // True: the weights are sown into 'intermediates' (NNX's sow_weights, into the layer's own Intermediate).
  { name: "sow_weights", literals: ["false", "true"], option: "sowWeights", sows: { cls: "MultiHeadAttention", collection: "intermediates", name: "attention_weights" } },
];

function attention(autoName: string, call: SourceLayerParam[]): SourceLayer {
  return {
    layer: "MultiHeadAttention",
    params: MHA_PARAMS,
    fixed: { decode: false },
    mode: { trueMeansTraining: false },
    calls: { __call__: { params: call } },
    leaves: MHA_LEAVES,
    draws: Object.keys(MHA_LEAVES),
    autoName,
  };
}

const CELL_CALLS = {
  __call__: { params: [{ name: "carry", option: "carry" }, { name: "inputs", option: "x" }] },
  initialize_carry: { params: [{ name: "rng", option: "rng" }, { name: "input_shape", option: "inputShape" }] },
};

/** A Linen RNN cell: its fields in order, its dense layers (each in its own scope). */
function recurrentCell(layer: string, autoName: string, params: SourceLayerParam[], leaves: string[], rename: Record<string, string> = {}): SourceLayer {
  const map = Object.fromEntries(leaves.map((p) => [p, rename[p] ?? p.replace(/_\./, ".").replace(".", "/")]));
  return { layer, params, calls: CELL_CALLS, leaves: map, draws: leaves, autoName };
}

const GATED_CELL: SourceLayerParam[] = [
  { name: "features", option: "features" },
  { name: "gate_fn", option: "gateFn" },
  { name: "activation_fn", option: "activationFn" },
  { name: "kernel_init", option: "kernelInit" },
  { name: "recurrent_kernel_init", option: "recurrentKernelInit" },
  { name: "bias_init", option: "biasInit" },
  ...PRECISION.slice(0, 2),
  { name: "carry_init", option: "carryInit" },
];

const LSTM_LEAVES = ["ii", "if_", "ig", "io"].map((g) => `${g}.kernel`).concat(["hi", "hf", "hg", "ho"].flatMap((g) => [`${g}.kernel`, `${g}.bias`]));

const RNN_CALL: SourceLayerParam[] = [
  { name: "inputs", option: "x" },
  { name: "initial_carry", option: "initialCarry" },
  // Linen draws a default carry from init_key (key(0) when absent); the runtime's default carry is the cell's carry_init.
  { name: "init_key", literals: ["null"] },
  { name: "seq_lengths", option: "seqLengths" },
  { name: "return_carry", option: "returnCarry" },
  { name: "time_major", option: "timeMajor" },
  { name: "reverse", option: "reverse" },
  { name: "keep_order", option: "keepOrder" },
];

export const LINEN_LAYERS: Record<string, SourceLayer> = {
  "flax.linen.LSTMCell": recurrentCell("LSTMCell", "LSTMCell", GATED_CELL, LSTM_LEAVES),
  "flax.linen.OptimizedLSTMCell": recurrentCell("LSTMCell", "OptimizedLSTMCell", GATED_CELL, LSTM_LEAVES),
  "flax.linen.GRUCell": recurrentCell("LinenGRUCell", "GRUCell", GATED_CELL, ["ir.kernel", "ir.bias", "hr.kernel", "iz.kernel", "iz.bias", "hz.kernel", "in_.kernel", "in_.bias", "hn.kernel", "hn.bias"]),
  "flax.linen.MGUCell": recurrentCell(
    "MGUCell",
    "MGUCell",
    [
      ...GATED_CELL.slice(0, 5),
      { name: "forget_bias_init", option: "forgetBiasInit" },
      { name: "activation_bias_init", option: "activationBiasInit" },
      ...PRECISION.slice(0, 2),
      { name: "carry_init", option: "carryInit" },
      { name: "reset_gate", option: "resetGate" },
    ],
    ["if_.kernel", "if_.bias", "hf.kernel", "in_.kernel", "in_.bias", "hn.kernel", "hn.bias"],
  ),
  "flax.linen.SimpleCell": recurrentCell(
    "SimpleCell",
    "SimpleCell",
    [
      { name: "features", option: "features" },
      { name: "activation_fn", option: "activationFn" },
      ...GATED_CELL.slice(3, 6),
      ...PRECISION.slice(0, 2),
      { name: "carry_init", option: "carryInit" },
      { name: "residual", option: "residual" },
    ],
    ["dense_i.kernel", "dense_i.bias", "dense_h.kernel"],
    { "dense_i.kernel": "i/kernel", "dense_i.bias": "i/bias", "dense_h.kernel": "h/kernel" },
  ),
  "flax.linen.ConvLSTMCell": recurrentCell(
    "ConvLSTMCell",
    "ConvLSTMCell",
    [
      { name: "features", option: "features" },
      { name: "kernel_size", option: "kernelSize" },
      { name: "strides", option: "strides" },
      { name: "padding", option: "padding" },
      { name: "use_bias", option: "useBias" },
      ...PRECISION.slice(0, 2),
      { name: "carry_init", option: "carryInit" },
    ],
    ["ih.kernel", "ih.bias", "hh.kernel", "hh.bias"],
  ),
  "flax.linen.RNN": {
    layer: "RNN",
    params: [
      { name: "cell", option: "cell" },
      { name: "time_major", option: "timeMajor" },
      { name: "return_carry", option: "returnCarry" },
      { name: "reverse", option: "reverse" },
      { name: "keep_order", option: "keepOrder" },
      { name: "unroll", ignore: [] },
      { name: "variable_axes", ignore: [] },
      { name: "variable_broadcast", ignore: ["params"] },
      { name: "variable_carry", ignore: ["false"] },
      // The default: every step's cell shares the parameters (and draws no per-step key).
      { name: "split_rngs", ignore: ['{"params":false}'] },
    ],
    calls: { __call__: { params: RNN_CALL } },
    leaves: {},
    draws: [],
    autoName: "RNN",
  },
  "flax.linen.Bidirectional": {
    layer: "Bidirectional",
    params: [
      { name: "forward_rnn", option: "forwardRnn" },
      { name: "backward_rnn", option: "backwardRnn" },
      { name: "merge_fn", option: "mergeFn" },
      { name: "time_major", option: "timeMajor" },
      { name: "return_carry", option: "returnCarry" },
    ],
    calls: { __call__: { params: RNN_CALL.filter((p) => p.name !== "reverse" && p.name !== "keep_order") } },
    leaves: {},
    draws: [],
    autoName: "Bidirectional",
  },
  // nn.WeightNorm(layer): the layer keeps its own path (where it was made); the scales are the wrapper's
  // Params, named by the layer's name and the variable's path, one key drawn per scale in sorted order.
  "flax.linen.WeightNorm": {
    layer: "LinenWeightNorm",
    params: [
      { name: "layer_instance", option: "layerInstance" },
      { name: "epsilon", option: "epsilon" },
      { name: "dtype", ignore: ["float32", "null"] },
      { name: "param_dtype", ignore: ["float32"] },
      { name: "use_scale", option: "useScale" },
      { name: "scale_init", option: "scaleInit" },
      { name: "feature_axes", option: "featureAxes", passNone: true },
    ],
    leaves: { "scales.bias": "<layerInstance>/bias/scale", "scales.kernel": "<layerInstance>/kernel/scale" },
    draws: ["scales.bias", "scales.kernel"],
    autoName: "WeightNorm",
  },
  // nn.SpectralNorm(layer)(x, update_stats=...): u and sigma in 'batch_stats' named by the layer's name and
  // the variable's path; u drawn with make_rng('params') in the wrapper's scope, one per matrix.
  "flax.linen.SpectralNorm": {
    layer: "LinenSpectralNorm",
    params: [
      { name: "layer_instance", option: "layerInstance" },
      { name: "n_steps", option: "nSteps" },
      { name: "epsilon", option: "epsilon" },
      { name: "dtype", ignore: ["float32", "null"] },
      { name: "param_dtype", ignore: ["float32"] },
      { name: "error_on_non_matrix", option: "errorOnNonMatrix" },
    ],
    calls: { __call__: { params: [{ name: "x", option: "x" }, { name: "update_stats", option: "updateStats" }] } },
    leaves: { "batchStats.kernel/u": "<layerInstance>/kernel/u", "batchStats.kernel/sigma": "<layerInstance>/kernel/sigma" },
    draws: ["batchStats.kernel/u"],
    autoName: "SpectralNorm",
  },
  "flax.linen.MultiHeadDotProductAttention": attention("MultiHeadDotProductAttention", MHA_CALL),
  "flax.linen.MultiHeadAttention": attention("MultiHeadAttention", MHA_CALL),
  "flax.linen.SelfAttention": attention("SelfAttention", MHA_CALL.filter((p) => !["inputs_k", "inputs_v", "inputs_kv"].includes(p.name))),
  "flax.linen.Dense": {
    layer: "Linear",
    params: [
      { name: "features", option: "outFeatures" },
      { name: "use_bias", option: "useBias" },
      ...PRECISION,
      { name: "kernel_init", option: "kernelInit" },
      { name: "bias_init", option: "biasInit" },
      ...DOT_GENERAL,
    ],
    leaves: { kernel: "kernel", bias: "bias" },
    // Every self.param call makes one 'params' rng in the layer's scope, zeros included.
    draws: ["kernel", "bias"],
    autoName: "Dense",
  },
  "flax.linen.DenseGeneral": {
    layer: "LinearGeneral",
    params: [
      { name: "features", option: "features" },
      { name: "axis", option: "axis" },
      { name: "batch_dims", option: "batchDims" },
      { name: "use_bias", option: "useBias" },
      ...PRECISION.slice(0, 2),
      { name: "kernel_init", option: "kernelInit" },
      { name: "bias_init", option: "biasInit" },
      PRECISION[2],
      ...DOT_GENERAL.slice(1),
    ],
    leaves: { kernel: "kernel", bias: "bias" },
    draws: ["kernel", "bias"],
    autoName: "DenseGeneral",
  },
  "flax.linen.Einsum": {
    layer: "Einsum",
    params: [
      { name: "shape", option: "shape" },
      { name: "einsum_str", option: "einsumStr" },
      { name: "use_bias", option: "useBias" },
      ...PRECISION,
      { name: "kernel_init", option: "kernelInit" },
      { name: "bias_init", option: "biasInit" },
      DOT_GENERAL[0],
      { name: "preferred_element_type", ignore: ["null", "float32"] },
    ],
    calls: { __call__: { params: [{ name: "inputs", option: "x" }, { name: "einsum_str", option: "einsumStr" }] } },
    leaves: { kernel: "kernel", bias: "bias" },
    draws: ["kernel", "bias"],
    autoName: "Einsum",
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
  "flax.linen.Sequential": {
    layer: "Sequential",
    params: [{ name: "layers", option: "layers" }],
    calls: { __call__: { params: [{ name: "inputs", option: "x" }] } },
    leaves: {},
    draws: [],
    autoName: "Sequential",
  },
  "flax.linen.Conv": {
    layer: "Conv",
    params: [...CONV_FIELDS, { name: "conv_general_dilated", ignore: ["null"] }, { name: "conv_general_dilated_cls", ignore: ["null"] }, DOT_GENERAL[0], { name: "preferred_element_type", ignore: ["null", "float32"] }],
    leaves: { kernel: "kernel", bias: "bias" },
    draws: ["kernel", "bias"],
    autoName: "Conv",
  },
  "flax.linen.ConvLocal": {
    layer: "ConvLocal",
    params: [...CONV_FIELDS, { name: "conv_general_dilated", ignore: ["null"] }, { name: "conv_general_dilated_cls", ignore: ["null"] }],
    leaves: { kernel: "kernel", bias: "bias" },
    draws: ["kernel", "bias"],
    autoName: "ConvLocal",
  },
  "flax.linen.ConvTranspose": {
    layer: "ConvTranspose",
    params: [
      { name: "features", option: "outFeatures" },
      { name: "kernel_size", option: "kernelSize", repeat: 1 },
      { name: "strides", option: "strides" },
      { name: "padding", option: "padding" },
      { name: "kernel_dilation", option: "kernelDilation" },
      { name: "use_bias", option: "useBias" },
      { name: "mask", option: "mask" },
      ...PRECISION,
      { name: "kernel_init", option: "kernelInit" },
      { name: "bias_init", option: "biasInit" },
      { name: "transpose_kernel", option: "transposeKernel" },
      DOT_GENERAL[0],
      { name: "preferred_element_type", ignore: ["null", "float32"] },
    ],
    leaves: { kernel: "kernel", bias: "bias" },
    draws: ["kernel", "bias"],
    autoName: "ConvTranspose",
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
      ...CROSS_DEVICE,
      { name: "use_fast_variance", option: "useFastVariance" },
      FLOAT32_REDUCTIONS,
    ],
    calls: NORM_CALL,
    leaves: { scale: "scale", bias: "bias" },
    draws: ["scale", "bias"],
    flattened: ["scale", "bias"],
    autoName: "LayerNorm",
  },
  "flax.linen.RMSNorm": {
    layer: "RMSNorm",
    params: [
      { name: "epsilon", option: "epsilon" },
      ...PRECISION.slice(0, 2),
      { name: "use_scale", option: "useScale" },
      { name: "scale_init", option: "scaleInit" },
      { name: "reduction_axes", option: "reductionAxes" },
      { name: "feature_axes", option: "featureAxes" },
      ...CROSS_DEVICE,
      { name: "use_fast_variance", option: "useFastVariance" },
      FLOAT32_REDUCTIONS,
    ],
    calls: NORM_CALL,
    leaves: { scale: "scale" },
    draws: ["scale"],
    flattened: ["scale"],
    autoName: "RMSNorm",
  },
  "flax.linen.GroupNorm": {
    layer: "GroupNorm",
    params: [
      { name: "num_groups", option: "numGroups", passNone: true },
      { name: "group_size", option: "groupSize" },
      { name: "epsilon", option: "epsilon" },
      ...PRECISION.slice(0, 2),
      { name: "use_bias", option: "useBias" },
      { name: "use_scale", option: "useScale" },
      { name: "bias_init", option: "biasInit" },
      { name: "scale_init", option: "scaleInit" },
      { name: "reduction_axes", option: "reductionAxes" },
      ...CROSS_DEVICE,
      { name: "use_fast_variance", option: "useFastVariance" },
      FLOAT32_REDUCTIONS,
    ],
    calls: NORM_CALL,
    leaves: { scale: "scale", bias: "bias" },
    draws: ["scale", "bias"],
    autoName: "GroupNorm",
  },
  "flax.linen.InstanceNorm": {
    layer: "InstanceNorm",
    params: [
      { name: "epsilon", option: "epsilon" },
      ...PRECISION.slice(0, 2),
      { name: "use_bias", option: "useBias" },
      { name: "use_scale", option: "useScale" },
      { name: "bias_init", option: "biasInit" },
      { name: "scale_init", option: "scaleInit" },
      { name: "feature_axes", option: "featureAxes" },
      ...CROSS_DEVICE,
      { name: "use_fast_variance", option: "useFastVariance" },
      FLOAT32_REDUCTIONS,
    ],
    calls: NORM_CALL,
    leaves: { scale: "scale", bias: "bias" },
    draws: ["scale", "bias"],
    flattened: ["scale", "bias"],
    autoName: "InstanceNorm",
  },
  "flax.linen.PReLU": {
    layer: "PReLU",
    params: [PRECISION[1], { name: "negative_slope_init", option: "negativeSlopeInit" }],
    leaves: { negativeSlope: "negative_slope" },
    // self.param draws a key in PReLU's own scope (its lambda ignores it).
    draws: ["negativeSlope"],
    autoName: "PReLU",
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
      ...CROSS_DEVICE,
      { name: "use_fast_variance", option: "useFastVariance" },
      FLOAT32_REDUCTIONS,
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
    flattened: ["scale", "bias", "mean", "var"],
    autoName: "BatchNorm",
  },
};
