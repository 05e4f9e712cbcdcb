// Array functions model code calls (jax.numpy, jax.nn, jax.lax, optax, and the
// frameworks' re-exports), by qualified name: how the runtime spells each, the
// parameters it takes (by Python name, in Python's order), and the shape and
// dtype of its result. The shape rules are what lets the constructor know
// every layer's input size.
import { num, type TExpr } from "../ts/ast.js";
import {
  addDims,
  broadcast,
  dimAt,
  materialize,
  productDims,
  replaceTrailing,
  scalarShape,
  unknownShape,
  withDim,
  type Dim,
  type SymShape,
} from "./shapes.js";
import type { DType, Known, Value } from "./values.js";

export interface OpArgs {
  /** Arguments by Python parameter name. */
  get(name: string): Value | undefined;
}

export interface OpSpec {
  /** The runtime function. */
  rt: string;
  /** Python parameter names in order. A leading `*` marks a variadic list (`*arrays`). */
  params: string[];
  /** How many leading parameters the TypeScript function takes positionally; the rest go in an options object. */
  positional?: number;
  /** Shape of the result. */
  shape: (a: OpArgs) => SymShape | SymShape[] | undefined;
  dtype?: (a: OpArgs) => DType;
  /** The result is a fixed value, not an array (e.g. `jnp.shape`). */
  static?: true;
  /**
   * Parameters after the positional ones that the TypeScript function takes in
   * one trailing options object (camelCase keys), e.g. random.uniform's `{ minval, maxval }`.
   */
  options?: string[];
}

const shapeOf = (v: Value | undefined): SymShape => (v?.kind === "array" ? v.shape : v?.kind === "static" ? scalarShape : unknownShape);
const dtypeOf = (v: Value | undefined): DType => (v?.kind === "array" ? v.dtype : v?.kind === "static" ? (v.type.t === "int" ? "int32" : v.type.t === "bool" ? "bool" : "float32") : "unknown");

const knownOf = (v: Value | undefined): Known | undefined => (v?.kind === "static" ? v.known : undefined);

/** Axes as known ints, or undefined when not known to the translator. */
function axesOf(v: Value | undefined): number[] | null | undefined {
  if (!v) return null; // absent: all axes
  const k = knownOf(v);
  if (k === null) return null;
  if (typeof k === "number") return [k];
  if (Array.isArray(k) && k.every((x) => typeof x === "number")) return k as number[];
  if (v.kind === "tuple" || v.kind === "list") {
    const items = v.items.map(knownOf);
    if (items.every((x) => typeof x === "number")) return items as number[];
  }
  return undefined;
}

/** A static size as an expression (a known int, or the constructor's expression). */
export function sizeExpr(v: Value | undefined): Dim {
  if (v?.kind !== "static") return undefined;
  if (typeof v.known === "number") return num(v.known);
  return v.ctor;
}

/** A static tuple of sizes (a shape argument) as size expressions. */
export function sizesOf(v: Value | undefined): Dim[] | undefined {
  if (!v) return undefined;
  if (v.kind === "tuple" || v.kind === "list") return v.items.map(sizeExpr);
  const items = (v as { items?: Value[] }).items;
  if (v.kind === "static" && items) return items.map(sizeExpr);
  if (v.kind === "static") {
    const k = v.known;
    if (typeof k === "number") return [num(k)];
    if (Array.isArray(k) && k.every((x) => typeof x === "number")) return (k as number[]).map(num);
    if (v.type.t === "int") return [v.ctor];
    const len = v.type.t === "tuple" ? v.type.items.length : v.type.t === "seq" ? v.type.length : undefined;
    if (len !== undefined && v.ctor) return Array.from({ length: len }, (_, i) => ({ k: "index", object: v.ctor!, index: num(i) }) as TExpr);
  }
  return undefined;
}

const same = (a: OpArgs) => shapeOf(a.get("x") ?? a.get("a") ?? a.get("array"));
const sameDtype = (a: OpArgs) => dtypeOf(a.get("x") ?? a.get("a") ?? a.get("array"));
const float = () => "float32" as DType;
const boolean = () => "bool" as DType;
const int = () => "int32" as DType;

