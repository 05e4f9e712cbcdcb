// The neutral layer catalog's protocol and the helpers its families share: how
// each layer is built in the runtime (class, positional arguments, options),
// what it needs from its first input (NNX builds eagerly, so input sizes are
// constructor arguments) and the shape of what it returns. The layers
// themselves live one family per file (dense.ts, conv.ts, norm.ts, ...) and
// are gathered in catalog.ts; frontends map their spellings onto them
// (src/frontends/*/layers.ts).
import type { TExpr } from "../../ts/ast.js";
import { num } from "../../ts/ast.js";
import {
  addDims,
  ceilDivDims,
  dimAt,
  floorDivDims,
  materialize,
  materializeTrailing,
  mulDims,
  replaceTrailing,
  subDims,
  type Dim,
  type SymShape,
  unknownShape,
} from "../shapes.js";
import type { DType, Known, StaticV, Value } from "../values.js";

/** A layer's options as the source gave them, after the frontend's renaming. */
export type LayerOptions = Map<string, StaticV>;

/** A call's arguments by neutral name (`x`, `carry`, `inputsK`, `mask`, ...). */
export type CallArgs = ReadonlyMap<string, Value>;

/** What a call returns: an array, or a tuple of such (a cell's `(carry, y)`). */
export type OutSpec =
  | { shape: SymShape; dtype: DType; assumeRank?: number }
  | { items: OutSpec[]; assumeRank?: number }
  /** A named tuple (Haiku's LSTMState): an object with these fields in the runtime. */
  | { fields: Record<string, OutSpec>; assumeRank?: number };

export interface OutputContext {
  /**
   * The output of a module given as option `name` (an RNN's cell; item `index`
   * of a list of modules) for a call of `method` with these arguments;
   * undefined when it cannot be told.
   */
  child(name: string, method: string, args: CallArgs, index?: number): OutSpec | undefined;
  /**
   * A list given as option `name` (Sequential's layers): per item, "module"
   * (a module given to the layer) or the expression of a function (an
   * activation).
   */
  items(name: string): Array<"module" | TExpr | undefined> | undefined;
  /** Item `index` of list `name` when it is a function of the file (a lambda), applied to an input of this shape. */
  applyItem(name: string, index: number, x: { shape: SymShape; dtype: DType }): { expr: TExpr; out: OutSpec } | undefined;
  /**
   * The function of the file given as option `name` (Bidirectional's merge_fn), applied to arrays
   * of these shapes; undefined when none is given, null when it cannot be staged on them.
   */
  applyFunction(name: string, xs: Array<{ shape: SymShape; dtype: DType }>): { expr: TExpr; out: OutSpec } | null | undefined;
  /** The neutral layer and options of a module given as option `name`, when it is a framework layer. */
  childInfo(name: string, index?: number): { layer: string; options: LayerOptions } | undefined;
  /** The type a module given as option `name` is held as (its layer's `type`, else its runtime class). */
  childType(name: string, index?: number): string | undefined;
}

export interface BuildContext extends OutputContext {
  /** Reports that a size the constructor needs cannot be worked out. */
  missing(what: string): TExpr;
  /**
   * Builds the module given as option `name` for a call of `method` with these
   * arguments (its input sizes come from them) and returns the expression that
   * constructs it, for this layer's constructor arguments.
   */
  build(name: string, method: string, args: CallArgs, index?: number): TExpr;
}

/** How a source method of the layer is called in the runtime. */
export interface LayerMethod {
  /** The runtime method (`call`, `attend`, `initializeCarry`). */
  runtime: string;
  /** Neutral argument names passed positionally, in order (`undefined` fills a gap). */
  positional: string[];
  /** Neutral argument names passed in a trailing options object. */
  options?: string[];
  /**
   * With an options object after more than one positional argument, missing
   * positional slots are passed as `null` (overloads like MHA's
   * `call(q, k, null, { mask })`).
   */
  padNull?: boolean;
  /** Options of the layer repeated at each call when given (so TypeScript's overloads see `returnCarry: true`). */
  fromOptions?: string[];
  /** Gives no input sizes (a core's `initial_state`): called before the layer's first sizing call, it is built there. */
  defersBuild?: boolean;
  /** Positional arguments not given or None are passed as `null` (the runtime takes them: `initialState(null)`). */
  nullIfAbsent?: boolean;
  /** The runtime types its result loosely (a DeepRNN's nests): the call is cast to the output's type. */
  cast?: boolean;
}

