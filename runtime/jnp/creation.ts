// Array creation (jax/_src/numpy/array_creation.py, array_constructors.py and
// lax_numpy.py's arange/eye/tri/meshgrid).
import { tf } from "../tf.js";
import { type Shape, shapeOf } from "./axes.js";
import {
  type ArrayLike,
  type DType,
  type DTypeLike,
  type NestedArray,
  type Scalar,
  ValueError,
  dtype as toDType,
  dtypeOf,
  isScalar,
  isTensor,
  latticeResultType,
  scalarValue,
  setScalarTypeConstructor,
} from "./dtypes.js";
import { xlaDivide } from "./divmod.js";
import { asArray, convert, scalarTensor } from "./promote.js";

/** jnp.zeros(shape, dtype=float32). */
export function zeros(shape: Shape, dtype: DTypeLike = "float32"): tf.Tensor {
  return tf.zeros(shapeOf(shape), toDType(dtype));
}

/** jnp.ones(shape, dtype=float32). */
export function ones(shape: Shape, dtype: DTypeLike = "float32"): tf.Tensor {
  return tf.ones(shapeOf(shape), toDType(dtype));
}

/** jnp.empty: zeros, as in JAX. */
export function empty(shape: Shape, dtype: DTypeLike = "float32"): tf.Tensor {
  return zeros(shape, dtype);
}

/** jnp.full(shape, fill_value, dtype=None): the fill value's dtype unless given; an array fill value broadcasts. */
export function full(shape: Shape, fillValue: ArrayLike, dtype?: DTypeLike): tf.Tensor {
  const dt = dtype === undefined ? dtypeOf(fillValue) : toDType(dtype);
  return tf.tidy(() => broadcastFill(asArray(fillValue, dt), shapeOf(shape)));
}

function broadcastFill(value: tf.Tensor, shape: number[]): tf.Tensor {
  if (value.rank > shape.length) throw new ValueError(`cannot broadcast shape (${value.shape}) to (${shape})`);
  const padded = tf.reshape(value, [...new Array(shape.length - value.rank).fill(1), ...value.shape]);
  return tf.broadcastTo(padded, shape).clone();
}

export interface LikeOptions {
  /** Overrides the prototype's shape. */
  shape?: Shape;
}

function likeShape(a: ArrayLike, shape?: Shape): number[] {
  return shape === undefined ? (isTensor(a) ? a.shape : []) : shapeOf(shape);
}

/** jnp.zeros_like(a, dtype=None, shape=None). */
export function zerosLike(a: ArrayLike, dtype?: DTypeLike, shape?: Shape): tf.Tensor {
  return tf.zeros(likeShape(a, shape), dtype === undefined ? dtypeOf(a) : toDType(dtype));
}

/** jnp.ones_like(a, dtype=None, shape=None). */
export function onesLike(a: ArrayLike, dtype?: DTypeLike, shape?: Shape): tf.Tensor {
  return tf.ones(likeShape(a, shape), dtype === undefined ? dtypeOf(a) : toDType(dtype));
}

/** jnp.empty_like: zeros. */
export function emptyLike(a: ArrayLike, dtype?: DTypeLike, shape?: Shape): tf.Tensor {
  return zerosLike(a, dtype, shape);
}

/** jnp.full_like(a, fill_value, dtype=None, shape=None). */
export function fullLike(a: ArrayLike, fillValue: ArrayLike, dtype?: DTypeLike, shape?: Shape): tf.Tensor {
  const dt = dtype === undefined ? dtypeOf(a) : toDType(dtype);
  return tf.tidy(() => broadcastFill(asArray(fillValue, dt), likeShape(a, shape)));
}

// ---------------------------------------------------------------------------
// jnp.array / jnp.asarray

function leavesOf(x: NestedArray, out: ArrayLike[] = []): ArrayLike[] {
  if (Array.isArray(x)) for (const e of x as readonly NestedArray[]) leavesOf(e, out);
  else out.push(x as ArrayLike);
  return out;
}

