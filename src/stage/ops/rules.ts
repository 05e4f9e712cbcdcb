// The op catalog's protocol (OpSpec) and the shape and dtype rules its rows
// share: the shape rules are what lets the constructor know every layer's
// input size.
import { num, type TExpr } from "../../ts/ast.js";
import {
  addDims,
  broadcast,
  dimAt,
  materialize,
  productDims,
  replaceTrailing,
  scalarShape,
  unknownShape,
  withDim,
  type Dim,
  type SymShape,
} from "../shapes.js";
import type { DType, Known, Value } from "../values.js";

export interface OpArgs {
  /** Arguments by Python parameter name. */
  get(name: string): Value | undefined;
}

export interface OpSpec {
  /** The runtime function. */
  rt: string;
  /** Python parameter names in order. A leading `*` marks a variadic list (`*arrays`). */
  params: string[];
  /** How many leading parameters the TypeScript function takes positionally; the rest go in an options object. */
  positional?: number;
  /** Shape of the result. */
  shape: (a: OpArgs) => SymShape | SymShape[] | undefined;
  dtype?: (a: OpArgs) => DType;
  /** The result is a fixed value, not an array (e.g. `jnp.shape`). */
  static?: true;
  /**
   * The rank the shape rule takes an argument of unknown rank to have (Haiku's
   * pooling window covers every axis), so the constructor checks it.
   */
  assumeRank?: (a: OpArgs) => { param: string; rank: number; why: string } | undefined;
  /**
   * Parameters after the positional ones that the TypeScript function takes in
   * one trailing options object (camelCase keys), e.g. random.uniform's `{ minval, maxval }`.
   */
  options?: string[];
}

export const shapeOf = (v: Value | undefined): SymShape =>
  v?.kind === "array"
    ? v.shape
    : v?.kind === "static"
      ? scalarShape
      : unknownShape;
export const dtypeOf = (v: Value | undefined): DType =>
  v?.kind === "array"
    ? v.dtype
    : v?.kind === "static"
      ? v.type.t === "int"
        ? "int32"
        : v.type.t === "bool"
          ? "bool"
          : "float32"
      : "unknown";

export const knownOf = (v: Value | undefined): Known | undefined =>
  v?.kind === "static" ? v.known : undefined;

/** Axes as known ints, or undefined when not known to the translator. */
export function axesOf(v: Value | undefined): number[] | null | undefined {
  if (!v) return null; // absent: all axes
  const k = knownOf(v);
  if (k === null) return null;
  if (typeof k === "number") return [k];
  if (Array.isArray(k) && k.every((x) => typeof x === "number"))
    return k as number[];
  if (v.kind === "tuple" || v.kind === "list") {
    const items = v.items.map(knownOf);
    if (items.every((x) => typeof x === "number")) return items as number[];
  }
  return undefined;
}

/** A static size as an expression (a known int, or the constructor's expression). */
export function sizeExpr(v: Value | undefined): Dim {
  if (v?.kind !== "static") return undefined;
  if (typeof v.known === "number") return num(v.known);
  return v.ctor;
}

/** A static tuple of sizes (a shape argument) as size expressions. */
export function sizesOf(v: Value | undefined): Dim[] | undefined {
  if (!v) return undefined;
  if (v.kind === "tuple" || v.kind === "list") return v.items.map(sizeExpr);
  const items = (v as { items?: Value[] }).items;
  if (v.kind === "static" && items) return items.map(sizeExpr);
  if (v.kind === "static") {
    const k = v.known;
    if (typeof k === "number") return [num(k)];
    if (Array.isArray(k) && k.every((x) => typeof x === "number"))
      return (k as number[]).map(num);
    if (v.type.t === "int") return [v.ctor];
    const len =
      v.type.t === "tuple"
        ? v.type.items.length
        : v.type.t === "seq"
          ? v.type.length
          : undefined;
    if (len !== undefined && v.ctor)
      return Array.from(
        { length: len },
        (_, i) => ({ k: "index", object: v.ctor!, index: num(i) }) as TExpr,
      );
  }
  return undefined;
}

export const same = (a: OpArgs) =>
  shapeOf(a.get("x") ?? a.get("a") ?? a.get("array"));
export const sameDtype = (a: OpArgs) =>
  dtypeOf(a.get("x") ?? a.get("a") ?? a.get("array"));
export const float = () => "float32" as DType;
export const boolean = () => "bool" as DType;
export const int = () => "int32" as DType;

export function promote(a: Value | undefined, b: Value | undefined): DType {
  const [x, y] = [dtypeOf(a), dtypeOf(b)];
  const weak = (v: Value | undefined) => v?.kind === "static";
  if (weak(a) && !weak(b))
    return y === "int32" && a?.kind === "static" && a.type.t === "float"
      ? "float32"
      : y;
  if (weak(b) && !weak(a))
    return x === "int32" && b?.kind === "static" && b.type.t === "float"
      ? "float32"
      : x;
  if (x === y) return x;
  if (x === "unknown" || y === "unknown") return "unknown";
  if (x === "bool") return y;
  if (y === "bool") return x;
  return "float32";
}

