// jax.lax for translated code: `import { lax } from "nnxport/runtime"`.
// Strict counterparts of jnp's ops (no rank promotion), slicing with XLA's
// clamping, dot_general, and the control-flow primitives as eager loops with
// JAX's argument order (fori_loop, while_loop, scan, cond, switch).
//
// Loops run each step in tf.tidy and free the carries they replaced (never the
// caller's own init/xs tensors), so a long loop does not grow memory; under
// nnx.grad/tf.grad the tape keeps what the backward pass needs.
import { tf } from "./tf.js";
import { jitHooks } from "./jit/hooks.js";
import { stopGradient } from "./ops.js";
import { normAxes, normAxis, shapeOf, type Shape } from "./jnp/axes.js";
import { bcast, customOp } from "./jnp/autodiff.js";
import { remFloat, roundHalfAway, truncDivRem, xlaDivide } from "./jnp/divmod.js";
import { type ArrayLike, type DTypeLike, ValueError, dtype as toDType, dtypeOf, isTensor, PyFloat, scalarValue } from "./jnp/dtypes.js";
import * as ew from "./jnp/elementwise.js";
import { dotGeneral } from "./jnp/linalg.js";
import { asArray, convert, fresh } from "./jnp/promote.js";
import { erf32, erfInv32 } from "./random/xla_math.js";
import { convGeneralDilated as convNhwc, type PadPairs } from "./nn/conv_ops.js";
import { maxPool, minPool, pool } from "./nn/pooling.js";

export { stopGradient, dotGeneral };

// ---------------------------------------------------------------------------
// Elementwise (lax ops do not promote between dtypes; Python scalars are weak)

/**
 * lax's operands: one dtype for all. A Python scalar counts as its own kind's
 * dtype (an int is int32, a float float32), so `lax.add(float_array, 2)` is a
 * TypeError as in JAX while `lax.add(float_array, 2.0)` is not.
 */
function same(name: string, ...xs: ArrayLike[]): tf.Tensor[] {
  const dts = xs.map((x) => dtypeOf(x));
  if (new Set(dts).size > 1) throw new TypeError(`lax.${name} requires arguments to have the same dtypes, got ${dts.join(", ")}.`);
  return xs.map((x) => asArray(x, dts[0]));
}

/** Shapes must be equal (scalars broadcast), as lax requires. */
function checkShapes(name: string, ...ts: tf.Tensor[]): void {
  const shaped = ts.filter((t) => t.rank > 0);
  if (shaped.some((t) => t.rank !== shaped[0].rank || t.shape.some((d, i) => d !== shaped[0].shape[i]))) {
    throw new TypeError(`lax.${name} requires arguments to have the same shape, got ${ts.map((t) => `(${t.shape})`).join(", ")}.`);
  }
}

function binary(name: string, f: (a: tf.Tensor, b: tf.Tensor) => tf.Tensor, numeric = false) {
  return (x: ArrayLike, y: ArrayLike): tf.Tensor => tf.tidy(() => {
    const [a, b] = same(name, x, y);
    if (numeric && a.dtype === "bool") throw new TypeError(`${name} does not accept dtype bool.`);
    checkShapes(name, a, b);
    return f(a, b);
  });
}

export const add = binary("add", (a, b) => ew.add(a, b), true);
export const sub = binary("sub", (a, b) => ew.subtract(a, b), true);
export const mul = binary("mul", (a, b) => ew.multiply(a, b), true);
/** lax.div: true division for floats, truncation toward zero for ints (x / 0 = -1). */
export const div = binary("div", (a, b) => (a.dtype === "int32" ? truncDivRem(a, b)[0] : xlaDivide(a, b)), true);
/** lax.rem: the remainder with the dividend's sign (C's fmod); x % 0 = x for ints. */
export const rem = binary("rem", (a, b) => (a.dtype === "int32" ? truncDivRem(a, b)[1] : remFloat(a, b)), true);
export const max = binary("max", (a, b) => ew.maximum(a, b));
export const min = binary("min", (a, b) => ew.minimum(a, b));
export const pow = binary("pow", (a, b) => ew.power(a, b), true);
export const atan2 = binary("atan2", (a, b) => ew.arctan2(a, b));
export const eq = binary("eq", tf.equal);
export const ne = binary("ne", tf.notEqual);
/** Ordering on bools compares them as 0/1. */
const ordered = (op: (a: tf.Tensor, b: tf.Tensor) => tf.Tensor) => (a: tf.Tensor, b: tf.Tensor) =>
  a.dtype === "bool" ? op(tf.cast(a, "int32"), tf.cast(b, "int32")) : op(a, b);
