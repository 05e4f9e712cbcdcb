// jax.nn.initializers / flax.nnx.initializers (flax re-exports jax's), and the
// Haiku initializers whose arithmetic differs, drawing exactly the same numbers
// from the same key (see runtime/random).
//
// Scalar arithmetic follows the Python source step by step: Python floats are
// float64, `jnp.array(x, float32)` rounds to float32 (Math.fround), and each
// eager jnp op on float32 rounds once. Eager ops are not fused, so `x * s` here
// is a plain rounded product.

import { tf } from "../tf.js";
import * as random from "../random/index.js";
import type { Key } from "../random/index.js";

export type { Key } from "../random/index.js";
export type Initializer = (key: Key, shape: number[], dtype?: "float32") => tf.Tensor;

const f = Math.fround;

export type FanMode = "fan_in" | "fan_out" | "fan_avg" | "fan_geo_avg";
export type Distribution = "truncated_normal" | "normal" | "uniform";
export interface AxisOpts {
  inAxis?: number | number[];
  outAxis?: number | number[];
  batchAxis?: number | number[];
}

function checkDtype(dtype: string | undefined): void {
  if (dtype !== undefined && dtype !== "float32") {
    throw new Error(`initializers: only float32 is supported, got ${dtype}`);
  }
}

function prod(xs: number[]): number {
  return xs.reduce((a, b) => a * b, 1);
}

function scaled(values: Float32Array, s: number, shape: number[]): tf.Tensor {
  const s32 = f(s);
  for (let i = 0; i < values.length; i++) values[i] = f(values[i] * s32);
  return tf.tensor(values, shape, "float32");
}

/** A bound, fixed or of the drawn shape. */
type Atol = number | ((shape: readonly number[]) => number);

const INEXACT = new WeakMap<Initializer, { atol: Atol; why: string }>();

/**
 * Marks an initializer whose values agree with JAX's only to within `atol`
 * (a factorisation JAX runs in float32 LAPACK and this runtime in float64),
 * so a comparison with the source's initial values uses that bound.
 */
export function inexact<T extends Initializer>(init: T, atol: Atol, why: string): T {
  INEXACT.set(init, { atol, why });
  return init;
}

/** How close `init`'s values of `shape` are to JAX's, when they are not bit-exact (undefined: bit-exact). */
export function initializerBound(init: unknown, shape: readonly number[]): { atol: number; why: string } | undefined {
  const b = typeof init === "function" ? INEXACT.get(init as Initializer) : undefined;
  return b && { atol: typeof b.atol === "number" ? b.atol : b.atol(shape), why: b.why };
}

/** A wrapper of `inner` (reshaping its draw) keeps its bound. */
export function sameBound<T extends Initializer>(wrapper: T, inner: Initializer): T {
  const b = INEXACT.get(inner);
  if (b) INEXACT.set(wrapper, b);
  return wrapper;
}

/**
 * |ours − JAX's| ≤ |scale|·max(1e-6, m·n·u) for the QR of an m×n matrix, u = 2^-24: Householder QR in
 * float32 gives each column of Q within about m·n·u of the exact factor (Higham, Accuracy and Stability
 * of Numerical Algorithms, Thm 19.4). Measured against a float64 QR over 30 seeds: at most 0.5 of it
 * (4×4), 0.16 (16×16), 0.016 (64×64).
 */
function qrBound(scale: number, dims: (shape: readonly number[]) => [number, number]): Atol {
  return (shape) => {
    const [m, n] = dims(shape);
    return Math.abs(scale) * Math.max(1e-6, m * n * 2 ** -24);
  };
}
const QR_WHY = "its QR factorisation runs in float64 here and in float32 LAPACK in JAX (bound m·n·2^-24 for an m×n QR)";
/** The QR's matrix: the shape flattened to (size / shape[axis], shape[axis]). */
const flatDims = (axis: number) => (shape: readonly number[]): [number, number] => {
  const a = axis < 0 ? axis + shape.length : axis;
  return [prod([...shape]) / shape[a], shape[a]];
};