function promote(a: Value | undefined, b: Value | undefined): DType {
  const [x, y] = [dtypeOf(a), dtypeOf(b)];
  const weak = (v: Value | undefined) => v?.kind === "static";
  if (weak(a) && !weak(b)) return y === "int32" && a?.kind === "static" && a.type.t === "float" ? "float32" : y;
  if (weak(b) && !weak(a)) return x === "int32" && b?.kind === "static" && b.type.t === "float" ? "float32" : x;
  if (x === y) return x;
  if (x === "unknown" || y === "unknown") return "unknown";
  if (x === "bool") return y;
  if (y === "bool") return x;
  return "float32";
}

const binary = (a: OpArgs) => broadcast(shapeOf(a.get("x")), shapeOf(a.get("y")));
const binaryDtype = (a: OpArgs) => promote(a.get("x"), a.get("y"));

/** Reduction over `axis` (all axes when absent), keeping reduced axes as 1 with keepdims. */
function reduce(arrayParam = "a") {
  return (a: OpArgs): SymShape => {
    const s = shapeOf(a.get(arrayParam));
    const axes = axesOf(a.get("axis"));
    const keepdims = knownOf(a.get("keepdims")) === true;
    if (axes === null) return keepdims && s.rank !== undefined ? { rank: s.rank, dims: Array(s.rank).fill(num(1)) } : scalarShape;
    if (axes === undefined) return unknownShape;
    if (s.rank !== undefined) {
      const norm = axes.map((x) => (x < 0 ? x + s.rank! : x));
      const dims = materialize(s);
      if (keepdims) return { rank: s.rank, dims: dims.map((d, i) => (norm.includes(i) ? num(1) : d)) };
      return { rank: s.rank - norm.length, dims: dims.filter((_, i) => !norm.includes(i)) };
    }
    // Unknown rank: axes counted from the end keep the axes after the last reduced one.
    if (axes.every((x) => x < 0)) {
      const deepest = Math.min(...axes);
      const tail = Array.from({ length: -deepest }, (_, i) => -deepest - i).map((k) => -k);
      const kept = tail.filter((x) => !axes.includes(x)).map((x) => dimAt(s, x));
      if (keepdims) return { dims: tail.map((x) => (axes.includes(x) ? num(1) : dimAt(s, x))) };
      return { dims: kept };
    }
    return unknownShape;
  };
}

function concatenate(a: OpArgs): SymShape {
  const arrays = a.get("arrays");
  const items = arrays?.kind === "tuple" || arrays?.kind === "list" ? arrays.items.map(shapeOf) : undefined;
  if (!items?.length) return unknownShape;
  const axis = knownOf(a.get("axis")) ?? 0;
  if (typeof axis !== "number") return unknownShape;
  const first = items[0];
  const total = items.map((s) => dimAt(s, axis)).reduce<Dim>((x, d) => addDims(x, d), num(0));
  return withDim(first, axis, total);
}

function stack(a: OpArgs): SymShape {
  const arrays = a.get("arrays");
  const items = arrays?.kind === "tuple" || arrays?.kind === "list" ? arrays.items.map(shapeOf) : undefined;
  const first = items?.[0];
  const axis = knownOf(a.get("axis")) ?? 0;
  if (!first || first.rank === undefined || typeof axis !== "number") return unknownShape;
  const dims = materialize(first);
  const at = axis < 0 ? axis + first.rank + 1 : axis;
  dims.splice(at, 0, num(items!.length));
  return { rank: first.rank + 1, dims };
}

/** jnp.reshape(a, shape) with at most one -1. */
export function reshape(input: SymShape, target: Dim[] | undefined): SymShape {
  if (!target) return unknownShape;
  const minus = target.findIndex((d) => d?.k === "num" && d.value === -1);
  if (minus < 0) return { rank: target.length, dims: target };
  if (input.rank === undefined) return { rank: target.length, dims: target.map((d, i) => (i === minus ? undefined : d)) };
  const total = productDims(materialize(input));
  const others = productDims(target.filter((_, i) => i !== minus));
  const dims = [...target];
  dims[minus] = divideExact(total, others);
  return { rank: target.length, dims };
}