export const lt = binary("lt", ordered(tf.less));
export const le = binary("le", ordered(tf.lessEqual));
export const gt = binary("gt", ordered(tf.greater));
export const ge = binary("ge", ordered(tf.greaterEqual));

export const neg = ew.negative;
export const abs = ew.abs;
export const sign = ew.sign;
export const floor = ew.floor;
export const ceil = ew.ceil;
export const exp = ew.exp;
export const exp2 = ew.exp2;
export const expm1 = ew.expm1;
export const log = ew.log;
export const log1p = ew.log1p;
export const sqrt = ew.sqrt;
/** lax.rsqrt: 1 / sqrt(x). */
export const rsqrt = ew.rsqrt;
export const cbrt = ew.cbrt;
export const sin = ew.sin;
export const cos = ew.cos;
export const tan = ew.tan;
export const tanh = ew.tanh;
export const square = ew.square;
export const reciprocal = ew.reciprocal;
export const integerPow = ew.integerPow;
export const isFinite = ew.isfinite;

/** lax.logistic: 1 / (1 + exp(-x)). */
export function logistic(x: ArrayLike): tf.Tensor {
  return tf.tidy(() => tf.sigmoid(convert(asArray(x), "float32")));
}

export const RoundingMethod = { AWAY_FROM_ZERO: 0, TO_NEAREST_EVEN: 1 } as const;

/** lax.round(x, rounding_method=AWAY_FROM_ZERO). */
export function round(x: ArrayLike, roundingMethod: 0 | 1 = RoundingMethod.AWAY_FROM_ZERO): tf.Tensor {
  return tf.tidy(() => {
    const a = asArray(x);
    if (a.dtype !== "float32") throw new TypeError(`lax.round does not accept dtype ${a.dtype}.`);
    return roundingMethod === RoundingMethod.TO_NEAREST_EVEN ? tf.round(a) : roundHalfAway(a);
  });
}

/** A float32 elementwise function computed on the host with a JAX-exact kernel, with a given derivative. */
function hostFloat(f: (v: number, scalar: boolean) => number, dfdx: (x: tf.Tensor, y: tf.Tensor) => tf.Tensor) {
  const op = customOp(
    (x) => tf.tensor(Float32Array.from(x.dataSync(), (v) => f(v, x.rank === 0)), x.shape, "float32"),
    (dy, [x], y) => [tf.mul(dy, dfdx(x, y))],
  );
  return (x: ArrayLike): tf.Tensor => tf.tidy(() => {
    const a = asArray(x);
    if (a.dtype !== "float32") throw new TypeError(`requires a floating point argument, got ${a.dtype}`);
    return op(a);
  });
}

/** lax.erf, bit-exact with XLA:CPU's float32 kernel (the scalar one for 0-d operands). d/dx = 2/sqrt(pi) exp(-x^2). */
export const erf = hostFloat(
  (v, scalar) => erf32(v, scalar ? "scalar" : "vector"),
  (x) => tf.mul(tf.scalar(Math.fround(2 / Math.sqrt(Math.PI))), tf.exp(tf.neg(tf.square(x)))),
);

/** lax.erf_inv, bit-exact with XLA:CPU's float32 kernel. d/dx = sqrt(pi)/2 exp(erf_inv(x)^2). */
export const erfInv = hostFloat(
  (v) => erfInv32(v),
  (_, y) => tf.mul(tf.scalar(Math.fround(Math.sqrt(Math.PI) / 2)), tf.exp(tf.square(y))),
);

/** lax.erfc: 1 - erf(x). */
export function erfc(x: ArrayLike): tf.Tensor {
  return tf.tidy(() => tf.sub(1, erf(x)));
}

