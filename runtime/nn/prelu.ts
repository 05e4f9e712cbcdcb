// nnx.PReLU (flax/nnx/nn/activations.py): where(x >= 0, x, negativeSlope * x)
// with a learned scalar slope. NNX makes the Param from the constant directly,
// drawing no key; its "init" metadata is constant(negativeSlopeInit).

import { tf } from "../tf.js";
import { Module } from "../module.js";
import { Param } from "../variables.js";
import { constant } from "./initializers.js";

export interface PReLUOptions {
  negativeSlopeMetadata?: Record<string, unknown>;
}

export class PReLU extends Module {
  readonly negativeSlope: Param;

  constructor(negativeSlopeInit = 0.01, options: PReLUOptions = {}) {
    super();
    const init = constant(negativeSlopeInit);
    this.negativeSlope = new Param(tf.scalar(Math.fround(negativeSlopeInit), "float32"), { ...options.negativeSlopeMetadata, init });
  }

  call(inputs: tf.Tensor): tf.Tensor {
    return tf.tidy(() => tf.where(tf.greaterEqual(inputs, 0), inputs, tf.mul(this.negativeSlope.value, inputs)));
  }
}
