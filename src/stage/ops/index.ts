// Array functions model code calls (jax.numpy, jax.nn, jax.lax, jax.random,
// optax, and the frameworks' re-exports), by qualified name: how the runtime
// spells each, the parameters it takes (by Python name, in Python's order), and
// the shape and dtype of its result. One file per namespace; the protocol and
// the shared shape rules are in ./rules.ts.
import { JNP_OPS } from "./jnp.js";
import { LAX_OPS } from "./lax.js";
import { NN_OPS } from "./nn.js";
import { OPTAX_OPS } from "./optax.js";
import { POOLING_OPS } from "./pooling.js";
import { RANDOM_OPS } from "./random.js";
import type { OpSpec } from "./rules.js";

export {
  reshape,
  sizeExpr,
  sizesOf,
  type OpArgs,
  type OpSpec,
  type Dim,
} from "./rules.js";
export { applyOp, type OpHost } from "./apply.js";

const OPS: Record<string, OpSpec> = {
  ...JNP_OPS,
  ...LAX_OPS,
  ...NN_OPS,
  ...OPTAX_OPS,
  ...POOLING_OPS,
  ...RANDOM_OPS,
};

// Aliases: the frameworks and optax re-export the same functions.
const ALIASES: Record<string, string> = {
  "jax.nn.swish": "jax.nn.silu",
  "optax.losses.softmax_cross_entropy_with_integer_labels":
    "optax.softmax_cross_entropy_with_integer_labels",
  "optax.losses.softmax_cross_entropy": "optax.softmax_cross_entropy",
  "optax.losses.l2_loss": "optax.l2_loss",
  "optax.losses.squared_error": "optax.squared_error",
  "jax.numpy.linalg.matmul": "jax.numpy.matmul",
  "jax.numpy.linalg.vector_norm": "jax.numpy.linalg.norm",
  "jax.scipy.special.erf": "jax.lax.erf",
  "jax.scipy.special.erfinv": "jax.lax.erf_inv",
  "jax.scipy.special.expit": "jax.nn.sigmoid",
  "jax.numpy.acos": "jax.numpy.arccos",
  "jax.numpy.asin": "jax.numpy.arcsin",
  "jax.numpy.atan": "jax.numpy.arctan",
  "jax.numpy.acosh": "jax.numpy.arccosh",
  "jax.numpy.asinh": "jax.numpy.arcsinh",
  "jax.numpy.atanh": "jax.numpy.arctanh",
};

/** flax.linen, flax.linen.activation, flax.nnx re-export jax.nn's functions. */
const REEXPORTS = [
  "flax.linen.",
  "flax.linen.activation.",
  "flax.nnx.",
  "haiku.",
];

/** Every qualified name the catalog has a row for (aliases and re-exports aside). */
export function catalogNames(): string[] {
  return Object.keys(OPS);
}

export function opSpec(qualified: string): OpSpec | undefined {
  const direct = OPS[ALIASES[qualified] ?? qualified] ?? OPS[qualified.replace(/^flax\.linen\.pooling\./, "flax.linen.")];
  if (direct) return direct;
  for (const prefix of REEXPORTS) {
    if (!qualified.startsWith(prefix)) continue;
    const rest = qualified.slice(prefix.length);
    return (
      OPS[ALIASES[`jax.nn.${rest}`] ?? `jax.nn.${rest}`] ??
      (rest === "tanh" ? OPS["jax.numpy.tanh"] : undefined)
    );
  }
  // NumPy on arrays in model code runs as jax.numpy does with x64 off (float32).
  if (qualified.startsWith("numpy."))
    return opSpec(`jax.numpy.${qualified.slice("numpy.".length)}`);
  return undefined;
}

/** Array methods (`x.mean()`, `x.clip(0, 1)`) as the jax.numpy functions they stand for (the array first). */
export const ARRAY_METHODS: Record<string, string> = {
  mean: "jax.numpy.mean",
  sum: "jax.numpy.sum",
  prod: "jax.numpy.prod",
  max: "jax.numpy.max",
  min: "jax.numpy.min",
  var: "jax.numpy.var",
  std: "jax.numpy.std",
  all: "jax.numpy.all",
  any: "jax.numpy.any",
  argmax: "jax.numpy.argmax",
  argmin: "jax.numpy.argmin",
  cumsum: "jax.numpy.cumsum",
  cumprod: "jax.numpy.cumprod",
  ptp: "jax.numpy.ptp",
  reshape: "jax.numpy.reshape",
  transpose: "jax.numpy.transpose",
  swapaxes: "jax.numpy.swapaxes",
  squeeze: "jax.numpy.squeeze",
  astype: "jax.numpy.astype",
  clip: "jax.numpy.clip",
  round: "jax.numpy.round",
  ravel: "jax.numpy.ravel",
  flatten: "jax.numpy.ravel",
  repeat: "jax.numpy.repeat",
  take: "jax.numpy.take",
  dot: "jax.numpy.dot",
  sort: "jax.numpy.sort",
  argsort: "jax.numpy.argsort",
};
