// Pooling layers: hk.MaxPool / hk.AvgPool (Linen and NNX pool with functions,
// see ops/pooling.ts).
import type { TExpr } from "../../ts/ast.js";
import { opSpec } from "../ops/index.js";
import { ctorOf, xShape, type LayerKind, type LayerOptions } from "./index.js";

function haikuPoolLayer(runtime: string, fn: string): LayerKind {
  return {
    runtime,
    positional: (o, _args, ctx) => {
      const out: TExpr[] = [ctorOf(o, "windowShape", ctx), ctorOf(o, "strides", ctx), ctorOf(o, "padding", ctx)];
      const ca = o.get("channelAxis");
      if (ca?.ctor) out.push(ca.ctor);
      return out;
    },
    options: [],
    noRngs: true,
    output: (o: LayerOptions, _m, args) => {
      // The same shape rule as the function.
      const value = args.get("x");
      const get = (n: string) => (n === "value" ? value : o.get({ window_shape: "windowShape", strides: "strides", padding: "padding", channel_axis: "channelAxis" }[n] ?? n));
      const shape = opSpec(fn)!.shape({ get, rest: [] }) as ReturnType<typeof xShape>;
      const x = xShape(args);
      return { shape, dtype: "float32", ...(x.rank === undefined && shape.rank !== undefined ? { assumeRank: shape.rank } : {}) };
    },
  };
}

export const POOLING: Record<string, LayerKind> = {
  HaikuMaxPool: haikuPoolLayer("hk.MaxPool", "haiku.max_pool"),
  HaikuAvgPool: haikuPoolLayer("hk.AvgPool", "haiku.avg_pool"),
};
