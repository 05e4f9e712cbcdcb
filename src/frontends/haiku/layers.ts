// Haiku's layers as rows of the neutral catalog (src/stage/layers/).
import type { SourceLayer } from "../../model/framework.js";

/** hk.EmbedLookupStyle's members, as the strings the runtime takes. */
const LOOKUP_STYLES = { "haiku.EmbedLookupStyle.ARRAY_INDEX": "ARRAY_INDEX", "haiku.EmbedLookupStyle.ONE_HOT": "ONE_HOT" };

function pool(layer: string, autoName: string): SourceLayer {
  return {
    layer,
    params: [
      { name: "window_shape", option: "windowShape" },
      { name: "strides", option: "strides" },
      { name: "padding", option: "padding" },
      { name: "channel_axis", option: "channelAxis" },
    ],
    calls: { __call__: { params: [{ name: "value", option: "x" }] } },
    leaves: {},
    draws: [],
    autoName,
  };
}

const CORE_CALLS = {
  __call__: { params: [{ name: "inputs", option: "x" }, { name: "prev_state", option: "state" }] },
  initial_state: { params: [{ name: "batch_size", option: "batchSize" }] },
};

/** hk.Conv1DLSTM/2D/3D (n) and hk.ConvNDLSTM: two ConvNDs made in __call__, each w then b. */
function haikuConvLstm(n?: number): SourceLayer {
  const convs = ["input_to_hidden", "hidden_to_hidden"];
  return {
    layer: `HaikuConv${n ?? "N"}DLSTM`,
    params: [
      ...(n ? [] : [{ name: "num_spatial_dims", option: "numSpatialDims" }]),
      { name: "input_shape", option: "inputShape" },
      { name: "output_channels", option: "outputChannels" },
      { name: "kernel_shape", option: "kernelShape" },
    ],
    calls: CORE_CALLS,
    leaves: Object.fromEntries(convs.flatMap((c) => [[`${c}.w`, `${c}/w`], [`${c}.b`, `${c}/b`]])),
    draws: convs.flatMap((c) => [`${c}.w`, `${c}.b`]),
    autoName: n ? `conv${n}_dlstm` : "conv_ndlstm",
  };
}

/** hk.nets.ResNet (blocks_per_group first) and ResNet18...200: every module made in __init__ (`~` at each level). */
function haikuResNet(depth?: number): SourceLayer {
  return {
    layer: depth ? `HaikuResNet${depth}` : "HaikuResNet",
    params: [
      ...(depth ? [] : [{ name: "blocks_per_group", option: "blocksPerGroup" }]),
      { name: "num_classes", option: "numClasses" },
      { name: "bn_config", option: "bnConfig" },
      { name: "resnet_v2", option: "resnetV2" },
      ...(depth
        ? []
        : [
            { name: "bottleneck", option: "bottleneck" },
            { name: "channels_per_group", option: "channelsPerGroup" },
            { name: "use_projection", option: "useProjection" },
          ]),
      { name: "logits_config", option: "logitsConfig" },
      { name: "initial_conv_config", option: "initialConvConfig" },
      { name: "strides", option: "strides" },
    ],
    mode: { trueMeansTraining: true },
    calls: {
      __call__: {
        params: [
          { name: "inputs", option: "x" },
          { name: "is_training", mode: true },
          { name: "test_local_stats", literals: ["false", "False"] },
        ],
      },
    },
    leaves: { "*": "~/**" },
    draws: ["*"],
    // The batch norms' moving averages are first set by init's own call (as hk.BatchNorm's).
    initialFromCall: ["*.average"],
    autoName: depth ? `res_net${depth}` : "res_net",
  };
}

/** Haiku norms take `scale`/`offset` at the call only when they create none: not translated. */
const HAIKU_NORM_CALL = {
  __call__: {
    params: [
      { name: "inputs", option: "x" },
      { name: "scale", literals: ["null"] },
      { name: "offset", literals: ["null"] },
    ],
  },
};

/** Haiku's names for the spatial ranks' classes (`Conv2D` → `conv2_d`). */
const SPATIAL = ["", "1_d", "2_d", "3_d"];

/**
 * hk.Conv1D/2D/3D (n) and hk.ConvND (its rank first): channels-last data on
 * nnx.Conv (the same kernel layout and formula; Haiku's default w_init),
 * channels-first on Haiku's own class (the variant).
 */
