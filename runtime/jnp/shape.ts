// Shape manipulation (jax/_src/numpy/lax_numpy.py): reshaping, axes, joining,
// splitting, tiling, padding, flipping and rolling. Pure data movement, so
// values are exact; everything is built from tf ops with gradients.
import { tf } from "../tf.js";
import { type Axis, type Shape, broadcastShapes, normAxes, normAxis, shapeOf, size } from "./axes.js";
import { bcast } from "./autodiff.js";
import { type ArrayLike, type DType, type DTypeLike, ValueError, dtype as toDType, latticeResultType } from "./dtypes.js";
import { asArray, convert, fresh } from "./promote.js";

export { broadcastShapes };

/** jnp.ndim. */
export function ndim(a: ArrayLike): number {
  return a instanceof tf.Tensor ? a.rank : 0;
}

/** jnp.shape. */
export function shape(a: ArrayLike): number[] {
  return a instanceof tf.Tensor ? [...a.shape] : [];
}

/** jnp.size (of the whole array, or along one axis). */
export function arraySize(a: ArrayLike, axis?: number): number {
  const s = shape(a);
  return axis === undefined ? size(s) : s[normAxis(axis, s.length)];
}

/** The shape `reshape` makes, with one -1 inferred. */
function resolveShape(shape: number[], total: number): number[] {
  const unknown = shape.filter((d) => d === -1).length;
  if (unknown > 1) throw new ValueError("can only specify one unknown dimension");
  if (shape.some((d) => d < -1 || !Number.isInteger(d))) throw new ValueError(`invalid shape (${shape})`);
  const known = size(shape.filter((d) => d !== -1));
  const out = shape.map((d) => (d === -1 ? (known === 0 ? 0 : total / known) : d));
  if (size(out) !== total || out.some((d) => !Number.isInteger(d))) {
    throw new TypeError(`cannot reshape array of size ${total} into shape (${shape.join(", ")})`);
  }
  return out;
}

/** jnp.reshape(a, shape) in C order; one dimension may be -1. */
export function reshape(a: ArrayLike, newShape: Shape): tf.Tensor {
  return tf.tidy(() => {
    const x = asArray(a);
    const s = typeof newShape === "number" ? [newShape] : [...newShape];
    return tf.reshape(x, resolveShape(s, x.size)).clone();
  });
}

/** jnp.ravel. */
export function ravel(a: ArrayLike): tf.Tensor {
  return reshape(a, -1);
}

/** jnp.transpose(a, axes=None): reverses the axes by default. */
export function transpose(a: ArrayLike, axes?: readonly number[] | null): tf.Tensor {
  return tf.tidy(() => {
    const x = asArray(a);
    const perm = axes == null ? [...Array(x.rank).keys()].reverse() : normAxes(axes, x.rank);
    if (perm.length !== x.rank) throw new ValueError(`axes don't match array: ${axes} for rank ${x.rank}`);
    return tf.transpose(x, perm).clone();
  });
}

/** jnp.matrix_transpose: swaps the last two axes. */
export function matrixTranspose(a: ArrayLike): tf.Tensor {
  return swapaxes(a, -1, -2);
}

/** jnp.swapaxes(a, axis1, axis2). */
export function swapaxes(a: ArrayLike, axis1: number, axis2: number): tf.Tensor {
  return tf.tidy(() => {
    const x = asArray(a);
    const perm = [...Array(x.rank).keys()];
    const [i, j] = [normAxis(axis1, x.rank), normAxis(axis2, x.rank)];
    [perm[i], perm[j]] = [perm[j], perm[i]];
    return tf.transpose(x, perm).clone();
  });
}

/** jnp.moveaxis(a, source, destination) for one axis or lists of them. */
export function moveaxis(a: ArrayLike, source: number | readonly number[], destination: number | readonly number[]): tf.Tensor {
  return tf.tidy(() => {
    const x = asArray(a);
    const src = normAxes(source, x.rank);
    const dst = normAxes(destination, x.rank);
    if (src.length !== dst.length) throw new ValueError("Inconsistent number of elements: source and destination");
    const rest = [...Array(x.rank).keys()].filter((i) => !src.includes(i));
    const perm = new Array<number>(x.rank);
    dst.forEach((d, k) => (perm[d] = src[k]));
    for (let i = 0, r = 0; i < x.rank; i++) if (perm[i] === undefined) perm[i] = rest[r++];
    return tf.transpose(x, perm).clone();
  });
}

