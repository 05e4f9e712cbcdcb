// nnx.Einsum (flax/nnx/nn/linear.py): y = einsum(einsumStr, inputs, kernel) + bias,
// and `einsum`, a two-operand jnp.einsum on dotGeneral (differentiable).
//
//   new nnx.Einsum("nta,hab->nthb", [8, 2, 4], [8, 4], { rngs })   // kernel (8, 2, 4), bias (8, 4)

import { tf } from "../tf.js";
import { Module, firstFrom } from "../module.js";
import { Param } from "../variables.js";
import type { Rngs } from "../rnglib.js";
import { type Initializer, lecunNormal, zeros } from "./initializers.js";
import { dotGeneral } from "./linear_general.js";

/** An einsum equation with each operand's axes named; "..." axes get labels "…0", "…1", … right-aligned. */
interface ParsedEinsum {
  inputs: string[][];
  output: string[];
}

function splitLabels(term: string, rank: number | null, ellipsisRank: number): string[] {
  const dots = term.indexOf("...");
  const named = (s: string) => Array.from(s);
  if (dots < 0) return named(term);
  const before = named(term.slice(0, dots));
  const after = named(term.slice(dots + 3));
  if (after.some((c) => c === ".")) throw new Error(`einsum: invalid subscripts '${term}'`);
  const n = rank === null ? ellipsisRank : rank - before.length - after.length;
  if (n < 0) throw new Error(`einsum: operand '${term}' has rank ${rank}, too small for its subscripts`);
  const dims = Array.from({ length: n }, (_, i) => `…${ellipsisRank - n + i}`);
  return [...before, ...dims, ...after];
}

/** Parses an explicit equation ("ab,bc->ac", with "..." allowed) for operands of the given shapes. */
export function parseEinsum(equation: string, shapes: readonly (readonly number[])[]): ParsedEinsum {
  const eq = equation.replace(/\s/g, "");
  const arrow = eq.indexOf("->");
  if (arrow < 0) throw new Error("einsum: the equation must be explicit and include '->'");
  const terms = eq.slice(0, arrow).split(",");
  if (terms.length !== shapes.length) throw new Error(`einsum: ${terms.length} operands in '${equation}' but ${shapes.length} given`);
  // Every operand's "..." is right-aligned against the longest one, as NumPy broadcasting.
  const ellipsisRank = Math.max(
    0,
    ...terms.map((t, i) => (t.includes("...") ? shapes[i].length - Array.from(t.replace("...", "")).length : 0)),
  );
  const inputs = terms.map((t, i) => {
    const labels = splitLabels(t, shapes[i].length, ellipsisRank);
    if (labels.length !== shapes[i].length) {
      throw new Error(`einsum: operand ${i} has rank ${shapes[i].length} but subscripts '${t}'`);
    }
    return labels;
  });
  const output = splitLabels(eq.slice(arrow + 2), null, ellipsisRank);
  const known = new Set(inputs.flat());
  for (const l of output) if (!known.has(l)) throw new Error(`einsum: output subscript '${l}' is not in any input`);
  if (new Set(output).size !== output.length) throw new Error(`einsum: output subscripts repeat in '${equation}'`);
  return { inputs, output };
}

/**
 * jnp.einsum(equation, a, b) for two operands: sums over labels missing from
 * the output, treats labels in both operands and the output as batch axes, and
 * broadcasts size-1 axes (as "..." does). A label may not repeat within one
 * operand (no traces/diagonals).
 */
export function einsum(equation: string, a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  const { inputs, output } = parseEinsum(equation, [a.shape, b.shape]);
  for (const labels of inputs) {
    if (new Set(labels).size !== labels.length)
      throw new Error(`einsum: repeated subscripts within one operand are not supported ('${equation}')`);
  }
  return tf.tidy(() => {
    let [la, lb] = inputs;
    // Size of each label (size-1 axes broadcast against the other operand's).
    const size = new Map<string, number>();
    [
      [la, a.shape],
      [lb, b.shape],
    ].forEach(([labels, shape]) =>
      (labels as string[]).forEach((l, i) => {
        const d = (shape as number[])[i];
        const prev = size.get(l);
        if (prev === undefined || prev === 1) size.set(l, d);
        else if (d !== 1 && d !== prev) throw new Error(`einsum: size of label '${l}' differs: ${prev} vs ${d}`);
      }),
    );
    const expand = (x: tf.Tensor, labels: string[]) => {
      const target = labels.map((l) => size.get(l)!);
      return target.every((d, i) => d === x.shape[i]) ? x : tf.broadcastTo(x, target);
    };
    let x = expand(a, la);
    let y = expand(b, lb);
    // Labels of one operand that appear nowhere else are summed out first.
    const sumOut = (t: tf.Tensor, mine: string[], other: string[]): [tf.Tensor, string[]] => {
      const axes = mine.flatMap((l, i) => (other.includes(l) || output.includes(l) ? [] : [i]));
      return axes.length === 0 ? [t, mine] : [tf.sum(t, axes), mine.filter((_, i) => !axes.includes(i))];
    };
    [x, la] = sumOut(x, la, lb);
    [y, lb] = sumOut(y, lb, la);
    const batch = la.filter((l) => lb.includes(l) && output.includes(l));
    const contract = la.filter((l) => lb.includes(l) && !output.includes(l));
    const out = dotGeneral(
      x,
      y,
      [contract.map((l) => la.indexOf(l)), contract.map((l) => lb.indexOf(l))],
      [batch.map((l) => la.indexOf(l)), batch.map((l) => lb.indexOf(l))],
    );
    const got = [...batch, ...la.filter((l) => !lb.includes(l)), ...lb.filter((l) => !la.includes(l))];
    const perm = output.map((l) => got.indexOf(l));
    return perm.every((p, i) => p === i) ? out : tf.transpose(out, perm);
  });
}

