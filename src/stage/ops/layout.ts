// Shape rules of the ops that rearrange, combine, gather or create arrays:
// what lets the constructor size a layer that follows a flatten, a concat,
// an einsum, a transpose, a gather or a split. Sizes stay expressions the
// constructor can compute; an axis the rule cannot know is left undefined.
import { num, type TExpr } from "../../ts/ast.js";
import {
  addDims,
  broadcast,
  ceilDivDims,
  dimAt,
  isOne,
  materialize,
  mulDims,
  productDims,
  sameDim,
  scalarShape,
  subDims,
  unknownShape,
  type Dim,
  type SymShape,
} from "../shapes.js";
import type { Value } from "../values.js";
import { axesOf, divideExact, knownOf, shapeOf, sizeExpr, sizesOf, type OpArgs } from "./rules.js";

const known = (rank: number, dims: Dim[]): SymShape => ({ rank, dims });

/** A fixed int argument, or undefined. */
export function intOf(v: Value | undefined): number | undefined {
  const k = knownOf(v);
  return typeof k === "number" && Number.isInteger(k) ? k : undefined;
}

function norm(axis: number, rank: number): number {
  return axis < 0 ? axis + rank : axis;
}

/** The number of elements, as a size expression (known rank only). */
export function sizeOf(s: SymShape): Dim {
  return s.rank === undefined ? undefined : productDims(materialize(s));
}

/** ravel / flatten / reshape(-1). */
export function flat(a: OpArgs, param = "a"): SymShape {
  return known(1, [sizeOf(shapeOf(a.get(param)))]);
}

/** A result of the input's shape, or flattened when `axis` is None (cumsum, sort with axis=None). */
export function sameOrFlat(param: string, defaultAxisNone: boolean) {
  return (a: OpArgs): SymShape => {
    const axis = a.get("axis");
    const none = axis ? knownOf(axis) === null : defaultAxisNone;
    return none ? flat(a, param) : shapeOf(a.get(param));
  };
}

/** Broadcast of several arguments' shapes. */
export function broadcastOf(...params: string[]) {
  return (a: OpArgs): SymShape => params.map((p) => a.get(p)).filter((v): v is Value => !!v && !(v.kind === "static" && v.known === null)).map(shapeOf).reduce((x, y) => broadcast(x, y), scalarShape);
}

export function moveaxis(a: OpArgs): SymShape {
  const s = shapeOf(a.get("a"));
  const src = axesOf(a.get("source"));
  const dst = axesOf(a.get("destination"));
  if (s.rank === undefined || !src || !dst || src.length !== dst.length) return s.rank === undefined ? unknownShape : known(s.rank, Array(s.rank).fill(undefined));
  const r = s.rank;
  const source = src.map((x) => norm(x, r));
  const destination = dst.map((x) => norm(x, r));
  const order = [...Array(r).keys()].filter((n) => !source.includes(n));
  destination.map((d, i) => [d, source[i]] as const).sort((x, y) => x[0] - y[0]).forEach(([d, sIdx]) => order.splice(d, 0, sIdx));
  const dims = materialize(s);
  return known(r, order.map((i) => dims[i]));
}

export function broadcastTo(a: OpArgs): SymShape {
  const sizes = sizesOf(a.get("shape"));
  return sizes ? known(sizes.length, sizes) : unknownShape;
}

/** jnp.split / array_split: one shape per piece (the number of pieces must be known). */
export function split(a: OpArgs): SymShape[] | undefined {
  const s = shapeOf(a.get("ary"));
  const axis = intOf(a.get("axis")) ?? 0;
  const how = a.get("indices_or_sections");
  const d = dimAt(s, axis);
  const piece = (size: Dim): SymShape => (s.rank !== undefined ? withAxis(s, axis, size) : unknownShape);
  const sections = intOf(how);
  if (sections !== undefined) return Array.from({ length: sections }, () => piece(divideExact(d, num(sections))));
  const cuts = sizesOf(how);
  if (!cuts || how?.kind === "array") return undefined;
  const bounds: Dim[] = [num(0), ...cuts, d];
  return bounds.slice(1).map((b, i) => piece(subDims(b, bounds[i])));
}

function withAxis(s: SymShape, axis: number, d: Dim): SymShape {
  const dims = materialize(s);
  dims[norm(axis, s.rank!)] = d;
  return known(s.rank!, dims);
}