/** jnp.expand_dims(a, axis): `axis` counts positions in the result. */
export function expandDims(a: ArrayLike, axis: number | readonly number[]): tf.Tensor {
  return tf.tidy(() => {
    const x = asArray(a);
    const list = typeof axis === "number" ? [axis] : [...axis];
    const outRank = x.rank + list.length;
    const axes = normAxes(list, outRank);
    const out: number[] = [];
    for (let i = 0, k = 0; i < outRank; i++) out.push(axes.includes(i) ? 1 : x.shape[k++]);
    return tf.reshape(x, out).clone();
  });
}

/** jnp.squeeze(a, axis=None): the given axes must have size 1. */
export function squeeze(a: ArrayLike, axis?: Axis): tf.Tensor {
  return tf.tidy(() => {
    const x = asArray(a);
    const axes = axis == null ? x.shape.flatMap((d, i) => (d === 1 ? [i] : [])) : normAxes(axis, x.rank);
    for (const i of axes) {
      if (x.shape[i] !== 1) throw new ValueError(`cannot select an axis to squeeze out which has size not equal to one, got shape=(${x.shape}) and dimensions=(${axes})`);
    }
    return tf.reshape(x, x.shape.filter((_, i) => !axes.includes(i))).clone();
  });
}

/** jnp.broadcast_to(array, shape). */
export function broadcastTo(a: ArrayLike, newShape: Shape): tf.Tensor {
  return tf.tidy(() => {
    const x = asArray(a);
    const s = shapeOf(newShape);
    const b = broadcastShapes(x.shape, s);
    if (b.length !== s.length || b.some((d, i) => d !== s[i])) throw new ValueError(`Incompatible shapes for broadcasting: (${x.shape}) and requested shape (${s})`);
    return bcast(x, s).clone();
  });
}

/** jnp.broadcast_arrays(*args). */
export function broadcastArrays(...args: ArrayLike[]): tf.Tensor[] {
  return tf.tidy(() => {
    const xs = args.map((a) => asArray(a));
    const s = broadcastShapes(...xs.map((x) => x.shape));
    return xs.map((x) => bcast(x, s).clone());
  });
}

function atleast(x: tf.Tensor, n: 1 | 2 | 3): tf.Tensor {
  if (x.rank >= n) return x.clone();
  if (n === 1) return tf.reshape(x, [1]);
  if (n === 2) return tf.reshape(x, [1, ...(x.rank === 0 ? [1] : x.shape)]);
  // atleast_3d: () -> (1,1,1), (N,) -> (1,N,1), (M,N) -> (M,N,1)
  return tf.reshape(x, x.rank === 0 ? [1, 1, 1] : x.rank === 1 ? [1, x.shape[0], 1] : [...x.shape, 1]);
}

/** jnp.atleast_1d for one array. */
export function atleast1d(a: ArrayLike): tf.Tensor {
  return tf.tidy(() => atleast(asArray(a), 1));
}

/** jnp.atleast_2d for one array. */
export function atleast2d(a: ArrayLike): tf.Tensor {
  return tf.tidy(() => atleast(asArray(a), 2));
}

/** jnp.atleast_3d for one array. */
export function atleast3d(a: ArrayLike): tf.Tensor {
  return tf.tidy(() => atleast(asArray(a), 3));
}

function promoteList(arrays: readonly ArrayLike[], dtype: DTypeLike | undefined): tf.Tensor[] {
  if (arrays.length === 0) throw new ValueError("Need at least one array to concatenate.");
  const dt = dtype === undefined ? latticeResultType(...arrays).dtype : toDType(dtype);
  return arrays.map((a) => asArray(a, dt));
}

