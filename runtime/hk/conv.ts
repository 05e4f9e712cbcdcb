// hk.ConvND / Conv1D / Conv2D / Conv3D and hk.ConvNDTranspose / Conv1DTranspose /
// Conv2DTranspose / Conv3DTranspose (haiku/_src/conv.py).

import { tf } from "../tf.js";
import { Module } from "../module.js";
import type { Param } from "../variables.js";
import type { Rngs } from "../rnglib.js";
import { type Initializer, haikuTruncatedNormal, zeros } from "../nn/initializers.js";
import { initVariable } from "./keys.js";
import { addBroadcast, channelIndex, prod, replicate } from "./utils.js";
import { type PadFn, createFromPadfn, createFromTuple } from "./pad.js";
import { type ConvPadding, convGeneralDilated, convTransposePadding } from "./conv-general.js";

/** ConvND's `padding`: a string, (low, high) pair(s), or hk.pad function(s). */
export type ConvNDPadding = string | readonly [number, number] | readonly (readonly [number, number])[] | PadFn | readonly PadFn[];

export interface ConvNDOptions {
  stride?: number | number[];
  /** Kernel dilation. */
  rate?: number | number[];
  padding?: ConvNDPadding;
  withBias?: boolean;
  /** Default: TruncatedNormal(1 / sqrt(prod(kernel) * in / groups)). */
  wInit?: Initializer | null;
  bInit?: Initializer | null;
  /** "channels_last" (default for ConvND), "channels_first", "NWC", "NCHW", ... */
  dataFormat?: string;
  /** Multiplies `w` (same shape) on every call; not owned by the module. */
  mask?: tf.Tensor | null;
  featureGroupCount?: number;
  rngs: Rngs;
}

/** To channels-last and back (a no-op for channels-last data). */
function toChannelsLast(x: tf.Tensor, ci: number): tf.Tensor {
  if (ci === -1) return x;
  const perm = [0, ...Array.from({ length: x.rank - 2 }, (_, i) => i + 2), 1];
  return tf.transpose(x, perm);
}
function fromChannelsLast(x: tf.Tensor, ci: number): tf.Tensor {
  if (ci === -1) return x;
  const perm = [0, x.rank - 1, ...Array.from({ length: x.rank - 2 }, (_, i) => i + 1)];
  return tf.transpose(x, perm);
}

/** Bias shapes as Haiku's: (O,) channels-last, (O, 1, ..., 1) channels-first. */
function biasShape(outputChannels: number, ci: number, numSpatialDims: number): number[] {
  return ci === -1 ? [outputChannels] : [outputChannels, ...Array.from({ length: numSpatialDims }, () => 1)];
}

/**
 * hk.ConvND(num_spatial_dims, output_channels, kernel_shape) for inputs with
 * `inputChannels` channels: `w` [...kernel, in / groups, out], `b` [out]
 * ([out, 1, ...] channels-first). Keys: w, then b (each if its initializer
 * draws). Accepts batched (rank n + 2) and unbatched (rank n + 1) inputs.
 */
export class ConvND extends Module {
  readonly w: Param;
  readonly b: Param | null;
  readonly numSpatialDims: number;
  readonly inputChannels: number;
  readonly outputChannels: number;
  readonly kernelShape: number[];
  readonly stride: number[];
  readonly kernelDilation: number[];
  readonly padding: "SAME" | "SAME_LOWER" | "VALID" | [number, number][];
  readonly dataFormat: string;
  readonly channelIndex: 1 | -1;
  readonly featureGroupCount: number;
  readonly mask: tf.Tensor | null;

