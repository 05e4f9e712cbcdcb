// Integer elementwise ops computed in JavaScript where TensorFlow has no kernel
// (bitwise ops, shifts, integer powers). Integer results have no gradient, so
// reading the operands is all it takes; Math.imul and `| 0` wrap as XLA does.
import { tf } from "../tf.js";
import { bcast } from "./autodiff.js";
import { broadcastShapes } from "./axes.js";

type IntOp = (a: number, b: number) => number;

/** f applied to broadcast int32 (or bool, as 0/1) operands, giving `dtype`. */
export function hostBinary(a: tf.Tensor, b: tf.Tensor, f: IntOp, dtype: "int32" | "bool"): tf.Tensor {
  const shape = broadcastShapes(a.shape, b.shape);
  const [x, y] = tf.tidy(() => [bcast(a, shape).dataSync(), bcast(b, shape).dataSync()]);
  const out = new Int32Array(x.length);
  for (let i = 0; i < out.length; i++) out[i] = f(x[i], y[i]);
  return dtype === "bool" ? tf.tensor(Array.from(out, Boolean), shape, "bool") : tf.tensor(out, shape, "int32");
}

/** f applied to an int32 (or bool) tensor. */
export function hostUnary(a: tf.Tensor, f: (v: number) => number, dtype: "int32" | "bool"): tf.Tensor {
  const x = a.dataSync();
  const out = new Int32Array(x.length);
  for (let i = 0; i < out.length; i++) out[i] = f(x[i]);
  return dtype === "bool" ? tf.tensor(Array.from(out, Boolean), a.shape, "bool") : tf.tensor(out, a.shape, "int32");
}

/**
 * JAX's _pow_int_int: binary exponentiation over the exponent's low 6 bits
 * (larger powers overflow anyway), with pow(0, y != 0) = 0.
 */
export function powIntInt(base: number, exp: number): number {
  let acc = base === 0 && exp !== 0 ? 0 : 1;
  let x = base | 0;
  let y = exp | 0;
  for (let i = 0; i < 6; i++) {
    if (y & 1) acc = Math.imul(acc, x);
    x = Math.imul(x, x);
    y = y >>> 1;
  }
  return acc;
}
