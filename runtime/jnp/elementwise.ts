// Elementwise math (jax/_src/numpy/ufuncs.py): arithmetic with JAX's dtype
// promotion, integer division and modulo with Python's signs (and XLA's
// values for division by zero), round-half-to-even, NaN-propagating
// maximum/minimum, and JAX's gradients where tfjs's differ (ties in
// maximum/minimum split the gradient in half, abs'(0) = 1, pow at 0).
import { tf } from "../tf.js";
import { offTape } from "../ops.js";
import { customOp } from "./autodiff.js";
import { type ArrayLike, dtypeOf, isTensor } from "./dtypes.js";
import { remFloat, roundHalfAway, signbitFloat, truncDivRem, xlaDivide } from "./divmod.js";
import { hostBinary, powIntInt } from "./host.js";
import { asArray, fresh, like, promoteArgs, promoteArgsInexact, promoteArgsNumeric } from "./promote.js";

type Unary = (x: ArrayLike) => tf.Tensor;
type Binary = (x: ArrayLike, y: ArrayLike) => tf.Tensor;

const f32 = Math.fround;

/** A unary op on floats: ints and bools become float32 first (promote_args_inexact). */
function inexactUnary(f: (x: tf.Tensor) => tf.Tensor): Unary {
  return (x) => tf.tidy(() => f(promoteArgsInexact(x)[0]));
}

/** A binary op on floats. */
function inexactBinary(f: (x: tf.Tensor, y: tf.Tensor) => tf.Tensor): Binary {
  return (x, y) => tf.tidy(() => {
    const [a, b] = promoteArgsInexact(x, y);
    return f(a, b);
  });
}

function boolError(name: string): never {
  throw new TypeError(`${name} does not accept dtype bool.`);
}

/** An op with zero gradient (sign, comparisons done with where). */
const zeroGrad = (f: (x: tf.Tensor) => tf.Tensor) => customOp(f, () => [null]);

// ---------------------------------------------------------------------------
// Exponents, logarithms, trigonometry

export const exp = inexactUnary(tf.exp);
/** exp2 as JAX lowers it: exp(log(2) * x). */
export const exp2 = inexactUnary((x) => tf.exp(tf.mul(tf.scalar(f32(Math.LN2)), x)));
export const expm1 = inexactUnary(tf.expm1);
export const log = inexactUnary(tf.log);
export const log1p = inexactUnary(tf.log1p);
/** log2 as JAX: log(x) / log(2). */
export const log2 = inexactUnary((x) => tf.div(tf.log(x), tf.scalar(f32(Math.LN2))));
/** log10 as JAX: log(x) * (1 / log(10)). */
export const log10 = inexactUnary((x) => tf.mul(tf.log(x), tf.scalar(f32(0.4342944819032518))));
export const sin = inexactUnary(tf.sin);
export const cos = inexactUnary(tf.cos);
export const tan = inexactUnary(tf.tan);
export const arcsin = inexactUnary(tf.asin);
export const arccos = inexactUnary(tf.acos);
export const arctan = inexactUnary(tf.atan);
export const sinh = inexactUnary(tf.sinh);
export const cosh = inexactUnary(tf.cosh);
export const tanh = inexactUnary(tf.tanh);
export const arcsinh = inexactUnary(tf.asinh);
export const arccosh = inexactUnary(tf.acosh);
export const arctanh = inexactUnary(tf.atanh);
export const arctan2 = inexactBinary(tf.atan2);
export const sqrt = inexactUnary(tf.sqrt);
/** 1/sqrt(x) (lax.rsqrt). */
export const rsqrt = inexactUnary(tf.rsqrt);
export { arcsin as asin, arccos as acos, arctan as atan, arcsinh as asinh, arccosh as acosh, arctanh as atanh, arctan2 as atan2 };

/** Cube root, correctly rounded (Math.cbrt of the float32 value); d/dx = 1 / (3 cbrt(x)^2). */
const cbrtOp = customOp(
  (x) => tf.tensor(Float32Array.from(x.dataSync(), (v) => Math.cbrt(v)), x.shape, "float32"),
  (dy, _, y) => [tf.mul(dy, tf.mul(tf.scalar(f32(1 / 3)), tf.reciprocal(tf.mul(y, y))))],
);
export const cbrt = inexactUnary((x) => cbrtOp(x));

