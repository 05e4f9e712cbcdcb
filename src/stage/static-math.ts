// Math on values fixed when the model is built (sizes, config): Python's math,
// NumPy on Python numbers and shapes (`np.prod(x.shape)`, `int(np.sqrt(n))`),
// jnp.finfo/iinfo. The value is computed where it is used: folded when the
// translator knows it, else written as the same math in TypeScript.
import { bin, call, num, str, type TExpr } from "../ts/ast.js";
import { dtypeValue } from "./ops/rules.js";
import { staticOf, type StaticType, type StaticV, type Value } from "./values.js";

const UNARY: Record<string, (x: number) => number> = {
  sqrt: Math.sqrt,
  log: Math.log,
  exp: Math.exp,
  floor: Math.floor,
  ceil: Math.ceil,
  trunc: Math.trunc,
  abs: Math.abs,
  log2: Math.log2,
  log10: Math.log10,
  log1p: Math.log1p,
  tanh: Math.tanh,
  sin: Math.sin,
  cos: Math.cos,
};

/** float32's and int32's limits, as jnp.finfo/iinfo give them. */
const LIMITS: Record<string, Record<string, number>> = {
  float32: { min: -3.4028234663852886e38, max: 3.4028234663852886e38, eps: 1.1920928955078125e-7, tiny: 1.1754943508222875e-38, smallest_normal: 1.1754943508222875e-38, resolution: 1e-6, bits: 32 },
  int32: { min: -2147483648, max: 2147483647, bits: 32 },
};

/** `np.prod(shape)`, `math.sqrt(d)`, `jnp.finfo(dtype)`: the value, or undefined when `name` is none of these. */
export function staticMath(name: string, args: Value[]): Value | undefined {
  if (!/^(numpy|jax\.numpy|math)\./.test(name)) return undefined;
  if (!args.length || !args.every((a) => a.kind === "static" || a.kind === "tuple" || a.kind === "list")) return undefined;
  const fn = name.replace(/^(numpy|jax\.numpy|math)\./, "");
  if (fn === "prod" && args.length === 1) return product(args[0]);
  if ((fn === "finfo" || fn === "iinfo") && args.length === 1) return limits(fn, args[0]);
  const f = UNARY[fn];
  if (f && args.length === 1 && args[0].kind === "static") {
    const a = args[0];
    const known = typeof a.known === "number" ? f(a.known) : undefined;
    // Python's math.floor/ceil/trunc give ints; NumPy's give floats; abs keeps its argument's type.
    const type: StaticType = fn === "abs" ? a.type : name.startsWith("math.") && (fn === "floor" || fn === "ceil" || fn === "trunc") ? { t: "int" } : { t: "float" };
    if (known !== undefined && Number.isInteger(known)) return staticOf(type, num(known), num(known), known);
    return staticOf(type, a.ctor && call(`Math.${fn}`, a.ctor), a.call && call(`Math.${fn}`, a.call), known);
  }
  return undefined;
}

/** The product of a tuple of sizes (a shape). */
function product(a: Value): Value {
  const items = a.kind === "static" ? ((a as { items?: Value[] }).items ?? undefined) : a.kind === "tuple" || a.kind === "list" ? a.items : undefined;
  const known = a.kind === "static" && Array.isArray(a.known) && a.known.every((x) => typeof x === "number") ? (a.known as number[]).reduce((x, y) => x * y, 1) : undefined;
  const side = (k: "ctor" | "call"): TExpr | undefined => {
    if (items && !items.length) return num(1);
    if (items && items.every((x) => x.kind === "static" && x[k])) return (items as StaticV[]).map((x) => x[k]!).reduce((x, y) => bin("*", x, y));
    const whole = a.kind === "static" ? a[k] : undefined;
    return whole && call("nnx.prod", whole);
  };
  return staticOf({ t: "int" }, known !== undefined ? num(known) : side("ctor"), known !== undefined ? num(known) : side("call"), known);
}

/** jnp.finfo(dtype) / jnp.iinfo(dtype): an object whose `.min`, `.max`, `.eps` are fixed numbers. */
function limits(fn: "finfo" | "iinfo", a: Value): Value | undefined {
  const d = dtypeValue(a);
  if (!d || d === "unknown" || (fn === "finfo") !== (d === "float32") || !LIMITS[d]) return undefined;
  const e = call(`jnp.${fn}`, str(d));
  return staticOf({ t: "config", cls: fn }, e, e, LIMITS[d]);
}
