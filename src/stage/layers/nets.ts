// Haiku's nets (hk.nets.MLP, ResNet, MobileNetV1, VectorQuantizer(EMA)) as
// the runtime's hk.nets classes, whose attribute paths are Haiku's.
import { num, type TExpr } from "../../ts/ast.js";
import { replaceTrailing, type Dim } from "../shapes.js";
import type { StaticV } from "../values.js";
import { ctorOf, inSize, opt, xShape, type LayerKind } from "./index.js";

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
};
