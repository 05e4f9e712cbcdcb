// Reductions (jax/_src/numpy/reductions.py): sum/prod/max/min/all/any with
// axis (negative, tuple or null), keepdims, where and initial as JAX's
// _reduction does them; mean/var/std; arg-extrema with JAX's NaN rule;
// cumulative sums and products; logsumexp; median; NaN-ignoring variants.
// Gradients follow JAX: ties in max/min share the gradient equally, prod is
// exact with zeros, cumprod has one (tfjs has none).
import { tf } from "../tf.js";
import { offTape, stopGradient } from "../ops.js";
import { type Axis, normAxes, normAxis, size } from "./axes.js";
import { customOp } from "./autodiff.js";
import { xlaDivide } from "./divmod.js";
import { type ArrayLike, type DType, type DTypeLike, ValueError, dtype as toDType, toInexact, toNumeric } from "./dtypes.js";
import { abs, sign } from "./elementwise.js";
import { asArray, convert, promoteArgsInexact } from "./promote.js";
import { argsort } from "./sorting.js";

export interface ReduceOptions {
  keepdims?: boolean;
  /** Only elements where this bool array (broadcast to the input) is true take part. */
  where?: tf.Tensor;
  /** A starting value combined with the result (needed with `where` for max/min). */
  initial?: ArrayLike;
  /** The result (and accumulation) dtype. */
  dtype?: DTypeLike;
}

function checkWhere(name: string, where: tf.Tensor | undefined): void {
  if (where !== undefined && where.dtype !== "bool") throw new ValueError(`jnp.${name}: where must be None or a boolean array; got where.dtype=${where.dtype}.`);
}

/** Keeps reduced axes as size 1 (keepdims). */
function keep(result: tf.Tensor, shape: readonly number[], axes: number[]): tf.Tensor {
  return tf.reshape(result, shape.map((d, i) => (axes.includes(i) ? 1 : d)));
}

/** The identity of a reduction in a dtype (JAX's _reduction_init_val: ±inf saturates for ints). */
function initValue(v: number | boolean, dtype: DType): tf.Tensor {
  if (dtype === "bool") return tf.scalar(typeof v === "boolean" ? v : v > 0, "bool");
  if (dtype === "int32" && typeof v === "number" && !Number.isFinite(v)) return tf.scalar(v < 0 ? -2147483648 : 2147483647, "int32");
  return tf.scalar(Number(v), dtype);
}

interface ReductionSpec {
  name: string;
  identity: number | boolean;
  hasIdentity: boolean;
  preproc?: "numeric" | "bool";
  promoteIntegers?: boolean;
  reduce: (x: tf.Tensor, axes: number[]) => tf.Tensor;
  combine: (a: tf.Tensor, b: tf.Tensor) => tf.Tensor;
}

/** JAX's _reduction. */
function reduction(spec: ReductionSpec, a: ArrayLike, axis: Axis, options: ReduceOptions): tf.Tensor {
  const { keepdims = false, where, initial } = options;
  checkWhere(spec.name, where);
  return tf.tidy(() => {
    let x = asArray(a);
    if (initial === undefined && !spec.hasIdentity && where !== undefined) {
      throw new ValueError(`reduction operation ${spec.name} does not have an identity, so to use a where mask one has to specify 'initial'`);
    }
    if (spec.preproc === "numeric") x = convert(x, toNumeric(x.dtype as DType));
    if (spec.preproc === "bool") x = convert(x, "bool");
    const axes = normAxes(axis, x.rank);
    if (initial === undefined && !spec.hasIdentity && axes.some((i) => x.shape[i] < 1)) {
      throw new ValueError(`zero-size array to reduction operation ${spec.name} which has no identity`);
    }
    const dtype: DType = options.dtype !== undefined ? toDType(options.dtype) : spec.promoteIntegers ? toNumeric(x.dtype as DType) : (x.dtype as DType);
    x = convert(x, dtype);
    const init = initValue(spec.identity, dtype);
    if (where !== undefined) x = tf.where(tf.broadcastTo(where, x.shape), x, init);
    let result = axes.length ? spec.reduce(x, axes) : x.clone();
    if (initial !== undefined) {
      const i = asArray(initial, dtype);
      if (i.rank !== 0) throw new ValueError(`initial value must be a scalar. Got array of shape (${i.shape})`);
      result = spec.combine(i, result);
    }
    return keepdims ? keep(result, x.shape, axes) : result;
  });
}

