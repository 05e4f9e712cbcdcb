// Python subscripts and indexed updates as JAX implements them
// (jax/_src/numpy/indexing.py, ops/scatter.py), plus take/take_along_axis/
// put_along_axis, where, select, clip and nonzero.
//
//   x[1:, ::-1, None, ..., idx]  ->  jnp.index(x, jnp.slice(1), jnp.slice(null, null, -1), jnp.newaxis, jnp.ellipsis, idx)
//   x.at[idx].add(v)             ->  jnp.at(x, idx).add(v)
//
// Integer indices (numbers or int arrays) count from the end when negative
// (once), and are then clamped when reading (JAX's gather) or dropped when
// writing (JAX's scatter). Integer arrays broadcast together; if they are
// separated by a slice, ellipsis or newaxis their broadcast axes go first
// (NumPy's rule), otherwise they replace the indexed axes in place. Bool
// arrays select their nonzero positions (the result's size then depends on
// the data, which this eager runtime can read).
//
// Reading gathers at flat positions computed once; writing applies each
// duplicate position in its own round, in order, so `set` keeps the last
// write and add/multiply accumulate, as on JAX's CPU backend. Everything is
// built from gather, unsortedSegmentSum and where, which have gradients.
import { tf } from "../tf.js";
import { broadcastShapes, normAxis, size, strides } from "./axes.js";
import { bcast, customOp } from "./autodiff.js";
import { type ArrayLike, type DType, ValueError, isTensor, latticeResultType } from "./dtypes.js";
import { maximum, minimum, power as powerFn, trueDivide } from "./elementwise.js";
import { asArray, convert, fresh, like, promoteArgs } from "./promote.js";

/** Python's IndexError. */
export class IndexError extends Error {
  override name = "IndexError";
}

/** A Python slice `start:stop:step`; null for an omitted part. */
export class Slice {
  constructor(
    readonly start: number | null = null,
    readonly stop: number | null = null,
    readonly step: number | null = null,
  ) {}

  /** Python's slice.indices(n) expanded: the positions it selects along an axis of size n. */
  indices(n: number): number[] {
    const step = this.step ?? 1;
    if (step === 0) throw new ValueError("slice step cannot be zero");
    const [lower, upper] = step > 0 ? [0, n] : [-1, n - 1];
    const bound = (v: number | null, dflt: number) => {
      if (v === null) return dflt;
      if (!Number.isInteger(v)) throw new TypeError("slice indices must be integers or None");
      const w = v < 0 ? v + n : v;
      return w < lower ? lower : w > upper ? upper : w;
    };
    const start = bound(this.start, step < 0 ? upper : lower);
    const stop = bound(this.stop, step < 0 ? lower : upper);
    const out: number[] = [];
    for (let i = start; step > 0 ? i < stop : i > stop; i += step) out.push(i);
    return out;
  }
}

/** `start:stop:step` (all optional; `jnp.slice(null, 3)` is `:3`, `jnp.slice(1)` is `1:`). */
export function slice(start: number | null = null, stop: number | null = null, step: number | null = null): Slice {
  return new Slice(start, stop, step);
}

/** `None` in a subscript. */
export const newaxis = null;
/** `...` in a subscript. */
export const ellipsis: unique symbol = Symbol("...");

/** One item of a subscript. */
export type Index = number | Slice | null | typeof ellipsis | tf.Tensor;

type Item =
  | { kind: "int"; value: number }
  | { kind: "slice"; slice: Slice }
  | { kind: "newaxis" }
  | { kind: "array"; idx: tf.Tensor; boolShape?: number[] };

const FULL = new Slice();

/** Positions of the true entries of a bool array, one int32 array per axis (in row-major order). */
function nonzeroHost(mask: tf.Tensor): number[][] {
  const data = mask.dataSync();
  const st = strides(mask.shape);
  const out = mask.shape.map(() => [] as number[]);
  for (let f = 0; f < data.length; f++) {
    if (!data[f]) continue;
    let r = f;
    st.forEach((s, d) => {
      out[d].push(Math.floor(r / s));
      r %= s;
    });
  }
  return out;
}

