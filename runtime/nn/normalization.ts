// nnx.BatchNorm, LayerNorm, RMSNorm, GroupNorm and InstanceNorm
// (flax/nnx/nn/normalization.py), float32, with Flax's statistics: the fast
// variance E[x²] - E[x]² clipped at 0 (jnp.maximum, whose gradient is split
// half-half at a tie) or the two-pass E[(x - E[x])²], optional masks (the
// mean's `where`), and _normalize's (x - mean) * (rsqrt(var + eps) * scale) + bias.

import { tf } from "../tf.js";
import { Module, firstFrom } from "../module.js";
import { BatchStat, Param } from "../variables.js";
import type { Rngs } from "../rnglib.js";
import { canonicalizeAxes } from "../ops.js";
import { type Initializer, ones, zeros } from "./initializers.js";
import { maximum } from "./lax_ops.js";

/**
 * One axis or several. Flax canonicalizes them through a Python set, which
 * iterates small ints in increasing order: ops.canonicalizeAxes' sorted order.
 */
export type Axes = number | readonly number[];

/** x.mean(axes, where=mask): the reduced axes are dropped. */
function maskedMean(x: tf.Tensor, axes: number[], mask: tf.Tensor | null): tf.Tensor {
  if (mask === null) return tf.mean(x, axes);
  const m = tf.broadcastTo(tf.cast(mask, "bool"), x.shape);
  const total = tf.sum(tf.where(m, x, tf.zerosLike(x)), axes);
  return tf.div(total, tf.sum(tf.cast(m, "float32"), axes));
}

/**
 * flax's _compute_stats: (mean, var) over `axes` (dropped). useMean = false
 * gives RMSNorm's mean of squares and a zero mean.
 */
export function computeStats(
  x: tf.Tensor,
  axes: Axes,
  { useMean = true, useFastVariance = true, mask = null }: { useMean?: boolean; useFastVariance?: boolean; mask?: tf.Tensor | null } = {},
): [tf.Tensor, tf.Tensor] {
  const ax = canonicalizeAxes(x.rank, axes);
  if (!useMean) {
    const v = maskedMean(tf.square(x), ax, mask);
    return [tf.zerosLike(v), v];
  }
  if (useFastVariance) {
    const mu = maskedMean(x, ax, mask);
    const mu2 = maskedMean(tf.square(x), ax, mask);
    return [mu, maximum(tf.sub(mu2, tf.square(mu)), 0)];
  }
  const mu = maskedMean(x, ax, mask);
  const keptShape = x.shape.map((d, i) => (ax.includes(i) ? 1 : d));
  return [mu, maskedMean(tf.square(tf.sub(x, tf.reshape(mu, keptShape))), ax, mask)];
}

/** flax's _normalize: mean/var reshaped to x with the reduction axes at 1, scale/bias to the feature axes. */
export function normalize(
  x: tf.Tensor,
  mean: tf.Tensor,
  variance: tf.Tensor,
  scale: tf.Tensor | null,
  bias: tf.Tensor | null,
  reductionAxes: Axes,
  featureAxes: Axes,
  epsilon: number,
): tf.Tensor {
  const reduction = canonicalizeAxes(x.rank, reductionAxes);
  const features = canonicalizeAxes(x.rank, featureAxes);
  const statsShape = x.shape.map((d, i) => (reduction.includes(i) ? 1 : d));
  const featureShape = x.shape.map((d, i) => (features.includes(i) ? d : 1));
  let y = tf.sub(x, tf.reshape(mean, statsShape));
  let mul = tf.rsqrt(tf.add(tf.reshape(variance, statsShape), epsilon));
  if (scale !== null) mul = tf.mul(mul, tf.reshape(scale, featureShape));
  y = tf.mul(y, mul);
  if (bias !== null) y = tf.add(y, tf.reshape(bias, featureShape));
  return y;
}

/** A Param drawn from `rngs.params()` that remembers its initializer. */
function param(init: Initializer, rngs: Rngs, shape: number[], metadata?: Record<string, unknown>): Param {
  return new Param(init(rngs.params(), shape, "float32"), { ...metadata, init });
}

export interface NormCallOptions {
  /** Positions that count in the statistics (broadcastable to x), as Flax's `mask`. */
  mask?: tf.Tensor | null;
}

