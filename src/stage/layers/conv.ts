// Convolutions: nnx.Conv (Linen Conv 1-3D; Haiku Conv1D/2D/3D/ConvND in
// channels-last), nnx.ConvTranspose and nnx.ConvLocal (Linen), and Haiku's
// own classes where its layout or formula differs (channels-first data,
// ConvNDTranspose's [.., out, in] kernel, DepthwiseConv, SeparableDepthwiseConv2D).
import { bin, call, member, num, str, type TExpr } from "../../ts/ast.js";
import { addDims, dimAt, materialize, mulDims, replaceTrailing, subDims, type Dim, type SymShape } from "../shapes.js";
import type { Known, StaticV } from "../values.js";
import {
  ctorOf,
  inSize,
  knownOpt,
  opt,
  spatialOutput,
  spatialRank,
  tupleDims,
  windowOutput,
  xShape,
  type BuildContext,
  type CallArgs,
  type LayerKind,
  type LayerOptions,
  type OutSpec,
} from "./index.js";

/** The number of spatial axes: the kernel's (or, for Haiku's ND classes, `numSpatialDims`). */
function spatialCount(o: LayerOptions, kernel = "kernelSize"): number | undefined {
  const n = knownOpt(o, "numSpatialDims");
  return typeof n === "number" ? n : spatialRank(o.get(kernel));
}

/** The padding as a window rule understands it: a known string, explicit pairs, or unknown. */
function paddingOf(o: LayerOptions, fallback: string): Known | undefined {
  const p = o.get("padding");
  if (!p) return fallback;
  return typeof p.known === "string" ? p.known.toUpperCase() : p.known;
}

/** One spatial axis of a convolution: SAME-like, VALID, or explicit (lo, hi) pairs / an int. */
function convAxis(size: Dim, window: Dim, stride: Dim, padding: Known | undefined, dilation: Dim, i: number): Dim {
  const pairAt = (p: Known | undefined): [number, number] | undefined => {
    if (typeof p === "number") return [p, p];
    if (Array.isArray(p)) {
      const item = p.length === 2 && p.every((x) => typeof x === "number") ? p : p[i];
      if (typeof item === "number") return [item, item];
      if (Array.isArray(item) && item.length === 2 && item.every((x) => typeof x === "number")) return item as [number, number];
    }
    return undefined;
  };
  const pair = typeof padding === "string" ? undefined : pairAt(padding);
  if (pair) return windowOutput(addDims(size, num(pair[0] + pair[1])), window, stride, "VALID", dilation);
  return windowOutput(size, window, stride, padding, dilation);
}

/** Channels-first data (`NCHW`, `channels_first`): the features are axis 1. */
export function channelsFirst(o: LayerOptions): boolean {
  const f = knownOpt(o, "dataFormat");
  return typeof f === "string" && (f === "channels_first" || /^NC/.test(f));
}

/** Output of a convolution over `n` spatial axes, channels last or first. */
function convOutput(o: LayerOptions, args: CallArgs, n: number, axis: (d: Dim, i: number) => Dim, features: Dim): OutSpec {
  const x = xShape(args);
  if (!channelsFirst(o)) return spatialOutput(x, n, axis, features);
  if (x.rank === undefined) return { shape: { rank: n + 2, dims: [dimAt(x, -(n + 2)), features, ...Array.from({ length: n }, (_, i) => axis(dimAt(x, i - n), i))] }, dtype: "float32", assumeRank: n + 2 };
  const dims = materialize(x);
  return { shape: { rank: x.rank, dims: [...dims.slice(0, x.rank - n - 1), features, ...dims.slice(x.rank - n).map(axis)] }, dtype: "float32" };
}

/** The input's channels: the last axis, or axis 1 for channels-first data. */
function channels(o: LayerOptions, args: CallArgs, ctx: BuildContext, n: number | undefined): TExpr {
  if (!channelsFirst(o)) return inSize(xShape(args), ctx);
  const x = xShape(args);
  return (x.rank !== undefined ? dimAt(x, 1) : n !== undefined ? dimAt(x, -(n + 1)) : undefined) ?? ctx.missing("the size of its input's channel axis");
}