/** The subscript as one item per axis consumed, plus newaxes; ellipsis expanded, bool arrays made int. */
function parse(shape: readonly number[], index: readonly Index[]): Item[] {
  const items: (Item | typeof ellipsis)[] = [];
  for (const it of index) {
    if (it === ellipsis) items.push(ellipsis);
    else if (it === null) items.push({ kind: "newaxis" });
    else if (it instanceof Slice) items.push({ kind: "slice", slice: it });
    else if (typeof it === "number") {
      if (!Number.isInteger(it)) throw new IndexError("only integers, slices (`:`), ellipsis (`...`), newaxis and integer or boolean arrays are valid indices");
      items.push({ kind: "int", value: it });
    } else if (isTensor(it)) {
      if (it.dtype === "bool") {
        if (it.rank === 0) throw new IndexError("scalar boolean indices are not supported");
        // One int array per axis the mask covers; the last carries the mask's shape for the check below.
        const cols = nonzeroHost(it);
        cols.forEach((pos, k) => items.push({ kind: "array", idx: tf.tensor1d(pos, "int32"), boolShape: k === cols.length - 1 ? it.shape : undefined }));
      } else if (it.dtype === "int32") items.push({ kind: "array", idx: it });
      else throw new IndexError(`Indexer must have integer or boolean type, got indexer with type ${it.dtype}`);
    } else throw new IndexError(`invalid index ${String(it)}`);
  }
  const ellipses = items.filter((i) => i === ellipsis).length;
  if (ellipses > 1) throw new IndexError("an index can only have a single ellipsis ('...')");
  const consumed = items.filter((i) => i !== ellipsis && i.kind !== "newaxis").length;
  if (consumed > shape.length) throw new IndexError(`Too many indices: ${shape.length}-dimensional array indexed with ${consumed} regular indices.`);
  const fill: Item[] = new Array(shape.length - consumed).fill(0).map(() => ({ kind: "slice", slice: FULL }));
  const at = items.indexOf(ellipsis);
  const full = at < 0 ? [...items, ...fill] : [...items.slice(0, at), ...fill, ...items.slice(at + 1)];
  // Check bool arrays against the axes they cover.
  let d = 0;
  for (const it of full as Item[]) {
    if (it.kind === "newaxis") continue;
    const bs = it.kind === "array" ? it.boolShape : undefined;
    if (bs) {
      const start = d - bs.length + 1;
      bs.forEach((n, k) => {
        if (shape[start + k] !== n) throw new IndexError(`boolean index did not match shape of indexed array in index ${start + k}: got (${bs}), expected (${shape.slice(start, start + bs.length)})`);
      });
    }
    d++;
  }
  return full as Item[];
}

/** Where each element of the result comes from: flat positions (clamped) and whether they were in bounds. */
interface Plan {
  shape: number[];
  flat: tf.Tensor;
  valid: tf.Tensor | null;
}

/** An axis of the result: a slice's, a newaxis, or the broadcast block of the advanced indices. */
type OutAxis = { kind: "slice"; xdim: number; positions: number[] } | { kind: "newaxis" } | { kind: "block" };

