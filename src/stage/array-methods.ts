// Attributes and methods of arrays: `x.shape`, `x.ndim`, `x.size`, `x.dtype`,
// `x.T`, `x.at`, and `x.mean(axis=-1)`, `x.reshape(b, -1)`, `x.astype(...)`
// and the other methods JAX's Array has, as the jax.numpy functions they
// call (the array first).
import type { Span } from "../span.js";
import { member, num, str, type TExpr } from "../ts/ast.js";
import { applyOp, type OpHost } from "./ops/apply.js";
import { ARRAY_METHODS, opSpec } from "./ops/index.js";
import { materialize, productDims } from "./shapes.js";
import { staticOf, type ArrayV, type StaticV, type Value } from "./values.js";

/** A fixed sequence whose items are known one by one, or an array's shape. */
interface SeqLike {
  items?: Value[];
  shapeOf?: ArrayV;
}

/** `x.<attr>`; undefined when arrays have no such attribute the translator knows. */
export function arrayAttribute(host: OpHost, v: ArrayV, attr: string, span: Span): Value | undefined {
  switch (attr) {
    case "shape": {
      const dims = v.shape.rank !== undefined ? materialize(v.shape) : undefined;
      const s = staticOf(
        v.shape.rank !== undefined ? { t: "tuple", items: Array(v.shape.rank).fill({ t: "int" }) } : { t: "seq", of: { t: "int" } },
        dims && dims.every((d) => d) ? { k: "array", items: dims as TExpr[] } : undefined,
        member(v.call, "shape"),
      ) as StaticV & SeqLike;
      s.shapeOf = v;
      // Each axis a fixed int: `b, t, d = x.shape` unpacks them; `len(x.shape)` is the rank.
      if (dims) s.items = dims.map((d, i) => staticOf({ t: "int" }, d, { k: "nonnull", value: { k: "index", object: member(v.call, "shape"), index: num(i) } }, d?.k === "num" ? d.value : undefined));
      return s;
    }
    case "ndim":
      return staticOf({ t: "int" }, v.shape.rank !== undefined ? num(v.shape.rank) : undefined, member(v.call, "rank"), v.shape.rank);
    case "dtype":
      return staticOf({ t: "dtype" }, v.dtype !== "unknown" ? str(v.dtype) : undefined, member(v.call, "dtype"), v.dtype !== "unknown" ? v.dtype : undefined);
    case "size": {
      const dims = v.shape.rank !== undefined ? materialize(v.shape) : undefined;
      const total = dims && dims.every((d) => d) ? productDims(dims) : undefined;
      return staticOf({ t: "int" }, total, member(v.call, "size"), total?.k === "num" ? total.value : undefined);
    }
    case "T":
      return applyOp(host, "jax.numpy.transpose", opSpec("jax.numpy.transpose")!, [v], [], span);
    case "mT":
      return applyOp(host, "jax.numpy.matrix_transpose", opSpec("jax.numpy.matrix_transpose")!, [v], [], span);
    case "at":
      return { kind: "global", name: "array.at", self: v };
    default:
      return ARRAY_METHODS[attr] ? { kind: "global", name: `array.${attr}`, self: v } : undefined;
  }
}

/** `x.method(...)`. */
export function arrayMethod(host: OpHost, self: ArrayV, method: string, args: Value[], kwargs: Array<[string, Value]>, span: Span): Value {
  const fn = ARRAY_METHODS[method];
  if (!fn) return host.stop(span, `the array method '.${method}()'`);
  // x.reshape(a, b) and x.transpose(1, 0) take the shape or axes spread out too.
  if ((method === "reshape" || method === "transpose") && args.length > 1) {
    return applyOp(host, fn, opSpec(fn)!, [self, { kind: "tuple", items: args }], kwargs, span);
  }
  // x.clip(min, max), x.astype(dtype): the rest as jnp's.
  return applyOp(host, fn, opSpec(fn)!, [self, ...args], kwargs, span);
}
