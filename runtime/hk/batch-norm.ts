// hk.BatchNorm (haiku/_src/batch_norm.py).

import { tf } from "../tf.js";
import { Module } from "../module.js";
import type { Param } from "../variables.js";
import type { Rngs } from "../rnglib.js";
import { type Initializer, ones, zeros } from "../nn/initializers.js";
import { initVariable } from "./keys.js";
import { channelIndex } from "./utils.js";
import { ExponentialMovingAverage } from "./moving-averages.js";
import { meanKeep } from "./stats.js";

export interface BatchNormOptions {
  eps?: number;
  scaleInit?: Initializer | null;
  offsetInit?: Initializer | null;
  /** Axes reduced over (default: all but the channel axis). Taken as given, as Haiku does. */
  axis?: number[] | null;
  dataFormat?: string;
  /** NNX-style mode: false = training (batch statistics, averages updated). Module.train()/eval() set it. */
  useRunningAverage?: boolean;
  rngs: Rngs;
}

/**
 * hk.BatchNorm(create_scale, create_offset, decay_rate) for inputs of shape
 * `inputShape`. Parameters `scale`, `offset` and statistics (Haiku's
 * `mean_ema`, `var_ema`: hk.ExponentialMovingAverage) all of the input's rank,
 * 1 on the reduced axes. Training: mean = E[x], var = E[x²] - E[x]² over the
 * axes, both averages updated; eval: the zero-debiased averages. Then
 * (x - mean) * (scale * rsqrt(var + eps)) + offset. Keys: scale, then offset
 * (each if its initializer draws).
 */
export class BatchNorm extends Module {
  readonly mean_ema: ExponentialMovingAverage;
  readonly var_ema: ExponentialMovingAverage;
  readonly scale: Param | null;
  readonly offset: Param | null;
  readonly createScale: boolean;
  readonly createOffset: boolean;
  readonly eps: number;
  readonly axis: number[] | null;
  readonly channelIndex: 1 | -1;
  useRunningAverage: boolean;

  constructor(inputShape: readonly number[], createScale: boolean, createOffset: boolean, decayRate: number, options: BatchNormOptions) {
    super();
    const { eps = 1e-5, scaleInit = null, offsetInit = null, axis = null, dataFormat = "channels_last", useRunningAverage = false, rngs } = options;
    if (!createScale && scaleInit !== null) throw new Error("Cannot set `scale_init` if `create_scale=False`");
    if (!createOffset && offsetInit !== null) throw new Error("Cannot set `offset_init` if `create_offset=False`");
    this.createScale = createScale;
    this.createOffset = createOffset;
    this.eps = eps;
    this.axis = axis;
    this.channelIndex = channelIndex(dataFormat);
    this.useRunningAverage = useRunningAverage;
    const reduced = this.reducedAxes(inputShape.length);
    const wShape = inputShape.map((d, i) => (reduced.includes(i) ? 1 : d));
    this.mean_ema = new ExponentialMovingAverage(wShape, decayRate);
    this.var_ema = new ExponentialMovingAverage(wShape, decayRate);
    this.scale = createScale ? initVariable(rngs, scaleInit ?? ones, wShape) : null;
    this.offset = createOffset ? initVariable(rngs, offsetInit ?? zeros, wShape) : null;
  }

  private reducedAxes(rank: number): number[] {
    if (this.axis !== null) return this.axis;
    const ci = this.channelIndex < 0 ? this.channelIndex + rank : this.channelIndex;
    return [...Array(rank).keys()].filter((i) => i !== ci);
  }

  /**
   * `isTraining` defaults to the module's mode (!useRunningAverage).
   * `testLocalStats`: batch statistics without updating the averages.
   */
  call(
    inputs: tf.Tensor,
    isTraining?: boolean | null,
    testLocalStats = false,
    scale?: tf.Tensor | null,
    offset?: tf.Tensor | null,
  ): tf.Tensor {
    if (this.createScale && scale != null) throw new Error("Cannot pass `scale` at call time if `create_scale=True`.");
    if (this.createOffset && offset != null) throw new Error("Cannot pass `offset` at call time if `create_offset=True`.");
    const training = isTraining ?? !this.useRunningAverage;
    const axes = this.reducedAxes(inputs.rank).map((a) => (a < 0 ? a + inputs.rank : a));
    return tf.tidy(() => {
      let mean: tf.Tensor;
      let variance: tf.Tensor;
      if (training || testLocalStats) {
        mean = meanKeep(inputs, axes);
        const meanOfSquares = meanKeep(tf.square(inputs), axes);
        variance = tf.sub(meanOfSquares, tf.square(mean));
      } else {
        mean = this.mean_ema.average.value;
        variance = this.var_ema.average.value;
      }
      if (training) {
        // The averages are not on the path to the output, so no stop_gradient is needed.
        this.mean_ema.call(mean);
        this.var_ema.call(variance);
      }
      const s = this.scale?.value ?? scale ?? null;
      const o = this.offset?.value ?? offset ?? null;
      const rs = tf.rsqrt(tf.add(variance, this.eps));
      const inv = s === null ? rs : tf.mul(s, rs);
      const y = tf.mul(tf.sub(inputs, mean), inv);
      return o === null ? y : tf.add(y, o);
    });
  }
}