  constructor(
    numSpatialDims: number,
    inputChannels: number,
    outputChannels: number,
    kernelShape: number | number[],
    options: ConvNDOptions,
  ) {
    super();
    if (numSpatialDims <= 0) {
      throw new Error(
        `We only support convolution operations for \`num_spatial_dims\` greater than 0, received num_spatial_dims=${numSpatialDims}.`,
      );
    }
    const { stride = 1, rate = 1, padding = "SAME", withBias = true, dataFormat = "channels_last", mask = null, featureGroupCount = 1, rngs } = options;
    this.numSpatialDims = numSpatialDims;
    this.inputChannels = inputChannels;
    this.outputChannels = outputChannels;
    this.kernelShape = replicate(kernelShape, numSpatialDims, "kernel_shape");
    this.stride = replicate(stride, numSpatialDims, "strides");
    this.kernelDilation = replicate(rate, numSpatialDims, "kernel_dilation");
    this.dataFormat = dataFormat;
    this.channelIndex = channelIndex(dataFormat);
    this.featureGroupCount = featureGroupCount;
    this.mask = mask;
    if (typeof padding === "string") {
      const p = padding.toUpperCase();
      if (p !== "SAME" && p !== "VALID" && p !== "SAME_LOWER") throw new Error(`Unrecognized padding type: ${padding}`);
      this.padding = p;
    } else if (typeof padding === "function" || (Array.isArray(padding) && typeof padding[0] === "function")) {
      this.padding = createFromPadfn(padding as PadFn | PadFn[], this.kernelShape, this.kernelDilation, numSpatialDims);
    } else {
      this.padding = createFromTuple(padding as [number, number][], numSpatialDims);
    }
    if (inputChannels % featureGroupCount !== 0) {
      throw new Error(`Inputs channels ${inputChannels} should be a multiple of feature_group_count ${featureGroupCount}`);
    }
    const wShape = [...this.kernelShape, inputChannels / featureGroupCount, outputChannels];
    if (mask !== null && (mask.rank !== wShape.length || mask.shape.some((d, i) => d !== wShape[i]))) {
      throw new Error(`Mask needs to have the same shape as weights. Shapes are: [${mask.shape}], [${wShape}]`);
    }
    // Haiku: stddev = 1. / np.sqrt(np.prod(w_shape[:-1])).
    const wInit = options.wInit ?? haikuTruncatedNormal(1 / Math.sqrt(prod(wShape.slice(0, -1))));
    this.w = initVariable(rngs, wInit, wShape);
    this.b = withBias ? initVariable(rngs, options.bInit ?? zeros, biasShape(outputChannels, this.channelIndex, numSpatialDims)) : null;
  }

  call(inputs: tf.Tensor): tf.Tensor {
    const unbatchedRank = this.numSpatialDims + 1;
    if (inputs.rank !== unbatchedRank && inputs.rank !== unbatchedRank + 1) {
      throw new Error(`Input to ConvND needs to have rank in [${unbatchedRank}, ${unbatchedRank + 1}], but input has shape [${inputs.shape}].`);
    }
    return tf.tidy(() => {
      const unbatched = inputs.rank === unbatchedRank;
      const x = unbatched ? tf.expandDims(inputs, 0) : inputs;
      const w = this.mask !== null ? tf.mul(this.w.value, this.mask) : this.w.value;
      let out = convGeneralDilated(toChannelsLast(x, this.channelIndex), w, {
        windowStrides: this.stride,
        padding: this.padding,
        rhsDilation: this.kernelDilation,
        featureGroupCount: this.featureGroupCount,
      });
      out = fromChannelsLast(out, this.channelIndex);
      if (this.b !== null) out = addBroadcast(out, this.b.value);
      return unbatched ? tf.squeeze(out, [0]) : out;
    });
  }
}

export type ConvOptions = ConvNDOptions;

/** hk.Conv1D (data_format "NWC" by default). */
export class Conv1D extends ConvND {
  constructor(inputChannels: number, outputChannels: number, kernelShape: number | number[], options: ConvOptions) {
    super(1, inputChannels, outputChannels, kernelShape, { dataFormat: "NWC", ...options });
  }
}

/** hk.Conv2D (data_format "NHWC" by default). */
export class Conv2D extends ConvND {
  constructor(inputChannels: number, outputChannels: number, kernelShape: number | number[], options: ConvOptions) {
    super(2, inputChannels, outputChannels, kernelShape, { dataFormat: "NHWC", ...options });
  }
}

