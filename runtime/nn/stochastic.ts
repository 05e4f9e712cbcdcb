// nnx.Dropout (flax/nnx/nn/stochastic.py).
//
// As in flax 0.12, the layer does not keep the Rngs it was given: it keeps a
// fork of the `rngCollection` stream (`rngs.dropout.fork()`, which draws one key
// from that stream) in `this.rngs`, so its key/count show up in its own state.

import { tf } from "../tf.js";
import * as random from "../random/index.js";
import type { Key } from "../random/index.js";
import { Module, firstFrom } from "../module.js";
import { Rngs, RngStream } from "../rnglib.js";

export interface DropoutOptions {
  /** Axes along which the same mask is shared. */
  broadcastDims?: number[];
  /** true = identity. Module.train()/eval() set it. */
  deterministic?: boolean | null;
  rngCollection?: string;
  rngs?: Rngs | RngStream | null;
}

/**
 * Anything that hands out keys one at a time. An RngStream is one; translated
 * programs install others (runtime/source-init.ts) to draw the masks their
 * source framework would.
 */
export interface KeySource {
  next(): Key;
}

export interface DropoutCallOptions {
  deterministic?: boolean | null;
  rngs?: Rngs | RngStream | Key | null;
}

export class Dropout extends Module {
  rate: number;
  broadcastDims: number[];
  deterministic: boolean | null;
  rngCollection: string;
  rngs: RngStream | KeySource | null;

  constructor(rate: number, options: DropoutOptions = {}) {
    super();
    const { broadcastDims = [], deterministic = false, rngCollection = "dropout", rngs = null } = options;
    this.rate = rate;
    this.broadcastDims = broadcastDims;
    this.deterministic = deterministic;
    this.rngCollection = rngCollection;
    if (rngs instanceof Rngs) this.rngs = rngs.stream(rngCollection).fork();
    else if (rngs instanceof RngStream) this.rngs = rngs.fork();
    else if (rngs === null) this.rngs = null;
    else throw new TypeError(`rngs must be a Rngs, RngStream or null, got ${String(rngs)}`);
  }

  /** Zeroes each element with probability `rate` and scales the rest by 1/(1-rate). */
  call(inputs: tf.Tensor, options: DropoutCallOptions = {}): tf.Tensor {
    const deterministic = firstFrom(
      [options.deterministic, this.deterministic],
      "No `deterministic` argument was provided to Dropout: pass it to the constructor or to call(), or use model.train()/eval().",
    );
    if (this.rate === 0 || deterministic) return inputs;
    // Prevent gradient NaNs in the 1.0 edge case.
    if (this.rate === 1) return tf.zerosLike(inputs);

    const rngs = firstFrom<Rngs | RngStream | KeySource | Key>(
      [options.rngs, this.rngs],
      "`deterministic` is False, but no `rngs` argument was provided to Dropout as either a call() argument or class attribute.",
    );
    let key: Key;
    if (rngs instanceof Rngs) key = rngs.stream(this.rngCollection).next();
    else if (rngs instanceof Uint32Array) key = rngs;
    else if (typeof rngs.next === "function") key = rngs.next();
    else throw new TypeError(`rngs must be a Rngs, RngStream, key source or Key, got ${String(rngs)}`);

    const keepProb = 1.0 - this.rate;
    const broadcastShape = [...inputs.shape];
    for (const dim of this.broadcastDims) broadcastShape[dim < 0 ? dim + inputs.rank : dim] = 1;
    return tf.tidy(() => {
      let mask = random.bernoulli(key, keepProb, broadcastShape);
      mask = tf.broadcastTo(mask, inputs.shape);
      // XLA rewrites `x / c` for a constant c into `x * f32(1/c)`; do the same to match bit for bit.
      const invKeep = Math.fround(1 / Math.fround(keepProb));
      return tf.where(mask, tf.mul(inputs, invKeep), tf.zerosLike(inputs));
    });
  }
}