/** lax.select(pred, on_true, on_false): same shapes (or a scalar predicate), same dtypes. */
export function select(pred: ArrayLike, onTrue: ArrayLike, onFalse: ArrayLike): tf.Tensor {
  return tf.tidy(() => {
    const p = asArray(pred);
    if (p.dtype !== "bool") throw new TypeError(`lax.select requires a bool predicate, got ${p.dtype}`);
    const [a, b] = same("select", onTrue, onFalse);
    checkShapes("select", a, b);
    if (p.rank > 0) checkShapes("select", p, a);
    const shape = a.rank ? a.shape : b.shape;
    return tf.where(bcast(p, shape), bcast(a, shape), bcast(b, shape));
  });
}

/**
 * lax.clamp(min, x, max) (note the order): min(max(x, lo), hi). The gradient
 * flows to x strictly inside (lo, hi), to lo where lo > x (and lo < hi), to
 * hi where hi < x, as JAX defines it.
 */
export function clamp(lo: ArrayLike, x: ArrayLike, hi: ArrayLike): tf.Tensor {
  return tf.tidy(() => {
    const [l, a, h] = same("clamp", lo, x, hi);
    if (a.dtype !== "float32") return tf.minimum(tf.maximum(a, l), h);
    const op = customOp(
      (lv, av, hv) => ew.minimum(ew.maximum(av, lv), hv),
      (dy, [lv, av, hv]) => {
        const z = tf.zerosLike(dy);
        return [
          tf.where(tf.logicalAnd(tf.greater(lv, av), tf.less(lv, hv)), dy, z),
          tf.where(tf.logicalAnd(tf.greater(av, lv), tf.less(av, hv)), dy, z),
          tf.where(tf.less(hv, av), dy, z),
        ];
      },
    );
    return op(l, a, h);
  });
}

/** lax.convert_element_type. */
export function convertElementType(operand: ArrayLike, newDtype: DTypeLike): tf.Tensor {
  return tf.tidy(() => fresh(convert(asArray(operand), toDType(newDtype)), operand));
}

// ---------------------------------------------------------------------------
// Shapes

/** lax.iota(dtype, size). */
export function iota(dtype: DTypeLike, size: number): tf.Tensor {
  return tf.range(0, size, 1, toDType(dtype) as "float32" | "int32");
}

/** lax.broadcasted_iota(dtype, shape, dimension). */
export function broadcastedIota(dtype: DTypeLike, shape: Shape, dimension: number): tf.Tensor {
  const s = shapeOf(shape);
  const d = normAxis(dimension, s.length);
  return tf.tidy(() => bcast(tf.reshape(iota(dtype, s[d]), s.map((n, i) => (i === d ? n : 1))), s).clone());
}

/** lax.broadcast_in_dim(operand, shape, broadcast_dimensions): operand axis i becomes result axis dims[i]. */
export function broadcastInDim(operand: ArrayLike, shape: Shape, broadcastDimensions: readonly number[]): tf.Tensor {
  return tf.tidy(() => {
    const x = asArray(operand);
    const s = shapeOf(shape);
    if (broadcastDimensions.length !== x.rank) throw new TypeError("broadcast_dimensions must have one entry per operand dimension");
    const inShape = s.map(() => 1);
    broadcastDimensions.forEach((d, i) => {
      if (x.shape[i] !== 1 && x.shape[i] !== s[d]) throw new TypeError(`broadcast_in_dim: operand dimension ${i} of size ${x.shape[i]} does not match result dimension ${d} of size ${s[d]}`);
      inShape[d] = x.shape[i];
    });
    return bcast(tf.reshape(x, inShape), s).clone();
  });
}

/** lax.broadcast(operand, sizes): new leading axes. */
export function broadcast(operand: ArrayLike, sizes: readonly number[]): tf.Tensor {
  return tf.tidy(() => {
    const x = asArray(operand);
    return broadcastInDim(x, [...sizes, ...x.shape], x.shape.map((_, i) => sizes.length + i));
  });
}

/** lax.expand_dims(array, dimensions). */
export function expandDims(array: ArrayLike, dimensions: readonly number[]): tf.Tensor {
  return tf.tidy(() => {
    const x = asArray(array);
    const rank = x.rank + dimensions.length;
    const dims = normAxes(dimensions, rank);
    const out: number[] = [];
    for (let i = 0, k = 0; i < rank; i++) out.push(dims.includes(i) ? 1 : x.shape[k++]);
    return tf.reshape(x, out).clone();
  });
}

