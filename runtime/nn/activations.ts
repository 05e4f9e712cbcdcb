// Activation functions with jax.nn semantics (flax/nnx/nn/activations.py
// re-exports jax.nn). Each is written as the jax source computes it.

import { tf } from "../tf.js";
import { canonicalizeAxes, logsumexp, stopGradient } from "../ops.js";

export { logsumexp };

/** max(x, 0); gradient 0 at x = 0, as jax's custom jvp. */
export function relu(x: tf.Tensor): tf.Tensor {
  return tf.relu(x);
}

/** jax.nn.relu6. */
export function relu6(x: tf.Tensor): tf.Tensor {
  return tf.relu6(x);
}

/** jax.nn.gelu: tanh approximation by default, erf form with `approximate: false`. */
export function gelu(x: tf.Tensor, approximate = true): tf.Tensor {
  return tf.tidy(() => {
    if (approximate) {
      const c = Math.sqrt(2 / Math.PI);
      const inner = tf.mul(c, tf.add(x, tf.mul(0.044715, tf.pow(x, 3))));
      return tf.mul(x, tf.mul(0.5, tf.add(1, tf.tanh(inner))));
    }
    // 0.5 * x * erfc(-x / sqrt2) = 0.5 * x * (1 + erf(x / sqrt2))
    return tf.mul(tf.mul(0.5, x), tf.add(1, tf.erf(tf.mul(x, Math.SQRT1_2))));
  });
}

export function sigmoid(x: tf.Tensor): tf.Tensor {
  return tf.sigmoid(x);
}

export function tanh(x: tf.Tensor): tf.Tensor {
  return tf.tanh(x);
}

/** x * sigmoid(x) (jax.nn.silu / swish). */
export function silu(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.mul(x, tf.sigmoid(x)));
}
export const swish = silu;

/** where(x > 0, x, alpha * expm1(where(x > 0, 0, x))). */
export function elu(x: tf.Tensor, alpha = 1.0): tf.Tensor {
  return tf.tidy(() => {
    const pos = tf.greater(x, 0);
    const safe = tf.where(pos, tf.zerosLike(x), x);
    return tf.where(pos, x, tf.mul(alpha, tf.sub(tf.exp(safe), 1)));
  });
}

/** where(x >= 0, x, negativeSlope * x). */
export function leakyRelu(x: tf.Tensor, negativeSlope = 1e-2): tf.Tensor {
  return tf.tidy(() => tf.where(tf.greaterEqual(x, 0), x, tf.mul(negativeSlope, x)));
}

/** log(1 + exp(x)) computed as logaddexp(x, 0). */
export function softplus(x: tf.Tensor): tf.Tensor {
  return tf.softplus(x);
}

/** jax.nn.softmax over `axis` (default last): exp(x - max) / sum. */
export function softmax(x: tf.Tensor, axis: number | number[] = -1): tf.Tensor {
  return tf.tidy(() => {
    const axes = canonicalizeAxes(x.rank, axis);
    const unnormalized = tf.exp(tf.sub(x, stopGradient(tf.max(x, axes, true))));
    return tf.div(unnormalized, tf.sum(unnormalized, axes, true));
  });
}

/** jax.nn.log_softmax: shifted - log(sum(exp(shifted))), shifted = x - stop_gradient(max). */
export function logSoftmax(x: tf.Tensor, axis: number | number[] = -1): tf.Tensor {
  return tf.tidy(() => {
    const axes = canonicalizeAxes(x.rank, axis);
    const shifted = tf.sub(x, stopGradient(tf.max(x, axes, true)));
    return tf.sub(shifted, tf.log(tf.sum(tf.exp(shifted), axes, true)));
  });
}

/** jax.nn.one_hot for integer labels (float32 output). */
export function oneHot(labels: tf.Tensor, numClasses: number): tf.Tensor {
  return tf.tidy(() => tf.cast(tf.oneHot(tf.cast(labels, "int32"), numClasses), "float32"));
}