function haikuConv(n?: number): SourceLayer {
  return {
    layer: "Conv",
    params: [
      ...(n ? [] : [{ name: "num_spatial_dims", option: "numSpatialDims" }]),
      { name: "output_channels", option: "outFeatures" },
      { name: "kernel_shape", option: "kernelSize", ...(n ? { repeat: n } : {}) },
      { name: "stride", option: "strides" },
      { name: "rate", option: "kernelDilation" },
      { name: "padding", option: "padding", padFn: true },
      { name: "with_bias", option: "useBias" },
      { name: "w_init", option: "kernelInit" },
      { name: "b_init", option: "biasInit" },
      { name: "data_format", option: "dataFormat" },
      { name: "mask", option: "mask" },
      { name: "feature_group_count", option: "featureGroupCount" },
    ],
    // Haiku's default w_init: TruncatedNormal(1/sqrt(fan_in)), fan_in = kernel size · input channels.
    defaults: { kernelInit: { rt: "nnx.initializers.haikuFanInTruncatedNormal()" } },
    // nnx.Conv's kernel/bias, or hk.ConvND's w/b (channels first): Haiku's w and b either way.
    leaves: { kernel: "w", bias: "b", w: "w", b: "b" },
    draws: ["kernel", "bias", "w", "b"],
    autoName: n ? `conv${SPATIAL[n]}` : "conv_nd",
  };
}

/** hk.Conv*Transpose: Haiku keeps its kernel [.., out, in], unlike NNX's ConvTranspose: its own class. */
function haikuConvTranspose(n?: number): SourceLayer {
  return {
    layer: "HaikuConvTranspose",
    params: [
      ...(n ? [] : [{ name: "num_spatial_dims", option: "numSpatialDims" }]),
      { name: "output_channels", option: "outFeatures" },
      { name: "kernel_shape", option: "kernelSize", ...(n ? { repeat: n } : {}) },
      { name: "stride", option: "stride" },
      { name: "output_shape", option: "outputShape" },
      { name: "padding", option: "padding" },
      { name: "with_bias", option: "withBias" },
      { name: "w_init", option: "wInit" },
      { name: "b_init", option: "bInit" },
      { name: "data_format", option: "dataFormat" },
      { name: "mask", option: "mask" },
    ],
    leaves: { w: "w", b: "b" },
    draws: ["w", "b"],
    autoName: n ? `conv${SPATIAL[n]}_transpose` : "conv_nd_transpose",
  };
}

function haikuDepthwise(n: number): SourceLayer {
  return {
    layer: "HaikuDepthwiseConv",
    params: [
      { name: "channel_multiplier", option: "channelMultiplier" },
      { name: "kernel_shape", option: "kernelSize", repeat: n },
      { name: "stride", option: "stride" },
      { name: "rate", option: "rate" },
      { name: "padding", option: "padding" },
      { name: "with_bias", option: "withBias" },
      { name: "w_init", option: "wInit" },
      { name: "b_init", option: "bInit" },
      { name: "data_format", option: "dataFormat" },
    ],
    leaves: { w: "w", b: "b" },
    draws: ["w", "b"],
    autoName: `depthwise_conv${SPATIAL[n]}`,
  };
}