export function tile(a: OpArgs): SymShape {
  const s = shapeOf(a.get("A"));
  const reps = sizesOf(a.get("reps"));
  if (!reps || s.rank === undefined) return unknownShape;
  const n = Math.max(s.rank, reps.length);
  const dims = [...Array(n - s.rank).fill(num(1)), ...materialize(s)];
  const r = [...Array(n - reps.length).fill(num(1)), ...reps];
  return known(n, dims.map((d, i) => mulDims(d, r[i])));
}

export function repeat(a: OpArgs): SymShape {
  const s = shapeOf(a.get("a"));
  const total = sizeExpr(a.get("total_repeat_length"));
  const reps = a.get("repeats");
  const r = reps?.kind === "static" && reps.type.t === "int" ? sizeExpr(reps) : undefined;
  const axisV = a.get("axis");
  if (!axisV || knownOf(axisV) === null) return known(1, [total ?? mulDims(sizeOf(s), r)]);
  const axis = intOf(axisV);
  if (axis === undefined || s.rank === undefined) return unknownShape;
  return withAxis(s, axis, total ?? mulDims(dimAt(s, axis), r));
}

/** jnp.pad: pad_width as one int, one (before, after) pair, or one pair per axis. */
export function pad(a: OpArgs): SymShape {
  const s = shapeOf(a.get("array"));
  const w = a.get("pad_width");
  if (s.rank === undefined || !w) return unknownShape;
  const pairs = padPairs(w, s.rank);
  if (!pairs) return known(s.rank, Array(s.rank).fill(undefined));
  return known(s.rank, materialize(s).map((d, i) => addDims(addDims(d, pairs[i][0]), pairs[i][1])));
}

function padPairs(w: Value, rank: number): Array<[Dim, Dim]> | undefined {
  const one = sizeExpr(w);
  if (w.kind === "static" && w.type.t === "int") return Array.from({ length: rank }, () => [one, one]);
  const items = itemsOf(w);
  if (!items) return undefined;
  if (items.every((i) => !itemsOf(i))) {
    const sizes = items.map(sizeExpr);
    if (sizes.length === 1) return Array.from({ length: rank }, () => [sizes[0], sizes[0]]);
    if (sizes.length === 2) return Array.from({ length: rank }, () => [sizes[0], sizes[1]]);
    return undefined;
  }
  const rows = items.map((i) => itemsOf(i)?.map(sizeExpr));
  if (rows.some((r) => !r || (r.length !== 1 && r.length !== 2))) return undefined;
  const pairs = rows.map((r) => (r!.length === 1 ? [r![0], r![0]] : [r![0], r![1]]) as [Dim, Dim]);
  if (pairs.length === 1) return Array.from({ length: rank }, () => pairs[0]);
  return pairs.length === rank ? pairs : undefined;
}

/** The items of a tuple or list value (fixed or not). */
export function itemsOf(v: Value | undefined): Value[] | undefined {
  if (!v) return undefined;
  if (v.kind === "tuple" || v.kind === "list") return v.items;
  if (v.kind === "static") {
    const items = (v as { items?: Value[] }).items;
    if (items) return items;
    if (Array.isArray(v.known)) return v.known.map((k) => ({ kind: "static", type: typeof k === "number" ? { t: "int" } : { t: "any" }, known: k, ctor: typeof k === "number" ? num(k) : undefined, call: typeof k === "number" ? num(k) : undefined }) as Value);
  }
  return undefined;
}

/** The shape of an index argument: an array's, a Python int's (scalar), a Python list's. */
function indexShape(v: Value | undefined): SymShape {
  if (!v) return unknownShape;
  if (v.kind === "array") return v.shape;
  if (v.kind === "static" && v.type.t === "int") return scalarShape;
  const items = itemsOf(v);
  if (items) return known(1, [num(items.length)]);
  return unknownShape;
}

/** jnp.take(a, indices, axis): a's axes before `axis`, the indices' axes, a's axes after. */
export function take(a: OpArgs): SymShape {
  const s = shapeOf(a.get("a"));
  const idx = indexShape(a.get("indices"));
  const axisV = a.get("axis");
  if (!axisV || knownOf(axisV) === null) return idx;
  const axis = intOf(axisV);
  if (axis === undefined || s.rank === undefined || idx.rank === undefined) return unknownShape;
  const dims = materialize(s);
  const ax = norm(axis, s.rank);
  return known(s.rank - 1 + idx.rank, [...dims.slice(0, ax), ...materialize(idx), ...dims.slice(ax + 1)]);
}

