// The activation functions flax.nnx and flax.linen export and the rest of
// jax.nn (jax/_src/nn/functions.py), each computed as JAX computes it and with
// JAX's gradient, including its custom JVPs (relu, relu6, softplus via
// logaddexp, log1mexp) and lax.max/min's half gradients at ties.
//
// Calls follow jax.nn's signatures: the array, then the first optional
// argument by position (`gelu(x, false)`, `softmax(x, 0)`), or an options
// object with camelCase keys (`softmax(x, { axis: 0, where })`).
// Not here: dot_product_attention (with attention), and the cuDNN-only
// block-scaled scaled_matmul / scaled_dot_general.

import { tf } from "../tf.js";
import { canonicalizeAxes, stopGradient } from "../ops.js";
import { abs, clip, maximum, minimum, withGradient } from "./lax_ops.js";

/** One axis, several, or null for all of them (JAX's Axis). */
export type Axis = number | readonly number[] | null;

function axesOf(x: tf.Tensor, axis: Axis): number[] {
  return axis === null ? [...Array(x.rank).keys()] : canonicalizeAxes(x.rank, axis);
}

/** The first optional argument by position, or all of them as an options object. */
function opts<O extends object>(arg: unknown, key: keyof O): Partial<O> {
  if (arg !== null && typeof arg === "object" && !Array.isArray(arg) && !(arg instanceof tf.Tensor)) return arg as O;
  return arg === undefined ? {} : ({ [key]: arg } as Partial<O>);
}

function mask(where: tf.Tensor, x: tf.Tensor): tf.Tensor {
  return tf.broadcastTo(tf.cast(where, "bool"), x.shape);
}

/** jnp.max(x, axes, where=where, initial=-inf, keepdims=True). */
function maskedMax(x: tf.Tensor, axes: number[], where: tf.Tensor | null): tf.Tensor {
  const v = where === null ? x : tf.where(mask(where, x), x, tf.fill(x.shape, -Infinity));
  return tf.max(v, axes, true);
}

/** jnp.sum(x, axes, where=where, keepdims). */
function maskedSum(x: tf.Tensor, axes: number[], where: tf.Tensor | null, keepdims: boolean): tf.Tensor {
  const v = where === null ? x : tf.where(mask(where, x), x, tf.zerosLike(x));
  return tf.sum(v, axes, keepdims);
}

/** jnp.mean(x, axes, where=where, keepdims): sum over the count of selected elements. */
function maskedMean(x: tf.Tensor, axes: number[], where: tf.Tensor | null, keepdims: boolean): tf.Tensor {
  if (where === null) return tf.mean(x, axes, keepdims);
  return tf.div(maskedSum(x, axes, where, keepdims), tf.sum(tf.cast(mask(where, x), "float32"), axes, keepdims));
}

// ---------------------------------------------------------------------------
// Element-wise

/** jax.nn.identity. */
export function identity(x: tf.Tensor): tf.Tensor {
  return tf.clone(x);
}

/** max(x, 0); gradient 0 at 0 (jax's custom jvp). */
export function relu(x: tf.Tensor): tf.Tensor {
  return tf.relu(x);
}

/** min(max(x, 0), 6); gradient 1 strictly between 0 and 6, else 0 (jax's custom jvp). */
export function relu6(x: tf.Tensor): tf.Tensor {
  return withGradient(
    (v) => tf.minimum(tf.maximum(v, 0), 6),
    (v) => tf.cast(tf.logicalAnd(tf.greater(v, 0), tf.less(v, 6)), "float32"),
  )(x);
}

/** jax.nn.sigmoid (lax.logistic). */
export function sigmoid(x: tf.Tensor): tf.Tensor {
  return tf.sigmoid(x);
}

/** jnp.tanh. */
export function tanh(x: tf.Tensor): tf.Tensor {
  return tf.tanh(x);
}

/** x * sigmoid(x). */
export function silu(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.mul(x, tf.sigmoid(x)));
}
export const swish = silu;

/**
 * jnp.logaddexp(x, 0): max(x, 0) + log1p(exp(-|x|)) (NaN stays NaN), with its
 * custom jvp exp(x - y) (infinities replaced by 0).
 */
export function softplus(x: tf.Tensor): tf.Tensor {
  const noInf = (t: tf.Tensor) => tf.where(tf.equal(t, Infinity), tf.zerosLike(t), t);
  return withGradient(
    (v) => tf.where(tf.isNaN(v), v, tf.add(tf.maximum(v, 0), tf.log1p(tf.exp(tf.neg(tf.abs(v)))))),
    (v, y) => tf.exp(tf.sub(noInf(v), noInf(y))),
  )(x);
}