export interface LayerKind {
  /** The runtime class, e.g. `nnx.Linear`. */
  runtime: string;
  /**
   * The positional constructor arguments, given the options and the arguments
   * of the first call (of `method`): NNX builds eagerly, so input sizes are
   * constructor arguments.
   */
  positional(o: LayerOptions, args: CallArgs, ctx: BuildContext, method: string): TExpr[];
  /** Options passed in the trailing options object, in this order, when given. */
  options: string[];
  /** Options the first call's arguments decide (`inKvFeatures` from the keys' size), after the given ones. */
  derived?(o: LayerOptions, args: CallArgs, ctx: BuildContext, method: string): Array<{ key: string; value: TExpr }>;
  /** Runtime names of options whose neutral name differs (`strides` → Haiku's `stride`). */
  rename?: Record<string, string>;
  /** The runtime class given the options, when they choose it (Haiku's `hk.Conv2D` for two spatial axes). */
  runtimeFor?(o: LayerOptions): string;
  /** Another layer of the catalog these options call for (channels-first data on Haiku's own convolution). */
  variant?(o: LayerOptions): string | undefined;
  /** The member's type when it is not the runtime class itself (a generic's argument: `nnx.RNN<nnx.Array>`). */
  type?(o: LayerOptions, ctx: OutputContext): string | undefined;
  /** The runtime class takes no `rngs` (it has no variables to draw). */
  noRngs?: boolean;
  /** The methods the source calls, by neutral name; `__call__` → `call(x)` when not listed. */
  methods?: Record<string, LayerMethod>;
  /**
   * The output of a method given its arguments; `assumeRank`: the input's rank
   * this relies on when it was not known (one batch axis).
   */
  output(o: LayerOptions, method: string, args: CallArgs, ctx: OutputContext): OutSpec | undefined;
  /** Runtime members that hold modules given as options (`cell` → `cell`), so later calls of them go there. */
  children?: Record<string, string>;
  /** The switch train()/eval() sets on it, if its behaviour depends on the mode. */
  mode?: "deterministic" | "useRunningAverage";
  /** Whether `call` draws keys (dropout). */
  drawsPerCall?: boolean;
  /**
   * Variables the source reads off the layer (`embed.embedding`, Haiku's
   * `embed.embeddings`): the runtime member holding it, and its shape given the
   * options and the first call's arguments.
   */
  attributes?: Record<string, { member: string; shape(o: LayerOptions, args: CallArgs): SymShape }>;
  /**
   * A method called on the layer made detached (Linen's `parent=None`): it has
   * no variables, so only a method that needs none translates (a cell's initial
   * carry of zeros). The method's expression, or why it cannot be.
   */
  detached?(o: LayerOptions, method: string, args: CallArgs): TExpr | string;
}

export const CALL_X: LayerMethod = { runtime: "call", positional: ["x"] };

/** How `method` of a layer is called in the runtime. */
export function layerMethod(kind: LayerKind, method: string): LayerMethod | undefined {
  return kind.methods?.[method] ?? (method === "__call__" ? CALL_X : undefined);
}

export const arrayShape = (v: Value | undefined): SymShape => (v?.kind === "array" ? v.shape : unknownShape);
export const arrayDtype = (v: Value | undefined): DType => (v?.kind === "array" ? v.dtype : "unknown");
/** The shape of the call's main input `x`. */
export const xShape = (args: CallArgs): SymShape => arrayShape(args.get("x"));

