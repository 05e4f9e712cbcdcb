// nnx.SpectralNorm (flax/nnx/nn/normalization.py): divides each matrix-shaped
// Param of the wrapped layer by its largest singular value, estimated by power
// iteration, and then calls the layer. As NNX does, the division is written
// into the layer's Params in place on every call (under nnx.grad the gradient
// flows through it to the Param's previous value). Per Param (path p, rank >= 2,
// reshaped to (-1, last)) it keeps BatchStats `batchStats["p/u"]` (1, last),
// drawn from normal(0.01) with one rngs.params() key, and `batchStats["p/sigma"]`
// (a scalar 1). NNX keys that dict by path tuples, ("kernel", "u"); a flat
// "kernel/u" key is the nearest a TypeScript property name gets.

import { tf } from "../tf.js";
import { Module, firstFrom } from "../module.js";
import { BatchStat, Param, type Variable } from "../variables.js";
import type { Rngs } from "../rnglib.js";
import { state } from "../graph.js";
import { stopGradient } from "../ops.js";
import { type Initializer, inexact, initializerBound, normal, ones } from "./initializers.js";

/** A layer SpectralNorm / WeightNorm can wrap: a Module with call(x, ...). */
export type CallableModule = Module & { call(x: tf.Tensor, ...args: never[]): tf.Tensor };

/** flax's _l2_normalize: x * rsqrt(sum(x * x, axis, keepdims) + eps); all axes by default. */
export function l2Normalize(x: tf.Tensor, axis: number[] | null = null, eps = 1e-12): tf.Tensor {
  const axes = axis ?? [...Array(x.rank).keys()];
  return tf.mul(x, tf.rsqrt(tf.add(tf.sum(tf.mul(x, x), axes, true), eps)));
}

/** The wrapped layer's Params as [flat key, Param], in NNX's (sorted) path order. */
export function layerParams(layer: Module, filter: typeof Param | null = Param): [string, Variable<tf.Tensor>][] {
  const s = filter === null ? state(layer) : state(layer, filter);
  return s.flatState().map(([p, v]) => [p.join("/"), v as Variable<tf.Tensor>]);
}

export interface SpectralNormOptions {
  nSteps?: number;
  epsilon?: number;
  errorOnNonMatrix?: boolean;
  /** false: never update u and sigma (NNX keeps this as useRunningAverage = !updateStats). */
  updateStats?: boolean;
  rngs: Rngs;
}

export class SpectralNorm<L extends CallableModule = CallableModule> extends Module {
  readonly layerInstance: L;
  nSteps: number;
  epsilon: number;
  errorOnNonMatrix: boolean;
  /** NNX's flag: eval() sets it, and then calls leave u and sigma alone. */
  useRunningAverage: boolean;
  readonly batchStats: Record<string, BatchStat>;

  constructor(layerInstance: L, options: SpectralNormOptions) {
    super();
    const { nSteps = 1, epsilon = 1e-12, errorOnNonMatrix = false, updateStats = true, rngs } = options;
    this.layerInstance = layerInstance;
    this.nSteps = nSteps;
    this.epsilon = epsilon;
    this.errorOnNonMatrix = errorOnNonMatrix;
    this.useRunningAverage = !updateStats;
    const stats: Record<string, BatchStat> = {};
    for (const [path, p] of layerParams(layerInstance)) {
      const shape = p.shape;
      if (shape.length <= 1 || nSteps < 1) continue;
      if (shape.length > 2 && errorOnNonMatrix) throw new Error(`Layer instance parameter is ${shape.length}D but error_on_non_matrix is True`);
      // One key serves both: u = normal(0.01)(key, ...), sigma = ones(key, ()).
      const key = rngs.params();
      const uInit = normal();
      stats[`${path}/u`] = new BatchStat(uInit(key, [1, shape[shape.length - 1]], "float32"), { init: uInit });
      stats[`${path}/sigma`] = new BatchStat(ones(key, [], "float32"), { init: ones });
    }
    this.batchStats = stats;
  }