/** jax.nn.initializers.zeros (an Initializer itself; the key is ignored). */
export const zeros: Initializer = (_key, shape, dtype) => {
  checkDtype(dtype);
  return tf.zeros(shape, "float32");
};

/** jax.nn.initializers.ones. */
export const ones: Initializer = (_key, shape, dtype) => {
  checkDtype(dtype);
  return tf.ones(shape, "float32");
};

/** flax.nnx.initializers.zeros_init() / ones_init(). */
export const zerosInit = (): Initializer => zeros;
export const onesInit = (): Initializer => ones;

/** jax.nn.initializers.constant(value). */
export function constant(value: number): Initializer {
  return (_key, shape, dtype) => {
    checkDtype(dtype);
    return tf.fill(shape, f(value), "float32");
  };
}

/** jax.nn.initializers.uniform(scale): uniform[0, 1) * f32(scale). */
export function uniform(scale = 1e-2): Initializer {
  return (key, shape, dtype) => {
    checkDtype(dtype);
    return scaled(random.uniformValues(key, shape), scale, shape);
  };
}

/** jax.nn.initializers.normal(stddev): normal * f32(stddev). */
export function normal(stddev = 1e-2): Initializer {
  return (key, shape, dtype) => {
    checkDtype(dtype);
    return scaled(random.normalValues(key, shape), stddev, shape);
  };
}

/** jax.nn.initializers.truncated_normal(stddev, lower, upper): no variance correction. */
export function truncatedNormal(stddev = 1e-2, lower = -2, upper = 2): Initializer {
  return (key, shape, dtype) => {
    checkDtype(dtype);
    return scaled(random.truncatedNormalValues(key, lower, upper, shape), stddev, shape);
  };
}

function axisSize(shape: number[], axis: number | number[]): number {
  const axes = typeof axis === "number" ? [axis] : axis;
  return prod(
    axes.map((a) => {
      const d = shape[a < 0 ? a + shape.length : a];
      if (d === undefined) throw new Error(`axis ${a} out of range for shape [${shape}]`);
      return d;
    }),
  );
}

/** jax.nn.initializers._compute_fans: float64 arithmetic, as in Python. */
export function computeFans(shape: number[], opts: AxisOpts = {}): [number, number] {
  const inAxis = opts.inAxis ?? -2;
  const outAxis = opts.outAxis ?? -1;
  const batchAxis = opts.batchAxis ?? [];
  if (inAxis === -2 && shape.length <= 1) {
    throw new Error(
      `Can't compute input and output sizes of a ${shape.length}-dimensional weights tensor with default in_axis.`,
    );
  }
  const inSize = axisSize(shape, inAxis);
  const outSize = axisSize(shape, outAxis);
  const batchSize = axisSize(shape, batchAxis);
  const receptive = prod(shape) / inSize / outSize / batchSize;
  return [inSize * receptive, outSize * receptive];
}

// Stddev of a standard normal truncated to (-2, 2).
const TRUNC_STD = 0.87962566103423978;

/** jax.nn.initializers.variance_scaling. */
export function varianceScaling(
  scale: number,
  mode: FanMode,
  distribution: Distribution,
  opts: AxisOpts = {},
): Initializer {
  return (key, shape, dtype) => {
    checkDtype(dtype);
    const [fanIn, fanOut] = computeFans(shape, opts);
    let denominator: number;
    if (mode === "fan_in") denominator = fanIn;
    else if (mode === "fan_out") denominator = fanOut;
    else if (mode === "fan_avg") denominator = (fanIn + fanOut) / 2;
    else if (mode === "fan_geo_avg") denominator = (fanIn * fanOut) ** 0.5;
    else throw new Error(`invalid mode for variance scaling initializer: ${mode}`);
    const variance = f(scale / denominator); // jnp.array(..., float32)
    if (distribution === "truncated_normal") {
      const stddev = f(f(Math.sqrt(variance)) / f(TRUNC_STD));
      return scaled(random.truncatedNormalValues(key, -2, 2, shape), stddev, shape);
    }
    if (distribution === "normal") {
      return scaled(random.normalValues(key, shape), f(Math.sqrt(variance)), shape);
    }
    if (distribution === "uniform") {
      const u = random.uniformValues(key, shape, { minval: -1, maxval: 1 });
      return scaled(u, f(Math.sqrt(f(3 * variance))), shape);
    }
    throw new Error(`invalid distribution for variance scaling initializer: ${distribution}`);
  };
}

