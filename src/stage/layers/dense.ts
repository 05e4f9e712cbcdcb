// Dense layers: nnx.Linear (Linen Dense, hk.Linear), LinearGeneral, Einsum.
import { replaceTrailing } from "../shapes.js";
import { ctorOf, inSize, opt, xShape, type LayerKind } from "./index.js";

export const DENSE: Record<string, LayerKind> = {
  Linear: {
    runtime: "nnx.Linear",
    positional: (o, args, ctx) => [inSize(xShape(args), ctx), ctorOf(o, "outFeatures", ctx)],
    options: ["useBias", "kernelInit", "biasInit"],
    output: (o, _m, args) => {
      const out = opt(o, "outFeatures");
      return { shape: replaceTrailing(xShape(args), [out?.ctor]), dtype: "float32" };
    },
  },
};