export function opt(o: LayerOptions, name: string): StaticV | undefined {
  return o.get(name);
}

export function knownOpt(o: LayerOptions, name: string): Known | undefined {
  return o.get(name)?.known;
}

export function ctorOf(o: LayerOptions, name: string, ctx: BuildContext): TExpr {
  const v = o.get(name);
  return v?.ctor ?? ctx.missing(`the layer's '${name}'`);
}

export function inSize(input: SymShape, ctx: BuildContext, what = "the size of its input's last axis"): TExpr {
  return dimAt(input, -1) ?? ctx.missing(what);
}

/** An option holding an int or a tuple of ints, as a list of size expressions of length `n`. */
export function tupleDims(v: StaticV | undefined, n: number, fallback: number): Dim[] {
  if (!v) return Array(n).fill(num(fallback));
  const k = v.known;
  if (typeof k === "number") return Array(n).fill(num(k));
  if (Array.isArray(k) && k.every((x) => typeof x === "number")) return (k as number[]).map(num);
  if (v.ctor && v.type.t === "int") return Array(n).fill(v.ctor);
  if (v.ctor) return Array.from({ length: n }, (_, i) => ({ k: "index", object: v.ctor!, index: num(i) }) as TExpr);
  return Array(n).fill(undefined);
}

/** The number of spatial axes a kernel-size option stands for. */
export function spatialRank(v: StaticV | undefined): number | undefined {
  const k = v?.known;
  if (typeof k === "number") return 1; // Flax: an int kernel size is one spatial axis
  if (Array.isArray(k)) return k.length;
  if (v?.type.t === "tuple") return v.type.items.length;
  if (v?.type.t === "seq" && v.type.length !== undefined) return v.type.length;
  return undefined;
}

/** A shape with one more trailing axis (`[...x.shape, features]`). */
export function appendAxis(s: SymShape, d: Dim): SymShape {
  return s.rank !== undefined ? { rank: s.rank + 1, dims: [...materialize(s), d] } : { dims: [...s.dims, d] };
}

/** Output size of one spatial axis of a convolution or pooling window. */
export function windowOutput(size: Dim, window: Dim, stride: Dim, padding: Known | undefined, dilation: Dim = num(1)): Dim {
  if (padding === "SAME" || padding === "CIRCULAR" || padding === "CAUSAL") return ceilDivDims(size, stride);
  // Explicit padding: `(lo, hi)` for this axis, or one int for both sides.
  const pair = typeof padding === "number" ? [padding, padding] : Array.isArray(padding) && padding.length === 2 && padding.every((p) => typeof p === "number") ? (padding as number[]) : undefined;
  if (padding === "VALID" || padding === undefined || pair) {
    const effective = addDims(mulDims(subDims(window, num(1)), dilation), num(1));
    const padded = pair ? addDims(size, num(pair[0] + pair[1])) : size;
    return addDims(floorDivDims(subDims(padded, effective), stride), num(1));
  }
  return undefined;
}

export const keep = (_o: LayerOptions, _method: string, args: CallArgs): OutSpec => ({ shape: xShape(args), dtype: arrayDtype(args.get("x")) });

/**
 * A window over the last `n` spatial axes before the features (convolution,
 * pooling): each spatial size mapped by `size`, the features replaced by
 * `features` (kept when undefined). An input of unknown rank is taken to have
 * one batch axis, and the result says so (`assumeRank`).
 */
export function spatialOutput(input: SymShape, n: number, size: (d: Dim, i: number) => Dim, features?: Dim): OutSpec {
  const trailing = materializeTrailing(input, n + 1);
  const spatial = trailing.slice(0, n).map(size);
  const last = features ?? trailing[n];
  if (input.rank !== undefined) return { shape: replaceTrailing(input, [...spatial, last]), dtype: "float32" };
  const batch = dimAt(input, -(n + 2));
  return { shape: { rank: n + 2, dims: [batch, ...spatial, last] }, dtype: "float32", assumeRank: n + 2 };
}