  /** Spectrally normalizes the layer's Params in place, then returns layerInstance.call(x). */
  call(x: tf.Tensor, updateStats?: boolean | null): tf.Tensor {
    const update = firstFrom([updateStats, !this.useRunningAverage], "");
    return tf.tidy(() => {
      for (const [path, p] of layerParams(this.layerInstance)) this.normalizeInPlace(path, p, update);
      return this.layerInstance.call(x);
    });
  }

  private normalizeInPlace(path: string, param: Variable<tf.Tensor>, update: boolean): void {
    const shape = param.shape;
    if (shape.length <= 1 || this.nSteps < 1) return;
    if (shape.length > 2 && this.errorOnNonMatrix) throw new Error(`Layer instance parameter is ${shape.length}D but error_on_non_matrix is True`);
    const uStat = this.batchStats[`${path}/u`];
    const sigmaStat = this.batchStats[`${path}/sigma`];
    if (!uStat || !sigmaStat) {
      throw new Error(`Could not find the batch stats corresponding to the param ${path}. Parameters of the layer_instance should not change!`);
    }
    const w = tf.reshape(param.value, [-1, shape[shape.length - 1]]) as tf.Tensor2D;
    let u = uStat.value as tf.Tensor2D;
    let v = u;
    for (let i = 0; i < this.nSteps; i++) {
      v = l2Normalize(tf.matMul(u, w, false, true), null, this.epsilon) as tf.Tensor2D;
      u = l2Normalize(tf.matMul(v, w), null, this.epsilon) as tf.Tensor2D;
    }
    u = stopGradient(u);
    v = stopGradient(v);
    const sigma = tf.reshape(tf.matMul(tf.matMul(v, w), u, false, true), []);
    const safe = tf.where(tf.notEqual(sigma, 0), sigma, tf.onesLike(sigma));
    const normalized = tf.reshape(tf.div(w, safe), shape);
    if (update) {
      uStat.value = u;
      sigmaStat.value = sigma;
    }
    param.value = normalized;
  }
}

/**
 * Runs `f` with each Variable holding its view in place of its value (the raw
 * slot, no ownership change), then puts the values back. Linen's
 * nn.map_variables: the layer sees the views, its stored variables stay.
 */
export function withViews<T>(views: [Variable<tf.Tensor>, tf.Tensor][], f: () => T): T {
  const saved = views.map(([v]) => v.getRawValue());
  views.forEach(([v, view]) => v.setRawValue(view));
  try {
    return f();
  } finally {
    views.forEach(([v], i) => v.setRawValue(saved[i]));
  }
}

// ---- Linen's nn.SpectralNorm (flax/linen/normalization.py) -----------------
// Linen behaves otherwise than NNX: each call hands the wrapped layer a view of
// its variables, every one of rank >= 2 divided by its largest singular value
// (power iteration from the stored `u`), and writes nothing back to the layer;
// `u` and `sigma` (Linen's collection 'batch_stats', names
// `<layer>/<path>/u` and `/sigma`; here `batchStats["<path>/u"]`) change only
// when the call says update_stats. `u` is drawn with jax.random.normal (stddev
// 1), one make_rng('params') per matrix. Linen's init runs the layer once on
// the view and keeps it (map_variables with init=True writes the mapped target
// back): a freshly made Linen model holds w / sigma, not the drawn w. The
// constructor does the same; `updateStatsAtInit` is the update_stats of
// the source's init call (then u and sigma hold that pass's values).

export interface LinenSpectralNormOptions {
  nSteps?: number;
  epsilon?: number;
  errorOnNonMatrix?: boolean;
  /** update_stats in the call Linen's init ran (default false). */
  updateStatsAtInit?: boolean;
  rngs: Rngs;
}

export class LinenSpectralNorm<L extends CallableModule = CallableModule> extends Module {
  readonly layerInstance: L;
  readonly nSteps: number;
  readonly epsilon: number;
  readonly errorOnNonMatrix: boolean;
  readonly batchStats: Record<string, BatchStat>;