function plan(shape: readonly number[], items: Item[]): Plan {
  const st = strides(shape);
  const hasArrays = items.some((i) => i.kind === "array");
  // With arrays present, ints are advanced indices too (0-d arrays); without, they just drop their axis.
  const isAdvanced = (it: Item) => it.kind === "array" || (hasArrays && it.kind === "int");
  const advPositions = items.flatMap((it, pos) => (isAdvanced(it) ? [pos] : []));
  const contiguous = advPositions.every((p, k) => k === 0 || p === advPositions[k - 1] + 1);

  // Walk the items: each consumes one array axis unless it is a newaxis.
  const axes: OutAxis[] = advPositions.length && !contiguous ? [{ kind: "block" }] : [];
  const advanced: { idx: tf.Tensor; xdim: number }[] = [];
  const basicInts: { value: number; xdim: number }[] = [];
  let xd = 0;
  items.forEach((it, pos) => {
    if (it.kind === "newaxis") axes.push({ kind: "newaxis" });
    else if (isAdvanced(it)) {
      if (contiguous && pos === advPositions[0]) axes.push({ kind: "block" });
      advanced.push({ idx: it.kind === "array" ? it.idx : tf.scalar((it as { value: number }).value, "int32"), xdim: xd++ });
    } else if (it.kind === "slice") axes.push({ kind: "slice", xdim: xd, positions: it.slice.indices(shape[xd++]) });
    else basicInts.push({ value: (it as { value: number }).value, xdim: xd++ });
  });
  const B = broadcastShapes(...advanced.map((a) => a.idx.shape));
  const outShape: number[] = [];
  let blockStart = 0;
  for (const a of axes) {
    if (a.kind === "block") {
      blockStart = outShape.length;
      outShape.push(...B);
    } else outShape.push(a.kind === "slice" ? a.positions.length : 1);
  }
  const rank = outShape.length;

  // Flat position = sum over array axes of (index along it) * stride, each term shaped to broadcast.
  let flat: tf.Tensor = tf.zeros(outShape, "int32");
  let valid: tf.Tensor | null = null;
  let at = 0;
  for (const a of axes) {
    if (a.kind === "block") at += B.length;
    else if (a.kind === "newaxis") at += 1;
    else {
      const s = new Array<number>(rank).fill(1);
      s[at++] = a.positions.length;
      flat = tf.add(flat, tf.reshape(tf.tensor1d(a.positions.map((p) => p * st[a.xdim]), "int32"), s));
    }
  }
  for (const { value, xdim } of basicInts) {
    const v = normalizeInt(value, shape[xdim]);
    if (v.value < 0 || v.value >= shape[xdim]) valid = tf.zeros(outShape, "bool");
    flat = tf.add(flat, tf.scalar(v.clamped * st[xdim], "int32"));
  }
  const blockShape = [...new Array<number>(blockStart).fill(1), ...B, ...new Array<number>(rank - blockStart - B.length).fill(1)];
  for (const { idx, xdim } of advanced) {
    const n = shape[xdim];
    const norm = tf.where(tf.less(idx, like(idx, 0)), tf.add(idx, like(idx, n)), idx);
    const ok = tf.logicalAnd(tf.greaterEqual(norm, like(idx, 0)), tf.less(norm, like(idx, n)));
    const clamped = tf.clipByValue(norm, 0, Math.max(n - 1, 0));
    const place = (x: tf.Tensor) => tf.reshape(bcast(x, B), blockShape);
    flat = tf.add(flat, tf.mul(place(clamped), tf.scalar(st[xdim], "int32")));
    const okPlaced = tf.broadcastTo(place(ok), outShape);
    valid = valid ? tf.logicalAnd(valid, okPlaced) : okPlaced;
  }
  return { shape: outShape, flat: tf.broadcastTo(flat, outShape), valid };
}

function normalizeInt(i: number, n: number): { value: number; clamped: number } {
  const value = i < 0 ? i + n : i;
  return { value, clamped: Math.min(Math.max(value, 0), Math.max(n - 1, 0)) };
}

/** x[...] with only ints, slices, newaxes and ellipsis: slices, reverses and strided gathers. */
function basicIndex(x: tf.Tensor, items: Item[]): tf.Tensor {
  let y = x;
  const outShape: number[] = [];
  let xd = 0;
  for (const it of items) {
    if (it.kind === "newaxis") {
      outShape.push(1);
      continue;
    }
    const n = x.shape[xd];
    if (it.kind === "int") {
      const { clamped } = normalizeInt(it.value, n);
      if (n === 0) throw new IndexError(`index ${it.value} is out of bounds for axis ${xd} with size 0`);
      y = tf.slice(y, y.shape.map((_, i) => (i === xd ? clamped : 0)), y.shape.map((d, i) => (i === xd ? 1 : d)));
    } else if (it.kind === "slice" && it.slice !== FULL) {
      const pos = it.slice.indices(n);
      const step = it.slice.step ?? 1;
      outShape.push(pos.length);
      if (pos.length === 0 || Math.abs(step) !== 1) {
        y = pos.length === 0 ? tf.slice(y, y.shape.map(() => 0), y.shape.map((d, i) => (i === xd ? 0 : d))) : tf.gather(y, tf.tensor1d(pos, "int32"), xd);
      } else {
        const lo = Math.min(pos[0], pos[pos.length - 1]);
        y = tf.slice(y, y.shape.map((_, i) => (i === xd ? lo : 0)), y.shape.map((d, i) => (i === xd ? pos.length : d)));
        if (step < 0) y = tf.reverse(y, [xd]);
      }
    } else outShape.push(n);
    xd++;
  }
  return tf.reshape(y, outShape);
}