// ---------------------------------------------------------------------------
// BatchNorm

export interface BatchNormOptions {
  useRunningAverage?: boolean | null;
  /** Feature axis. Several axes (numFeatures = their total size) work in eval mode only, as in NNX. */
  axis?: Axes;
  momentum?: number;
  epsilon?: number;
  useBias?: boolean;
  useScale?: boolean;
  biasInit?: Initializer;
  scaleInit?: Initializer;
  useFastVariance?: boolean;
  /**
   * Keep the running statistics as Haiku's hk.BatchNorm does: zero-debiased
   * exponential moving averages (hk.ExponentialMovingAverage), with `momentum`
   * as Haiku's `decay_rate`. Adds `meanHidden`/`varHidden` (the raw EMAs) and
   * `meanCount`/`varCount` (updates so far); `mean`/`var` hold the debiased
   * averages used in eval mode. NNX and Linen use the plain EMA (the default).
   */
  zeroDebias?: boolean;
  rngs: Rngs;
  biasMetadata?: Record<string, unknown>;
  scaleMetadata?: Record<string, unknown>;
}

/** The extra state of a zero-debiased BatchNorm. */
interface DebiasState {
  meanHidden: BatchStat;
  varHidden: BatchStat;
  meanCount: BatchStat;
  varCount: BatchStat;
}

export class BatchNorm extends Module {
  readonly mean: BatchStat;
  readonly var: BatchStat;
  readonly scale: Param | null;
  readonly bias: Param | null;
  readonly numFeatures: number;
  useRunningAverage: boolean | null;
  axis: Axes;
  momentum: number;
  epsilon: number;
  readonly useBias: boolean;
  readonly useScale: boolean;
  useFastVariance: boolean;
  readonly zeroDebias: boolean;
  declare readonly meanHidden?: BatchStat;
  declare readonly varHidden?: BatchStat;
  declare readonly meanCount?: BatchStat;
  declare readonly varCount?: BatchStat;

  constructor(numFeatures: number, options: BatchNormOptions) {
    super();
    const {
      useRunningAverage = false,
      axis = -1,
      momentum = 0.99,
      epsilon = 1e-5,
      useBias = true,
      useScale = true,
      biasInit = zeros,
      scaleInit = ones,
      useFastVariance = true,
      zeroDebias = false,
      rngs,
    } = options;
    const featureShape = [numFeatures];
    this.mean = new BatchStat(tf.zeros(featureShape, "float32"), { init: zeros });
    this.var = new BatchStat(tf.ones(featureShape, "float32"), { init: ones });
    this.zeroDebias = zeroDebias;
    if (zeroDebias) {
      const extra: DebiasState = {
        meanHidden: new BatchStat(tf.zeros(featureShape, "float32"), { init: zeros }),
        varHidden: new BatchStat(tf.zeros(featureShape, "float32"), { init: zeros }),
        meanCount: new BatchStat(tf.scalar(0, "int32")),
        varCount: new BatchStat(tf.scalar(0, "int32")),
      };
      Object.assign(this, extra);
    }
    // nnx.BatchNorm draws a params key for scale, then for bias, even though the
    // default initializers ignore it; doing the same keeps later keys aligned.
    this.scale = useScale ? param(scaleInit, rngs, featureShape, options.scaleMetadata) : null;
    this.bias = useBias ? param(biasInit, rngs, featureShape, options.biasMetadata) : null;
    this.numFeatures = numFeatures;
    this.useRunningAverage = useRunningAverage;
    this.axis = axis;
    this.momentum = momentum;
    this.epsilon = epsilon;
    this.useBias = useBias;
    this.useScale = useScale;
    this.useFastVariance = useFastVariance;
  }