  constructor(layerInstance: L, options: LinenSpectralNormOptions) {
    super();
    const { nSteps = 1, epsilon = 1e-12, errorOnNonMatrix = false, updateStatsAtInit = false, rngs } = options;
    this.layerInstance = layerInstance;
    this.nSteps = nSteps;
    this.epsilon = epsilon;
    this.errorOnNonMatrix = errorOnNonMatrix;
    const stats: Record<string, BatchStat> = {};
    const uInit = normal(1);
    for (const [path, p] of this.matrices()) {
      const key = rngs.params(); // sigma (ones) uses no key
      stats[`${path}/u`] = new BatchStat(uInit(key, [1, p.shape[p.shape.length - 1]], "float32"), { init: uInit });
      stats[`${path}/sigma`] = new BatchStat(ones(key, [], "float32"), { init: ones });
    }
    this.batchStats = stats;
    // Linen's init keeps the view its own forward pass used; so does a redraw
    // from the recorded initializers, in either order: the weight's redraw
    // normalizes with the u it finds, u's renormalizes the last weight drawn.
    tf.tidy(() => {
      for (const [path, p] of this.matrices()) {
        p.value = this.normalized(path, p.value, updateStatsAtInit);
        const init = p.getMetadata("init") as Initializer | undefined;
        if (!init) continue;
        let lastDraw: tf.Tensor | undefined;
        const renormalized: Initializer = (key, shape, dtype) => {
          const raw = tf.keep(init(key, shape, dtype));
          lastDraw?.dispose();
          lastDraw = raw;
          return tf.tidy(() => this.normalized(path, raw, false));
        };
        // Computed, not drawn: XLA's and TensorFlow's matmuls differ in the last bits (|w / sigma| is about 1 at most).
        p.setMetadata("init", inexact(renormalized, 1e-6 + (initializerBound(init, p.value.shape)?.atol ?? 0), "Linen's init keeps the spectrally normalized value, computed (XLA's and TensorFlow's matmul and rsqrt differ in the last bits)"));
        const u = stats[`${path}/u`];
        const redrawU: Initializer = (key, shape, dtype) => {
          const value = uInit(key, shape, dtype);
          if (lastDraw) p.value = tf.tidy(() => this.normalized(path, lastDraw!, false, value));
          return value;
        };
        u.setMetadata("init", redrawU);
      }
    });
  }

  /** The layer's variables of rank >= 2 (none when nSteps < 1), in Linen's (sorted) order. */
  private matrices(): [string, Variable<tf.Tensor>][] {
    if (this.nSteps < 1) return [];
    return layerParams(this.layerInstance, null).filter(([path, p]) => {
      const rank = p.shape.length;
      if (rank > 2 && this.errorOnNonMatrix) throw new Error(`Input is ${rank}D but error_on_non_matrix is True (${path})`);
      return rank >= 2;
    });
  }

  private normalized(path: string, value: tf.Tensor, update: boolean, uValue?: tf.Tensor): tf.Tensor {
    const uStat = this.batchStats[`${path}/u`];
    const sigmaStat = this.batchStats[`${path}/sigma`];
    if (!uStat || !sigmaStat) throw new Error(`LinenSpectralNorm: no u/sigma for the layer's variable ${path} (the layer's variables changed after construction)`);
    const w = tf.reshape(value, [-1, value.shape[value.rank - 1]]) as tf.Tensor2D;
    let u = (uValue ?? uStat.value) as tf.Tensor2D;
    let v = u;
    for (let i = 0; i < this.nSteps; i++) {
      v = l2Normalize(tf.matMul(u, w, false, true), null, this.epsilon) as tf.Tensor2D;
      u = l2Normalize(tf.matMul(v, w), null, this.epsilon) as tf.Tensor2D;
    }
    u = stopGradient(u);
    v = stopGradient(v);
    const sigma = tf.reshape(tf.matMul(tf.matMul(v, w), u, false, true), []);
    const out = tf.reshape(tf.div(w, tf.where(tf.notEqual(sigma, 0), sigma, tf.onesLike(sigma))), value.shape);
    if (update) {
      uStat.value = u;
      sigmaStat.value = sigma;
    }
    return out;
  }

  /** Calls the layer on w / sigma in place of each matrix w; u and sigma change only when `updateStats`. */
  call(x: tf.Tensor, updateStats: boolean): tf.Tensor {
    return tf.tidy(() => withViews(this.matrices().map(([path, p]) => [p, this.normalized(path, p.value, updateStats)]), () => this.layerInstance.call(x)));
  }
}
