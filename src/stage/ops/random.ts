// jax.random's samplers as the runtime's JAX-exact ones (runtime/random).
// The runtime draws float32 (x64 is off) and takes its bounds and
// probabilities as fixed numbers; shapes are required, so `()` is written `[]`.
import { broadcast, scalarShape, type SymShape } from "../shapes.js";
import { boolean, float, int, promoteAll, reduce, shapeOf, sizeExpr, sizesOf, type OpArgs, type OpSpec } from "./rules.js";

/** The shape a jax.random sampler draws: its `shape` argument, else the broadcast of its parameters. */
function drawn(a: OpArgs, ...params: string[]): SymShape {
  const sizes = sizesOf(a.get("shape"));
  if (sizes) return { rank: sizes.length, dims: sizes };
  return params.map((p) => shapeOf(a.get(p))).reduce((x, y) => broadcast(x, y), scalarShape);
}

const FLOAT_ONLY = "dtype!='float32'";

export const RANDOM_OPS: Record<string, OpSpec> = {
  "jax.random.normal": { rt: "random.normal", sig: `key, shape=(), ${FLOAT_ONLY}, *, out_sharding!`, shape: (a) => drawn(a), dtype: float },
  "jax.random.uniform": {
    rt: "random.uniform",
    sig: `key, shape=(), ${FLOAT_ONLY}, minval?: F, maxval?: F, *, out_sharding!`,
    shape: (a) => drawn(a),
    dtype: float,
  },
  "jax.random.truncated_normal": {
    rt: "random.truncatedNormal",
    sig: `key, lower: F, upper: F, shape=(), ${FLOAT_ONLY}, *, out_sharding!`,
    shape: (a) => drawn(a, "lower", "upper"),
    dtype: float,
  },
  "jax.random.bernoulli": { rt: "random.bernoulli", sig: "key, p=0.5: A, shape=null, mode!='low', *, out_sharding!", shape: (a) => drawn(a, "p"), dtype: boolean },
  "jax.random.categorical": {
    rt: "random.categorical",
    sig: "key, logits: A, axis?, shape?, replace!=True, mode!, *, out_sharding!",
    shape: (a) =>
      sizesOf(a.get("shape"))
        ? drawn(a)
        : reduce("logits")({ get: (n) => (n === "axis" ? (a.get("axis") ?? { kind: "static", type: { t: "int" }, known: -1 }) : a.get(n)), rest: [] }),
    dtype: int,
  },
  "jax.random.randint": { rt: "random.randint", sig: "key, shape, minval: F, maxval: F, dtype!='int32', *, out_sharding!", shape: (a) => drawn(a), dtype: int },
  "jax.random.gumbel": { rt: "random.gumbel", sig: `key, shape=(), ${FLOAT_ONLY}, mode!='low', *, out_sharding!`, shape: (a) => drawn(a), dtype: float },
  "jax.random.permutation": {
    rt: "random.permutation",
    sig: "key, x, axis?, independent!=False, *, out_sharding!",
    shape: (a) => (a.get("x")?.kind === "array" ? shapeOf(a.get("x")) : { rank: 1, dims: [sizeExpr(a.get("x"))] }),
    dtype: (a) => (a.get("x")?.kind === "array" ? promoteAll(a.get("x")) : "int32"),
  },
};
