// Attention: nnx.MultiHeadAttention (Linen MultiHeadDotProductAttention,
// MultiHeadAttention, SelfAttention) and hk.MultiHeadAttention (Haiku's
// projections are four hk.Linears with its own scaling and mask rule).
import { printExpr } from "../../ts/print.js";
import type { TExpr } from "../../ts/ast.js";
import { dimAt, replaceTrailing } from "../shapes.js";
import { arrayShape, ctorOf, inSize, opt, xShape, type LayerKind } from "./index.js";

const same = (a: TExpr, b: TExpr) => printExpr(a) === printExpr(b);

export const ATTENTION: Record<string, LayerKind> = {
  MultiHeadAttention: {
    runtime: "nnx.MultiHeadAttention",
    positional: (o, args, ctx) => [ctorOf(o, "numHeads", ctx), inSize(xShape(args), ctx)],
    options: ["qkvFeatures", "outFeatures", "broadcastDropout", "dropoutRate", "kernelInit", "outKernelInit", "biasInit", "outBiasInit", "useBias", "attentionFn", "normalizeQk", "decode"],
    derived: (_o, args, ctx) => {
      // Cross-attention: the keys' (and values') feature size.
      const k = args.get("inputsK");
      if (k?.kind !== "array") return [];
      const dk = inSize(k.shape, ctx, "the size of the keys' last axis");
      const dq = dimAt(xShape(args), -1);
      return dq && same(dq, dk) ? [] : [{ key: "inKvFeatures", value: dk }];
    },
    methods: { __call__: { runtime: "call", positional: ["x", "inputsK", "inputsV"], options: ["mask", "deterministic", "sowWeights"], padNull: true } },
    output: (o, _m, args) => {
      const x = xShape(args);
      return { shape: replaceTrailing(x, [opt(o, "outFeatures")?.ctor ?? dimAt(x, -1)]), dtype: "float32" };
    },
    mode: "deterministic",
    drawsPerCall: true,
  },
  HaikuMultiHeadAttention: {
    runtime: "hk.MultiHeadAttention",
    positional: (o, args, ctx) => {
      const dq = inSize(xShape(args), ctx, "the size of the query's last axis");
      const dk = inSize(arrayShape(args.get("key")), ctx, "the size of the key's last axis");
      const dv = inSize(arrayShape(args.get("value")), ctx, "the size of the value's last axis");
      const sizes: TExpr = same(dq, dk) && same(dq, dv) ? dq : { k: "array", items: [dq, dk, dv] };
      return [sizes, ctorOf(o, "numHeads", ctx), ctorOf(o, "keySize", ctx)];
    },
    options: ["wInitScale", "wInit", "withBias", "bInit", "valueSize", "modelSize"],
    methods: { __call__: { runtime: "call", positional: ["x", "key", "value", "mask"] } },
    output: (o, _m, args) => {
      const model = opt(o, "modelSize")?.ctor;
      const heads = opt(o, "numHeads")?.ctor;
      const key = opt(o, "keySize")?.ctor;
      const size: TExpr | undefined = model ?? (heads && key ? { k: "binary", op: "*", left: key, right: heads } : undefined);
      return { shape: replaceTrailing(xShape(args), [size]), dtype: "float32" };
    },
  },
};
