// Containers: nnx.Sequential (Linen nn.Sequential, hk.Sequential): modules
// and functions applied in turn, each on the previous output.
import type { TExpr } from "../../ts/ast.js";
import type { ArrayV } from "../values.js";
import { arrayDtype, xShape, type CallArgs, type LayerKind, type OutSpec, type OutputContext } from "./index.js";

/** Walks the layers: `visit(i, args)` for each module (its input), returning the chain's output. */
function chain(ctx: OutputContext, args: CallArgs, visit?: (i: number, args: CallArgs) => void): OutSpec | undefined {
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
      chain(ctx, args, (i, a) => built.set(i, ctx.build("layers", "__call__", a, i)));
      return items.map((item, i) => (item === "module" ? (built.get(i) ?? ctx.missing(`the input of layer ${i}`)) : (item ?? ctx.missing(`layer ${i} (only modules and framework functions)`))));
    },
    options: [],
    noRngs: true,
    output: (_o, _m, args, ctx) => chain(ctx, args),
  },
};
