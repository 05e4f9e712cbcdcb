// Linear algebra (jax/_src/numpy/tensor_contractions.py, einsum.py, linalg.py):
// one dot_general (batch and contracting axes, as a batched matMul after a
// transpose and reshape) under matmul, dot, tensordot, inner and einsum, and
// jnp.linalg.norm. Everything is transpose/reshape/matMul/sum/gather, so
// gradients come from tf.
import { tf } from "../tf.js";
import { type Axis, broadcastShapes, normAxes, normAxis, size } from "./axes.js";
import { bcast } from "./autodiff.js";
import { type ArrayLike, ValueError } from "./dtypes.js";
import { abs, power } from "./elementwise.js";
import { asArray, convert, like, promoteArgs } from "./promote.js";
import { max, min, sum } from "./reductions.js";

const range = (n: number) => [...Array(n).keys()];

/**
 * lax.dot_general on promoted operands: the result's axes are the batch axes,
 * then a's free axes, then b's. bools multiply as ints and come back as `!= 0`.
 */
function dotGeneralRaw(a: tf.Tensor, b: tf.Tensor, contract: [number[], number[]], batch: [number[], number[]]): tf.Tensor {
  const [ca, cb] = contract;
  const [ba, bb] = batch;
  if (ca.length !== cb.length || ba.length !== bb.length) throw new TypeError("dot_general requires equal numbers of contracting and batch dimensions");
  ca.forEach((d, i) => {
    if (a.shape[d] !== b.shape[cb[i]]) throw new TypeError(`dot_general requires contracting dimensions to have the same shape, got ${a.shape[d]} and ${b.shape[cb[i]]}`);
  });
  ba.forEach((d, i) => {
    if (a.shape[d] !== b.shape[bb[i]]) throw new TypeError(`dot_general requires lhs batch dimensions and rhs batch dimensions to have the same shape, got ${a.shape[d]} and ${b.shape[bb[i]]}`);
  });
  const freeA = range(a.rank).filter((d) => !ca.includes(d) && !ba.includes(d));
  const freeB = range(b.rank).filter((d) => !cb.includes(d) && !bb.includes(d));
  const batchShape = ba.map((d) => a.shape[d]);
  const faShape = freeA.map((d) => a.shape[d]);
  const fbShape = freeB.map((d) => b.shape[d]);
  const nb = size(batchShape);
  const c = size(ca.map((d) => a.shape[d]));
  const isBool = a.dtype === "bool";
  const x = isBool ? tf.cast(a, "int32") : a;
  const y = isBool ? tf.cast(b, "int32") : b;
  const at = tf.reshape(tf.transpose(x, [...ba, ...freeA, ...ca]), [nb, size(faShape), c]);
  const bt = tf.reshape(tf.transpose(y, [...bb, ...cb, ...freeB]), [nb, c, size(fbShape)]);
  const out = tf.reshape(tf.matMul(at as tf.Tensor3D, bt as tf.Tensor3D), [...batchShape, ...faShape, ...fbShape]);
  return isBool ? tf.notEqual(out, like(out, 0)) : out;
}

/** lax.dot_general(lhs, rhs, ((lhs_contract, rhs_contract), (lhs_batch, rhs_batch))). */
export function dotGeneral(lhs: ArrayLike, rhs: ArrayLike, dimensionNumbers: [[readonly number[], readonly number[]], [readonly number[], readonly number[]]]): tf.Tensor {
  return tf.tidy(() => {
    const [a, b] = promoteArgs(lhs, rhs);
    const [[ca, cb], [ba, bb]] = dimensionNumbers;
    return dotGeneralRaw(a, b, [normAxes(ca, a.rank), normAxes(cb, b.rank)], [normAxes(ba, a.rank), normAxes(bb, b.rank)]);
  });
}

/** jnp.matmul (`@`): 1-D operands gain and lose an axis; batch axes broadcast. */
export function matmul(a: ArrayLike, b: ArrayLike): tf.Tensor {
  return tf.tidy(() => {
    let [x, y] = promoteArgs(a, b);
    [x, y].forEach((t, i) => {
      if (t.rank < 1) throw new ValueError(`matmul input operand ${i} must have ndim at least 1, but it has ndim ${t.rank}`);
    });
    const xVec = x.rank === 1;
    const yVec = y.rank === 1;
    if (xVec) x = tf.reshape(x, [1, x.shape[0]]);
    if (yVec) y = tf.reshape(y, [y.shape[0], 1]);
    const batch = broadcastShapes(x.shape.slice(0, -2), y.shape.slice(0, -2));
    x = bcast(x, [...batch, ...x.shape.slice(-2)]);
    y = bcast(y, [...batch, ...y.shape.slice(-2)]);
    const n = batch.length;
    let out = dotGeneralRaw(x, y, [[n + 1], [n]], [range(n), range(n)]);
    if (xVec) out = tf.squeeze(out, [n]);
    if (yVec) out = tf.squeeze(out, [out.rank - 1]);
    return out;
  });
}