/** a / b where b divides a: folds numbers and cancels a common factor, else Math.floor-free division. */
function divideExact(a: Dim, b: Dim): Dim {
  if (!a || !b) return undefined;
  if (a.k === "num" && b.k === "num") return num(a.value / b.value);
  if (b.k === "num" && b.value === 1) return a;
  // (x * y) / x → y: common with `x.reshape((x.shape[0], -1))`.
  const factors = (d: TExpr): TExpr[] => (d.k === "binary" && d.op === "*" ? [...factors(d.left), ...factors(d.right)] : [d]);
  const fa = factors(a);
  const fb = factors(b);
  const rest = [...fa];
  for (const f of fb) {
    const i = rest.findIndex((r) => JSON.stringify(r) === JSON.stringify(f));
    if (i < 0) return { k: "binary", op: "/", left: a, right: b };
    rest.splice(i, 1);
  }
  return productDims(rest);
}

function transpose(a: OpArgs): SymShape {
  const s = shapeOf(a.get("a"));
  const axes = axesOf(a.get("axes"));
  if (s.rank === undefined) return unknownShape;
  const dims = materialize(s);
  if (axes === null) return { rank: s.rank, dims: [...dims].reverse() };
  if (!axes) return { rank: s.rank, dims: Array(s.rank).fill(undefined) };
  return { rank: s.rank, dims: axes.map((x) => dims[x < 0 ? x + s.rank! : x]) };
}

function swapaxes(a: OpArgs): SymShape {
  const s = shapeOf(a.get("a"));
  const [i, j] = [knownOf(a.get("axis1")), knownOf(a.get("axis2"))];
  if (typeof i !== "number" || typeof j !== "number") return unknownShape;
  const di = dimAt(s, i);
  const dj = dimAt(s, j);
  return withDim(withDim(s, i, dj), j, di);
}

function expandDims(a: OpArgs): SymShape {
  const s = shapeOf(a.get("a"));
  const axes = axesOf(a.get("axis"));
  if (s.rank === undefined || !axes) return s.rank === undefined && axes?.every((x) => x < 0) ? { dims: [...s.dims, ...axes.map(() => num(1))].slice(0, s.dims.length) } : unknownShape;
  const rank = s.rank + axes.length;
  const norm = axes.map((x) => (x < 0 ? x + rank : x)).sort((x, y) => x - y);
  const dims = materialize(s);
  for (const x of norm) dims.splice(x, 0, num(1));
  return { rank, dims };
}

function squeeze(a: OpArgs): SymShape {
  const s = shapeOf(a.get("a"));
  const axes = axesOf(a.get("axis"));
  if (s.rank === undefined) {
    if (axes && axes.every((x) => x < 0)) {
      const kept = s.dims.filter((_, i) => !axes.includes(i - s.dims.length));
      return { dims: kept };
    }
    return unknownShape;
  }
  const dims = materialize(s);
  if (axes === null) {
    if (dims.every((d) => d?.k === "num")) {
      const kept = dims.filter((d) => !(d?.k === "num" && d.value === 1));
      return { rank: kept.length, dims: kept };
    }
    return unknownShape;
  }
  if (!axes) return unknownShape;
  const norm = axes.map((x) => (x < 0 ? x + s.rank! : x));
  return { rank: s.rank - norm.length, dims: dims.filter((_, i) => !norm.includes(i)) };
}

