// Haiku's nets (hk.nets.MLP, ResNet, MobileNetV1, VectorQuantizer(EMA)) as
// the runtime's hk.nets classes, whose attribute paths are Haiku's.
import { num, num as numExpr, type TExpr } from "../../ts/ast.js";
import { camelName } from "../ops/signature.js";
import { dimAt, materialize, mulDims, replaceTrailing, type Dim } from "../shapes.js";
import type { StaticV } from "../values.js";
import { ctorOf, inSize, opt, xShape, type BuildContext, type CallArgs, type LayerKind, type LayerOptions, type OutSpec } from "./index.js";

/** The last size of a sequence option (MLP's output_sizes). */
function lastSize(s: StaticV | undefined): Dim {
  if (!s) return undefined;
  const items = (s as StaticV & { items?: StaticV[] }).items;
  if (items?.length) return items[items.length - 1].ctor;
  if (Array.isArray(s.known) && typeof s.known[s.known.length - 1] === "number") return num(s.known[s.known.length - 1] as number);
  if (s.ctor?.k === "array") return s.ctor.items[s.ctor.items.length - 1];
  return s.ctor ? ({ k: "nonnull", value: { k: "call", fn: { k: "member", object: s.ctor, name: "at" }, args: [num(-1)] } } as TExpr) : undefined;
}

export const NETS: Record<string, LayerKind> = {
  HaikuMLP: {
    runtime: "hk.nets.MLP",
    positional: (o, args, ctx) => [inSize(xShape(args), ctx), ctorOf(o, "outputSizes", ctx)],
    options: ["wInit", "bInit", "withBias", "activation", "activateFinal"],
    methods: { __call__: { runtime: "call", positional: ["x", "dropoutRate", "rng"] } },
    output: (o, _m, args) => ({ shape: replaceTrailing(xShape(args), [lastSize(opt(o, "outputSizes"))]), dtype: "float32" }),
  },
  // hk.nets.VectorQuantizer: Haiku's output dict as the runtime's VQOutput.
  HaikuVectorQuantizer: {
    runtime: "hk.nets.VectorQuantizer",
    positional: (o, _args, ctx) => [ctorOf(o, "embeddingDim", ctx), ctorOf(o, "numEmbeddings", ctx), ctorOf(o, "commitmentCost", ctx)],
    options: [],
    output: (o, _m, args) => vqOutput(o, args),
  },
  // hk.nets.VectorQuantizerEMA: is_training is train()/eval() (whether its averages and embeddings update).
  HaikuVectorQuantizerEMA: {
    runtime: "hk.nets.VectorQuantizerEMA",
    positional: (o, _args, ctx) => [ctorOf(o, "embeddingDim", ctx), ctorOf(o, "numEmbeddings", ctx), ctorOf(o, "commitmentCost", ctx), ctorOf(o, "decay", ctx)],
    options: ["epsilon"],
    mode: "useRunningAverage",
    output: (o, _m, args) => vqOutput(o, args),
  },
  // hk.nets.MobileNetV1 on NHWC images: is_training is train()/eval().
  HaikuMobileNetV1: {
    runtime: "hk.nets.MobileNetV1",
    positional: (_o, args, ctx) => [dimAt(xShape(args), -1) ?? ctx.missing("the number of the input's channels")],
    options: ["strides", "channels", "numClasses", "useBn"],
    mode: "useRunningAverage",
    output: (o, _m, args) => {
      const x = xShape(args);
      const batch = x.rank !== undefined ? dimAt(x, 0) : dimAt(x, -4);
      const classes = opt(o, "numClasses")?.ctor ?? num(1000);
      return { shape: { rank: 2, dims: [batch, classes] }, dtype: "float32", ...(x.rank === undefined ? { assumeRank: 4 } : {}) };
    },
  },
  HaikuResNet: resNet(),
  ...Object.fromEntries([18, 34, 50, 101, 152, 200].map((d) => [`HaikuResNet${d}`, resNet(d)])),
};

/** Haiku's config dicts (`bn_config={"decay_rate": 0.9}`) as the runtime's options objects (`{ decayRate: 0.9 }`). */
function configOf(o: LayerOptions, name: string, ctx: BuildContext): TExpr | undefined {
  const v = o.get(name);
  if (!v) return undefined;
  const e = v.ctor;
  if (e?.k === "null") return undefined;
  if (e?.k !== "object" || e.entries.some((x) => "spread" in x)) return ctx.missing(`'${name}' as a dict literal with string keys`);
  return { k: "object", entries: e.entries.map((x) => ("key" in x ? { key: camelName(x.key), value: x.value } : x)) };
}

/** hk.nets.ResNet (blocks per group first) and ResNet18...200 on NHWC images: sized by the input's channels. */
function resNet(depth?: number): LayerKind {
  const configs = ["bnConfig", "logitsConfig", "initialConvConfig"];
  return {
    runtime: depth ? `hk.nets.ResNet${depth}` : "hk.nets.ResNet",
    positional: (o, args, ctx) => [
      dimAt(xShape(args), -1) ?? ctx.missing("the number of the input's channels"),
      ...(depth ? [] : [ctorOf(o, "blocksPerGroup", ctx)]),
      ctorOf(o, "numClasses", ctx),
    ],
    options: ["resnetV2", ...(depth ? [] : ["bottleneck", "channelsPerGroup", "useProjection"]), "strides"],
    derived: (o, _args, ctx) =>
      configs.flatMap((c) => {
        const value = configOf(o, c, ctx);
        return value ? [{ key: c, value }] : [];
      }),
    // is_training: train()/eval() (its batch norms' useRunningAverage).
    mode: "useRunningAverage",
    output: (o, _m, args) => {
      const x = xShape(args);
      const batch = x.rank !== undefined ? dimAt(x, 0) : dimAt(x, -4);
      return { shape: { rank: 2, dims: [batch, opt(o, "numClasses")?.ctor] }, dtype: "float32", ...(x.rank === undefined ? { assumeRank: 4 } : {}) };
    },
  };
}

/** The quantizers' output dict: the quantized input, scalars, and per-row encodings and distances. */
function vqOutput(o: LayerOptions, args: CallArgs): OutSpec | undefined {
  const x = xShape(args);
  if (x.rank === undefined) return undefined;
  const dims = materialize(x);
  const num = opt(o, "numEmbeddings")?.ctor;
  const rows = dims.slice(0, -1).reduce((a, b) => mulDims(a, b), numExpr(1) as Dim);
  const scalar: OutSpec = { shape: { rank: 0, dims: [] }, dtype: "float32" };
  const flat: OutSpec = { shape: { rank: 2, dims: [rows, num] }, dtype: "float32" };
  return {
    fields: {
      quantize: { shape: x, dtype: "float32" },
      loss: scalar,
      perplexity: scalar,
      encodings: flat,
      encoding_indices: { shape: { rank: dims.length - 1, dims: dims.slice(0, -1) }, dtype: "int32" },
      distances: flat,
    },
  };
}
