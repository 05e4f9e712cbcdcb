// Weight wrappers: Linen's nn.WeightNorm on nnx.LinenWeightNorm (the wrapped
// layer, given as a module, is built inside it; each call sees a normalized
// view of that layer's weights). The wrapper's input and output are the
// wrapped layer's.
import type { LayerKind } from "./index.js";

export const WRAPPERS: Record<string, LayerKind> = {
  LinenWeightNorm: {
    runtime: "nnx.LinenWeightNorm",
    positional: (_o, args, ctx) => [ctx.build("layerInstance", "__call__", args)],
    options: ["epsilon", "useScale", "scaleInit", "featureAxes"],
    methods: { __call__: { runtime: "call", positional: ["x"] } },
    output: (_o, _m, args, ctx) => ctx.child("layerInstance", "__call__", args),
    type: (_o, ctx) => {
      const c = ctx.childType("layerInstance");
      return c && `nnx.LinenWeightNorm<${c}>`;
    },
    children: { layerInstance: "layerInstance" },
  },
};
