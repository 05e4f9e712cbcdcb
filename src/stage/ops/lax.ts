// jax.lax as runtime calls (runtime/lax.ts): the elementwise primitives,
// slicing, broadcasting and dot_general that model code calls directly.
import { num } from "../../ts/ast.js";
import { materialize, unknownShape, type SymShape } from "../shapes.js";
import { broadcastOf, concatenate, dotGeneral, laxSlice, resizedAxis, sliceInDim } from "./layout.js";
import { itemsOf } from "./layout.js";
import { addDims, ceilDivDims, floorDivDims, mulDims, subDims, type Dim } from "../shapes.js";
import { knownOf, axesOf, boolean, createdDtype, float, promoteAll, reshape, shapeOf, sizeExpr, sizesOf, unary, type OpArgs, type OpSpec } from "./rules.js";

const same = (p: string) => (a: OpArgs) => shapeOf(a.get(p));
const dtypeOfArg = (p: string) => (a: OpArgs) => promoteAll(a.get(p));

function binary(rt: string, dtype?: (a: OpArgs) => ReturnType<typeof promoteAll>): OpSpec {
  return { rt, sig: "x: A, y: A", shape: broadcastOf("x", "y"), dtype: dtype ?? ((a) => promoteAll(a.get("x"), a.get("y"))) };
}
/** A lax float function (`accuracy` is XLA's choice of kernel; the runtime has one). */
const inexact = (rt: string): OpSpec => ({ ...unary(rt), sig: "x: A, *, accuracy~" });

/** lax.expand_dims / squeeze: dimensions inserted or removed. */
function withDimensions(insert: boolean) {
  return (a: OpArgs): SymShape => {
    const s = shapeOf(a.get("array"));
    const dims = axesOf(a.get("dimensions"));
    if (s.rank === undefined || !dims) return unknownShape;
    if (insert) {
      const rank = s.rank + dims.length;
      const out = materialize(s);
      for (const d of dims.map((x) => (x < 0 ? x + rank : x)).sort((x, y) => x - y)) out.splice(d, 0, num(1));
      return { rank, dims: out };
    }
    const drop = dims.map((x) => (x < 0 ? x + s.rank! : x));
    const out = materialize(s).filter((_, i) => !drop.includes(i));
    return { rank: out.length, dims: out };
  };
}

/** lax.conv_general_dilated's output shape (jax/_src/lax/convolution.py's conv_shape_tuple, in the out spec's layout). */
function convGeneralShape(a: OpArgs): SymShape {
  const lhs = shapeOf(a.get("lhs"));
  const rhs = shapeOf(a.get("rhs"));
  if (lhs.rank === undefined || rhs.rank === undefined) return unknownShape;
  const rank = lhs.rank;
  const n = rank - 2;
  const dn = a.get("dimension_numbers");
  const specs = dn && knownOf(dn) !== null ? (itemsOf(dn)?.map((v) => knownOf(v)) as unknown[] | undefined) : undefined;
  if (dn && knownOf(dn) !== null && (!specs || specs.length !== 3 || !specs.every((x) => typeof x === "string" && x.length === rank))) return unknownShape;
  const [ls, rs, os] = (specs as string[] | undefined) ?? [];
  const perm = (spec: string | undefined, pair: [string, string]) => {
    if (!spec) return Array.from({ length: rank }, (_, i) => i);
    const spatial = [...spec].map((_, i) => i).filter((i) => !pair.includes(spec[i]));
    if (pair[0] !== "O") spatial.sort((x, y) => rs!.indexOf(spec[x]) - rs!.indexOf(spec[y]));
    return [spec.indexOf(pair[0]), spec.indexOf(pair[1]), ...spatial];
  };
  const [lp, rp, op] = [perm(ls, ["N", "C"]), perm(rs, ["O", "I"]), perm(os, ["N", "C"])];
  const [ld, rd] = [materialize(lhs), materialize(rhs)];
  const ints = (name: string): number[] | undefined => {
    const v = a.get(name);
    if (!v || knownOf(v) === null) return Array(n).fill(1);
    const k = knownOf(v);
    return Array.isArray(k) && k.length === n && k.every((x) => typeof x === "number") ? (k as number[]) : undefined;
  };
  const [strides, lhsDil, rhsDil] = [ints("window_strides"), ints("lhs_dilation"), ints("rhs_dilation")];
  if (!strides || !lhsDil || !rhsDil) return unknownShape;
  const padding = a.get("padding");
  const mode = padding ? knownOf(padding) : undefined;
  const pairs = typeof mode === "string" ? undefined : (padding && itemsOf(padding))?.map((p) => knownOf(p));
  const spatial: Dim[] = [];
  for (let i = 0; i < n; i++) {
    const inDim = mulDims(subDims(ld[lp[i + 2]], num(1)), num(lhsDil[i]));
    const dilatedIn = addDims(inDim, num(1));
    const window = addDims(mulDims(subDims(rd[rp[i + 2]], num(1)), num(rhsDil[i])), num(1));
    const s = num(strides[i]);
    if (mode === "SAME" || mode === "SAME_LOWER") spatial.push(ceilDivDims(dilatedIn, s));
    else if (mode === "VALID") spatial.push(addDims(floorDivDims(subDims(dilatedIn, window), s), num(1)));
    else {
      const pair = pairs?.[i];
      if (!Array.isArray(pair) || pair.length !== 2 || !pair.every((x) => typeof x === "number")) return unknownShape;
      spatial.push(addDims(floorDivDims(subDims(addDims(dilatedIn, num((pair[0] as number) + (pair[1] as number))), window), s), num(1)));
    }
  }
  const canonical: Dim[] = [ld[lp[0]], rd[rp[0]], ...spatial];
  const dims: Dim[] = Array(rank);
  op.forEach((axis, j) => (dims[axis] = canonical[j]));
  return { rank, dims };
}