/** jnp.dot: a product with scalars; otherwise a's last axis against b's second-to-last (or only) axis. */
export function dot(a: ArrayLike, b: ArrayLike): tf.Tensor {
  return tf.tidy(() => {
    const [x, y] = promoteArgs(a, b);
    if (x.rank === 0 || y.rank === 0) return dotGeneralRaw(x, y, [[], []], [[], []]);
    return dotGeneralRaw(x, y, [[x.rank - 1], [y.rank === 1 ? 0 : y.rank - 2]], [[], []]);
  });
}

/** jnp.vdot: the dot product of the raveled arrays. */
export function vdot(a: ArrayLike, b: ArrayLike): tf.Tensor {
  return tf.tidy(() => dot(tf.reshape(asArray(a), [-1]), tf.reshape(asArray(b), [-1])));
}

/** jnp.tensordot(a, b, axes=2): the last `axes` axes of a against the first of b, or explicit axis lists. */
export function tensordot(a: ArrayLike, b: ArrayLike, axes: number | readonly [number | readonly number[], number | readonly number[]] = 2): tf.Tensor {
  return tf.tidy(() => {
    const [x, y] = promoteArgs(a, b);
    let contract: [number[], number[]];
    if (typeof axes === "number") {
      if (axes > Math.min(x.rank, y.rank)) throw new TypeError(`Number of tensordot axes (axes ${axes}) exceeds input ranks (${x.shape} and ${y.shape})`);
      contract = [range(axes).map((i) => x.rank - axes + i), range(axes)];
    } else {
      const [p, q] = axes;
      const pa = typeof p === "number" ? [p] : [...p];
      const qa = typeof q === "number" ? [q] : [...q];
      if (pa.length !== qa.length) throw new TypeError(`tensordot requires axes lists to have equal length, got ${pa} and ${qa}.`);
      contract = [pa.map((i) => normAxis(i, x.rank)), qa.map((i) => normAxis(i, y.rank))];
    }
    return dotGeneralRaw(x, y, contract, [[], []]);
  });
}

/** jnp.inner: over the last axes (a product for scalars). */
export function inner(a: ArrayLike, b: ArrayLike): tf.Tensor {
  return tf.tidy(() => {
    const [x, y] = promoteArgs(a, b);
    if (x.rank === 0 || y.rank === 0) return dotGeneralRaw(x, y, [[], []], [[], []]);
    return dotGeneralRaw(x, y, [[x.rank - 1], [y.rank - 1]], [[], []]);
  });
}

/** jnp.outer: ravel(a)[:, None] * ravel(b)[None, :]. */
export function outer(a: ArrayLike, b: ArrayLike): tf.Tensor {
  return tf.tidy(() => {
    const [x, y] = promoteArgs(a, b);
    const [p, q] = [tf.reshape(x, [-1, 1]), tf.reshape(y, [1, -1])];
    return x.dtype === "bool" ? tf.logicalAnd(p, q) : tf.mul(p, q);
  });
}

/** The `offset` diagonal of the last two axes, as a new last axis. */
function lastTwoDiagonal(x: tf.Tensor, offset: number): tf.Tensor {
  const [n, m] = x.shape.slice(-2);
  const count = Math.max(0, Math.min(n + Math.min(offset, 0), m - Math.max(offset, 0)));
  const lead = x.shape.slice(0, -2);
  const flat = tf.reshape(x, [...lead, n * m]);
  const idx = range(count).map((i) => (offset >= 0 ? i * m + i + offset : (i - offset) * m + i));
  return tf.gather(flat, tf.tensor1d(idx, "int32"), lead.length);
}