/** The shape of nested lists of scalars; throws when ragged. */
function nestedShape(x: NestedArray): number[] {
  if (!Array.isArray(x)) return [];
  const items = x as readonly NestedArray[];
  if (items.length === 0) return [0];
  const inner = items.map(nestedShape);
  for (const s of inner) {
    if (s.length !== inner[0].length || s.some((d, i) => d !== inner[0][i])) {
      throw new ValueError("setting an array element with a sequence: the nested lists are ragged");
    }
  }
  return [items.length, ...inner[0]];
}

/** A scalar's value converted to `dtype` as NumPy does for explicit dtypes (float to int truncates). */
function scalarAs(x: Scalar, dtype: DType): number {
  const v = scalarValue(x);
  if (dtype === "bool") return (typeof v === "boolean" ? v : v !== 0) ? 1 : 0;
  const n = Number(v);
  return dtype === "int32" ? Math.trunc(n) : n;
}

/**
 * jnp.array(object, dtype=None): nested lists of Python scalars and arrays.
 * Without a dtype, the leaves promote as JAX's lattice says (ints give
 * int32, any float gives float32, an empty list float32).
 */
export function array(object: NestedArray, dtype?: DTypeLike): tf.Tensor {
  const leaves = leavesOf(object);
  const dt = dtype !== undefined ? toDType(dtype) : leaves.length ? latticeResultType(...leaves).dtype : "float32";
  if (isTensor(object)) return tf.tidy(() => tf.clone(convert(object, dt)));
  if (isScalar(object)) return scalarTensor(object, dt);
  if (leaves.every(isScalar)) {
    const shape = nestedShape(object);
    for (const v of leaves) if (typeof v === "number" && Number.isInteger(v) && dt === "int32") scalarTensor(v, dt).dispose(); // range check
    const values = (leaves as Scalar[]).map((v) => scalarAs(v, dt));
    return dt === "bool" ? tf.tensor(values.map(Boolean), shape, "bool") : tf.tensor(values, shape, dt);
  }
  return tf.tidy(() => tf.stack((object as readonly NestedArray[]).map((e) => array(e, dt))));
}

/** jnp.asarray(a, dtype=None): as jnp.array (always a new tensor, so callers may dispose it). */
export function asarray(a: NestedArray, dtype?: DTypeLike): tf.Tensor {
  return array(a, dtype);
}

setScalarTypeConstructor((value, dtype) => array(value, dtype));

// ---------------------------------------------------------------------------
// Ranges

type Bound = Scalar | tf.Tensor;

function boundValue(x: Bound, name: string): number {
  if (isTensor(x)) {
    if (x.rank !== 0) throw new ValueError(`jax.numpy.arange: arguments must be scalars; got ${name} of shape (${x.shape})`);
    return x.dataSync()[0];
  }
  return Number(scalarValue(x));
}

/**
 * jnp.arange(start, stop=None, step=None, dtype=None). With a step the values
 * are `start + step * iota` in the result dtype, so float steps round as JAX's do.
 */
export function arange(start: Bound, stop?: Bound | null, step?: Bound | null, dtype?: DTypeLike | null): tf.Tensor {
  const given = [start, stop, step].filter((v): v is Bound => v !== undefined && v !== null);
  const dt = dtype ? toDType(dtype) : latticeResultType(...given).dtype;
  if (dt === "bool") throw new TypeError("jnp.arange does not support dtype bool");
  let lo = boundValue(start, stop == null && step == null ? "stop" : "start");
  let hi = stop == null ? undefined : boundValue(stop, "stop");
  let first: Bound = start;
  if (hi === undefined) [lo, hi, first] = [0, lo, 0];
  return tf.tidy(() => {
    if (step != null) {
      const s = boundValue(step, "step");
      if (s === 0) throw new RangeError("ZeroDivisionError: arange step must not be zero");
      const n = Math.max(0, Math.ceil((hi - lo) / s));
      return tf.add(asArray(first, dt), tf.mul(asArray(step, dt), tf.range(0, n, 1, dt)));
    }
    if (lo === 0) return tf.range(0, Math.max(0, Math.ceil(hi)), 1, dt);
    return tf.add(asArray(first, dt), tf.range(0, Math.max(0, Math.ceil(hi - lo)), 1, dt));
  });
}

