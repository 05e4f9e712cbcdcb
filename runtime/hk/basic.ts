// hk.Linear, hk.Sequential, hk.BatchApply, hk.one_hot, hk.dropout and
// hk.expand_apply (haiku/_src/basic.py).

import { tf } from "../tf.js";
import { Module } from "../module.js";
import type { Param } from "../variables.js";
import type { Rngs } from "../rnglib.js";
import * as random from "../random/index.js";
import type { Key } from "../random/index.js";
import { type Initializer, haikuTruncatedNormal, zeros } from "../nn/initializers.js";
import { initVariable } from "./keys.js";
import { type Nest, leaves, treeMap } from "./tree.js";
import { divByScalar, prod } from "./utils.js";

export interface LinearOptions {
  withBias?: boolean;
  /** Default: TruncatedNormal(stddev = 1 / sqrt(inputSize)). */
  wInit?: Initializer | null;
  /** Default: zeros. */
  bInit?: Initializer | null;
  rngs: Rngs;
}

/**
 * hk.Linear(output_size) for inputs of `inputSize` features: y = x @ w + b.
 * Parameters `w` [inputSize, outputSize], `b` [outputSize]; keys: w (if its
 * initializer draws), then b (likewise).
 */
export class Linear extends Module {
  readonly w: Param;
  readonly b: Param | null;
  readonly inputSize: number;
  readonly outputSize: number;
  readonly withBias: boolean;

  constructor(inputSize: number, outputSize: number, options: LinearOptions) {
    super();
    const { withBias = true, rngs } = options;
    // Haiku: stddev = 1. / np.sqrt(input_size), in float64.
    const wInit = options.wInit ?? haikuTruncatedNormal(1 / Math.sqrt(inputSize));
    this.w = initVariable(rngs, wInit, [inputSize, outputSize]);
    this.b = withBias ? initVariable(rngs, options.bInit ?? zeros, [outputSize]) : null;
    this.inputSize = inputSize;
    this.outputSize = outputSize;
    this.withBias = withBias;
  }

  call(inputs: tf.Tensor): tf.Tensor {
    if (inputs.rank === 0) throw new Error("Input must not be scalar.");
    return tf.tidy(() => {
      // jnp.dot over the last axis of x and the first of w.
      const lead = inputs.shape.slice(0, -1);
      const x2 = tf.reshape(inputs, [-1, this.inputSize]) as tf.Tensor2D;
      let out: tf.Tensor = tf.reshape(tf.matMul(x2, this.w.value as tf.Tensor2D), [...lead, this.outputSize]);
      if (this.b !== null) out = tf.add(out, this.b.value);
      return out;
    });
  }
}

/** Anything Sequential / BatchApply can call: a function or an object with `call`. */
export type Layer = ((x: tf.Tensor, ...rest: never[]) => tf.Tensor) | { call(x: tf.Tensor, ...rest: never[]): tf.Tensor };

function callLayer(layer: Layer, x: tf.Tensor, rest: unknown[] = []): tf.Tensor {
  const args = rest as never[];
  return typeof layer === "function" ? layer(x, ...args) : layer.call(x, ...args);
}

/**
 * hk.Sequential(layers): calls the layers in order; extra call arguments go to
 * the first layer only. Layers live in `layers` (Haiku names them where they
 * were created, outside the Sequential).
 */
export class Sequential extends Module {
  readonly layers: Layer[];

  constructor(layers: Iterable<Layer>) {
    super();
    this.layers = [...layers];
  }

  call(inputs: tf.Tensor, ...args: unknown[]): tf.Tensor {
    return tf.tidy(() => {
      let out = inputs;
      this.layers.forEach((layer, i) => {
        out = i === 0 ? callLayer(layer, out, args) : callLayer(layer, out);
      });
      return out;
    });
  }
}