/** x * x in the input's dtype (bool becomes int32). */
export function square(x: ArrayLike): tf.Tensor {
  return tf.tidy(() => {
    const a = promoteArgsNumeric(x)[0];
    return tf.mul(a, a);
  });
}

/** 1 / x, in float32. */
export const reciprocal = inexactUnary((x) => tf.div(tf.scalar(1), x));

export const deg2rad = inexactUnary((x) => tf.mul(x, tf.scalar(f32(Math.PI / 180))));
export const rad2deg = inexactUnary((x) => tf.mul(x, tf.scalar(f32(180 / Math.PI))));
export { deg2rad as radians, rad2deg as degrees };

// ---------------------------------------------------------------------------
// Sign, magnitude, rounding

/** |x| for floats, with JAX's derivative at 0 (+1, not tf's -1). */
const absFloat = customOp(tf.abs, (dy, [x]) => [tf.where(tf.greaterEqual(x, 0), dy, tf.neg(dy))]);

/** jnp.abs: bools are returned as they are. */
export function abs(x: ArrayLike): tf.Tensor {
  return tf.tidy(() => {
    const a = asArray(x);
    if (a.dtype === "bool") return fresh(a, x);
    return a.dtype === "float32" ? absFloat(a) : tf.abs(a);
  });
}
export { abs as absolute };

/** jnp.fabs: |x| in float32. */
export const fabs = inexactUnary((x) => absFloat(x));

const signFloat = zeroGrad((x) => tf.where(tf.logicalOr(tf.equal(x, 0), tf.isNaN(x)), x, tf.sign(x)));

/** jnp.sign: -1, 0 or 1; for floats ±0 stay as they are and NaN is NaN. bool is an error. */
export function sign(x: ArrayLike): tf.Tensor {
  return tf.tidy(() => {
    const a = asArray(x);
    if (a.dtype === "bool") boolError("sign");
    return a.dtype === "float32" ? signFloat(a) : tf.sign(a);
  });
}

/** jnp.signbit. */
export function signbit(x: ArrayLike): tf.Tensor {
  return tf.tidy(() => {
    const a = asArray(x);
    if (a.dtype === "bool") return tf.zerosLike(a);
    return a.dtype === "float32" ? signbitFloat(a) : tf.less(a, like(a, 0));
  });
}

/** jnp.copysign(x1, x2): |x1| with the sign bit of x2, in float32. */
export const copysign = inexactBinary((a, b) => {
  const m = absFloat(a);
  return tf.where(signbitFloat(b), tf.neg(m), m);
});

/** Integer and bool arrays are returned as they are; floats go through `f`. */
function floatOnly(f: (x: tf.Tensor) => tf.Tensor): Unary {
  return (x) => tf.tidy(() => {
    const a = asArray(x);
    return a.dtype === "float32" ? f(a) : fresh(a, x);
  });
}

export const floor = floatOnly(tf.floor);
export const ceil = floatOnly(tf.ceil);
/** jnp.trunc: toward zero. */
export const trunc = floatOnly((x) => tf.where(tf.less(x, 0), tf.ceil(x), tf.floor(x)));
export { trunc as fix };

/** jnp.rint: to the nearest integer, halves to even, as float32 (ints are converted). */
export const rint = (x: ArrayLike): tf.Tensor => tf.tidy(() => tf.round(promoteArgsInexact(x)[0]));

/**
 * jnp.round(a, decimals=0): halves to even; with decimals, round(x * 10^d) / 10^d
 * in float32 as JAX does. Integer arrays are returned unchanged.
 */