/** jnp.take_along_axis: the indices' size along `axis`, the broadcast of both elsewhere. */
export function takeAlongAxis(a: OpArgs): SymShape {
  const s = shapeOf(a.get("arr"));
  const idx = shapeOf(a.get("indices"));
  const axisV = a.get("axis");
  if (axisV && knownOf(axisV) === null) return idx;
  const axis = axisV ? intOf(axisV) : -1;
  if (axis === undefined || s.rank === undefined || idx.rank === undefined || s.rank !== idx.rank) return idx.rank !== undefined ? known(idx.rank, Array(idx.rank).fill(undefined)) : unknownShape;
  const ax = norm(axis, s.rank);
  const other = withAxis(s, ax, dimAt(idx, ax));
  return broadcast(other, idx);
}

/** jnp.einsum's subscripts: the result's axes by letter (with `...` for broadcast axes). */
export function einsum(a: OpArgs): SymShape {
  const spec = knownOf(a.get("subscripts"));
  if (typeof spec !== "string") return unknownShape;
  const text = spec.replace(/\s+/g, "");
  const [lhs, explicit] = text.includes("->") ? text.split("->") : [text, undefined];
  const inputs = lhs.split(",");
  const operands = a.rest.map(shapeOf);
  if (inputs.length !== operands.length) return unknownShape;
  const sizes = new Map<string, Dim>();
  let ellipsis: SymShape | undefined;
  const counts = new Map<string, number>();
  for (let i = 0; i < inputs.length; i++) {
    const term = inputs[i];
    const s = operands[i];
    const dots = term.indexOf("...");
    const letters = term.replace("...", "");
    for (const c of letters) counts.set(c, (counts.get(c) ?? 0) + 1);
    if (dots < 0) {
      if (s.rank !== undefined && s.rank !== letters.length) return unknownShape;
      [...letters].forEach((c, j) => note(sizes, c, dimAt(s, j - letters.length)));
      continue;
    }
    const before = term.slice(0, dots);
    const after = term.slice(dots + 3);
    [...before].forEach((c, j) => note(sizes, c, s.rank !== undefined ? dimAt(s, j) : undefined));
    [...after].forEach((c, j) => note(sizes, c, dimAt(s, j - after.length)));
    const middle: SymShape =
      s.rank !== undefined ? known(s.rank - before.length - after.length, materialize(s).slice(before.length, s.rank - after.length)) : unknownShape;
    ellipsis = ellipsis ? broadcast(ellipsis, middle) : middle;
  }
  const out = explicit ?? `${ellipsis ? "..." : ""}${[...counts.keys()].filter((c) => counts.get(c) === 1).sort().join("")}`;
  const dots = out.indexOf("...");
  const letters = (s: string) => [...s].map((c) => sizes.get(c));
  if (dots < 0) return known(out.length, letters(out));
  const e = ellipsis ?? scalarShape;
  const head = letters(out.slice(0, dots));
  const tail = letters(out.slice(dots + 3));
  if (e.rank === undefined) return { dims: tail };
  return known(head.length + e.rank + tail.length, [...head, ...materialize(e), ...tail]);
}

function note(sizes: Map<string, Dim>, c: string, d: Dim): void {
  const before = sizes.get(c);
  // A size-1 axis broadcasts; prefer the other operand's size.
  if (!before || (isOne(before) && d && !isOne(d))) sizes.set(c, d);
}

/** jnp.dot: NumPy's rules (scalar, vector, matrix, N-d with the second's second-to-last axis). */
export function dot(a: OpArgs): SymShape {
  const x = shapeOf(a.get("a"));
  const y = shapeOf(a.get("b"));
  if (x.rank === 0 || y.rank === 0) return broadcast(x, y);
  if (x.rank === undefined || y.rank === undefined) return y.rank === 1 ? { dims: x.dims.slice(0, -1) } : unknownShape;
  const xd = materialize(x);
  const yd = materialize(y);
  if (y.rank === 1) return known(x.rank - 1, xd.slice(0, -1));
  return known(x.rank - 1 + y.rank - 1, [...xd.slice(0, -1), ...yd.slice(0, -2), yd[y.rank - 1]]);
}