export interface LinspaceOptions {
  endpoint?: boolean;
  dtype?: DTypeLike;
  axis?: number;
}

/**
 * jnp.linspace(start, stop, num=50, endpoint=True, dtype=None, axis=0), as JAX
 * computes it: start * (1 - t) + stop * t with t = iota / div, the endpoint
 * appended exactly. `linspaceWithStep` is retstep=True.
 */
export function linspace(start: ArrayLike, stop: ArrayLike, num = 50, options: LinspaceOptions = {}): tf.Tensor {
  const [samples, step] = linspaceWithStep(start, stop, num, options);
  step.dispose();
  return samples;
}

/** jnp.linspace(..., retstep=True): [samples, step]. */
export function linspaceWithStep(start: ArrayLike, stop: ArrayLike, num = 50, options: LinspaceOptions = {}): [tf.Tensor, tf.Tensor] {
  if (num < 0) throw new ValueError(`Number of samples, ${num}, must be non-negative.`);
  const { endpoint = true } = options;
  const dt = options.dtype === undefined ? "float32" : toDType(options.dtype);
  const result = tf.tidy(() => {
    const a = asArray(start, "float32");
    const b = asArray(stop, "float32");
    const bounds = tf.broadcastTo(a, broadcastShape(a.shape, b.shape)).shape;
    const a0 = tf.broadcastTo(a, bounds);
    const b0 = tf.broadcastTo(b, bounds);
    const axis = options.axis === undefined ? 0 : options.axis < 0 ? bounds.length + options.axis + 1 : options.axis;
    const boundsShape = [...bounds.slice(0, axis), 1, ...bounds.slice(axis)];
    const div = endpoint ? num - 1 : num;
    let out: tf.Tensor;
    let delta: tf.Tensor;
    if (num > 1) {
      delta = xlaDivide(tf.sub(b0, a0), tf.scalar(div, "float32"));
      const iotaShape = boundsShape.map((_, i) => (i === axis ? div : 1));
      const t = tf.reshape(xlaDivide(tf.range(0, div, 1, "float32"), tf.scalar(div, "float32")), iotaShape);
      out = tf.add(tf.mul(tf.reshape(a0, boundsShape), tf.sub(1, t)), tf.mul(tf.reshape(b0, boundsShape), t));
      if (endpoint) out = tf.concat([out, tf.expandDims(b0, axis)], axis);
    } else if (num === 1) {
      delta = endpoint ? tf.fill(bounds, NaN) : tf.sub(b0, a0);
      out = tf.reshape(a0, boundsShape);
    } else {
      delta = tf.scalar(NaN);
      out = tf.zeros([...bounds.slice(0, axis), 0, ...bounds.slice(axis)]);
    }
    if (dt === "int32") out = tf.floor(out);
    return [convert(out, dt).clone(), delta.clone()];
  });
  return result as [tf.Tensor, tf.Tensor];
}

function broadcastShape(a: number[], b: number[]): number[] {
  const rank = Math.max(a.length, b.length);
  return [...Array(rank).keys()].map((i) => {
    const x = a[a.length - rank + i] ?? 1;
    const y = b[b.length - rank + i] ?? 1;
    if (x !== y && x !== 1 && y !== 1) throw new ValueError(`Incompatible shapes for broadcasting: (${a}) and (${b})`);
    return x === 1 ? y : x;
  });
}

// ---------------------------------------------------------------------------
// Matrices

/** Row and column indices of an n x m grid, as int32 iotas broadcast to [n, m]. */
function iotas(n: number, m: number): [tf.Tensor, tf.Tensor] {
  const i = tf.broadcastTo(tf.reshape(tf.range(0, n, 1, "int32"), [n, 1]), [n, m]);
  const j = tf.broadcastTo(tf.reshape(tf.range(0, m, 1, "int32"), [1, m]), [n, m]);
  return [i, j];
}