/** -softplus(-x). */
export function logSigmoid(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.neg(softplus(tf.neg(x))));
}

/** x * tanh(softplus(x)). */
export function mish(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.mul(x, tf.tanh(softplus(x))));
}

/** (x + sqrt(x² + b)) / 2. */
export function squareplus(x: tf.Tensor, b: number | { b?: number } = 4): tf.Tensor {
  const { b: bb = 4 } = opts<{ b: number }>(b, "b");
  return tf.tidy(() => tf.div(tf.add(x, tf.sqrt(tf.add(tf.square(x), bb))), 2));
}

/** 0 below -1, x above 1, (x + 1)² / 4 between. */
export function sparsePlus(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() =>
    tf.where(tf.lessEqual(x, -1), tf.zerosLike(x), tf.where(tf.greaterEqual(x, 1), x, tf.div(tf.square(tf.add(x, 1)), 4))),
  );
}

/** x / (|x| + 1). */
export function softSign(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.div(x, tf.add(abs(x), 1)));
}

/** 0.5 * clip(x + 1, 0, 2). */
export function sparseSigmoid(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.mul(0.5, clip(tf.add(x, 1), 0, 2)));
}

/** where(x > 0, x, alpha * expm1(where(x > 0, 0, x))). */
export function elu(x: tf.Tensor, alpha: number | { alpha?: number } = 1): tf.Tensor {
  const { alpha: a = 1 } = opts<{ alpha: number }>(alpha, "alpha");
  return tf.tidy(() => {
    const pos = tf.greater(x, 0);
    return tf.where(pos, x, tf.mul(a, tf.expm1(tf.where(pos, tf.zerosLike(x), x))));
  });
}

/** where(x >= 0, x, negativeSlope * x). */
export function leakyRelu(x: tf.Tensor, negativeSlope: number | { negativeSlope?: number } = 1e-2): tf.Tensor {
  const { negativeSlope: s = 1e-2 } = opts<{ negativeSlope: number }>(negativeSlope, "negativeSlope");
  return tf.tidy(() => tf.where(tf.greaterEqual(x, 0), x, tf.mul(s, x)));
}

/** 1 above 1, -1 below -1, x between. */
export function hardTanh(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.where(tf.greater(x, 1), tf.onesLike(x), tf.where(tf.less(x, -1), tf.fill(x.shape, -1), x)));
}

/** max(x, 0) + alpha * expm1(min(x, 0) / alpha). */
export function celu(x: tf.Tensor, alpha: number | { alpha?: number } = 1): tf.Tensor {
  const { alpha: a = 1 } = opts<{ alpha: number }>(alpha, "alpha");
  return tf.tidy(() => tf.add(maximum(x, 0), tf.mul(a, tf.expm1(tf.div(minimum(x, 0), a)))));
}

/** scale * elu(x, alpha) with SELU's constants. */
export function selu(x: tf.Tensor): tf.Tensor {
  const alpha = 1.6732632423543772848170429916717;
  const scale = 1.0507009873554804934193349852946;
  return tf.tidy(() => tf.mul(scale, elu(x, alpha)));
}

/**
 * jax.nn.gelu: the tanh approximation by default, the exact form
 * 0.5 * x * erfc(-x / √2) with `approximate: false` (as 0.5 * x * (1 + erf(x / √2));
 * tfjs has no erfc, so far-negative x loses the tail below ~1e-8).
 */
export function gelu(x: tf.Tensor, approximate: boolean | { approximate?: boolean } = true): tf.Tensor {
  const { approximate: approx = true } = opts<{ approximate: boolean }>(approximate, "approximate");
  return tf.tidy(() => {
    if (approx) {
      const c = Math.fround(Math.sqrt(2 / Math.PI));
      // x ** 3 is lax.integer_pow: (x * x) * x.
      const inner = tf.mul(c, tf.add(x, tf.mul(0.044715, tf.mul(tf.mul(x, x), x))));
      return tf.mul(x, tf.mul(0.5, tf.add(1, tf.tanh(inner))));
    }
    return tf.mul(tf.mul(0.5, x), tf.add(1, tf.erf(tf.mul(x, Math.fround(Math.SQRT1_2)))));
  });
}