/** The fill value of JAX's gather mode "fill": NaN, the lowest int, or true. */
function defaultFill(dtype: DType): number | boolean {
  return dtype === "float32" ? NaN : dtype === "int32" ? -2147483648 : true;
}

export type GatherMode = "clip" | "fill" | "promise_in_bounds";
export interface GetOptions {
  /** Out-of-bounds reads: clamped (default, also "promise_in_bounds") or the fill value ("fill"). */
  mode?: GatherMode;
  fillValue?: ArrayLike;
}

function gatherIndex(x: tf.Tensor, index: readonly Index[], options: GetOptions = {}): tf.Tensor {
  const items = parse(x.shape, index);
  const fill = options.mode === "fill";
  if (!fill && !items.some((i) => i.kind === "array")) return basicIndex(x, items);
  const p = plan(x.shape, items);
  if (size(p.shape) === 0) return tf.zeros(p.shape, x.dtype);
  const got = tf.reshape(tf.gather(tf.reshape(x, [-1]), tf.reshape(p.flat, [-1])), p.shape);
  if (!fill || !p.valid) return got;
  const fv = asArray(options.fillValue ?? defaultFill(x.dtype as DType), x.dtype as DType);
  return tf.where(p.valid, got, fv);
}

/** `x[i0, i1, ...]`: numbers, jnp.slice(...), jnp.newaxis, jnp.ellipsis, int or bool arrays. */
export function index(x: ArrayLike, ...items: Index[]): tf.Tensor {
  return tf.tidy(() => fresh(gatherIndex(asArray(x), items), x));
}

export type ScatterMode = "drop" | "fill" | "clip" | "promise_in_bounds";
export interface ScatterOptions {
  /** Out-of-bounds writes: dropped (default, also "fill") or clamped ("clip", "promise_in_bounds"). */
  mode?: ScatterMode;
}

type Combine = (acc: tf.Tensor, dense: tf.Tensor, mask: tf.Tensor) => tf.Tensor;

/** JAX's _scatter_update: y promoted with x, broadcast to the indexed shape, written in rounds; the result has x's dtype. */
function scatter(x0: ArrayLike, index: readonly Index[], values: ArrayLike, combine: Combine, options: ScatterOptions, extremal = false): tf.Tensor {
  return tf.tidy(() => {
    const x = asArray(x0);
    const dtype = x.dtype as DType;
    const items = parse(x.shape, index);
    const p = plan(x.shape, items);
    if (size(p.shape) === 0) return x.clone();
    const y0 = typeof values === "number" && Number.isInteger(values) && dtype === "int32" && Math.abs(values) <= 2147483647 ? asArray(values, "int32") : asArray(values);
    const [xp, yp] = promoteArgs(x, y0);
    const b = broadcastShapes(yp.shape, p.shape);
    if (b.length !== p.shape.length || b.some((d, i) => d !== p.shape[i])) throw new ValueError(`Incompatible shapes for broadcasting: (${yp.shape}) and requested shape (${p.shape})`);
    const updates = tf.reshape(bcast(yp, p.shape), [-1]);
    const clip = options.mode === "clip" || options.mode === "promise_in_bounds";
    const flat = p.flat.dataSync();
    const valid = p.valid && !clip ? p.valid.dataSync() : null;
    // Round k holds the k-th write to each position, so no round has duplicates.
    const seen = new Map<number, number>();
    const rounds: { src: number[]; dst: number[] }[] = [];
    for (let i = 0; i < flat.length; i++) {
      if (valid && !valid[i]) continue;
      const k = seen.get(flat[i]) ?? 0;
      seen.set(flat[i], k + 1);
      (rounds[k] ??= { src: [], dst: [] }).src.push(i);
      rounds[k].dst.push(flat[i]);
    }
    const n = x.size;
    const apply = (base: tf.Tensor, ups: tf.Tensor) => {
      let acc = base;
      const bool = acc.dtype === "bool";
      for (const { src, dst } of rounds) {
        const picked = tf.gather(bool ? tf.cast(ups, "int32") : ups, tf.tensor1d(src, "int32"));
        let dense = tf.unsortedSegmentSum(picked, tf.tensor1d(dst, "int32"), n);
        if (bool) dense = tf.cast(dense, "bool");
        const m = new Uint8Array(n);
        for (const d of dst) m[d] = 1;
        acc = combine(acc, dense, tf.tensor1d(m, "bool"));
      }
      return acc;
    };
    const base = tf.reshape(xp, [-1]);
    let acc: tf.Tensor;
    if (extremal && base.dtype === "float32") {
      // JAX's scatter min/max gradient: shared equally by x and every update equal to the result.
      const src = rounds.flatMap((r) => r.src);
      const dst = rounds.flatMap((r) => r.dst);
      const op = customOp(apply, (dy, [xv, uv], r) => {
        const hitX = tf.cast(tf.equal(xv, r), "float32");
        const srcT = tf.tensor1d(src, "int32");
        const dstT = tf.tensor1d(dst, "int32");
        const hitU = tf.cast(tf.equal(tf.gather(uv, srcT), tf.gather(r, dstT)), "float32");
        const count = tf.add(hitX, tf.unsortedSegmentSum(hitU, dstT, n));
        const gx = tf.div(tf.mul(dy, hitX), count);
        const gu = tf.div(tf.mul(tf.gather(dy, dstT), hitU), tf.gather(count, dstT));
        return [gx, tf.unsortedSegmentSum(gu, srcT, uv.size)];
      });
      acc = op(base, updates);
    } else acc = apply(base, updates);
    return convert(tf.reshape(acc, x.shape), dtype);
  });
}

