// Small helpers shared by the hk.* modules (haiku/_src/utils.py and friends).

import { tf } from "../tf.js";

/** utils.replicate: a scalar repeated n times, or a sequence of length 1 or n. */
export function replicate<T>(x: T | readonly T[], n: number, name: string): T[] {
  if (!Array.isArray(x)) return Array.from({ length: n }, () => x as T);
  if (x.length === 1) return Array.from({ length: n }, () => x[0] as T);
  if (x.length === n) return [...x];
  throw new TypeError(`${name} must be a scalar or sequence of length 1 or sequence of length ${n}.`);
}

/** utils.get_channel_index: 1 for channels-first formats, -1 for channels-last. */
export function channelIndex(dataFormat: string): 1 | -1 {
  if (dataFormat === "channels_first") return 1;
  if (dataFormat === "channels_last") return -1;
  if (/^NC[^C]*$/.test(dataFormat)) return 1;
  if (/^N[^C]*C$/.test(dataFormat)) return -1;
  throw new Error(
    `Unable to extract channel information from '${dataFormat}'. Valid data formats are spatial ` +
      "(e.g.`NHWC`), sequential (e.g. `BTHWD`), `channels_first` and `channels_last`).",
  );
}

export function prod(xs: readonly number[]): number {
  return xs.reduce((a, b) => a * b, 1);
}

/** Python's `a % n` for ints (the result takes the sign of n). */
export function pyMod(a: number, n: number): number {
  return ((a % n) + n) % n;
}

/** The axes of a rank-`rank` array that Python's `range(rank)[slice]` or a list of axes name, sorted. */
export type AxisSpec = number | readonly number[] | { start?: number; stop?: number };

/** layer_norm.to_abs_axes (a slice is `{ start, stop }`, step 1). */
export function absAxes(axis: AxisSpec, rank: number): number[] {
  if (typeof axis === "number") return [pyMod(axis, rank)];
  if (Array.isArray(axis)) return [...new Set((axis as number[]).map((a) => pyMod(a, rank)))].sort((a, b) => a - b);
  const { start, stop } = axis as { start?: number; stop?: number };
  const clamp = (v: number | undefined, dflt: number) =>
    v === undefined ? dflt : v < 0 ? Math.max(0, v + rank) : Math.min(v, rank);
  const out: number[] = [];
  for (let i = clamp(start, 0); i < clamp(stop, rank); i++) out.push(i);
  return out;
}

/** Throws as jnp.broadcast_to(x, shape) would if `from` cannot broadcast to `to`. */
export function checkBroadcast(from: readonly number[], to: readonly number[]): void {
  const ok = from.length <= to.length && from.every((d, i) => d === 1 || d === to[to.length - from.length + i]);
  if (!ok) throw new Error(`Incompatible shapes for broadcasting: [${from}] and requested shape [${to}]`);
}

/**
 * `x + jnp.broadcast_to(b, x.shape)`. tf.add broadcasts with the same values
 * and, unlike tf.broadcastTo (tile), has a gradient at every rank.
 */
export function addBroadcast(x: tf.Tensor, b: tf.Tensor): tf.Tensor {
  checkBroadcast(b.shape, x.shape);
  return tf.add(x, b);
}

/**
 * `x / c` for a float32 scalar c as XLA computes it: an array divided by a
 * broadcast scalar becomes x * f32(1 / c) (its algebraic simplifier, also in
 * eager op-by-op JAX); a scalar divided by a scalar stays a division.
 */
export function divByScalar(x: tf.Tensor, c: number): tf.Tensor {
  const c32 = Math.fround(c);
  return x.rank === 0 ? tf.div(x, c32) : tf.mul(x, Math.fround(1 / c32));
}