export const binary = (a: OpArgs) =>
  broadcast(shapeOf(a.get("x")), shapeOf(a.get("y")));
export const binaryDtype = (a: OpArgs) => promote(a.get("x"), a.get("y"));

/** Reduction over `axis` (all axes when absent), keeping reduced axes as 1 with keepdims. */
export function reduce(arrayParam = "a") {
  return (a: OpArgs): SymShape => {
    const s = shapeOf(a.get(arrayParam));
    const axes = axesOf(a.get("axis"));
    const keepdims = knownOf(a.get("keepdims")) === true;
    if (axes === null)
      return keepdims && s.rank !== undefined
        ? { rank: s.rank, dims: Array(s.rank).fill(num(1)) }
        : scalarShape;
    if (axes === undefined) return unknownShape;
    if (s.rank !== undefined) {
      const norm = axes.map((x) => (x < 0 ? x + s.rank! : x));
      const dims = materialize(s);
      if (keepdims)
        return {
          rank: s.rank,
          dims: dims.map((d, i) => (norm.includes(i) ? num(1) : d)),
        };
      return {
        rank: s.rank - norm.length,
        dims: dims.filter((_, i) => !norm.includes(i)),
      };
    }
    // Unknown rank: axes counted from the end keep the axes after the last reduced one.
    if (axes.every((x) => x < 0)) {
      const deepest = Math.min(...axes);
      const tail = Array.from({ length: -deepest }, (_, i) => -deepest - i).map(
        (k) => -k,
      );
      const kept = tail
        .filter((x) => !axes.includes(x))
        .map((x) => dimAt(s, x));
      if (keepdims)
        return {
          dims: tail.map((x) => (axes.includes(x) ? num(1) : dimAt(s, x))),
        };
      return { dims: kept };
    }
    return unknownShape;
  };
}

export function concatenate(a: OpArgs): SymShape {
  const arrays = a.get("arrays");
  const items =
    arrays?.kind === "tuple" || arrays?.kind === "list"
      ? arrays.items.map(shapeOf)
      : undefined;
  if (!items?.length) return unknownShape;
  const axis = knownOf(a.get("axis")) ?? 0;
  if (typeof axis !== "number") return unknownShape;
  const first = items[0];
  const total = items
    .map((s) => dimAt(s, axis))
    .reduce<Dim>((x, d) => addDims(x, d), num(0));
  return withDim(first, axis, total);
}

export function stack(a: OpArgs): SymShape {
  const arrays = a.get("arrays");
  const items =
    arrays?.kind === "tuple" || arrays?.kind === "list"
      ? arrays.items.map(shapeOf)
      : undefined;
  const first = items?.[0];
  const axis = knownOf(a.get("axis")) ?? 0;
  if (!first || first.rank === undefined || typeof axis !== "number")
    return unknownShape;
  const dims = materialize(first);
  const at = axis < 0 ? axis + first.rank + 1 : axis;
  dims.splice(at, 0, num(items!.length));
  return { rank: first.rank + 1, dims };
}

/** jnp.reshape(a, shape) with at most one -1. */
export function reshape(input: SymShape, target: Dim[] | undefined): SymShape {
  if (!target) return unknownShape;
  const minus = target.findIndex((d) => d?.k === "num" && d.value === -1);
  if (minus < 0) return { rank: target.length, dims: target };
  if (input.rank === undefined)
    return {
      rank: target.length,
      dims: target.map((d, i) => (i === minus ? undefined : d)),
    };
  const total = productDims(materialize(input));
  const others = productDims(target.filter((_, i) => i !== minus));
  const dims = [...target];
  dims[minus] = divideExact(total, others);
  return { rank: target.length, dims };
}

/** a / b where b divides a: folds numbers and cancels a common factor, else Math.floor-free division. */
export function divideExact(a: Dim, b: Dim): Dim {
  if (!a || !b) return undefined;
  if (a.k === "num" && b.k === "num") return num(a.value / b.value);
  if (b.k === "num" && b.value === 1) return a;
  // (x * y) / x → y: common with `x.reshape((x.shape[0], -1))`.
  const factors = (d: TExpr): TExpr[] =>
    d.k === "binary" && d.op === "*"
      ? [...factors(d.left), ...factors(d.right)]
      : [d];
  const fa = factors(a);
  const fb = factors(b);
  const rest = [...fa];
  for (const f of fb) {
    const i = rest.findIndex((r) => JSON.stringify(r) === JSON.stringify(f));
    if (i < 0) return { k: "binary", op: "/", left: a, right: b };
    rest.splice(i, 1);
  }
  return productDims(rest);
}

