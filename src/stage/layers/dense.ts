// Dense layers: nnx.Linear (Linen Dense, hk.Linear), nnx.LinearGeneral
// (Linen DenseGeneral) and nnx.Einsum (Linen Einsum).
import { num, type TExpr } from "../../ts/ast.js";
import { dimAt, materialize, replaceTrailing, type Dim, type SymShape } from "../shapes.js";
import type { Known, StaticV } from "../values.js";
import { ctorOf, inSize, knownOpt, opt, xShape, type BuildContext, type CallArgs, type LayerKind, type LayerOptions } from "./index.js";

/** An int-or-tuple option as a list of known ints, [fallback] when absent; undefined when not known. */
function intTuple(v: Known | undefined, fallback: number[]): number[] | undefined {
  if (v === undefined || v === null) return fallback;
  if (typeof v === "number") return [v];
  if (Array.isArray(v) && v.every((x) => typeof x === "number")) return v as number[];
  return undefined;
}

/** A features option (int or tuple) as its sizes. */
function featureDims(s: StaticV | undefined): Dim[] {
  if (!s) return [undefined];
  const items = (s as StaticV & { items?: StaticV[] }).items;
  if (items) return items.map((i) => i.ctor);
  if (Array.isArray(s.known)) return (s.known as number[]).map(num);
  if (s.type.t === "tuple") return s.type.items.map((_, i) => (s.ctor ? ({ k: "index", object: s.ctor, index: num(i) } as TExpr) : undefined));
  return [s.ctor];
}

/** Linen DenseGeneral's axes: normalized against the input's rank and sorted (flax/linen/linear.py _normalize_axes). */
function generalAxes(o: LayerOptions, args: CallArgs): { axis: number[]; batch: number[]; rank: number } | undefined {
  const x = xShape(args);
  const axis = intTuple(knownOpt(o, "axis"), [-1]);
  const batch = intTuple(knownOpt(o, "batchDims"), []);
  if (!axis || !batch) return undefined;
  if (x.rank === undefined) return axis.every((a) => a < 0) && !batch.length ? { axis, batch, rank: NaN } : undefined;
  const norm = (xs: number[]) => [...new Set(xs.map((a) => (a < 0 ? a + x.rank! : a)))].sort((a, b) => a - b);
  return { axis: norm(axis), batch: norm(batch), rank: x.rank };
}

function generalIn(o: LayerOptions, args: CallArgs, ctx: BuildContext): TExpr[] {
  const g = generalAxes(o, args);
  if (!g) return [ctx.missing("DenseGeneral's axes (give them as literal ints)")];
  const x = xShape(args);
  return g.axis.map((a) => dimAt(x, Number.isNaN(g.rank) ? a : a) ?? ctx.missing(`the size of its input's axis ${a}`));
}

function generalOutput(o: LayerOptions, args: CallArgs): SymShape {
  const x = xShape(args);
  const g = generalAxes(o, args);
  const features = featureDims(opt(o, "features"));
  if (!g) return { dims: [] };
  if (Number.isNaN(g.rank)) {
    // Unknown rank: only trailing axes contracted.
    const n = g.axis.length;
    const trailing = [...Array(n).keys()].map((i) => -n + i);
    if (g.axis.slice().sort().join() !== trailing.sort().join()) return { dims: [] };
    return { dims: features };
  }
  const dims = materialize(x);
  const batch = g.batch.map((a) => dims[a]);
  const rest = dims.filter((_, i) => !g.axis.includes(i) && !g.batch.includes(i));
  return { rank: batch.length + rest.length + features.length, dims: [...batch, ...rest, ...features] };
}

/** Parses an explicit two-operand einsum equation (no ellipsis). */
function parseEinsum(eq: string): { lhs: string; rhs: string; out: string } | undefined {
  const m = /^([a-zA-Z]*),([a-zA-Z]*)->([a-zA-Z]*)$/.exec(eq.replace(/ /g, ""));
  return m ? { lhs: m[1], rhs: m[2], out: m[3] } : undefined;
}

