// hk.Bias (haiku/_src/bias.py).

import { tf } from "../tf.js";
import { Module } from "../module.js";
import type { Param } from "../variables.js";
import type { Rngs } from "../rnglib.js";
import { type Initializer, zeros } from "../nn/initializers.js";
import { initVariable } from "./keys.js";
import { checkBroadcast, pyMod } from "./utils.js";

/** bias.calculate_bias_shape for an input of shape `inputShape` (batch axis first). */
export function calculateBiasShape(inputShape: readonly number[], biasDims: readonly number[] | null): number[] {
  const rank = inputShape.length;
  if (biasDims === null) return inputShape.slice(1);
  if (biasDims.length === 0) return [];
  const shape = new Array<number>(rank).fill(1);
  for (const d of biasDims) {
    const dim = d < 0 ? pyMod(d, rank) : d;
    if (dim === 0) throw new Error("Cannot apply bias across the minibatch dimension.");
    if (dim >= rank) throw new Error(`Dimension ${dim} (bias_dims=[${biasDims}]) out of range for input of rank ${rank}.`);
    shape[dim] = inputShape[dim];
  }
  // Strip leading unit dimensions (never the minibatch one).
  let start = rank;
  for (let dim = 1; dim < rank; dim++) {
    if (shape[dim] !== 1) {
      start = dim;
      break;
    }
  }
  return shape.slice(start);
}

export interface BiasOptions {
  /** Expected input shape without the batch axis (checked at call time). */
  outputSize?: number[] | null;
  /** Input axes the bias spans (null: all but the batch axis; []: a scalar bias). */
  biasDims?: number[] | null;
  /** Default: zeros. */
  bInit?: Initializer | null;
  rngs: Rngs;
}

/**
 * hk.Bias for inputs of shape [batch, ...inputSize]: y = x + b (or
 * x + b * multiplier). Parameter `b` of calculate_bias_shape's shape; one key
 * if its initializer draws.
 */
export class Bias extends Module {
  readonly b: Param;
  readonly inputSize: number[];
  readonly outputSize: number[] | null;
  readonly biasDims: number[] | null;
  readonly biasShape: number[];

  constructor(inputSize: number[], options: BiasOptions) {
    super();
    const { outputSize = null, biasDims = null, bInit = null, rngs } = options;
    this.inputSize = [...inputSize];
    this.outputSize = outputSize;
    this.biasDims = biasDims;
    // Any batch size gives the same shape.
    this.biasShape = calculateBiasShape([1, ...inputSize], biasDims);
    this.b = initVariable(rngs, bInit ?? zeros, this.biasShape);
  }

  call(inputs: tf.Tensor, multiplier?: number | tf.Tensor | null): tf.Tensor {
    if (inputs.rank < 2) throw new Error(`Input must have rank >= 2, got shape [${inputs.shape}].`);
    const rest = inputs.shape.slice(1);
    if (this.outputSize !== null && (rest.length !== this.outputSize.length || rest.some((d, i) => d !== this.outputSize![i]))) {
      throw new Error(`Input shape must be [-1, ${this.outputSize}] not [${inputs.shape}]`);
    }
    return tf.tidy(() => {
      let b = this.b.value;
      checkBroadcast(b.shape, inputs.shape);
      if (multiplier !== undefined && multiplier !== null) b = tf.mul(b, multiplier);
      return tf.add(inputs, b);
    });
  }
}
