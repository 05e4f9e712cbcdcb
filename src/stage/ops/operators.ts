// Python's operators on arrays, as the jax.numpy functions JAX's Array
// methods call (`x - 3.0` is `jnp.subtract(x, 3.0)`, `~m` is
// `jnp.invert(m)`), so they share the catalog's dtype rules and weak
// scalars.
import type { Span } from "../../span.js";
import type { Value } from "../values.js";
import { applyOp, type OpHost } from "./apply.js";
import { opSpec } from "./index.js";

const BINARY: Record<string, string> = {
  "+": "jax.numpy.add",
  "-": "jax.numpy.subtract",
  "*": "jax.numpy.multiply",
  "/": "jax.numpy.true_divide",
  "//": "jax.numpy.floor_divide",
  "%": "jax.numpy.remainder",
  "**": "jax.numpy.power",
  "@": "jax.numpy.matmul",
  "&": "jax.numpy.bitwise_and",
  "|": "jax.numpy.bitwise_or",
  "^": "jax.numpy.bitwise_xor",
  "<<": "jax.numpy.left_shift",
  ">>": "jax.numpy.right_shift",
};

const COMPARE: Record<string, string> = {
  "==": "jax.numpy.equal",
  "!=": "jax.numpy.not_equal",
  "<": "jax.numpy.less",
  "<=": "jax.numpy.less_equal",
  ">": "jax.numpy.greater",
  ">=": "jax.numpy.greater_equal",
};

/** `l op r` where either side is an array. */
export function arrayBinary(host: OpHost, op: string, l: Value, r: Value, span: Span): Value {
  const name = BINARY[op];
  if (!name) return host.stop(span, `the operator '${op}' on arrays`);
  if (op === "@" && (l.kind !== "array" || r.kind !== "array")) return host.stop(span, "'@' with a Python scalar (JAX's matmul takes arrays)");
  // An array and None: Python raises TypeError (a method that lost its `return` gives None).
  const none = [l, r].find((v) => v.kind === "static" && v.known === null);
  if (none) {
    const nothing = (none as { returnsNothing?: string }).returnsNothing;
    return host.stop(span, `'${op}' of an array and None${nothing ? ` (what ${nothing} returns)` : ""}: Python raises TypeError`);
  }
  return applyOp(host, name, opSpec(name)!, [l, r], [], span);
}

/** `l op r` comparing arrays (one comparison; a chain of them would ask an array for its truth value). */
export function arrayCompare(host: OpHost, op: string, l: Value, r: Value, span: Span): Value {
  const name = COMPARE[op];
  if (!name) return host.stop(span, `'${op}' on arrays`);
  return applyOp(host, name, opSpec(name)!, [l, r], [], span);
}

/** `-x`, `+x`, `~x` on an array. */
export function arrayUnary(host: OpHost, op: string, x: Value, span: Span): Value {
  if (op === "+") return x;
  if (op === "-") return applyOp(host, "jax.numpy.negative", opSpec("jax.numpy.negative")!, [x], [], span);
  if (op === "~") return applyOp(host, "jax.numpy.invert", opSpec("jax.numpy.invert")!, [x], [], span);
  return host.stop(span, `'${op}' of an array (Python asks the array for its truth value)`);
}