// Max/min: NaN propagates (tf's reductions do), and JAX's gradient divides
// among the tied positions (_reduce_chooser_jvp_rule).
function chooser(op: (x: tf.Tensor, axes: number[]) => tf.Tensor) {
  return (x: tf.Tensor, axes: number[]) => {
    if (x.dtype !== "float32") return op(x, axes);
    const f = customOp(
      (v) => op(v, axes),
      (dy, [v], ans) => {
        const hit = tf.cast(tf.equal(v, keep(ans, v.shape, axes)), "float32");
        const counts = tf.sum(hit, axes, true);
        return [tf.div(tf.mul(keep(dy, v.shape, axes), hit), counts)];
      },
    );
    return f(x);
  };
}

const reduceMax = chooser((x, axes) => (x.dtype === "bool" ? tf.any(x, axes) : tf.max(x, axes)));
const reduceMin = chooser((x, axes) => (x.dtype === "bool" ? tf.all(x, axes) : tf.min(x, axes)));

/** All reduced axes moved last and merged into one: [rest..., n]. */
function flattenAxes(x: tf.Tensor, axes: number[]): tf.Tensor {
  const rest = [...Array(x.rank).keys()].filter((i) => !axes.includes(i));
  const moved = tf.transpose(x, [...rest, ...axes]);
  return tf.reshape(moved, [...rest.map((i) => x.shape[i]), size(axes.map((i) => x.shape[i]))]);
}

/** The product, with the gradient of each element as the product of the others (exact with zeros). */
function reduceProd(x: tf.Tensor, axes: number[]): tf.Tensor {
  if (x.dtype !== "float32") return tf.prod(x, axes);
  const f = customOp(
    (v) => tf.prod(v, axes),
    (dy, [v]) => {
      const flat = flattenAxes(v, axes);
      const last = flat.rank - 1;
      const others = tf.mul(tf.cumprod(flat, last, true, false), tf.cumprod(flat, last, true, true));
      // Undo flattenAxes: split the last axis, then move the axes back.
      const rest = [...Array(v.rank).keys()].filter((i) => !axes.includes(i));
      const unflat = tf.reshape(others, [...rest.map((i) => v.shape[i]), ...axes.map((i) => v.shape[i])]);
      const order = [...rest, ...axes];
      const back = tf.transpose(unflat, [...Array(v.rank).keys()].map((i) => order.indexOf(i)));
      return [tf.mul(keep(dy, v.shape, axes), back)];
    },
  );
  return f(x);
}

const add = (a: tf.Tensor, b: tf.Tensor) => (a.dtype === "bool" ? tf.logicalOr(a, b) : tf.add(a, b));
const mul = (a: tf.Tensor, b: tf.Tensor) => (a.dtype === "bool" ? tf.logicalAnd(a, b) : tf.mul(a, b));
const max2 = (a: tf.Tensor, b: tf.Tensor) => (a.dtype === "bool" ? tf.logicalOr(a, b) : tf.maximum(a, b));
const min2 = (a: tf.Tensor, b: tf.Tensor) => (a.dtype === "bool" ? tf.logicalAnd(a, b) : tf.minimum(a, b));

/** jnp.sum(a, axis=None, dtype=None, keepdims=False, initial=None, where=None); bools and ints sum as int32. */
export function sum(a: ArrayLike, axis: Axis = null, options: ReduceOptions = {}): tf.Tensor {
  return reduction({ name: "sum", identity: 0, hasIdentity: true, preproc: "numeric", promoteIntegers: true, reduce: (x, ax) => (x.dtype === "bool" ? tf.any(x, ax) : tf.sum(x, ax)), combine: add }, a, axis, options);
}

