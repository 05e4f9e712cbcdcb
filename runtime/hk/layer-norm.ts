// hk.LayerNorm and hk.InstanceNorm (haiku/_src/layer_norm.py).

import { tf } from "../tf.js";
import { Module } from "../module.js";
import type { Param } from "../variables.js";
import type { Rngs } from "../rnglib.js";
import { type Initializer, ones, zeros } from "../nn/initializers.js";
import { initVariable } from "./keys.js";
import { type AxisSpec, absAxes, channelIndex } from "./utils.js";
import { meanKeep, varKeep } from "./stats.js";

/** Haiku's scale/offset shape: (C,) when param_axis is the last axis, else full rank with 1s elsewhere. */
export function paramShape(inputShape: readonly number[], paramAxis: AxisSpec): number[] {
  const rank = inputShape.length;
  const axes = absAxes(paramAxis, rank);
  if (axes.length === 1 && axes[0] === rank - 1) return [inputShape[rank - 1]];
  return inputShape.map((d, i) => (axes.includes(i) ? d : 1));
}

export interface LayerNormOptions {
  eps?: number;
  /** Default ones (only with createScale). */
  scaleInit?: Initializer | null;
  /** Default zeros (only with createOffset). */
  offsetInit?: Initializer | null;
  /** mean(x²) - mean(x)² instead of jnp.var. */
  useFastVariance?: boolean;
  /** Axes of the scale/offset shape (default -1). */
  paramAxis?: AxisSpec | null;
  rngs: Rngs;
}

/**
 * hk.LayerNorm(axis, create_scale, create_offset) for inputs of shape
 * `inputShape` (only its rank and its sizes on paramAxis matter):
 * y = scale * rsqrt(var + eps) * (x - mean) + offset over `axis` (int, list
 * or `{ start, stop }` slice). Parameters `scale`, `offset`; keys: scale,
 * then offset (each if its initializer draws).
 */
export class LayerNorm extends Module {
  readonly scale: Param | null;
  readonly offset: Param | null;
  readonly axis: AxisSpec;
  readonly eps: number;
  readonly createScale: boolean;
  readonly createOffset: boolean;
  readonly useFastVariance: boolean;
  readonly paramAxis: AxisSpec;

  constructor(inputShape: readonly number[], axis: AxisSpec, createScale: boolean, createOffset: boolean, options: LayerNormOptions) {
    super();
    const { eps = 1e-5, scaleInit = null, offsetInit = null, useFastVariance = false, paramAxis = null, rngs } = options;
    if (!createScale && scaleInit !== null) throw new Error("Cannot set `scale_init` if `create_scale=False`.");
    if (!createOffset && offsetInit !== null) throw new Error("Cannot set `offset_init` if `create_offset=False`.");
    this.axis = axis;
    this.eps = eps;
    this.createScale = createScale;
    this.createOffset = createOffset;
    this.useFastVariance = useFastVariance;
    this.paramAxis = paramAxis ?? -1;
    const shape = paramShape(inputShape, this.paramAxis);
    this.scale = createScale ? initVariable(rngs, scaleInit ?? ones, shape) : null;
    this.offset = createOffset ? initVariable(rngs, offsetInit ?? zeros, shape) : null;
  }

  /** `scale` / `offset` may be passed only when the module does not create them. */
  call(inputs: tf.Tensor, scale?: tf.Tensor | null, offset?: tf.Tensor | null): tf.Tensor {
    if (this.createScale && scale != null) throw new Error("Cannot pass `scale` at call time if `create_scale=True`.");
    if (this.createOffset && offset != null) throw new Error("Cannot pass `offset` at call time if `create_offset=True`.");
    return tf.tidy(() => {
      const axes = absAxes(this.axis, inputs.rank);
      const mean = meanKeep(inputs, axes);
      const variance = this.useFastVariance
        ? tf.sub(meanKeep(tf.square(inputs), axes), tf.square(mean))
        : varKeep(inputs, axes);
      const s = this.scale?.value ?? scale ?? null;
      const o = this.offset?.value ?? offset ?? null;
      const rs = tf.rsqrt(tf.add(variance, this.eps));
      const inv = s === null ? rs : tf.mul(s, rs);
      const y = tf.mul(inv, tf.sub(inputs, mean));
      return o === null ? y : tf.add(y, o);
    });
  }
}

export interface InstanceNormOptions {
  eps?: number;
  scaleInit?: Initializer | null;
  offsetInit?: Initializer | null;
  dataFormat?: string;
  rngs: Rngs;
}

/**
 * hk.InstanceNorm(create_scale, create_offset): a LayerNorm over the spatial
 * axes (slice(1, -1) channels-last, slice(2, None) channels-first) with
 * param_axis the channel axis.
 */
export class InstanceNorm extends LayerNorm {
  readonly dataFormat: string;

  constructor(inputShape: readonly number[], createScale: boolean, createOffset: boolean, options: InstanceNormOptions) {
    const { dataFormat = "channels_last", ...rest } = options;
    const ci = channelIndex(dataFormat);
    const axis = ci === 1 ? { start: 2 } : { start: 1, stop: -1 };
    super(inputShape, axis, createScale, createOffset, { ...rest, paramAxis: ci });
    this.dataFormat = dataFormat;
  }
}