/** jnp.diagonal(a, offset=0, axis1=0, axis2=1): the diagonal as the last axis. */
export function diagonal(a: ArrayLike, offset = 0, axis1 = 0, axis2 = 1): tf.Tensor {
  return tf.tidy(() => {
    const x = asArray(a);
    if (x.rank < 2) throw new ValueError("diagonal requires an array of at least two dimensions.");
    const [i, j] = [normAxis(axis1, x.rank), normAxis(axis2, x.rank)];
    if (i === j) throw new ValueError("axis1 and axis2 cannot be the same");
    const rest = range(x.rank).filter((d) => d !== i && d !== j);
    return lastTwoDiagonal(tf.transpose(x, [...rest, i, j]), offset);
  });
}

/** jnp.trace(a, offset=0, axis1=0, axis2=1): sums the diagonal (ints and bools as int32). */
export function trace(a: ArrayLike, offset = 0, axis1 = 0, axis2 = 1): tf.Tensor {
  return tf.tidy(() => sum(diagonal(a, offset, axis1, axis2), -1));
}

/** jnp.diag(v, k=0): a 1-D array on the k-th diagonal of a square matrix, or a matrix's k-th diagonal. */
export function diag(v: ArrayLike, k = 0): tf.Tensor {
  return tf.tidy(() => {
    const x = asArray(v);
    if (x.rank === 2) return lastTwoDiagonal(x, k);
    if (x.rank !== 1) throw new ValueError("diag input must be 1d or 2d");
    const n = x.shape[0];
    const N = n + Math.abs(k);
    // Gather from v with a zero appended: position (r, c) takes v[i] on the diagonal, else the zero.
    const idx = new Array<number>(N * N).fill(n);
    for (let i = 0; i < n; i++) idx[(i + Math.max(0, -k)) * N + i + Math.max(0, k)] = i;
    const padded = tf.concat([x, tf.zeros([1], x.dtype)]);
    return tf.reshape(tf.gather(padded, tf.tensor1d(idx, "int32")), [N, N]);
  });
}

// ---------------------------------------------------------------------------
// einsum

type Label = string;

interface Term {
  labels: Label[];
  tensor: tf.Tensor;
}

/** The letters of a subscript term, with "..." expanded to the ellipsis labels it covers. */
function termLabels(term: string, rank: number, maxEll: number, which: string): Label[] {
  const parts = term.split("...");
  if (parts.length > 2) throw new ValueError(`einstein sum subscripts string contains too many '...' in ${which}`);
  for (const ch of parts.join("")) if (!/[a-zA-Z]/.test(ch)) throw new ValueError(`invalid subscript '${ch}' in einstein sum subscripts string, subscripts must be letters`);
  const letters = parts.join("").length;
  if (parts.length === 1) {
    if (rank >= 0 && letters !== rank) throw new ValueError(`einstein sum subscripts string '${term}' has ${letters} labels for an operand of rank ${rank}`);
    return [...term];
  }
  const ell = rank >= 0 ? rank - letters : maxEll;
  if (ell < 0) throw new ValueError(`einstein sum subscripts string '${term}' has too many labels for an operand of rank ${rank}`);
  const ellLabels = range(ell).map((i) => `.${maxEll - ell + i}`);
  return [...parts[0], ...ellLabels, ...parts[1]];
}

/** Takes the diagonal over the axes of a repeated label, until every label appears once. */
function dedupe(t: Term): Term {
  let { labels, tensor } = t;
  for (;;) {
    const dup = labels.findIndex((l, i) => labels.indexOf(l) !== i);
    if (dup < 0) return { labels, tensor };
    const first = labels.indexOf(labels[dup]);
    if (tensor.shape[first] !== tensor.shape[dup]) throw new ValueError(`dimensions in operand for collapsing index '${labels[dup]}' don't match (${tensor.shape[first]} != ${tensor.shape[dup]})`);
    const rest = range(tensor.rank).filter((d) => d !== first && d !== dup);
    const diagLast = lastTwoDiagonal(tf.transpose(tensor, [...rest, first, dup]), 0);
    // Put the diagonal axis back where the label first stood.
    const kept = range(tensor.rank).filter((d) => d !== dup);
    tensor = tf.transpose(diagLast, kept.map((d) => (d === first ? rest.length : rest.indexOf(d))));
    labels = kept.map((d) => labels[d]);
  }
}

/** Sums away the labels nobody else needs. */
function sumOut(t: Term, needed: Set<Label>): Term {
  const axes = t.labels.flatMap((l, i) => (needed.has(l) ? [] : [i]));
  if (!axes.length) return t;
  return { labels: t.labels.filter((l) => needed.has(l)), tensor: tf.sum(t.tensor, axes) };
}