  /**
   * Normalizes with batch statistics (and updates the running averages) in
   * training mode, or with the running averages when `useRunningAverage`.
   */
  call(x: tf.Tensor, useRunningAverage?: boolean | null, { mask = null }: NormCallOptions = {}): tf.Tensor {
    const useRA = firstFrom(
      [useRunningAverage, this.useRunningAverage],
      "No `useRunningAverage` argument was provided to BatchNorm: pass it to the constructor or to call(), or use model.train()/eval().",
    );
    const featureAxes = canonicalizeAxes(x.rank, this.axis);
    const reductionAxes = [...Array(x.rank).keys()].filter((i) => !featureAxes.includes(i));
    return tf.tidy(() => {
      let mean = this.mean.value;
      let variance = this.var.value;
      if (!useRA) {
        [mean, variance] = computeStats(x, reductionAxes, { useFastVariance: this.useFastVariance, mask });
        // Several feature axes: the statistics (feature-shaped) are kept flat, as Linen's are in its (feature) shape;
        // NNX fails here, Linen does not.
        const [flatMean, flatVar] = [tf.reshape(mean, this.mean.shape), tf.reshape(variance, this.var.shape)];
        // The running averages are not on the path to any loss, so no stop_gradient is needed.
        if (this.zeroDebias) this.updateDebiased(flatMean, flatVar);
        else {
          const m = this.momentum;
          this.mean.value = tf.add(tf.mul(m, this.mean.value), tf.mul(1 - m, flatMean));
          this.var.value = tf.add(tf.mul(m, this.var.value), tf.mul(1 - m, flatVar));
        }
      }
      return normalize(x, mean, variance, this.scale?.value ?? null, this.bias?.value ?? null, reductionAxes, featureAxes, this.epsilon);
    });
  }

  private updateDebiased(mean: tf.Tensor, variance: tf.Tensor): void {
    debiasedUpdate(this.mean, this.meanHidden!, this.meanCount!, mean, this.momentum);
    debiasedUpdate(this.var, this.varHidden!, this.varCount!, variance, this.momentum);
  }
}

/** hk.ExponentialMovingAverage: hidden = hidden·d + x·(1 − d); average = hidden / (1 − dᶜᵒᵘⁿᵗ), in float32. */
function debiasedUpdate(avg: BatchStat, hidden: BatchStat, count: BatchStat, x: tf.Tensor, decay: number): void {
  const d = tf.scalar(decay, "float32");
  const oneMinus = tf.sub(tf.scalar(1, "float32"), d);
  const next = tf.add(count.value, tf.scalar(1, "int32"));
  const h = tf.add(tf.mul(hidden.value, d), tf.mul(x, oneMinus));
  avg.value = tf.div(h, tf.sub(tf.scalar(1, "float32"), tf.pow(d, tf.cast(next, "float32"))));
  hidden.value = h;
  count.value = next;
}

// ---------------------------------------------------------------------------
// LayerNorm and RMSNorm

export interface LayerNormOptions {
  epsilon?: number;
  useBias?: boolean;
  useScale?: boolean;
  biasInit?: Initializer;
  scaleInit?: Initializer;
  reductionAxes?: Axes;
  featureAxes?: Axes;
  useFastVariance?: boolean;
  rngs: Rngs;
  biasMetadata?: Record<string, unknown>;
  scaleMetadata?: Record<string, unknown>;
}

export class LayerNorm extends Module {
  readonly scale: Param | null;
  readonly bias: Param | null;
  readonly numFeatures: number;
  epsilon: number;
  readonly useBias: boolean;
  readonly useScale: boolean;
  reductionAxes: Axes;
  featureAxes: Axes;
  useFastVariance: boolean;

  constructor(numFeatures: number, options: LayerNormOptions) {
    super();
    const {
      epsilon = 1e-6,
      useBias = true,
      useScale = true,
      biasInit = zeros,
      scaleInit = ones,
      reductionAxes = -1,
      featureAxes = -1,
      useFastVariance = true,
      rngs,
    } = options;
    const featureShape = [numFeatures];
    this.scale = useScale ? param(scaleInit, rngs, featureShape, options.scaleMetadata) : null;
    this.bias = useBias ? param(biasInit, rngs, featureShape, options.biasMetadata) : null;
    this.numFeatures = numFeatures;
    this.epsilon = epsilon;
    this.useBias = useBias;
    this.useScale = useScale;
    this.reductionAxes = reductionAxes;
    this.featureAxes = featureAxes;
    this.useFastVariance = useFastVariance;
  }

  call(x: tf.Tensor, { mask = null }: NormCallOptions = {}): tf.Tensor {
    return tf.tidy(() => {
      const [mean, variance] = computeStats(x, this.reductionAxes, { useFastVariance: this.useFastVariance, mask });
      return normalize(x, mean, variance, this.scale?.value ?? null, this.bias?.value ?? null, this.reductionAxes, this.featureAxes, this.epsilon);
    });
  }
}