export function round(a: ArrayLike, decimals = 0): tf.Tensor {
  return tf.tidy(() => {
    const x = asArray(a);
    if (!Number.isInteger(decimals)) throw new TypeError("decimals must be an integer");
    if (x.dtype === "bool") boolError("round");
    if (x.dtype === "int32") {
      if (decimals < 0) throw new Error("NotImplementedError: integer np.round not implemented for decimals < 0");
      return fresh(x, a);
    }
    if (decimals === 0) return tf.round(x);
    if (decimals > Math.log10(3.4028234663852886e38)) return fresh(x, a);
    const factor = tf.scalar(10 ** decimals, "float32");
    return xlaDivide(tf.round(tf.mul(x, factor)), factor);
  });
}
export { round as around };

// ---------------------------------------------------------------------------
// maximum / minimum

/** JAX's _balanced_eq: 1 where x is the result, 1/2 where y is too. */
function balancedEq(x: tf.Tensor, z: tf.Tensor, y: tf.Tensor): tf.Tensor {
  return tf.div(tf.cast(tf.equal(x, z), "float32"), tf.where(tf.equal(y, z), tf.scalar(2), tf.scalar(1)));
}

function nanFirst(x: tf.Tensor, y: tf.Tensor, r: tf.Tensor): tf.Tensor {
  return tf.where(tf.isNaN(x), x, tf.where(tf.isNaN(y), y, r));
}

const maxFloat = customOp(
  (x, y) => nanFirst(x, y, tf.maximum(x, y)),
  (dy, [x, y], z) => [tf.mul(dy, balancedEq(x, z, y)), tf.mul(dy, balancedEq(y, z, x))],
);
const minFloat = customOp(
  (x, y) => nanFirst(x, y, tf.minimum(x, y)),
  (dy, [x, y], z) => [tf.mul(dy, balancedEq(x, z, y)), tf.mul(dy, balancedEq(y, z, x))],
);

/** jnp.maximum: NaN propagates; at ties the gradient is split evenly (as JAX's). */
export function maximum(x: ArrayLike, y: ArrayLike): tf.Tensor {
  return tf.tidy(() => {
    const [a, b] = promoteArgs(x, y);
    if (a.dtype === "bool") return tf.logicalOr(a, b);
    return a.dtype === "float32" ? maxFloat(a, b) : tf.maximum(a, b);
  });
}

/** jnp.minimum: NaN propagates; at ties the gradient is split evenly. */
export function minimum(x: ArrayLike, y: ArrayLike): tf.Tensor {
  return tf.tidy(() => {
    const [a, b] = promoteArgs(x, y);
    if (a.dtype === "bool") return tf.logicalAnd(a, b);
    return a.dtype === "float32" ? minFloat(a, b) : tf.minimum(a, b);
  });
}

/**
 * fmax/fmin's mask: `cmp(a, b) | isnan(b)`, computed off the gradient tape
 * (tfjs would otherwise try to differentiate the boolean ops and fail).
 */
function pickFirst(a: tf.Tensor, b: tf.Tensor, cmp: (x: tf.Tensor, y: tf.Tensor) => tf.Tensor): tf.Tensor {
  if (a.dtype === "bool") return cmp(tf.cast(a, "int32"), tf.cast(b, "int32"));
  if (b.dtype !== "float32") return cmp(a, b);
  return offTape((x, y) => tf.logicalOr(cmp(x, y), tf.isNaN(y)), a, b);
}

/** jnp.fmax: the larger value, ignoring a NaN in either (where(x1 > x2 | isnan(x2), x1, x2)). */
export function fmax(x1: ArrayLike, x2: ArrayLike): tf.Tensor {
  return tf.tidy(() => {
    const [a, b] = promoteArgs(x1, x2);
    return tf.where(pickFirst(a, b, tf.greater), a, b);
  });
}

/** jnp.fmin: the smaller value, ignoring a NaN in either. */
export function fmin(x1: ArrayLike, x2: ArrayLike): tf.Tensor {
  return tf.tidy(() => {
    const [a, b] = promoteArgs(x1, x2);
    return tf.where(pickFirst(a, b, tf.less), a, b);
  });
}

// ---------------------------------------------------------------------------
// Arithmetic

