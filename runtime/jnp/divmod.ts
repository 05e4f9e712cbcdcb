// Division, remainders and rounding as XLA computes them, shared by jnp's
// true_divide/floor_divide/remainder/fmod/round and lax.div/lax.rem/lax.round.
import { tf } from "../tf.js";
import { customOp } from "./autodiff.js";
import { broadcastShapes, size } from "./axes.js";
import { like } from "./promote.js";

const INT_MIN = -2147483648;

/** Whether the sign bit is set: negative numbers and -0 (NaN counts as positive here). */
export function signbitFloat(x: tf.Tensor): tf.Tensor {
  return tf.logicalOr(tf.less(x, 0), tf.less(tf.div(tf.scalar(1), x), 0));
}

// Integer division as XLA does it: truncating, x / 0 = -1, x % 0 = x,
// INT_MIN / -1 = INT_MIN and INT_MIN % -1 = 0 (TF's kernels would raise).
export function truncDivRem(x: tf.Tensor, y: tf.Tensor): [tf.Tensor, tf.Tensor] {
  const zero = tf.equal(y, like(y, 0));
  const overflow = tf.logicalAnd(tf.equal(x, like(x, INT_MIN)), tf.equal(y, like(y, -1)));
  const special = tf.logicalOr(zero, overflow);
  const ys = tf.where(special, tf.onesLike(y), y);
  const fq = tf.floorDiv(x, ys);
  const fm = tf.mod(x, ys);
  // Floor and truncation differ by one when the remainder is nonzero and the signs differ.
  const adjust = tf.logicalAnd(tf.notEqual(fm, like(fm, 0)), tf.notEqual(tf.less(x, like(x, 0)), tf.less(ys, like(ys, 0))));
  let q = tf.where(adjust, tf.add(fq, like(fq, 1)), fq);
  let r = tf.where(adjust, tf.sub(fm, ys), fm);
  q = tf.where(zero, tf.fill(q.shape, -1, "int32"), tf.where(overflow, tf.fill(q.shape, INT_MIN, "int32"), q));
  r = tf.where(zero, x, tf.where(overflow, tf.zerosLike(r), r));
  return [q, r];
}

/** C's fmod for float32, exact: the remainder of |x| / |y| (FloorMod of non-negatives) with x's sign. */
function fmodFloat(x: tf.Tensor, y: tf.Tensor): tf.Tensor {
  const m = tf.mod(tf.abs(x), tf.abs(y));
  return tf.where(signbitFloat(x), tf.neg(m), m);
}

/** lax.rem for floats, with its gradient: d/dy = -sign(x/y) floor(|x/y|). */
export const remFloat = customOp(fmodFloat, (dy, [x, y]) => {
  const q = tf.div(x, y);
  return [dy, tf.mul(tf.neg(dy), tf.mul(tf.sign(q), tf.floor(tf.abs(q))))];
});


/**
 * Float division as XLA:CPU computes it: a divisor that is broadcast (a
 * scalar, or an array with size-1 axes) is inverted first and multiplied in
 * (XLA's simplifier turns A / broadcast(B) into A * broadcast(1 / B)), so
 * `x / 3` rounds as JAX's does; same-shape operands divide exactly.
 */
export function xlaDivide(a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  const out = broadcastShapes(a.shape, b.shape);
  const broadcast = b.size < size(out) && size(out) > 1 && !(b.size === 1 && size(out) === 1);
  return broadcast ? tf.mul(a, tf.div(like(b, 1), b)) : tf.div(a, b);
}

/** lax.round's default rounding: halves away from zero. */
export function roundHalfAway(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const t = tf.where(tf.less(x, 0), tf.ceil(x), tf.floor(x));
    return tf.where(tf.greaterEqual(tf.abs(tf.sub(x, t)), 0.5), tf.add(t, tf.sign(x)), t);
  });
}

