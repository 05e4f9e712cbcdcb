// jax.lax convolution and window primitives for channels-last arrays
// ([batch, *spatial, features]; kernels [*spatial, in, out]), built from tfjs ops
// that have gradients: tfjs cannot differentiate a dilated conv2d and has no
// feature groups, so dilation inserts zeros (pad + reshape), padding is done by
// tf.pad/slice, groups are split (or become a depthwise conv), and every
// convolution tfjs runs is an undilated "valid" one.

import { tf } from "../tf.js";

/** A padding as Flax layers accept it (flax.typing.PaddingLike). */
export type PaddingLike = string | number | readonly (number | readonly [number, number])[];
/** One (low, high) pair per spatial dimension, as lax takes it. */
export type PadPairs = [number, number][];

/** flax's canonicalize_padding: a string stays, ints become (p, p) pairs. */
export function canonicalizePadding(padding: PaddingLike, rank: number): string | PadPairs {
  if (typeof padding === "string") return padding;
  if (typeof padding === "number") return Array.from({ length: rank }, () => [padding, padding] as [number, number]);
  if (Array.isArray(padding) && padding.length === rank) {
    const out: PadPairs = [];
    for (const p of padding as readonly (number | readonly number[])[]) {
      if (typeof p === "number") out.push([p, p]);
      else if (Array.isArray(p) && p.length === 2) out.push([p[0], p[1]]);
      else break;
    }
    if (out.length === rank) return out;
  }
  throw new Error(
    `Invalid padding format: ${JSON.stringify(padding)}, should be str, int, or a sequence of len ${rank} where each element is an int or pair of ints.`,
  );
}

/** lax.padtype_to_pads: "SAME" puts the odd unit high, "SAME_LOWER" low, "VALID" none. */
export function padtypeToPads(inShape: number[], window: number[], strides: number[], padding: string): PadPairs {
  const p = padding.toUpperCase();
  if (p === "VALID") return inShape.map(() => [0, 0]);
  if (p !== "SAME" && p !== "SAME_LOWER") {
    throw new Error(`Unrecognized padding type: expected 'VALID', 'SAME', or 'SAME_LOWER', got ${padding}.`);
  }
  return inShape.map((n, i) => {
    const out = Math.ceil(n / strides[i]);
    const size = Math.max((out - 1) * strides[i] + window[i] - n, 0);
    const half = Math.floor(size / 2);
    return p === "SAME" ? [half, size - half] : [size - half, half];
  });
}

/** (x, ...) broadcast to one value per spatial dimension; null means 1 (flax maybe_broadcast). */
export function perDim(x: number | readonly number[] | null | undefined, n: number, what = "value"): number[] {
  if (x === null || x === undefined) return Array(n).fill(1);
  if (typeof x === "number") return Array(n).fill(x);
  if (x.length !== n) throw new Error(`expected ${n} ${what}s, got ${JSON.stringify(x)}`);
  return [...x];
}

/** Pads (or, for negative amounts, crops) one axis with a constant. */
export function padAxis(x: tf.Tensor, axis: number, lo: number, hi: number, value = 0): tf.Tensor {
  if (lo < 0 || hi < 0) {
    const start = Math.max(-lo, 0);
    const size = x.shape[axis] - start - Math.max(-hi, 0);
    if (size < 0) throw new Error(`negative padding (${lo}, ${hi}) removes more than the ${x.shape[axis]} elements of axis ${axis}`);
    const begin = x.shape.map((_, i) => (i === axis ? start : 0));
    const sizes = x.shape.map((d, i) => (i === axis ? size : d));
    x = tf.slice(x, begin, sizes);
    lo = Math.max(lo, 0);
    hi = Math.max(hi, 0);
  }
  if (lo === 0 && hi === 0) return x;
  const pads = x.shape.map((_, i) => (i === axis ? [lo, hi] : [0, 0]) as [number, number]);
  return tf.pad(x, pads, value);
}

/** Inserts `d - 1` zeros between neighbours along `axis` (lax dilation): n -> (n - 1) * d + 1. */
export function dilateAxis(x: tf.Tensor, axis: number, d: number): tf.Tensor {
  const n = x.shape[axis];
  if (d === 1 || n <= 1) return x;
  const shape = x.shape;
  let y = tf.expandDims(x, axis + 1);
  y = padAxis(y, axis + 1, 0, d - 1);
  y = tf.reshape(y, [...shape.slice(0, axis), n * d, ...shape.slice(axis + 1)]);
  return tf.slice(y, shape.map(() => 0), shape.map((s, i) => (i === axis ? (n - 1) * d + 1 : s)));
}

