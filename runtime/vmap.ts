// jax.vmap / nnx.vmap of a plain function, eagerly: the function runs once per
// item of its inputs' first axis and its results are stacked along a new first
// axis (in_axes=0, out_axes=0). Gradients flow through the slicing and stacking.
//
//   const flipped = nnx.vmap((x: tf.Tensor, n: tf.Tensor) => flipOne(x, n))(xs, lengths);
import { tf } from "./tf.js";

/** Runs `f` on item i of every input (axis 0) for each i, and stacks its results on axis 0. */
export function vmap<A extends tf.Tensor[]>(f: (...args: A) => tf.Tensor): (...args: A) => tf.Tensor {
  return (...args: A) =>
    tf.tidy(() => {
      const sizes = new Set(args.map((a) => a.shape[0]));
      if (sizes.size !== 1) throw new Error(`vmap got inputs with different sizes along axis 0: ${[...sizes].join(", ")}`);
      const items = args.map((a) => tf.unstack(a, 0));
      const n = items[0]?.length ?? 0;
      if (n === 0) throw new Error("vmap of inputs with no items along axis 0");
      const outs = Array.from({ length: n }, (_, i) => f(...(items.map((xs) => xs[i]) as A)));
      return tf.stack(outs, 0);
    });
}