/** lax.squeeze(array, dimensions): the dimensions must have size 1. */
export function squeeze(array: ArrayLike, dimensions: readonly number[]): tf.Tensor {
  return tf.tidy(() => {
    const x = asArray(array);
    const dims = normAxes(dimensions, x.rank);
    for (const d of dims) if (x.shape[d] !== 1) throw new ValueError(`cannot squeeze dimension ${d} of size ${x.shape[d]}`);
    return tf.reshape(x, x.shape.filter((_, i) => !dims.includes(i))).clone();
  });
}

/** lax.reshape(operand, new_sizes, dimensions=None): `dimensions` transposes first. */
export function reshape(operand: ArrayLike, newSizes: readonly number[], dimensions?: readonly number[] | null): tf.Tensor {
  return tf.tidy(() => {
    let x = asArray(operand);
    if (dimensions) x = tf.transpose(x, [...dimensions]);
    return tf.reshape(x, [...newSizes]).clone();
  });
}

/** lax.transpose(operand, permutation). */
export function transpose(operand: ArrayLike, permutation: readonly number[]): tf.Tensor {
  return tf.tidy(() => tf.transpose(asArray(operand), [...permutation]).clone());
}

/** lax.rev(operand, dimensions). */
export function rev(operand: ArrayLike, dimensions: readonly number[]): tf.Tensor {
  return tf.tidy(() => {
    const x = asArray(operand);
    return dimensions.length ? tf.reverse(x, normAxes(dimensions, x.rank)) : x.clone();
  });
}

/** lax.concatenate(operands, dimension): one dtype required. */
export function concatenate(operands: readonly ArrayLike[], dimension: number): tf.Tensor {
  return tf.tidy(() => {
    const xs = same("concatenate", ...operands);
    return xs.length === 1 ? xs[0].clone() : tf.concat(xs, normAxis(dimension, xs[0].rank));
  });
}

// ---------------------------------------------------------------------------
// Slicing

/** lax.slice(operand, start_indices, limit_indices, strides=None). */
export function slice(operand: ArrayLike, startIndices: readonly number[], limitIndices: readonly number[], strides?: readonly number[] | null): tf.Tensor {
  return tf.tidy(() => {
    const x = asArray(operand);
    if (startIndices.length !== x.rank || limitIndices.length !== x.rank) throw new TypeError("lax.slice needs one start and limit per dimension");
    // Eagerly JAX slices as dynamic_slice does: the window (limit - start) must fit,
    // and its start is clamped into the array (jit would reject such bounds instead).
    const sizes = x.shape.map((n, i) => {
      const size = limitIndices[i] - startIndices[i];
      if (size < 0 || size > n) throw new TypeError(`slice slice_sizes must be between 0 and the operand shape, got (${limitIndices.map((l, k) => l - startIndices[k])}) for (${x.shape})`);
      return size;
    });
    const lo = x.shape.map((n, i) => Math.min(Math.max(startIndices[i], 0), n - sizes[i]));
    let y = tf.slice(x, lo, sizes);
    (strides ?? []).forEach((s, i) => {
      if (s !== 1) y = tf.gather(y, tf.range(0, y.shape[i], s, "int32"), i);
    });
    return y.clone();
  });
}

/** lax.slice_in_dim(operand, start_index, limit_index, stride=1, axis=0): negative indices count from the end. */
export function sliceInDim(operand: ArrayLike, startIndex: number | null, limitIndex: number | null, stride = 1, axis = 0): tf.Tensor {
  const x = asArray(operand);
  try {
    const ax = normAxis(axis, x.rank);
    const n = x.shape[ax];
    let start = startIndex ?? 0;
    let limit = limitIndex ?? n;
    if (start < 0) start += n;
    if (limit < 0) limit += n;
    return slice(x, x.shape.map((_, i) => (i === ax ? start : 0)), x.shape.map((d, i) => (i === ax ? limit : d)), x.shape.map((_, i) => (i === ax ? stride : 1)));
  } finally {
    if (x !== operand) x.dispose();
  }
}

/** A start index as a number (JAX allows traced scalars; here they are read). */
function startValue(i: ArrayLike): number {
  if (isTensor(i)) {
    if (i.rank !== 0 || i.dtype !== "int32") throw new TypeError("start indices must be scalar integers");
    return i.dataSync()[0];
  }
  if (typeof i !== "number" || !Number.isInteger(i)) throw new TypeError("start indices must be integers");
  return i;
}