/** jnp.concatenate(arrays, axis=0, dtype=None); axis null joins the raveled arrays. */
export function concatenate(arrays: readonly ArrayLike[], axis: number | null = 0, dtype?: DTypeLike): tf.Tensor {
  return tf.tidy(() => {
    let xs = promoteList(arrays, dtype);
    if (axis === null) xs = xs.map((x) => tf.reshape(x, [-1]));
    else if (xs[0].rank === 0) throw new ValueError("Zero-dimensional arrays cannot be concatenated.");
    const ax = normAxis(axis ?? 0, xs[0].rank);
    for (const x of xs) {
      if (x.rank !== xs[0].rank || x.shape.some((d, i) => i !== ax && d !== xs[0].shape[i])) {
        throw new TypeError(`Cannot concatenate arrays with shapes that differ in dimensions other than the one being concatenated: ${xs.map((y) => `(${y.shape})`).join(", ")}`);
      }
    }
    return xs.length === 1 ? xs[0].clone() : tf.concat(xs, ax);
  });
}

/** jnp.concat (the array API name). */
export const concat = concatenate;

/** jnp.stack(arrays, axis=0, dtype=None): the arrays must have one shape. */
export function stack(arrays: readonly ArrayLike[], axis = 0, dtype?: DTypeLike): tf.Tensor {
  return tf.tidy(() => {
    const xs = promoteList(arrays, dtype);
    const s = xs[0].shape;
    if (xs.some((x) => x.rank !== s.length || x.shape.some((d, i) => d !== s[i]))) throw new ValueError("All input arrays must have the same shape.");
    const ax = normAxis(axis, s.length + 1);
    return tf.concat(xs.map((x) => tf.expandDims(x, ax)), ax);
  });
}

/** jnp.hstack: along axis 1, or 0 for 1-D arrays. */
export function hstack(arrays: readonly ArrayLike[], dtype?: DTypeLike): tf.Tensor {
  return tf.tidy(() => {
    const xs = arrays.map((a) => atleast(asArray(a), 1));
    return concatenate(xs, xs[0]?.rank === 1 ? 0 : 1, dtype);
  });
}

/** jnp.vstack: at least 2-D, along axis 0. */
export function vstack(arrays: readonly ArrayLike[], dtype?: DTypeLike): tf.Tensor {
  return tf.tidy(() => concatenate(arrays.map((a) => atleast(asArray(a), 2)), 0, dtype));
}

/** jnp.dstack: at least 3-D, along axis 2. */
export function dstack(arrays: readonly ArrayLike[], dtype?: DTypeLike): tf.Tensor {
  return tf.tidy(() => concatenate(arrays.map((a) => atleast(asArray(a), 3)), 2, dtype));
}

/** jnp.column_stack: 1-D arrays become columns, then along axis 1. */
export function columnStack(arrays: readonly ArrayLike[]): tf.Tensor {
  return tf.tidy(() => {
    const xs = arrays.map((a) => {
      const x = asArray(a);
      return x.rank < 2 ? tf.reshape(x, [x.size, 1]) : x;
    });
    return concatenate(xs, 1);
  });
}

function splitSizes(op: string, n: number, indicesOrSections: number | readonly number[]): number[] {
  if (typeof indicesOrSections !== "number") {
    const cuts = [0, ...indicesOrSections, n];
    const sizes = cuts.slice(1).map((c, i) => c - cuts[i]);
    if (sizes.some((s) => s < 0)) throw new ValueError(`jax.numpy.${op}: split indices must be increasing and within the axis`);
    return sizes;
  }
  const sections = indicesOrSections;
  if (!Number.isInteger(sections) || sections <= 0) throw new ValueError("number sections must be larger than 0.");
  const part = Math.floor(n / sections);
  const r = n % sections;
  if (r === 0) return new Array<number>(sections).fill(part);
  if (op === "array_split") return [...new Array<number>(r).fill(part + 1), ...new Array<number>(sections - r).fill(part)];
  throw new ValueError(`array split does not result in an equal division: rest is ${r}`);
}

