// Layers that are activations with learned parameters: nnx.PReLU.
import { keep, type LayerKind } from "./index.js";

export const ACTIVATION: Record<string, LayerKind> = {
  PReLU: {
    runtime: "nnx.PReLU",
    // NNX's one positional argument, only when the source sets it.
    positional: (o) => {
      const init = o.get("negativeSlopeInit")?.ctor;
      return init ? [init] : [];
    },
    options: [],
    noRngs: true,
    output: keep,
  },
};