export const glorotUniform = (o: AxisOpts = {}) => varianceScaling(1, "fan_avg", "uniform", o);
export const glorotNormal = (o: AxisOpts = {}) => varianceScaling(1, "fan_avg", "truncated_normal", o);
export const lecunUniform = (o: AxisOpts = {}) => varianceScaling(1, "fan_in", "uniform", o);
export const lecunNormal = (o: AxisOpts = {}) => varianceScaling(1, "fan_in", "truncated_normal", o);
export const heUniform = (o: AxisOpts = {}) => varianceScaling(2, "fan_in", "uniform", o);
export const heNormal = (o: AxisOpts = {}) => varianceScaling(2, "fan_in", "truncated_normal", o);
export const xavierUniform = glorotUniform;
export const xavierNormal = glorotNormal;
export const kaimingUniform = heUniform;
export const kaimingNormal = heNormal;

/**
 * Householder QR of an m x n float64 matrix (m >= n, row-major); returns the
 * m x n Q with the signs of R's diagonal folded in (q * sign(diag(r))), which
 * makes the result unique and so comparable with LAPACK's up to rounding.
 */
export function orthonormalColumns(a: Float64Array, m: number, n: number): Float64Array {
  const r = Float64Array.from(a);
  const vs: Float64Array[] = [];
  const diagSign: number[] = [];
  for (let k = 0; k < n; k++) {
    let norm = 0;
    for (let i = k; i < m; i++) norm += r[i * n + k] ** 2;
    norm = Math.sqrt(norm);
    const x0 = r[k * n + k];
    const alpha = x0 >= 0 ? -norm : norm; // R[k][k] = alpha
    const v = new Float64Array(m);
    for (let i = k; i < m; i++) v[i] = r[i * n + k];
    v[k] -= alpha;
    let vnorm2 = 0;
    for (let i = k; i < m; i++) vnorm2 += v[i] * v[i];
    vs.push(v);
    diagSign.push(alpha === 0 ? 0 : Math.sign(alpha));
    if (vnorm2 === 0) continue;
    for (let j = k; j < n; j++) {
      let dot = 0;
      for (let i = k; i < m; i++) dot += v[i] * r[i * n + j];
      const c = (2 * dot) / vnorm2;
      for (let i = k; i < m; i++) r[i * n + j] -= c * v[i];
    }
  }
  // Q = H_0 H_1 ... H_{n-1} applied to the first n columns of the identity.
  const q = new Float64Array(m * n);
  for (let j = 0; j < n; j++) q[j * n + j] = 1;
  for (let k = n - 1; k >= 0; k--) {
    const v = vs[k];
    let vnorm2 = 0;
    for (let i = k; i < m; i++) vnorm2 += v[i] * v[i];
    if (vnorm2 === 0) continue;
    for (let j = 0; j < n; j++) {
      let dot = 0;
      for (let i = k; i < m; i++) dot += v[i] * q[i * n + j];
      const c = (2 * dot) / vnorm2;
      for (let i = k; i < m; i++) q[i * n + j] -= c * v[i];
    }
  }
  for (let j = 0; j < n; j++) for (let i = 0; i < m; i++) q[i * n + j] *= diagSign[j];
  return q;
}