function convolution(o: LayerOptions, args: CallArgs, kernel: string, strideOpt: string, dilationOpt: string, fallbackPadding: string, features: Dim): OutSpec {
  const n = spatialCount(o, kernel);
  if (n === undefined) {
    // Which axes are spatial is not known here: they keep their sizes only where nothing changes them
    // (stride 1, SAME padding, an undilated input); else only the features are known.
    const ones = (name: string): boolean => {
      const v = opt(o, name);
      return !v || v.known === 1 || (Array.isArray(v.known) && v.known.every((x) => x === 1));
    };
    const x = xShape(args);
    if (ones(strideOpt) && ones("inputDilation") && paddingOf(o, fallbackPadding) === "SAME") return { shape: replaceTrailing(x, [features]), dtype: "float32" };
    return { shape: x.rank !== undefined ? { rank: x.rank, dims: [...Array<Dim>(x.rank - 1).fill(undefined), features] } : { dims: [features] }, dtype: "float32" };
  }
  const windows = tupleDims(opt(o, kernel), n, 1);
  const strides = tupleDims(opt(o, strideOpt), n, 1);
  const dilation = tupleDims(opt(o, dilationOpt), n, 1);
  const inputDilation = tupleDims(opt(o, "inputDilation"), n, 1);
  const padding = paddingOf(o, fallbackPadding);
  // An input dilated by d has (size − 1)·d + 1 positions.
  const dilated = (s: Dim, i: number): Dim => (inputDilation[i]?.k === "num" && inputDilation[i]?.value === 1 ? s : addDims(mulDims(subDims(s, num(1)), inputDilation[i]), num(1)));
  const p = o.get("padding");
  if (p && p.known === undefined && p.ctor && p.type.t === "str") {
    // A padding string only the config knows: VALID's size (lax takes it in any case), else SAME's
    // (SAME, SAME_LOWER, CIRCULAR, REFLECT and CAUSAL all keep ceil(size / stride)).
    const isValid: TExpr = bin("===", call(member(p.ctor, "toUpperCase")), str("VALID"));
    return convOutput(o, args, n, (s, i) => {
      const valid = convAxis(dilated(s, i), windows[i], strides[i], "VALID", dilation[i], i);
      const same = convAxis(dilated(s, i), windows[i], strides[i], "SAME", dilation[i], i);
      return valid && same ? { k: "cond", test: isValid, then: valid, else: same } : undefined;
    }, features);
  }
  return convOutput(o, args, n, (s, i) => convAxis(dilated(s, i), windows[i], strides[i], padding, dilation[i], i), features);
}

/** A transposed convolution's spatial size: SAME `in·s`, VALID `(in − 1)·s + (k − 1)·d + 1`. */
function transposeAxis(size: Dim, window: Dim, stride: Dim, padding: Known | undefined, dilation: Dim): Dim {
  if (padding === "SAME" || padding === "CIRCULAR") return mulDims(size, stride);
  if (padding === "VALID") return addDims(mulDims(subDims(size, num(1)), stride), addDims(mulDims(subDims(window, num(1)), dilation), num(1)));
  return undefined;
}

function transposed(o: LayerOptions, args: CallArgs, kernel: string, strideOpt: string, features: Dim): OutSpec {
  const n = spatialCount(o, kernel);
  if (n === undefined) return { shape: replaceTrailing(xShape(args), [features]), dtype: "float32" };
  const windows = tupleDims(opt(o, kernel), n, 1);
  const strides = tupleDims(opt(o, strideOpt), n, 1);
  const dilation = tupleDims(opt(o, "kernelDilation"), n, 1);
  const given = o.get("outputShape");
  const out = given ? tupleDims(given, n, 1) : undefined;
  const padding = paddingOf(o, "SAME");
  return convOutput(o, args, n, (s, i) => out?.[i] ?? transposeAxis(s, windows[i], strides[i], padding, dilation[i]), features);
}

/** ConvLocal's `inputShape`: the input's spatial sizes. */
function spatialShape(o: LayerOptions, args: CallArgs, ctx: BuildContext): TExpr {
  const n = spatialCount(o) ?? 0;
  const x = xShape(args);
  return { k: "array", items: Array.from({ length: n }, (_, i) => dimAt(x, i - n - 1) ?? ctx.missing(`the size of its input's spatial axis ${i}`)) };
}

/** The kernel size; an int with a known spatial rank (Haiku's ConvND) as that many sizes. */
function kernelSize(o: LayerOptions, ctx: BuildContext): TExpr {
  const k = o.get("kernelSize");
  const n = knownOpt(o, "numSpatialDims");
  if (k?.ctor && k.type.t === "int" && typeof n === "number") return { k: "array", items: Array(n).fill(k.ctor) };
  return ctorOf(o, "kernelSize", ctx);
}

const CONV_OPTIONS = ["strides", "padding", "inputDilation", "kernelDilation", "featureGroupCount", "useBias", "mask", "kernelInit", "biasInit"];

/** Haiku's ND classes take the spatial rank first (`new hk.ConvND(n, ...)`) or have it in their name. */
function haikuND(o: LayerOptions): TExpr[] {
  const n = o.get("numSpatialDims");
  return n?.ctor ? [n.ctor] : [];
}