export function transpose(a: OpArgs): SymShape {
  const s = shapeOf(a.get("a"));
  const axes = axesOf(a.get("axes"));
  if (s.rank === undefined) return unknownShape;
  const dims = materialize(s);
  if (axes === null) return { rank: s.rank, dims: [...dims].reverse() };
  if (!axes) return { rank: s.rank, dims: Array(s.rank).fill(undefined) };
  return { rank: s.rank, dims: axes.map((x) => dims[x < 0 ? x + s.rank! : x]) };
}

export function swapaxes(a: OpArgs): SymShape {
  const s = shapeOf(a.get("a"));
  const [i, j] = [knownOf(a.get("axis1")), knownOf(a.get("axis2"))];
  if (typeof i !== "number" || typeof j !== "number") return unknownShape;
  const di = dimAt(s, i);
  const dj = dimAt(s, j);
  return withDim(withDim(s, i, dj), j, di);
}

export function expandDims(a: OpArgs): SymShape {
  const s = shapeOf(a.get("a"));
  const axes = axesOf(a.get("axis"));
  if (s.rank === undefined || !axes)
    return s.rank === undefined && axes?.every((x) => x < 0)
      ? { dims: [...s.dims, ...axes.map(() => num(1))].slice(0, s.dims.length) }
      : unknownShape;
  const rank = s.rank + axes.length;
  const norm = axes.map((x) => (x < 0 ? x + rank : x)).sort((x, y) => x - y);
  const dims = materialize(s);
  for (const x of norm) dims.splice(x, 0, num(1));
  return { rank, dims };
}

export function squeeze(a: OpArgs): SymShape {
  const s = shapeOf(a.get("a"));
  const axes = axesOf(a.get("axis"));
  if (s.rank === undefined) {
    if (axes && axes.every((x) => x < 0)) {
      const kept = s.dims.filter((_, i) => !axes.includes(i - s.dims.length));
      return { dims: kept };
    }
    return unknownShape;
  }
  const dims = materialize(s);
  if (axes === null) {
    if (dims.every((d) => d?.k === "num")) {
      const kept = dims.filter((d) => !(d?.k === "num" && d.value === 1));
      return { rank: kept.length, dims: kept };
    }
    return unknownShape;
  }
  if (!axes) return unknownShape;
  const norm = axes.map((x) => (x < 0 ? x + s.rank! : x));
  return {
    rank: s.rank - norm.length,
    dims: dims.filter((_, i) => !norm.includes(i)),
  };
}

export function matmul(a: OpArgs): SymShape {
  const x = shapeOf(a.get("a"));
  const y = shapeOf(a.get("b"));
  if (y.rank === 1)
    return x.rank !== undefined
      ? { rank: x.rank - 1, dims: materialize(x).slice(0, -1) }
      : { dims: x.dims.slice(0, -1) };
  const last = dimAt(y, -1);
  if (x.rank === 1)
    return y.rank !== undefined
      ? { rank: y.rank - 1, dims: [...materialize(y).slice(0, -2), last] }
      : unknownShape;
  // Batch axes broadcast; the result keeps x's rows and y's columns.
  const lead = broadcast(
    x.rank !== undefined
      ? { rank: x.rank - 2, dims: materialize(x).slice(0, -2) }
      : unknownShape,
    y.rank !== undefined
      ? { rank: y.rank - 2, dims: materialize(y).slice(0, -2) }
      : unknownShape,
  );
  const rows = dimAt(x, -2);
  if (lead.rank !== undefined)
    return { rank: lead.rank + 2, dims: [...lead.dims, rows, last] };
  return { dims: [rows, last] };
}

export function oneHot(a: OpArgs): SymShape {
  const s = shapeOf(a.get("x"));
  const n = sizeExpr(a.get("num_classes"));
  return s.rank !== undefined
    ? { rank: s.rank + 1, dims: [...materialize(s), n] }
    : { dims: [...s.dims, n] };
}

export function created(param: string) {
  return (a: OpArgs): SymShape => {
    const sizes = sizesOf(a.get(param));
    return sizes ? { rank: sizes.length, dims: sizes } : unknownShape;
  };
}

export const createdDtype =
  (fallback: DType) =>
  (a: OpArgs): DType => {
    const d = a.get("dtype");
    if (d?.kind === "static" && typeof d.known === "string")
      return d.known.includes("int")
        ? "int32"
        : d.known === "bool"
          ? "bool"
          : "float32";
    return fallback;
  };

export function where(a: OpArgs): SymShape {
  return broadcast(
    broadcast(shapeOf(a.get("condition")), shapeOf(a.get("x"))),
    shapeOf(a.get("y")),
  );
}

export function argReduce(a: OpArgs): SymShape {
  return reduce("a")(a);
}

/** Element-wise functions of one array. */
/** A function of one array: same shape; float32, or the input's dtype when `keepsDtype`. */
export function unary(rt: string, keepsDtype = false): OpSpec {
  return {
    rt,
    params: ["x"],
    shape: same,
    dtype: keepsDtype ? sameDtype : float,
  };
}

export type { Dim };