/** x1 * sigmoid(x2) for the two halves of `axis`. */
export function glu(x: tf.Tensor, axis: number | { axis?: number } = -1): tf.Tensor {
  const { axis: ax = -1 } = opts<{ axis: number }>(axis, "axis");
  const a = ax < 0 ? ax + x.rank : ax;
  if (x.shape[a] % 2 !== 0) throw new Error("axis size must be divisible by 2");
  return tf.tidy(() => {
    const [x1, x2] = tf.split(x, 2, a);
    return tf.mul(x1, tf.sigmoid(x2));
  });
}

/** relu6(x + 3) / 6. */
export function hardSigmoid(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.div(relu6(tf.add(x, 3)), 6));
}

/** x * hardSigmoid(x). */
export function hardSilu(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.mul(x, hardSigmoid(x)));
}
export const hardSwish = hardSilu;

/** log(1 - exp(-x)), by log(-expm1(-x)) below log 2, else log1p(-exp(-x)); gradient 1 / expm1(x). */
export function log1mexp(x: tf.Tensor): tf.Tensor {
  const c = Math.fround(Math.LN2);
  return withGradient(
    (v) => tf.where(tf.less(v, c), tf.log(tf.neg(tf.expm1(tf.neg(v)))), tf.log1p(tf.neg(tf.exp(tf.neg(v))))),
    (v) => tf.div(1, tf.expm1(v)),
  )(x);
}

// ---------------------------------------------------------------------------
// Reductions

export interface SoftmaxOptions {
  axis?: Axis;
  /** Elements that take part (broadcastable to x); the others give 0 (softmax) or -inf (logSoftmax). */
  where?: tf.Tensor | null;
}

/** jax.nn.softmax: exp(x - stop_gradient(max)) / sum, over `axis` (default -1). */
export function softmax(x: tf.Tensor, axis: Axis | SoftmaxOptions = -1): tf.Tensor {
  const { axis: ax = -1, where = null } = opts<SoftmaxOptions>(axis, "axis");
  return tf.tidy(() => {
    const axes = axesOf(x, ax);
    const xMax = maskedMax(x, axes, where);
    const safe = where === null ? x : tf.where(mask(where, x), x, tf.fill(x.shape, -Infinity));
    const unnormalized = tf.exp(tf.sub(safe, stopGradient(xMax)));
    const result = tf.div(unnormalized, maskedSum(unnormalized, axes, where, true));
    return where === null ? result : tf.where(mask(where, x), result, tf.zerosLike(result));
  });
}

/** jax.nn.log_softmax: shifted - log(sum(exp(shifted))), shifted = x - stop_gradient(max). */
export function logSoftmax(x: tf.Tensor, axis: Axis | SoftmaxOptions = -1): tf.Tensor {
  const { axis: ax = -1, where = null } = opts<SoftmaxOptions>(axis, "axis");
  return tf.tidy(() => {
    const axes = axesOf(x, ax);
    const xMax = maskedMax(x, axes, where);
    const safe = where === null ? x : tf.where(mask(where, x), x, tf.fill(x.shape, -Infinity));
    const shifted = tf.sub(safe, stopGradient(xMax));
    const result = tf.sub(shifted, tf.log(maskedSum(tf.exp(shifted), axes, where, true)));
    return where === null ? result : tf.where(mask(where, x), result, tf.fill(result.shape, -Infinity));
  });
}

export interface LogsumexpOptions {
  /** Default null: all axes. */
  axis?: Axis;
  /** Weights: log(sum(b * exp(a))); a negative sum gives NaN unless returnSign. */
  b?: tf.Tensor | number | null;
  keepdims?: boolean;
  returnSign?: boolean;
  where?: tf.Tensor | null;
}

