// jax.numpy as runtime calls (NumPy in model code runs as jax.numpy with x64
// off). Each row: the runtime function, the Python signature with how the
// runtime takes each parameter (./signature.ts), and the result's shape and
// dtype. The runtime's signatures are runtime/jnp/*.ts.
import { num } from "../../ts/ast.js";
import { broadcast, dimAt, materialize, scalarShape, unknownShape, type SymShape } from "../shapes.js";
import type { DType } from "../values.js";
import {
  arange,
  broadcastOf,
  broadcastTo,
  concatenate,
  dot,
  einsum,
  eye,
  flat,
  hstack,
  inner,
  intOf,
  linspace,
  meshgrid,
  literalShape,
  moveaxis,
  outer,
  pad,
  repeat,
  sameOrFlat,
  split,
  stack,
  take,
  takeAlongAxis,
  tensordot,
  tile,
  vstack,
  itemsOf,
} from "./layout.js";
import {
  boolean,
  createdDtype,
  expandDims,
  float,
  int,
  knownOf,
  matmul,
  numeric,
  promoteAll,
  reduce,
  reshape,
  shapeOf,
  sizeExpr,
  sizesOf,
  squeeze,
  swapaxes,
  transpose,
  unary,
  type OpArgs,
  type OpSpec,
} from "./rules.js";

const same = (p: string) => (a: OpArgs) => shapeOf(a.get(p));
const dtypeOfArg = (p: string) => (a: OpArgs) => promoteAll(a.get(p));
/** The promoted dtype of array arguments (a sequence argument's items count one by one). */
const promoted =
  (...params: string[]) =>
  (a: OpArgs): DType =>
    promoteAll(...params.flatMap((p) => { const v = a.get(p); return v?.kind === "arrays" ? [v.item] : itemsOf(v) && v?.kind !== "array" ? itemsOf(v)! : [v]; }));

/** x op y with broadcasting. */
function binaryOp(rt: string, dtype: (d: DType) => DType = (d) => d): OpSpec {
  return { rt, sig: "x: A, y: A, *, out!, where!", shape: broadcastOf("x", "y"), dtype: (a) => dtype(promoteAll(a.get("x"), a.get("y"))) };
}
const comparison = (rt: string): OpSpec => binaryOp(rt, () => "bool");

/** A reduction with JAX's `_reduction` parameters. */
function reduction(rt: string, sig: string, dtype: (a: OpArgs) => DType): OpSpec {
  return { rt, sig, shape: reduce("a"), dtype: createdDtype(dtype) };
}
const SUM_SIG = "a: A, axis=null, dtype?: D, out!, keepdims?, initial?: A, where?: A, promote_integers!=True";
const MAX_SIG = "a: A, axis=null, out!, keepdims?, initial?: A, where?: A";
const STAT_SIG = "a: A, axis=null, dtype?: D, out!, keepdims?, *, where?: A";
const VAR_SIG = "a: A, axis=null, dtype?: D, out!, ddof?, keepdims?, *, where?: A, mean!, correction?";
const BOOL_SIG = "a: A, axis=null, out!, keepdims?, *, where?: A";
const ARG_SIG = "a: A, axis=null, out!, keepdims?";
const CREATE_SIG = "shape, dtype: D, *, device!, out_sharding!";
const LIKE_SIG = "a: A, dtype: D, shape, *, device!, out_sharding!";

const likeShape = (a: OpArgs) => (a.get("shape") && knownOf(a.get("shape")) !== null ? created(a) : shapeOf(a.get("a") ?? a.get("prototype")));
const created = (a: OpArgs): SymShape => {
  const sizes = sizesOf(a.get("shape"));
  return sizes ? { rank: sizes.length, dims: sizes } : unknownShape;
};