/** jnp.tensordot(a, b, axes): an int (the last n of a with the first n of b) or two axis lists. */
export function tensordot(a: OpArgs): SymShape {
  const x = shapeOf(a.get("a"));
  const y = shapeOf(a.get("b"));
  if (x.rank === undefined || y.rank === undefined) return unknownShape;
  const axesV = a.get("axes");
  let ax: number[];
  let bx: number[];
  const n = axesV ? intOf(axesV) : 2;
  if (n !== undefined) {
    ax = Array.from({ length: n }, (_, i) => x.rank! - n + i);
    bx = Array.from({ length: n }, (_, i) => i);
  } else {
    const pair = itemsOf(axesV);
    const l = pair && axesOf(pair[0]);
    const r = pair && axesOf(pair[1]);
    if (!l || !r) return unknownShape;
    ax = l.map((i) => norm(i, x.rank!));
    bx = r.map((i) => norm(i, y.rank!));
  }
  const xd = materialize(x).filter((_, i) => !ax.includes(i));
  const yd = materialize(y).filter((_, i) => !bx.includes(i));
  return known(xd.length + yd.length, [...xd, ...yd]);
}

export function outer(a: OpArgs): SymShape {
  return known(2, [sizeOf(shapeOf(a.get("a"))), sizeOf(shapeOf(a.get("b")))]);
}

export function inner(a: OpArgs): SymShape {
  const x = shapeOf(a.get("a"));
  const y = shapeOf(a.get("b"));
  if (x.rank === 0 || y.rank === 0) return broadcast(x, y);
  if (x.rank === undefined || y.rank === undefined) return unknownShape;
  return known(x.rank + y.rank - 2, [...materialize(x).slice(0, -1), ...materialize(y).slice(0, -1)]);
}

/** lax.dot_general: batch axes, then lhs's free axes, then rhs's. */
export function dotGeneral(a: OpArgs): SymShape {
  const x = shapeOf(a.get("lhs"));
  const y = shapeOf(a.get("rhs"));
  const dn = itemsOf(a.get("dimension_numbers"));
  const contract = itemsOf(dn?.[0]);
  const batch = itemsOf(dn?.[1]);
  const lc = axesOf(contract?.[0]);
  const rc = axesOf(contract?.[1]);
  const lb = batch ? axesOf(batch[0]) : [];
  const rb = batch ? axesOf(batch[1]) : [];
  if (x.rank === undefined || y.rank === undefined || !lc || !rc || !lb || !rb) return unknownShape;
  const xd = materialize(x);
  const yd = materialize(y);
  const batchDims = lb.map((i) => xd[norm(i, x.rank!)]);
  const lf = xd.filter((_, i) => !lc.includes(i) && !lb.includes(i));
  const rf = yd.filter((_, i) => !rc.includes(i) && !rb.includes(i));
  return known(batchDims.length + lf.length + rf.length, [...batchDims, ...lf, ...rf]);
}

/** lax.dynamic_slice_in_dim / slice_in_dim: one axis resized. */
export function resizedAxis(operand: string, size: (a: OpArgs, d: Dim) => Dim, axisParam = "axis", axisDefault = 0) {
  return (a: OpArgs): SymShape => {
    const s = shapeOf(a.get(operand));
    const axis = a.get(axisParam) ? intOf(a.get(axisParam)) : axisDefault;
    if (axis === undefined || s.rank === undefined) return unknownShape;
    return withAxis(s, axis, size(a, dimAt(s, axis)));
  };
}

/** lax.slice(operand, start_indices, limit_indices, strides). */
export function laxSlice(a: OpArgs): SymShape {
  const start = sizesOf(a.get("start_indices"));
  const limit = sizesOf(a.get("limit_indices"));
  const strides = a.get("strides") && knownOf(a.get("strides")) !== null ? sizesOf(a.get("strides")) : undefined;
  if (!start || !limit) return unknownShape;
  return known(start.length, start.map((s, i) => ceilDivDims(subDims(limit[i], s), strides?.[i] ?? num(1))));
}

/** A bound of a slice (None: the default). */
function boundDim(v: Value | undefined, dflt: Dim): Dim {
  if (!v || knownOf(v) === null) return dflt;
  return sizeExpr(v);
}