function matmul(a: OpArgs): SymShape {
  const x = shapeOf(a.get("a"));
  const y = shapeOf(a.get("b"));
  if (y.rank === 1) return x.rank !== undefined ? { rank: x.rank - 1, dims: materialize(x).slice(0, -1) } : { dims: x.dims.slice(0, -1) };
  const last = dimAt(y, -1);
  if (x.rank === 1) return y.rank !== undefined ? { rank: y.rank - 1, dims: [...materialize(y).slice(0, -2), last] } : unknownShape;
  // Batch axes broadcast; the result keeps x's rows and y's columns.
  const lead = broadcast(
    x.rank !== undefined ? { rank: x.rank - 2, dims: materialize(x).slice(0, -2) } : unknownShape,
    y.rank !== undefined ? { rank: y.rank - 2, dims: materialize(y).slice(0, -2) } : unknownShape,
  );
  const rows = dimAt(x, -2);
  if (lead.rank !== undefined) return { rank: lead.rank + 2, dims: [...lead.dims, rows, last] };
  return { dims: [rows, last] };
}

function oneHot(a: OpArgs): SymShape {
  const s = shapeOf(a.get("x"));
  const n = sizeExpr(a.get("num_classes"));
  return s.rank !== undefined ? { rank: s.rank + 1, dims: [...materialize(s), n] } : { dims: [...s.dims, n] };
}

function created(param: string) {
  return (a: OpArgs): SymShape => {
    const sizes = sizesOf(a.get(param));
    return sizes ? { rank: sizes.length, dims: sizes } : unknownShape;
  };
}

const createdDtype = (fallback: DType) => (a: OpArgs): DType => {
  const d = a.get("dtype");
  if (d?.kind === "static" && typeof d.known === "string") return d.known.includes("int") ? "int32" : d.known === "bool" ? "bool" : "float32";
  return fallback;
};

function where(a: OpArgs): SymShape {
  return broadcast(broadcast(shapeOf(a.get("condition")), shapeOf(a.get("x"))), shapeOf(a.get("y")));
}

function argReduce(a: OpArgs): SymShape {
  return reduce("a")(a);
}

/** Element-wise functions of one array. */
const UNARY: Record<string, string> = {
  "jax.numpy.tanh": "jnp.tanh",
  "jax.numpy.exp": "jnp.exp",
  "jax.numpy.log": "jnp.log",
  "jax.numpy.log1p": "jnp.log1p",
  "jax.numpy.expm1": "jnp.expm1",
  "jax.numpy.sqrt": "jnp.sqrt",
  "jax.numpy.square": "jnp.square",
  "jax.numpy.abs": "jnp.abs",
  "jax.numpy.absolute": "jnp.abs",
  "jax.numpy.sign": "jnp.sign",
  "jax.numpy.sin": "jnp.sin",
  "jax.numpy.cos": "jnp.cos",
  "jax.numpy.floor": "jnp.floor",
  "jax.numpy.ceil": "jnp.ceil",
  "jax.numpy.round": "jnp.round",
  "jax.numpy.reciprocal": "jnp.reciprocal",
  "jax.numpy.negative": "jnp.negative",
  "jax.lax.rsqrt": "lax.rsqrt",
  "jax.lax.stop_gradient": "lax.stopGradient",
  "jax.nn.relu": "nnx.relu",
  "jax.nn.relu6": "nnx.relu6",
  "jax.nn.sigmoid": "nnx.sigmoid",
  "jax.nn.silu": "nnx.silu",
  "jax.nn.swish": "nnx.silu",
  "jax.nn.elu": "nnx.elu",
  "jax.nn.selu": "nnx.selu",
  "jax.nn.celu": "nnx.celu",
  "jax.nn.softplus": "nnx.softplus",
  "jax.nn.soft_sign": "nnx.softSign",
  "jax.nn.log_sigmoid": "nnx.logSigmoid",
  "jax.nn.mish": "nnx.mish",
  "jax.nn.hard_tanh": "nnx.hardTanh",
  "jax.nn.hard_sigmoid": "nnx.hardSigmoid",
  "jax.nn.hard_silu": "nnx.hardSilu",
  "jax.nn.hard_swish": "nnx.hardSilu",
  "jax.nn.tanh": "nnx.tanh",
};

const OPS: Record<string, OpSpec> = {};

for (const [name, rt] of Object.entries(UNARY)) {
  const keepsInt = ["jnp.abs", "jnp.sign", "jnp.square", "jnp.negative", "nnx.relu", "lax.stopGradient"].includes(rt);
  OPS[name] = { rt, params: ["x"], shape: same, dtype: keepsInt ? sameDtype : float };
}