const setOp: Combine = (acc, dense, mask) => tf.where(mask, dense, acc);
const addOp: Combine = (acc, dense) => (acc.dtype === "bool" ? tf.logicalOr(acc, dense) : tf.add(acc, dense));
const mulOp: Combine = (acc, dense, mask) => (acc.dtype === "bool" ? tf.where(mask, tf.logicalAnd(acc, dense), acc) : tf.mul(acc, tf.where(mask, dense, tf.onesLike(dense))));
const minOp: Combine = (acc, dense, mask) => tf.where(mask, minimum(acc, dense), acc);
const maxOp: Combine = (acc, dense, mask) => tf.where(mask, maximum(acc, dense), acc);

/** `x.at[idx]`: functional indexed updates, each returning a new array. */
export class At {
  constructor(
    readonly array: ArrayLike,
    readonly items: readonly Index[],
  ) {}

  /** x.at[idx].get(mode=None, fill_value=None). */
  get(options: GetOptions = {}): tf.Tensor {
    return tf.tidy(() => fresh(gatherIndex(asArray(this.array), this.items, options), this.array));
  }

  /** x.at[idx].set(y): the last write to a position wins. */
  set(values: ArrayLike, options: ScatterOptions = {}): tf.Tensor {
    return scatter(this.array, this.items, values, setOp, options);
  }

  /** x.at[idx].add(y): repeated positions accumulate. */
  add(values: ArrayLike, options: ScatterOptions = {}): tf.Tensor {
    return scatter(this.array, this.items, values, addOp, options);
  }

  /** x.at[idx].subtract(y). */
  subtract(values: ArrayLike, options: ScatterOptions = {}): tf.Tensor {
    return tf.tidy(() => {
      const v = asArray(values);
      if (v.dtype === "bool") throw new TypeError("subtract does not accept dtype bool.");
      return scatter(this.array, this.items, tf.neg(v), addOp, options);
    });
  }

  /** x.at[idx].multiply(y). */
  multiply(values: ArrayLike, options: ScatterOptions = {}): tf.Tensor {
    return scatter(this.array, this.items, values, mulOp, options);
  }

  mul(values: ArrayLike, options: ScatterOptions = {}): tf.Tensor {
    return this.multiply(values, options);
  }

  /** x.at[idx].divide(y): x / (ones with y multiplied in at idx), so always true division. */
  divide(values: ArrayLike, options: ScatterOptions = {}): tf.Tensor {
    return tf.tidy(() => trueDivide(this.array, scatter(tf.onesLike(asArray(this.array)), this.items, values, mulOp, options)));
  }