/** Broadcasts size-1 axes of two terms against each other (ellipsis axes). */
function alignSizes(a: Term, b: Term): [Term, Term] {
  const grow = (t: Term, other: Term) => {
    const shape = t.labels.map((l, i) => {
      const j = other.labels.indexOf(l);
      return j >= 0 && t.tensor.shape[i] === 1 ? other.tensor.shape[j] : t.tensor.shape[i];
    });
    return { labels: t.labels, tensor: bcast(t.tensor, shape) };
  };
  return [grow(a, b), grow(b, a)];
}

function contractPair(a0: Term, b0: Term, needed: Set<Label>): Term {
  const inB = new Set(b0.labels);
  const inA = new Set(a0.labels);
  let a = sumOut(a0, new Set([...a0.labels].filter((l) => needed.has(l) || inB.has(l))));
  let b = sumOut(b0, new Set([...b0.labels].filter((l) => needed.has(l) || inA.has(l))));
  [a, b] = alignSizes(a, b);
  const shared = a.labels.filter((l) => b.labels.includes(l));
  const batch = shared.filter((l) => needed.has(l));
  const contract = shared.filter((l) => !needed.has(l));
  const tensor = dotGeneralRaw(
    a.tensor,
    b.tensor,
    [contract.map((l) => a.labels.indexOf(l)), contract.map((l) => b.labels.indexOf(l))],
    [batch.map((l) => a.labels.indexOf(l)), batch.map((l) => b.labels.indexOf(l))],
  );
  const labels = [...batch, ...a.labels.filter((l) => !shared.includes(l)), ...b.labels.filter((l) => !shared.includes(l))];
  return { labels, tensor };
}

/**
 * jnp.einsum(subscripts, *operands): any subscripts, with "..." (broadcast),
 * repeated labels within an operand (diagonals), implicit output (labels
 * used once, in alphabetical order, after the ellipsis axes) and explicit
 * "->". Operands are contracted left to right, each pair as one dot_general.
 */
export function einsum(subscripts: string, ...operands: ArrayLike[]): tf.Tensor {
  return tf.tidy(() => {
    const spec = subscripts.replace(/\s+/g, "");
    const [lhs, rhs] = spec.includes("->") ? spec.split("->") : [spec, undefined];
    const inputs = lhs.split(",");
    if (inputs.length !== operands.length) throw new ValueError(`einsum: ${inputs.length} operand terms in '${subscripts}' for ${operands.length} operands`);
    const tensors = promoteArgs(...operands);
    const isBool = tensors[0]?.dtype === "bool";
    const xs = isBool ? tensors.map((t) => tf.cast(t, "int32")) : tensors;
    const maxEll = Math.max(0, ...inputs.map((term, i) => (term.includes("...") ? xs[i].rank - term.replace("...", "").length : 0)));
    let terms: Term[] = inputs.map((term, i) => dedupe({ labels: termLabels(term, xs[i].rank, maxEll, `operand ${i}`), tensor: xs[i] }));

    const counts = new Map<Label, number>();
    for (const t of inputs.map((term, i) => termLabels(term, xs[i].rank, maxEll, `operand ${i}`))) for (const l of t) counts.set(l, (counts.get(l) ?? 0) + 1);
    let output: Label[];
    if (rhs === undefined) {
      const ell = range(maxEll).map((i) => `.${i}`);
      const once = [...counts.keys()].filter((l) => !l.startsWith(".") && counts.get(l) === 1).sort();
      output = [...ell, ...once];
    } else {
      output = termLabels(rhs, -1, maxEll, "output");
      for (const l of output) {
        if (!counts.has(l)) throw new ValueError(`einstein sum subscripts string included output subscript '${l}' which never appeared in an input`);
      }
      if (new Set(output).size !== output.length) throw new ValueError(`einstein sum subscripts string includes output subscript more than once`);
    }
    // Label sizes must agree (size 1 broadcasts).
    const sizes = new Map<Label, number>();
    for (const t of terms) {
      t.labels.forEach((l, i) => {
        const d = t.tensor.shape[i];
        const s = sizes.get(l);
        if (s === undefined || s === 1) sizes.set(l, d);
        else if (d !== 1 && d !== s) throw new ValueError(`Size of label '${l}' for operand does not match previous terms (${d} vs ${s}).`);
      });
    }

    const outSet = new Set(output);
    let acc = terms[0];
    for (let k = 1; k < terms.length; k++) {
      const needed = new Set([...outSet, ...terms.slice(k + 1).flatMap((t) => t.labels)]);
      acc = contractPair(acc, terms[k], needed);
    }
    terms = [];
    acc = sumOut(acc, outSet);
    // Output labels of size 1 that no operand kept (ellipsis broadcasting) are already in acc.
    const perm = output.map((l) => acc.labels.indexOf(l));
    const outShape = output.map((l) => sizes.get(l) ?? 1);
    let out = perm.length ? tf.transpose(acc.tensor, perm) : acc.tensor;
    out = bcast(out, outShape);
    if (out === acc.tensor || out === xs[0]) out = out.clone();
    return isBool ? tf.notEqual(out, like(out, 0)) : out;
  });
}