/**
 * jax.nn.initializers.orthogonal(scale, column_axis). The normal draw is exact;
 * the QR runs in float64 here, where JAX uses LAPACK in float32, so results
 * agree to float32 rounding of the factorisation (not bit-exact).
 */
export function orthogonal(scale = 1, columnAxis = -1): Initializer {
  return inexact(orthogonalValues(scale, columnAxis), qrBound(scale, flatDims(columnAxis)), QR_WHY);
}

function orthogonalValues(scale: number, columnAxis: number): Initializer {
  return (key, shape, dtype) => {
    checkDtype(dtype);
    if (shape.length < 2) throw new Error("orthogonal initializer requires at least a 2D shape");
    if (shape.some((d) => d === 0)) return tf.zeros(shape, "float32");
    const axis = columnAxis < 0 ? columnAxis + shape.length : columnAxis;
    const nCols = shape[axis];
    const nRows = prod(shape) / nCols;
    // jax.random.orthogonal(key, n_rows, m=n_cols): z ~ normal(max, min).
    const m = Math.max(nRows, nCols);
    const n = Math.min(nRows, nCols);
    const z = random.normalValues(key, [m, n]);
    const q = orthonormalColumns(Float64Array.from(z), m, n);
    // q is m x n; transpose when n_rows < n_cols so it is n_rows x n_cols.
    const flat = new Float32Array(nRows * nCols);
    const s32 = f(scale);
    for (let i = 0; i < nRows; i++) {
      for (let j = 0; j < nCols; j++) {
        const v = nRows >= nCols ? q[i * n + j] : q[j * n + i];
        flat[i * nCols + j] = f(s32 * f(v));
      }
    }
    // Reshape to shape-without-column-axis + [nCols], then move the last axis to `axis`.
    const rest = shape.filter((_, d) => d !== axis);
    return tf.tidy(() => {
      const t = tf.tensor(flat, [...rest, nCols], "float32");
      const perm = rest.map((_, d) => d);
      perm.splice(axis, 0, rest.length);
      return tf.transpose(t, perm);
    });
  };
}

/**
 * jax.nn.initializers.delta_orthogonal(scale, column_axis): zeros of a 3-D to
 * 5-D kernel shape with orthogonal(scale, column_axis) of its last two axes at
 * the kernel's centre ((k - 1) // 2 on each spatial axis). Within the
 * orthogonal initializer's bound.
 */
export function deltaOrthogonal(scale = 1, columnAxis = -1): Initializer {
  const ortho = orthogonalValues(scale, columnAxis);
  return inexact(
    (key, shape, dtype) => {
      checkDtype(dtype);
      if (shape.length < 3 || shape.length > 5) throw new Error("Delta orthogonal initializer requires a 3D, 4D or 5D shape.");
      if (shape[shape.length - 1] < shape[shape.length - 2]) throw new Error("`fan_in` must be less or equal than `fan_out`. ");
      const [rows, cols] = shape.slice(-2);
      const matrix = ortho(key, [rows, cols], "float32");
      const values = new Float32Array(prod(shape));
      const m = matrix.dataSync();
      matrix.dispose();
      // The centre tap's offset in the flattened kernel.
      const spatial = shape.slice(0, -2);
      let offset = 0;
      for (const k of spatial) offset = offset * k + Math.floor((k - 1) / 2);
      values.set(m, offset * rows * cols);
      return tf.tensor(values, shape, "float32");
    },
    qrBound(scale, (shape) => [shape[shape.length - 2], shape[shape.length - 1]]),
    QR_WHY,
  );
}

// ---------------------------------------------------------------------------
// Haiku (hk.initializers). Haiku initializers take (shape, dtype) and draw
// hk.next_rng_key(); here the caller passes that key explicitly.

/** hk.initializers.Constant. */
export const haikuConstant = constant;

