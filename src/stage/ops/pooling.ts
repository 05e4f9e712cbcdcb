// Pooling functions (flax.linen's avg_pool/max_pool/min_pool, Haiku's
// hk.avg_pool/max_pool) as the runtime's, with the output sizes lax's
// reduce_window gives: what lets a Dense after a pool and a flatten be sized.
import { num } from "../../ts/ast.js";
import { addDims, ceilDivDims, dimAt, floorDivDims, materialize, subDims, unknownShape, type Dim, type SymShape } from "../shapes.js";
import type { Value } from "../values.js";
import { itemsOf } from "./layout.js";
import { knownOf, promoteAll, shapeOf, sizeExpr, sizesOf, type OpArgs, type OpSpec } from "./rules.js";

/** One window axis's output size for a padding. */
function pooled(d: Dim, w: Dim, s: Dim, padding: Value | undefined, pair?: [Dim, Dim]): Dim {
  if (pair) return addDims(floorDivDims(subDims(addDims(addDims(d, pair[0]), pair[1]), w), s), num(1));
  const p = padding ? knownOf(padding) : "VALID";
  if (p === "SAME" || p === "SAME_LOWER") return ceilDivDims(d, s);
  if (p === "VALID") return addDims(floorDivDims(subDims(d, w), s), num(1));
  return undefined;
}

/** flax.linen pooling: the window axes are the ones before the features axis. */
function linenPool(a: OpArgs): SymShape {
  const s = shapeOf(a.get("inputs"));
  const window = sizesOf(a.get("window_shape"));
  if (!window) return unknownShape;
  const stridesV = a.get("strides");
  const strides = stridesV && knownOf(stridesV) !== null ? sizesOf(stridesV) : window.map(() => num(1));
  const padding = a.get("padding");
  const pairs = padding && itemsOf(padding)?.map((p) => sizesOf(p) as [Dim, Dim] | undefined);
  const n = window.length;
  const out = window.map((w, i) => pooled(dimAt(s, i - n - 1), w, strides?.[i], padding, pairs?.[i]));
  if (s.rank === undefined) return { dims: [...out, dimAt(s, -1)], input: s.input };
  const dims = materialize(s);
  dims.splice(s.rank - n - 1, n, ...out);
  return { rank: s.rank, dims };
}

/** Haiku pooling: window and strides over every axis (an int: every axis but the batch and channel ones). */
/** The input's rank: known, or (Haiku code's usual full-rank window) the window tuple's length. */
function haikuPoolRank(a: OpArgs): number | undefined {
  const s = shapeOf(a.get("value"));
  if (s.rank !== undefined) return s.rank;
  const window = knownOf(a.get("window_shape"));
  return Array.isArray(window) ? window.length : undefined;
}

function haikuPool(a: OpArgs): SymShape {
  const s = shapeOf(a.get("value"));
  const rank = haikuPoolRank(a);
  if (rank === undefined) return unknownShape;
  const channelV = a.get("channel_axis");
  const channel = channelV ? knownOf(channelV) : -1;
  const full = (v: Value | undefined): Dim[] | undefined => {
    if (v?.kind === "static" && v.type.t === "int") {
      const c = typeof channel === "number" ? (channel < 0 ? channel + rank : channel) : undefined;
      return Array.from({ length: rank }, (_, i) => (i === 0 || i === c ? num(1) : sizeExpr(v)));
    }
    const sizes = sizesOf(v);
    if (!sizes) return undefined;
    return sizes.length < rank ? [...Array(rank - sizes.length).fill(num(1)), ...sizes] : sizes;
  };
  const window = full(a.get("window_shape"));
  const strides = full(a.get("strides"));
  if (!window || !strides) return unknownShape;
  const input = s.rank !== undefined ? materialize(s) : Array.from({ length: rank }, (_, i) => dimAt(s, i - rank));
  return { rank, dims: input.map((d, i) => pooled(d, window[i], strides[i], a.get("padding"))) };
}

/** Haiku code passes a full-rank window: an input of unknown rank is taken to have the window's, and checked. */
const assumeHaikuRank = (a: OpArgs) => {
  const rank = haikuPoolRank(a);
  return shapeOf(a.get("value")).rank === undefined && rank !== undefined ? { param: "value", rank, why: "the pooling window's length" } : undefined;
};

const dtype = (p: string) => (a: OpArgs) => promoteAll(a.get(p));

export const POOLING_OPS: Record<string, OpSpec> = {
  "flax.linen.avg_pool": { rt: "nnx.avgPool", sig: "inputs: A, window_shape, strides?, padding?, count_include_pad?", shape: linenPool, dtype: dtype("inputs") },
  "flax.linen.max_pool": { rt: "nnx.maxPool", sig: "inputs: A, window_shape, strides?, padding?", shape: linenPool, dtype: dtype("inputs") },
  "flax.linen.min_pool": { rt: "nnx.minPool", sig: "inputs: A, window_shape, strides?, padding?", shape: linenPool, dtype: dtype("inputs") },
  // nn.pool with a reduce function (lax.add / lax.max / lax.min) and its init value.
  "flax.linen.pool": { rt: "nnx.pool", sig: "inputs: A, init: F, reduce_fn, window_shape, strides=null, padding", shape: linenPool, dtype: dtype("inputs") },
  "haiku.avg_pool": { rt: "hk.avgPool", sig: "value: A, window_shape, strides, padding, channel_axis=-1", assumeRank: assumeHaikuRank, shape: haikuPool, dtype: dtype("value") },
  "haiku.max_pool": { rt: "hk.maxPool", sig: "value: A, window_shape, strides, padding, channel_axis=-1", assumeRank: assumeHaikuRank, shape: haikuPool, dtype: dtype("value") },
};
// The same functions under their modules' other names.
for (const k of Object.keys(POOLING_OPS).filter((k) => k.startsWith("flax.linen."))) {
  POOLING_OPS[k.replace("flax.linen.", "flax.linen.pooling.")] = POOLING_OPS[k];
  POOLING_OPS[k.replace("flax.linen.", "flax.nnx.")] = POOLING_OPS[k];
}
