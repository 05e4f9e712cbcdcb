// nnx.ConvLocal: Linen's nn.ConvLocal (flax/linen/linear.py; NNX has none), a
// convolution with a separate kernel at every output position
// (lax.conv_general_dilated_local). Linen's parameter layout: kernel
// (*outSpatial, prod(kernelSize) * inFeatures, outFeatures), each row of a
// position's kernel indexed channel-major (c * prod(kernelSize) + window
// offset), and bias (*outSpatial, outFeatures). Linen sizes the kernel from its
// first input; eager here, so the input's spatial shape is an option.

import { tf } from "../tf.js";
import { Module } from "../module.js";
import { Param } from "../variables.js";
import type { Rngs } from "../rnglib.js";
import { type Initializer, lecunNormal, zeros } from "./initializers.js";
import {
  type PadPairs,
  type PaddingLike,
  canonicalizePadding,
  dilateAndPad,
  padAxis,
  padPeriodic,
  padtypeToPads,
  perDim,
  windowCount,
  windowSlices,
} from "./conv_ops.js";
import { flattenBatch, restoreBatch } from "./conv.js";

export interface ConvLocalOptions {
  /** Spatial shape of the inputs (without batch and feature dims). */
  inputShape: number[];
  strides?: number | number[] | null;
  padding?: PaddingLike;
  inputDilation?: number | number[] | null;
  kernelDilation?: number | number[] | null;
  useBias?: boolean;
  mask?: tf.Tensor | null;
  kernelInit?: Initializer;
  biasInit?: Initializer;
  rngs: Rngs;
  kernelMetadata?: Record<string, unknown>;
  biasMetadata?: Record<string, unknown>;
}

interface Geometry {
  strides: number[];
  inputDilation: number[];
  kernelDilation: number[];
  /** Padding applied before the patches (CIRCULAR / REFLECT / CAUSAL), in input units. */
  prePad: { mode: "wrap" | "reflect" | "zeros"; pads: PadPairs } | null;
  pads: PadPairs;
  outShape: number[];
}

export class ConvLocal extends Module {
  readonly inFeatures: number;
  readonly outFeatures: number;
  readonly kernelSize: number[];
  readonly inputShape: number[];
  readonly strides: number | number[] | null;
  readonly padding: PaddingLike;
  readonly inputDilation: number | number[] | null;
  readonly kernelDilation: number | number[] | null;
  readonly useBias: boolean;
  readonly mask: tf.Tensor | null;
  readonly kernelShape: number[];
  readonly kernel: Param;
  readonly bias: Param | null;

  constructor(inFeatures: number, outFeatures: number, kernelSize: number | number[], options: ConvLocalOptions) {
    super();
    const {
      inputShape,
      strides = 1,
      padding = "SAME",
      inputDilation = 1,
      kernelDilation = 1,
      useBias = true,
      mask = null,
      kernelInit = lecunNormal(),
      biasInit = zeros,
      rngs,
    } = options;
    this.kernelSize = typeof kernelSize === "number" ? [kernelSize] : [...kernelSize];
    const n = this.kernelSize.length;
    if (n < 1 || n > 3) throw new Error("nnx.ConvLocal: 1, 2 or 3 spatial dimensions are supported");
    if (!inputShape || inputShape.length !== n) throw new Error(`nnx.ConvLocal: inputShape must give the ${n} spatial dims of the input`);
    this.inFeatures = inFeatures;
    this.outFeatures = outFeatures;
    this.inputShape = [...inputShape];
    this.strides = strides;
    this.padding = padding;
    this.inputDilation = inputDilation;
    this.kernelDilation = kernelDilation;
    this.useBias = useBias;
    this.mask = mask === null ? null : tf.keep(tf.clone(mask));
    const { outShape } = this.geometry();
    const window = this.kernelSize.reduce((a, b) => a * b, 1);
    this.kernelShape = [...outShape, window * inFeatures, outFeatures];
    // Linen: self.param('kernel') then self.param('bias'), one 'params' key each.
    this.kernel = new Param(kernelInit(rngs.params(), this.kernelShape, "float32"), { ...options.kernelMetadata, init: kernelInit });
    this.bias = useBias ? new Param(biasInit(rngs.params(), [...outShape, outFeatures], "float32"), { ...options.biasMetadata, init: biasInit }) : null;
  }

