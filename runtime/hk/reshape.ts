// hk.Reshape and hk.Flatten (haiku/_src/reshape.py). No parameters.

import { tf } from "../tf.js";
import { Module } from "../module.js";
import { prod } from "./utils.js";

/** Python's `seq[:n]` / `seq[n:]` split for a possibly negative n. */
function splitAt<T>(xs: readonly T[], n: number): [T[], T[]] {
  const i = n < 0 ? Math.max(xs.length + n, 0) : Math.min(n, xs.length);
  return [xs.slice(0, i), xs.slice(i)];
}

/**
 * hk.Reshape(output_shape, preserve_dims=1): keeps the first `preserveDims`
 * axes (negative: all but the last -preserveDims) and reshapes the rest to
 * `outputShape` (one -1 allowed). Inputs of rank <= preserveDims pass through.
 */
export class Reshape extends Module {
  readonly outputShape: number[];
  readonly preserveDims: number;

  constructor(outputShape: readonly number[], preserveDims = 1) {
    super();
    if (preserveDims === 0) throw new Error("Argument preserve_dims should be non-zero.");
    if (outputShape.filter((d) => d === -1).length > 1) throw new Error("-1 can only occur once in `output_shape`.");
    this.outputShape = [...outputShape];
    this.preserveDims = preserveDims;
  }

  call(inputs: tf.Tensor): tf.Tensor {
    if (inputs.rank <= this.preserveDims) return inputs;
    const [kept, rest] = splitAt(inputs.shape, this.preserveDims);
    let shape = this.outputShape;
    if (shape.includes(-1)) {
      // reshape._infer_shape: n // |prod(output_shape)| in place of the -1.
      const n = prod(rest);
      const m = Math.abs(prod(shape));
      shape = shape.map((d) => (d === -1 ? Math.floor(n / m) : d));
    }
    return tf.reshape(inputs, [...kept, ...shape]);
  }
}

/** hk.Flatten(preserve_dims=1): Reshape([-1], preserveDims). */
export class Flatten extends Reshape {
  constructor(preserveDims = 1) {
    super([-1], preserveDims);
  }
}
