// A small jax.numpy facade for translated method bodies: array arithmetic with
// JAX's type promotion, where tfjs would refuse to mix int32 and float32.
// Python scalars are "weak" in JAX: `counter + 1` stays int32, `x * 0.5` stays
// float32, and an int array meets a float array as float32.
import { tf } from "./tf.js";

export type ArrayLike = tf.Tensor | number;
export type DType = "float32" | "int32" | "bool";

function promote(a: ArrayLike, b: ArrayLike): [tf.Tensor, tf.Tensor] {
  if (typeof a === "number" && typeof b === "number") return [tf.scalar(a), tf.scalar(b)];
  if (typeof a === "number") return [tf.scalar(a, weakDType(a, (b as tf.Tensor).dtype)), b as tf.Tensor];
  if (typeof b === "number") return [a, tf.scalar(b, weakDType(b, a.dtype))];
  if (a.dtype === b.dtype) return [a, b];
  return [tf.cast(a, "float32"), tf.cast(b, "float32")];
}

/** A Python scalar takes the array's dtype, unless a float meets an int array. */
function weakDType(value: number, other: tf.DataType): "float32" | "int32" {
  return other === "int32" && Number.isInteger(value) ? "int32" : "float32";
}

function binary(op: (a: tf.Tensor, b: tf.Tensor) => tf.Tensor) {
  return (a: ArrayLike, b: ArrayLike): tf.Tensor => tf.tidy(() => {
    const [x, y] = promote(a, b);
    // Mixed int32/float32 was promoted above; a float result of int operands (true division) is JAX's too.
    return op(x, y);
  });
}

export const add = binary(tf.add);
export const subtract = binary(tf.sub);
export const multiply = binary(tf.mul);
/** True division, always floating point, as `/` in JAX. */
export const divide = binary((x, y) => tf.div(tf.cast(x, "float32"), tf.cast(y, "float32")));
export const power = binary(tf.pow);
export const matmul = binary((x, y) => tf.matMul(x as tf.Tensor2D, y as tf.Tensor2D));
export const negative = (x: tf.Tensor): tf.Tensor => tf.neg(x);

export function ones(shape: number[], dtype: DType = "float32"): tf.Tensor {
  return tf.ones(shape, dtype);
}

export function zeros(shape: number[], dtype: DType = "float32"): tf.Tensor {
  return tf.zeros(shape, dtype);
}

/** jnp.concatenate(arrays, axis=0); a negative axis counts from the end. */
export function concatenate(arrays: tf.Tensor[], axis = 0): tf.Tensor {
  const rank = arrays[0].rank;
  return tf.concat(arrays, axis < 0 ? axis + rank : axis);
}

/** jnp.swapaxes(x, a, b). */
export function swapaxes(x: tf.Tensor, a: number, b: number): tf.Tensor {
  const perm = [...Array(x.rank).keys()];
  const [i, j] = [a < 0 ? a + x.rank : a, b < 0 ? b + x.rank : b];
  [perm[i], perm[j]] = [perm[j], perm[i]];
  return tf.transpose(x, perm);
}

/** jnp.sum(x, axis); a negative axis counts from the end. */
export function sum(x: tf.Tensor, axis?: number | number[]): tf.Tensor {
  return tf.sum(x, axis);
}

/** jnp.mean(x, axis); a negative axis counts from the end. */
export function mean(x: tf.Tensor, axis?: number | number[]): tf.Tensor {
  return tf.mean(x, axis);
}