/** lax.reduce_window's output shape: each axis's window count for its padding. */
function reduceWindowShape(a: OpArgs): SymShape {
  const s = shapeOf(a.get("operand"));
  const window = sizesOf(a.get("window_dimensions"));
  const strides = sizesOf(a.get("window_strides"));
  if (s.rank === undefined || !window || !strides || window.length !== s.rank || strides.length !== s.rank) return unknownShape;
  const padding = a.get("padding");
  const mode = padding ? knownOf(padding) : undefined;
  const pairs = typeof mode === "string" ? undefined : (padding && itemsOf(padding))?.map((p) => knownOf(p));
  const dims: Dim[] = [];
  for (const [i, d] of materialize(s).entries()) {
    if (mode === "SAME" || mode === "SAME_LOWER") dims.push(ceilDivDims(d, strides[i]));
    else if (mode === "VALID") dims.push(addDims(floorDivDims(subDims(d, window[i]), strides[i]), num(1)));
    else {
      const pair = pairs?.[i];
      if (!Array.isArray(pair) || pair.length !== 2 || !pair.every((x) => typeof x === "number")) return unknownShape;
      dims.push(addDims(floorDivDims(subDims(addDims(d, num((pair[0] as number) + (pair[1] as number))), window[i]), strides[i]), num(1)));
    }
  }
  return { rank: s.rank, dims };
}

