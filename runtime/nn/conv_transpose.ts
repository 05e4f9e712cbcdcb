// nnx.ConvTranspose (flax/nnx/nn/linear.py): lax.conv_transpose, channels-last,
// 1-3 spatial dims. Kernel (*kernelSize, in, out), or (*kernelSize, out, in)
// with transposeKernel (flipped and swapped at call time, as lax does).
// "CIRCULAR" runs a "VALID" transpose and wraps the result onto periods of
// input size * stride, as Flax does.

import { tf } from "../tf.js";
import { Module } from "../module.js";
import { Param } from "../variables.js";
import type { Rngs } from "../rnglib.js";
import { type Initializer, lecunNormal, zeros } from "./initializers.js";
import { type PaddingLike, canonicalizePadding, convTranspose, padAxis, perDim } from "./conv_ops.js";
import { flattenBatch, restoreBatch } from "./conv.js";

export interface ConvTransposeOptions {
  strides?: number | number[] | null;
  padding?: PaddingLike;
  kernelDilation?: number | number[] | null;
  useBias?: boolean;
  mask?: tf.Tensor | null;
  kernelInit?: Initializer;
  biasInit?: Initializer;
  transposeKernel?: boolean;
  rngs: Rngs;
  kernelMetadata?: Record<string, unknown>;
  biasMetadata?: Record<string, unknown>;
}

export class ConvTranspose extends Module {
  readonly kernelSize: number[];
  readonly inFeatures: number;
  readonly outFeatures: number;
  strides: number | number[] | null;
  padding: PaddingLike;
  kernelDilation: number | number[] | null;
  readonly useBias: boolean;
  readonly mask: tf.Tensor | null;
  readonly transposeKernel: boolean;
  readonly kernelShape: number[];
  readonly kernel: Param;
  readonly bias: Param | null;

  constructor(inFeatures: number, outFeatures: number, kernelSize: number | number[], options: ConvTransposeOptions) {
    super();
    const {
      strides = null,
      padding = "SAME",
      kernelDilation = null,
      useBias = true,
      mask = null,
      kernelInit = lecunNormal(),
      biasInit = zeros,
      transposeKernel = false,
      rngs,
    } = options;
    this.kernelSize = typeof kernelSize === "number" ? [kernelSize] : [...kernelSize];
    if (this.kernelSize.length < 1 || this.kernelSize.length > 3) throw new Error("nnx.ConvTranspose: 1, 2 or 3 spatial dimensions are supported");
    this.inFeatures = inFeatures;
    this.outFeatures = outFeatures;
    this.strides = strides;
    this.padding = padding;
    this.kernelDilation = kernelDilation;
    this.useBias = useBias;
    this.mask = mask === null ? null : tf.keep(tf.clone(mask));
    this.transposeKernel = transposeKernel;
    this.kernelShape = transposeKernel ? [...this.kernelSize, outFeatures, inFeatures] : [...this.kernelSize, inFeatures, outFeatures];
    this.kernel = new Param(kernelInit(rngs.params(), this.kernelShape, "float32"), { ...options.kernelMetadata, init: kernelInit });
    this.bias = useBias ? new Param(biasInit(rngs.params(), [outFeatures], "float32"), { ...options.biasMetadata, init: biasInit }) : null;
  }

  call(inputs: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const n = this.kernelSize.length;
      const [x, batchShape] = flattenBatch(inputs, n);
      const strides = perDim(this.strides, n, "stride");
      const kernelDilation = perDim(this.kernelDilation, n, "kernel dilation");
      let kernel = this.kernel.value;
      if (this.mask !== null) {
        if (JSON.stringify(this.mask.shape) !== JSON.stringify(this.kernelShape)) {
          throw new Error(`Mask needs to have the same shape as weights. Shapes are: [${this.mask.shape}], [${this.kernelShape}]`);
        }
        kernel = tf.mul(kernel, this.mask);
      }
      let padding = canonicalizePadding(this.padding, n);
      if (padding === "CIRCULAR") padding = "VALID";
      let y = convTranspose(x, kernel, strides, padding, kernelDilation, this.transposeKernel);
      if (this.padding === "CIRCULAR") {
        // Pad to a whole number of periods (input size * stride), then fold the periods onto each other.
        const periods = x.shape.slice(1, n + 1).map((d, i) => d * strides[i]);
        for (let i = 0; i < n; i++) {
          const axis = i + 1;
          const size = y.shape[axis];
          const p = periods[i];
          const diff = (((-(size - p)) % (2 * p)) + 2 * p) % (2 * p);
          const [lo, hi] = this.transposeKernel ? [Math.floor(diff / 2), Math.floor((diff + 1) / 2)] : [Math.floor((diff + 1) / 2), Math.floor(diff / 2)];
          y = padAxis(y, axis, lo, hi);
          const s = y.shape;
          y = tf.sum(tf.reshape(y, [...s.slice(0, axis), -1, p, ...s.slice(axis + 1)]), axis);
        }
      }
      if (this.bias !== null) y = tf.add(y, this.bias.value);
      return restoreBatch(y, batchShape);
    });
  }
}
