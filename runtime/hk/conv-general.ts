// jax.lax.conv_general_dilated for channels-last inputs, on tfjs: explicit
// zero-insertion for input (lhs) and kernel (rhs) dilation, explicit padding,
// then tfjs's own VALID convolution (feature groups by depthwise conv or by
// splitting). Every step has a tfjs gradient; the arithmetic is the same sums
// of products as XLA's, in a different order.

import { tf } from "../tf.js";

/** A lax padding: "SAME", "SAME_LOWER", "VALID" or one (low, high) pair per spatial dim. */
export type ConvPadding = "SAME" | "SAME_LOWER" | "VALID" | readonly (readonly [number, number])[];

/** lax.padtype_to_pads. */
export function padtypeToPads(
  inShape: readonly number[],
  windowShape: readonly number[],
  strides: readonly number[],
  padding: string,
): [number, number][] {
  const kind = padding.toUpperCase();
  if (kind === "VALID") return inShape.map(() => [0, 0]);
  if (kind !== "SAME" && kind !== "SAME_LOWER") {
    throw new Error(`Unrecognized padding type: expected 'VALID', 'SAME', or 'SAME_LOWER', got ${padding}.`);
  }
  return inShape.map((d, i) => {
    const out = Math.ceil(d / strides[i]);
    const size = Math.max((out - 1) * strides[i] + windowShape[i] - d, 0);
    const small = Math.floor(size / 2);
    return kind === "SAME" ? [small, size - small] : [size - small, small];
  });
}

/** Inserts d - 1 zeros between neighbours along `axis` (lax dilation). */
export function dilateAxis(t: tf.Tensor, axis: number, d: number): tf.Tensor {
  const size = t.shape[axis];
  if (d === 1 || size <= 1) return t;
  const zerosShape = [...t.shape];
  zerosShape.splice(axis + 1, 0, d - 1);
  zerosShape[axis] = size;
  const spread = tf.concat([tf.expandDims(t, axis + 1), tf.zeros(zerosShape, t.dtype)], axis + 1);
  const merged = [...t.shape];
  merged[axis] = size * d;
  const begin = t.shape.map(() => 0);
  const len = [...t.shape];
  len[axis] = (size - 1) * d + 1;
  return tf.slice(tf.reshape(spread, merged), begin, len);
}

/** Pads (or, for negative amounts, crops) the spatial axes 1..n of a channels-last array. */
export function padSpatial(x: tf.Tensor, pads: readonly (readonly [number, number])[]): tf.Tensor {
  const grow: [number, number][] = x.shape.map(() => [0, 0]);
  const begin = x.shape.map(() => 0);
  const size = [...x.shape];
  let crop = false;
  pads.forEach(([lo, hi], i) => {
    grow[i + 1] = [Math.max(lo, 0), Math.max(hi, 0)];
    if (lo < 0 || hi < 0) {
      crop = true;
      begin[i + 1] = Math.max(-lo, 0);
      size[i + 1] = x.shape[i + 1] + Math.min(lo, 0) + Math.min(hi, 0);
    }
  });
  let out = crop ? tf.slice(x, begin, size) : x;
  if (grow.some(([lo, hi]) => lo > 0 || hi > 0)) out = tf.pad(out, grow);
  return out;
}

export interface ConvGeneralOptions {
  windowStrides?: readonly number[];
  padding?: ConvPadding;
  lhsDilation?: readonly number[];
  rhsDilation?: readonly number[];
  featureGroupCount?: number;
}

/** A stride-`strides`, unpadded, undilated convolution with one feature group. */
function validConv(x: tf.Tensor, w: tf.Tensor, strides: readonly number[]): tf.Tensor {
  if (x.rank === 3) return tf.conv1d(x as tf.Tensor3D, w as tf.Tensor3D, strides[0], "valid");
  if (x.rank === 4) return tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, strides as [number, number], "valid");
  if (x.rank === 5) return tf.conv3d(x as tf.Tensor5D, w as tf.Tensor5D, strides as [number, number, number], "valid");
  throw new Error(`convolution over ${x.rank - 2} spatial dims is not supported (1 to 3)`);
}

