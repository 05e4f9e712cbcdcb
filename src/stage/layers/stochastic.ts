// Layers that draw keys per call: nnx.Dropout.
import { ctorOf, keep, type LayerKind } from "./index.js";

export const STOCHASTIC: Record<string, LayerKind> = {
  Dropout: {
    runtime: "nnx.Dropout",
    positional: (o, _args, ctx) => [ctorOf(o, "rate", ctx)],
    options: ["broadcastDims", "rngCollection"],
    methods: { __call__: { runtime: "call", positional: ["x"], options: ["deterministic"] } },
    output: keep,
    mode: "deterministic",
    drawsPerCall: true,
  },
};
