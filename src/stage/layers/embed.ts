// Embeddings: nnx.Embed (Linen Embed: call and attend) and hk.Embed (Haiku's
// lookup styles and out-of-range rule differ from NNX's, so its own class).
import { replaceTrailing } from "../shapes.js";
import { appendAxis, ctorOf, opt, xShape, type LayerKind, type LayerOptions } from "./index.js";
import type { ArrayV } from "../values.js";
import type { TExpr } from "../../ts/ast.js";

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
    // Given an embedding_matrix, its sizes are the layer's (the runtime checks any also given).
    positional: (o, _args, ctx) => [opt(o, "vocabSize")?.ctor ?? matrixDim(o, 0) ?? ctorOf(o, "vocabSize", ctx), opt(o, "embedDim")?.ctor ?? matrixDim(o, 1) ?? ctorOf(o, "embedDim", ctx)],
    options: ["embeddingMatrix", "wInit", "lookupStyle"],
    methods: { __call__: { runtime: "call", positional: ["x", "lookupStyle"] } },
    output: (o, _m, args) => ({ shape: appendAxis(xShape(args), opt(o, "embedDim")?.ctor ?? matrixDim(o, 1)), dtype: "float32" }),
    attributes: { embeddings: { member: "embeddings", shape: (o) => ({ rank: 2, dims: [opt(o, "vocabSize")?.ctor ?? matrixDim(o, 0), opt(o, "embedDim")?.ctor ?? matrixDim(o, 1)] }) } },
  },
};

/** A size of hk.Embed's embedding_matrix (an array option keeps the array it was given). */
function matrixDim(o: LayerOptions, axis: number): TExpr | undefined {
  const m = (opt(o, "embeddingMatrix") as { shapeOf?: ArrayV } | undefined)?.shapeOf;
  return m?.shape.rank === 2 ? m.shape.dims[axis] : undefined;
}
