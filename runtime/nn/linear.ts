// nnx.Linear (flax/nnx/nn/linear.py): y = x @ kernel + bias over the last axis.

import { tf } from "../tf.js";
import { Module } from "../module.js";
import { Param } from "../variables.js";
import type { Rngs } from "../rnglib.js";
import { type Initializer, lecunNormal, zeros } from "./initializers.js";

export interface LinearOptions {
  useBias?: boolean;
  kernelInit?: Initializer;
  biasInit?: Initializer;
  rngs: Rngs;
  /** Extra Variable metadata for the kernel / bias Params (each also records its initializer as "init"). */
  kernelMetadata?: Record<string, unknown>;
  biasMetadata?: Record<string, unknown>;
}

export class Linear extends Module {
  readonly kernel: Param;
  readonly bias: Param | null;
  readonly inFeatures: number;
  readonly outFeatures: number;
  readonly useBias: boolean;

  constructor(inFeatures: number, outFeatures: number, options: LinearOptions) {
    super();
    const { useBias = true, kernelInit = lecunNormal(), biasInit = zeros, rngs } = options;
    // Same key draws as nnx.Linear: kernel key first, then (if used) bias key.
    const kernelKey = rngs.params();
    this.kernel = new Param(kernelInit(kernelKey, [inFeatures, outFeatures], "float32"), { ...options.kernelMetadata, init: kernelInit });
    if (useBias) {
      const biasKey = rngs.params();
      this.bias = new Param(biasInit(biasKey, [outFeatures], "float32"), { ...options.biasMetadata, init: biasInit });
    } else {
      this.bias = null;
    }
    this.inFeatures = inFeatures;
    this.outFeatures = outFeatures;
    this.useBias = useBias;
  }

  call(inputs: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const kernel = this.paramValue("kernel", this.kernel.value);
      // dot_general over the last axis of x and the first of the kernel.
      const batchShape = inputs.shape.slice(0, -1);
      const x2 = inputs.rank === 2 ? inputs : tf.reshape(inputs, [-1, this.inFeatures]);
      let y: tf.Tensor = tf.matMul(x2 as tf.Tensor2D, kernel as tf.Tensor2D);
      if (this.bias !== null) y = tf.add(y, this.paramValue("bias", this.bias.value));
      return inputs.rank === 2 ? y : tf.reshape(y, [...batchShape, this.outFeatures]);
    });
  }
}
