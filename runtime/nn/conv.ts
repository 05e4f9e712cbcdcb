// nnx.Conv (flax/nnx/nn/linear.py): channels-last convolution over 1-3 spatial
// dims, kernel (*kernelSize, inFeatures / featureGroupCount, outFeatures).
// Padding: "SAME", "VALID", "CIRCULAR", "REFLECT", "CAUSAL" (1-D), an int, ints
// or (low, high) pairs per dim. Inputs may have any number of batch dims (none
// included), flattened into one for the convolution as Flax does.

import { tf } from "../tf.js";
import { Module } from "../module.js";
import { Param } from "../variables.js";
import type { Rngs } from "../rnglib.js";
import { type Initializer, lecunNormal, zeros } from "./initializers.js";
import { type PaddingLike, canonicalizePadding, convGeneralDilated, padAxis, padPeriodic, perDim } from "./conv_ops.js";

export type { PaddingLike } from "./conv_ops.js";

export interface ConvOptions {
  strides?: number | number[] | null;
  padding?: PaddingLike;
  inputDilation?: number | number[] | null;
  kernelDilation?: number | number[] | null;
  featureGroupCount?: number;
  useBias?: boolean;
  /** Multiplies the kernel in every call; same shape as the kernel. */
  mask?: tf.Tensor | null;
  kernelInit?: Initializer;
  biasInit?: Initializer;
  rngs: Rngs;
  kernelMetadata?: Record<string, unknown>;
  biasMetadata?: Record<string, unknown>;
}

/** Flattens all leading batch dims of x (rank n + 1 + batch) into one; returns the batch shape to restore. */
export function flattenBatch(x: tf.Tensor, n: number): [tf.Tensor, number[] | null] {
  const numBatch = x.rank - (n + 1);
  if (numBatch < 0) throw new Error(`expected an input with ${n} spatial dims and a feature dim, got shape [${x.shape}]`);
  if (numBatch === 1) return [x, null];
  return [tf.reshape(x, [-1, ...x.shape.slice(numBatch)]), x.shape.slice(0, numBatch)];
}

export function restoreBatch(y: tf.Tensor, batchShape: number[] | null): tf.Tensor {
  return batchShape === null ? y : tf.reshape(y, [...batchShape, ...y.shape.slice(1)]);
}

export class Conv extends Module {
  readonly kernelShape: number[];
  readonly kernel: Param;
  readonly bias: Param | null;
  readonly inFeatures: number;
  readonly outFeatures: number;
  readonly kernelSize: number[];
  strides: number | number[] | null;
  padding: PaddingLike;
  inputDilation: number | number[] | null;
  kernelDilation: number | number[] | null;
  readonly featureGroupCount: number;
  readonly useBias: boolean;
  readonly mask: tf.Tensor | null;

  constructor(inFeatures: number, outFeatures: number, kernelSize: number | number[], options: ConvOptions) {
    super();
    const {
      strides = 1,
      padding = "SAME",
      inputDilation = 1,
      kernelDilation = 1,
      featureGroupCount = 1,
      useBias = true,
      mask = null,
      kernelInit = lecunNormal(),
      biasInit = zeros,
      rngs,
    } = options;
    // As flax: an integer kernel size means one spatial dimension.
    this.kernelSize = typeof kernelSize === "number" ? [kernelSize] : [...kernelSize];
    if (this.kernelSize.length < 1 || this.kernelSize.length > 3) throw new Error("nnx.Conv: 1, 2 or 3 spatial dimensions are supported");
    this.kernelShape = [...this.kernelSize, Math.floor(inFeatures / featureGroupCount), outFeatures];
    // Same key draws as nnx.Conv: kernel key first, then (if used) bias key.
    this.kernel = new Param(kernelInit(rngs.params(), this.kernelShape, "float32"), { ...options.kernelMetadata, init: kernelInit });
    this.bias = useBias ? new Param(biasInit(rngs.params(), [outFeatures], "float32"), { ...options.biasMetadata, init: biasInit }) : null;
    this.inFeatures = inFeatures;
    this.outFeatures = outFeatures;
    this.strides = strides;
    this.padding = padding;
    this.inputDilation = inputDilation;
    this.kernelDilation = kernelDilation;
    this.featureGroupCount = featureGroupCount;
    this.useBias = useBias;
    this.mask = mask === null ? null : tf.keep(tf.clone(mask));
  }

  call(inputs: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const n = this.kernelSize.length;
      let [x, batchShape] = flattenBatch(inputs, n);
      const strides = perDim(this.strides, n, "stride");
      const inputDilation = perDim(this.inputDilation, n, "input dilation");
      const kernelDilation = perDim(this.kernelDilation, n, "kernel dilation");
      let padding = canonicalizePadding(this.padding, n);
      if (padding === "CIRCULAR" || padding === "REFLECT") {
        const dilated = this.kernelSize.map((k, i) => (k - 1) * kernelDilation[i] + 1);
        const pads = dilated.map((k) => [Math.floor((k - 1) / 2), Math.floor(k / 2)] as [number, number]);
        x = padPeriodic(x, dilated.map((_, i) => i + 1), pads, padding === "CIRCULAR" ? "wrap" : "reflect");
        padding = "VALID";
      } else if (padding === "CAUSAL") {
        if (n !== 1) throw new Error("Causal padding is only implemented for 1D convolutions.");
        x = padAxis(x, 1, kernelDilation[0] * (this.kernelSize[0] - 1), 0);
        padding = "VALID";
      }
      if (this.inFeatures % this.featureGroupCount !== 0) throw new Error("nnx.Conv: inFeatures must be divisible by featureGroupCount");
      let kernel = this.paramValue("kernel", this.kernel.value);
      if (this.mask !== null) {
        if (JSON.stringify(this.mask.shape) !== JSON.stringify(this.kernelShape)) {
          throw new Error(`Mask needs to have the same shape as weights. Shapes are: [${this.mask.shape}], [${this.kernelShape}]`);
        }
        kernel = tf.mul(kernel, this.mask);
      }
      let y = convGeneralDilated(x, kernel, {
        strides,
        padding,
        lhsDilation: inputDilation,
        rhsDilation: kernelDilation,
        featureGroupCount: this.featureGroupCount,
      });
      if (this.bias !== null) y = tf.add(y, this.paramValue("bias", this.bias.value));
      return restoreBatch(y, batchShape);
    });
  }
}