/**
 * hk.initializers.TruncatedNormal(stddev, mean, lower, upper):
 * f32(stddev) * truncated_normal(lower, upper) + f32(mean), as two eager ops.
 * No truncation correction: stddev is the untruncated normal's.
 */
export function haikuTruncatedNormal(stddev = 1, mean = 0, lower = -2, upper = 2): Initializer {
  return (key, shape, dtype) => {
    checkDtype(dtype);
    const s = f(stddev);
    const m = f(mean);
    const v = random.truncatedNormalValues(key, lower, upper, shape);
    for (let i = 0; i < v.length; i++) v[i] = f(f(s * v[i]) + m);
    return tf.tensor(v, shape, "float32");
  };
}

/**
 * The default w_init of hk.Linear and hk.ConvND: TruncatedNormal(1/sqrt(fan_in))
 * with fan_in the product of all but the last axis, the stddev computed in
 * float64 as Haiku does (`1. / np.sqrt(fan_in)`).
 */
export function haikuFanInTruncatedNormal(): Initializer {
  return (key, shape, dtype) => haikuTruncatedNormal(1 / Math.sqrt(prod(shape.slice(0, -1))))(key, shape, dtype);
}

/** hk.initializers.RandomNormal(stddev, mean): f32(mean) + f32(stddev) * normal. */
export function haikuRandomNormal(stddev = 1, mean = 0): Initializer {
  return (key, shape, dtype) => {
    checkDtype(dtype);
    const s = f(stddev);
    const m = f(mean);
    const v = random.normalValues(key, shape);
    for (let i = 0; i < v.length; i++) v[i] = f(m + f(s * v[i]));
    return tf.tensor(v, shape, "float32");
  };
}

/** hk.initializers.RandomUniform(minval, maxval): jax.random.uniform(minval, maxval). */
export function haikuRandomUniform(minval = 0, maxval = 1): Initializer {
  return (key, shape, dtype) => {
    checkDtype(dtype);
    return tf.tensor(random.uniformValues(key, shape, { minval, maxval }), shape, "float32");
  };
}

/** haiku._src.initializers._compute_fans. */
export function haikuComputeFans(shape: number[], fanInAxes?: number[]): [number, number] {
  if (shape.length < 1) return [1, 1];
  if (shape.length === 1) return [shape[0], shape[0]];
  if (shape.length === 2) return [shape[0], shape[1]];
  if (fanInAxes !== undefined) {
    // Python's `i not in fan_in_axes` compares indices literally (no negatives).
    return [
      prod(fanInAxes.map((i) => shape[i < 0 ? i + shape.length : i])),
      prod(shape.filter((_, i) => !fanInAxes.includes(i))),
    ];
  }
  const receptive = prod(shape.slice(0, -2));
  return [shape[shape.length - 2] * receptive, shape[shape.length - 1] * receptive];
}

/**
 * hk.initializers.VarianceScaling(scale, mode, distribution, fan_in_axes).
 * stddev = sqrt(scale / max(1, fan)) in float64, divided (for truncated_normal)
 * by float32(0.8796...) still in float64, then handed to TruncatedNormal which
 * rounds it to float32.
 */
export function haikuVarianceScaling(
  scale = 1,
  mode: "fan_in" | "fan_out" | "fan_avg" = "fan_in",
  distribution: Distribution = "truncated_normal",
  fanInAxes?: number[],
): Initializer {
  if (scale < 0) throw new Error("`scale` must be a positive float.");
  return (key, shape, dtype) => {
    checkDtype(dtype);
    const [fanIn, fanOut] = haikuComputeFans(shape, fanInAxes);
    let s = scale;
    if (mode === "fan_in") s /= Math.max(1, fanIn);
    else if (mode === "fan_out") s /= Math.max(1, fanOut);
    else s /= Math.max(1, (fanIn + fanOut) / 2);
    if (distribution === "truncated_normal") {
      const stddev = Math.sqrt(s) / f(TRUNC_STD);
      return haikuTruncatedNormal(stddev)(key, shape, dtype);
    }
    if (distribution === "normal") return haikuRandomNormal(Math.sqrt(s))(key, shape, dtype);
    const limit = Math.sqrt(3 * s);
    return haikuRandomUniform(-limit, limit)(key, shape, dtype);
  };
}

