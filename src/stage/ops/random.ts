// jax.random's samplers as the runtime's JAX-exact ones.
import { broadcast, scalarShape, type SymShape } from "../shapes.js";
import {
  boolean,
  dtypeOf,
  float,
  int,
  reduce,
  shapeOf,
  sizeExpr,
  sizesOf,
  type OpArgs,
  type OpSpec,
} from "./rules.js";

/** The shape a jax.random sampler draws: its `shape` argument, else the broadcast of its parameters. */
function drawn(a: OpArgs, ...params: string[]): SymShape {
  const sizes = sizesOf(a.get("shape"));
  if (sizes) return { rank: sizes.length, dims: sizes };
  return params
    .map((p) => shapeOf(a.get(p)))
    .reduce((x, y) => broadcast(x, y), scalarShape);
}

export const RANDOM_OPS: Record<string, OpSpec> = {
  "jax.random.normal": {
    rt: "random.normal",
    params: ["key", "shape", "dtype"],
    positional: 2,
    shape: (a: OpArgs) => drawn(a),
    dtype: float,
  },
  "jax.random.uniform": {
    rt: "random.uniform",
    params: ["key", "shape", "dtype", "minval", "maxval"],
    positional: 2,
    options: ["minval", "maxval"],
    shape: (a: OpArgs) => drawn(a),
    dtype: float,
  },
  "jax.random.truncated_normal": {
    rt: "random.truncatedNormal",
    params: ["key", "lower", "upper", "shape", "dtype"],
    shape: (a: OpArgs) => drawn(a, "lower", "upper"),
    dtype: float,
  },
  "jax.random.bernoulli": {
    rt: "random.bernoulli",
    params: ["key", "p", "shape"],
    shape: (a: OpArgs) => drawn(a, "p"),
    dtype: boolean,
  },
  "jax.random.categorical": {
    rt: "random.categorical",
    params: ["key", "logits", "axis", "shape"],
    positional: 2,
    options: ["axis", "shape"],
    shape: (a: OpArgs) =>
      sizesOf(a.get("shape"))
        ? drawn(a)
        : reduce("logits")({
            get: (n) =>
              n === "axis"
                ? (a.get("axis") ?? {
                    kind: "static",
                    type: { t: "int" },
                    known: -1,
                  })
                : a.get(n),
          }),
    dtype: int,
  },
  "jax.random.gumbel": {
    rt: "random.gumbel",
    params: ["key", "shape", "dtype"],
    positional: 2,
    shape: (a: OpArgs) => drawn(a),
    dtype: float,
  },
  "jax.random.permutation": {
    rt: "random.permutation",
    params: ["key", "x", "axis"],
    positional: 2,
    options: ["axis"],
    shape: (a: OpArgs) =>
      a.get("x")?.kind === "array"
        ? shapeOf(a.get("x"))
        : { rank: 1, dims: [sizeExpr(a.get("x"))] },
    dtype: (a: OpArgs) =>
      a.get("x")?.kind === "array" ? dtypeOf(a.get("x")) : "int32",
  },
};