/** jnp.prod. */
export function prod(a: ArrayLike, axis: Axis = null, options: ReduceOptions = {}): tf.Tensor {
  return reduction({ name: "prod", identity: 1, hasIdentity: true, preproc: "numeric", promoteIntegers: true, reduce: (x, ax) => (x.dtype === "bool" ? tf.all(x, ax) : reduceProd(x, ax)), combine: mul }, a, axis, options);
}

/** jnp.max / jnp.amax: NaN propagates; an empty reduction needs `initial`. */
export function max(a: ArrayLike, axis: Axis = null, options: ReduceOptions = {}): tf.Tensor {
  return reduction({ name: "max", identity: -Infinity, hasIdentity: false, reduce: reduceMax, combine: max2 }, a, axis, options);
}

/** jnp.min / jnp.amin. */
export function min(a: ArrayLike, axis: Axis = null, options: ReduceOptions = {}): tf.Tensor {
  return reduction({ name: "min", identity: Infinity, hasIdentity: false, reduce: reduceMin, combine: min2 }, a, axis, options);
}
export { max as amax, min as amin };

/** jnp.all. */
export function all(a: ArrayLike, axis: Axis = null, options: Pick<ReduceOptions, "keepdims" | "where"> = {}): tf.Tensor {
  return reduction({ name: "all", identity: true, hasIdentity: true, preproc: "bool", reduce: (x, ax) => tf.all(x, ax), combine: tf.logicalAnd }, a, axis, options);
}

/** jnp.any. */
export function any(a: ArrayLike, axis: Axis = null, options: Pick<ReduceOptions, "keepdims" | "where"> = {}): tf.Tensor {
  return reduction({ name: "any", identity: false, hasIdentity: true, preproc: "bool", reduce: (x, ax) => tf.any(x, ax), combine: tf.logicalOr }, a, axis, options);
}

/** The number of elements reduced, as JAX's _count (the sum of `where` when given). */
function count(x: tf.Tensor, axis: Axis, keepdims: boolean, where: tf.Tensor | undefined): tf.Tensor {
  if (where === undefined) return tf.scalar(size(normAxes(axis, x.rank).map((i) => x.shape[i])), "float32");
  return sum(tf.broadcastTo(where, x.shape), axis, { dtype: "float32", keepdims });
}

export type StatOptions = Omit<ReduceOptions, "initial">;

/** jnp.mean(a, axis=None, dtype=None, keepdims=False, where=None): in float32 for ints and bools. */
export function mean(a: ArrayLike, axis: Axis = null, options: StatOptions = {}): tf.Tensor {
  const { keepdims = false, where } = options;
  checkWhere("mean", where);
  return tf.tidy(() => {
    const x = asArray(a);
    const dtype = options.dtype !== undefined ? toDType(options.dtype) : toInexact(x.dtype as DType);
    const total = sum(x, axis, { dtype, keepdims, where });
    return convert(dtype === "float32" ? xlaDivide(total, count(x, axis, keepdims, where)) : tf.div(total, convert(count(x, axis, keepdims, where), dtype)), dtype);
  });
}

export interface VarOptions extends StatOptions {
  /** Delta degrees of freedom: divide by N - ddof (numpy's name for `correction`). */
  ddof?: number;
  correction?: number;
}

/** jnp.var(a, axis=None, dtype=None, ddof=0, keepdims=False, where=None): NaN where N - ddof <= 0. */
export function variance(a: ArrayLike, axis: Axis = null, options: VarOptions = {}): tf.Tensor {
  const { keepdims = false, where } = options;
  checkWhere("var", where);
  const correction = options.correction ?? options.ddof ?? 0;
  return tf.tidy(() => {
    const dtype = options.dtype !== undefined ? toDType(options.dtype) : "float32";
    const x = convert(asArray(a), dtype);
    const centered = tf.sub(x, mean(x, axis, { dtype, keepdims: true, where }));
    const sq = tf.mul(centered, centered);
    const normalizer = tf.sub(count(x, axis, keepdims, where), correction);
    const result = xlaDivide(sum(sq, axis, { dtype, keepdims, where }), normalizer);
    return tf.where(tf.greater(normalizer, 0), result, tf.scalar(NaN));
  });
}
export { variance as var };

