// nnx.scan (flax/nnx/transforms/iteration.py), eagerly: a step function run
// along one axis of its input, threading a carry. Axes are given as in NNX:
// `nnx.Carry` marks the carry; a number is the axis to slice (inputs) or to
// stack along (outputs).
//
//   const [carry, ys] = nnx.scan((c, x) => cell.call(c, x), { inAxes: [nnx.Carry, 1], outAxes: [nnx.Carry, 1] })(c0, xs);
import { tf } from "./tf.js";
import { jitHooks } from "./jit/hooks.js";

/** Marks the carry in scan's `inAxes` / `outAxes`. */
export const Carry = Symbol.for("nnx.Carry");
export type Carry = typeof Carry;

export interface ScanOptions {
  inAxes: readonly [Carry, number];
  outAxes: readonly [Carry, number];
}

/** A scan's carry: one array or a tuple of carries (an LSTM's [c, h]). */
export type ScanCarry = tf.Tensor | readonly ScanCarry[];

export type ScanStep<C extends ScanCarry = tf.Tensor, Y extends ScanCarry = tf.Tensor> = (carry: C, x: tf.Tensor) => readonly [C, Y];

function leaves(t: ScanCarry): tf.Tensor[] {
  return t instanceof tf.Tensor ? [t] : t.flatMap(leaves);
}

function mapLeaves(t: ScanCarry, fn: (k: number) => tf.Tensor, counter = { i: 0 }): ScanCarry {
  return t instanceof tf.Tensor ? fn(counter.i++) : t.map((x) => mapLeaves(x, fn, counter));
}

/** Steps along `inAxes[1]` of xs; every array of the step's output (one, or a tuple of them) is stacked along `outAxes[1]`. */
export function scan<C extends ScanCarry = tf.Tensor, Y extends ScanCarry = tf.Tensor>(step: ScanStep<C, Y>, { inAxes, outAxes }: ScanOptions): (carry: C, xs: tf.Tensor) => [C, Y] {
  if (inAxes[0] !== Carry || outAxes[0] !== Carry) throw new Error("nnx.scan: the first in/out axis must be nnx.Carry");
  return (init, xs) =>
    // Intermediate carries and slices are freed; the final carry and the stacked outputs are returned.
    tf.tidy(() => {
      const axis = inAxes[1] < 0 ? inAxes[1] + xs.rank : inAxes[1];
      let carry = init;
      const ys: Y[] = [];
      const slices = tf.unstack(xs, axis);
      // nnx.jit's tracer marks each step so a compiled step runs them as one loop.
      const token = jitHooks.scanBegin?.(slices.length);
      slices.forEach((x, i) => {
        if (token !== undefined) jitHooks.scanStep?.(token, i);
        const [next, y] = step(carry, x);
        carry = next;
        ys.push(y);
      });
      if (token !== undefined) jitHooks.scanEnd?.(token);
      const perStep = ys.map(leaves);
      const stacked = mapLeaves(ys[0], (k) => {
        const parts = perStep.map((ls) => ls[k]);
        const out = outAxes[1] < 0 ? outAxes[1] + parts[0].rank + 1 : outAxes[1];
        return tf.stack(parts, out);
      });
      return [carry, stacked] as unknown as tf.TensorContainer;
    }) as unknown as [C, Y];
}