/** Two-operand einsum signature (NNX `einsum_op`). */
export type EinsumOp = (equation: string, lhs: tf.Tensor, rhs: tf.Tensor) => tf.Tensor;

export interface EinsumOptions {
  kernelInit?: Initializer;
  biasInit?: Initializer;
  /** Replaces `einsum` for the computation (NNX `einsum_op`). */
  einsumOp?: EinsumOp;
  rngs: Rngs;
  kernelMetadata?: Record<string, unknown>;
  biasMetadata?: Record<string, unknown>;
}

function checkEinsumStr(einsumStr: string): void {
  if (!einsumStr.includes("->")) throw new Error('`einsum_str` equation must be explicit and include "->".');
  const commas = einsumStr.split(",").length - 1;
  if (commas !== 1) {
    throw new Error(
      `\`einsum_str\` equation must have exactly two operands and therefore, exactly one comma character, instead of ${commas}`,
    );
  }
}

export class Einsum extends Module {
  readonly kernel: Param;
  readonly bias: Param | null;
  readonly einsumStr: string;
  readonly kernelShape: number[];
  readonly biasShape: number[] | null;
  readonly einsumOp: EinsumOp;

  /** `biasShape` null or omitted: no bias. A `call` may pass another equation. */
  constructor(einsumStr: string, kernelShape: readonly number[], biasShape: readonly number[] | null | undefined, options: EinsumOptions) {
    super();
    const { kernelInit = lecunNormal(), biasInit = zeros, einsumOp = einsum, rngs } = options;
    const eq = einsumStr.replace(/ /g, "");
    checkEinsumStr(eq);
    // Same key draws as nnx.Einsum: kernel key first, then (if used) bias key.
    this.kernel = new Param(kernelInit(rngs.params(), [...kernelShape], "float32"), { ...options.kernelMetadata, init: kernelInit });
    this.bias =
      biasShape === null || biasShape === undefined
        ? null
        : new Param(biasInit(rngs.params(), [...biasShape], "float32"), { ...options.biasMetadata, init: biasInit });
    this.einsumStr = eq;
    this.kernelShape = [...kernelShape];
    this.biasShape = biasShape === null || biasShape === undefined ? null : [...biasShape];
    this.einsumOp = einsumOp;
  }

  call(inputs: tf.Tensor, einsumStr?: string | null): tf.Tensor {
    const eq = firstFrom(
      [einsumStr, this.einsumStr],
      "No `einsum_str` argument was provided to Einsum as either a __call__ argument, or class attribute.",
    ).replace(/ /g, "");
    checkEinsumStr(eq);
    return tf.tidy(() => {
      let y = this.einsumOp(eq, inputs, this.kernel.value);
      if (this.bias !== null) y = tf.add(y, tf.reshape(this.bias.value, this.broadcastedBiasShape(eq, inputs)));
      return y;
    });
  }

  /** NNX _infer_broadcasted_bias_shape: the kernel's size for output axes that come from the kernel, else 1. */
  private broadcastedBiasShape(eq: string, inputs: tf.Tensor): number[] {
    const { inputs: labels, output } = parseEinsum(eq, [inputs.shape, this.kernelShape]);
    const rhs = new Map(labels[1].map((l, i) => [l, i]));
    if (rhs.size !== this.kernelShape.length) throw new Error("Einsum: the kernel's subscripts repeat");
    return output.map((l) => (rhs.has(l) ? this.kernelShape[rhs.get(l)!] : 1));
  }
}