Object.assign(OPS, {
  "jax.nn.gelu": { rt: "nnx.gelu", params: ["x", "approximate"], shape: same, dtype: float },
  "jax.nn.leaky_relu": { rt: "nnx.leakyRelu", params: ["x", "negative_slope"], shape: same, dtype: float },
  "jax.nn.softmax": { rt: "nnx.softmax", params: ["x", "axis", "where"], shape: same, dtype: float },
  "jax.nn.log_softmax": { rt: "nnx.logSoftmax", params: ["x", "axis", "where"], shape: same, dtype: float },
  "jax.nn.logsumexp": { rt: "nnx.logsumexp", params: ["a", "axis", "b", "keepdims"], shape: reduce("a"), dtype: float },
  "jax.nn.standardize": { rt: "nnx.standardize", params: ["x", "axis", "mean", "variance", "epsilon", "where"], shape: same, dtype: float },
  "jax.nn.one_hot": { rt: "nnx.oneHot", params: ["x", "num_classes", "dtype", "axis"], shape: oneHot, dtype: createdDtype("float32") },
  "jax.numpy.add": { rt: "jnp.add", params: ["x", "y"], shape: binary, dtype: binaryDtype },
  "jax.numpy.subtract": { rt: "jnp.subtract", params: ["x", "y"], shape: binary, dtype: binaryDtype },
  "jax.numpy.multiply": { rt: "jnp.multiply", params: ["x", "y"], shape: binary, dtype: binaryDtype },
  "jax.numpy.divide": { rt: "jnp.divide", params: ["x", "y"], shape: binary, dtype: float },
  "jax.numpy.true_divide": { rt: "jnp.divide", params: ["x", "y"], shape: binary, dtype: float },
  "jax.numpy.power": { rt: "jnp.power", params: ["x", "y"], shape: binary, dtype: binaryDtype },
  "jax.numpy.maximum": { rt: "jnp.maximum", params: ["x", "y"], shape: binary, dtype: binaryDtype },
  "jax.numpy.minimum": { rt: "jnp.minimum", params: ["x", "y"], shape: binary, dtype: binaryDtype },
  "jax.numpy.equal": { rt: "jnp.equal", params: ["x", "y"], shape: binary, dtype: boolean },
  "jax.numpy.logaddexp": { rt: "jnp.logaddexp", params: ["x", "y"], shape: binary, dtype: float },
  "jax.numpy.mean": { rt: "jnp.mean", params: ["a", "axis", "dtype", "out", "keepdims"], shape: reduce(), dtype: float },
  "jax.numpy.sum": { rt: "jnp.sum", params: ["a", "axis", "dtype", "out", "keepdims"], shape: reduce(), dtype: (a: OpArgs) => dtypeOf(a.get("a")) },
  "jax.numpy.max": { rt: "jnp.max", params: ["a", "axis", "out", "keepdims"], shape: reduce(), dtype: (a: OpArgs) => dtypeOf(a.get("a")) },
  "jax.numpy.min": { rt: "jnp.min", params: ["a", "axis", "out", "keepdims"], shape: reduce(), dtype: (a: OpArgs) => dtypeOf(a.get("a")) },
  "jax.numpy.var": { rt: "jnp.var", params: ["a", "axis", "dtype", "out", "ddof", "keepdims"], shape: reduce(), dtype: float },
  "jax.numpy.std": { rt: "jnp.std", params: ["a", "axis", "dtype", "out", "ddof", "keepdims"], shape: reduce(), dtype: float },
  "jax.numpy.argmax": { rt: "jnp.argmax", params: ["a", "axis", "out", "keepdims"], shape: argReduce, dtype: int },
  "jax.numpy.argmin": { rt: "jnp.argmin", params: ["a", "axis", "out", "keepdims"], shape: argReduce, dtype: int },
  "jax.numpy.concatenate": { rt: "jnp.concatenate", params: ["arrays", "axis"], shape: concatenate, dtype: (a: OpArgs) => {
    const arrays = a.get("arrays");
    return arrays?.kind === "tuple" || arrays?.kind === "list" ? dtypeOf(arrays.items[0]) : "unknown";
  } },
  "jax.numpy.stack": { rt: "jnp.stack", params: ["arrays", "axis"], shape: stack, dtype: float },
  "jax.numpy.reshape": { rt: "jnp.reshape", params: ["a", "shape"], shape: (a: OpArgs) => reshape(shapeOf(a.get("a")), sizesOf(a.get("shape"))), dtype: (a: OpArgs) => dtypeOf(a.get("a")) },
  "jax.numpy.transpose": { rt: "jnp.transpose", params: ["a", "axes"], shape: transpose, dtype: (a: OpArgs) => dtypeOf(a.get("a")) },
  "jax.numpy.swapaxes": { rt: "jnp.swapaxes", params: ["a", "axis1", "axis2"], shape: swapaxes, dtype: (a: OpArgs) => dtypeOf(a.get("a")) },
  "jax.numpy.expand_dims": { rt: "jnp.expandDims", params: ["a", "axis"], shape: expandDims, dtype: (a: OpArgs) => dtypeOf(a.get("a")) },
  "jax.numpy.squeeze": { rt: "jnp.squeeze", params: ["a", "axis"], shape: squeeze, dtype: (a: OpArgs) => dtypeOf(a.get("a")) },
  "jax.numpy.matmul": { rt: "jnp.matmul", params: ["a", "b"], shape: matmul, dtype: float },
  "jax.numpy.where": { rt: "jnp.where", params: ["condition", "x", "y"], shape: where, dtype: (a: OpArgs) => promote(a.get("x"), a.get("y")) },
  "jax.numpy.zeros": { rt: "jnp.zeros", params: ["shape", "dtype"], shape: created("shape"), dtype: createdDtype("float32") },
  "jax.numpy.ones": { rt: "jnp.ones", params: ["shape", "dtype"], shape: created("shape"), dtype: createdDtype("float32") },
  "jax.numpy.asarray": { rt: "jnp.asarray", params: ["a", "dtype"], shape: same, dtype: (a: OpArgs) => createdDtype(dtypeOf(a.get("a")))(a) },
  "jax.numpy.array": { rt: "jnp.array", params: ["object", "dtype"], shape: (a: OpArgs) => shapeOf(a.get("object")), dtype: (a: OpArgs) => createdDtype(dtypeOf(a.get("object")))(a) },
  "optax.softmax_cross_entropy_with_integer_labels": { rt: "nnx.optax.softmaxCrossEntropyWithIntegerLabels", params: ["logits", "labels"], shape: (a: OpArgs) => shapeOf(a.get("labels")), dtype: float },
  "optax.softmax_cross_entropy": { rt: "nnx.optax.softmaxCrossEntropy", params: ["logits", "labels"], shape: (a: OpArgs) => reduce("logits")({ get: (n) => (n === "axis" ? { kind: "static", type: { t: "int" }, known: -1 } : a.get(n)) }), dtype: float },
  "optax.l2_loss": { rt: "nnx.optax.l2Loss", params: ["predictions", "targets"], shape: (a: OpArgs) => shapeOf(a.get("predictions")), dtype: float },
  "optax.squared_error": { rt: "nnx.optax.squaredError", params: ["predictions", "targets"], shape: (a: OpArgs) => shapeOf(a.get("predictions")), dtype: float },
} satisfies Record<string, OpSpec>);

