// Normalization: nnx.LayerNorm, RMSNorm, GroupNorm, InstanceNorm, BatchNorm
// (Linen's and, where the formula is the same, Haiku's), sized by the input's
// feature axes.
import { bin, type TExpr } from "../../ts/ast.js";
import { dimAt } from "../shapes.js";
import type { Known } from "../values.js";
import { keep, knownOpt, xShape, type BuildContext, type CallArgs, type LayerKind, type LayerMethod, type LayerOptions } from "./index.js";

/** The number of features: the product of the input's sizes along the feature axes (default: the last). */
function features(o: LayerOptions, args: CallArgs, ctx: BuildContext, option: string): TExpr {
  const k: Known | undefined = knownOpt(o, option);
  const axes = k === undefined || k === null ? [-1] : typeof k === "number" ? [k] : Array.isArray(k) && k.every((a) => typeof a === "number") ? (k as number[]) : undefined;
  if (!axes) return ctx.missing(`the layer's ${option} (give them as literal ints)`);
  const x = xShape(args);
  const sizes = axes.map((a) => dimAt(x, a) ?? ctx.missing(`the size of its input's axis ${a}`));
  return sizes.reduce((a, b) => bin("*", a, b));
}

const CALL_MASK: LayerMethod = { runtime: "call", positional: ["x"], options: ["mask"] };

function norm(runtime: string, featureOption: string, options: string[]): LayerKind {
  return {
    runtime,
    positional: (o, args, ctx) => [features(o, args, ctx, featureOption)],
    options,
    methods: { __call__: CALL_MASK },
    output: keep,
  };
}

export const NORM: Record<string, LayerKind> = {
  LayerNorm: norm("nnx.LayerNorm", "featureAxes", ["epsilon", "useBias", "useScale", "biasInit", "scaleInit", "useFastVariance", "reductionAxes", "featureAxes"]),
  RMSNorm: norm("nnx.RMSNorm", "featureAxes", ["epsilon", "useScale", "scaleInit", "reductionAxes", "featureAxes", "useFastVariance"]),
  GroupNorm: norm("nnx.GroupNorm", "channelAxis", ["numGroups", "groupSize", "epsilon", "useBias", "useScale", "biasInit", "scaleInit", "reductionAxes", "useFastVariance"]),
  InstanceNorm: norm("nnx.InstanceNorm", "featureAxes", ["epsilon", "useBias", "useScale", "biasInit", "scaleInit", "featureAxes", "useFastVariance"]),
  BatchNorm: {
    runtime: "nnx.BatchNorm",
    positional: (o, args, ctx) => [features(o, args, ctx, "axis")],
    options: ["axis", "momentum", "epsilon", "useBias", "useScale", "biasInit", "scaleInit", "useFastVariance", "zeroDebias"],
    methods: { __call__: { runtime: "call", positional: ["x", "useRunningAverage"], options: ["mask"] } },
    output: keep,
    mode: "useRunningAverage",
  },
};