/** jnp.std: sqrt(var). */
export function std(a: ArrayLike, axis: Axis = null, options: VarOptions = {}): tf.Tensor {
  return tf.tidy(() => tf.sqrt(variance(a, axis, options)));
}

/** jnp.ptp: max - min. */
export function ptp(a: ArrayLike, axis: Axis = null, options: Pick<ReduceOptions, "keepdims"> = {}): tf.Tensor {
  return tf.tidy(() => tf.sub(max(a, axis, options), min(a, axis, options)));
}

/** jnp.count_nonzero (int32). */
export function countNonzero(a: ArrayLike, axis: Axis = null, options: Pick<ReduceOptions, "keepdims"> = {}): tf.Tensor {
  return tf.tidy(() => sum(convert(asArray(a), "bool"), axis, { ...options, dtype: "int32" }));
}

export interface ArgOptions {
  keepdims?: boolean;
}

/** argmax/argmin as lax.argmax: the first extreme value, and the first NaN if there is one. */
function argExtreme(name: string, pick: (x: tf.Tensor, axis: number) => tf.Tensor, a: ArrayLike, axis: number | null, options: ArgOptions): tf.Tensor {
  // Off the tape: indices have no gradient (tfjs's ArgMax gradient fails on an int32 cotangent).
  return offTape((input) => tf.tidy(() => {
    let x = input;
    const shape = x.shape;
    if (axis === null) x = tf.reshape(x, [-1]);
    const ax = normAxis(axis ?? 0, x.rank);
    if (x.shape[ax] === 0) throw new ValueError(`attempt to get ${name} of an empty sequence`);
    if (x.dtype === "bool") x = tf.cast(x, "int32");
    let result = pick(x, ax);
    if (x.dtype === "float32") {
      const nan = tf.isNaN(x);
      result = tf.where(tf.any(nan, ax), tf.argMax(tf.cast(nan, "int32"), ax), result);
    }
    if (!options.keepdims) return result;
    return axis === null ? tf.reshape(result, shape.map(() => 1)) : tf.expandDims(result, ax);
  }), asArray(a));
}

/** jnp.argmax(a, axis=None, keepdims=False): int32; the first maximum, or the first NaN. */
export function argmax(a: ArrayLike, axis: number | null = null, options: ArgOptions = {}): tf.Tensor {
  return argExtreme("argmax", (x, ax) => tf.argMax(x, ax), a, axis, options);
}

/** jnp.argmin: the first minimum, or the first NaN. */
export function argmin(a: ArrayLike, axis: number | null = null, options: ArgOptions = {}): tf.Tensor {
  return argExtreme("argmin", (x, ax) => tf.argMin(x, ax), a, axis, options);
}

// ---------------------------------------------------------------------------
// Cumulative reductions

function cumulative(op: (x: tf.Tensor, axis: number) => tf.Tensor, a: ArrayLike, axis: number | null, dtype?: DTypeLike): tf.Tensor {
  return tf.tidy(() => {
    let x = asArray(a);
    if (axis === null || x.rank === 0) x = tf.reshape(x, [-1]);
    const ax = normAxis(axis ?? 0, x.rank);
    const resultType: DType = dtype === undefined ? toNumeric(x.dtype as DType) : toDType(dtype);
    if (resultType === "bool" && x.dtype !== "bool") x = tf.notEqual(x, tf.scalar(0, x.dtype));
    x = convert(x, toNumeric(resultType));
    if (x.shape[ax] === 0) return convert(x.clone(), resultType);
    return convert(op(x, ax), resultType);
  });
}