/**
 * hk.BatchApply(f, num_dims=2): merges the leading `numDims` axes of every
 * argument of rank >= numDims, calls f, and splits the outputs' leading axis
 * back. `f` is a function or a module (called through its `call`); a module
 * given here is held as this one's child `f`, so its parameters live under it
 * (Haiku's BatchApply is not a module: there the wrapped module is named where
 * it is built).
 */
export class BatchApply<A extends Nest[] = [tf.Tensor], R extends Nest = tf.Tensor> extends Module {
  readonly f: ((...args: A) => R) | { call(...args: A): R };
  readonly numDims: number;

  // A module's `call` may take more (optional) arguments than BatchApply passes: A is not inferred from it.
  constructor(f: ((...args: A) => R) | { call(...args: NoInfer<A>): R }, numDims = 2) {
    super();
    this.f = f;
    this.numDims = numDims;
  }

  call(...args: A): R {
    const example = leaves(args).find((x) => x.rank >= this.numDims);
    if (example === undefined) {
      throw new Error(`BatchApply requires at least one input with ndim >= ${this.numDims}.`);
    }
    const lead = example.shape.slice(0, this.numDims);
    return tf.tidy(() => {
      const merge = (x: tf.Tensor) =>
        x.rank >= this.numDims ? tf.reshape(x, [prod(x.shape.slice(0, this.numDims)), ...x.shape.slice(this.numDims)]) : x;
      const merged = args.map((a) => treeMap(merge, a)) as unknown as A;
      const out = typeof this.f === "function" ? this.f(...merged) : this.f.call(...merged);
      return treeMap((x) => tf.reshape(x, [...lead, ...x.shape.slice(1)]), out) as unknown as tf.TensorContainer;
    }) as unknown as R;
  }
}

/**
 * hk.expand_apply(f, axis=0): adds a size-1 axis at `axis` (0 or -1) to every
 * input leaf, calls f, and squeezes it from every output leaf.
 */
export function expandApply<A extends Nest[], R extends Nest>(f: (...args: A) => R, axis: 0 | -1 = 0): (...args: A) => R {
  if (axis !== 0 && axis !== -1) throw new Error("expand_apply currently only supports axis=0 or axis=-1.");
  return (...args: A) => {
    const expanded = args.map((a) => treeMap((x) => tf.expandDims(x, axis), a)) as unknown as A;
    return treeMap((x) => tf.squeeze(x, [axis < 0 ? x.rank - 1 : 0]), f(...expanded));
  };
}

/** hk.one_hot(x, num_classes): jax.nn.one_hot(x, num_classes) in float32 (zeros for ids out of range). */
export function oneHot(x: tf.Tensor, numClasses: number): tf.Tensor {
  return tf.tidy(() => tf.cast(tf.oneHot(tf.cast(x, "int32"), numClasses), "float32"));
}

/**
 * hk.dropout(rng, rate, x, broadcast_dims): keep ~ bernoulli(rng, 1 - rate,
 * shape with broadcast dims set to 1), then keep * x / (1 - rate).
 */
export function dropout(rng: Key, rate: number, x: tf.Tensor, broadcastDims: readonly number[] = []): tf.Tensor {
  if (rate < 0 || rate >= 1) throw new Error("rate must be in [0, 1).");
  if (rate === 0) return x;
  const shape = [...x.shape];
  for (const dim of broadcastDims) {
    if (dim > shape.length) {
      throw new Error(`Broadcast dimension does not exist. Got dimension ${dim} for shape [${shape}].`);
    }
    shape[dim < 0 ? dim + shape.length : dim] = 1;
  }
  const keepRate = 1 - rate;
  return tf.tidy(() => {
    const keep = tf.broadcastTo(random.bernoulli(rng, keepRate, shape), x.shape);
    // keep * x / keep_rate: the bool mask is promoted to x's dtype.
    return divByScalar(tf.mul(tf.cast(keep, "float32"), x), keepRate);
  });
}