  /** x.at[idx].power(y): x ** (ones with y multiplied in at idx). */
  power(values: ArrayLike, options: ScatterOptions = {}): tf.Tensor {
    return tf.tidy(() => powerFn(this.array, scatter(tf.onesLike(asArray(this.array)), this.items, values, mulOp, options)));
  }

  /** x.at[idx].min(y). */
  min(values: ArrayLike, options: ScatterOptions = {}): tf.Tensor {
    return scatter(this.array, this.items, values, minOp, options, true);
  }

  /** x.at[idx].max(y). */
  max(values: ArrayLike, options: ScatterOptions = {}): tf.Tensor {
    return scatter(this.array, this.items, values, maxOp, options, true);
  }
}

/** `x.at[i0, i1, ...]`. */
export function at(x: ArrayLike, ...items: Index[]): At {
  return new At(x, items);
}

// ---------------------------------------------------------------------------
// take, take_along_axis, put_along_axis

export type TakeMode = "fill" | "clip" | "wrap" | "promise_in_bounds";
export interface TakeOptions {
  /** "fill" (default: negative indices count from the end, out-of-bounds give fillValue), "clip" or "wrap". */
  mode?: TakeMode;
  fillValue?: ArrayLike;
}

function indexArray(indices: ArrayLike | readonly number[]): tf.Tensor {
  if (Array.isArray(indices)) return tf.tensor(indices as number[], undefined, "int32");
  const t = asArray(indices as ArrayLike);
  if (t.dtype !== "int32") throw new TypeError(`indices must be of integer type, got ${t.dtype}`);
  return t;
}

/** Indices for a gather along an axis of size n by take's modes: [clamped, in-bounds mask or null]. */
function takeIndices(idx: tf.Tensor, n: number, mode: TakeMode): [tf.Tensor, tf.Tensor | null] {
  if (mode === "wrap") return [tf.mod(idx, like(idx, n)), null];
  if (mode === "clip" || mode === "promise_in_bounds") return [tf.clipByValue(idx, 0, n - 1), null];
  const norm = tf.where(tf.less(idx, like(idx, 0)), tf.add(idx, like(idx, n)), idx);
  return [tf.clipByValue(norm, 0, n - 1), tf.logicalAnd(tf.greaterEqual(norm, like(idx, 0)), tf.less(norm, like(idx, n)))];
}

/** jnp.take(a, indices, axis=None, mode=None, fill_value=None). */
export function take(a: ArrayLike, indices: ArrayLike | readonly number[], axis: number | null = null, options: TakeOptions = {}): tf.Tensor {
  return tf.tidy(() => {
    let x = asArray(a);
    if (axis === null) x = tf.reshape(x, [-1]);
    const ax = normAxis(axis ?? 0, x.rank);
    const idx = indexArray(indices);
    const n = x.shape[ax];
    const outShape = [...x.shape.slice(0, ax), ...idx.shape, ...x.shape.slice(ax + 1)];
    if (n === 0) {
      if (idx.size !== 0) throw new IndexError("Cannot do a non-empty jnp.take() from an empty axis.");
      return x.clone();
    }
    if (idx.size === 0) return tf.zeros(outShape, x.dtype);
    const [clamped, ok] = takeIndices(idx, n, options.mode ?? "fill");
    const got = tf.reshape(tf.gather(x, tf.reshape(clamped, [-1]), ax), outShape);
    if (!ok) return got;
    const mask = tf.reshape(ok, [...new Array(ax).fill(1), ...idx.shape, ...new Array(x.rank - ax - 1).fill(1)]);
    return tf.where(mask, got, asArray(options.fillValue ?? defaultFill(x.dtype as DType), x.dtype as DType));
  });
}

/** Flat positions for take/put_along_axis: the array's own coordinates except along `axis`. */
function alongAxisFlat(shape: readonly number[], idx: tf.Tensor, axis: number): { out: number[]; flatRest: tf.Tensor } {
  const arrShape = shape.map((d, i) => (i === axis ? 1 : d));
  const out = broadcastShapes(idx.shape, arrShape);
  const st = strides(shape);
  let flatRest: tf.Tensor = tf.zeros(out, "int32");
  out.forEach((d, i) => {
    if (i === axis || shape[i] === 1) return;
    const s = out.map((_, j) => (j === i ? d : 1));
    flatRest = tf.add(flatRest, tf.reshape(tf.mul(tf.range(0, d, 1, "int32"), tf.scalar(st[i], "int32")), s));
  });
  return { out, flatRest };
}