export interface RMSNormOptions {
  epsilon?: number;
  useScale?: boolean;
  scaleInit?: Initializer;
  reductionAxes?: Axes;
  featureAxes?: Axes;
  /** Accepted for NNX parity; RMSNorm computes no mean, so it changes nothing. */
  useFastVariance?: boolean;
  rngs: Rngs;
  scaleMetadata?: Record<string, unknown>;
}

/** x * rsqrt(mean(x²) + eps) * scale over the reduction axes. */
export class RMSNorm extends Module {
  readonly scale: Param | null;
  readonly numFeatures: number;
  epsilon: number;
  readonly useScale: boolean;
  reductionAxes: Axes;
  featureAxes: Axes;
  useFastVariance: boolean;

  constructor(numFeatures: number, options: RMSNormOptions) {
    super();
    const { epsilon = 1e-6, useScale = true, scaleInit = ones, reductionAxes = -1, featureAxes = -1, useFastVariance = true, rngs } = options;
    this.scale = useScale ? param(scaleInit, rngs, [numFeatures], options.scaleMetadata) : null;
    this.numFeatures = numFeatures;
    this.epsilon = epsilon;
    this.useScale = useScale;
    this.reductionAxes = reductionAxes;
    this.featureAxes = featureAxes;
    this.useFastVariance = useFastVariance;
  }

  call(x: tf.Tensor, { mask = null }: NormCallOptions = {}): tf.Tensor {
    return tf.tidy(() => {
      const [mean, variance] = computeStats(x, this.reductionAxes, { useMean: false, mask });
      return normalize(x, mean, variance, this.scale?.value ?? null, null, this.reductionAxes, this.featureAxes, this.epsilon);
    });
  }
}

// ---------------------------------------------------------------------------
// GroupNorm and InstanceNorm

export interface GroupNormOptions {
  /** Default 32; pass null with `groupSize`. */
  numGroups?: number | null;
  groupSize?: number | null;
  epsilon?: number;
  useBias?: boolean;
  useScale?: boolean;
  biasInit?: Initializer;
  scaleInit?: Initializer;
  /** Default: every axis but the first (batch); the last must be the feature axis. */
  reductionAxes?: Axes | null;
  useFastVariance?: boolean;
  rngs: Rngs;
  biasMetadata?: Record<string, unknown>;
  scaleMetadata?: Record<string, unknown>;
}

/** Normalizes over groups of channels (the last axis) and the other reduction axes. */
export class GroupNorm extends Module {
  readonly featureAxis = -1;
  readonly numGroups: number;
  readonly groupSize: number;
  readonly scale: Param | null;
  readonly bias: Param | null;
  readonly numFeatures: number;
  epsilon: number;
  readonly useBias: boolean;
  readonly useScale: boolean;
  reductionAxes: Axes | null;
  useFastVariance: boolean;

  constructor(numFeatures: number, options: GroupNormOptions) {
    super();
    const {
      numGroups = 32,
      groupSize = null,
      epsilon = 1e-6,
      useBias = true,
      useScale = true,
      biasInit = zeros,
      scaleInit = ones,
      reductionAxes = null,
      useFastVariance = true,
      rngs,
    } = options;
    if ((numGroups === null && groupSize === null) || (numGroups !== null && groupSize !== null)) {
      throw new Error(
        "Either `numGroups` or `groupSize` should be specified. If `groupSize` is to be specified, pass `numGroups: null` as argument to override the default `numGroups` value of 32.",
      );
    }
    if (groupSize !== null) {
      if (numFeatures % groupSize !== 0) throw new Error(`Number of features (${numFeatures}) is not multiple of the group size (${groupSize}).`);
      this.numGroups = numFeatures / groupSize;
      this.groupSize = groupSize;
    } else {
      if (!Number.isInteger(numGroups) || numGroups! <= 0 || numFeatures % numGroups! !== 0) {
        throw new Error(`Number of groups (${numGroups}) does not divide the number of channels (${numFeatures}).`);
      }
      this.numGroups = numGroups!;
      this.groupSize = numFeatures / numGroups!;
    }
    const featureShape = [numFeatures];
    this.scale = useScale ? param(scaleInit, rngs, featureShape, options.scaleMetadata) : null;
    this.bias = useBias ? param(biasInit, rngs, featureShape, options.biasMetadata) : null;
    this.numFeatures = numFeatures;
    this.epsilon = epsilon;
    this.useBias = useBias;
    this.useScale = useScale;
    this.reductionAxes = reductionAxes;
    this.useFastVariance = useFastVariance;
  }

