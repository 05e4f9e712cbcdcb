// hk.DepthwiseConv1D/2D/3D (DepthwiseConvND) and hk.SeparableDepthwiseConv2D
// (haiku/_src/depthwise_conv.py).

import { tf } from "../tf.js";
import { Module } from "../module.js";
import type { Param } from "../variables.js";
import type { Rngs } from "../rnglib.js";
import { type Initializer, haikuTruncatedNormal, zeros } from "../nn/initializers.js";
import { initVariable } from "./keys.js";
import { addBroadcast, channelIndex, prod, replicate } from "./utils.js";
import { convGeneralDilated } from "./conv-general.js";

export interface DepthwiseConvOptions {
  stride?: number | number[];
  /** Kernel dilation. */
  rate?: number | number[];
  /** "SAME", "VALID" (any case) or one (before, after) pair per spatial dim. */
  padding?: string | readonly (readonly [number, number])[];
  withBias?: boolean;
  /** Default: TruncatedNormal(1 / sqrt(prod(kernel))). */
  wInit?: Initializer | null;
  bInit?: Initializer | null;
  dataFormat?: string;
  rngs: Rngs;
}

/**
 * hk.DepthwiseConvND(channel_multiplier, kernel_shape, num_spatial_dims,
 * data_format) for `inputChannels` channels: feature_group_count = channels,
 * `w` [...kernel, 1, multiplier * channels] (output channel c * M + m sees
 * input channel c), `b` [M * C] (channels-first: [M * C, 1, 1], as Haiku has
 * it for any number of spatial dims). Keys: w, then b. Batched inputs only.
 */
export class DepthwiseConvND extends Module {
  readonly w: Param;
  readonly b: Param | null;
  readonly numSpatialDims: number;
  readonly inputChannels: number;
  readonly channelMultiplier: number;
  readonly kernelShape: number[];
  readonly stride: number[];
  readonly rhsDilation: number[];
  readonly padding: string | [number, number][];
  readonly dataFormat: string;
  readonly channelIndex: 1 | -1;

  constructor(
    numSpatialDims: number,
    inputChannels: number,
    channelMultiplier: number,
    kernelShape: number | number[],
    options: DepthwiseConvOptions,
  ) {
    super();
    const { stride = 1, rate = 1, padding = "SAME", withBias = true, dataFormat = "channels_last", rngs } = options;
    this.numSpatialDims = numSpatialDims;
    this.inputChannels = inputChannels;
    this.channelMultiplier = channelMultiplier;
    this.kernelShape = replicate(kernelShape, numSpatialDims, "kernel_shape");
    this.stride = replicate(stride, numSpatialDims, "strides");
    this.rhsDilation = replicate(rate, numSpatialDims, "rhs_dilation");
    this.padding = typeof padding === "string" ? padding : padding.map((p) => [p[0], p[1]] as [number, number]);
    this.dataFormat = dataFormat;
    this.channelIndex = channelIndex(dataFormat);
    const wShape = [...this.kernelShape, 1, channelMultiplier * inputChannels];
    const wInit = options.wInit ?? haikuTruncatedNormal(1 / Math.sqrt(prod(wShape.slice(0, -1))));
    this.w = initVariable(rngs, wInit, wShape);
    const bShape = this.channelIndex === -1 ? [channelMultiplier * inputChannels] : [channelMultiplier * inputChannels, 1, 1];
    this.b = withBias ? initVariable(rngs, options.bInit ?? zeros, bShape) : null;
  }

  call(inputs: tf.Tensor): tf.Tensor {
    if (inputs.rank !== this.numSpatialDims + 2) {
      throw new Error(`DepthwiseConvND expects inputs of rank ${this.numSpatialDims + 2}, got shape [${inputs.shape}]`);
    }
    return tf.tidy(() => {
      const first = this.channelIndex === 1;
      const n = this.numSpatialDims;
      const x = first ? tf.transpose(inputs, [0, ...Array.from({ length: n }, (_, i) => i + 2), 1]) : inputs;
      const padding =
        typeof this.padding === "string" ? (this.padding.toUpperCase() as "SAME" | "VALID" | "SAME_LOWER") : this.padding;
      let out = convGeneralDilated(x, this.w.value, {
        windowStrides: this.stride,
        padding,
        rhsDilation: this.rhsDilation,
        featureGroupCount: x.shape[x.rank - 1],
      });
      if (first) out = tf.transpose(out, [0, n + 1, ...Array.from({ length: n }, (_, i) => i + 1)]);
      if (this.b !== null) out = addBroadcast(out, this.b.value);
      return out;
    });
  }
}

/** hk.DepthwiseConv1D (data_format "NWC" by default). */
export class DepthwiseConv1D extends DepthwiseConvND {
  constructor(inputChannels: number, channelMultiplier: number, kernelShape: number | number[], options: DepthwiseConvOptions) {
    super(1, inputChannels, channelMultiplier, kernelShape, { dataFormat: "NWC", ...options });
  }
}

/** hk.DepthwiseConv2D (data_format "NHWC" by default). */
export class DepthwiseConv2D extends DepthwiseConvND {
  constructor(inputChannels: number, channelMultiplier: number, kernelShape: number | number[], options: DepthwiseConvOptions) {
    super(2, inputChannels, channelMultiplier, kernelShape, { dataFormat: "NHWC", ...options });
  }
}

/** hk.DepthwiseConv3D (data_format "NDHWC" by default). */
export class DepthwiseConv3D extends DepthwiseConvND {
  constructor(inputChannels: number, channelMultiplier: number, kernelShape: number | number[], options: DepthwiseConvOptions) {
    super(3, inputChannels, channelMultiplier, kernelShape, { dataFormat: "NDHWC", ...options });
  }
}

export interface SeparableDepthwiseConv2DOptions {
  stride?: number | number[];
  padding?: string | readonly (readonly [number, number])[];
  withBias?: boolean;
  wInit?: Initializer | null;
  bInit?: Initializer | null;
  dataFormat?: string;
  rngs: Rngs;
}

/**
 * hk.SeparableDepthwiseConv2D(channel_multiplier, kernel_shape): a
 * DepthwiseConv2D over [kh, 1] (multiplier M, stride, no bias) then one over
 * [1, kw] (multiplier 1, stride 1, bias). Haiku names them
 * `depthwise_conv2_d` and `depthwise_conv2_d_1`. Keys: the first w, the
 * second w, its b.
 */
export class SeparableDepthwiseConv2D extends Module {
  readonly depthwise_conv2_d: DepthwiseConv2D;
  readonly depthwise_conv2_d_1: DepthwiseConv2D;

  constructor(inputChannels: number, channelMultiplier: number, kernelShape: number | number[], options: SeparableDepthwiseConv2DOptions) {
    super();
    const { stride = 1, padding = "SAME", withBias = true, wInit = null, bInit = null, dataFormat = "NHWC", rngs } = options;
    const [kh, kw] = replicate(kernelShape, 2, "kernel_shape");
    this.depthwise_conv2_d = new DepthwiseConv2D(inputChannels, channelMultiplier, [kh, 1], {
      stride,
      padding,
      withBias: false,
      wInit,
      bInit,
      dataFormat,
      rngs,
    });
    this.depthwise_conv2_d_1 = new DepthwiseConv2D(inputChannels * channelMultiplier, 1, [1, kw], {
      stride: 1,
      padding,
      withBias,
      wInit,
      bInit,
      dataFormat,
      rngs,
    });
  }

  call(inputs: tf.Tensor): tf.Tensor {
    return tf.tidy(() => this.depthwise_conv2_d_1.call(this.depthwise_conv2_d.call(inputs)));
  }
}