function splitBy(op: string, ary: ArrayLike, indicesOrSections: number | readonly number[], axis: number): tf.Tensor[] {
  return tf.tidy(() => {
    const x = asArray(ary);
    const ax = normAxis(axis, x.rank);
    const sizes = splitSizes(op, x.shape[ax], indicesOrSections);
    const out: tf.Tensor[] = [];
    let start = 0;
    for (const s of sizes) {
      const begin = x.shape.map((_, i) => (i === ax ? start : 0));
      out.push(tf.slice(x, begin, x.shape.map((d, i) => (i === ax ? s : d))));
      start += s;
    }
    return out;
  });
}

/** jnp.split(ary, indices_or_sections, axis=0): equal sections, or cut before each index. */
export function split(ary: ArrayLike, indicesOrSections: number | readonly number[], axis = 0): tf.Tensor[] {
  return splitBy("split", ary, indicesOrSections, axis);
}

/** jnp.array_split: as split, but sections need not divide the axis (the first ones are one longer). */
export function arraySplit(ary: ArrayLike, indicesOrSections: number | readonly number[], axis = 0): tf.Tensor[] {
  return splitBy("array_split", ary, indicesOrSections, axis);
}

/** jnp.tile(A, reps). */
export function tile(A: ArrayLike, reps: number | readonly number[]): tf.Tensor {
  return tf.tidy(() => {
    let x = asArray(A);
    let r = typeof reps === "number" ? [reps] : [...reps];
    r = [...new Array<number>(Math.max(0, x.rank - r.length)).fill(1), ...r];
    if (r.length > x.rank) x = tf.reshape(x, [...new Array<number>(r.length - x.rank).fill(1), ...x.shape]);
    if (x.rank === 0) return x.clone();
    return tf.tile(x, r);
  });
}

export interface RepeatOptions {
  /** The length of the result along the axis (JAX's static-shape form): pads with the last value or truncates. */
  totalRepeatLength?: number;
}

/** Reads a small integer argument (repeats, shifts) that JAX needs concrete. */
function concreteInts(x: number | readonly number[] | tf.Tensor): number[] {
  if (typeof x === "number") return [x];
  if (x instanceof tf.Tensor) return Array.from(x.dataSync());
  return [...x];
}

/** jnp.repeat(a, repeats, axis=None, total_repeat_length=None). */
export function repeat(a: ArrayLike, repeats: number | readonly number[] | tf.Tensor, axis: number | null = null, options: RepeatOptions = {}): tf.Tensor {
  return tf.tidy(() => {
    let x = asArray(a);
    if (axis === null) {
      x = tf.reshape(x, [-1]);
      axis = 0;
    }
    const reps = concreteInts(repeats);
    if (x.rank === 0) {
      if (reps.length !== 1) throw new ValueError("`repeat` with a scalar parameter `a` is only implemented for scalar values of the parameter `repeats`.");
      return tf.fill([options.totalRepeatLength ?? reps[0]], x.dataSync()[0], x.dtype);
    }
    const ax = normAxis(axis, x.rank);
    const n = x.shape[ax];
    const per = reps.length === 1 ? new Array<number>(n).fill(reps[0]) : reps;
    if (per.length !== n) throw new ValueError(`repeats has ${per.length} entries for an axis of size ${n}`);
    if (per.some((r) => r < 0)) throw new ValueError("repeats may not contain negative values");
    let idx = per.flatMap((r, i) => new Array<number>(r).fill(i));
    if (options.totalRepeatLength !== undefined) {
      // JAX pads with the last index (or truncates) to the static length.
      const len = options.totalRepeatLength;
      idx = idx.length >= len ? idx.slice(0, len) : [...idx, ...new Array<number>(len - idx.length).fill(idx.length ? idx[idx.length - 1] : n - 1)];
    }
    return gatherAxis(x, idx, ax);
  });
}

/** x's slices at the given (in-range) positions along an axis. */
export function gatherAxis(x: tf.Tensor, idx: readonly number[], axis: number): tf.Tensor {
  return tf.gather(x, tf.tensor1d([...idx], "int32"), axis);
}

// ---------------------------------------------------------------------------
// Padding