/** XLA's start clamping: negative starts count from the end, then the window is moved inside the array. */
function clampStarts(shape: readonly number[], starts: readonly ArrayLike[], sizes: readonly number[]): number[] {
  if (starts.length !== shape.length) throw new ValueError(`Length of slice indices must match number of operand dimensions (${starts.length} vs (${shape}))`);
  return shape.map((n, i) => {
    let s = startValue(starts[i]);
    if (s < 0) s += n;
    if (sizes[i] > n || sizes[i] < 0) throw new TypeError(`slice size ${sizes[i]} out of bounds for dimension ${i} of size ${n}`);
    return Math.min(Math.max(s, 0), n - sizes[i]);
  });
}

/** lax.dynamic_slice(operand, start_indices, slice_sizes): starts are clamped so the slice fits. */
export function dynamicSlice(operand: ArrayLike, startIndices: readonly ArrayLike[], sliceSizes: readonly number[]): tf.Tensor {
  return tf.tidy(() => {
    const x = asArray(operand);
    const starts = clampStarts(x.shape, startIndices, sliceSizes);
    return tf.slice(x, starts, [...sliceSizes]).clone();
  });
}

/** lax.dynamic_slice_in_dim(operand, start_index, slice_size, axis=0). */
export function dynamicSliceInDim(operand: ArrayLike, startIndex: ArrayLike, sliceSize: number, axis = 0): tf.Tensor {
  return tf.tidy(() => {
    const x = asArray(operand);
    const ax = normAxis(axis, x.rank);
    return dynamicSlice(x, x.shape.map((_, i) => (i === ax ? startIndex : 0)), x.shape.map((d, i) => (i === ax ? sliceSize : d)));
  });
}

/** lax.dynamic_update_slice(operand, update, start_indices): the update is written at clamped starts. */
export function dynamicUpdateSlice(operand: ArrayLike, update: ArrayLike, startIndices: readonly ArrayLike[]): tf.Tensor {
  return tf.tidy(() => {
    const [x, u] = same("dynamic_update_slice", operand, update);
    if (u.rank !== x.rank) throw new TypeError(`dynamic_update_slice update must have the operand's rank, got (${u.shape}) for (${x.shape})`);
    const starts = clampStarts(x.shape, startIndices, u.shape);
    const pads = x.shape.map((n, i) => [starts[i], n - starts[i] - u.shape[i]] as [number, number]);
    // Padding the update and a mask keeps both operands differentiable.
    const mask = tf.pad(tf.ones(u.shape, "int32"), pads);
    const placed = u.dtype === "bool" ? tf.cast(tf.pad(tf.cast(u, "int32"), pads), "bool") : tf.pad(u, pads);
    return tf.where(tf.cast(mask, "bool"), placed, x);
  });
}

/** lax.dynamic_update_slice_in_dim(operand, update, start_index, axis). */
export function dynamicUpdateSliceInDim(operand: ArrayLike, update: ArrayLike, startIndex: ArrayLike, axis: number): tf.Tensor {
  return tf.tidy(() => {
    const x = asArray(operand);
    const ax = normAxis(axis, x.rank);
    return dynamicUpdateSlice(x, update, x.shape.map((_, i) => (i === ax ? startIndex : 0)));
  });
}

/** lax.dynamic_index_in_dim(operand, index, axis=0, keepdims=True). */
export function dynamicIndexInDim(operand: ArrayLike, index: ArrayLike, axis = 0, keepdims = true): tf.Tensor {
  return tf.tidy(() => {
    const x = asArray(operand);
    const ax = normAxis(axis, x.rank);
    const y = dynamicSliceInDim(x, index, 1, ax);
    return keepdims ? y : tf.squeeze(y, [ax]);
  });
}

// ---------------------------------------------------------------------------
// Control flow, eagerly

/** A pytree of tensors as lax's loops carry them: tensors, arrays and plain objects of them, null. */
export type Tree = tf.Tensor | number | boolean | PyFloat | null | undefined | readonly Tree[] | { readonly [key: string]: Tree };

function leaves(t: unknown, out: tf.Tensor[] = []): tf.Tensor[] {
  if (isTensor(t)) out.push(t);
  else if (Array.isArray(t)) for (const e of t) leaves(e, out);
  else if (t !== null && typeof t === "object" && !(t instanceof PyFloat)) for (const e of Object.values(t)) leaves(e, out);
  return out;
}