/** The shape a jax.random sampler draws: its `shape` argument, else the broadcast of its parameters. */
function drawn(a: OpArgs, ...params: string[]): SymShape {
  const sizes = sizesOf(a.get("shape"));
  if (sizes) return { rank: sizes.length, dims: sizes };
  return params.map((p) => shapeOf(a.get(p))).reduce((x, y) => broadcast(x, y), scalarShape);
}

Object.assign(OPS, {
  "jax.random.normal": { rt: "random.normal", params: ["key", "shape", "dtype"], positional: 2, shape: (a: OpArgs) => drawn(a), dtype: float },
  "jax.random.uniform": { rt: "random.uniform", params: ["key", "shape", "dtype", "minval", "maxval"], positional: 2, options: ["minval", "maxval"], shape: (a: OpArgs) => drawn(a), dtype: float },
  "jax.random.truncated_normal": { rt: "random.truncatedNormal", params: ["key", "lower", "upper", "shape", "dtype"], shape: (a: OpArgs) => drawn(a, "lower", "upper"), dtype: float },
  "jax.random.bernoulli": { rt: "random.bernoulli", params: ["key", "p", "shape"], shape: (a: OpArgs) => drawn(a, "p"), dtype: boolean },
  "jax.random.categorical": { rt: "random.categorical", params: ["key", "logits", "axis", "shape"], positional: 2, options: ["axis", "shape"], shape: (a: OpArgs) => sizesOf(a.get("shape")) ? drawn(a) : reduce("logits")({ get: (n) => (n === "axis" ? a.get("axis") ?? { kind: "static", type: { t: "int" }, known: -1 } : a.get(n)) }), dtype: int },
  "jax.random.gumbel": { rt: "random.gumbel", params: ["key", "shape", "dtype"], positional: 2, shape: (a: OpArgs) => drawn(a), dtype: float },
  "jax.random.permutation": { rt: "random.permutation", params: ["key", "x", "axis"], positional: 2, options: ["axis"], shape: (a: OpArgs) => (a.get("x")?.kind === "array" ? shapeOf(a.get("x")) : { rank: 1, dims: [sizeExpr(a.get("x"))] }), dtype: (a: OpArgs) => (a.get("x")?.kind === "array" ? dtypeOf(a.get("x")) : "int32") },
} satisfies Record<string, OpSpec>);