/** The gradient of a cumulative product along an axis, by the recurrence S_i = dy_i + x_{i+1} S_{i+1} (exact with zeros). */
function cumprodFloat(x: tf.Tensor, axis: number): tf.Tensor {
  const f = customOp(
    (v) => tf.cumprod(v, axis),
    (dy, [v]) => {
      const xs = tf.unstack(v, axis);
      const gs = tf.unstack(dy, axis);
      const n = xs.length;
      const s = new Array<tf.Tensor>(n);
      s[n - 1] = gs[n - 1];
      for (let i = n - 2; i >= 0; i--) s[i] = tf.add(gs[i], tf.mul(xs[i + 1], s[i + 1]));
      const prefix = tf.cumprod(v, axis, true);
      return [tf.mul(prefix, tf.stack(s, axis))];
    },
  );
  return f(x);
}

/** jnp.cumsum(a, axis=None, dtype=None): flattened without an axis; ints and bools sum as int32. */
export function cumsum(a: ArrayLike, axis: number | null = null, dtype?: DTypeLike): tf.Tensor {
  return cumulative((x, ax) => alongLastAxis(x, ax, (y, last) => tf.cumsum(y, last)), a, axis, dtype);
}

/** f along the last axis, moving `axis` there and back (tfjs's Cumsum gradient is wrong for inner axes). */
function alongLastAxis(x: tf.Tensor, axis: number, f: (y: tf.Tensor, last: number) => tf.Tensor): tf.Tensor {
  const last = x.rank - 1;
  if (axis === last) return f(x, last);
  const perm = [...Array(x.rank).keys()];
  [perm[axis], perm[last]] = [perm[last], perm[axis]];
  return tf.transpose(f(tf.transpose(x, perm), last), perm);
}

/** jnp.cumprod(a, axis=None, dtype=None). */
export function cumprod(a: ArrayLike, axis: number | null = null, dtype?: DTypeLike): tf.Tensor {
  return cumulative((x, ax) => (x.dtype === "float32" ? cumprodFloat(x, ax) : tf.cumprod(x, ax)), a, axis, dtype);
}

// ---------------------------------------------------------------------------
// logsumexp, median, NaN-ignoring reductions

export interface LogsumexpOptions {
  /** Scale factors: log(sum(b * exp(a))). */
  b?: ArrayLike;
  keepdims?: boolean;
  where?: tf.Tensor;
}

/**
 * jax.nn.logsumexp / jax.scipy.special.logsumexp(a, axis=None, b=None,
 * keepdims=False, where=None) as JAX computes it: the (stop-gradient) max is
 * subtracted, non-finite maxima replaced by 0; a negative sum with `b` is NaN.
 */
export function logsumexp(a: ArrayLike, axis: Axis = null, options: LogsumexpOptions = {}): tf.Tensor {
  const [out, sgn] = logsumexpWithSign(a, axis, options);
  sgn.dispose();
  return out;
}

/** logsumexp(..., return_sign=True): [log|sum|, sign(sum)]. */
export function logsumexpWithSign(a: ArrayLike, axis: Axis = null, options: LogsumexpOptions = {}): [tf.Tensor, tf.Tensor] {
  const { keepdims = false, where, b } = options;
  return tf.tidy(() => {
    let x: tf.Tensor = asArray(a);
    if (where !== undefined) x = tf.where(where, x, tf.zerosLike(x));
    let bArr: tf.Tensor | undefined;
    if (b !== undefined) {
      const [p, q] = promoteArgsInexact(x, b);
      bArr = q;
      x = tf.where(tf.notEqual(q, 0), p, tf.scalar(-Infinity));
    } else {
      x = promoteArgsInexact(x)[0];
    }
    const axes = normAxes(axis, x.rank);
    let amax = max(x, axes, { keepdims, where, initial: -Infinity });
    amax = stopGradient(tf.where(tf.isFinite(amax), amax, tf.zerosLike(amax)));
    const amaxDims = keepdims ? amax : keep(amax, x.shape, axes);
    let expA = tf.exp(tf.sub(x, amaxDims));
    if (bArr) expA = tf.mul(expA, bArr);
    let sumexp = sum(expA, axes, { keepdims, where });
    const sgn = sign(sumexp);
    sumexp = abs(sumexp);
    let out = tf.add(tf.log(sumexp), amax);
    if (b !== undefined) out = tf.where(tf.less(sgn, 0), tf.scalar(NaN), out);
    return [out, sgn];
  }) as [tf.Tensor, tf.Tensor];
}