function mapTree(t: unknown, f: (x: tf.Tensor) => unknown): unknown {
  if (isTensor(t)) return f(t);
  if (Array.isArray(t)) return t.map((e) => mapTree(e, f));
  if (t !== null && typeof t === "object" && !(t instanceof PyFloat)) return Object.fromEntries(Object.entries(t).map(([k, v]) => [k, mapTree(v, f)]));
  return t;
}

/** Python scalars in a tree become arrays, as JAX's loops make them (weakly typed; here their canonical dtype). */
function toArrays<T>(t: T): T {
  const walk = (u: unknown): unknown => {
    if (typeof u === "number" || typeof u === "boolean" || u instanceof PyFloat) return asArray(u);
    if (isTensor(u) || u === null || typeof u !== "object") return u;
    if (Array.isArray(u)) return u.map(walk);
    return Object.fromEntries(Object.entries(u).map(([k, v]) => [k, walk(v)]));
  };
  return walk(t) as T;
}

/**
 * Runs one step in tf.tidy and returns its result as tensors the loop owns:
 * Python scalars become arrays, and tensors that existed before the step (the
 * carry passed through, a closed-over constant) are cloned, so the loop can
 * free every result it later replaces without touching anyone else's tensors.
 */
function step<T>(fn: () => T): T {
  const probe = tf.scalar(0);
  const firstId = probe.id;
  probe.dispose();
  let result!: T;
  tf.tidy(() => {
    result = mapTree(toArrays(fn()), (t) => (t.id < firstId ? t.clone() : t)) as T;
    return leaves(result) as tf.TensorContainer;
  });
  return result;
}

/** Frees a replaced carry (never the caller's own tensors). */
function release(prev: unknown, own: Set<tf.Tensor>): void {
  for (const t of leaves(prev)) if (!own.has(t) && !t.isDisposed) t.dispose();
}

/** The caller's tensors in a result are cloned, so results can always be freed. */
function freshTree<T>(t: T, own: Set<tf.Tensor>): T {
  return mapTree(t, (x) => (own.has(x) ? x.clone() : x)) as T;
}

/** A predicate as a JS boolean (a 0-d array is read). */
function truth(p: ArrayLike): boolean {
  if (isTensor(p)) {
    if (p.size !== 1) throw new TypeError(`Pred must be a scalar, got shape (${p.shape})`);
    return p.dataSync()[0] !== 0;
  }
  return Boolean(scalarValue(p));
}

/**
 * lax.fori_loop(lower, upper, body_fun, init_val): val = body_fun(i, val) for
 * i in [lower, upper). The index is passed as a JS number (JAX passes an int32
 * array; jnp functions treat both alike). Python scalars in the carry become
 * arrays, as in JAX.
 */
export function foriLoop<T extends Tree>(lower: number, upper: number, bodyFun: (i: number, val: T) => T, initVal: T): T {
  const own = new Set(leaves(initVal));
  let val = initVal;
  for (let i = lower; i < upper; i++) {
    const next = step(() => bodyFun(i, val));
    release(val, own);
    val = next;
  }
  return freshTree(toArrays(val), own);
}
export { foriLoop as fori_loop };

/** lax.while_loop(cond_fun, body_fun, init_val). */
export function whileLoop<T extends Tree>(condFun: (val: T) => ArrayLike, bodyFun: (val: T) => T, initVal: T): T {
  const own = new Set(leaves(initVal));
  let val = initVal;
  while (tf.tidy(() => truth(condFun(val)))) {
    const next = step(() => bodyFun(val));
    release(val, own);
    val = next;
  }
  return freshTree(toArrays(val), own);
}
export { whileLoop as while_loop };

export interface ScanOptions {
  /** The number of steps when `xs` is null. */
  length?: number;
  /** Run from the last element to the first (ys are still stacked in xs's order). */
  reverse?: boolean;
}

/**
 * lax.scan(f, init, xs, length=None, reverse=False): f(carry, x) -> [carry, y]
 * over the leading axis of every leaf of xs; returns [final carry, ys stacked
 * on a new leading axis] (null where f gives null for y).
 */