export const JNP_OPS: Record<string, OpSpec> = {
  // --- creation ---------------------------------------------------------------
  "jax.numpy.zeros": { rt: "jnp.zeros", sig: CREATE_SIG, shape: created, dtype: createdDtype("float32") },
  "jax.numpy.ones": { rt: "jnp.ones", sig: CREATE_SIG, shape: created, dtype: createdDtype("float32") },
  "jax.numpy.empty": { rt: "jnp.empty", sig: CREATE_SIG, shape: created, dtype: createdDtype("float32") },
  "jax.numpy.full": { rt: "jnp.full", sig: "shape, fill_value: A, dtype: D, *, device!, out_sharding!", shape: created, dtype: createdDtype(dtypeOfArg("fill_value")) },
  "jax.numpy.zeros_like": { rt: "jnp.zerosLike", sig: LIKE_SIG, shape: likeShape, dtype: createdDtype(dtypeOfArg("a")) },
  "jax.numpy.ones_like": { rt: "jnp.onesLike", sig: LIKE_SIG, shape: likeShape, dtype: createdDtype(dtypeOfArg("a")) },
  "jax.numpy.empty_like": { rt: "jnp.emptyLike", sig: "prototype: A, dtype: D, shape, *, device!", shape: likeShape, dtype: createdDtype(dtypeOfArg("prototype")) },
  "jax.numpy.full_like": { rt: "jnp.fullLike", sig: "a: A, fill_value: A, dtype: D, shape, *, device!, out_sharding!", shape: likeShape, dtype: createdDtype(dtypeOfArg("a")) },
  "jax.numpy.arange": {
    rt: "jnp.arange",
    sig: "start: A, stop=null: A, step=null: A, dtype=null: D, *, device!, out_sharding!",
    shape: arange,
    dtype: createdDtype(promoted("start", "stop", "step")),
  },
  "jax.numpy.linspace": { rt: "jnp.linspace", sig: "start: A, stop: A, num, endpoint?, retstep!=False, dtype?: D, axis?, *, device!", shape: linspace, dtype: createdDtype("float32"), inexact: true },
  "jax.numpy.eye": { rt: "jnp.eye", sig: "N, M=null, k, dtype: D, *, device!", shape: eye, dtype: createdDtype("float32") },
  "jax.numpy.identity": { rt: "jnp.identity", sig: "n, dtype: D", shape: (a) => ({ rank: 2, dims: [sizeExpr(a.get("n")), sizeExpr(a.get("n"))] }), dtype: createdDtype("float32") },
  "jax.numpy.tri": { rt: "jnp.tri", sig: "N, M=null, k, dtype: D", shape: eye, dtype: createdDtype("float32") },
  "jax.numpy.tril": { rt: "jnp.tril", sig: "m: A, k", shape: same("m"), dtype: dtypeOfArg("m") },
  "jax.numpy.triu": { rt: "jnp.triu", sig: "m: A, k", shape: same("m"), dtype: dtypeOfArg("m") },
  "jax.numpy.array": { rt: "jnp.array", sig: "object: Ns, dtype: D, *, copy~, order!='K', ndmin!=0, device!, out_sharding!", shape: (a) => literalShape(a.get("object")), dtype: createdDtype(promoted("object")) },
  "jax.numpy.asarray": { rt: "jnp.asarray", sig: "a: Ns, dtype: D, order!, *, copy~, device!, out_sharding!", shape: (a) => literalShape(a.get("a")), dtype: createdDtype(promoted("a")) },

  // --- shapes -------------------------------------------------------------------
  "jax.numpy.reshape": {
    rt: "jnp.reshape",
    sig: "a: A, shape, order!='C', *, copy~, out_sharding!",
    shape: (a) => reshape(shapeOf(a.get("a")), sizesOf(a.get("shape"))),
    dtype: dtypeOfArg("a"),
  },
  "jax.numpy.ravel": { rt: "jnp.ravel", sig: "a: A, order!='C', *, out_sharding!", shape: (a) => flat(a), dtype: dtypeOfArg("a") },
  "jax.numpy.transpose": { rt: "jnp.transpose", sig: "a: A, axes=null", shape: transpose, dtype: dtypeOfArg("a") },
  "jax.numpy.permute_dims": { rt: "jnp.transpose", sig: "a: A, axes", shape: transpose, dtype: dtypeOfArg("a") },
  "jax.numpy.matrix_transpose": {
    rt: "jnp.matrixTranspose",
    sig: "x: A",
    shape: (a) => swapaxes({ get: (n) => (n === "a" ? a.get("x") : n === "axis1" ? lit(-1) : n === "axis2" ? lit(-2) : undefined), rest: [] }),
    dtype: dtypeOfArg("x"),
  },
  "jax.numpy.swapaxes": { rt: "jnp.swapaxes", sig: "a: A, axis1, axis2", shape: swapaxes, dtype: dtypeOfArg("a") },
  "jax.numpy.moveaxis": { rt: "jnp.moveaxis", sig: "a: A, source, destination", shape: moveaxis, dtype: dtypeOfArg("a") },
  "jax.numpy.expand_dims": { rt: "jnp.expandDims", sig: "a: A, axis", shape: expandDims, dtype: dtypeOfArg("a") },
  "jax.numpy.squeeze": { rt: "jnp.squeeze", sig: "a: A, axis=null", shape: squeeze, dtype: dtypeOfArg("a") },
  "jax.numpy.broadcast_to": { rt: "jnp.broadcastTo", sig: "array: A, shape, *, out_sharding!", shape: broadcastTo, dtype: dtypeOfArg("array") },
  "jax.numpy.concatenate": { rt: "jnp.concatenate", sig: "arrays: As, axis, dtype: D", shape: (a) => concatenate(a), dtype: createdDtype(promoted("arrays")) },
  "jax.numpy.concat": { rt: "jnp.concat", sig: "arrays: As, *, axis", shape: (a) => concatenate(a), dtype: promoted("arrays") },
  "jax.numpy.stack": { rt: "jnp.stack", sig: "arrays: As, axis, out!, dtype: D", shape: stack, dtype: createdDtype(promoted("arrays")) },
  "jax.numpy.hstack": { rt: "jnp.hstack", sig: "tup: As, dtype: D", shape: hstack, dtype: createdDtype(promoted("tup")) },
  "jax.numpy.vstack": { rt: "jnp.vstack", sig: "tup: As, dtype: D", shape: vstack, dtype: createdDtype(promoted("tup")) },
  "jax.numpy.meshgrid": { rt: "jnp.meshgrid", sig: "*xi: A, copy!=True, sparse?, indexing?", shape: meshgrid, dtype: (a) => promoteAll(...a.rest), list: true, check: (a) => (a.get("indexing") && !["xy", "ij"].includes(knownOf(a.get("indexing")) as string) ? "an indexing other than a fixed 'xy' or 'ij'" : undefined) },
  "jax.numpy.split": { rt: "jnp.split", sig: "ary: A, indices_or_sections, axis", shape: split, dtype: dtypeOfArg("ary"), list: true, check: splitCheck },
  "jax.numpy.array_split": { rt: "jnp.arraySplit", sig: "ary: A, indices_or_sections, axis", shape: split, dtype: dtypeOfArg("ary"), list: true, check: splitCheck },
  "jax.numpy.tile": { rt: "jnp.tile", sig: "A: A, reps", shape: tile, dtype: dtypeOfArg("A") },
  "jax.numpy.repeat": { rt: "jnp.repeat", sig: "a: A, repeats, axis=null, *, total_repeat_length?, out_sharding!", shape: repeat, dtype: dtypeOfArg("a") },
  "jax.numpy.pad": {
    rt: "jnp.pad",
    sig: "array: A, pad_width, mode, *, constant_values?, end_values!, reflect_type!, stat_length!",
    shape: pad,
    dtype: dtypeOfArg("array"),
    check: (a) => {
      const mode = a.get("mode");
      if (!mode) return undefined;
      const k = knownOf(mode);
      return typeof k === "string" && ["constant", "edge", "reflect", "symmetric", "wrap"].includes(k) ? undefined : `mode=${JSON.stringify(k ?? "...")} (the runtime pads with "constant", "edge", "reflect", "symmetric" or "wrap")`;
    },
  },
  "jax.numpy.flip": { rt: "jnp.flip", sig: "m: A, axis=null", shape: same("m"), dtype: dtypeOfArg("m") },
  "jax.numpy.fliplr": { rt: "jnp.fliplr", sig: "m: A", shape: same("m"), dtype: dtypeOfArg("m") },
  "jax.numpy.flipud": { rt: "jnp.flipud", sig: "m: A", shape: same("m"), dtype: dtypeOfArg("m") },
  "jax.numpy.roll": { rt: "jnp.roll", sig: "a: A, shift, axis=null", shape: same("a"), dtype: dtypeOfArg("a") },
  "jax.numpy.astype": { rt: "jnp.astype", sig: "x: A, dtype: D, *, copy~, device!", shape: same("x"), dtype: createdDtype("unknown") },
  "jax.numpy.atleast_1d": { rt: "jnp.atleast1d", sig: "a: A", shape: (a) => atLeast(shapeOf(a.get("a")), 1), dtype: dtypeOfArg("a") },
  "jax.numpy.atleast_2d": { rt: "jnp.atleast2d", sig: "a: A", shape: (a) => atLeast(shapeOf(a.get("a")), 2), dtype: dtypeOfArg("a") },

  // --- indexing and selection -----------------------------------------------------
  "jax.numpy.take": {
    rt: "jnp.take",
    sig: "a: A, indices, axis=null, out!, mode?, unique_indices~, indices_are_sorted~, fill_value?: A",
    shape: take,
    dtype: dtypeOfArg("a"),
  },
  "jax.numpy.take_along_axis": {
    rt: "jnp.takeAlongAxis",
    sig: "arr: A, indices: A, axis=null, mode?, fill_value?: A, *, wrap_negative_indices!=True",
    shape: takeAlongAxis,
    dtype: dtypeOfArg("arr"),
  },
  "jax.numpy.where": {
    rt: "jnp.where",
    sig: "condition: A, x=null: A, y=null: A, *, size!, fill_value!",
    shape: broadcastOf("condition", "x", "y"),
    dtype: (a) => promoteAll(a.get("x"), a.get("y")),
    check: (a) => (a.get("x") && a.get("y") ? undefined : "the one-argument form (its result's size depends on the values; write jnp.where(condition, x, y))"),
  },
  "jax.numpy.select": {
    rt: "jnp.select",
    sig: "condlist: As, choicelist: As, default=0: A",
    shape: (a) => [...(itemsOf(a.get("condlist")) ?? []), ...(itemsOf(a.get("choicelist")) ?? []), a.get("default")].filter((v) => v).map(shapeOf).reduce((x, y) => broadcast(x, y), scalarShape),
    dtype: (a) => promoteAll(...(itemsOf(a.get("choicelist")) ?? []), a.get("default") ?? lit(0)),
  },
  "jax.numpy.clip": { rt: "jnp.clip", sig: "arr: A, min=null: A, max=null: A", shape: broadcastOf("arr", "min", "max"), dtype: promoted("arr", "min", "max") },

  // --- reductions -------------------------------------------------------------------
  "jax.numpy.sum": reduction("jnp.sum", SUM_SIG, (a) => numeric(promoteAll(a.get("a")))),
  "jax.numpy.prod": reduction("jnp.prod", SUM_SIG, (a) => numeric(promoteAll(a.get("a")))),
  "jax.numpy.max": reduction("jnp.max", MAX_SIG, dtypeOfArg("a")),
  "jax.numpy.min": reduction("jnp.min", MAX_SIG, dtypeOfArg("a")),
  "jax.numpy.amax": reduction("jnp.max", MAX_SIG, dtypeOfArg("a")),
  "jax.numpy.amin": reduction("jnp.min", MAX_SIG, dtypeOfArg("a")),
  "jax.numpy.mean": reduction("jnp.mean", STAT_SIG, float),
  "jax.numpy.var": reduction("jnp.var", VAR_SIG, float),
  "jax.numpy.std": reduction("jnp.std", VAR_SIG, float),
  "jax.numpy.all": reduction("jnp.all", BOOL_SIG, boolean),
  "jax.numpy.any": reduction("jnp.any", BOOL_SIG, boolean),
  "jax.numpy.argmax": { rt: "jnp.argmax", sig: ARG_SIG, shape: reduce("a"), dtype: int },
  "jax.numpy.argmin": { rt: "jnp.argmin", sig: ARG_SIG, shape: reduce("a"), dtype: int },
  "jax.numpy.cumsum": { rt: "jnp.cumsum", sig: "a: A, axis=null, dtype: D, out!", shape: sameOrFlat("a", true), dtype: createdDtype((a) => numeric(promoteAll(a.get("a")))) },
  "jax.numpy.cumprod": { rt: "jnp.cumprod", sig: "a: A, axis=null, dtype: D, out!", shape: sameOrFlat("a", true), dtype: createdDtype((a) => numeric(promoteAll(a.get("a")))) },
  "jax.numpy.ptp": { rt: "jnp.ptp", sig: "a: A, axis=null, out!, keepdims?", shape: reduce("a"), dtype: dtypeOfArg("a") },
  "jax.numpy.count_nonzero": { rt: "jnp.countNonzero", sig: "a: A, axis=null, keepdims?", shape: reduce("a"), dtype: int },
  "jax.numpy.median": { rt: "jnp.median", sig: "a: A, axis=null, out!, overwrite_input~, keepdims?", shape: reduce("a"), dtype: float },
  "jax.numpy.nansum": reduction("jnp.nansum", "a: A, axis=null, dtype?: D, out!, keepdims?, initial?: A, where?: A", (a) => numeric(promoteAll(a.get("a")))),
  "jax.numpy.nanmax": reduction("jnp.nanmax", MAX_SIG, dtypeOfArg("a")),
  "jax.numpy.nanmin": reduction("jnp.nanmin", MAX_SIG, dtypeOfArg("a")),
  "jax.numpy.nanmean": reduction("jnp.nanmean", "a: A, axis=null, dtype?: D, out!, keepdims?, where?: A", float),
  "jax.scipy.special.logsumexp": { rt: "jnp.logsumexp", sig: "a: A, axis=null, b?: A, keepdims?, return_sign!=False, where?: A", shape: reduce("a"), dtype: float },
  "jax.nn.logsumexp": { rt: "jnp.logsumexp", sig: "a: A, axis=null, b?: A, keepdims?, return_sign!=False, where?: A", shape: reduce("a"), dtype: float },
  "jax.numpy.linalg.norm": { rt: "jnp.linalg.norm", sig: "x: A, ord=null, axis=null, keepdims", shape: (a) => reduce("x")(a), dtype: float },
  "jax.numpy.sort": { rt: "jnp.sort", sig: "a: A, axis, *, kind!, order!, stable!=True, descending?", shape: sameOrFlat("a", false), dtype: dtypeOfArg("a") },
  "jax.numpy.argsort": { rt: "jnp.argsort", sig: "a: A, axis, *, kind!, order!, stable!=True, descending?, dtype!", shape: sameOrFlat("a", false), dtype: int },

  // --- products -----------------------------------------------------------------------
  "jax.numpy.einsum": {
    rt: "jnp.einsum",
    sig: "subscripts, *operands: A, *, out!, optimize~, precision~, preferred_element_type!, out_sharding!",
    shape: einsum,
    dtype: (a) => promoteAll(...a.rest),
    check: (a) => (typeof knownOf(a.get("subscripts")) === "string" ? undefined : "subscripts that are not a fixed string"),
  },
  "jax.numpy.matmul": { rt: "jnp.matmul", sig: "a: A, b: A, *, precision~, preferred_element_type!, out_sharding!", shape: matmul, dtype: promoted("a", "b") },
  "jax.numpy.dot": { rt: "jnp.dot", sig: "a: A, b: A, *, precision~, preferred_element_type!, out_sharding!", shape: dot, dtype: promoted("a", "b") },
  "jax.numpy.vdot": { rt: "jnp.vdot", sig: "a: A, b: A, *, precision~, preferred_element_type!", shape: () => scalarShape, dtype: promoted("a", "b") },
  "jax.numpy.inner": { rt: "jnp.inner", sig: "a: A, b: A, *, precision~, preferred_element_type!", shape: inner, dtype: promoted("a", "b") },
  "jax.numpy.outer": { rt: "jnp.outer", sig: "a: A, b: A, out!", shape: outer, dtype: promoted("a", "b") },
  "jax.numpy.tensordot": { rt: "jnp.tensordot", sig: "a: A, b: A, axes, *, precision~, preferred_element_type!, out_sharding!", shape: tensordot, dtype: promoted("a", "b") },

  // --- elementwise: one array ---------------------------------------------------------
  "jax.numpy.exp": unary("jnp.exp"),
  "jax.numpy.exp2": unary("jnp.exp2"),
  "jax.numpy.expm1": unary("jnp.expm1"),
  "jax.numpy.log": unary("jnp.log"),
  "jax.numpy.log1p": unary("jnp.log1p"),
  "jax.numpy.log2": unary("jnp.log2"),
  "jax.numpy.log10": unary("jnp.log10"),
  "jax.numpy.sqrt": unary("jnp.sqrt"),
  "jax.numpy.cbrt": unary("jnp.cbrt"),
  "jax.numpy.reciprocal": unary("jnp.reciprocal"),
  "jax.numpy.sin": unary("jnp.sin"),
  "jax.numpy.cos": unary("jnp.cos"),
  "jax.numpy.tan": unary("jnp.tan"),
  "jax.numpy.arcsin": unary("jnp.arcsin"),
  "jax.numpy.arccos": unary("jnp.arccos"),
  "jax.numpy.arctan": unary("jnp.arctan"),
  "jax.numpy.sinh": unary("jnp.sinh"),
  "jax.numpy.cosh": unary("jnp.cosh"),
  "jax.numpy.tanh": unary("jnp.tanh"),
  "jax.numpy.arcsinh": unary("jnp.arcsinh"),
  "jax.numpy.arccosh": unary("jnp.arccosh"),
  "jax.numpy.arctanh": unary("jnp.arctanh"),
  "jax.numpy.deg2rad": unary("jnp.deg2rad"),
  "jax.numpy.rad2deg": unary("jnp.rad2deg"),
  "jax.numpy.rint": unary("jnp.rint"),
  "jax.numpy.fabs": unary("jnp.fabs"),
  "jax.numpy.abs": unary("jnp.abs", true),
  "jax.numpy.absolute": unary("jnp.abs", true),
  "jax.numpy.sign": unary("jnp.sign", true),
  "jax.numpy.square": unary("jnp.square", true),
  "jax.numpy.negative": { ...unary("jnp.negative", true), sig: "x: A, *, out!, where!" },
  "jax.numpy.positive": { ...unary("jnp.positive", true), sig: "x: A, *, out!, where!" },
  "jax.numpy.floor": unary("jnp.floor", true),
  "jax.numpy.ceil": unary("jnp.ceil", true),
  "jax.numpy.trunc": unary("jnp.trunc", true),
  "jax.numpy.fix": unary("jnp.trunc", true),
  "jax.numpy.round": { rt: "jnp.round", sig: "a: A, decimals, out!", shape: same("a"), dtype: dtypeOfArg("a") },
  "jax.numpy.around": { rt: "jnp.round", sig: "a: A, decimals, out!", shape: same("a"), dtype: dtypeOfArg("a") },
  "jax.numpy.isnan": { ...unary("jnp.isnan"), dtype: boolean },
  "jax.numpy.isinf": { ...unary("jnp.isinf"), dtype: boolean },
  "jax.numpy.isfinite": { ...unary("jnp.isfinite"), dtype: boolean },
  "jax.numpy.signbit": { ...unary("jnp.signbit"), dtype: boolean },
  "jax.numpy.logical_not": { ...unary("jnp.logicalNot"), sig: "x: A, *, out!, where!", dtype: boolean },
  "jax.numpy.invert": { ...unary("jnp.bitwiseNot", true), sig: "x: A, *, out!, where!" },
  "jax.numpy.bitwise_not": { ...unary("jnp.bitwiseNot", true), sig: "x: A, *, out!, where!" },
  "jax.numpy.bitwise_invert": { ...unary("jnp.bitwiseNot", true), sig: "x: A, *, out!, where!" },
  "jax.numpy.nan_to_num": { rt: "jnp.nanToNum", sig: "x: A, copy~, nan?: F, posinf?: F, neginf?: F", shape: same("x"), dtype: dtypeOfArg("x") },

  // --- elementwise: two arrays ----------------------------------------------------------
  "jax.numpy.add": binaryOp("jnp.add"),
  "jax.numpy.subtract": binaryOp("jnp.subtract"),
  "jax.numpy.multiply": binaryOp("jnp.multiply"),
  "jax.numpy.divide": { ...binaryOp("jnp.divide", () => "float32"), inexact: true },
  "jax.numpy.true_divide": { ...binaryOp("jnp.divide", () => "float32"), inexact: true },
  "jax.numpy.floor_divide": binaryOp("jnp.floorDivide", numeric),
  "jax.numpy.mod": binaryOp("jnp.remainder", numeric),
  "jax.numpy.remainder": binaryOp("jnp.remainder", numeric),
  "jax.numpy.fmod": binaryOp("jnp.fmod", numeric),
  "jax.numpy.power": { ...binaryOp("jnp.power", numeric), sig: "x1: A, x2: A", shape: broadcastOf("x1", "x2"), dtype: (a) => numeric(promoteAll(a.get("x1"), a.get("x2"))), exactFloats: true },
  "jax.numpy.pow": { ...binaryOp("jnp.power", numeric), sig: "x1: A, x2: A", shape: broadcastOf("x1", "x2"), dtype: (a) => numeric(promoteAll(a.get("x1"), a.get("x2"))), exactFloats: true },
  "jax.numpy.float_power": { ...binaryOp("jnp.floatPower", () => "float32"), inexact: true },
  "jax.numpy.maximum": binaryOp("jnp.maximum"),
  "jax.numpy.minimum": binaryOp("jnp.minimum"),
  "jax.numpy.fmax": binaryOp("jnp.fmax"),
  "jax.numpy.fmin": binaryOp("jnp.fmin"),
  "jax.numpy.arctan2": { ...binaryOp("jnp.arctan2", () => "float32"), inexact: true },
  "jax.numpy.atan2": { ...binaryOp("jnp.arctan2", () => "float32"), inexact: true },
  "jax.numpy.copysign": { ...binaryOp("jnp.copysign", () => "float32"), inexact: true },
  "jax.numpy.logaddexp": { ...binaryOp("jnp.logaddexp", () => "float32"), inexact: true },
  "jax.numpy.equal": comparison("jnp.equal"),
  "jax.numpy.not_equal": comparison("jnp.notEqual"),
  "jax.numpy.less": comparison("jnp.less"),
  "jax.numpy.less_equal": comparison("jnp.lessEqual"),
  "jax.numpy.greater": comparison("jnp.greater"),
  "jax.numpy.greater_equal": comparison("jnp.greaterEqual"),
  "jax.numpy.logical_and": comparison("jnp.logicalAnd"),
  "jax.numpy.logical_or": comparison("jnp.logicalOr"),
  "jax.numpy.logical_xor": comparison("jnp.logicalXor"),
  "jax.numpy.bitwise_and": binaryOp("jnp.bitwiseAnd"),
  "jax.numpy.bitwise_or": binaryOp("jnp.bitwiseOr"),
  "jax.numpy.bitwise_xor": binaryOp("jnp.bitwiseXor"),
  "jax.numpy.left_shift": binaryOp("jnp.leftShift", numeric),
  "jax.numpy.right_shift": binaryOp("jnp.rightShift", numeric),
  "jax.numpy.isclose": { rt: "jnp.isclose", sig: "a: A, b: A, rtol?: F, atol?: F, equal_nan?", shape: broadcastOf("a", "b"), dtype: boolean },
  "jax.numpy.allclose": { rt: "jnp.allclose", sig: "a: A, b: A, rtol?: F, atol?: F, equal_nan?", shape: () => scalarShape, dtype: boolean },
};

function splitCheck(a: OpArgs): string | undefined {
  const how = a.get("indices_or_sections");
  if (intOf(how) !== undefined) return undefined;
  if (how?.kind !== "array" && sizesOf(how)) return undefined;
  return "a number of pieces the translator cannot see (give a fixed int or a tuple of fixed split points)";
}

function atLeast(s: SymShape, n: number): SymShape {
  if (s.rank === undefined || s.rank >= n) return s;
  const dims = materialize(s);
  if (n === 2) return { rank: 2, dims: s.rank === 0 ? [num(1), num(1)] : [num(1), dimAt(s, 0)] };
  return { rank: 1, dims: dims.length ? dims : [num(1)] };
}

/** A fixed int as an argument value (for rules that reuse others). */
function lit(k: number): import("../values.js").StaticV {
  return { kind: "static", type: { t: "int" }, known: k, ctor: num(k), call: num(k) };
}

