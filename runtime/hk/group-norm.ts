// hk.GroupNorm (haiku/_src/group_norm.py).

import { tf } from "../tf.js";
import { Module } from "../module.js";
import type { Param } from "../variables.js";
import type { Rngs } from "../rnglib.js";
import { type Initializer, ones, zeros } from "../nn/initializers.js";
import { initVariable } from "./keys.js";
import { type AxisSpec, absAxes, channelIndex } from "./utils.js";
import { meanKeep, varKeep } from "./stats.js";

export interface GroupNormOptions {
  /** Axes normalized over (default all but the first: `{ start: 1 }`). */
  axis?: AxisSpec;
  createScale?: boolean;
  createOffset?: boolean;
  eps?: number;
  scaleInit?: Initializer | null;
  offsetInit?: Initializer | null;
  dataFormat?: string;
  rngs: Rngs;
}

/** `x` broadcast to rank `rank` by leading unit axes (jax.lax.broadcast_to_rank). */
function toRank(x: tf.Tensor, rank: number): tf.Tensor {
  return x.rank >= rank ? x : tf.reshape(x, [...new Array<number>(rank - x.rank).fill(1), ...x.shape]);
}

/**
 * hk.GroupNorm(groups) for inputs of shape `inputShape`: channels split into
 * `groups`, statistics over `axis` of the grouped array (never the group
 * axis), y = (x - mean) * rsqrt(var + eps) * scale + offset. Parameters
 * `scale`, `offset` of shape (C,) (channels-first: (C, 1, ...)); keys: scale,
 * then offset (each if its initializer draws).
 */
export class GroupNorm extends Module {
  readonly scale: Param | null;
  readonly offset: Param | null;
  readonly groups: number;
  readonly eps: number;
  readonly dataFormat: string;
  readonly channelIndex: 1 | -1;
  readonly createScale: boolean;
  readonly createOffset: boolean;
  readonly rank: number;
  /** Axes of the grouped array that are reduced over. */
  readonly groupAxes: number[];
  readonly groupShape: number[];
  readonly firstInputShape: number[];

  constructor(inputShape: readonly number[], groups: number, options: GroupNormOptions) {
    super();
    const { axis = { start: 1 }, createScale = true, createOffset = true, eps = 1e-5, scaleInit = null, offsetInit = null, dataFormat = "channels_last", rngs } = options;
    if (!createScale && scaleInit !== null) throw new Error("Cannot set `scale_init` if `create_scale=False`.");
    if (!createOffset && offsetInit !== null) throw new Error("Cannot set `offset_init` if `create_offset=False`.");
    this.groups = groups;
    this.eps = eps;
    this.dataFormat = dataFormat;
    this.channelIndex = channelIndex(dataFormat);
    this.createScale = createScale;
    this.createOffset = createOffset;
    const rank = inputShape.length;
    this.rank = rank;
    const channels = inputShape[this.channelIndex === -1 ? rank - 1 : 1];
    if (channels % groups !== 0) {
      throw new Error(`The number of channels must be divisible by the number of groups, was channels=${channels}, groups=${groups}`);
    }
    // GroupNorm._initialize: the axes as given (a slice resolved against the input rank), shifted past the group axis.
    const given = typeof axis === "object" && !Array.isArray(axis) ? absAxes(axis, rank) : typeof axis === "number" ? [axis] : [...(axis as number[])];
    if (this.channelIndex === -1) {
      this.groupAxes = given.map((a) => (a !== rank - 1 ? a : a + 1));
      this.groupShape = [-1, ...inputShape.slice(1, -1), groups, channels / groups];
    } else {
      this.groupAxes = given.map((a) => (a === 0 ? a : a + 1));
      this.groupShape = [-1, groups, channels / groups, ...inputShape.slice(2)];
    }
    this.firstInputShape = [-1, ...inputShape.slice(1)];
    const shape = this.channelIndex === -1 ? [channels] : [channels, ...new Array<number>(rank - 2).fill(1)];
    this.scale = createScale ? initVariable(rngs, scaleInit ?? ones, shape) : null;
    this.offset = createOffset ? initVariable(rngs, offsetInit ?? zeros, shape) : null;
  }

  call(x: tf.Tensor, scale?: tf.Tensor | null, offset?: tf.Tensor | null): tf.Tensor {
    if (x.rank !== this.rank) {
      throw new Error(`The rank of the inputs cannot change between calls, the original call was rank=${this.rank} but this call was rank=${x.rank}.`);
    }
    if (this.createScale && scale != null) throw new Error("Cannot pass `scale` at call time if `create_scale=True`.");
    if (this.createOffset && offset != null) throw new Error("Cannot pass `offset` at call time if `create_offset=True`.");
    return tf.tidy(() => {
      let y = tf.reshape(x, this.groupShape);
      // Negative axes count from the end of the grouped array, as jnp does.
      const axes = this.groupAxes.map((a) => (a < 0 ? a + y.rank : a));
      const mean = meanKeep(y, axes);
      const variance = varKeep(y, axes);
      y = tf.mul(tf.sub(y, mean), tf.rsqrt(tf.add(variance, this.eps)));
      y = tf.reshape(y, this.firstInputShape);
      const s = this.scale?.value ?? scale ?? null;
      const o = this.offset?.value ?? offset ?? null;
      if (s !== null) y = tf.mul(y, toRank(s, y.rank));
      if (o !== null) y = tf.add(y, toRank(o, y.rank));
      return y;
    });
  }
}