  call(x: tf.Tensor, { mask = null }: NormCallOptions = {}): tf.Tensor {
    return tf.tidy(() => {
      const given = this.reductionAxes ?? [...Array(x.rank - 2).keys()].map((i) => i + 1).concat([-1]);
      const reduction = canonicalizeAxes(x.rank, given);
      const groupShape = [...x.shape.slice(0, -1), this.numGroups, this.groupSize];
      const groupMask = mask === null ? null : tf.reshape(mask, [...mask.shape.slice(0, -1), this.numGroups, this.groupSize]);
      // Flax: statistics over reduction_axes[:-1] + [-1] of the grouped x, then repeated along axis 1.
      let [mean, variance] = computeStats(tf.reshape(x, groupShape), [...reduction.slice(0, -1), -1], {
        useFastVariance: this.useFastVariance,
        mask: groupMask,
      });
      mean = repeatAxis(mean, this.groupSize, 1);
      variance = repeatAxis(variance, this.groupSize, 1);
      return normalize(x, mean, variance, this.scale?.value ?? null, this.bias?.value ?? null, reduction.slice(0, -1), [this.featureAxis], this.epsilon);
    });
  }
}

/** jnp.repeat(x, r, axis): each element r times in a row. */
function repeatAxis(x: tf.Tensor, r: number, axis: number): tf.Tensor {
  if (r === 1) return x;
  const shape = x.shape;
  const reps = [...shape.map(() => 1), 1];
  reps[axis + 1] = r;
  const tiled = tf.tile(tf.expandDims(x, axis + 1), reps);
  return tf.reshape(tiled, shape.map((d, i) => (i === axis ? d * r : d)));
}

export interface InstanceNormOptions {
  epsilon?: number;
  useBias?: boolean;
  useScale?: boolean;
  biasInit?: Initializer;
  scaleInit?: Initializer;
  featureAxes?: Axes;
  useFastVariance?: boolean;
  rngs: Rngs;
  biasMetadata?: Record<string, unknown>;
  scaleMetadata?: Record<string, unknown>;
}

/** Normalizes each example over every axis but the batch (0) and feature axes. */
export class InstanceNorm extends Module {
  readonly scale: Param | null;
  readonly bias: Param | null;
  readonly numFeatures: number;
  epsilon: number;
  readonly useBias: boolean;
  readonly useScale: boolean;
  featureAxes: Axes;
  useFastVariance: boolean;

  constructor(numFeatures: number, options: InstanceNormOptions) {
    super();
    const { epsilon = 1e-6, useBias = true, useScale = true, biasInit = zeros, scaleInit = ones, featureAxes = -1, useFastVariance = true, rngs } = options;
    const featureShape = [numFeatures];
    this.scale = useScale ? param(scaleInit, rngs, featureShape, options.scaleMetadata) : null;
    this.bias = useBias ? param(biasInit, rngs, featureShape, options.biasMetadata) : null;
    this.numFeatures = numFeatures;
    this.epsilon = epsilon;
    this.useBias = useBias;
    this.useScale = useScale;
    this.featureAxes = featureAxes;
    this.useFastVariance = useFastVariance;
  }

  call(x: tf.Tensor, { mask = null }: NormCallOptions = {}): tf.Tensor {
    const featureAxes = canonicalizeAxes(x.rank, this.featureAxes);
    if (featureAxes.includes(0)) {
      throw new Error("The channel axes cannot include the leading dimension as this is assumed to be the batch axis.");
    }
    const reductionAxes = [...Array(x.rank).keys()].filter((i) => i > 0 && !featureAxes.includes(i));
    return tf.tidy(() => {
      const [mean, variance] = computeStats(x, reductionAxes, { useFastVariance: this.useFastVariance, mask });
      return normalize(x, mean, variance, this.scale?.value ?? null, this.bias?.value ?? null, reductionAxes, featureAxes, this.epsilon);
    });
  }
}
