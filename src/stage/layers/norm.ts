// Normalization: nnx.LayerNorm, BatchNorm, ...
import { inSize, keep, xShape, type LayerKind } from "./index.js";

export const NORM: Record<string, LayerKind> = {
  LayerNorm: {
    runtime: "nnx.LayerNorm",
    positional: (_o, args, ctx) => [inSize(xShape(args), ctx)],
    options: ["epsilon", "useBias", "useScale", "biasInit", "scaleInit", "useFastVariance", "reductionAxes", "featureAxes"],
    output: keep,
  },
  BatchNorm: {
    runtime: "nnx.BatchNorm",
    positional: (_o, args, ctx) => [inSize(xShape(args), ctx)],
    options: ["momentum", "epsilon", "useBias", "useScale", "biasInit", "scaleInit", "zeroDebias"],
    methods: { __call__: { runtime: "call", positional: ["x", "useRunningAverage"], options: ["mask"] } },
    output: keep,
    mode: "useRunningAverage",
  },
};
