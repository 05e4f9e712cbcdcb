// Convolutions: nnx.Conv (Linen Conv, hk.Conv2D), ...
import { replaceTrailing } from "../shapes.js";
import { ctorOf, inSize, knownOpt, opt, spatialOutput, spatialRank, tupleDims, windowOutput, xShape, type LayerKind } from "./index.js";

export const CONV: Record<string, LayerKind> = {
  Conv: {
    runtime: "nnx.Conv",
    positional: (o, args, ctx) => [inSize(xShape(args), ctx), ctorOf(o, "outFeatures", ctx), ctorOf(o, "kernelSize", ctx)],
    options: ["strides", "padding", "inputDilation", "kernelDilation", "featureGroupCount", "useBias", "kernelInit", "biasInit"],
    output: (o, _m, args) => {
      const input = xShape(args);
      const kernel = opt(o, "kernelSize");
      const n = spatialRank(kernel);
      if (n === undefined) return { shape: replaceTrailing(input, [opt(o, "outFeatures")?.ctor]), dtype: "float32" };
      const windows = tupleDims(kernel, n, 1);
      const strides = tupleDims(opt(o, "strides"), n, 1);
      const dilation = tupleDims(opt(o, "kernelDilation"), n, 1);
      const padding = knownOpt(o, "padding") ?? (opt(o, "padding") ? undefined : "SAME");
      return spatialOutput(input, n, (s, i) => windowOutput(s, windows[i], strides[i], padding, dilation[i]), opt(o, "outFeatures")?.ctor);
    },
  },
};