/**
 * Each input channel convolved with its own w[..., 0, c*M:(c+1)*M]
 * (feature_group_count = channels), by tfjs's depthwise conv. TF's kernel
 * takes one stride for both axes: 1-D runs as 2-D with a unit height (any
 * stride fits it), unequal 2-D strides run at stride 1 and are subsampled.
 */
function depthwiseConv(x: tf.Tensor, w: tf.Tensor, strides: readonly number[]): tf.Tensor {
  const channels = x.shape[x.rank - 1];
  const mult = w.shape[w.rank - 1] / channels;
  if (x.rank === 3) {
    const x4 = tf.expandDims(x, 1) as tf.Tensor4D;
    const filter = tf.reshape(w, [1, w.shape[0]!, channels, mult]) as tf.Tensor4D;
    return tf.squeeze(tf.depthwiseConv2d(x4, filter, [strides[0], strides[0]], "valid"), [1]);
  }
  const filter = tf.reshape(w, [w.shape[0]!, w.shape[1]!, channels, mult]) as tf.Tensor4D;
  if (strides[0] === strides[1]) return tf.depthwiseConv2d(x as tf.Tensor4D, filter, [strides[0], strides[0]], "valid");
  const full = tf.depthwiseConv2d(x as tf.Tensor4D, filter, 1, "valid");
  return subsample(subsample(full, 1, strides[0]), 2, strides[1]);
}

/** Every s-th element along `axis`, from the first (tf.gather: it has a gradient, stridedSlice has none). */
function subsample(t: tf.Tensor, axis: number, s: number): tf.Tensor {
  if (s === 1) return t;
  const n = Math.ceil(t.shape[axis] / s);
  return tf.gather(t, tf.range(0, n * s, s, "int32"), axis);
}

/**
 * lax.conv_general_dilated(x, w, ...) with dimension numbers
 * ("N...C", "...IO", "N...C"): x [N, ...spatial, C], w [...kernel, C / groups, O].
 */
export function convGeneralDilated(x: tf.Tensor, w: tf.Tensor, options: ConvGeneralOptions = {}): tf.Tensor {
  const n = x.rank - 2;
  const ones = Array.from({ length: n }, () => 1);
  const { windowStrides = ones, padding = "VALID", lhsDilation = ones, rhsDilation = ones, featureGroupCount = 1 } = options;
  return tf.tidy(() => {
    let lhs = x;
    lhsDilation.forEach((d, i) => (lhs = dilateAxis(lhs, i + 1, d)));
    let rhs = w;
    rhsDilation.forEach((d, i) => (rhs = dilateAxis(rhs, i, d)));
    const pads =
      typeof padding === "string"
        ? padtypeToPads(lhs.shape.slice(1, -1), rhs.shape.slice(0, n), windowStrides, padding)
        : padding;
    if (pads.length !== n) throw new Error(`padding needs ${n} (low, high) pairs, got ${pads.length}`);
    lhs = padSpatial(lhs, pads);
    const channels = lhs.shape[lhs.rank - 1];
    const groups = featureGroupCount;
    if (channels % groups !== 0 || rhs.shape[n] * groups !== channels) {
      throw new Error(`feature_group_count ${groups} does not fit ${channels} input channels and kernel [${w.shape}]`);
    }
    if (groups === 1) return validConv(lhs, rhs, windowStrides);
    if (groups === channels && n <= 2) return depthwiseConv(lhs, rhs, windowStrides);
    const xs = tf.split(lhs, groups, lhs.rank - 1);
    const ws = tf.split(rhs, groups, rhs.rank - 1);
    return tf.concat(
      xs.map((xg, g) => validConv(xg, ws[g], windowStrides)),
      lhs.rank - 1,
    );
  });
}

/** lax._conv_transpose_padding for one spatial dim (k: effective kernel size). */
export function convTransposePadding(k: number, s: number, padding: "SAME" | "VALID"): [number, number] {
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
