// Gradients where tfjs's own differ from JAX's (ties in max/min, abs at 0,
// pow at 0, ...) or where tfjs has none (cumprod): an op with a hand-written
// vector-Jacobian product, built on tf.customGrad.
import { tf } from "../tf.js";
import { broadcastShapes } from "./axes.js";
import "./gradients.js";

/** The VJP: cotangents for each input (null for none, e.g. integer inputs). */
export type Vjp = (dy: tf.Tensor, inputs: tf.Tensor[], output: tf.Tensor) => (tf.Tensor | null)[];

/**
 * An op whose value is `forward(...inputs)` and whose gradient is `vjp`.
 * Cotangents are summed back to each input's shape (broadcasting) and
 * replaced by float32 zeros where `vjp` gives null.
 */
export function customOp(forward: (...xs: tf.Tensor[]) => tf.Tensor, vjp: Vjp): (...xs: tf.Tensor[]) => tf.Tensor {
  const op = tf.customGrad(((...args: unknown[]) => {
    const save = args.pop() as tf.GradSaveFunc;
    const xs = args as tf.Tensor[];
    const value = forward(...xs);
    save([...xs, value]);
    return {
      value,
      gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => {
        const inputs = saved.slice(0, xs.length);
        const grads = vjp(dy, inputs, saved[xs.length]);
        return inputs.map((x, i) => {
          const g = grads[i];
          return g ? unbroadcast(tf.cast(g, "float32"), x.shape) : tf.zeros(x.shape, "float32");
        });
      },
    };
  }) as unknown as Parameters<typeof tf.customGrad>[0]);
  return (...xs: tf.Tensor[]) => op(...xs) as tf.Tensor;
}

/** Sums a broadcast cotangent back to `shape`. */
export function unbroadcast(g: tf.Tensor, shape: readonly number[]): tf.Tensor {
  if (g.shape.length === shape.length && g.shape.every((d, i) => d === shape[i])) return g;
  const lead = g.rank - shape.length;
  const axes: number[] = [];
  for (let i = 0; i < g.rank; i++) if (i < lead || (shape[i - lead] === 1 && g.shape[i] !== 1)) axes.push(i);
  const summed = axes.length ? tf.sum(g, axes, true) : g;
  return tf.reshape(summed, [...shape]);
}

/** Both operands broadcast to their common shape (tf.where and custom ops want equal shapes). */
export function broadcastPair(a: tf.Tensor, b: tf.Tensor): [tf.Tensor, tf.Tensor] {
  const shape = broadcastShapes(a.shape, b.shape);
  return [bcast(a, shape), bcast(b, shape)];
}

export function bcast(x: tf.Tensor, shape: readonly number[]): tf.Tensor {
  if (x.shape.length === shape.length && x.shape.every((d, i) => d === shape[i])) return x;
  const padded = x.rank < shape.length ? tf.reshape(x, [...new Array(shape.length - x.rank).fill(1), ...x.shape]) : x;
  return tf.broadcastTo(padded, [...shape]);
}
