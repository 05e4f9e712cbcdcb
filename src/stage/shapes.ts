// Symbolic shapes. Analysis follows each array's shape through a method the
// way jax.eval_shape would, except that sizes are expressions the generated
// constructor can compute (config fields, loop variables, input-size options)
// rather than numbers. A shape either has a known rank (every axis listed) or
// lists only its trailing axes; an axis analysis cannot express is undefined,
// which is fine until a constructor needs it.
import type { TExpr } from "../ts/ast.js";
import { bin, call, num } from "../ts/ast.js";

export type Dim = TExpr | undefined;

export interface SymShape {
  /** Known rank: `dims` lists every axis. Otherwise `dims` are the trailing axes. */
  rank?: number;
  dims: Dim[];
  /**
   * Axes read from an input whose sizes become constructor options on demand
   * (`inFeatures`, `xShape`); see Inputs in method.ts.
   */
  input?: InputShape;
}

export interface InputShape {
  /** Materializes the size of axis `axis` (negative: from the end) as a constructor expression. */
  axis(axis: number): Dim;
  /** The method input these sizes come from. */
  method: string;
  param: string;
}

export const scalarShape: SymShape = { rank: 0, dims: [] };
export const unknownShape: SymShape = { dims: [] };

export function known(dims: number[]): SymShape {
  return { rank: dims.length, dims: dims.map(num) };
}

/** The size of axis `i` (negative from the end), or undefined. */
export function dimAt(s: SymShape, i: number): Dim {
  if (s.rank !== undefined) {
    const j = i < 0 ? s.rank + i : i;
    if (j < 0 || j >= s.rank) return undefined;
    const d = s.dims[j];
    if (d !== undefined) return d;
    return s.input?.axis(j - s.rank);
  }
  if (i < 0) {
    const d = s.dims[s.dims.length + i];
    if (d !== undefined) return d;
    return s.input?.axis(i);
  }
  return undefined;
}

/** Replaces axis `i` (negative from the end). */
export function withDim(s: SymShape, i: number, d: Dim): SymShape {
  if (s.rank !== undefined) {
    const j = i < 0 ? s.rank + i : i;
    const dims = materialize(s);
    dims[j] = d;
    return { rank: s.rank, dims };
  }
  if (i >= 0) return unknownShape;
  const k = -i;
  const dims = materializeTrailing(s, Math.max(k, s.dims.length));
  dims[dims.length - k] = d;
  return { dims };
}

/** Every axis, materialized (known rank only). */
export function materialize(s: SymShape): Dim[] {
  if (s.rank === undefined) return [...s.dims];
  return Array.from({ length: s.rank }, (_, j) => s.dims[j] ?? s.input?.axis(j - s.rank!));
}

/** The last `n` axes, materialized where an input can give them. */
export function materializeTrailing(s: SymShape, n: number): Dim[] {
  if (s.rank !== undefined) return materialize(s).slice(Math.max(0, s.rank - n));
  const out: Dim[] = [];
  for (let k = n; k >= 1; k--) out.push(dimAt(s, -k));
  return out;
}

/** Shapes with the same trailing axes replaced: keeps the rank (or trailing form). */
export function replaceTrailing(s: SymShape, trailing: Dim[]): SymShape {
  if (s.rank !== undefined) {
    if (trailing.length > s.rank) return unknownShape;
    const dims = materialize(s);
    return { rank: s.rank, dims: [...dims.slice(0, s.rank - trailing.length), ...trailing] };
  }
  return { dims: trailing };
}

/** NumPy broadcasting of two shapes, as far as it can be told. */
export function broadcast(a: SymShape, b: SymShape): SymShape {
  if (a.rank === 0) return b;
  if (b.rank === 0) return a;
  const ra = a.rank;
  const rb = b.rank;
  const n = ra !== undefined && rb !== undefined ? Math.max(ra, rb) : undefined;
  const len = n ?? Math.max(a.dims.length, b.dims.length);
  const out: Dim[] = [];
  for (let k = len; k >= 1; k--) {
    const da = ra !== undefined && k > ra ? num(1) : dimAt(a, -k);
    const db = rb !== undefined && k > rb ? num(1) : dimAt(b, -k);
    out.push(broadcastDim(da, db));
  }
  return n !== undefined ? { rank: n, dims: out } : { dims: out };
}

function broadcastDim(a: Dim, b: Dim): Dim {
  if (isOne(a)) return b;
  if (isOne(b)) return a;
  if (a && b && sameDim(a, b)) return a;
  // Either side may be 1 at run time; without knowing, prefer the one that is not a known 1.
  if (a && b && a.k === "num" && b.k === "num") return a.value === 1 ? b : a;
  return a ?? b;
}

export function isOne(d: Dim): boolean {
  return d?.k === "num" && d.value === 1;
}

/** Structural equality of two size expressions. */
export function sameDim(a: Dim, b: Dim): boolean {
  if (!a || !b) return false;
  return JSON.stringify(a) === JSON.stringify(b);
}

export function sameShape(a: SymShape, b: SymShape): boolean {
  if (a.rank !== b.rank) return false;
  const da = a.rank !== undefined ? materialize(a) : a.dims;
  const db = b.rank !== undefined ? materialize(b) : b.dims;
  return da.length === db.length && da.every((d, i) => sameDim(d, db[i]));
}

// Size arithmetic, folding constants so that generated code stays plain.

export function addDims(a: Dim, b: Dim): Dim {
  if (!a || !b) return undefined;
  if (a.k === "num" && b.k === "num") return num(a.value + b.value);
  if (a.k === "num" && a.value === 0) return b;
  if (b.k === "num" && b.value === 0) return a;
  return bin("+", a, b);
}

export function subDims(a: Dim, b: Dim): Dim {
  if (!a || !b) return undefined;
  if (a.k === "num" && b.k === "num") return num(a.value - b.value);
  if (b.k === "num" && b.value === 0) return a;
  return bin("-", a, b);
}

export function mulDims(a: Dim, b: Dim): Dim {
  if (!a || !b) return undefined;
  if (a.k === "num" && b.k === "num") return num(a.value * b.value);
  if (isOne(a)) return b;
  if (isOne(b)) return a;
  // k * (x / k) → x (a split axis put back together).
  if (b.k === "binary" && b.op === "/" && sameDim(b.right, a)) return b.left;
  if (a.k === "binary" && a.op === "/" && sameDim(a.right, b)) return a.left;
  return bin("*", a, b);
}

export function productDims(ds: Dim[]): Dim {
  return ds.reduce<Dim>((acc, d) => mulDims(acc, d), num(1));
}

/** ⌊a / b⌋ */
export function floorDivDims(a: Dim, b: Dim): Dim {
  if (!a || !b) return undefined;
  if (a.k === "num" && b.k === "num" && b.value !== 0) return num(Math.floor(a.value / b.value));
  if (isOne(b)) return a;
  return call("Math.floor", bin("/", a, b));
}

/** ⌈a / b⌉ */
export function ceilDivDims(a: Dim, b: Dim): Dim {
  if (!a || !b) return undefined;
  if (a.k === "num" && b.k === "num" && b.value !== 0) return num(Math.ceil(a.value / b.value));
  if (isOne(b)) return a;
  return call("Math.ceil", bin("/", a, b));
}

export function maxDims(a: Dim, b: Dim): Dim {
  if (!a || !b) return undefined;
  if (a.k === "num" && b.k === "num") return num(Math.max(a.value, b.value));
  return call("Math.max", a, b);
}

/** The number when a size is a constant. */
export function constDim(d: Dim): number | undefined {
  return d?.k === "num" ? d.value : undefined;
}
