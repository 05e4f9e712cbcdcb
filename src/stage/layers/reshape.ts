// Shape layers: hk.Reshape / hk.Flatten (the leading `preserve_dims` axes
// kept, the rest reshaped).
import type { TExpr } from "../../ts/ast.js";
import { num } from "../../ts/ast.js";
import { reshape, sizesOf } from "../ops/index.js";
import { materialize, unknownShape, type Dim, type SymShape } from "../shapes.js";
import { ctorOf, knownOpt, xShape, type CallArgs, type LayerKind, type LayerOptions } from "./index.js";

function reshaped(o: LayerOptions, args: CallArgs, flatten: boolean): SymShape {
  const x = xShape(args);
  const p = knownOpt(o, "preserveDims") ?? 1;
  if (x.rank === undefined || typeof p !== "number") return unknownShape;
  const keep = p < 0 ? x.rank + p : p;
  const dims = materialize(x);
  const rest: SymShape = { rank: x.rank - keep, dims: dims.slice(keep) };
  const target: Dim[] | undefined = flatten ? [num(-1)] : sizesOf(o.get("outputShape"));
  const tail = reshape(rest, target);
  if (tail.rank === undefined) return unknownShape;
  return { rank: keep + tail.rank, dims: [...dims.slice(0, keep), ...tail.dims] };
}

export const RESHAPE: Record<string, LayerKind> = {
  HaikuReshape: {
    runtime: "hk.Reshape",
    positional: (o, _a, ctx) => {
      const out: TExpr[] = [ctorOf(o, "outputShape", ctx)];
      const p = o.get("preserveDims");
      if (p?.ctor) out.push(p.ctor);
      return out;
    },
    options: [],
    noRngs: true,
    output: (o, _m, args) => ({ shape: reshaped(o, args, false), dtype: "float32" }),
  },
  HaikuFlatten: {
    runtime: "hk.Flatten",
    positional: (o) => {
      const p = o.get("preserveDims");
      return p?.ctor ? [p.ctor] : [];
    },
    options: [],
    noRngs: true,
    output: (o, _m, args) => ({ shape: reshaped(o, args, true), dtype: "float32" }),
  },
};
