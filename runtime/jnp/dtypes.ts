// jax.numpy's dtypes with x64 off: float32, int32 and bool, Python's weakly
// typed scalars, and JAX's promotion lattice between them (jax/_src/dtypes.py).
//
// A JS number stands for a Python int when it is integral and a Python float
// otherwise; `pyFloat(3)` is the float `3.0`; `true`/`false` are Python bools.
// Python ints and floats are weak: they take the other operand's dtype within
// their kind (`int32 + 1` is int32, `float32 * 2` is float32), and a float
// makes an int array float32. Restricted to these five types JAX's lattice is
// the chain bool < int* < int32 < float* < float32, so a result's dtype is the
// highest kind among the operands. Arrays here are always strongly typed: with
// only these dtypes a weak array would never change a result's dtype.
import { tf } from "../tf.js";

export type DType = "float32" | "int32" | "bool";

/** A Python float literal, for the integral ones (`3.0`) that a JS number cannot tell from an int. */
export class PyFloat {
  constructor(readonly value: number) {}
  toString(): string {
    return Number.isInteger(this.value) ? `${this.value}.0` : String(this.value);
  }
}

/** Marks a Python float literal: `x - 3.0` is `jnp.subtract(x, jnp.pyFloat(3))`. */
export function pyFloat(value: number): PyFloat {
  return new PyFloat(value);
}

/** A Python scalar: int or float (weakly typed) or bool. */
export type Scalar = number | boolean | PyFloat;
/** What jax.numpy functions take: an array or a Python scalar. */
export type ArrayLike = tf.Tensor | Scalar;
/** Nested lists of scalars and arrays, as `jnp.array` takes them. */
export type NestedArray = ArrayLike | readonly NestedArray[];

/** `jnp.float32` and friends: a dtype that is also a constructor of strongly typed arrays. */
export interface ScalarType {
  (value: NestedArray): tf.Tensor;
  readonly dtype: DType;
}

/** Anything jnp accepts as a dtype: "float32", jnp.int32, Python type names ("float", "int", "bool"). */
export type DTypeLike = DType | ScalarType | "float" | "int" | "bool_" | "float64" | "int64" | "f4" | "i4";

const NAMES: Record<string, DType> = {
  float32: "float32", float: "float32", float64: "float32", f4: "float32", f8: "float32",
  int32: "int32", int: "int32", int64: "int32", i4: "int32", i8: "int32",
  bool: "bool", bool_: "bool", "?": "bool",
};

/** jnp.dtype: the canonical dtype (x64 off, so 64-bit names mean their 32-bit types, as JAX canonicalizes them). */
export function dtype(d: DTypeLike): DType {
  if (typeof d === "function") return d.dtype;
  const name = NAMES[d];
  if (!name) throw new TypeError(`data type '${String(d)}' not understood (nnxport supports float32, int32 and bool)`);
  return name;
}

// Filled in by creation.ts (jnp.asarray) to avoid an import cycle.
let construct: (value: NestedArray, dtype: DType) => tf.Tensor = () => {
  throw new Error("jnp scalar types used before jnp was loaded");
};
export function setScalarTypeConstructor(f: (value: NestedArray, dtype: DType) => tf.Tensor): void {
  construct = f;
}

function scalarType(d: DType): ScalarType {
  const f = (value: NestedArray) => construct(value, d);
  Object.defineProperty(f, "name", { value: d === "bool" ? "bool_" : d });
  Object.defineProperty(f, "dtype", { value: d, enumerable: true });
  return f as ScalarType;
}

export const float32 = scalarType("float32");
export const int32 = scalarType("int32");
export const bool_ = scalarType("bool");
/** jnp.bool (NumPy 2's name for bool_). */
export const bool = bool_;

// ---------------------------------------------------------------------------
// Promotion

/** A type on JAX's lattice: the three dtypes and the weak Python int and float. */
export type JaxType = "bool" | "int*" | "int32" | "float*" | "float32";
const ORDER: readonly JaxType[] = ["bool", "int*", "int32", "float*", "float32"];
const STRONG: Record<JaxType, DType> = { bool: "bool", "int*": "int32", int32: "int32", "float*": "float32", float32: "float32" };

/** Python's ValueError, for the cases where JAX raises one. */
export class ValueError extends Error {
  override name = "ValueError";
}

export function isTensor(x: unknown): x is tf.Tensor {
  return x instanceof tf.Tensor;
}

export function isScalar(x: unknown): x is Scalar {
  return typeof x === "number" || typeof x === "boolean" || x instanceof PyFloat;
}

/** The value of a Python scalar as a JS number or boolean. */
export function scalarValue(x: Scalar): number | boolean {
  return x instanceof PyFloat ? x.value : x;
}