export type PadMode = "constant" | "edge" | "reflect" | "symmetric" | "wrap";
export type PadWidth = number | readonly number[] | readonly (readonly number[])[];

export interface PadOptions {
  /** Values for mode "constant": one, (before, after), or one pair per axis. Default 0. */
  constantValues?: ArrayLike | readonly ArrayLike[] | readonly (readonly ArrayLike[])[];
}

/** JAX's _broadcast_to_pairs: (), (1,), (2,), (1, 2) or (nd, 2) to one pair per axis. */
function toPairs<T>(v: T | readonly T[] | readonly (readonly T[])[], nd: number, name: string): [T, T][] {
  if (!Array.isArray(v)) return new Array(nd).fill(0).map(() => [v as T, v as T]);
  const list = v as readonly (T | readonly T[])[];
  if (list.every((e) => Array.isArray(e))) {
    const pairs = list as readonly (readonly T[])[];
    if (pairs.some((p) => p.length !== 2)) throw new ValueError(`jnp.pad: ${name} pairs must have two entries`);
    if (pairs.length === 1) return new Array(nd).fill(0).map(() => [pairs[0][0], pairs[0][1]]);
    if (pairs.length === nd) return pairs.map((p) => [p[0], p[1]]);
  } else if (!list.some((e) => Array.isArray(e))) {
    const flat = list as readonly T[];
    if (flat.length === 1) return new Array(nd).fill(0).map(() => [flat[0], flat[0]]);
    if (flat.length === 2) return new Array(nd).fill(0).map(() => [flat[0], flat[1]]);
  }
  throw new ValueError(`jnp.pad: ${name} with nd=${nd} has unsupported shape. Valid shapes are (${nd}, 2), (1, 2), (2,), (1,), or ().`);
}

/** The source index of each padded position along an axis of size n. */
function padIndex(mode: Exclude<PadMode, "constant">, n: number, before: number, after: number): number[] {
  const mod = (a: number, m: number) => ((a % m) + m) % m;
  const out: number[] = [];
  for (let p = -before; p < n + after; p++) {
    if (mode === "edge") out.push(Math.min(Math.max(p, 0), n - 1));
    else if (mode === "wrap") out.push(mod(p, n));
    else if (mode === "symmetric") {
      const k = mod(p, 2 * n);
      out.push(k < n ? k : 2 * n - 1 - k);
    } else if (n === 1) out.push(0);
    else {
      const k = mod(p, 2 * (n - 1));
      out.push(k < n ? k : 2 * (n - 1) - k);
    }
  }
  return out;
}

/**
 * jnp.pad(array, pad_width, mode="constant", constant_values=0). Constant
 * padding goes axis by axis as JAX's does (so corners take the later axis's
 * value); edge, reflect, symmetric and wrap gather from the source, which is
 * what JAX's repeated slicing amounts to for any width.
 */
export function pad(array: ArrayLike, padWidth: PadWidth, mode: PadMode = "constant", options: PadOptions = {}): tf.Tensor {
  return tf.tidy(() => {
    let x = asArray(array);
    const nd = x.rank;
    if (nd === 0) return x.clone();
    const widths = toPairs<number>(padWidth as number | readonly number[] | readonly (readonly number[])[], nd, "pad_width");
    if (widths.some(([b, a]) => b < 0 || a < 0 || !Number.isInteger(b) || !Number.isInteger(a))) throw new ValueError("index can't contain negative values");
    if (mode === "constant") {
      const values = toPairs<ArrayLike>(options.constantValues ?? 0, nd, "constant_values");
      for (let i = 0; i < nd; i++) {
        const [b, a] = widths[i];
        const parts: tf.Tensor[] = [];
        const block = (w: number, v: ArrayLike) => tf.broadcastTo(tf.reshape(asArray(v, x.dtype as DType), new Array(nd).fill(1)), x.shape.map((d, j) => (j === i ? w : d)));
        if (b) parts.push(block(b, values[i][0]));
        parts.push(x);
        if (a) parts.push(block(a, values[i][1]));
        if (parts.length > 1) x = tf.concat(parts, i);
      }
      return x.clone();
    }
    if (!["edge", "reflect", "symmetric", "wrap"].includes(mode)) throw new ValueError(`Unimplemented padding mode '${mode}' for np.pad.`);
    for (let i = 0; i < nd; i++) {
      const [b, a] = widths[i];
      if (b === 0 && a === 0) continue;
      if (x.shape[i] === 0) throw new ValueError(`Cannot apply '${mode}' padding to empty axis`);
      x = gatherAxis(x, padIndex(mode, x.shape[i], b, a), i);
    }
    return x.clone();
  });
}

