// Zero gradients for comparisons and logical ops, as JAX treats them (their
// outputs are booleans). tfjs registers none, so any function that computes
// `where(x > 0, ...)` from a differentiated x failed in tf.grad with "gradient
// function not found for Greater"; with these it differentiates like jax.grad.
import * as tf from "@tensorflow/tfjs-core";

const BINARY = [tf.Greater, tf.Less, tf.LessEqual, tf.Equal, tf.NotEqual, tf.LogicalAnd, tf.LogicalOr, tf.LogicalXor];
const UNARY = [tf.LogicalNot];

export function registerBooleanGradients(): void {
  const registered = (name: string) => tf.getGradient(name) !== undefined;
  for (const kernelName of BINARY) {
    if (registered(kernelName)) continue;
    tf.registerGradient({
      kernelName,
      inputsToSave: ["a", "b"],
      gradFunc: (_dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => {
        const [a, b] = saved;
        // tfjs takes float32 gradients only, also for bool and int inputs (`m & (x > 0)`).
        return { a: () => tf.zeros(a.shape, "float32"), b: () => tf.zeros(b.shape, "float32") };
      },
    });
  }
  for (const kernelName of UNARY) {
    if (registered(kernelName)) continue;
    tf.registerGradient({
      kernelName,
      inputsToSave: ["x"],
      gradFunc: (_dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) => ({ x: () => tf.zeros(saved[0].shape, "float32") }),
    });
  }
}