/** The lattice type of an argument (a dtype counts as a strongly typed array of it). */
export function jaxType(x: ArrayLike | DTypeLike): JaxType {
  if (typeof x === "string" || typeof x === "function") return dtype(x);
  if (isTensor(x)) {
    if (x.dtype !== "float32" && x.dtype !== "int32" && x.dtype !== "bool") throw new TypeError(`jnp does not support dtype ${x.dtype}`);
    return x.dtype;
  }
  if (typeof x === "boolean") return "bool"; // Python bools are not weak in JAX, but bool is the bottom anyway
  if (x instanceof PyFloat) return "float*";
  if (typeof x !== "number") throw new TypeError(`expected an array or a Python scalar, got ${typeof x}`);
  return Number.isInteger(x) ? "int*" : "float*";
}

/** The dtype of an argument: a tensor's own, or a Python scalar's canonical one. */
export function dtypeOf(x: ArrayLike): DType {
  return STRONG[jaxType(x)];
}

/** jax.dtypes.lattice_result_type: the promoted dtype and whether the result is weakly typed. */
export function latticeResultType(...args: (ArrayLike | DTypeLike)[]): { dtype: DType; weak: boolean } {
  if (args.length === 0) throw new ValueError("at least one array or dtype is required");
  const types = args.map(jaxType);
  const weak = types.map((t) => t === "int*" || t === "float*");
  const top = types.reduce((a, b) => (ORDER.indexOf(b) > ORDER.indexOf(a) ? b : a));
  const dt = STRONG[top];
  // All weak: the strong bound, marked weak. Otherwise weak only if the bound itself is a weak type.
  const isWeak = weak.every(Boolean) || top === "int*" || top === "float*";
  return { dtype: dt, weak: dt !== "bool" && isWeak };
}

/** jnp.result_type for arrays, Python scalars and dtypes. */
export function resultType(...args: (ArrayLike | DTypeLike)[]): DType {
  return latticeResultType(...args).dtype;
}

/** jnp.promote_types. */
export function promoteTypes(a: DTypeLike, b: DTypeLike): DType {
  return resultType(a, b);
}

/** bool becomes int32 (dtypes.to_numeric_dtype). */
export function toNumeric(d: DType): DType {
  return d === "bool" ? "int32" : d;
}

/** bool and int32 become float32 (dtypes.to_inexact_dtype). */
export function toInexact(_d: DType): DType {
  return "float32";
}

export type DTypeKind = "bool" | "integral" | "real floating" | "numeric" | "signed integer";

/** jnp.isdtype for the kinds that exist here. */
export function isdtype(d: DTypeLike, kind: DTypeKind | readonly DTypeKind[]): boolean {
  const dt = dtype(d);
  const kinds = typeof kind === "string" ? [kind] : kind;
  return kinds.some((k) =>
    k === "bool" ? dt === "bool"
    : k === "integral" || k === "signed integer" ? dt === "int32"
    : k === "real floating" ? dt === "float32"
    : dt !== "bool",
  );
}

/** Abstract dtype classes for jnp.issubdtype. */
export const floating = "floating", integer = "integer", inexact = "inexact", number = "number", signedinteger = "signedinteger";
export type DTypeClass = typeof floating | typeof integer | typeof inexact | typeof number | typeof signedinteger;

/** jnp.issubdtype(dtype, jnp.floating) and the like. */
export function issubdtype(d: DTypeLike, of: DTypeLike | DTypeClass): boolean {
  const dt = dtype(d);
  switch (of) {
    case "floating":
    case "inexact":
      return dt === "float32";
    case "integer":
    case "signedinteger":
      return dt === "int32";
    case "number":
      return dt !== "bool";
    default:
      return dtype(of) === dt;
  }
}

/** jnp.iinfo(int32). */
export function iinfo(d: DTypeLike): { bits: 32; min: number; max: number; dtype: DType } {
  if (dtype(d) !== "int32") throw new Error(`Invalid integer data type '${dtype(d)}'.`);
  return { bits: 32, min: -2147483648, max: 2147483647, dtype: "int32" };
}

/** jnp.finfo(float32). */
export function finfo(d: DTypeLike): { bits: 32; eps: number; max: number; min: number; tiny: number; smallestNormal: number; resolution: number; dtype: DType } {
  if (dtype(d) !== "float32") throw new Error(`data type ${dtype(d)} not inexact`);
  const max = 3.4028234663852886e38;
  const tiny = 1.1754943508222875e-38;
  return { bits: 32, eps: 1.1920928955078125e-7, max, min: -max, tiny, smallestNormal: tiny, resolution: Math.fround(1e-6), dtype: "float32" };
}