/** jax.nn.logsumexp (jax.scipy.special.logsumexp); [value, sign] with `returnSign`. */
export function logsumexp(a: tf.Tensor, axis?: Axis | (LogsumexpOptions & { returnSign?: false })): tf.Tensor;
export function logsumexp(a: tf.Tensor, options: LogsumexpOptions & { returnSign: true }): [tf.Tensor, tf.Tensor];
export function logsumexp(a: tf.Tensor, axis: Axis | LogsumexpOptions = null): tf.Tensor | [tf.Tensor, tf.Tensor] {
  const { axis: ax = null, b = null, keepdims = false, returnSign = false, where = null } = opts<LogsumexpOptions>(axis, "axis");
  const out = tf.tidy(() => {
    let x = where === null ? a : tf.where(mask(where, a), a, tf.zerosLike(a));
    let bt: tf.Tensor | null = null;
    if (b !== null) {
      bt = typeof b === "number" ? tf.scalar(b) : b;
      x = tf.where(tf.notEqual(tf.broadcastTo(bt, x.shape), 0), x, tf.fill(x.shape, -Infinity));
    }
    const axes = axesOf(x, ax);
    let amax = maskedMax(x, axes, where);
    amax = stopGradient(tf.where(tf.isFinite(amax), amax, tf.zerosLike(amax)));
    let expA = tf.exp(tf.sub(x, amax));
    if (bt !== null) expA = tf.mul(expA, bt);
    let sumexp = maskedSum(expA, axes, where, keepdims);
    const sign = tf.sign(sumexp);
    sumexp = abs(sumexp);
    let value = tf.add(tf.log(sumexp), keepdims ? amax : tf.squeeze(amax, axes));
    if (!returnSign && bt !== null) value = tf.where(tf.less(sign, 0), tf.fill(value.shape, NaN), value);
    return [value, sign] as [tf.Tensor, tf.Tensor];
  });
  if (returnSign) return out;
  out[1].dispose();
  return out[0];
}

export interface LogmeanexpOptions {
  /** Default null: all axes. */
  axis?: Axis;
  where?: tf.Tensor | null;
  keepdims?: boolean;
}

/** logsumexp - log(count of the elements reduced). */
export function logmeanexp(x: tf.Tensor, axis: Axis | LogmeanexpOptions = null): tf.Tensor {
  const { axis: ax = null, where = null, keepdims = false } = opts<LogmeanexpOptions>(axis, "axis");
  return tf.tidy(() => {
    const lse = logsumexp(x, { axis: ax, where, keepdims });
    const axes = axesOf(x, ax);
    const count = where === null ? tf.scalar(axes.reduce((n, i) => n * x.shape[i], 1)) : tf.sum(tf.cast(mask(where, x), "float32"), axes, keepdims);
    return tf.sub(lse, tf.log(count));
  });
}

export interface StandardizeOptions {
  axis?: Axis;
  mean?: tf.Tensor | null;
  variance?: tf.Tensor | null;
  epsilon?: number;
  where?: tf.Tensor | null;
  /** "fast" (default): E[x²] - E[x]² clipped at 0; "stable": E[(x - E[x])²]. */
  algorithm?: "fast" | "stable";
}

/** (x - mean) * rsqrt(variance + epsilon) over `axis` (default -1). */
export function standardize(x: tf.Tensor, axis: Axis | StandardizeOptions = -1): tf.Tensor {
  const { axis: ax = -1, mean = null, variance = null, epsilon = 1e-5, where = null, algorithm = "fast" } = opts<StandardizeOptions>(axis, "axis");
  if (algorithm !== "fast" && algorithm !== "stable") throw new Error(`Unknown algorithm '${algorithm}'. Expected 'fast' or 'stable'.`);
  return tf.tidy(() => {
    const axes = axesOf(x, ax);
    const mu = mean ?? maskedMean(x, axes, where, true);
    let v = variance;
    if (v === null) {
      v =
        algorithm === "stable"
          ? maskedMean(tf.square(tf.sub(x, mu)), axes, where, true)
          : clip(tf.sub(maskedMean(tf.square(x), axes, where, true), tf.square(mu)), 0, null);
    }
    return tf.mul(tf.sub(x, mu), tf.rsqrt(tf.add(v, epsilon)));
  });
}
/** flax.linen's old name for standardize. */
export const normalize = standardize;

export interface OneHotOptions {
  dtype?: "float32" | "int32" | "bool";
  /** Where the class axis goes in the output (default -1). */
  axis?: number;
}

/** jax.nn.one_hot: (expand_dims(x, axis) == iota).astype(dtype); out-of-range and non-integer values give all zeros. */
export function oneHot(x: tf.Tensor, numClasses: number, options: OneHotOptions = {}): tf.Tensor {
  const { dtype = "float32", axis = -1 } = options;
  return tf.tidy(() => {
    const out = axis < 0 ? axis + x.rank + 1 : axis;
    if (out < 0 || out > x.rank) throw new Error(`axis ${axis} is out of bounds for the ${x.rank + 1}-dimensional output`);
    const iotaShape = Array(x.rank + 1).fill(1);
    iotaShape[out] = numClasses;
    const iota = tf.reshape(tf.range(0, numClasses, 1, x.dtype === "int32" ? "int32" : "float32"), iotaShape);
    return tf.cast(tf.equal(tf.expandDims(x, out), iota), dtype);
  });
}
