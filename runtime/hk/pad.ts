// hk.pad (haiku/_src/pad.py): padding functions of the effective kernel size,
// and how ConvND turns its `padding` argument into (low, high) pairs.

import { replicate } from "./utils.js";

/** A padding function: effective kernel size → [before, after]. */
export type PadFn = (effectiveKernelSize: number) => [number, number];

/** No padding. */
export const valid: PadFn = () => [0, 0];
/** Output size equals input size for stride 1. */
export const same: PadFn = (k) => [Math.floor((k - 1) / 2), Math.floor(k / 2)];
/** Maximal padding whilst not convolving over just padded elements. */
export const full: PadFn = (k) => [k - 1, k - 1];
/** Pre-padding: the output does not depend on the future. */
export const causal: PadFn = (k) => [k - 1, 0];
/** Post-padding: the output does not depend on the past. */
export const reverseCausal: PadFn = (k) => [0, k - 1];

/** pad.create_from_padfn: one PadFn (or n) applied to each dim's (kernel - 1) * rate + 1. */
export function createFromPadfn(padding: PadFn | readonly PadFn[], kernel: number[], rate: number[], n: number): [number, number][] {
  const fns = replicate(padding as PadFn | PadFn[], n, "padding");
  const ks = replicate(kernel, n, "kernel");
  const rs = replicate(rate, n, "rate");
  return fns.map((fn, i) => fn((ks[i] - 1) * rs[i] + 1));
}

/** pad.create_from_tuple: one (low, high) pair for every dim, or one pair per dim. */
export function createFromTuple(padding: readonly [number, number] | readonly (readonly [number, number])[], n: number): [number, number][] {
  if (padding.length === 0) throw new Error("Padding must not be empty.");
  if (typeof padding[0] === "number") return Array.from({ length: n }, () => [...(padding as [number, number])] as [number, number]);
  const pairs = padding as readonly (readonly [number, number])[];
  if (pairs.length === 1) return Array.from({ length: n }, () => [...pairs[0]] as [number, number]);
  if (pairs.length !== n) {
    throw new TypeError(`Padding must be a Tuple[int, int] or sequence of length 1 or sequence of length ${n}.`);
  }
  return pairs.map((p) => [...p] as [number, number]);
}
