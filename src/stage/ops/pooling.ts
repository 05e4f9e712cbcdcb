// Pooling functions: Linen's avg_pool / max_pool / min_pool / pool (windows
// over the axes before the features) and Haiku's max_pool / avg_pool
// (windows over every axis, channel_axis kept whole).
import { num } from "../../ts/ast.js";
import { dimAt, materialize, unknownShape, type Dim, type SymShape } from "../shapes.js";
import { spatialOutput, windowOutput } from "../layers/index.js";
import type { Known } from "../values.js";
import { binary, binaryDtype, knownOf, shapeOf, sizesOf, type OpArgs, type OpSpec } from "./rules.js";

/** Linen: window_shape over the n axes before the features; strides default to 1. */
function linenPool(a: OpArgs): SymShape {
  const x = shapeOf(a.get("inputs"));
  const window = sizesOf(a.get("window_shape"));
  if (!window) return unknownShape;
  const strides = sizesOf(a.get("strides")) ?? window.map(() => num(1));
  const padding = a.get("padding") ? knownOf(a.get("padding")) : "VALID";
  return (spatialOutput(x, window.length, (d, i) => windowOutput(d, window[i], strides[i], paddingOf(padding))) as { shape: SymShape }).shape;
}

/** "SAME" / "VALID", or explicit pairs (their sizes added to the axis). */
function paddingOf(p: Known | undefined): Known | undefined {
  return typeof p === "string" ? p.toUpperCase() : p;
}

/** Haiku pool._infer_shape: an int covers every axis but the batch and channel axes; a shorter sequence is left-padded with 1s. */
function haikuWindow(rank: number, v: Known | undefined, channelAxis: number | null): number[] | undefined {
  if (typeof v === "number") {
    const ca = channelAxis === null ? null : channelAxis < 0 ? rank + channelAxis : channelAxis;
    return [1, ...Array.from({ length: rank - 1 }, (_, i) => (i + 1 !== ca ? v : 1))];
  }
  if (Array.isArray(v) && v.every((x) => typeof x === "number")) {
    const s = v as number[];
    return s.length < rank ? [...Array(rank - s.length).fill(1), ...s] : s;
  }
  return undefined;
}

/** The input's rank: known, or (Haiku code's usual full-rank window) the window tuple's length. */
export function haikuPoolRank(x: SymShape, window: Known | undefined): number | undefined {
  if (x.rank !== undefined) return x.rank;
  return Array.isArray(window) ? window.length : undefined;
}

function haikuPool(a: OpArgs): SymShape {
  const x = shapeOf(a.get("value"));
  const rank = haikuPoolRank(x, knownOf(a.get("window_shape")));
  if (rank === undefined) return unknownShape;
  const ca = a.get("channel_axis") ? knownOf(a.get("channel_axis")) : -1;
  if (ca !== null && typeof ca !== "number") return unknownShape;
  const window = haikuWindow(rank, knownOf(a.get("window_shape")), ca);
  const strides = haikuWindow(rank, knownOf(a.get("strides")), ca);
  const padding = paddingOf(knownOf(a.get("padding")));
  if (!window || !strides) return unknownShape;
  const input = x.rank !== undefined ? materialize(x) : Array.from({ length: rank }, (_, i) => dimAt(x, i - rank));
  const dims = input.map((d, i): Dim => (window[i] === 1 && strides[i] === 1 ? d : windowOutput(d, num(window[i]), num(strides[i]), padding)));
  return { rank, dims };
}

const LINEN_POOL = (rt: string, extra: string[] = []): OpSpec => ({
  rt,
  params: ["inputs", "window_shape", "strides", "padding", ...extra],
  positional: 2,
  options: ["strides", "padding", ...extra],
  shape: linenPool,
  dtype: (a) => (a.get("inputs")?.kind === "array" ? (a.get("inputs") as { dtype: "float32" }).dtype : "float32"),
});

const HAIKU_POOL = (rt: string): OpSpec => ({
  rt,
  params: ["value", "window_shape", "strides", "padding", "channel_axis"],
  assumeRank: (a) => {
    const x = shapeOf(a.get("value"));
    const rank = haikuPoolRank(x, knownOf(a.get("window_shape")));
    return x.rank === undefined && rank !== undefined ? { param: "value", rank, why: "the pooling window's length" } : undefined;
  },
  shape: haikuPool,
  dtype: () => "float32",
});

/** The reductions nn.pool takes as its reduce_fn (also callable as functions). */
const REDUCERS: Record<string, OpSpec> = Object.fromEntries(
  ["add", "max", "min"].map((f) => [`jax.lax.${f}`, { rt: `lax.${f}`, params: ["x", "y"], shape: binary, dtype: binaryDtype }]),
);

export const POOLING_OPS: Record<string, OpSpec> = {
  ...REDUCERS,
  "flax.linen.avg_pool": LINEN_POOL("nnx.avgPool", ["count_include_pad"]),
  "flax.linen.max_pool": LINEN_POOL("nnx.maxPool"),
  "flax.linen.min_pool": LINEN_POOL("nnx.minPool"),
  "flax.linen.pool": {
    rt: "nnx.pool",
    params: ["inputs", "init", "reduce_fn", "window_shape", "strides", "padding"],
    shape: (a) => linenPool(a),
    dtype: () => "float32",
  },
  "haiku.max_pool": HAIKU_POOL("hk.maxPool"),
  "haiku.avg_pool": HAIKU_POOL("hk.avgPool"),
};
for (const k of Object.keys(POOLING_OPS).filter((k) => k.startsWith("flax.linen."))) {
  POOLING_OPS[k.replace("flax.linen.", "flax.linen.pooling.")] = POOLING_OPS[k];
  POOLING_OPS[k.replace("flax.linen.", "flax.nnx.")] = POOLING_OPS[k];
}