/** jnp.take_along_axis(arr, indices, axis=-1, mode=None, fill_value=None): arr and indices broadcast off the axis. */
export function takeAlongAxis(arr: ArrayLike, indices: ArrayLike, axis: number | null = -1, options: TakeOptions = {}): tf.Tensor {
  return tf.tidy(() => {
    let x = asArray(arr);
    const idx = indexArray(indices);
    if (axis === null) {
      if (idx.rank !== 1) throw new ValueError(`take_along_axis indices must be 1D if axis=None, got shape (${idx.shape})`);
      x = tf.reshape(x, [-1]);
    }
    if (x.rank !== idx.rank) throw new ValueError(`indices and arr must have the same number of dimensions; ${idx.rank} vs. ${x.rank}`);
    const ax = normAxis(axis ?? 0, x.rank);
    const n = x.shape[ax];
    const { out, flatRest } = alongAxisFlat(x.shape, idx, ax);
    if (n === 0) return tf.zeros(out, x.dtype);
    const mode = options.mode ?? "fill";
    // take_along_axis counts negative indices from the end in every mode but promise_in_bounds.
    const norm = mode === "promise_in_bounds" ? idx : tf.where(tf.less(idx, like(idx, 0)), tf.add(idx, like(idx, n)), idx);
    const [clamped, ok] = mode === "wrap" ? [tf.mod(norm, like(idx, n)), null] : [tf.clipByValue(norm, 0, n - 1), mode === "fill" ? tf.logicalAnd(tf.greaterEqual(norm, like(idx, 0)), tf.less(norm, like(idx, n))) : null];
    const flat = tf.add(flatRest, tf.mul(bcast(clamped, out), tf.scalar(strides(x.shape)[ax], "int32")));
    const got = tf.reshape(tf.gather(tf.reshape(x, [-1]), tf.reshape(flat, [-1])), out);
    if (!ok) return got;
    return tf.where(bcast(ok, out), got, asArray(options.fillValue ?? defaultFill(x.dtype as DType), x.dtype as DType));
  });
}

/** jnp.put_along_axis(arr, indices, values, axis, inplace=False, mode=None): arr.at[grid with indices on axis].set(values). */
export function putAlongAxis(arr: ArrayLike, indices: ArrayLike, values: ArrayLike, axis: number | null, options: ScatterOptions & { inplace?: boolean } = {}): tf.Tensor {
  if (options.inplace !== false) throw new ValueError("jax.numpy.put_along_axis cannot modify arrays in-place. Pass inplace=False.");
  return tf.tidy(() => {
    const x = asArray(arr);
    const flatX = axis === null ? tf.reshape(x, [-1]) : x;
    const ax = normAxis(axis ?? 0, flatX.rank);
    const idx = indexArray(indices);
    // The open grid of jnp.indices(shape, sparse=True), with `indices` on the axis.
    const grid: Index[] = flatX.shape.map((d, i) => (i === ax ? idx : tf.reshape(tf.range(0, d, 1, "int32"), flatX.shape.map((_, j) => (j === i ? d : 1)))));
    const out = at(flatX, ...grid).set(values, options);
    return tf.reshape(out, x.shape);
  });
}

// ---------------------------------------------------------------------------
// where, select, clip, nonzero

/** jnp.where(condition, x, y): x where condition (nonzero), else y; x and y promote. */
export function where(condition: ArrayLike, x: ArrayLike, y: ArrayLike): tf.Tensor;
/** jnp.where(condition): jnp.nonzero(condition). */
export function where(condition: ArrayLike): tf.Tensor[];
export function where(condition: ArrayLike, x?: ArrayLike, y?: ArrayLike): tf.Tensor | tf.Tensor[] {
  if (x === undefined && y === undefined) return nonzero(condition);
  if (x === undefined || y === undefined) throw new ValueError("Either both or neither of the x and y arguments should be provided to jax.numpy.where.");
  return tf.tidy(() => {
    const c = convert(asArray(condition), "bool");
    const [a, b] = promoteArgs(x, y);
    const shape = broadcastShapes(c.shape, a.shape, b.shape);
    return tf.where(bcast(c, shape), bcast(a, shape), bcast(b, shape));
  });
}