/** hk.Conv3D (data_format "NDHWC" by default). */
export class Conv3D extends ConvND {
  constructor(inputChannels: number, outputChannels: number, kernelShape: number | number[], options: ConvOptions) {
    super(3, inputChannels, outputChannels, kernelShape, { dataFormat: "NDHWC", ...options });
  }
}

/** conv.compute_adjusted_padding: the transposed conv's padding for a requested output size. */
export function computeAdjustedPadding(
  inputSize: number,
  outputSize: number,
  kernelSize: number,
  stride: number,
  padding: "SAME" | "VALID",
  dilation = 1,
): [number, number] {
  const k = (kernelSize - 1) * dilation + 1;
  let paddingBefore: number;
  if (padding === "VALID") {
    const expected = Math.floor((outputSize - k + stride) / stride);
    if (inputSize !== expected) {
      throw new Error(`The expected input size with the current set of input parameters is ${expected} which doesn't match the actual input size ${inputSize}.`);
    }
    paddingBefore = 0;
  } else {
    const expected = Math.floor((outputSize + stride - 1) / stride);
    if (inputSize !== expected) {
      throw new Error(`The expected input size with the current set of input parameters is ${expected} which doesn't match the actual input size ${inputSize}.`);
    }
    paddingBefore = Math.floor(Math.max(0, (inputSize - 1) * stride + k - outputSize) / 2);
  }
  const expandedInputSize = (inputSize - 1) * stride + 1;
  const paddedOutSize = outputSize + k - 1;
  const padBefore = k - 1 - paddingBefore;
  return [padBefore, paddedOutSize - expandedInputSize - padBefore];
}

export interface ConvNDTransposeOptions {
  stride?: number | number[];
  /** Spatial output shape; padding must then be "SAME" or "VALID". */
  outputShape?: number | number[] | null;
  /** "SAME"/"VALID" (the forward conv's), or (low, high) pairs for the transposed conv. */
  padding?: "SAME" | "VALID" | readonly (readonly [number, number])[];
  withBias?: boolean;
  /** Default: TruncatedNormal(1 / sqrt(prod(kernel) * in)). */
  wInit?: Initializer | null;
  bInit?: Initializer | null;
  dataFormat?: string;
  mask?: tf.Tensor | null;
  rngs: Rngs;
}

/**
 * hk.ConvNDTranspose(num_spatial_dims, output_channels, kernel_shape) for
 * `inputChannels` input channels: lax.conv_transpose (kernel not flipped),
 * `w` [...kernel, out, in], `b` [out]. Keys: w, then b.
 */
export class ConvNDTranspose extends Module {
  readonly w: Param;
  readonly b: Param | null;
  readonly numSpatialDims: number;
  readonly inputChannels: number;
  readonly outputChannels: number;
  readonly kernelShape: number[];
  readonly stride: number[];
  readonly outputShape: number[] | null;
  readonly padding: "SAME" | "VALID" | [number, number][];
  readonly dataFormat: string;
  readonly channelIndex: 1 | -1;
  readonly mask: tf.Tensor | null;

