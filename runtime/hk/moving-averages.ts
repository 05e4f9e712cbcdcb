// hk.ExponentialMovingAverage (haiku/_src/moving_averages.py).

import { tf } from "../tf.js";
import { Module } from "../module.js";
import { BatchStat } from "../variables.js";
import { type Initializer, zeros } from "../nn/initializers.js";
import { keyless } from "./keys.js";
import { divByScalar } from "./utils.js";

const f = Math.fround;

/**
 * lax.integer_pow(x, n) for float32 scalars: binary exponentiation, each
 * product rounded, as eager jnp.power(decay, counter) computes it.
 */
export function integerPow32(x: number, n: number): number {
  if (n === 0) return 1;
  const reciprocal = n < 0;
  let y = Math.abs(n);
  let base = f(x);
  let acc: number | null = null;
  while (y > 0) {
    if (y & 1) acc = acc === null ? base : f(acc * base);
    y >>= 1;
    if (y > 0) base = f(base * base);
  }
  return reciprocal ? f(1 / acc!) : acc!;
}

export interface ExponentialMovingAverageOptions {
  zeroDebias?: boolean;
  /** Updates before the average starts decaying (needs zeroDebias false). */
  warmupLength?: number;
}

/**
 * hk.ExponentialMovingAverage(decay) of values of shape `shape`. State (as
 * BatchStats, Haiku's names): `counter` (int32, starts at -warmupLength),
 * `hidden` and `average` (zeros). No keys. call(value) updates
 * hidden = hidden * d + value * (1 - d) and average = hidden / (1 - d^counter)
 * (zero-debiased) and returns the average.
 */
export class ExponentialMovingAverage extends Module {
  readonly counter: BatchStat;
  readonly hidden: BatchStat;
  readonly average: BatchStat;
  readonly decay: number;
  readonly zeroDebias: boolean;
  readonly warmupLength: number;

  constructor(shape: readonly number[], decay: number, options: ExponentialMovingAverageOptions = {}) {
    super();
    const { zeroDebias = true, warmupLength = 0 } = options;
    if (warmupLength < 0) throw new Error(`\`warmup_length\` is ${warmupLength}, but should be non-negative.`);
    if (warmupLength && zeroDebias) {
      throw new Error(
        "Zero debiasing does not make sense when warming up the value of the average to an initial value. Set zero_debias=False if setting warmup_length to a non-zero value.",
      );
    }
    this.decay = decay;
    this.zeroDebias = zeroDebias;
    this.warmupLength = warmupLength;
    const counterInit: Initializer = keyless(() => tf.scalar(-warmupLength, "int32"));
    this.counter = new BatchStat(counterInit(Uint32Array.of(0, 0), []), { init: counterInit });
    this.hidden = new BatchStat(zeros(Uint32Array.of(0, 0), [...shape]), { init: zeros });
    this.average = new BatchStat(zeros(Uint32Array.of(0, 0), [...shape]), { init: zeros });
  }

  /** The new average; the state is updated unless `updateStats` is false. */
  call(value: tf.Tensor | number, updateStats = true): tf.Tensor {
    // The counter is a concrete scalar: read it to compute the debiasing power as eager JAX does.
    const counter = (this.counter.value.dataSync()[0] as number) + 1;
    let decay = f(this.decay);
    if (this.warmupLength > 0 && counter <= 0) decay = 0;
    const oneMinus = f(1 - decay);
    const [hidden, average] = tf.tidy(() => {
      const v = typeof value === "number" ? tf.scalar(value, "float32") : value;
      const h = tf.add(tf.mul(this.hidden.value, decay), tf.mul(v, oneMinus));
      const a = this.zeroDebias ? divByScalar(h, f(1 - integerPow32(decay, counter))) : tf.clone(h);
      return [h, a];
    });
    if (updateStats) {
      this.counter.value = tf.scalar(counter, "int32");
      this.hidden.value = hidden;
      this.average.value = tf.clone(average);
    } else {
      hidden.dispose();
    }
    return average;
  }
}
