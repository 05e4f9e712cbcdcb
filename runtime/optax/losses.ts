// optax losses (optax/losses/_classification.py), per example (no reduction,
// as optax: take .mean() yourself).

import { tf } from "../tf.js";
import { logsumexp } from "../ops.js";
import { logSoftmax } from "../nn/activations.js";

/**
 * optax.softmax_cross_entropy_with_integer_labels over the last axis:
 * logsumexp(logits) - logits[label]. `labels` are integer class ids.
 */
export function softmaxCrossEntropyWithIntegerLabels(logits: tf.Tensor, labels: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const numClasses = logits.shape[logits.rank - 1];
    // take_along_axis as a one-hot sum: exact (adds zeros) and differentiable.
    const oneHot = tf.cast(tf.oneHot(tf.cast(labels, "int32"), numClasses), logits.dtype);
    const labelLogits = tf.sum(tf.mul(logits, oneHot), -1);
    return tf.sub(logsumexp(logits, -1), labelLogits);
  });
}

/** optax.softmax_cross_entropy: -sum(labels * log_softmax(logits)) over the last axis. */
export function softmaxCrossEntropy(logits: tf.Tensor, labels: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.neg(tf.sum(tf.mul(labels, logSoftmax(logits, -1)), -1)));
}

/** optax.l2_loss: 0.5 * (predictions - targets)². */
export function l2Loss(predictions: tf.Tensor, targets?: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const errors = targets === undefined ? predictions : tf.sub(predictions, targets);
    return tf.mul(0.5, tf.square(errors));
  });
}

/** optax.squared_error: (predictions - targets)². */
export function squaredError(predictions: tf.Tensor, targets?: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.square(targets === undefined ? predictions : tf.sub(predictions, targets)));
}
