// Containers: nnx.Sequential (Linen nn.Sequential, hk.Sequential): modules
// and functions applied in turn, each on the previous output; hk.BatchApply: a
// module applied with the input's leading axes merged into one.
import { num, type TExpr } from "../../ts/ast.js";
import { materialize, mulDims, type Dim, type SymShape } from "../shapes.js";
import type { ArrayV } from "../values.js";
import { arrayDtype, knownOpt, xShape, type CallArgs, type LayerKind, type LayerOptions, type OutSpec, type OutputContext } from "./index.js";

/** hk.BatchApply's input as its module sees it: the leading `num_dims` axes merged. */
function batchMerged(o: LayerOptions, args: CallArgs): { args: CallArgs; lead: Dim[] } | undefined {
  const n = knownOpt(o, "numDims") ?? 2;
  const x = xShape(args);
  if (typeof n !== "number" || x.rank === undefined || x.rank < n) return undefined;
  const dims = materialize(x);
  const lead = dims.slice(0, n);
  const shape: SymShape = { rank: x.rank - n + 1, dims: [lead.reduce((a, b) => mulDims(a, b), num(1) as Dim), ...dims.slice(n)] };
  const input: ArrayV = { kind: "array", call: { k: "id", name: "_" }, shape, dtype: arrayDtype(args.get("x")) };
  return { args: new Map([["x", input]]), lead };
}

/**
 * Walks the layers: `visit(i, args)` for each module (its input), `fn(i, arrow)`
 * for each function of the file (a lambda, a def: staged on its input, which
 * sizes what follows), returning the chain's output. A framework function (an
 * activation) keeps its input's shape.
 */
function chain(ctx: OutputContext, args: CallArgs, visit?: (i: number, args: CallArgs) => void, fn?: (i: number, expr: TExpr) => void): OutSpec | undefined {
  const items = ctx.items("layers");
  if (!items) return undefined;
  let current: OutSpec = { shape: xShape(args), dtype: arrayDtype(args.get("x")) };
  for (const [i, item] of items.entries()) {
    if (!("shape" in current)) return undefined;
    const input: ArrayV = { kind: "array", call: { k: "id", name: "_" }, shape: current.shape, dtype: current.dtype };
    const a: CallArgs = new Map([["x", input]]);
    if (item === "module") {
      visit?.(i, a);
      const out = ctx.child("layers", "__call__", a, i);
      if (!out) return undefined;
      current = out;
    } else if (item === undefined) {
      const f = ctx.applyItem("layers", i, current);
      if (!f || !("shape" in f.out)) return undefined;
      fn?.(i, f.expr);
      current = f.out;
    } else current = { shape: current.shape, dtype: "float32" };
  }
  return current;
}

export const CONTAINERS: Record<string, LayerKind> = {
  Sequential: {
    runtime: "nnx.Sequential",
    positional: (_o, args, ctx) => {
      const items = ctx.items("layers") ?? [];
      const built = new Map<number, TExpr>();
      chain(ctx, args, (i, a) => built.set(i, ctx.build("layers", "__call__", a, i)), (i, f) => built.set(i, f));
      return items.map((item, i) => (item === "module" ? (built.get(i) ?? ctx.missing(`the input of layer ${i}`)) : (item ?? built.get(i) ?? ctx.missing(`layer ${i} (only modules, framework functions and functions of one input)`))));
    },
    options: [],
    noRngs: true,
    output: (_o, _m, args, ctx) => chain(ctx, args),
  },
  HaikuBatchApply: {
    runtime: "hk.BatchApply",
    positional: (o, args, ctx) => {
      const m = batchMerged(o, args);
      const f = m ? ctx.build("f", "__call__", m.args) : ctx.missing("the rank of BatchApply's input");
      const n = o.get("numDims")?.ctor;
      return n ? [f, n] : [f];
    },
    options: [],
    noRngs: true,
    output: (o, _m, args, ctx) => {
      const m = batchMerged(o, args);
      const out = m && ctx.child("f", "__call__", m.args);
      if (!m || !out || !("shape" in out) || out.shape.rank === undefined) return undefined;
      return { shape: { rank: out.shape.rank - 1 + m.lead.length, dims: [...m.lead, ...materialize(out.shape).slice(1)] }, dtype: out.dtype };
    },
    children: { f: "f" },
  },
};