/** Elements start, start + stride, ... (count of them) along `axis`, without tf.stridedSlice (no gradient). */
export function stridedTake(x: tf.Tensor, axis: number, start: number, count: number, stride: number): tf.Tensor {
  const shape = x.shape;
  const begin = shape.map((_, i) => (i === axis ? start : 0));
  if (stride === 1 || count <= 1) {
    return tf.slice(x, begin, shape.map((s, i) => (i === axis ? count : s)));
  }
  const need = start + count * stride - shape[axis];
  if (need > 0) x = padAxis(x, axis, 0, need);
  let y = tf.slice(x, begin, x.shape.map((s, i) => (i === axis ? count * stride : s)));
  y = tf.reshape(y, [...shape.slice(0, axis), count, stride, ...shape.slice(axis + 1)]);
  y = tf.slice(y, y.shape.map(() => 0), y.shape.map((s, i) => (i === axis + 1 ? 1 : s)));
  return tf.reshape(y, [...shape.slice(0, axis), count, ...shape.slice(axis + 1)]);
}

/** Output size of a window sweep: floor((n - (w - 1) * d - 1) / s) + 1. */
export function windowCount(n: number, w: number, s: number, d = 1): number {
  const span = (w - 1) * d + 1;
  if (n < span) throw new Error(`window of size ${span} does not fit in ${n} elements`);
  return Math.floor((n - span) / s) + 1;
}

/**
 * The inputs each window position sees: for every offset of the window (in
 * row-major order) the strided slice [batch, *out, C] it meets. `x` is already
 * padded and dilated; the spatial axes are 1..n.
 */
export function windowSlices(x: tf.Tensor, window: number[], strides: number[], dilation: number[]): tf.Tensor[] {
  const n = window.length;
  const counts = window.map((w, i) => windowCount(x.shape[i + 1], w, strides[i], dilation[i]));
  const out: tf.Tensor[] = [];
  const offsets = window.reduce<number[][]>((acc, w) => acc.flatMap((o) => Array.from({ length: w }, (_, k) => [...o, k])), [[]]);
  for (const offset of offsets) {
    let y = x;
    for (let i = 0; i < n; i++) y = stridedTake(y, i + 1, offset[i] * dilation[i], counts[i], strides[i]);
    out.push(y);
  }
  return out;
}

/** Applies lhs dilation then (low, high) padding to the spatial axes, as XLA's convolution does. */
export function dilateAndPad(x: tf.Tensor, pads: PadPairs, lhsDilation: number[], value = 0): tf.Tensor {
  for (let i = 0; i < pads.length; i++) {
    x = dilateAxis(x, i + 1, lhsDilation[i]);
    x = padAxis(x, i + 1, pads[i][0], pads[i][1], value);
  }
  return x;
}

/** Kernel with `d - 1` zeros between taps along each spatial axis. */
function dilateKernel(k: tf.Tensor, rhsDilation: number[]): tf.Tensor {
  for (let i = 0; i < rhsDilation.length; i++) k = dilateAxis(k, i, rhsDilation[i]);
  return k;
}

/** An undilated "valid" convolution with strides and feature groups, 1-3 spatial dims. */
function convValid(x: tf.Tensor, k: tf.Tensor, strides: number[], groups: number): tf.Tensor {
  const n = k.rank - 2;
  if (n === 1) {
    const [b, w, c] = x.shape;
    const [kw, ci, o] = k.shape;
    const y = convValid(tf.reshape(x, [b, 1, w, c]), tf.reshape(k, [1, kw, ci, o]), [1, strides[0]], groups);
    return tf.reshape(y, [b, y.shape[2]!, o]);
  }
  const c = x.shape[x.rank - 1];
  const o = k.shape[k.rank - 1];
  if (groups === 1) return convOne(x, k, strides);
  if (n === 2 && groups === c && k.shape[2] === 1 && strides[0] === strides[1]) {
    // Depthwise (tfjs needs equal strides): output channel g * m + j reads input
    // channel g, exactly tfjs's layout.
    const [kh, kw] = k.shape;
    const filter = tf.reshape(k, [kh, kw, c, o / c]) as tf.Tensor4D;
    return tf.depthwiseConv2d(x as tf.Tensor4D, filter, strides as [number, number], "valid");
  }
  const xs = tf.split(x, groups, x.rank - 1);
  const ks = tf.split(k, groups, k.rank - 1);
  return tf.concat(
    xs.map((xi, g) => convOne(xi, ks[g], strides)),
    x.rank - 1,
  );
}

function convOne(x: tf.Tensor, k: tf.Tensor, strides: number[]): tf.Tensor {
  if (k.rank === 4) return tf.conv2d(x as tf.Tensor4D, k as tf.Tensor4D, strides as [number, number], "valid");
  if (k.rank === 5) return tf.conv3d(x as tf.Tensor5D, k as tf.Tensor5D, strides as [number, number, number], "valid");
  throw new Error(`convolution: ${k.rank - 2} spatial dimensions are not supported (1, 2 or 3)`);
}

