// hk.nets.MLP (haiku/_src/nets/mlp.py).

import { tf } from "../../tf.js";
import { Module } from "../../module.js";
import type { Rngs } from "../../rnglib.js";
import type { Key } from "../../random/index.js";
import type { Initializer } from "../../nn/initializers.js";
import { relu } from "../../nn/activations.js";
import { HaikuKeySequence } from "../../random/haiku.js";
import { Linear, dropout } from "../basic.js";

export interface MLPOptions {
  wInit?: Initializer | null;
  /** Must be null when withBias is false. */
  bInit?: Initializer | null;
  withBias?: boolean;
  /** Between layers (default jax.nn.relu). */
  activation?: (x: tf.Tensor) => tf.Tensor;
  activateFinal?: boolean;
  rngs: Rngs;
}

/**
 * hk.nets.MLP(output_sizes) for inputs of `inputSize` features: Linears
 * `linear_0`, `linear_1`, ... (Haiku's names), each followed by dropout (when
 * called with a rate and key) and the activation, except the last unless
 * activateFinal. Keys: linear_0.w, linear_0.b (if bInit draws), linear_1.w, ...
 */
export class MLP extends Module {
  [layer: `linear_${number}`]: Linear;
  readonly numLayers: number;
  readonly inputSize: number;
  readonly outputSizes: number[];
  readonly withBias: boolean;
  readonly wInit: Initializer | null;
  readonly bInit: Initializer | null;
  readonly activation: (x: tf.Tensor) => tf.Tensor;
  readonly activateFinal: boolean;

  constructor(inputSize: number, outputSizes: Iterable<number>, options: MLPOptions) {
    super();
    const { wInit = null, bInit = null, withBias = true, activation = relu, activateFinal = false, rngs } = options;
    if (!withBias && bInit !== null) throw new Error("When with_bias=False b_init must not be set.");
    this.inputSize = inputSize;
    this.outputSizes = [...outputSizes];
    this.numLayers = this.outputSizes.length;
    this.withBias = withBias;
    this.wInit = wInit;
    this.bInit = bInit;
    this.activation = activation;
    this.activateFinal = activateFinal;
    let size = inputSize;
    this.outputSizes.forEach((out, i) => {
      this[`linear_${i}`] = new Linear(size, out, { wInit, bInit, withBias, rngs });
      size = out;
    });
  }

  /** The Linears in order (Haiku's `mlp.layers`). */
  get layers(): Linear[] {
    return Array.from({ length: this.numLayers }, (_, i) => this[`linear_${i}`]);
  }

  /** Dropout (hk.dropout with keys from hk.PRNGSequence(rng)) needs both a rate and a key. */
  call(inputs: tf.Tensor, dropoutRate: number | null = null, rng: Key | null = null): tf.Tensor {
    if (dropoutRate !== null && rng === null) throw new Error("When using dropout an rng key must be passed.");
    if (dropoutRate === null && rng !== null) throw new Error("RNG should only be passed when using dropout.");
    const keys = rng === null ? null : new HaikuKeySequence(rng);
    return tf.tidy(() => {
      let out = inputs;
      this.layers.forEach((layer, i) => {
        out = layer.call(out);
        if (i < this.numLayers - 1 || this.activateFinal) {
          if (dropoutRate !== null) out = dropout(keys!.next(), dropoutRate, out);
          out = this.activation(out);
        }
      });
      return out;
    });
  }

  /** MLP.reverse: a new MLP mapping the output size back to the input size (fresh parameters). */
  reverse(options: { activateFinal?: boolean; rngs: Rngs }): MLP {
    const sizes = this.layers.map((l) => l.inputSize).reverse();
    return new MLP(this.outputSizes[this.numLayers - 1], sizes, {
      wInit: this.wInit,
      bInit: this.bInit,
      withBias: this.withBias,
      activation: this.activation,
      activateFinal: options.activateFinal ?? this.activateFinal,
      rngs: options.rngs,
    });
  }
}
