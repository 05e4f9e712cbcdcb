// nnx.Conv (flax/nnx/nn/linear.py), channels-last, for 1 and 2 spatial dims:
// kernel (*kernelSize, in, out), "SAME" or "VALID" padding, integer strides.

import { tf } from "../tf.js";
import { Module } from "../module.js";
import { Param } from "../variables.js";
import type { Rngs } from "../rnglib.js";
import { type Initializer, lecunNormal, zeros } from "./initializers.js";

export interface ConvOptions {
  strides?: number | number[];
  padding?: "SAME" | "VALID";
  useBias?: boolean;
  kernelInit?: Initializer;
  biasInit?: Initializer;
  rngs: Rngs;
}

export class Conv extends Module {
  readonly kernel: Param;
  readonly bias: Param | null;
  readonly kernelSize: number[];
  readonly strides: number[];
  readonly padding: "SAME" | "VALID";

  constructor(inFeatures: number, outFeatures: number, kernelSize: number | number[], options: ConvOptions) {
    super();
    const { strides = 1, padding = "SAME", useBias = true, kernelInit = lecunNormal(), biasInit = zeros, rngs } = options;
    // As flax: an integer kernel size means one spatial dimension.
    this.kernelSize = typeof kernelSize === "number" ? [kernelSize] : [...kernelSize];
    if (this.kernelSize.length < 1 || this.kernelSize.length > 2) throw new Error("nnx.Conv: 1 or 2 spatial dimensions are supported");
    this.strides = typeof strides === "number" ? this.kernelSize.map(() => strides) : [...strides];
    this.padding = padding;
    // Same key draws as nnx.Conv: kernel key first, then (if used) bias key.
    this.kernel = new Param(kernelInit(rngs.params(), [...this.kernelSize, inFeatures, outFeatures], "float32"), { init: kernelInit });
    this.bias = useBias ? new Param(biasInit(rngs.params(), [outFeatures], "float32"), { init: biasInit }) : null;
  }

  call(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const pad = this.padding === "SAME" ? "same" : "valid";
      let y =
        this.kernelSize.length === 2
          ? tf.conv2d(x as tf.Tensor4D, this.kernel.value as tf.Tensor4D, this.strides as [number, number], pad)
          : tf.conv1d(x as tf.Tensor3D, this.kernel.value as tf.Tensor3D, this.strides[0], pad);
      if (this.bias !== null) y = tf.add(y, this.bias.value);
      return y;
    });
  }
}