/**
 * jnp.median(a, axis=None, keepdims=False): quantile 0.5 with method
 * "midpoint", in float32; a NaN in a slice makes its median NaN. The values
 * are gathered at a stable sort's positions, so gradients flow as JAX's.
 */
export function median(a: ArrayLike, axis: Axis = null, options: { keepdims?: boolean } = {}): tf.Tensor {
  return tf.tidy(() => {
    const x = promoteArgsInexact(a)[0];
    const axes = normAxes(axis, x.rank);
    const flat = flattenAxes(x, axes);
    const n = flat.shape[flat.rank - 1];
    const rows = size(flat.shape.slice(0, -1));
    const m = tf.reshape(flat, [rows, n]);
    const hasNan = tf.any(tf.isNaN(m), 1);
    // A stable ascending order, computed on the host (indices carry no gradient).
    const order = argsort(m, -1);
    const q = 0.5 * (n - 1);
    const pick = (k: number) => {
      const col = tf.slice(order, [0, k], [rows, 1]);
      const flatIdx = tf.add(tf.reshape(col, [rows]), tf.mul(tf.range(0, rows, 1, "int32"), tf.scalar(n, "int32")));
      return tf.gather(tf.reshape(m, [-1]), flatIdx);
    };
    let out = tf.mul(tf.add(pick(Math.floor(q)), pick(Math.ceil(q))), 0.5);
    out = tf.where(hasNan, tf.scalar(NaN), out);
    const restShape = flat.shape.slice(0, -1);
    const result = tf.reshape(out, restShape);
    return options.keepdims ? keep(result, x.shape, axes) : result;
  });
}

function nanReduction(reduce: (x: tf.Tensor) => tf.Tensor, a: ArrayLike, fill: number, nanIfAllNan: boolean, axis: Axis, keepdims: boolean): tf.Tensor {
  return tf.tidy(() => {
    const x = asArray(a);
    if (x.dtype !== "float32") return reduce(x);
    const nan = tf.isNaN(x);
    const out = reduce(tf.where(nan, tf.scalar(fill), x));
    return nanIfAllNan ? tf.where(all(nan, axis, { keepdims }), tf.scalar(NaN), out) : out;
  });
}

/** jnp.nansum: NaNs count as 0. */
export function nansum(a: ArrayLike, axis: Axis = null, options: ReduceOptions = {}): tf.Tensor {
  return nanReduction((x) => sum(x, axis, options), a, 0, false, axis, options.keepdims ?? false);
}

/** jnp.nanmax: NaNs ignored; NaN where all are NaN. */
export function nanmax(a: ArrayLike, axis: Axis = null, options: ReduceOptions = {}): tf.Tensor {
  return nanReduction((x) => max(x, axis, options), a, -Infinity, true, axis, options.keepdims ?? false);
}

/** jnp.nanmin: NaNs ignored; NaN where all are NaN. */
export function nanmin(a: ArrayLike, axis: Axis = null, options: ReduceOptions = {}): tf.Tensor {
  return nanReduction((x) => min(x, axis, options), a, Infinity, true, axis, options.keepdims ?? false);
}

/** jnp.nanmean: the mean of the non-NaN elements. */
export function nanmean(a: ArrayLike, axis: Axis = null, options: StatOptions = {}): tf.Tensor {
  return tf.tidy(() => {
    const x = asArray(a);
    if (x.dtype !== "float32") return mean(x, axis, options);
    const { keepdims = false, where } = options;
    const normalizer = sum(offTape((t) => tf.logicalNot(tf.isNaN(t)), x), axis, { dtype: "float32", keepdims, where });
    return tf.div(nansum(x, axis, { keepdims, where }), normalizer);
  });
}