export const CONV: Record<string, LayerKind> = {
  Conv: {
    runtime: "nnx.Conv",
    positional: (o, args, ctx) => [inSize(xShape(args), ctx), ctorOf(o, "outFeatures", ctx), kernelSize(o, ctx)],
    options: CONV_OPTIONS,
    output: (o, _m, args) => convolution(o, args, "kernelSize", "strides", "kernelDilation", "SAME", opt(o, "outFeatures")?.ctor),
    // Haiku's channels-first data runs on hk.ConvND (NNX convolves channels last only).
    variant: (o) => (channelsFirst(o) ? "HaikuConv" : undefined),
  },
  HaikuConv: {
    runtime: "hk.ConvND",
    runtimeFor: (o) => (o.get("numSpatialDims") ? "hk.ConvND" : `hk.Conv${spatialCount(o) ?? ""}D`),
    positional: (o, args, ctx) => [...haikuND(o), channels(o, args, ctx, spatialCount(o)), ctorOf(o, "outFeatures", ctx), ctorOf(o, "kernelSize", ctx)],
    // The same row as nnx.Conv's (Haiku's names for its options).
    options: ["strides", "kernelDilation", "padding", "useBias", "kernelInit", "biasInit", "dataFormat", "mask", "featureGroupCount"],
    rename: { strides: "stride", kernelDilation: "rate", useBias: "withBias", kernelInit: "wInit", biasInit: "bInit" },
    output: (o, _m, args) => convolution(o, args, "kernelSize", "strides", "kernelDilation", "SAME", opt(o, "outFeatures")?.ctor),
  },
  ConvTranspose: {
    runtime: "nnx.ConvTranspose",
    positional: (o, args, ctx) => [inSize(xShape(args), ctx), ctorOf(o, "outFeatures", ctx), ctorOf(o, "kernelSize", ctx)],
    options: ["strides", "padding", "kernelDilation", "useBias", "mask", "kernelInit", "biasInit", "transposeKernel"],
    output: (o, _m, args) => transposed(o, args, "kernelSize", "strides", opt(o, "outFeatures")?.ctor),
  },
  HaikuConvTranspose: {
    runtime: "hk.ConvNDTranspose",
    runtimeFor: (o) => (o.get("numSpatialDims") ? "hk.ConvNDTranspose" : `hk.Conv${spatialCount(o) ?? ""}DTranspose`),
    positional: (o, args, ctx) => [...haikuND(o), channels(o, args, ctx, spatialCount(o)), ctorOf(o, "outFeatures", ctx), ctorOf(o, "kernelSize", ctx)],
    options: ["stride", "outputShape", "padding", "withBias", "wInit", "bInit", "dataFormat", "mask"],
    output: (o, _m, args) => transposed(o, args, "kernelSize", "stride", opt(o, "outFeatures")?.ctor),
  },
  ConvLocal: {
    runtime: "nnx.ConvLocal",
    positional: (o, args, ctx) => [inSize(xShape(args), ctx), ctorOf(o, "outFeatures", ctx), ctorOf(o, "kernelSize", ctx)],
    options: ["strides", "padding", "inputDilation", "kernelDilation", "useBias", "mask", "kernelInit", "biasInit"],
    derived: (o, args, ctx) => [{ key: "inputShape", value: spatialShape(o, args, ctx) }],
    output: (o, _m, args) => convolution(o, args, "kernelSize", "strides", "kernelDilation", "SAME", opt(o, "outFeatures")?.ctor),
  },
  HaikuDepthwiseConv: {
    runtime: "hk.DepthwiseConvND",
    runtimeFor: (o) => (o.get("numSpatialDims") ? "hk.DepthwiseConvND" : `hk.DepthwiseConv${spatialCount(o) ?? ""}D`),
    positional: (o, args, ctx) => [...haikuND(o), channels(o, args, ctx, spatialCount(o)), ctorOf(o, "channelMultiplier", ctx), ctorOf(o, "kernelSize", ctx)],
    options: ["stride", "rate", "padding", "withBias", "wInit", "bInit", "dataFormat"],
    output: (o, _m, args) => {
      const m = opt(o, "channelMultiplier")?.ctor;
      const n = spatialCount(o);
      const x = xShape(args);
      const c = channelsFirst(o) ? (x.rank !== undefined ? dimAt(x, 1) : n !== undefined ? dimAt(x, -(n + 1)) : undefined) : dimAt(x, -1);
      return convolution(o, args, "kernelSize", "stride", "rate", "SAME", m && c ? mulDims(m, c) : undefined);
    },
  },
  HaikuSeparableDepthwiseConv2D: {
    runtime: "hk.SeparableDepthwiseConv2D",
    positional: (o, args, ctx) => [channels(o, args, ctx, 2), ctorOf(o, "channelMultiplier", ctx), ctorOf(o, "kernelSize", ctx)],
    options: ["stride", "padding", "withBias", "wInit", "bInit", "dataFormat"],
    output: (o, _m, args) => {
      const m = opt(o, "channelMultiplier")?.ctor;
      const x = xShape(args);
      const c = channelsFirst(o) ? (x.rank !== undefined ? dimAt(x, 1) : dimAt(x, -3)) : dimAt(x, -1);
      return convolution(o, args, "kernelSize", "stride", "rate", "SAME", m && c ? mulDims(m, c) : undefined);
    },
  },
};
void (undefined as unknown as StaticV | SymShape);