export interface ConvGeneralOptions {
  strides?: number[];
  /** "SAME", "SAME_LOWER", "VALID" or (low, high) pairs (negative crops). */
  padding?: string | PadPairs;
  lhsDilation?: number[];
  rhsDilation?: number[];
  featureGroupCount?: number;
}

/**
 * lax.conv_general_dilated with flax's dimension numbers: x [batch, *spatial, C],
 * kernel [*spatial, C / groups, O] -> [batch, *out, O].
 */
export function convGeneralDilated(x: tf.Tensor, kernel: tf.Tensor, options: ConvGeneralOptions = {}): tf.Tensor {
  const n = kernel.rank - 2;
  if (x.rank !== n + 2) throw new Error(`convolution: input rank ${x.rank} does not match a ${n}-D kernel`);
  const strides = options.strides ?? Array(n).fill(1);
  const lhsDilation = options.lhsDilation ?? Array(n).fill(1);
  const rhsDilation = options.rhsDilation ?? Array(n).fill(1);
  const groups = options.featureGroupCount ?? 1;
  const c = x.shape[n + 1];
  const [ci, o] = kernel.shape.slice(n);
  if (c % groups !== 0 || c / groups !== ci) {
    throw new Error(`conv_general_dilated lhs feature dimension size divided by feature_group_count must equal the rhs input feature dimension size, but ${c} // ${groups} != ${ci}.`);
  }
  if (o % groups !== 0) throw new Error(`rhs output feature dimension size must be a multiple of feature_group_count, but ${o} is not a multiple of ${groups}`);
  const padding = options.padding ?? "VALID";
  let pads: PadPairs;
  if (typeof padding === "string") {
    if (lhsDilation.some((d) => d !== 1)) {
      throw new Error("String padding is not implemented for transposed convolution using this op. Please either exactly specify the required padding or use conv_transpose.");
    }
    const effective = kernel.shape.slice(0, n).map((k, i) => (k - 1) * rhsDilation[i] + 1);
    pads = padtypeToPads(x.shape.slice(1, n + 1), effective, strides, padding);
  } else pads = padding;
  const xp = dilateAndPad(x, pads, lhsDilation);
  return convValid(xp, dilateKernel(kernel, rhsDilation), strides, groups);
}

/** lax._conv_transpose_padding for one dimension. */
function convTransposePadding(k: number, s: number, padding: "SAME" | "VALID"): [number, number] {
  let padLen: number;
  let padA: number;
  if (padding === "SAME") {
    padLen = k + s - 2;
    padA = s > k - 1 ? k - 1 : Math.ceil(padLen / 2);
  } else {
    padLen = k + s - 2 + Math.max(k - s, 0);
    padA = k - 1;
  }
  return [padA, padLen - padA];
}

/**
 * lax.conv_transpose (use_consistent_padding=False, flax's default dimension
 * numbers): "SAME"/"VALID" are the forward conv's padding, explicit pairs pad
 * the stride-dilated input as they are.
 */
export function convTranspose(
  x: tf.Tensor,
  kernel: tf.Tensor,
  strides: number[],
  padding: string | PadPairs,
  rhsDilation: number[],
  transposeKernel = false,
): tf.Tensor {
  const n = kernel.rank - 2;
  let pads: PadPairs;
  if (typeof padding === "string") {
    if (padding !== "SAME" && padding !== "VALID") throw new Error(`Invalid padding mode: ${padding}`);
    pads = kernel.shape.slice(0, n).map((k, i) => convTransposePadding((k - 1) * rhsDilation[i] + 1, strides[i], padding));
  } else pads = padding;
  let k = kernel;
  if (transposeKernel) {
    k = tf.reverse(k, [...Array(n).keys()]);
    const perm = [...Array(n).keys(), n + 1, n];
    k = tf.transpose(k, perm);
  }
  return convGeneralDilated(x, k, { strides: Array(n).fill(1), padding: pads, lhsDilation: strides, rhsDilation });
}

/** Index of output position i (may be out of range) for numpy's pad modes "wrap" and "reflect". */
function padIndex(i: number, n: number, mode: "wrap" | "reflect"): number {
  if (mode === "wrap") return ((i % n) + n) % n;
  if (n === 1) return 0;
  const period = 2 * (n - 1);
  const j = ((i % period) + period) % period;
  return j < n ? j : period - j;
}

/** jnp.pad(x, pads, mode="wrap" | "reflect") on the given axes, by gathering indices. */
export function padPeriodic(x: tf.Tensor, axes: number[], pads: PadPairs, mode: "wrap" | "reflect"): tf.Tensor {
  axes.forEach((axis, i) => {
    const [lo, hi] = pads[i];
    if (lo === 0 && hi === 0) return;
    const n = x.shape[axis];
    const idx = Array.from({ length: lo + n + hi }, (_, j) => padIndex(j - lo, n, mode));
    x = tf.gather(x, tf.tensor1d(idx, "int32"), axis);
  });
  return x;
}
