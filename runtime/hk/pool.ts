// hk.max_pool / hk.avg_pool and hk.MaxPool / hk.AvgPool (haiku/_src/pool.py):
// lax.reduce_window over every axis. NHWC windows over H and W alone use
// tfjs's pooling kernels; anything else is built from padded, gathered
// window slices (all differentiable; max-pool ties send the gradient to the
// first maximal element, as XLA's select_and_scatter does).

import { tf } from "../tf.js";
import { Module } from "../module.js";
import { padtypeToPads } from "./conv-general.js";
import { divByScalar, prod } from "./utils.js";

export type PoolPadding = "SAME" | "VALID";

/** pool._infer_shape: the window (or strides) over every axis of `x`. */
export function inferShape(rank: number, size: number | readonly number[], channelAxis: number | null = -1): number[] {
  if (typeof size === "number") {
    let ca = channelAxis;
    if (ca && !(Math.abs(ca) < rank)) throw new Error(`Invalid channel axis ${ca} for rank ${rank}`);
    if (ca && ca < 0) ca = rank + ca;
    return [1, ...Array.from({ length: rank - 1 }, (_, i) => (i + 1 !== ca ? size : 1))];
  }
  if (size.length < rank) return [...new Array<number>(rank - size.length).fill(1), ...size];
  if (size.length !== rank) throw new Error(`window/strides of length ${size.length} for rank ${rank}`);
  return [...size];
}

/** Elements offset, offset + s, ... (n of them) along `axis` (tf.gather: differentiable). */
function take(t: tf.Tensor, axis: number, offset: number, s: number, n: number): tf.Tensor {
  if (offset === 0 && s === 1 && n === t.shape[axis]) return t;
  if (s === 1) {
    const begin = t.shape.map((_, i) => (i === axis ? offset : 0));
    const size = t.shape.map((d, i) => (i === axis ? n : d));
    return tf.slice(t, begin, size);
  }
  return tf.gather(t, tf.range(offset, offset + n * s, s, "int32"), axis);
}

/** lax.reduce_window(x, init, max | add, window, strides, padding) by window slices. */
function reduceWindow(x: tf.Tensor, kind: "max" | "add", window: number[], strides: number[], padding: PoolPadding): tf.Tensor {
  const pads = padtypeToPads(x.shape, window, strides, padding);
  const init = kind === "max" ? -Infinity : 0;
  const padded = pads.some(([lo, hi]) => lo > 0 || hi > 0) ? tf.pad(x, pads, init) : x;
  const out = padded.shape.map((d, i) => Math.floor((d - window[i]) / strides[i]) + 1);
  let acc: tf.Tensor | null = null;
  const offsets = window.map(() => 0);
  for (let k = 0; k < prod(window); k++) {
    let v = padded;
    offsets.forEach((o, axis) => (v = take(v, axis, o, strides[axis], out[axis])));
    acc = acc === null ? v : kind === "max" ? tf.maximum(acc, v) : tf.add(acc, v);
    // Next window offset, last axis fastest (row-major window order).
    for (let axis = window.length - 1; axis >= 0; axis--) {
      if (++offsets[axis] < window[axis]) break;
      offsets[axis] = 0;
    }
  }
  return acc!;
}

/** A window over H and W of an NHWC array only: tfjs's own pooling applies. */
function spatial2d(x: tf.Tensor, window: number[], strides: number[]): boolean {
  return x.rank === 4 && window[0] === 1 && window[3] === 1 && strides[0] === 1 && strides[3] === 1;
}

/** hk.max_pool(value, window_shape, strides, padding, channel_axis=-1). */
export function maxPool(
  value: tf.Tensor,
  windowShape: number | readonly number[],
  strides: number | readonly number[],
  padding: PoolPadding,
  channelAxis: number | null = -1,
): tf.Tensor {
  if (padding !== "SAME" && padding !== "VALID") throw new Error(`Invalid padding '${padding}', must be 'SAME' or 'VALID'.`);
  const window = inferShape(value.rank, windowShape, channelAxis);
  const stride = inferShape(value.rank, strides, channelAxis);
  return tf.tidy(() => {
    if (spatial2d(value, window, stride)) {
      const pad = padding === "SAME" ? "same" : "valid";
      return tf.maxPool(value as tf.Tensor4D, [window[1], window[2]], [stride[1], stride[2]], pad);
    }
    return reduceWindow(value, "max", window, stride, padding);
  });
}

/**
 * hk.avg_pool(value, window_shape, strides, padding, channel_axis=-1): the
 * window sum divided by the window size (VALID) or by the number of
 * non-padding elements in each window (SAME).
 */
export function avgPool(
  value: tf.Tensor,
  windowShape: number | readonly number[],
  strides: number | readonly number[],
  padding: PoolPadding,
  channelAxis: number | null = -1,
): tf.Tensor {
  if (padding !== "SAME" && padding !== "VALID") throw new Error(`Invalid padding '${padding}', must be 'SAME' or 'VALID'.`);
  const window = inferShape(value.rank, windowShape, channelAxis);
  const stride = inferShape(value.rank, strides, channelAxis);
  return tf.tidy(() => {
    if (spatial2d(value, window, stride)) {
      const pad = padding === "SAME" ? "same" : "valid";
      return tf.avgPool(value as tf.Tensor4D, [window[1], window[2]], [stride[1], stride[2]], pad);
    }
    const pooled = reduceWindow(value, "add", window, stride, padding);
    if (padding === "VALID") return divByScalar(pooled, prod(window));
    const onesShape = value.shape.map((d, i) => (window[i] !== 1 ? d : 1));
    return tf.div(pooled, reduceWindow(tf.ones(onesShape), "add", window, stride, padding));
  });
}

/** hk.MaxPool(window_shape, strides, padding, channel_axis=-1). */
export class MaxPool extends Module {
  constructor(
    readonly windowShape: number | number[],
    readonly strides: number | number[],
    readonly padding: PoolPadding,
    readonly channelAxis: number | null = -1,
  ) {
    super();
  }

  call(value: tf.Tensor): tf.Tensor {
    return maxPool(value, this.windowShape, this.strides, this.padding, this.channelAxis);
  }
}

/** hk.AvgPool(window_shape, strides, padding, channel_axis=-1). */
export class AvgPool extends Module {
  constructor(
    readonly windowShape: number | number[],
    readonly strides: number | number[],
    readonly padding: PoolPadding,
    readonly channelAxis: number | null = -1,
  ) {
    super();
  }

  call(value: tf.Tensor): tf.Tensor {
    return avgPool(value, this.windowShape, this.strides, this.padding, this.channelAxis);
  }
}
