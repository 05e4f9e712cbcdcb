// Embeddings: nnx.Embed (Linen Embed: call and attend) and hk.Embed (Haiku's
// lookup styles and out-of-range rule differ from NNX's, so its own class).
import { replaceTrailing } from "../shapes.js";
import { appendAxis, ctorOf, opt, xShape, type LayerKind } from "./index.js";

export const EMBED: Record<string, LayerKind> = {
  Embed: {
    runtime: "nnx.Embed",
    positional: (o, _args, ctx) => [ctorOf(o, "numEmbeddings", ctx), ctorOf(o, "features", ctx)],
    options: ["embeddingInit"],
    methods: {
      __call__: { runtime: "call", positional: ["x"] },
      attend: { runtime: "attend", positional: ["x"] },
    },
    output: (o, method, args) => {
      if (method === "attend") return { shape: replaceTrailing(xShape(args), [opt(o, "numEmbeddings")?.ctor]), dtype: "float32" };
      return { shape: appendAxis(xShape(args), opt(o, "features")?.ctor), dtype: "float32" };
    },
    attributes: { embedding: { member: "embedding", shape: (o) => ({ rank: 2, dims: [opt(o, "numEmbeddings")?.ctor, opt(o, "features")?.ctor] }) } },
  },
  HaikuEmbed: {
    runtime: "hk.Embed",
    positional: (o, _args, ctx) => [ctorOf(o, "vocabSize", ctx), ctorOf(o, "embedDim", ctx)],
    options: ["wInit", "lookupStyle"],
    methods: { __call__: { runtime: "call", positional: ["x", "lookupStyle"] } },
    output: (o, _m, args) => ({ shape: appendAxis(xShape(args), opt(o, "embedDim")?.ctor), dtype: "float32" }),
    attributes: { embeddings: { member: "embeddings", shape: (o) => ({ rank: 2, dims: [opt(o, "vocabSize")?.ctor, opt(o, "embedDim")?.ctor] }) } },
  },
};