  constructor(
    numSpatialDims: number,
    inputChannels: number,
    outputChannels: number,
    kernelShape: number | number[],
    options: ConvNDTransposeOptions,
  ) {
    super();
    if (numSpatialDims <= 0) {
      throw new Error(
        `We only support convolution operations for \`num_spatial_dims\` greater than 0, received num_spatial_dims=${numSpatialDims}.`,
      );
    }
    const { stride = 1, outputShape = null, padding = "SAME", withBias = true, dataFormat = "channels_last", mask = null, rngs } = options;
    this.numSpatialDims = numSpatialDims;
    this.inputChannels = inputChannels;
    this.outputChannels = outputChannels;
    this.kernelShape = replicate(kernelShape, numSpatialDims, "kernel_shape");
    this.outputShape = outputShape === null ? null : replicate(outputShape, numSpatialDims, "output_shape");
    if (this.outputShape !== null && typeof padding !== "string") {
      throw new Error("When specifying `output_shape`, ensure that paddding is 'VALID' or 'SAME'.");
    }
    if (typeof padding === "string" && padding !== "SAME" && padding !== "VALID") {
      throw new Error(`padding must be 'SAME', 'VALID' or (low, high) pairs, got ${padding}`);
    }
    this.stride = replicate(stride, numSpatialDims, "strides");
    this.padding = typeof padding === "string" ? padding : padding.map((p) => [p[0], p[1]] as [number, number]);
    this.dataFormat = dataFormat;
    this.channelIndex = channelIndex(dataFormat);
    this.mask = mask;
    const wShape = [...this.kernelShape, outputChannels, inputChannels];
    if (mask !== null && (mask.rank !== wShape.length || mask.shape.some((d, i) => d !== wShape[i]))) {
      throw new Error(`Mask needs to have the same shape as weights. Shapes are: [${mask.shape}], [${wShape}]`);
    }
    const wInit = options.wInit ?? haikuTruncatedNormal(1 / Math.sqrt(prod([...this.kernelShape, inputChannels])));
    this.w = initVariable(rngs, wInit, wShape);
    this.b = withBias ? initVariable(rngs, options.bInit ?? zeros, biasShape(outputChannels, this.channelIndex, numSpatialDims)) : null;
  }

  call(inputs: tf.Tensor): tf.Tensor {
    const n = this.numSpatialDims;
    const unbatchedRank = n + 1;
    if (inputs.rank !== unbatchedRank && inputs.rank !== unbatchedRank + 1) {
      throw new Error(
        `Input to ConvNDTranspose needs to have rank in [${unbatchedRank}, ${unbatchedRank + 1}], but input has shape [${inputs.shape}].`,
      );
    }
    return tf.tidy(() => {
      const unbatched = inputs.rank === unbatchedRank;
      const x = toChannelsLast(unbatched ? tf.expandDims(inputs, 0) : inputs, this.channelIndex);
      let w = this.mask !== null ? tf.mul(this.w.value, this.mask) : this.w.value;
      // Kernel layout (..., O, I) → (..., I, O) for convGeneralDilated.
      w = tf.transpose(w, [...Array.from({ length: n }, (_, i) => i), n + 1, n]);
      const spatial = x.shape.slice(1, -1);
      let pads: ConvPadding;
      if (this.outputShape !== null) {
        const p = this.padding as "SAME" | "VALID";
        pads = spatial.map((d, i) => computeAdjustedPadding(d, this.outputShape![i], this.kernelShape[i], this.stride[i], p));
      } else if (typeof this.padding === "string") {
        const p = this.padding;
        pads = this.kernelShape.map((k, i) => convTransposePadding(k, this.stride[i], p));
      } else {
        pads = this.padding;
      }
      let out = convGeneralDilated(x, w, { padding: pads, lhsDilation: this.stride });
      out = fromChannelsLast(out, this.channelIndex);
      if (this.b !== null) out = addBroadcast(out, this.b.value);
      return unbatched ? tf.squeeze(out, [0]) : out;
    });
  }
}

export type ConvTransposeOptions = ConvNDTransposeOptions;

/** hk.Conv1DTranspose (data_format "NWC" by default). */
export class Conv1DTranspose extends ConvNDTranspose {
  constructor(inputChannels: number, outputChannels: number, kernelShape: number | number[], options: ConvTransposeOptions) {
    super(1, inputChannels, outputChannels, kernelShape, { dataFormat: "NWC", ...options });
  }
}

/** hk.Conv2DTranspose (data_format "NHWC" by default). */
export class Conv2DTranspose extends ConvNDTranspose {
  constructor(inputChannels: number, outputChannels: number, kernelShape: number | number[], options: ConvTransposeOptions) {
    super(2, inputChannels, outputChannels, kernelShape, { dataFormat: "NHWC", ...options });
  }
}

/** hk.Conv3DTranspose (data_format "NDHWC" by default). */
export class Conv3DTranspose extends ConvNDTranspose {
  constructor(inputChannels: number, outputChannels: number, kernelShape: number | number[], options: ConvTransposeOptions) {
    super(3, inputChannels, outputChannels, kernelShape, { dataFormat: "NDHWC", ...options });
  }
}