  /** Strides, dilations, paddings and the output's spatial shape, as Linen's _Conv works them out. */
  private geometry(): Geometry {
    const n = this.kernelSize.length;
    const strides = perDim(this.strides, n, "stride");
    const inputDilation = perDim(this.inputDilation, n, "input dilation");
    const kernelDilation = perDim(this.kernelDilation, n, "kernel dilation");
    const effective = this.kernelSize.map((k, i) => (k - 1) * kernelDilation[i] + 1);
    let sizes = [...this.inputShape];
    let padding = canonicalizePadding(this.padding, n);
    let prePad: Geometry["prePad"] = null;
    if (padding === "CIRCULAR" || padding === "REFLECT") {
      const pads = effective.map((k) => [Math.floor((k - 1) / 2), Math.floor(k / 2)] as [number, number]);
      prePad = { mode: padding === "CIRCULAR" ? "wrap" : "reflect", pads };
      padding = "VALID";
    } else if (padding === "CAUSAL") {
      if (n !== 1) throw new Error("Causal padding is only implemented for 1D convolutions.");
      prePad = { mode: "zeros", pads: [[kernelDilation[0] * (this.kernelSize[0] - 1), 0]] };
      padding = "VALID";
    }
    if (prePad !== null) sizes = sizes.map((s, i) => s + prePad!.pads[i][0] + prePad!.pads[i][1]);
    let pads: PadPairs;
    if (typeof padding === "string") {
      if (inputDilation.some((d) => d !== 1)) {
        throw new Error("String padding is not implemented for transposed convolution using this op. Please either exactly specify the required padding or use conv_transpose.");
      }
      pads = padtypeToPads(sizes, effective, strides, padding);
    } else pads = padding;
    const outShape = sizes.map((s, i) => windowCount((s - 1) * inputDilation[i] + 1 + pads[i][0] + pads[i][1], this.kernelSize[i], strides[i], kernelDilation[i]));
    return { strides, inputDilation, kernelDilation, prePad, pads, outShape };
  }

  call(inputs: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const n = this.kernelSize.length;
      let [x, batchShape] = flattenBatch(inputs, n);
      if (JSON.stringify(x.shape.slice(1, n + 1)) !== JSON.stringify(this.inputShape)) {
        throw new Error(`nnx.ConvLocal: built for inputs of spatial shape [${this.inputShape}], got [${x.shape.slice(1, n + 1)}]`);
      }
      const g = this.geometry();
      if (g.prePad !== null) {
        const axes = this.kernelSize.map((_, i) => i + 1);
        if (g.prePad.mode === "zeros") g.prePad.pads.forEach(([lo, hi], i) => (x = padAxis(x, i + 1, lo, hi)));
        else x = padPeriodic(x, axes, g.prePad.pads, g.prePad.mode);
      }
      x = dilateAndPad(x, g.pads, g.inputDilation);
      // lax.conv_general_dilated_patches: feature index c * prod(window) + window offset.
      const slices = windowSlices(x, this.kernelSize, g.strides, g.kernelDilation);
      const b = x.shape[0];
      const positions = g.outShape.reduce((a, c) => a * c, 1);
      const depth = slices.length * this.inFeatures;
      const patches = tf.reshape(tf.stack(slices, x.rank), [b, positions, depth]);
      let kernel = this.kernel.value;
      if (this.mask !== null) {
        if (JSON.stringify(this.mask.shape) !== JSON.stringify(this.kernelShape)) {
          throw new Error(`Mask needs to have the same shape as weights. Shapes are: [${this.mask.shape}], [${this.kernelShape}]`);
        }
        kernel = tf.mul(kernel, this.mask);
      }
      // One matrix product per output position: [P, B, D] x [P, D, F].
      const k = tf.reshape(kernel, [positions, depth, this.outFeatures]) as tf.Tensor3D;
      const prod = tf.matMul(tf.transpose(patches, [1, 0, 2]) as tf.Tensor3D, k);
      let y = tf.reshape(tf.transpose(prod, [1, 0, 2]), [b, ...g.outShape, this.outFeatures]);
      if (this.bias !== null) y = tf.add(y, this.bias.value);
      return restoreBatch(y, batchShape);
    });
  }
}
