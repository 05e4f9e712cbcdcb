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
      // x ** 3 is lax.integer_pow: (x * x) * x.
      const inner = tf.mul(c, tf.add(x, tf.mul(0.044715, tf.mul(tf.mul(x, x), x))));
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

/**
 * Element-wise op with a hand-written gradient. tfjs cannot differentiate
 * through the comparison feeding tf.where (no gradient for Greater), which
 * JAX treats as constant; inside customGrad the forward ops are not taped.
 */
function withGrad(forward: (x: tf.Tensor) => tf.Tensor, derivative: (x: tf.Tensor) => tf.Tensor) {
  return tf.customGrad(((x: tf.Tensor, save: tf.GradSaveFunc) => {
    save([x]);
    return {
      value: forward(x),
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.mul(dy, derivative(saved[0])),
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]) as (x: tf.Tensor) => tf.Tensor;
}

/** where(x > 0, x, alpha * expm1(where(x > 0, 0, x))); gradient 1 or alpha * exp(x). */
export function elu(x: tf.Tensor, alpha = 1.0): tf.Tensor {
  return withGrad(
    (v) => {
      const pos = tf.greater(v, 0);
      const safe = tf.where(pos, tf.zerosLike(v), v);
      return tf.where(pos, v, tf.mul(alpha, tf.sub(tf.exp(safe), 1)));
    },
    (v) => {
      const pos = tf.greater(v, 0);
      return tf.where(pos, tf.onesLike(v), tf.mul(alpha, tf.exp(tf.where(pos, tf.zerosLike(v), v))));
    },
  )(x);
}

/** where(x >= 0, x, negativeSlope * x); gradient 1 at x >= 0 (incl. 0), else negativeSlope. */
export function leakyRelu(x: tf.Tensor, negativeSlope = 1e-2): tf.Tensor {
  return withGrad(
    (v) => tf.where(tf.greaterEqual(v, 0), v, tf.mul(negativeSlope, v)),
    (v) => tf.where(tf.greaterEqual(v, 0), tf.onesLike(v), tf.fill(v.shape, negativeSlope)),
  )(x);
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
