// hk.RMSNorm (haiku/_src/rms_norm.py).

import { tf } from "../tf.js";
import { Module } from "../module.js";
import type { Param } from "../variables.js";
import type { Rngs } from "../rnglib.js";
import { type Initializer, ones } from "../nn/initializers.js";
import { initVariable } from "./keys.js";
import { type AxisSpec, absAxes } from "./utils.js";
import { paramShape } from "./layer-norm.js";
import { meanKeep } from "./stats.js";

export interface RMSNormOptions {
  eps?: number;
  scaleInit?: Initializer | null;
  createScale?: boolean;
  /** Axes of the scale shape (default -1). */
  paramAxis?: AxisSpec | null;
  rngs: Rngs;
}

/**
 * hk.RMSNorm(axis) for inputs of shape `inputShape`:
 * y = x * scale * rsqrt(mean(x², axis) + eps). Parameter `scale`; one key if
 * its initializer draws.
 */
export class RMSNorm extends Module {
  readonly scale: Param | null;
  readonly axis: AxisSpec;
  readonly eps: number;
  readonly createScale: boolean;
  readonly paramAxis: AxisSpec;

  constructor(inputShape: readonly number[], axis: AxisSpec, options: RMSNormOptions) {
    super();
    const { eps = 1e-5, scaleInit = null, createScale = true, paramAxis = null, rngs } = options;
    if (!createScale && scaleInit !== null) throw new Error("Cannot set `scale_init` if `create_scale=False`.");
    this.axis = axis;
    this.eps = eps;
    this.createScale = createScale;
    this.paramAxis = paramAxis ?? -1;
    this.scale = createScale ? initVariable(rngs, scaleInit ?? ones, paramShape(inputShape, this.paramAxis)) : null;
  }

  call(inputs: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const axes = absAxes(this.axis, inputs.rank);
      const meanSquared = meanKeep(tf.square(inputs), axes);
      const scaled = this.scale === null ? tf.mul(inputs, 1) : tf.mul(inputs, this.scale.value);
      return tf.mul(scaled, tf.rsqrt(tf.add(meanSquared, this.eps)));
    });
  }
}
