// Weight wrappers: Linen's nn.WeightNorm on nnx.LinenWeightNorm and
// nn.SpectralNorm on nnx.LinenSpectralNorm (the wrapped
// layer, given as a module, is built inside it; each call sees a normalized
// view of that layer's weights). The wrapper's input and output are the
// wrapped layer's.
import type { CallArgs, LayerKind } from "./index.js";

/** The wrapped layer's call: the input alone (update_stats is the wrapper's). */
const inner = (args: CallArgs): CallArgs => new Map([["x", args.get("x")!]]);

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

  LinenSpectralNorm: {
    runtime: "nnx.LinenSpectralNorm",
    positional: (_o, args, ctx) => [ctx.build("layerInstance", "__call__", inner(args))],
    options: ["nSteps", "epsilon", "errorOnNonMatrix"],
    methods: { __call__: { runtime: "call", positional: ["x", "updateStats"] } },
    output: (_o, _m, args, ctx) => ctx.child("layerInstance", "__call__", inner(args)),
    type: (_o, ctx) => {
      const c = ctx.childType("layerInstance");
      return c && `nnx.LinenSpectralNorm<${c}>`;
    },
    children: { layerInstance: "layerInstance" },
  },
};