/** jnp.add (`+`): for bools, logical or. */
export function add(x: ArrayLike, y: ArrayLike): tf.Tensor {
  return tf.tidy(() => {
    const [a, b] = promoteArgs(x, y);
    return a.dtype === "bool" ? tf.logicalOr(a, b) : tf.add(a, b);
  });
}

/** jnp.subtract (`-`): bools are an error. */
export function subtract(x: ArrayLike, y: ArrayLike): tf.Tensor {
  return tf.tidy(() => {
    const [a, b] = promoteArgs(x, y);
    if (a.dtype === "bool") boolError("subtract");
    return tf.sub(a, b);
  });
}

/** jnp.multiply (`*`): for bools, logical and. */
export function multiply(x: ArrayLike, y: ArrayLike): tf.Tensor {
  return tf.tidy(() => {
    const [a, b] = promoteArgs(x, y);
    return a.dtype === "bool" ? tf.logicalAnd(a, b) : tf.mul(a, b);
  });
}

/** jnp.true_divide (`/`): always float32. */
export const trueDivide = inexactBinary(xlaDivide);
export const divide = trueDivide;

/** jnp.negative (unary `-`): bools are an error. */
export function negative(x: ArrayLike): tf.Tensor {
  return tf.tidy(() => {
    const a = asArray(x);
    if (a.dtype === "bool") boolError("negative");
    return tf.neg(a);
  });
}

/** jnp.positive (unary `+`): a copy. */
export function positive(x: ArrayLike): tf.Tensor {
  return tf.tidy(() => fresh(asArray(x), x));
}

/** JAX's _float_divmod (CPython's float_divmod). */
function floatDivmod(x: tf.Tensor, y: tf.Tensor): [tf.Tensor, tf.Tensor] {
  let mod = remFloat(x, y);
  const corrected = tf.where(tf.equal(y, 0), x, tf.sub(x, mod));
  let div = tf.div(corrected, y);
  // The mask is built off the gradient tape: tfjs cannot differentiate boolean ops.
  const ind = offTape((m, d) => tf.logicalAnd(tf.notEqual(m, 0), tf.notEqual(signFloat(d), signFloat(m))), mod, y);
  mod = tf.where(ind, tf.add(mod, y), mod);
  div = tf.where(ind, tf.sub(div, 1), div);
  return [roundHalfAway(div), mod];
}

/** jnp.floor_divide (`//`): rounds toward -inf; ints by XLA's rules at zero. */
export function floorDivide(x1: ArrayLike, x2: ArrayLike): tf.Tensor {
  return tf.tidy(() => {
    const [a, b] = promoteArgsNumeric(x1, x2);
    if (a.dtype === "float32") return floatDivmod(a, b)[0];
    const [q, r] = truncDivRem(a, b);
    const select = tf.logicalAnd(tf.notEqual(tf.sign(a), tf.sign(b)), tf.notEqual(r, like(r, 0)));
    return tf.where(select, tf.sub(q, like(q, 1)), q);
  });
}

/** jnp.remainder / jnp.mod (`%`): the sign of the divisor; an int modulo 0 is 0. */
export function remainder(x1: ArrayLike, x2: ArrayLike): tf.Tensor {
  return tf.tidy(() => {
    const [a, b0] = promoteArgsNumeric(x1, x2);
    const b = a.dtype === "int32" ? tf.where(tf.equal(b0, like(b0, 0)), tf.onesLike(b0), b0) : b0;
    const truncMod = a.dtype === "int32" ? truncDivRem(a, b)[1] : remFloat(a, b);
    const doPlus = tf.logicalAnd(tf.notEqual(tf.less(truncMod, like(truncMod, 0)), tf.less(b, like(b, 0))), tf.notEqual(truncMod, like(truncMod, 0)));
    return tf.where(doPlus, tf.add(truncMod, b), truncMod);
  });
}
export const mod = remainder;

/** jnp.fmod: C's remainder, with the sign of the dividend; an int modulo 0 is 0. */
export function fmod(x1: ArrayLike, x2: ArrayLike): tf.Tensor {
  return tf.tidy(() => {
    const [a, b] = promoteArgsNumeric(x1, x2);
    if (a.dtype === "float32") return remFloat(a, b);
    return truncDivRem(a, tf.where(tf.equal(b, like(b, 0)), tf.onesLike(b), b))[1];
  });
}