/** lax.slice_in_dim(operand, start_index, limit_index, stride, axis). */
export const sliceInDim = resizedAxis("operand", (a, d) => {
  const start = boundDim(a.get("start_index"), num(0));
  const limit = boundDim(a.get("limit_index"), d);
  const stride = a.get("stride") ? sizeExpr(a.get("stride")) : num(1);
  const neg = (x: Dim) => (x?.k === "num" && x.value < 0 ? addDims(d, x) : x);
  return ceilDivDims(subDims(neg(limit), neg(start)), stride);
});

/** jnp.arange(start, stop, step): ceil((stop - start) / step) values. */
export function arange(a: OpArgs): SymShape {
  const stopV = a.get("stop");
  const hasStop = !!stopV && knownOf(stopV) !== null;
  const start = hasStop ? sizeExpr(a.get("start")) : num(0);
  const stop = hasStop ? sizeExpr(stopV) : sizeExpr(a.get("start"));
  const stepV = a.get("step");
  const step = stepV && knownOf(stepV) !== null ? sizeExpr(stepV) : num(1);
  const ks = [start, stop, step].map((d) => (d?.k === "num" ? d.value : undefined));
  if (ks.every((k) => k !== undefined)) return known(1, [num(Math.max(0, Math.ceil((ks[1]! - ks[0]!) / ks[2]!)))]);
  return known(1, [ceilDivDims(subDims(stop, start), step)]);
}

/** jnp.linspace(start, stop, num=50): `num` samples (array bounds put the samples on `axis`). */
export function linspace(a: OpArgs): SymShape {
  const n = a.get("num") ? sizeExpr(a.get("num")) : num(50);
  const bounds = broadcast(shapeOf(a.get("start")), shapeOf(a.get("stop")));
  if (bounds.rank === 0) return known(1, [n]);
  if (bounds.rank === undefined) return unknownShape;
  const axis = intOf(a.get("axis")) ?? 0;
  const dims = materialize(bounds);
  dims.splice(axis < 0 ? axis + bounds.rank + 1 : axis, 0, n);
  return known(bounds.rank + 1, dims);
}

/** jnp.meshgrid(*xi, sparse=False, indexing='xy'): one grid per 1-D input ('xy' swaps the first two axes). */
export function meshgrid(a: OpArgs): SymShape[] | undefined {
  const inputs = a.rest.map(shapeOf);
  if (inputs.some((s) => s.rank !== 1)) return undefined;
  const indexing = a.get("indexing") ? knownOf(a.get("indexing")) : "xy";
  const sparse = a.get("sparse") ? knownOf(a.get("sparse")) : false;
  if ((indexing !== "xy" && indexing !== "ij") || typeof sparse !== "boolean") return undefined;
  const sizes = inputs.map((s) => dimAt(s, 0));
  const swap = indexing === "xy" && sizes.length >= 2;
  const axisOf = (i: number) => (swap && i < 2 ? 1 - i : i);
  const full = sizes.map((_, j) => sizes[axisOf(j)]);
  return sizes.map((_, i) => known(sizes.length, full.map((d, j) => (sparse && j !== axisOf(i) ? num(1) : d))));
}

/** jnp.eye / jnp.tri(N, M=None). */
export function eye(a: OpArgs): SymShape {
  const n = sizeExpr(a.get("N"));
  const mV = a.get("M");
  return known(2, [n, mV && knownOf(mV) !== null ? sizeExpr(mV) : n]);
}

/** The shape of a nested Python list (jnp.array([[1, 2], [3, 4]])), or of an array given as is. */
export function literalShape(v: Value | undefined): SymShape {
  if (!v) return unknownShape;
  if (v.kind === "array") return v.shape;
  const items = itemsOf(v);
  if (!items) return v.kind === "static" ? scalarShape : unknownShape;
  if (!items.length) return known(1, [num(0)]);
  const inner = literalShape(items[0]);
  if (inner.rank === undefined) return unknownShape;
  return known(inner.rank + 1, [num(items.length), ...materialize(inner)]);
}