// ---------------------------------------------------------------------------
// jnp.linalg.norm

export type NormOrd = number | "fro" | "f" | null;

function vectorNormImpl(x: tf.Tensor, ord: number, axis: Axis, keepdims: boolean): tf.Tensor {
  if (ord === 2) return tf.sqrt(sum(tf.mul(x, x), axis, { keepdims }));
  if (ord === Infinity) return max(abs(x), axis, { keepdims, initial: 0 });
  if (ord === -Infinity) return min(abs(x), axis, { keepdims });
  if (ord === 0) return sum(tf.notEqual(x, 0), axis, { dtype: "float32", keepdims });
  if (ord === 1) return sum(abs(x), axis, { keepdims });
  const p = tf.scalar(ord, "float32");
  return power(sum(power(abs(x), p), axis, { keepdims }), tf.scalar(1 / Math.fround(ord), "float32"));
}

/** jnp.linalg.vector_norm(x, axis=None, keepdims=False, ord=2). */
export function vectorNorm(x: ArrayLike, options: { axis?: Axis; keepdims?: boolean; ord?: number } = {}): tf.Tensor {
  return tf.tidy(() => vectorNormImpl(convert(asArray(x), "float32"), options.ord ?? 2, options.axis ?? null, options.keepdims ?? false));
}

/**
 * jnp.linalg.norm(x, ord=None, axis=None, keepdims=False): vector norms
 * (2, inf, -inf, 0, 1, any p) over one axis, matrix norms ("fro", 1, -1,
 * inf, -inf) over two; without an axis and ord, the 2-norm of everything.
 * The SVD-based matrix norms (2, -2, "nuc") are not available.
 */
export function norm(x: ArrayLike, ord: NormOrd = null, axis: number | readonly number[] | null = null, keepdims = false): tf.Tensor {
  return tf.tidy(() => {
    const a = convert(asArray(x), "float32");
    if (axis === null && ord === null) return tf.sqrt(sum(tf.mul(a, a), null, { keepdims }));
    const axes = axis === null ? range(a.rank) : normAxes(axis, a.rank);
    if (axes.length === 1) {
      if (typeof ord === "string") throw new ValueError(`Invalid order '${ord}' for vector norm.`);
      return vectorNormImpl(a, ord ?? 2, axes, keepdims);
    }
    if (axes.length !== 2) throw new ValueError(`Improper number of axes for norm: axis=(${axes}). Pass one axis to compute a vector-norm, or two axes to compute a matrix-norm.`);
    let [row, col] = axes;
    if (ord === null || ord === "fro" || ord === "f") return tf.sqrt(sum(tf.mul(a, a), axes, { keepdims }));
    if (ord === 1 || ord === -1) {
      if (!keepdims && col > row) col -= 1;
      const s = sum(abs(a), row, { keepdims });
      return ord === 1 ? max(s, col, { keepdims, initial: 0 }) : min(s, col, { keepdims });
    }
    if (ord === Infinity || ord === -Infinity) {
      if (!keepdims && row > col) row -= 1;
      const s = sum(abs(a), col, { keepdims });
      return ord === Infinity ? max(s, row, { keepdims, initial: 0 }) : min(s, row, { keepdims });
    }
    throw new ValueError(`Invalid order '${String(ord)}' for matrix norm${ord === 2 || ord === -2 ? " (the SVD-based norms are not available)" : ""}.`);
  });
}

/** The `jnp.linalg` namespace. */
export const linalg = { norm, vectorNorm, matmul, tensordot, diagonal, trace, outer };