export const LAX_OPS: Record<string, OpSpec> = {
  "jax.lax.stop_gradient": unary("lax.stopGradient", true),
  "jax.lax.rsqrt": inexact("lax.rsqrt"),
  "jax.lax.sqrt": inexact("lax.sqrt"),
  "jax.lax.cbrt": inexact("lax.cbrt"),
  "jax.lax.exp": inexact("lax.exp"),
  "jax.lax.exp2": inexact("lax.exp2"),
  "jax.lax.expm1": inexact("lax.expm1"),
  "jax.lax.log": inexact("lax.log"),
  "jax.lax.log1p": inexact("lax.log1p"),
  "jax.lax.tanh": inexact("lax.tanh"),
  "jax.lax.logistic": inexact("lax.logistic"),
  "jax.lax.sin": inexact("lax.sin"),
  "jax.lax.cos": inexact("lax.cos"),
  "jax.lax.tan": inexact("lax.tan"),
  "jax.lax.erf": unary("lax.erf"),
  "jax.lax.erfc": unary("lax.erfc"),
  "jax.lax.erf_inv": unary("lax.erfInv"),
  "jax.lax.neg": unary("lax.neg", true),
  "jax.lax.abs": unary("lax.abs", true),
  "jax.lax.sign": unary("lax.sign", true),
  "jax.lax.floor": unary("lax.floor", true),
  "jax.lax.ceil": unary("lax.ceil", true),
  "jax.lax.square": unary("lax.square", true),
  "jax.lax.reciprocal": unary("lax.reciprocal"),
  "jax.lax.is_finite": { ...unary("lax.isFinite"), dtype: boolean },
  "jax.lax.round": { rt: "lax.round", sig: "x: A, rounding_method!=0", shape: same("x"), dtype: dtypeOfArg("x") },
  "jax.lax.integer_pow": { rt: "lax.integerPow", sig: "x: A, y", shape: same("x"), dtype: dtypeOfArg("x") },
  "jax.lax.add": binary("lax.add"),
  "jax.lax.sub": binary("lax.sub"),
  "jax.lax.mul": { ...binary("lax.mul"), sig: "x: A, y: A, *, out_dtype!" },
  "jax.lax.div": binary("lax.div"),
  "jax.lax.rem": binary("lax.rem"),
  "jax.lax.pow": binary("lax.pow"),
  "jax.lax.max": binary("lax.max"),
  "jax.lax.min": binary("lax.min"),
  "jax.lax.atan2": binary("lax.atan2", float),
  "jax.lax.eq": binary("lax.eq", boolean),
  "jax.lax.ne": binary("lax.ne", boolean),
  "jax.lax.lt": binary("lax.lt", boolean),
  "jax.lax.le": binary("lax.le", boolean),
  "jax.lax.gt": binary("lax.gt", boolean),
  "jax.lax.ge": binary("lax.ge", boolean),
  "jax.lax.select": { rt: "lax.select", sig: "pred: A, on_true: A, on_false: A", shape: broadcastOf("pred", "on_true", "on_false"), dtype: (a) => promoteAll(a.get("on_true"), a.get("on_false")) },
  "jax.lax.clamp": { rt: "lax.clamp", sig: "min: A, x: A, max: A", shape: broadcastOf("min", "x", "max"), dtype: dtypeOfArg("x") },
  "jax.lax.convert_element_type": { rt: "lax.convertElementType", sig: "operand: A, new_dtype: D", shape: same("operand"), dtype: createdDtype("unknown", "new_dtype") },
  "jax.lax.iota": { rt: "lax.iota", sig: "dtype: D, size", shape: (a) => ({ rank: 1, dims: [sizeExpr(a.get("size"))] }), dtype: createdDtype("unknown") },
  "jax.lax.broadcasted_iota": {
    rt: "lax.broadcastedIota",
    sig: "dtype: D, shape, dimension, *, out_sharding!",
    shape: (a) => {
      const sizes = sizesOf(a.get("shape"));
      return sizes ? { rank: sizes.length, dims: sizes } : unknownShape;
    },
    dtype: createdDtype("unknown"),
  },
  "jax.lax.broadcast": {
    rt: "lax.broadcast",
    sig: "operand: A, sizes, *, out_sharding!",
    shape: (a) => {
      const s = shapeOf(a.get("operand"));
      const sizes = sizesOf(a.get("sizes"));
      return sizes && s.rank !== undefined ? { rank: sizes.length + s.rank, dims: [...sizes, ...materialize(s)] } : unknownShape;
    },
    dtype: dtypeOfArg("operand"),
  },
  "jax.lax.broadcast_in_dim": {
    rt: "lax.broadcastInDim",
    sig: "operand: A, shape, broadcast_dimensions, *, out_sharding!",
    shape: (a) => {
      const sizes = sizesOf(a.get("shape"));
      return sizes ? { rank: sizes.length, dims: sizes } : unknownShape;
    },
    dtype: dtypeOfArg("operand"),
  },
  "jax.lax.reshape": { rt: "lax.reshape", sig: "operand: A, new_sizes, dimensions=null, *, out_sharding!", shape: (a) => reshape(shapeOf(a.get("operand")), sizesOf(a.get("new_sizes"))), dtype: dtypeOfArg("operand") },
  "jax.lax.transpose": {
    rt: "lax.transpose",
    sig: "operand: A, permutation",
    shape: (a) => {
      const s = shapeOf(a.get("operand"));
      const perm = axesOf(a.get("permutation"));
      if (s.rank === undefined || !perm) return unknownShape;
      const dims = materialize(s);
      return { rank: s.rank, dims: perm.map((i) => dims[i]) };
    },
    dtype: dtypeOfArg("operand"),
  },
  "jax.lax.expand_dims": { rt: "lax.expandDims", sig: "array: A, dimensions", shape: withDimensions(true), dtype: dtypeOfArg("array") },
  "jax.lax.squeeze": { rt: "lax.squeeze", sig: "array: A, dimensions", shape: withDimensions(false), dtype: dtypeOfArg("array") },
  "jax.lax.rev": { rt: "lax.rev", sig: "operand: A, dimensions", shape: same("operand"), dtype: dtypeOfArg("operand") },
  "jax.lax.concatenate": { rt: "lax.concatenate", sig: "operands: As, dimension", shape: (a) => concatenate(a, "operands", "dimension"), dtype: (a) => promoteAll(...((a.get("operands") as { items?: never[] } | undefined)?.items ?? [])) },
  "jax.lax.slice": { rt: "lax.slice", sig: "operand: A, start_indices, limit_indices, strides=null", shape: laxSlice, dtype: dtypeOfArg("operand") },
  "jax.lax.slice_in_dim": { rt: "lax.sliceInDim", sig: "operand: A, start_index=null, limit_index=null, stride, axis", shape: sliceInDim, dtype: dtypeOfArg("operand") },
  "jax.lax.dynamic_slice": {
    rt: "lax.dynamicSlice",
    sig: "operand: A, start_indices, slice_sizes, *, allow_negative_indices!=True",
    shape: (a) => {
      const sizes = sizesOf(a.get("slice_sizes"));
      return sizes ? { rank: sizes.length, dims: sizes } : unknownShape;
    },
    dtype: dtypeOfArg("operand"),
  },
  "jax.lax.dynamic_slice_in_dim": {
    rt: "lax.dynamicSliceInDim",
    sig: "operand: A, start_index: A, slice_size, axis, *, allow_negative_indices!=True",
    shape: resizedAxis("operand", (a) => sizeExpr(a.get("slice_size"))),
    dtype: dtypeOfArg("operand"),
  },
  "jax.lax.dynamic_index_in_dim": {
    rt: "lax.dynamicIndexInDim",
    sig: "operand: A, index: A, axis, keepdims, *, allow_negative_indices!=True",
    shape: (a) => {
      const keep = resizedAxis("operand", () => num(1))(a);
      const k = a.get("keepdims");
      if (!k || (k.kind === "static" && k.known === true)) return keep;
      const s = shapeOf(a.get("operand"));
      const axis = a.get("axis")?.kind === "static" ? (a.get("axis") as { known?: unknown }).known : 0;
      if (s.rank === undefined || typeof axis !== "number") return unknownShape;
      return { rank: s.rank - 1, dims: materialize(s).filter((_, i) => i !== (axis < 0 ? axis + s.rank! : axis)) };
    },
    dtype: dtypeOfArg("operand"),
  },
  "jax.lax.dynamic_update_slice": { rt: "lax.dynamicUpdateSlice", sig: "operand: A, update: A, start_indices, *, allow_negative_indices!=True", shape: same("operand"), dtype: dtypeOfArg("operand") },
  "jax.lax.dynamic_update_slice_in_dim": { rt: "lax.dynamicUpdateSliceInDim", sig: "operand: A, update: A, start_index: A, axis, *, allow_negative_indices!=True", shape: same("operand"), dtype: dtypeOfArg("operand") },
  "jax.lax.conv_general_dilated": {
    rt: "lax.convGeneralDilated",
    sig: "lhs: A, rhs: A, window_strides, padding, lhs_dilation?, rhs_dilation?, dimension_numbers?, feature_group_count?, batch_group_count!=1, precision~, preferred_element_type!, *, out_sharding!",
    shape: convGeneralShape,
    dtype: (a) => promoteAll(a.get("lhs"), a.get("rhs")),
  },
  "jax.lax.reduce_window": {
    rt: "lax.reduceWindow",
    sig: "operand: A, init_value: F, computation, window_dimensions, window_strides, padding, base_dilation!, window_dilation!",
    shape: reduceWindowShape,
    dtype: dtypeOfArg("operand"),
    check: (a) => {
      const op = knownOf(a.get("computation"));
      const init = knownOf(a.get("init_value"));
      const identity = op === "add" ? 0 : op === "max" ? -Infinity : op === "min" ? Infinity : undefined;
      return init === identity ? undefined : `lax.${String(op)} from ${String(init)} (JAX differentiates reduce_window only from the reduction's identity: 0, -inf or inf)`;
    },
  },
  "jax.lax.dot_general": {
    rt: "lax.dotGeneral",
    sig: "lhs: A, rhs: A, dimension_numbers, precision~, preferred_element_type!, *, out_sharding!",
    shape: dotGeneral,
    dtype: (a) => promoteAll(a.get("lhs"), a.get("rhs")),
  },
};