/** jnp.select(condlist, choicelist, default=0): the choice of the first true condition. */
export function select(condlist: readonly ArrayLike[], choicelist: readonly ArrayLike[], dflt: ArrayLike = 0): tf.Tensor {
  if (condlist.length !== choicelist.length) throw new ValueError(`condlist must have length equal to choicelist (${condlist.length} vs ${choicelist.length})`);
  if (condlist.length === 0) throw new ValueError("condlist must be non-empty");
  return tf.tidy(() => {
    const dt = latticeResultType(dflt, ...choicelist).dtype;
    const conds = condlist.map((c) => convert(asArray(c), "bool"));
    const choices = choicelist.map((c) => asArray(c, dt));
    const shape = broadcastShapes(...conds.map((c) => c.shape), ...choices.map((c) => c.shape), asArray(dflt).shape);
    let out = bcast(asArray(dflt, dt), shape);
    for (let i = conds.length - 1; i >= 0; i--) out = tf.where(bcast(conds[i], shape), bcast(choices[i], shape), out);
    return out;
  });
}

/** jnp.clip(arr, min=None, max=None): maximum(min, arr), then minimum(max, ...), so max wins where min > max. */
export function clip(arr: ArrayLike, min: ArrayLike | null = null, max: ArrayLike | null = null): tf.Tensor {
  return tf.tidy(() => {
    let out: tf.Tensor = asArray(arr);
    if (min !== null) out = maximum(min, out);
    if (max !== null) out = minimum(max, out);
    return fresh(out, arr);
  });
}

export interface NonzeroOptions {
  /** The static number of results: pads (with fillValue, else JAX's own padding) or truncates. */
  size?: number;
  fillValue?: number | readonly number[];
}

/**
 * jnp.nonzero(a, size=None, fill_value=None): the indices of nonzero
 * elements, one int32 array per axis. Reads the data (a static `size` makes
 * the result's shape independent of it, as in JAX); the padding follows
 * JAX's algorithm (cumsum of a bincount).
 */
export function nonzero(a: ArrayLike, options: NonzeroOptions = {}): tf.Tensor[] {
  const x = asArray(a);
  try {
    if (x.rank === 0) throw new ValueError("Calling nonzero on 0d arrays is not allowed. Use jnp.atleast_1d(scalar).nonzero() instead.");
    const data = x.dataSync();
    let count = 0;
    const cum = new Int32Array(data.length);
    for (let i = 0; i < data.length; i++) cum[i] = count += data[i] !== 0 ? 1 : 0;
    const n = options.size ?? count;
    if (x.size === 0 || n === 0) return x.shape.map(() => tf.zeros([n], "int32"));
    const bins = new Int32Array(n);
    for (const c of cum) if (c < n) bins[c]++;
    const flat = new Int32Array(n);
    let s = 0;
    for (let i = 0; i < n; i++) flat[i] = s += bins[i];
    const st = strides(x.shape);
    return x.shape.map((d, k) => {
      const fill = options.fillValue === undefined ? undefined : typeof options.fillValue === "number" ? options.fillValue : options.fillValue[k];
      return tf.tensor1d(Array.from(flat, (f, i) => (fill !== undefined && i >= count ? fill : Math.floor(f / st[k]) % d)), "int32");
    });
  } finally {
    if (x !== a) x.dispose();
  }
}

/** jnp.flatnonzero: nonzero of the raveled array. */
export function flatnonzero(a: ArrayLike, options: NonzeroOptions = {}): tf.Tensor {
  const flat = tf.reshape(asArray(a), [-1]);
  try {
    return nonzero(flat, options)[0];
  } finally {
    if (flat !== a) flat.dispose();
  }
}

/** jnp.argwhere: the nonzero indices stacked as rows, shape [n, ndim]. */
export function argwhere(a: ArrayLike, options: NonzeroOptions = {}): tf.Tensor {
  const x = asArray(a);
  const cols = nonzero(x.rank === 0 ? tf.reshape(x, [1]) : x, options);
  try {
    if (x.rank === 0) return tf.zeros([cols[0].shape[0], 0], "int32");
    return tf.stack(cols, 1);
  } finally {
    tf.dispose(cols);
    if (x !== a) x.dispose();
  }
}