/** jnp.divmod: [floor_divide, remainder]. */
export function divmod(x1: ArrayLike, x2: ArrayLike): [tf.Tensor, tf.Tensor] {
  return tf.tidy(() => {
    const [a, b] = promoteArgsNumeric(x1, x2);
    if (a.dtype === "float32") return floatDivmod(a, b);
    return [floorDivide(a, b), remainder(a, b)];
  }) as [tf.Tensor, tf.Tensor];
}

// ---------------------------------------------------------------------------
// Powers

/** lax.integer_pow: binary exponentiation by multiplication, as JAX's _integer_pow. */
function integerPowValue(x: tf.Tensor, n: number): tf.Tensor {
  if (n === 0) return tf.onesLike(x);
  let y = Math.abs(n);
  let base = x;
  let acc: tf.Tensor | null = null;
  while (y > 0) {
    if (y & 1) acc = acc === null ? base : tf.mul(acc, base);
    y >>= 1;
    if (y > 0) base = tf.mul(base, base);
  }
  return n < 0 ? tf.div(tf.onesLike(acc!), acc!) : acc!.clone();
}

/** lax.integer_pow(x, n) with JAX's derivative n * x^(n-1). */
export function integerPow(x: ArrayLike, n: number): tf.Tensor {
  return tf.tidy(() => {
    const a = promoteArgsNumeric(x)[0];
    if (!Number.isInteger(n)) throw new TypeError(`integer_pow needs an integer exponent, got ${n}`);
    if (n < 0 && a.dtype === "int32") throw new TypeError(`Integers cannot be raised to negative powers, got integer_pow(int32, ${n})`);
    if (a.dtype !== "float32") return integerPowValue(a, n);
    const op = customOp(
      (v) => integerPowValue(v, n),
      (dy, [v]) => [n === 0 ? null : n === 1 ? dy : n === 2 ? tf.mul(dy, tf.mul(tf.scalar(2), v)) : tf.mul(dy, tf.mul(tf.scalar(n), integerPowValue(v, n - 1)))],
    );
    return op(a);
  });
}

/** lax.pow for a float base and a float or int exponent, with JAX's derivatives (safe at x = 0 and y = 0). */
const powFloat = customOp(
  (x, y) => tf.pow(x, tf.cast(y, "float32")),
  (dy, [x, y], ans) => {
    const yf = tf.cast(y, "float32");
    const pw = tf.mul(yf, tf.pow(x, tf.sub(yf, 1)));
    const jacX = y.dtype === "int32" ? tf.where(tf.equal(yf, 0), tf.zerosLike(pw), pw) : pw;
    const jacY = y.dtype === "int32" ? null : tf.mul(dy, tf.mul(tf.log(tf.where(tf.equal(x, 0), tf.onesLike(x), x)), ans));
    return [tf.mul(dy, jacX), jacY];
  },
);

/** A concrete integer exponent (a Python int or bool, or a 0-d int array) that JAX turns into integer_pow. */
function concreteIntExponent(x2: ArrayLike): number | null {
  if (typeof x2 === "number") return Number.isInteger(x2) ? x2 : null;
  if (typeof x2 === "boolean") return Number(x2);
  if (isTensor(x2) && x2.dtype === "int32" && x2.rank === 0) return x2.dataSync()[0];
  return null;
}

/**
 * jnp.power (`**`), following JAX's cases: a concrete integer exponent uses
 * integer_pow (x ** 2 is x * x; ints cannot take negative powers); int ** int
 * arrays use JAX's 6-bit binary exponentiation; a float base with an int
 * exponent array keeps the exponent's dtype (no gradient for it); otherwise
 * both promote and lax.pow applies.
 */