function checkDims(...dims: number[]): void {
  for (const d of dims) if (!Number.isInteger(d) || d < 0) throw new ValueError(`negative dimensions are not allowed, got ${dims.join(" and ")}`);
}

/** jnp.eye(N, M=None, k=0, dtype=float32). */
export function eye(N: number, M?: number | null, k = 0, dtype: DTypeLike = "float32"): tf.Tensor {
  const m = M ?? N;
  checkDims(N, m);
  return tf.tidy(() => {
    const [i, j] = iotas(N, m);
    return convert(tf.equal(tf.add(i, tf.scalar(k, "int32")), j), toDType(dtype));
  });
}

/** jnp.identity(n, dtype=float32). */
export function identity(n: number, dtype: DTypeLike = "float32"): tf.Tensor {
  return eye(n, n, 0, dtype);
}

/** jnp.tri(N, M=None, k=0, dtype=float32): ones at and below the k-th diagonal. */
export function tri(N: number, M?: number | null, k = 0, dtype: DTypeLike = "float32"): tf.Tensor {
  const m = M ?? N;
  checkDims(N, m);
  return tf.tidy(() => {
    const [i, j] = iotas(N, m);
    return convert(tf.greaterEqual(tf.add(i, tf.scalar(k, "int32")), j), toDType(dtype));
  });
}

function triMask(m: tf.Tensor, k: number, name: string): tf.Tensor {
  if (m.rank < 2) throw new ValueError(`Argument to jax.numpy.${name} must be at least 2D`);
  const [n, c] = m.shape.slice(-2);
  return tf.broadcastTo(tri(n, c, k, "bool"), m.shape);
}

/** jnp.tril(m, k=0): zeros above the k-th diagonal of the last two axes. */
export function tril(m: ArrayLike, k = 0): tf.Tensor {
  return tf.tidy(() => {
    const x = asArray(m);
    return tf.where(triMask(x, k, "tril"), x, tf.zerosLike(x));
  });
}

/** jnp.triu(m, k=0): zeros below the k-th diagonal of the last two axes. */
export function triu(m: ArrayLike, k = 0): tf.Tensor {
  return tf.tidy(() => {
    const x = asArray(m);
    return tf.where(triMask(x, k - 1, "triu"), tf.zerosLike(x), x);
  });
}

export interface MeshgridOptions {
  /** "xy" (default, Cartesian: the first two outputs are transposed) or "ij" (matrix). */
  indexing?: "xy" | "ij";
  /** Outputs keep size-1 axes instead of being broadcast. */
  sparse?: boolean;
}

/** jnp.meshgrid(*xi, sparse=False, indexing='xy'); options may follow the arrays. */
export function meshgrid(...args: (ArrayLike | MeshgridOptions)[]): tf.Tensor[] {
  const last = args[args.length - 1];
  const options: MeshgridOptions = last !== undefined && !isTensor(last) && !isScalar(last) ? (args.pop() as MeshgridOptions) : {};
  const { indexing = "xy", sparse = false } = options;
  if (indexing !== "xy" && indexing !== "ij") throw new ValueError(`Valid values for indexing are 'xy' and 'ij', got ${String(indexing)}`);
  return tf.tidy(() => {
    const xs = (args as ArrayLike[]).map((a) => asArray(a));
    if (xs.some((x) => x.rank !== 1)) throw new ValueError(`Arguments to jax.numpy.meshgrid must be 1D, got shapes ${xs.map((x) => `(${x.shape})`).join(", ")}`);
    const swap = indexing === "xy" && xs.length >= 2;
    if (swap) [xs[0], xs[1]] = [xs[1], xs[0]];
    const shape = xs.map((x) => (sparse ? 1 : x.shape[0]));
    const out = xs.map((x, i) => {
      const own = shape.map((d, j) => (j === i ? x.shape[0] : sparse ? 1 : d));
      const inDims = own.map((_, j) => (j === i ? x.shape[0] : 1));
      return tf.broadcastTo(tf.reshape(x, inDims), own).clone();
    });
    if (swap) [out[0], out[1]] = [out[1], out[0]];
    return out;
  });
}

