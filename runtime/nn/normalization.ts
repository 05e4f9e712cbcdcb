// nnx.BatchNorm and nnx.LayerNorm (flax/nnx/nn/normalization.py), float32.

import { tf } from "../tf.js";
import { Module, firstFrom } from "../module.js";
import { BatchStat, Param } from "../variables.js";
import type { Rngs } from "../rnglib.js";
import { canonicalizeAxes } from "../ops.js";
import { type Initializer, ones, zeros } from "./initializers.js";

/**
 * _compute_stats with use_fast_variance: mean = E[x], var = max(0, E[x²] - E[x]²),
 * reduced over `axes` (the reduced axes are dropped).
 */
function computeStats(x: tf.Tensor, axes: number[], useFastVariance: boolean): [tf.Tensor, tf.Tensor] {
  const mu = tf.mean(x, axes);
  if (useFastVariance) {
    const mu2 = tf.mean(tf.square(x), axes);
    return [mu, tf.maximum(0, tf.sub(mu2, tf.square(mu)))];
  }
  const centered = tf.sub(x, tf.mean(x, axes, true));
  return [mu, tf.mean(tf.square(centered), axes)];
}

/** _normalize: (x - mean) * (rsqrt(var + eps) * scale) + bias. */
function normalize(
  x: tf.Tensor,
  mean: tf.Tensor,
  variance: tf.Tensor,
  scale: tf.Tensor | null,
  bias: tf.Tensor | null,
  reductionAxes: number[],
  featureAxes: number[],
  epsilon: number,
): tf.Tensor {
  const statsShape = x.shape.map((d, i) => (reductionAxes.includes(i) ? 1 : d));
  const featureShape = x.shape.map((d, i) => (featureAxes.includes(i) ? d : 1));
  let y = tf.sub(x, tf.reshape(mean, statsShape));
  let mul = tf.rsqrt(tf.add(tf.reshape(variance, statsShape), epsilon));
  if (scale !== null) mul = tf.mul(mul, tf.reshape(scale, featureShape));
  y = tf.mul(y, mul);
  if (bias !== null) y = tf.add(y, tf.reshape(bias, featureShape));
  return y;
}

export interface BatchNormOptions {
  useRunningAverage?: boolean | null;
  axis?: number;
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
  axis: number;
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
    this.mean = new BatchStat(tf.zeros(featureShape, "float32"));
    this.var = new BatchStat(tf.ones(featureShape, "float32"));
    this.zeroDebias = zeroDebias;
    if (zeroDebias) {
      const extra: DebiasState = {
        meanHidden: new BatchStat(tf.zeros(featureShape, "float32")),
        varHidden: new BatchStat(tf.zeros(featureShape, "float32")),
        meanCount: new BatchStat(tf.scalar(0, "int32")),
        varCount: new BatchStat(tf.scalar(0, "int32")),
      };
      Object.assign(this, extra);
    }
    // nnx.BatchNorm draws a params key for scale, then for bias, even though the
    // default initializers ignore it; doing the same keeps later keys aligned.
    this.scale = useScale ? new Param(scaleInit(rngs.params(), featureShape, "float32"), { init: scaleInit }) : null;
    this.bias = useBias ? new Param(biasInit(rngs.params(), featureShape, "float32"), { init: biasInit }) : null;
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
  call(x: tf.Tensor, useRunningAverage?: boolean | null): tf.Tensor {
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
        [mean, variance] = computeStats(x, reductionAxes, this.useFastVariance);
        // The running averages are not on the path to any loss, so no stop_gradient is needed.
        if (this.zeroDebias) this.updateDebiased(mean, variance);
        else {
          const m = this.momentum;
          this.mean.value = tf.add(tf.mul(m, this.mean.value), tf.mul(1 - m, mean));
          this.var.value = tf.add(tf.mul(m, this.var.value), tf.mul(1 - m, variance));
        }
      }
      return normalize(
        x,
        mean,
        variance,
        this.scale?.value ?? null,
        this.bias?.value ?? null,
        reductionAxes,
        featureAxes,
        this.epsilon,
      );
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

export interface LayerNormOptions {
  epsilon?: number;
  useBias?: boolean;
  useScale?: boolean;
  biasInit?: Initializer;
  scaleInit?: Initializer;
  reductionAxes?: number | number[];
  featureAxes?: number | number[];
  useFastVariance?: boolean;
  rngs: Rngs;
}

export class LayerNorm extends Module {
  readonly scale: Param | null;
  readonly bias: Param | null;
  readonly numFeatures: number;
  epsilon: number;
  readonly useBias: boolean;
  readonly useScale: boolean;
  reductionAxes: number | number[];
  featureAxes: number | number[];
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
    this.scale = useScale ? new Param(scaleInit(rngs.params(), featureShape, "float32"), { init: scaleInit }) : null;
    this.bias = useBias ? new Param(biasInit(rngs.params(), featureShape, "float32"), { init: biasInit }) : null;
    this.numFeatures = numFeatures;
    this.epsilon = epsilon;
    this.useBias = useBias;
    this.useScale = useScale;
    this.reductionAxes = reductionAxes;
    this.featureAxes = featureAxes;
    this.useFastVariance = useFastVariance;
  }

  call(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const reduction = canonicalizeAxes(x.rank, this.reductionAxes);
      const features = canonicalizeAxes(x.rank, this.featureAxes);
      const [mean, variance] = computeStats(x, reduction, this.useFastVariance);
      return normalize(x, mean, variance, this.scale?.value ?? null, this.bias?.value ?? null, reduction, features, this.epsilon);
    });
  }
}