export function power(x1: ArrayLike, x2: ArrayLike): tf.Tensor {
  const n = concreteIntExponent(x2);
  if (n !== null) return integerPow(x1, n);
  return tf.tidy(() => {
    const [a, b] = promoteArgsNumeric(x1, x2);
    if (a.dtype === "int32") return hostBinary(a, b, powIntInt, "int32");
    if (dtypeOf(x1) === "float32" && dtypeOf(x2) === "int32") return powFloat(asArray(x1), asArray(x2));
    return powFloat(a, b);
  });
}
export const pow = power;

/** jnp.float_power: pow in float32. */
export const floatPower = inexactBinary((a, b) => powFloat(a, b));

// ---------------------------------------------------------------------------
// log-sum-exp of two, NaN and infinity tests

const replaceInf = (x: tf.Tensor) => tf.where(tf.equal(x, Infinity), tf.zerosLike(x), x);

/** lax's logaddexp with its custom derivative (safe at infinities). */
const logaddexpOp = customOp(
  (x1, x2) => {
    const amax = nanFirst(x1, x2, tf.maximum(x1, x2));
    const delta = tf.sub(x1, x2);
    return tf.where(tf.isNaN(delta), tf.add(x1, x2), tf.add(amax, tf.log1p(tf.exp(tf.neg(tf.abs(delta))))));
  },
  (dy, [x1, x2], out) => [
    tf.mul(dy, tf.exp(tf.sub(replaceInf(x1), replaceInf(out)))),
    tf.mul(dy, tf.exp(tf.sub(replaceInf(x2), replaceInf(out)))),
  ],
);

/** jnp.logaddexp: log(exp(x1) + exp(x2)) without overflow. */
export const logaddexp = inexactBinary((a, b) => logaddexpOp(a, b));

/** jnp.isnan (false for ints and bools). */
export function isnan(x: ArrayLike): tf.Tensor {
  return tf.tidy(() => {
    const a = asArray(x);
    return a.dtype === "float32" ? tf.isNaN(a) : tf.zeros(a.shape, "bool");
  });
}

/** jnp.isinf (false for ints and bools). */
export function isinf(x: ArrayLike): tf.Tensor {
  return tf.tidy(() => {
    const a = asArray(x);
    return a.dtype === "float32" ? tf.equal(tf.abs(a), Infinity) : tf.zeros(a.shape, "bool");
  });
}

/** jnp.isfinite (true for ints and bools). */
export function isfinite(x: ArrayLike): tf.Tensor {
  return tf.tidy(() => {
    const a = asArray(x);
    return a.dtype === "float32" ? tf.isFinite(a) : tf.ones(a.shape, "bool");
  });
}

/** jnp.isposinf. */
export function isposinf(x: ArrayLike): tf.Tensor {
  return tf.tidy(() => {
    const a = asArray(x);
    return a.dtype === "float32" ? tf.equal(a, Infinity) : tf.zeros(a.shape, "bool");
  });
}

/** jnp.isneginf. */
export function isneginf(x: ArrayLike): tf.Tensor {
  return tf.tidy(() => {
    const a = asArray(x);
    return a.dtype === "float32" ? tf.equal(a, -Infinity) : tf.zeros(a.shape, "bool");
  });
}

export interface NanToNumOptions {
  /** Replaces NaN (default 0). */
  nan?: ArrayLike;
  /** Replaces +inf (default the largest float32). */
  posinf?: ArrayLike | null;
  /** Replaces -inf (default the lowest float32). */
  neginf?: ArrayLike | null;
}

/** jnp.nan_to_num(x, nan=0.0, posinf=None, neginf=None); ints and bools are returned unchanged. */
export function nanToNum(x: ArrayLike, options: NanToNumOptions = {}): tf.Tensor {
  return tf.tidy(() => {
    const a = asArray(x);
    if (a.dtype !== "float32") return fresh(a, x);
    const max = 3.4028234663852886e38;
    let out = tf.where(tf.isNaN(a), asArray(options.nan ?? 0, "float32"), a);
    out = tf.where(tf.equal(out, Infinity), asArray(options.posinf ?? max, "float32"), out);
    return tf.where(tf.equal(out, -Infinity), asArray(options.neginf ?? -max, "float32"), out);
  });
}