function einsumStr(o: LayerOptions, args: CallArgs): string | undefined {
  const given = args.get("einsumStr");
  const k = given?.kind === "static" ? given.known : knownOpt(o, "einsumStr");
  return typeof k === "string" ? k : undefined;
}

/** Linen Einsum's bias shape: the kernel's axes that stay in the result, in the kernel's order. */
function einsumBias(o: LayerOptions, args: CallArgs): TExpr | undefined {
  const eq = einsumStr(o, args);
  const p = eq ? parseEinsum(eq) : undefined;
  const shape = featureDims(opt(o, "shape"));
  if (!p || shape.length !== p.rhs.length) return undefined;
  const dims = [...p.rhs].map((c, i) => (p.out.includes(c) ? shape[i] : null)).filter((d): d is Dim => d !== null);
  return dims.every((d) => d) ? { k: "array", items: dims as TExpr[] } : undefined;
}

export const DENSE: Record<string, LayerKind> = {
  Linear: {
    runtime: "nnx.Linear",
    positional: (o, args, ctx) => [inSize(xShape(args), ctx), ctorOf(o, "outFeatures", ctx)],
    options: ["useBias", "kernelInit", "biasInit"],
    output: (o, _m, args) => {
      const out = opt(o, "outFeatures");
      return { shape: replaceTrailing(xShape(args), [out?.ctor]), dtype: "float32" };
    },
  },
  LinearGeneral: {
    runtime: "nnx.LinearGeneral",
    positional: (o, args, ctx) => {
      const ins = generalIn(o, args, ctx);
      return [ins.length === 1 ? ins[0] : { k: "array", items: ins }, ctorOf(o, "features", ctx)];
    },
    options: ["useBias", "kernelInit", "biasInit"],
    derived: (o, args, ctx) => {
      const g = generalAxes(o, args);
      if (!g) return [];
      const out: Array<{ key: string; value: TExpr }> = [];
      const isLast = g.axis.length === 1 && (g.axis[0] === -1 || g.axis[0] === g.rank - 1);
      // The source's own spelling when it is already in Linen's (sorted) order.
      const given = intTuple(knownOpt(o, "axis"), [-1])!;
      const axes = given.length === g.axis.length && given.every((a, i) => i === 0 || (a < 0 ? a + g.rank : a) > (given[i - 1] < 0 ? given[i - 1] + g.rank : given[i - 1])) ? given : g.axis;
      if (!isLast) out.push({ key: "axis", value: axes.length === 1 ? num(axes[0]) : { k: "array", items: axes.map(num) } });
      if (g.batch.length) {
        const x = xShape(args);
        out.push({ key: "batchAxis", value: { k: "object", entries: g.batch.map((a) => ({ key: String(a), value: dimAt(x, a) ?? ctx.missing(`the size of its input's axis ${a}`), raw: true })) } });
      }
      return out;
    },
    output: (o, _m, args) => ({ shape: generalOutput(o, args), dtype: "float32" }),
  },
  Einsum: {
    runtime: "nnx.Einsum",
    positional: (o, args, ctx) => {
      const eq = einsumStr(o, args);
      const bias = o.get("useBias")?.known === false ? ({ k: "null" } as TExpr) : (einsumBias(o, args) ?? ctx.missing("Einsum's bias shape (a literal equation without '...')"));
      return [eq !== undefined ? { k: "str", value: eq } : ctx.missing("Einsum's equation"), ctorOf(o, "shape", ctx), bias];
    },
    options: ["kernelInit", "biasInit"],
    methods: { __call__: { runtime: "call", positional: ["x", "einsumStr"] } },
    output: (o, _m, args) => {
      const eq = einsumStr(o, args);
      const p = eq ? parseEinsum(eq) : undefined;
      const x = xShape(args);
      const shape = featureDims(opt(o, "shape"));
      if (!p || x.rank !== p.lhs.length) return { shape: { dims: [] }, dtype: "float32" };
      const xd = materialize(x);
      const size = (c: string): Dim => (p.lhs.includes(c) ? xd[p.lhs.indexOf(c)] : shape[p.rhs.indexOf(c)]);
      return { shape: { rank: p.out.length, dims: [...p.out].map(size) }, dtype: "float32" };
    },
  },
};