// ---------------------------------------------------------------------------
// Flips and rolls

/** jnp.flip(m, axis=None). */
export function flip(m: ArrayLike, axis?: Axis): tf.Tensor {
  return tf.tidy(() => {
    const x = asArray(m);
    const axes = normAxes(axis, x.rank);
    if (axes.length === 0) return x.clone();
    return tf.reverse(x, axes);
  });
}

/** jnp.fliplr: flip axis 1. */
export function fliplr(m: ArrayLike): tf.Tensor {
  return flip(m, 1);
}

/** jnp.flipud: flip axis 0. */
export function flipud(m: ArrayLike): tf.Tensor {
  return flip(m, 0);
}

/** jnp.roll(a, shift, axis=None): without an axis the flattened array rolls. Shifts and axes broadcast. */
export function roll(a: ArrayLike, shift: number | readonly number[] | tf.Tensor, axis?: number | readonly number[] | null): tf.Tensor {
  // An array of shifts (JAX takes traced ones): its values, read eagerly (an integer shift has no gradient).
  if (shift instanceof tf.Tensor) {
    const s = Array.from(shift.dataSync(), Number);
    return roll(a, shift.rank === 0 ? s[0] : s, axis);
  }
  return tf.tidy(() => {
    const x = asArray(a);
    if (axis == null) return tf.reshape(roll(tf.reshape(x, [-1]), shift, 0), x.shape);
    let shifts = typeof shift === "number" ? [shift] : [...shift];
    let axes = typeof axis === "number" ? [axis] : [...axis];
    if (shifts.length === 1) shifts = new Array<number>(axes.length).fill(shifts[0]);
    if (axes.length === 1) axes = new Array<number>(shifts.length).fill(axes[0]);
    if (shifts.length !== axes.length) throw new ValueError("shift and axis must broadcast to one length");
    let y = x;
    shifts.forEach((s, k) => {
      const ax = normAxis(axes[k], x.rank);
      const n = x.shape[ax];
      if (n === 0) return;
      const r = ((s % n) + n) % n;
      if (r === 0) return;
      // Move the last r entries to the front.
      y = gatherAxis(y, [...Array(n).keys()].map((i) => (i - r + n) % n), ax);
    });
    return fresh(y, x);
  });
}

/** jnp.rot90(m, k=1, axes=(0, 1)): rotates from the first axis towards the second. */
export function rot90(m: ArrayLike, k = 1, axes: readonly [number, number] = [0, 1]): tf.Tensor {
  return tf.tidy(() => {
    const x = asArray(m);
    if (x.rank < 2) throw new ValueError("rot90 requires its input to have at least 2 dimensions.");
    const [a0, a1] = [normAxis(axes[0], x.rank), normAxis(axes[1], x.rank)];
    if (a0 === a1) throw new ValueError("Axes must be different");
    const r = ((k % 4) + 4) % 4;
    if (r === 0) return x.clone();
    if (r === 2) return flip(flip(x, a0), a1);
    const perm = [...Array(x.rank).keys()];
    [perm[a0], perm[a1]] = [perm[a1], perm[a0]];
    if (r === 1) return tf.transpose(flip(x, a1), perm);
    return flip(tf.transpose(x, perm), a1);
  });
}

/** Converts to a dtype (jnp.astype / x.astype), always returning a new tensor. */
export function astype(x: ArrayLike, dtype: DTypeLike): tf.Tensor {
  return tf.tidy(() => fresh(convert(asArray(x), toDType(dtype)), x));
}