export function scan<C extends Tree, X extends Tree, Y extends Tree>(
  f: (carry: C, x: X) => readonly [C, Y],
  init: C,
  xs: X,
  options: ScanOptions = {},
): [C, Y] {
  const xLeaves = leaves(xs);
  const lengths = new Set(xLeaves.map((t) => t.shape[0]));
  if (lengths.size > 1) throw new ValueError(`scan got values with different leading axis sizes: ${[...lengths].join(", ")}`);
  const n = options.length ?? (xLeaves.length ? xLeaves[0].shape[0] : undefined);
  if (n === undefined) throw new ValueError("scan got no values to scan over and `length` not provided.");
  if (xLeaves.length && xLeaves[0].shape[0] !== n) throw new ValueError(`scan got \`length\` argument of ${n} which disagrees with leading axis sizes ${xLeaves[0].shape[0]}.`);
  const own = new Set(leaves(init));
  let carry = init;
  const ys: Y[] = new Array(n);
  // nnx.jit's tracer marks each step so a compiled step runs them as one loop.
  const token = jitHooks.scanBegin?.(n);
  for (let k = 0; k < n; k++) {
    if (token !== undefined) jitHooks.scanStep?.(token, k);
    const i = options.reverse ? n - 1 - k : k;
    const [next, y] = step(() => {
      const x = mapTree(xs, (t) => tf.squeeze(tf.slice(t, [i, ...t.shape.slice(1).map(() => 0)], [1, ...t.shape.slice(1)]), [0])) as X;
      const [c, y] = f(carry, x);
      // A y that is also the new carry gets its own copy: the carry is freed when replaced.
      const inCarry = new Set(leaves(c));
      return [c, mapTree(y, (u) => (inCarry.has(u) ? u.clone() : u)) as Y] as const;
    });
    release(carry, own);
    carry = next;
    ys[i] = y;
  }
  if (token !== undefined) jitHooks.scanEnd?.(token);
  const stacked = (n === 0 ? null : stackTrees(ys)) as Y;
  ys.forEach((y) => release(y, own));
  return [freshTree(toArrays(carry), own), stacked];
}

function stackTrees(trees: unknown[]): unknown {
  const first = trees[0];
  if (isTensor(first)) return tf.stack(trees as tf.Tensor[]);
  if (Array.isArray(first)) return first.map((_, i) => stackTrees(trees.map((t) => (t as unknown[])[i])));
  if (first !== null && typeof first === "object") return Object.fromEntries(Object.keys(first).map((k) => [k, stackTrees(trees.map((t) => (t as Record<string, unknown>)[k]))]));
  return first;
}

/** lax.cond(pred, true_fun, false_fun, *operands). */
export function cond<A extends unknown[], R extends Tree>(pred: ArrayLike, trueFun: (...operands: A) => R, falseFun: (...operands: A) => R, ...operands: A): R {
  const branch = tf.tidy(() => truth(pred)) ? trueFun : falseFun;
  return step(() => branch(...operands));
}

/** lax.switch(index, branches, *operands): the index is clamped to the branches. */
export function switchCase<A extends unknown[], R extends Tree>(index: ArrayLike, branches: readonly ((...operands: A) => R)[], ...operands: A): R {
  if (branches.length === 0) throw new ValueError("Empty branch sequence");
  const i = isTensor(index) ? index.dataSync()[0] : Number(scalarValue(index));
  const k = Math.min(Math.max(Math.trunc(i), 0), branches.length - 1);
  return step(() => branches[k](...operands));
}
export { switchCase as switch };

export interface ConvGeneralDilatedOptions {
  lhsDilation?: readonly number[] | null;
  rhsDilation?: readonly number[] | null;
  /** (lhs, rhs, out) specs such as ["NHWC", "HWIO", "NHWC"]; null: ("NC...", "OI...", "NC..."). */
  dimensionNumbers?: readonly [string, string, string] | null;
  featureGroupCount?: number;
}

/**
 * lax.conv_general_dilated(lhs, rhs, window_strides, padding, ...): the operands
 * transposed to [N, spatial..., C] / [spatial..., I, O] as lax.conv_general_permutations
 * orders the spatial axes (the kernel's order), convolved, and transposed to the out spec.
 */