// Aliases: the frameworks and optax re-export the same functions.
const ALIASES: Record<string, string> = {
  "jax.nn.swish": "jax.nn.silu",
  "optax.losses.softmax_cross_entropy_with_integer_labels": "optax.softmax_cross_entropy_with_integer_labels",
  "optax.losses.softmax_cross_entropy": "optax.softmax_cross_entropy",
  "optax.losses.l2_loss": "optax.l2_loss",
  "optax.losses.squared_error": "optax.squared_error",
  "jax.numpy.linalg.matmul": "jax.numpy.matmul",
};

/** flax.linen, flax.linen.activation, flax.nnx re-export jax.nn's functions. */
const REEXPORTS = ["flax.linen.", "flax.linen.activation.", "flax.nnx.", "haiku."];

export function opSpec(qualified: string): OpSpec | undefined {
  const direct = OPS[ALIASES[qualified] ?? qualified];
  if (direct) return direct;
  for (const prefix of REEXPORTS) {
    if (!qualified.startsWith(prefix)) continue;
    const rest = qualified.slice(prefix.length);
    return OPS[`jax.nn.${rest}`] ?? (rest === "tanh" ? OPS["jax.numpy.tanh"] : undefined);
  }
  // NumPy on arrays in model code runs as jax.numpy does with x64 off (float32).
  if (qualified.startsWith("numpy.")) return opSpec(`jax.numpy.${qualified.slice("numpy.".length)}`);
  return undefined;
}

/** Array methods (`x.mean()`, `x.reshape(...)`) as the jax.numpy functions they stand for. */
export const ARRAY_METHODS: Record<string, string> = {
  mean: "jax.numpy.mean",
  sum: "jax.numpy.sum",
  max: "jax.numpy.max",
  min: "jax.numpy.min",
  var: "jax.numpy.var",
  std: "jax.numpy.std",
  argmax: "jax.numpy.argmax",
  argmin: "jax.numpy.argmin",
  reshape: "jax.numpy.reshape",
  transpose: "jax.numpy.transpose",
  swapaxes: "jax.numpy.swapaxes",
  squeeze: "jax.numpy.squeeze",
  astype: "jax.numpy.astype",
};

export type { Dim };