/** jnp.concatenate(arrays, axis=0); axis=None flattens first. */
export function concatenate(a: OpArgs, arraysParam = "arrays", axisParam = "axis"): SymShape {
  const list = a.get(arraysParam);
  if (list?.kind === "arrays") {
    // A list the method builds: its items' shape, the axis as many times over as there are items.
    const axisV = a.get(axisParam);
    const axis = axisV ? intOf(axisV) : 0;
    const item = list.item.shape;
    if (axis === undefined || (axisV && knownOf(axisV) === null) || item.rank === undefined) return unknownShape;
    const dims = materialize(item);
    dims[norm(axis, item.rank)] = mulDims(dimAt(item, axis), list.count.ctor);
    return known(item.rank, dims);
  }
  const items = itemsOf(a.get(arraysParam))?.map(literalShape);
  if (!items?.length) return unknownShape;
  const axisV = a.get(axisParam);
  if (axisV && knownOf(axisV) === null) return known(1, [items.map(sizeOf).reduce<Dim>((x, d) => addDims(x, d), num(0))]);
  const axis = axisV ? intOf(axisV) : 0;
  if (axis === undefined) return unknownShape;
  const total = items.map((s) => dimAt(s, axis)).reduce<Dim>((x, d) => addDims(x, d), num(0));
  const first = items.find((s) => s.rank !== undefined) ?? items[0];
  if (first.rank === undefined) return axis < 0 ? withTrailing(first, axis, total) : unknownShape;
  // Other axes: the first operand's, or another's where the first's is not known.
  const dims = materialize(first).map((d, i) => d ?? items.map((s) => (s.rank !== undefined ? materialize(s)[i] : undefined)).find((x) => x));
  dims[norm(axis, first.rank)] = total;
  return known(first.rank, dims);
}

function withTrailing(s: SymShape, axis: number, d: Dim): SymShape {
  const dims = [...s.dims];
  while (dims.length < -axis) dims.unshift(undefined);
  dims[dims.length + axis] = d;
  return { dims };
}

/** jnp.stack(arrays, axis=0): a new axis of the number of arrays. */
export function stack(a: OpArgs): SymShape {
  const list = a.get("arrays");
  if (list?.kind === "arrays") {
    // A list the method builds: a new axis of its number of items.
    const axis = a.get("axis") ? intOf(a.get("axis")) : 0;
    const item = list.item.shape;
    if (axis === undefined || item.rank === undefined) return unknownShape;
    const dims = materialize(item);
    dims.splice(axis < 0 ? axis + item.rank + 1 : axis, 0, list.count.ctor);
    return known(item.rank + 1, dims);
  }
  const items = itemsOf(a.get("arrays"))?.map(literalShape);
  const first = items?.find((s) => s.rank !== undefined);
  const axis = a.get("axis") ? intOf(a.get("axis")) : 0;
  if (!items || !first || axis === undefined) return unknownShape;
  const dims = materialize(first).map((d, i) => d ?? items.map((s) => (s.rank !== undefined ? materialize(s)[i] : undefined)).find((x) => x));
  dims.splice(axis < 0 ? axis + first.rank! + 1 : axis, 0, num(items.length));
  return known(first.rank! + 1, dims);
}

/** jnp.hstack / vstack: concatenation along axis 1 (0 for vectors) / axis 0 of at-least-2-d arrays. */
export function hstack(a: OpArgs): SymShape {
  const items = itemsOf(a.get("tup"))?.map(literalShape);
  const oneD = items?.every((s) => s.rank === 1);
  return concatenate({ get: (n) => (n === "arrays" ? a.get("tup") : n === "axis" ? ({ kind: "static", type: { t: "int" }, known: oneD ? 0 : 1, ctor: num(oneD ? 0 : 1), call: num(oneD ? 0 : 1) } as Value) : undefined), rest: [] });
}

export function vstack(a: OpArgs): SymShape {
  const items = itemsOf(a.get("tup"))?.map(literalShape);
  if (!items?.length) return unknownShape;
  const rows = items.map((s) => (s.rank === 1 ? known(2, [num(1), dimAt(s, 0)]) : s.rank === 0 ? known(2, [num(1), num(1)]) : s));
  const total = rows.map((s) => dimAt(s, 0)).reduce<Dim>((x, d) => addDims(x, d), num(0));
  const first = rows[0];
  if (first.rank === undefined) return unknownShape;
  const dims = materialize(first);
  dims[0] = total;
  return known(first.rank, dims);
}

/** Two shapes the same where both are known (for checks). */
export function sameDims(a: Dim[], b: Dim[]): boolean {
  return a.length === b.length && a.every((d, i) => !d || !b[i] || sameDim(d, b[i]));
}

export type { TExpr };