// ---------------------------------------------------------------------------
// Haiku initializers (task C): the rest of hk.initializers
// (haiku/_src/initializers.py), drawing from the key the caller passes where
// Haiku calls hk.next_rng_key().

/**
 * hk.initializers.UniformScaling(scale): RandomUniform(-m, m) with
 * m = sqrt(3 / prod(shape[:-1])) * scale, in float64 as numpy computes it.
 */
export function haikuUniformScaling(scale = 1): Initializer {
  return (key, shape, dtype) => {
    checkDtype(dtype);
    const maxVal = Math.sqrt(3 / prod(shape.slice(0, -1))) * scale;
    return haikuRandomUniform(-maxVal, maxVal)(key, shape, dtype);
  };
}

/**
 * hk.initializers.Orthogonal(scale, axis): a normal draw of shape
 * (max(r, c), min(r, c)) with r = shape[axis], c = size / r, then
 * q * sign(diag(r)) of its QR, transposed when r < c, reshaped to
 * (r, ...other axes) and moved to `axis`, times f32(scale). The draw is exact;
 * the QR runs in float64 here where JAX uses LAPACK in float32, so values agree
 * to float32 rounding of the factorisation (not bit-exact).
 */
export function haikuOrthogonal(scale = 1, axis = -1): Initializer {
  return inexact(haikuOrthogonalValues(scale, axis), qrBound(scale, flatDims(axis)), QR_WHY);
}

function haikuOrthogonalValues(scale: number, axis: number): Initializer {
  return (key, shape, dtype) => {
    checkDtype(dtype);
    if (shape.length < 2) throw new Error("Orthogonal initializer requires at least a 2D shape.");
    const ax = axis < 0 ? axis + shape.length : axis;
    const nRows = shape[ax];
    const nCols = Math.floor(prod(shape) / nRows);
    const [m, n] = nRows > nCols ? [nRows, nCols] : [nCols, nRows];
    const z = random.normalValues(key, [m, n]);
    const q = orthonormalColumns(Float64Array.from(z), m, n); // m x n
    const s32 = f(scale);
    // The (nRows, nCols) matrix: q itself when nRows >= nCols, else q transposed.
    const flat = new Float32Array(nRows * nCols);
    for (let i = 0; i < nRows; i++) {
      for (let j = 0; j < nCols; j++) {
        const v = nRows >= nCols ? q[i * n + j] : q[j * n + i];
        flat[i * nCols + j] = f(s32 * f(v));
      }
    }
    const rest = shape.filter((_, d) => d !== ax);
    return tf.tidy(() => {
      const t = tf.tensor(flat, [nRows, ...rest], "float32");
      const perm = rest.map((_, d) => d + 1);
      perm.splice(ax, 0, 0); // jnp.moveaxis(q, 0, axis)
      return tf.transpose(t, perm);
    });
  };
}

/**
 * hk.initializers.Identity(gain): f32(gain) * eye(shape[-2], shape[-1]),
 * broadcast over leading axes. Draws no key.
 */
export function haikuIdentity(gain = 1): Initializer {
  return (_key, shape, dtype) => {
    checkDtype(dtype);
    if (shape.length < 2) throw new Error("Identity initializer requires at least a 2D shape.");
    const [r, c] = shape.slice(-2);
    const g = f(gain);
    const eye = new Float32Array(r * c);
    // gain * 0 keeps its sign (-0 for a negative gain), as in JAX.
    for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) eye[i * c + j] = g * (i === j ? 1 : 0);
    return tf.tidy(() => tf.broadcastTo(tf.tensor(eye, [r, c], "float32"), shape));
  };
}