export function convGeneralDilated(
  lhs: tf.Tensor,
  rhs: tf.Tensor,
  windowStrides: readonly number[],
  padding: string | readonly (readonly [number, number])[],
  options: ConvGeneralDilatedOptions = {},
): tf.Tensor {
  const rank = lhs.rank;
  const specs = options.dimensionNumbers ?? null;
  const iota = Array.from({ length: rank }, (_, i) => i);
  let [lhsPerm, rhsPerm, outPerm] = [iota, iota, iota];
  if (specs) {
    const [lhsSpec, rhsSpec, outSpec] = specs;
    if ([lhsSpec, rhsSpec, outSpec].some((x) => x.length !== rank)) throw new TypeError(`convolution dimension_numbers must have len equal to the ndim of lhs and rhs (${rank})`);
    const perm = (spec: string, pair: [string, string]) => {
      if (!spec.includes(pair[0]) || !spec.includes(pair[1]) || new Set(spec).size !== spec.length) throw new TypeError(`convolution dimension_numbers entry ${spec} must contain '${pair[0]}' and '${pair[1]}' exactly once`);
      let spatial = [...spec].map((_, i) => i).filter((i) => !pair.includes(spec[i]));
      if (spec !== rhsSpec || pair[0] !== "O") spatial = spatial.sort((a, b) => rhsSpec.indexOf(spec[a]) - rhsSpec.indexOf(spec[b]));
      return [spec.indexOf(pair[0]), spec.indexOf(pair[1]), ...spatial];
    };
    [lhsPerm, rhsPerm, outPerm] = [perm(lhsSpec, ["N", "C"]), perm(rhsSpec, ["O", "I"]), perm(outSpec, ["N", "C"])];
  }
  const n = rank - 2;
  return tf.tidy(() => {
    const x = tf.transpose(lhs, [lhsPerm[0], ...lhsPerm.slice(2), lhsPerm[1]]);
    const k = tf.transpose(rhs, [...rhsPerm.slice(2), rhsPerm[1], rhsPerm[0]]);
    const y = convNhwc(x, k, {
      strides: [...windowStrides],
      padding: typeof padding === "string" ? padding : (padding.map(([a, b]) => [a, b]) as PadPairs),
      ...(options.lhsDilation ? { lhsDilation: [...options.lhsDilation] } : {}),
      ...(options.rhsDilation ? { rhsDilation: [...options.rhsDilation] } : {}),
      featureGroupCount: options.featureGroupCount ?? 1,
    });
    // y is [N, spatial..., C] in canonical order; out axis outPerm[j] holds canonical axis j.
    const where = (j: number) => (j === 0 ? 0 : j === 1 ? n + 1 : j - 1);
    const p = Array<number>(rank);
    outPerm.forEach((axis, j) => (p[axis] = where(j)));
    return tf.transpose(y, p);
  });
}
export { convGeneralDilated as conv_general_dilated };

/**
 * lax.reduce_window(operand, init_value, computation, window_dimensions, window_strides, padding)
 * for the monoids JAX recognizes (lax.add from 0, lax.max from -inf, lax.min from +inf):
 * reduce_window_sum/max/min, whose max/min gradient goes to the first extreme element of a window.
 * The window covers every axis; padding is filled with the init value.
 */
export function reduceWindow(
  operand: tf.Tensor,
  initValue: number,
  computation: "add" | "max" | "min",
  windowDimensions: readonly number[],
  windowStrides: readonly number[],
  padding: string | readonly (readonly [number, number])[],
): tf.Tensor {
  const identity = { add: 0, max: -Infinity, min: Infinity }[computation];
  if (initValue !== identity) throw new ValueError(`reduce_window with ${computation} from ${initValue}: only its identity (${identity}) is supported`);
  if (windowDimensions.length !== operand.rank) throw new ValueError(`reduce_window: window_dimensions ${JSON.stringify(windowDimensions)} must have one entry per axis of a rank-${operand.rank} operand`);
  return tf.tidy(() => {
    // The pooling functions take a trailing features axis the window does not cover.
    const x = tf.expandDims(operand, -1);
    const o = { strides: windowStrides, padding };
    const y = computation === "max" ? maxPool(x, windowDimensions, o) : computation === "min" ? minPool(x, windowDimensions, o) : pool(x, 0, (a, b) => tf.add(a, b), windowDimensions, windowStrides, padding);
    return tf.squeeze(y, [y.rank - 1]);
  });
}
export { reduceWindow as reduce_window };
