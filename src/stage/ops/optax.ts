// optax's losses as runtime calls.
import {
  float,
  int,
  reduce,
  shapeOf,
  type OpArgs,
  type OpSpec,
} from "./rules.js";

export const OPTAX_OPS: Record<string, OpSpec> = {
  "optax.softmax_cross_entropy_with_integer_labels": {
    rt: "nnx.optax.softmaxCrossEntropyWithIntegerLabels",
    sig: "logits: A, labels: A, axis!=-1, where!",
    shape: (a: OpArgs) => shapeOf(a.get("labels")),
    dtype: float,
  },
  "optax.softmax_cross_entropy": {
    rt: "nnx.optax.softmaxCrossEntropy",
    sig: "logits: A, labels: A, axis!=-1, where!",
    shape: (a: OpArgs) =>
      reduce("logits")({
        get: (n) =>
          n === "axis"
            ? { kind: "static", type: { t: "int" }, known: -1 }
            : a.get(n),
        rest: [],
      }),
    dtype: float,
  },
  "optax.l2_loss": {
    rt: "nnx.optax.l2Loss",
    sig: "predictions: A, targets=null: A",
    shape: (a: OpArgs) => shapeOf(a.get("predictions")),
    dtype: float,
  },
  "optax.squared_error": {
    rt: "nnx.optax.squaredError",
    sig: "predictions: A, targets=null: A",
    shape: (a: OpArgs) => shapeOf(a.get("predictions")),
    dtype: float,
  },
};
