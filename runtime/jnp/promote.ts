// Turning jnp arguments into tensors: Python scalars to arrays of the promoted
// dtype, and dtype conversion with XLA's semantics (jax/_src/numpy/util.py).
import { tf } from "../tf.js";
import { offTape } from "../ops.js";
import {
  type ArrayLike,
  type DType,
  type Scalar,
  dtypeOf,
  isTensor,
  latticeResultType,
  scalarValue,
  toInexact,
  toNumeric,
} from "./dtypes.js";

const INT_MIN = -2147483648;
const INT_MAX = 2147483647;

/** A Python scalar as a 0-d array of `dtype` (lax._convert_element_type of a weak scalar). */
export function scalarTensor(x: Scalar, dtype: DType): tf.Tensor {
  const v = scalarValue(x);
  if (dtype === "bool") return tf.scalar(typeof v === "boolean" ? v : v !== 0, "bool");
  const n = typeof v === "boolean" ? Number(v) : v;
  if (dtype === "float32") return tf.scalar(n, "float32");
  if (Number.isNaN(n)) return tf.scalar(0, "int32");
  const i = Math.trunc(n);
  if (Number.isInteger(n) && (i < INT_MIN || i > INT_MAX)) {
    throw new RangeError(`OverflowError: Python int ${n} too large to convert to int32`);
  }
  return tf.scalar(Math.min(Math.max(i, INT_MIN), INT_MAX), "int32");
}

/**
 * lax.convert_element_type: float to int truncates toward zero and saturates
 * (NaN is 0), anything to bool is `!= 0` (NaN is true), bool is 0/1.
 * Returns `x` itself when it already has the dtype.
 */
export function convert(x: tf.Tensor, dtype: DType): tf.Tensor {
  if (x.dtype === dtype) return x;
  if (dtype === "bool") return tf.notEqual(x, tf.scalar(0, x.dtype));
  if (dtype === "float32" || x.dtype !== "float32") return tf.cast(x, dtype);
  // Off the tape: an integer result has no gradient in JAX (its cotangent is float0), and
  // tfjs's Cast would pass the float gradient straight through.
  return offTape((x) => tf.tidy(() => {
    // float32 -> int32: 2^31 is the first float that does not fit (the largest float below it does).
    const tooBig = tf.greaterEqual(x, 2147483648);
    const bad = tf.logicalOr(tooBig, tf.isNaN(x));
    const safe = tf.where(bad, tf.zerosLike(x), tf.maximum(x, INT_MIN));
    return tf.where(tooBig, tf.fill(x.shape, INT_MAX, "int32"), tf.cast(safe, "int32"));
  }), x);
}

/** An argument as a tensor: arrays converted to `dtype` if given, scalars to it or their own dtype. */
export function asArray(x: ArrayLike, dtype?: DType): tf.Tensor {
  if (isTensor(x)) return dtype ? convert(x, dtype) : x;
  return scalarTensor(x, dtype ?? dtypeOf(x));
}

/** promote_dtypes: every argument converted to the lattice result type. */
export function promoteArgs(...xs: ArrayLike[]): tf.Tensor[] {
  const { dtype } = latticeResultType(...xs);
  return xs.map((x) => asArray(x, dtype));
}

/** promote_dtypes_numeric: as promoteArgs, with bool raised to int32. */
export function promoteArgsNumeric(...xs: ArrayLike[]): tf.Tensor[] {
  const dtype = toNumeric(latticeResultType(...xs).dtype);
  return xs.map((x) => asArray(x, dtype));
}

/** promote_dtypes_inexact: as promoteArgs, with bool and int raised to float32. */
export function promoteArgsInexact(...xs: ArrayLike[]): tf.Tensor[] {
  const dtype = toInexact(latticeResultType(...xs).dtype);
  return xs.map((x) => asArray(x, dtype));
}

/** A new tensor for `x` (a clone if it is one of the caller's own), so callers may always dispose results. */
export function fresh(x: tf.Tensor, ...inputs: unknown[]): tf.Tensor {
  return inputs.includes(x) ? tf.clone(x) : x;
}

/** A 0-d constant of x's dtype (tfjs would make a JS number float32 and upcast an int32 operand). */
export function like(x: tf.Tensor, value: number): tf.Tensor {
  return tf.scalar(value, x.dtype as DType);
}