export const HAIKU_LAYERS: Record<string, SourceLayer> = {
  "haiku.Linear": {
    layer: "Linear",
    params: [
      { name: "output_size", option: "outFeatures" },
      { name: "with_bias", option: "useBias" },
      { name: "w_init", option: "kernelInit" },
      { name: "b_init", option: "biasInit" },
    ],
    // hk.Linear's default w_init: TruncatedNormal(1/sqrt(fan_in)).
    defaults: { kernelInit: { rt: "nnx.initializers.haikuFanInTruncatedNormal()" } },
    leaves: { kernel: "w", bias: "b" },
    // w, then b when its initializer draws (zeros does not).
    draws: ["kernel", "bias"],
    autoName: "linear",
  },
  "haiku.Bias": {
    layer: "HaikuBias",
    params: [
      { name: "output_size", option: "outputSize" },
      { name: "bias_dims", option: "biasDims" },
      { name: "b_init", option: "bInit" },
    ],
    calls: { __call__: { params: [{ name: "inputs", option: "x" }, { name: "multiplier", option: "multiplier" }] } },
    leaves: { b: "b" },
    // b draws a key only when its initializer does (the default zeros does not).
    draws: ["b"],
    autoName: "bias",
  },
  "haiku.Embed": {
    layer: "HaikuEmbed",
    params: [
      { name: "vocab_size", option: "vocabSize" },
      { name: "embed_dim", option: "embedDim" },
      { name: "embedding_matrix", option: "embeddingMatrix" },
      { name: "w_init", option: "wInit" },
      { name: "lookup_style", option: "lookupStyle", constants: LOOKUP_STYLES },
      { name: "precision", ignore: [] },
    ],
    calls: {
      __call__: {
        params: [
          { name: "ids", option: "x" },
          { name: "lookup_style", option: "lookupStyle", constants: LOOKUP_STYLES },
          { name: "precision", ignore: [] },
        ],
      },
    },
    leaves: { embeddings: "embeddings" },
    draws: ["embeddings"],
    autoName: "embed",
  },
  "haiku.MultiHeadAttention": {
    layer: "HaikuMultiHeadAttention",
    params: [
      { name: "num_heads", option: "numHeads" },
      { name: "key_size", option: "keySize" },
      { name: "w_init_scale", option: "wInitScale" },
      { name: "w_init", option: "wInit" },
      { name: "with_bias", option: "withBias" },
      { name: "b_init", option: "bInit" },
      { name: "value_size", option: "valueSize" },
      { name: "model_size", option: "modelSize" },
    ],
    calls: {
      __call__: {
        params: [
          { name: "query", option: "x" },
          { name: "key", option: "key" },
          { name: "value", option: "value" },
          { name: "mask", option: "mask" },
        ],
      },
    },
    // Four hk.Linears made in __call__: query, key, value, then the output `linear`; each draws w (and b when b_init draws).
    leaves: Object.fromEntries(["query", "key", "value", "linear"].flatMap((l) => [[`${l}.w`, `${l}/w`], [`${l}.b`, `${l}/b`]])),
    draws: ["query", "key", "value", "linear"].flatMap((l) => [`${l}.w`, `${l}.b`]),
    autoName: "multi_head_attention",
  },
  "haiku.MaxPool": pool("HaikuMaxPool", "max_pool"),
  "haiku.AvgPool": pool("HaikuAvgPool", "avg_pool"),
  "haiku.Reshape": {
    layer: "HaikuReshape",
    params: [
      { name: "output_shape", option: "outputShape" },
      { name: "preserve_dims", option: "preserveDims" },
    ],
    calls: { __call__: { params: [{ name: "inputs", option: "x" }] } },
    leaves: {},
    draws: [],
    autoName: "reshape",
  },
  "haiku.Flatten": {
    layer: "HaikuFlatten",
    params: [{ name: "preserve_dims", option: "preserveDims" }],
    calls: { __call__: { params: [{ name: "inputs", option: "x" }] } },
    leaves: {},
    draws: [],
    autoName: "flatten",
  },
  "haiku.Sequential": {
    layer: "Sequential",
    params: [{ name: "layers", option: "layers" }],
    calls: { __call__: { params: [{ name: "inputs", option: "x" }] } },
    leaves: {},
    draws: [],
    autoName: "sequential",
  },
  // Not a module in Haiku: the module it wraps is named where it is built.
  "haiku.BatchApply": {
    layer: "HaikuBatchApply",
    params: [
      { name: "f", option: "f" },
      { name: "num_dims", option: "numDims" },
    ],
    calls: { __call__: { params: [{ name: "args", option: "x" }] } },
    leaves: {},
    draws: [],
    autoName: "batch_apply",
  },
  "haiku.LSTM": {
    layer: "HaikuLSTM",
    params: [{ name: "hidden_size", option: "hiddenSize" }],
    calls: CORE_CALLS,
    leaves: { "linear.w": "linear/w", "linear.b": "linear/b" },
    draws: ["linear.w", "linear.b"],
    autoName: "lstm",
  },
  "haiku.Conv1DLSTM": haikuConvLstm(1),
  "haiku.Conv2DLSTM": haikuConvLstm(2),
  "haiku.Conv3DLSTM": haikuConvLstm(3),
  "haiku.ConvNDLSTM": haikuConvLstm(),
  "haiku.GRU": {
    layer: "HaikuGRU",
    params: [
      { name: "hidden_size", option: "hiddenSize" },
      { name: "w_i_init", option: "wIInit" },
      { name: "w_h_init", option: "wHInit" },
      { name: "b_init", option: "bInit" },
    ],
    calls: { ...CORE_CALLS, __call__: { params: [{ name: "inputs", option: "x" }, { name: "state", option: "state" }] } },
    leaves: { w_i: "w_i", w_h: "w_h", b: "b" },
    draws: ["w_i", "w_h", "b"],
    autoName: "gru",
  },
  "haiku.VanillaRNN": {
    layer: "HaikuVanillaRNN",
    params: [
      { name: "hidden_size", option: "hiddenSize" },
      { name: "double_bias", option: "doubleBias" },
    ],
    calls: CORE_CALLS,
    leaves: { "linear.w": "linear/w", "linear.b": "linear/b", "linear_1.w": "linear_1/w", "linear_1.b": "linear_1/b" },
    draws: ["linear.w", "linear.b", "linear_1.w", "linear_1.b"],
    autoName: "vanilla_rnn",
  },
  "haiku.DeepRNN": {
    layer: "HaikuDeepRNN",
    params: [{ name: "layers", option: "layers" }],
    calls: { __call__: { params: [{ name: "inputs", option: "inputs" }, { name: "state", option: "state" }] }, initial_state: CORE_CALLS.initial_state },
    leaves: {},
    draws: [],
    autoName: "deep_rnn",
  },
  "haiku.ResetCore": {
    layer: "HaikuResetCore",
    params: [{ name: "core", option: "core" }],
    calls: { __call__: { params: [{ name: "inputs", option: "inputs" }, { name: "state", option: "state" }] }, initial_state: CORE_CALLS.initial_state },
    leaves: {},
    draws: [],
    autoName: "reset_core",
  },
  "haiku.IdentityCore": {
    layer: "HaikuIdentityCore",
    params: [],
    calls: { __call__: { params: [{ name: "inputs", option: "inputs" }, { name: "state", option: "state" }] }, initial_state: CORE_CALLS.initial_state },
    leaves: {},
    draws: [],
    autoName: "identity_core",
  },
  "haiku.nets.MLP": {
    layer: "HaikuMLP",
    params: [
      { name: "output_sizes", option: "outputSizes" },
      { name: "w_init", option: "wInit" },
      { name: "b_init", option: "bInit" },
      { name: "with_bias", option: "withBias" },
      { name: "activation", option: "activation" },
      { name: "activate_final", option: "activateFinal" },
    ],
    calls: {
      __call__: {
        params: [
          { name: "inputs", option: "x" },
          { name: "dropout_rate", option: "dropoutRate" },
          { name: "rng", option: "rng" },
        ],
      },
    },
    // Linears linear_0, linear_1, ... made in __init__ (under `~`), each w then b.
    leaves: { "*": "~/**" },
    draws: ["*"],
    autoName: "mlp",
  },
  "haiku.nets.VectorQuantizer": {
    layer: "HaikuVectorQuantizer",
    params: [
      { name: "embedding_dim", option: "embeddingDim" },
      { name: "num_embeddings", option: "numEmbeddings" },
      { name: "commitment_cost", option: "commitmentCost" },
      { name: "dtype", ignore: ["float32"] },
      { name: "cross_replica_axis", ignore: ["null"] },
    ],
    // is_training changes nothing in the (non-EMA) quantizer.
    calls: { __call__: { params: [{ name: "inputs", option: "x" }, { name: "is_training", unused: true }] } },
    leaves: { embeddings: "embeddings" },
    draws: ["embeddings"],
    autoName: "vector_quantizer",
  },
  "haiku.nets.VectorQuantizerEMA": {
    layer: "HaikuVectorQuantizerEMA",
    params: [
      { name: "embedding_dim", option: "embeddingDim" },
      { name: "num_embeddings", option: "numEmbeddings" },
      { name: "commitment_cost", option: "commitmentCost" },
      { name: "decay", option: "decay" },
      { name: "epsilon", option: "epsilon" },
      { name: "dtype", ignore: ["float32"] },
      { name: "cross_replica_axis", ignore: ["null"] },
    ],
    mode: { trueMeansTraining: true },
    calls: { __call__: { params: [{ name: "inputs", option: "x" }, { name: "is_training", mode: true }] } },
    // embeddings: state read with its initializer (a key); the two moving averages are made in __init__.
    leaves: {
      embeddings: "embeddings",
      ...Object.fromEntries(["ema_cluster_size", "ema_dw"].flatMap((e) => ["counter", "hidden", "average"].map((v) => [`${e}.${v}`, `~/${e}/${v}`]))),
    },
    // (The averages start at zero: the quantizer initializes them before its first update.)
    draws: ["embeddings"],
    autoName: "vector_quantizer_ema",
  },
  "haiku.nets.MobileNetV1": {
    layer: "HaikuMobileNetV1",
    params: [
      { name: "strides", option: "strides" },
      { name: "channels", option: "channels" },
      { name: "num_classes", option: "numClasses" },
      { name: "use_bn", option: "useBn" },
    ],
    mode: { trueMeansTraining: true },
    calls: { __call__: { params: [{ name: "inputs", option: "x" }, { name: "is_training", mode: true }] } },
    // Its layers are made in __call__ (no `~`), but each hk.BatchNorm makes its moving averages in __init__.
    leaves: { "*": "*", "*mean_ema": "~/mean_ema", "*var_ema": "~/var_ema" },
    draws: ["*"],
    initialFromCall: ["*.average"],
    autoName: "mobile_net_v1",
  },
  "haiku.nets.ResNet": haikuResNet(),
  ...Object.fromEntries([18, 34, 50, 101, 152, 200].map((d) => [`haiku.nets.ResNet${d}`, haikuResNet(d)])),
  "haiku.Conv1D": haikuConv(1),
  "haiku.Conv2D": haikuConv(2),
  "haiku.Conv3D": haikuConv(3),
  "haiku.ConvND": haikuConv(),
  "haiku.Conv1DTranspose": haikuConvTranspose(1),
  "haiku.Conv2DTranspose": haikuConvTranspose(2),
  "haiku.Conv3DTranspose": haikuConvTranspose(3),
  "haiku.ConvNDTranspose": haikuConvTranspose(),
  "haiku.DepthwiseConv1D": haikuDepthwise(1),
  "haiku.DepthwiseConv2D": haikuDepthwise(2),
  "haiku.DepthwiseConv3D": haikuDepthwise(3),
  "haiku.SeparableDepthwiseConv2D": {
    layer: "HaikuSeparableDepthwiseConv2D",
    params: [
      { name: "channel_multiplier", option: "channelMultiplier" },
      { name: "kernel_shape", option: "kernelSize", repeat: 2 },
      { name: "stride", option: "stride" },
      { name: "padding", option: "padding" },
      { name: "with_bias", option: "withBias" },
      { name: "w_init", option: "wInit" },
      { name: "b_init", option: "bInit" },
      { name: "data_format", option: "dataFormat" },
    ],
    calls: { __call__: { params: [{ name: "inputs", option: "x" }] } },
    // Two DepthwiseConv2Ds made in __init__ (so under `~`): [kh, 1] with the multiplier (no bias), then [1, kw].
    leaves: { "depthwise_conv2_d.w": "~/depthwise_conv2_d/w", "depthwise_conv2_d_1.w": "~/depthwise_conv2_d_1/w", "depthwise_conv2_d_1.b": "~/depthwise_conv2_d_1/b" },
    draws: ["depthwise_conv2_d.w", "depthwise_conv2_d_1.w", "depthwise_conv2_d_1.b"],
    autoName: "separable_depthwise_conv2_d",
  },
  "haiku.LayerNorm": {
    layer: "LayerNorm",
    params: [
      { name: "axis", option: "reductionAxes" },
      { name: "create_scale", option: "useScale" },
      { name: "create_offset", option: "useBias" },
      { name: "eps", option: "epsilon" },
      { name: "scale_init", option: "scaleInit" },
      { name: "offset_init", option: "biasInit" },
      { name: "use_fast_variance", option: "useFastVariance" },
      { name: "param_axis", option: "featureAxes" },
    ],
    // Haiku's LayerNorm: eps 1e-5 and the two-pass variance, where NNX has 1e-6 and E[x²] − E[x]².
    defaults: { epsilon: 1e-5, useFastVariance: false },
    calls: HAIKU_NORM_CALL,
    leaves: { scale: "scale", bias: "offset" },
    draws: ["scale", "bias"],
    autoName: "layer_norm",
  },
  "haiku.RMSNorm": {
    layer: "RMSNorm",
    params: [
      { name: "axis", option: "reductionAxes" },
      { name: "eps", option: "epsilon" },
      { name: "scale_init", option: "scaleInit" },
      { name: "create_scale", option: "useScale" },
      { name: "param_axis", option: "featureAxes" },
    ],
    defaults: { epsilon: 1e-5 },
    calls: { __call__: { params: [{ name: "inputs", option: "x" }] } },
    leaves: { scale: "scale" },
    draws: ["scale"],
    autoName: "rms_norm",
  },
  "haiku.InstanceNorm": {
    layer: "InstanceNorm",
    params: [
      { name: "create_scale", option: "useScale" },
      { name: "create_offset", option: "useBias" },
      { name: "eps", option: "epsilon" },
      { name: "scale_init", option: "scaleInit" },
      { name: "offset_init", option: "biasInit" },
      { name: "data_format", literals: ["channels_last", "NHWC", "NWC", "NDHWC", "N...C"] },
    ],
    defaults: { epsilon: 1e-5, useFastVariance: false },
    calls: HAIKU_NORM_CALL,
    leaves: { scale: "scale", bias: "offset" },
    draws: ["scale", "bias"],
    autoName: "instance_norm",
  },
  "haiku.GroupNorm": {
    layer: "GroupNorm",
    params: [
      { name: "groups", option: "numGroups" },
      // Haiku's default: every axis but the batch one (a slice), as NNX's GroupNorm.
      { name: "axis" },
      { name: "create_scale", option: "useScale" },
      { name: "create_offset", option: "useBias" },
      { name: "eps", option: "epsilon" },
      { name: "scale_init", option: "scaleInit" },
      { name: "offset_init", option: "biasInit" },
      { name: "data_format", literals: ["channels_last", "NHWC", "NWC", "NDHWC", "N...C"] },
    ],
    defaults: { epsilon: 1e-5, useFastVariance: false },
    calls: { __call__: { params: [{ name: "x", option: "x" }, ...HAIKU_NORM_CALL.__call__.params.slice(1)] } },
    leaves: { scale: "scale", bias: "offset" },
    draws: ["scale", "bias"],
    autoName: "group_norm",
  },
  "haiku.SpectralNorm": {
    layer: "HaikuSpectralNorm",
    params: [
      { name: "eps", option: "eps" },
      { name: "n_steps", option: "nSteps" },
    ],
    calls: {
      __call__: {
        params: [
          { name: "value", option: "x" },
          { name: "update_stats", option: "updateStats" },
          { name: "error_on_non_matrix", option: "errorOnNonMatrix" },
        ],
      },
    },
    // State u0 (read with RandomNormal at the first call: a key); sigma is only set, so init's own call gives its start.
    leaves: { u0: "u0", sigma: "sigma" },
    draws: ["u0"],
    initialFromCall: ["sigma"],
    autoName: "spectral_norm",
  },
  "haiku.ExponentialMovingAverage": {
    layer: "HaikuExponentialMovingAverage",
    params: [
      { name: "decay", option: "decay" },
      { name: "zero_debias", option: "zeroDebias" },
      { name: "warmup_length", option: "warmupLength" },
    ],
    calls: { __call__: { params: [{ name: "value", option: "x" }, { name: "update_stats", option: "updateStats" }] } },
    leaves: { counter: "counter", hidden: "hidden", average: "average" },
    draws: [],
    // `average` is only set (never read with an initializer): init's own call gives its start.
    initialFromCall: ["average"],
    autoName: "exponential_moving_average",
  },
  "haiku.BatchNorm": {
    layer: "BatchNorm",
    params: [
      { name: "create_scale", option: "useScale" },
      { name: "create_offset", option: "useBias" },
      { name: "decay_rate", option: "momentum" },
      { name: "eps", option: "epsilon" },
      { name: "scale_init", option: "scaleInit" },
      { name: "offset_init", option: "biasInit" },
      { name: "axis", ignore: ["null"] },
      { name: "cross_replica_axis", ignore: ["null"] },
      { name: "cross_replica_axis_index_groups", ignore: ["null"] },
      { name: "data_format", literals: ["channels_last", "NHWC", "N...C"] },
    ],
    fixed: { zeroDebias: true },
    // hk.ExponentialMovingAverage creates `average` with set_state: init's own call gives its start.
    initialFromCall: ["mean", "var"],
    mode: { trueMeansTraining: true },
    calls: {
      __call__: {
        params: [
          { name: "inputs", option: "x" },
          { name: "is_training", mode: true },
          { name: "test_local_stats", literals: ["false"] },
          { name: "scale", option: "scale" },
          { name: "offset", option: "offset" },
        ],
      },
    },
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
    draws: [],
    autoName: "batch_norm",
  },
};
