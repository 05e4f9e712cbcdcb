// Comparisons, logical and bitwise ops (jax/_src/numpy/ufuncs.py), and
// isclose/allclose/array_equal (lax_numpy.py). Results are bool arrays.
import { tf } from "../tf.js";
import type { ArrayLike } from "./dtypes.js";
import { hostBinary, hostUnary } from "./host.js";
import { asArray, promoteArgs, promoteArgsInexact } from "./promote.js";

type Binary = (x: ArrayLike, y: ArrayLike) => tf.Tensor;

/** A comparison after promotion; bools compare as 0/1 (TF's ordering kernels take no bool). */
function comparison(op: (a: tf.Tensor, b: tf.Tensor) => tf.Tensor, boolsAsInts: boolean): Binary {
  return (x, y) => tf.tidy(() => {
    let [a, b] = promoteArgs(x, y);
    if (boolsAsInts && a.dtype === "bool") [a, b] = [tf.cast(a, "int32"), tf.cast(b, "int32")];
    return op(a, b);
  });
}

export const equal = comparison(tf.equal, false);
export const notEqual = comparison(tf.notEqual, false);
export const less = comparison(tf.less, true);
export const lessEqual = comparison(tf.lessEqual, true);
export const greater = comparison(tf.greater, true);
export const greaterEqual = comparison(tf.greaterEqual, true);

/** x != 0 as bool (ufuncs._to_bool). */
function toBool(x: tf.Tensor): tf.Tensor {
  return x.dtype === "bool" ? x : tf.notEqual(x, tf.scalar(0, x.dtype));
}

function logical(op: (a: tf.Tensor, b: tf.Tensor) => tf.Tensor): Binary {
  return (x, y) => tf.tidy(() => {
    const [a, b] = promoteArgs(x, y);
    return op(toBool(a), toBool(b));
  });
}

export const logicalAnd = logical(tf.logicalAnd);
export const logicalOr = logical(tf.logicalOr);
export const logicalXor = logical(tf.logicalXor);

/** jnp.logical_not. */
export function logicalNot(x: ArrayLike): tf.Tensor {
  return tf.tidy(() => tf.logicalNot(toBool(asArray(x))));
}

/** A bitwise op on int32 or bool (floats are an error). */
function bitwise(name: string, int: (a: number, b: number) => number, bool: (a: tf.Tensor, b: tf.Tensor) => tf.Tensor): Binary {
  return (x, y) => tf.tidy(() => {
    const [a, b] = promoteArgs(x, y);
    if (a.dtype === "float32") throw new TypeError(`${name} does not accept dtype float32.`);
    return a.dtype === "bool" ? bool(a, b) : hostBinary(a, b, int, "int32");
  });
}

export const bitwiseAnd = bitwise("bitwise_and", (a, b) => a & b, tf.logicalAnd);
export const bitwiseOr = bitwise("bitwise_or", (a, b) => a | b, tf.logicalOr);
export const bitwiseXor = bitwise("bitwise_xor", (a, b) => a ^ b, tf.logicalXor);

/** jnp.bitwise_not / jnp.invert (`~`): for bools, logical not. */
export function bitwiseNot(x: ArrayLike): tf.Tensor {
  return tf.tidy(() => {
    const a = asArray(x);
    if (a.dtype === "float32") throw new TypeError("bitwise_not does not accept dtype float32.");
    return a.dtype === "bool" ? tf.logicalNot(a) : hostUnary(a, (v) => ~v, "int32");
  });
}
export { bitwiseNot as invert, bitwiseNot as bitwiseInvert };

/** Shifts of int32 (the shift as the other operand's dtype); out-of-range shifts give 0 (or -1 right-shifting negatives). */
function shift(name: string, f: (a: number, b: number) => number): Binary {
  return (x, y) => tf.tidy(() => {
    const [a, b] = promoteArgs(x, y);
    if (a.dtype !== "int32") throw new TypeError(`${name} requires integer arguments, got ${a.dtype}`);
    return hostBinary(a, b, f, "int32");
  });
}

/** jnp.left_shift (`<<`). */
export const leftShift = shift("left_shift", (a, b) => (b < 0 || b >= 32 ? 0 : a << b));
/** jnp.right_shift (`>>`), arithmetic. */
export const rightShift = shift("right_shift", (a, b) => (b < 0 || b >= 32 ? (a < 0 ? -1 : 0) : a >> b));

export interface IscloseOptions {
  rtol?: number;
  atol?: number;
  equalNan?: boolean;
}

/** jnp.isclose(a, b, rtol=1e-05, atol=1e-08, equal_nan=False): |a - b| <= atol + rtol |b| (in float32), or a == b. */
export function isclose(a: ArrayLike, b: ArrayLike, options: IscloseOptions = {}): tf.Tensor {
  const { rtol = 1e-5, atol = 1e-8, equalNan = false } = options;
  return tf.tidy(() => {
    const [x, y] = promoteArgsInexact(a, b);
    const inRange = tf.lessEqual(tf.abs(tf.sub(x, y)), tf.add(tf.scalar(atol), tf.mul(tf.scalar(rtol), tf.abs(y))));
    const out = tf.logicalOr(tf.equal(x, y), tf.logicalAnd(tf.isFinite(y), inRange));
    return equalNan ? tf.logicalOr(out, tf.logicalAnd(tf.isNaN(x), tf.isNaN(y))) : out;
  });
}

/** jnp.allclose: all of isclose, as a 0-d bool array. */
export function allclose(a: ArrayLike, b: ArrayLike, options: IscloseOptions = {}): tf.Tensor {
  return tf.tidy(() => tf.all(isclose(a, b, options)));
}

/** jnp.array_equal(a1, a2, equal_nan=False): same shape and elements, as a 0-d bool array. */
export function arrayEqual(a1: ArrayLike, a2: ArrayLike, equalNan = false): tf.Tensor {
  return tf.tidy(() => {
    const [x, y] = [asArray(a1), asArray(a2)];
    if (x.rank !== y.rank || x.shape.some((d, i) => d !== y.shape[i])) return tf.scalar(false, "bool");
    let eq = equal(x, y);
    if (equalNan && x.dtype === "float32" && y.dtype === "float32") eq = tf.logicalOr(eq, tf.logicalAnd(tf.isNaN(x), tf.isNaN(y)));
    return tf.all(eq);
  });
}

/** jnp.array_equiv: equal after broadcasting. Shapes that do not broadcast raise, as in JAX (its ValueError fallback never triggers). */
export function arrayEquiv(a1: ArrayLike, a2: ArrayLike): tf.Tensor {
  return tf.tidy(() => tf.all(equal(a1, a2)));
}
