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
  /** What a `*rest` parameter took (einsum's operands). */
  readonly rest: Value[];
}

export interface OpSpec {
  /** The runtime function. */
  rt: string;
  /** The Python signature and how the runtime takes each parameter (see ./signature.ts). */
  sig: string;
  /** Shape of the result (several: a tuple or list of arrays). */
  shape: (a: OpArgs) => SymShape | SymShape[] | undefined;
  dtype?: (a: OpArgs) => DType;
  /**
   * The rank the shape rule takes an argument of unknown rank to have (Haiku's
   * pooling window covers every axis), so the constructor checks it.
   */
  assumeRank?: (a: OpArgs) => { param: string; rank: number; why: string } | undefined;
  /**
   * The runtime takes `(x, axis)` or `(x, { axis, ...options })` (jax.nn's
   * softmax family): a lone axis goes positionally, with more it joins the options.
   */
  axisOrOptions?: string;
  /** Integral Python floats stay floats even where the dtype would not tell (`x ** 2.0` is lax.pow, `x ** 2` integer_pow). */
  exactFloats?: true;
  /** Operands are promoted to float32 before anything else (jnp.divide): a Python float's type never matters. */
  inexact?: true;
  /** The result is a Python list (jnp.split), not a tuple. */
  list?: true;
  /** The result is a fixed value the translator computes (`jnp.shape(x)`), not a runtime call. */
  value?: (a: OpArgs) => Value | undefined;
  /** Rejects argument combinations the runtime does not take: a reason, or undefined. */
  check?: (a: OpArgs) => string | undefined;
  /** The runtime's result type admits null, which these arguments rule out (`combineMasks` given an array). */
  notNull?: (a: OpArgs) => boolean;
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

/**
 * JAX's type lattice restricted to the runtime's dtypes: bool < int* < int32 <
 * float* < float32, where int* and float* are Python's weak int and float.
 * A result takes the highest operand; weak results become strong arrays.
 */
type Lattice = "bool" | "int*" | "int32" | "float*" | "float32";
const ORDER: Lattice[] = ["bool", "int*", "int32", "float*", "float32"];

/** A value's place on the lattice, or undefined when the translator cannot tell. */
export function latticeOf(v: Value | undefined): Lattice | undefined {
  if (!v) return undefined;
  if (v.kind === "array") return v.dtype === "float32" || v.dtype === "int32" || v.dtype === "bool" ? v.dtype : undefined;
  if (v.kind === "static") {
    if (v.type.t === "int") return "int*";
    if (v.type.t === "float") return "float*";
    if (v.type.t === "bool") return "bool";
    if (v.type.t === "tuple" || v.type.t === "seq") {
      // A nested Python list given as an array: NumPy's strong default dtypes.
      const items = (v as { items?: Value[] }).items;
      const kinds = items ? items.map(latticeOf) : Array.isArray(v.known) ? (v.known as unknown[]).map((k) => (typeof k === "boolean" ? "bool" : typeof k === "number" ? "int*" : undefined)) : undefined;
      if (!kinds || kinds.some((k) => k === undefined)) return undefined;
      const top = kinds.reduce<Lattice>((a, b) => (ORDER.indexOf(b!) > ORDER.indexOf(a) ? b! : a), "bool");
      return top === "int*" ? "int32" : top === "float*" ? "float32" : top;
    }
    return undefined;
  }
  if (v.kind === "tuple" || v.kind === "list") {
    const kinds = v.items.map(latticeOf);
    if (kinds.some((k) => k === undefined)) return undefined;
    const top = kinds.reduce<Lattice>((a, b) => (ORDER.indexOf(b!) > ORDER.indexOf(a) ? b! : a), "bool");
    return top === "int*" ? "int32" : top === "float*" ? "float32" : top;
  }
  return undefined;
}

/** The dtype JAX gives an op of these operands (absent ones are skipped). */
export function promoteAll(...vs: Array<Value | undefined>): DType {
  const present = vs.filter((v): v is Value => v !== undefined && !(v.kind === "static" && v.known === null));
  if (!present.length) return "unknown";
  const kinds = present.map(latticeOf);
  if (kinds.some((k) => k === undefined)) return "unknown";
  const top = kinds.reduce<Lattice>((a, b) => (ORDER.indexOf(b!) > ORDER.indexOf(a) ? b! : a), "bool");
  return top === "int*" ? "int32" : top === "float*" ? "float32" : top;
}

export function promote(a: Value | undefined, b: Value | undefined): DType {
  return promoteAll(a, b);
}

/** promote_args_numeric: bools count as int32. */
export function numeric(d: DType): DType {
  return d === "bool" ? "int32" : d;
}

/** promote_args_inexact: ints and bools become float32. */
export function inexact(_d?: DType): DType {
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
    const k = a.get("keepdims");
    // A flag the translator cannot see leaves the rank unknown.
    if (k && typeof knownOf(k) !== "boolean" && knownOf(k) !== null) return unknownShape;
    const keepdims = knownOf(k) === true;
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

/** The dtype a dtype argument names (`jnp.float32`, `"int32"`, Python's `int`), when known. */
export function dtypeValue(v: Value | undefined): DType | undefined {
  if (!v) return undefined;
  const name = v.kind === "static" && typeof v.known === "string" ? v.known : v.kind === "global" ? v.name.split(".").pop()! : undefined;
  if (name === undefined) return undefined;
  // x64 is off: 64-bit names mean their 32-bit types, as JAX canonicalizes them.
  if (/^(float|float32|float64|f4|f8|double)$/.test(name)) return "float32";
  if (/^(int|int32|int64|i4|i8)$/.test(name)) return "int32";
  if (/^(bool|bool_)$/.test(name)) return "bool";
  return undefined;
}

/** The `dtype` argument's dtype, else the fallback rule's. */
export const createdDtype =
  (fallback: DType | ((a: OpArgs) => DType), param = "dtype") =>
  (a: OpArgs): DType => {
    const d = a.get(param);
    if (d && !(d.kind === "static" && d.known === null)) return dtypeValue(d) ?? "unknown";
    return typeof fallback === "function" ? fallback(a) : fallback;
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

/** A function of one array: same shape; float32, or the input's dtype when `keepsDtype`. */
export function unary(rt: string, keepsDtype = false): OpSpec {
  return {
    rt,
    sig: "x: A",
    shape: (a) => shapeOf(a.get("x")),
    dtype: keepsDtype ? (a) => promoteAll(a.get("x")) : float,
    ...(keepsDtype ? {} : { inexact: true as const }),
  };
}

export type { Dim };
