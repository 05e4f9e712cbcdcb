// Calls of framework layers, through the frontends' rows onto the neutral
// catalog (src/stage/layers/): a layer's constructor arguments become
// neutral options, a call's arguments become neutral argument names, the
// first call builds the layer (NNX builds eagerly, with its input sizes) and
// the call becomes the runtime method's call. Modules given to a layer (an
// RNN's cell) are built inside its construction, with the sizes the layer's
// own input gives them.
import { optionKindProblem } from "./layers/option-kinds.js";
import type { Span } from "../span.js";
import type { SourceLayer, SourceLayerCall, SourceLayerParam } from "../model/framework.js";
import { call, id, member, str, type TExpr } from "../ts/ast.js";
import { layerMethod, type BuildContext, type CallArgs, type LayerKind, type LayerOptions, type OutSpec, type OutputContext } from "./layers/index.js";
import { LAYERS } from "./layers/catalog.js";
import { returnType } from "./stager.js";
import type { Frame } from "./scope.js";
import { unknownShape } from "./shapes.js";
import { describe, staticOf, type ArrayV, type Instance, type Known, type ModuleV, type StaticV, type Value } from "./values.js";

/** Options that take an array (the layer's initial values). */
const ARRAY_OPTIONS = new Set(["embeddingMatrix"]);

/** What a layer's construction needs built: its class, arguments, and the recorder's table row. */
export interface BuildSpec {
  cls: string;
  args: TExpr[];
  layer?: { leaves: Record<string, string>; draws: string[]; keepdims?: string[]; flattened?: string[]; initialFromCall?: string[]; dropout?: boolean };
  site?: string;
  stack?: TExpr;
}

/** The stager's services a layer call uses. */
export interface LayerHost {
  readonly layers: Record<string, SourceLayer>;
  readonly framework: "linen" | "haiku";
  stop(span: Span, what: string): never;
  unsupported(span: Span, what: string): void;
  warn(span: Span, code: string, text: string): void;
  /** A layer built here follows the model's train()/eval() mode. */
  followsMode(): void;
  callExpr(v: Value, span: Span, what: string): TExpr;
  /** A fixed value as layer options hold it (initializers, activations, tuples of them). */
  asStatic(v: Value, span: Span): StaticV | undefined;
  /** A function of the file given as a layer, applied to an input of this shape: its arrow and its output. */
  functionLayer(v: Value, x: ArrayV | ArrayV[], span: Span): { expr: TExpr; out: ArrayV } | undefined;
  /** A train/eval switch given at a call or construction, as a mode value. */
  modeOf(v: Value, trueMeansTraining: boolean, span: Span): Value;
  /** Builds `inst` in the constructor (once), as `build` describes. */
  ensureBuilt(inst: Instance, frame: Frame, span: Span, build: (ctx: { missing(what: string): TExpr }) => BuildSpec, type: string, base: string): void;
  /** The call's input was taken to have this rank (it was not known). */
  assumeRank(input: ArrayV, rank: number): void;
  /** Records a per-call key draw (dropout) for the source's key sequence. */
  recordDraw(frame: Frame): void;
  /** Names the member a layer will be built into at a later call, and returns how methods reach it. */
  reserve(inst: Instance, base: string): TExpr;
  /** A padding function (`hk.pad.same`, a lambda of the file) applied to a fixed size: its `(low, high)`, if fixed. */
  padPair(fn: Value, size: number): [number, number] | undefined;
  /** A layer of the runtime class `cls` sows `name` (verify compares it where the source's apply keeps the collection). */
  sows(what: { cls: string; collection: string; name: string }): void;
  /** What a module of the file given to a layer returns for these inputs (a shape-only look). */
  userChildOutput(v: ModuleV, method: string, args: CallArgs, span: Span): OutSpec | undefined;
  /** Builds a module of the file given to a layer, for these inputs: its construction (`inner`: named inside the layer). */
  buildUserChild(v: ModuleV, method: string, args: CallArgs, frame: Frame, span: Span, inner: boolean): TExpr;
}

/** A layer's constructor arguments: neutral options, modules given to it, and its construction-time mode. */
interface LayerConfig {
  options: LayerOptions;
  /** Flags the constructor checks (see Guard). */
  guards?: Guard[];
  modules: Map<string, Value>;
  mode?: Value;
  /** Options the source's arguments set, by neutral name → the source's parameter name. */
  given?: Map<string, string>;
}

/**
 * Options that record which of them the catalog's layer reads (to build,
 * type, size or call it). An option the source sets that the layer never
 * reads would be dropped without a word: callLayer reports it instead.
 */
class ReadOptions extends Map<string, StaticV> {
  readonly read = new Set<string>();
  override get(key: string): StaticV | undefined {
    this.read.add(key);
    return super.get(key);
  }
  override forEach(fn: (value: StaticV, key: string, map: Map<string, StaticV>) => void): void {
    for (const k of this.keys()) this.read.add(k);
    super.forEach(fn);
  }
  override entries(): MapIterator<[string, StaticV]> {
    for (const k of this.keys()) this.read.add(k);
    return super.entries();
  }
  override values(): MapIterator<StaticV> {
    for (const k of this.keys()) this.read.add(k);
    return super.values();
  }
  override [Symbol.iterator](): MapIterator<[string, StaticV]> {
    return this.entries();
  }
}

/** `__call__(inputs)`: what a row that lists no calls takes. */
const DEFAULT_CALL: SourceLayerCall = { params: [{ name: "inputs", option: "x" }] };

/** Which of a source parameter's meanings an argument has. */
type Bound = { as: "option"; value: Value } | { as: "mode"; value: Value } | { as: "skip"; guard?: Guard };

/**
 * A flag the layer is translated for one way only (`decode=config.decode`,
 * where only False translates), whose value only the config has: the
 * constructor throws when `test` holds.
 */
export interface Guard {
  test: TExpr;
  what: string;
}

/** An argument for a source parameter, checked against the row: an option, the mode switch, or nothing to pass. */
function sourceArg(host: LayerHost, row: SourceLayer, p: SourceLayerParam | undefined, name: string, v: Value, span: Span): Bound | undefined {
  const what = `${row.autoName}(${name}=...)`;
  if (!p) {
    host.unsupported(span, what);
    return undefined;
  }
  if (v.kind === "static" && v.known === null && !p?.passNone) return { as: "skip" }; // None: the default
  if (p.unused) return { as: "skip" };
  if (v.kind === "global" && p.constants && v.name in p.constants) v = literalStatic(p.constants[v.name]);
  if (p.mode) return { as: "mode", value: host.modeOf(v, row.mode?.trueMeansTraining ?? false, span) };
  if (p.ignore) {
    // Known values must be the accepted ones; a config's dtype the translator cannot see computes in float32.
    // A mapping (`split_rngs={'params': False}`) as JSON, its keys in order.
    const known = v.kind === "static" ? v.known : undefined;
    const text = known !== undefined ? (known !== null && typeof known === "object" && !Array.isArray(known) ? JSON.stringify(known) : String(known)) : undefined;
    const why = /dtype/.test(name) ? " (nnxport computes in float32)" : p.ignore.length ? ` (supported: ${p.ignore.join(", ")})` : "";
    if (text !== undefined && !p.ignore.includes(text)) host.unsupported(span, `${row.autoName}(${name}=${text})${why}`);
    return { as: "skip" };
  }
  if (p.literals) {
    const text = v.kind === "static" ? JSON.stringify(v.known)?.replace(/^"|"$/g, "") : undefined;
    if (!text && v.kind === "static" && v.type.t === "bool" && v.ctor && !p.option && p.literals.length === 1 && (p.literals[0] === "false" || p.literals[0] === "true")) {
      const other = p.literals[0] === "false" ? "True" : "False";
      return { as: "skip", guard: { test: p.literals[0] === "false" ? v.ctor : { k: "unary", op: "!", operand: v.ctor }, what: `${row.autoName}(${p.name}=${other})` } };
    }
    if (!text || !p.literals.includes(text)) {
      host.unsupported(span, `${row.autoName}(${p.name}=...) (supported: ${p.literals.join(", ")})`);
      return undefined;
    }
    // A flag that makes the layer sow: passed only when it does.
    if (p.sows) {
      if (text !== "true") return { as: "skip" };
      host.sows(p.sows);
    }
    if (!p.option) return { as: "skip" };
  }
  if (!p.option) {
    host.unsupported(span, what);
    return undefined;
  }
  if (v.kind === "static" && v.known === undefined) {
    // A field that is only ever None (`features=None`, never given): the layer's default, as a None argument is.
    if (v.type.t === "none" && !p.passNone) return { as: "skip" };
    // A field of a type nothing tells (annotated Any, or untyped, and no user gives it): TypeScript holds it as `unknown`.
    if (v.type.t === "any" && (v as { untypedField?: string }).untypedField) {
      host.unsupported(span, `${what} with a value whose type nnxport cannot tell (a field annotated Any, or untyped, that no user of the class gives)`);
      return undefined;
    }
  }
  if (v.kind === "static" && (v as { nullable?: boolean }).nullable && v.ctor) {
    // A field that defaults to None given as an option: TypeScript's `!` is erased, so a None still
    // reaches the layer as it would in Python; only its type is the option's.
    const copy = Object.defineProperties({}, Object.getOwnPropertyDescriptors(v)) as StaticV;
    Object.defineProperty(copy, "ctor", { value: { k: "nonnull", value: v.ctor }, enumerable: true });
    return { as: "option", value: copy };
  }
  return { as: "option", value: v };
}

/** Binds positional and keyword arguments to a row's parameters, Python-style. */
function bindSource(host: LayerHost, row: SourceLayer, params: SourceLayerParam[], args: Value[], kwargs: Array<[string, Value]>, span: Span, what: string): Array<[SourceLayerParam, Bound]> {
  const out: Array<[SourceLayerParam, Bound]> = [];
  args.forEach((a, i) => {
    const p = params[i];
    if (!p) {
      host.unsupported(span, `${what} takes at most ${params.length} positional arguments`);
      return;
    }
    const b = sourceArg(host, row, p, p.name, a, span);
    if (b) out.push([p, b]);
  });
  for (const [k, v] of kwargs) {
    const p = params.find((x) => x.name === k);
    const b = sourceArg(host, row, p, k, v, span);
    if (p && b) out.push([p, b]);
  }
  return out;
}

/** Options a layer applies as functions to arrays of its own, which may be functions of the file. */
const FUNCTION_OPTIONS = new Set(["mergeFn"]);

/** A layer's source arguments as neutral options (the frontend's row maps the names). */
export function layerConfig(host: LayerHost, inst: Instance, row: SourceLayer, span: Span): LayerConfig {
  const options: LayerOptions = new ReadOptions();
  const given = new Map<string, string>();
  const modules = new Map<string, Value>();
  let mode: Value | undefined;
  const guards: Guard[] = [];
  for (const [k, v] of Object.entries(row.fixed ?? {})) options.set(k, literalStatic(v));
  for (const [k, v] of Object.entries(row.defaults ?? {})) {
    if (v && typeof v === "object" && "rt" in v) {
      const e: TExpr = { k: "raw", text: (v as { rt: string }).rt };
      options.set(k, staticOf({ t: "any" }, e, e));
    } else options.set(k, literalStatic(v as Known));
  }
  let padding: [SourceLayerParam, Value] | undefined;
  for (const [p, b] of bindSource(host, row, row.params, inst.args, inst.kwargs, span, row.autoName)) {
    if (b.as === "mode") mode = b.value;
    if (b.as === "skip" && b.guard) guards.push(b.guard);
    if (b.as !== "option") continue;
    const v = b.value;
    if (p.padFn && !(v.kind === "static" && typeof v.known === "string")) {
      // Needs the kernel and rate, which may come after it.
      padding = [p, v];
      continue;
    }
    if (v.kind === "module" || (v.kind === "list" || v.kind === "tuple") && v.items.some((i) => i.kind === "module")) {
      modules.set(p.option!, v);
      continue;
    }
    let s = host.asStatic(v, span);
    // A function of the file for an option a layer applies to its arrays (Bidirectional's merge_fn): staged where the layer knows their sizes.
    if (!s && FUNCTION_OPTIONS.has(p.option!) && (v.kind === "func" || v.kind === "partial")) {
      modules.set(p.option!, v);
      continue;
    }
    // An array the layer starts from (hk.Embed's embedding_matrix), made of constants only: the constructor makes it too.
    if (!s && ARRAY_OPTIONS.has(p.option!) && v.kind === "array" && !/"k":"(id|this)"/.test(JSON.stringify(v.call))) {
      options.set(p.option!, Object.assign(staticOf({ t: "any" }, v.call, undefined), { shapeOf: v }));
      continue;
    }
    if (!s) {
      host.unsupported(span, `${row.autoName}(${p.name}=${describe(v)})`);
      continue;
    }
    const problem = optionKindProblem(p.option!, s.type, s.known);
    if (problem) host.stop(span, `${row.autoName}(${p.name}=...): '${p.name}' ${problem}`);
    if (p.repeat && s.type.t === "int" && s.ctor) s = repeated(s, p.repeat);
    options.set(p.option!, s);
    given.set(p.option!, p.name);
  }
  if (padding) {
    const [p, v] = padding;
    const pairs = haikuPadding(host, v, options, span);
    if (pairs) {
      options.set(p.option!, literalStatic(pairs));
      given.set(p.option!, p.name);
    } else host.unsupported(span, `${row.autoName}(${p.name}=${describe(v)}) (only fixed pads, pad functions of the kernel size and (low, high) pairs)`);
  }
  return { options, modules, mode, given, guards };
}

/** Haiku's hk.pad.create_from_padfn / create_from_tuple for ConvND, on fixed kernel and rate: explicit pairs. */
function haikuPadding(host: LayerHost, v: Value, options: LayerOptions, span: Span): number[][] | undefined {
  const kernel = options.get("kernelSize")?.known;
  const dims = options.get("numSpatialDims")?.known;
  const n = Array.isArray(kernel) ? kernel.length : typeof dims === "number" ? dims : undefined;
  if (n === undefined) return undefined;
  const each = (k: Known | undefined, fallback?: number): number[] | undefined => {
    const value = k === undefined ? fallback : k;
    if (typeof value === "number") return Array<number>(n).fill(value);
    return Array.isArray(value) && value.length === n && value.every((x) => typeof x === "number") ? (value as number[]) : undefined;
  };
  const kernels = each(kernel);
  const rates = each(options.get("kernelDilation")?.known, 1);
  if (!kernels || !rates) return undefined;
  const items = v.kind === "tuple" || v.kind === "list" ? v.items : [v];
  const isFn = (x: Value) => x.kind === "func" || x.kind === "global";
  if (items.length && items.every(isFn)) {
    if (items.length !== 1 && items.length !== n) return undefined;
    const out: number[][] = [];
    for (let i = 0; i < n; i++) {
      const pair = host.padPair(items.length === 1 ? items[0] : items[i], (kernels[i] - 1) * rates[i] + 1);
      if (!pair) return undefined;
      out.push(pair);
    }
    return out;
  }
  const known = v.kind === "static" ? v.known : host.asStatic(v, span)?.known;
  if (!Array.isArray(known) || !known.length) return undefined;
  const isPair = (x: Known) => Array.isArray(x) && x.length === 2 && x.every((y) => typeof y === "number" && Number.isInteger(y));
  // `(1, 2)`: this pair on every axis; `[(1, 2)]` likewise; else one pair per axis.
  if (known.every((x) => typeof x === "number")) return isPair(known) ? Array<number[]>(n).fill(known as number[]) : undefined;
  if (!known.every(isPair)) return undefined;
  if (known.length === 1) return Array<number[]>(n).fill(known[0] as number[]);
  return known.length === n ? (known as number[][]) : undefined;
}

/** An int given for a tuple of `n` equal sizes (Haiku's `kernel_shape=3`). */
function repeated(s: StaticV, n: number): StaticV {
  const items: StaticV[] = Array(n).fill(s);
  const known = typeof s.known === "number" ? Array(n).fill(s.known) : undefined;
  const out = staticOf(
    { t: "tuple", items: items.map((x) => x.type) },
    { k: "array", items: items.map((x) => x.ctor!) },
    s.call ? { k: "array", items: items.map((x) => x.call!) } : undefined,
    known,
  );
  return Object.assign(out, { items });
}

function literalStatic(k: Known): StaticV {
  if (Array.isArray(k)) {
    const items = k.map(literalStatic);
    const e: TExpr = { k: "array", items: items.map((i) => i.ctor!) };
    return Object.assign(staticOf({ t: "tuple", items: items.map((i) => i.type) }, e, e, k), { items });
  }
  if (typeof k === "object" && k !== null) throw new Error("a layer default that is a mapping");
  const e: TExpr = typeof k === "number" ? { k: "num", value: k } : typeof k === "boolean" ? { k: "bool", value: k } : typeof k === "string" ? { k: "str", value: k } : { k: "null" };
  const t = typeof k === "number" ? (Number.isInteger(k) ? { t: "int" as const } : { t: "float" as const }) : typeof k === "boolean" ? { t: "bool" as const } : typeof k === "string" ? { t: "str" as const } : { t: "none" as const };
  return staticOf(t, e, e, k);
}

/**
 * Calls `method` of a framework layer: binds the arguments through the row,
 * builds the layer at its first call and returns what the runtime method
 * returns, with its shape.
 */
export function callLayer(host: LayerHost, inst: Instance, row: SourceLayer, method: string, args: Value[], kwargs: Array<[string, Value]>, span: Span, frame: Frame): Value {
  const kind = kindOf(row, layerConfig(host, inst, row, span).options);
  if (!kind) return host.stop(span, `the layer ${row.layer} has no runtime counterpart yet`);
  const rowCall = row.calls?.[method] ?? (method === "__call__" ? DEFAULT_CALL : undefined);
  const neutral = rowCall?.method ?? method;
  const spec = rowCall && layerMethod(kind, neutral);
  if (!rowCall || !spec) return host.stop(span, `${row.autoName}.${method}(...)`);
  const config = layerConfig(host, inst, row, span);
  let mode = config.mode;
  const bound = new Map<string, Value>();
  for (const [p, b] of bindSource(host, row, rowCall.params, args, kwargs, span, `${row.autoName}.${method}`)) {
    if (b.as === "mode") mode = b.value;
    else if (b.as === "option") bound.set(p.option!, b.value);
  }
  const passed = new Set([...spec.positional, ...(spec.options ?? [])]);
  for (const [name] of bound) if (!passed.has(name)) host.unsupported(span, `${row.autoName}.${method}(...) given '${name}'`);
  if (inst.detached) {
    // Made with parent=None: nothing is built; only a method that needs no variables translates.
    const e = kind.detached?.(config.options, neutral, bound);
    if (e === undefined || typeof e === "string") return host.stop(span, e ?? `${row.autoName}(parent=None).${method}(...) (a detached layer has no variables)`);
    reportUnread(host, row, config, span);
    return outValue(kind.output(config.options, neutral, bound, outputContext(host, span, config)), e);
  }
  const x = bound.get("x");
  if (spec.positional[0] === "x" && x?.kind !== "array") return host.stop(span, `${row.autoName} applied to ${x ? describe(x) : "nothing"}`);

  const type = kind.type?.(config.options, outputContext(host, span, config)) ?? kind.runtimeFor?.(config.options) ?? kind.runtime;
  // A method that gives no input sizes (a core's initial_state) before the first call that does: built there.
  const deferred = spec.defersBuild && !inst.built;
  // Constructor options are read where the layer is built: only that call can tell an unread one.
  const builds = !inst.built;
  if (!deferred && builds && !frame.dry) {
    for (const g of config.guards ?? []) {
      frame.emitCtor({ k: "if", test: g.test, then: [{ k: "throw", message: str(`nnxport: ${g.what} is not translated (line ${span.line} of the source)`) }], else: [] });
      host.warn(span, "NNX214", `${g.what} is not translated: the constructor throws when the config asks for it`);
    }
  }
  if (!deferred) {
    host.ensureBuilt(inst, frame, span, (ctx) => buildSpec(host, kind, row, config, neutral, bound, frame, span, ctx), type, row.autoName);
    inst.layerArgs ??= bound;
    adoptChildren(kind, config, inst);
  }

  const ref = deferred ? (frame.dry ? id("_") : host.reserve(inst, row.autoName)) : (inst.built?.call ?? id("_"));
  const given = new Map(bound);
  // A mode fixed at this call or construction is passed per call, as NNX layers take it.
  if (mode?.kind === "static" && kind.mode) given.set(kind.mode, mode);
  else if (kind.mode) host.followsMode();
  for (const n of spec.fromOptions ?? []) {
    const v = config.options.get(n);
    if (!given.has(n) && v?.call && v.known !== false) given.set(n, v);
  }
  const arg = (n: string): TExpr => {
    const v = given.get(n)!;
    return v.kind === "static" && n === kind.mode ? (v.call ?? { k: "bool", value: true }) : host.callExpr(v, span, `${row.autoName}'s '${n}'`);
  };
  const positional: TExpr[] = spec.positional.map((n) => (given.has(n) ? arg(n) : { k: "undefined" }));
  while (positional.length && positional[positional.length - 1].k === "undefined") positional.pop();
  if (spec.nullIfAbsent) for (let i = 0; i < spec.positional.length; i++) if (!positional[i] || positional[i].k === "undefined") positional[i] = { k: "null" };
  const entries = (spec.options ?? []).filter((n) => given.has(n)).map((n) => ({ key: n, value: arg(n) }));
  if (entries.length && spec.padNull && positional.length > 1) while (positional.length < spec.positional.length) positional.push({ k: "null" });
  if (entries.length) positional.push({ k: "object", entries });
  for (let i = 0; i < positional.length; i++) if (spec.padNull && positional[i].k === "undefined") positional[i] = { k: "null" };
  const out = kind.output(config.options, neutral, bound, outputContext(host, span, config));
  if (out?.assumeRank && x?.kind === "array") host.assumeRank(x, out.assumeRank);
  if (!deferred && builds) reportUnread(host, row, config, span);
  if (kind.drawsPerCall && neutral === "__call__" && !frame.dry) host.recordDraw(frame);
  const e = call(member(ref, spec.runtime), ...positional);
  return outValue(out, spec.cast && out ? { k: "cast", value: e, type: returnType(outValue(out, e)) } : e);
}

/** An argument the source gives that the runtime layer never receives is not translated: said, never dropped. */
function reportUnread(host: LayerHost, row: SourceLayer, config: LayerConfig, span: Span): void {
  const read = (config.options as ReadOptions).read;
  if (!read) return;
  for (const [option, pyName] of config.given ?? []) if (!read.has(option)) host.unsupported(span, `${row.autoName}(${pyName}=...): the runtime layer takes no such argument`);
}

/** The catalog's layer for a row with these options (a variant some options call for). */
function kindOf(row: SourceLayer, options: LayerOptions): LayerKind | undefined {
  const kind = LAYERS[row.layer];
  const variant = kind?.variant?.(options);
  return variant ? LAYERS[variant] : kind;
}

/**
 * A variable read off a framework layer (`embed.embedding`): the runtime
 * member's value, once the layer is built; undefined when the layer has no
 * such attribute.
 */
export function layerAttribute(host: LayerHost, inst: Instance, attr: string, span: Span): Value | undefined {
  const row = inst.ctor.kind === "global" ? host.layers[inst.ctor.name] : undefined;
  if (!row) return undefined;
  const config = layerConfig(host, inst, row, span);
  const a = kindOf(row, config.options)?.attributes?.[attr];
  if (!a) return undefined;
  if (!inst.built) return host.stop(span, `reading '${attr}' of ${row.autoName} before its first call`);
  return { kind: "array", call: member(member(inst.built.call, a.member), "value"), shape: a.shape(config.options, inst.layerArgs ?? new Map()), dtype: "float32" };
}

/**
 * A layer of the catalog built and called where a frontend idiom asks
 * (Haiku's `hk.dropout(rng, rate, x)`), with options already neutral.
 */
export function applyNeutral(host: LayerHost, inst: Instance, layer: string, options: LayerOptions, inputs: Value[], span: Span, frame: Frame, base: string, callOptions?: Record<string, boolean>): Value {
  const kind = LAYERS[layer];
  const x = inputs[0];
  if (x?.kind !== "array") return host.stop(span, `${layer} applied to ${x ? describe(x) : "nothing"}`);
  const bound: CallArgs = new Map([["x", x]]);
  const config: LayerConfig = { options, modules: new Map() };
  const row: SourceLayer = { layer, params: [], leaves: {}, draws: [], autoName: base };
  host.ensureBuilt(inst, frame, span, (ctx) => buildSpec(host, kind, row, config, "__call__", bound, frame, span, ctx), kind.runtime, base);
  const out = kind.output(options, "__call__", bound, outputContext(host, span));
  if (kind.drawsPerCall && !frame.dry) host.recordDraw(frame);
  const extra: TExpr[] = callOptions ? [{ k: "object", entries: Object.entries(callOptions).map(([key, v]) => ({ key, value: { k: "bool", value: v } as TExpr })) }] : [];
  return outValue(out, call(member(inst.built!.call, "call"), host.callExpr(x, span, "a layer input"), ...extra));
}

/** The construction of a layer: positional arguments from its options and first call, then its options object. */
function buildSpec(host: LayerHost, kind: LayerKind, row: SourceLayer, config: LayerConfig, method: string, args: CallArgs, frame: Frame, span: Span, ctx: { missing(what: string): TExpr }): BuildSpec {
  const build: BuildContext = {
    ...outputContext(host, span, config),
    missing: ctx.missing,
    build: (name, m, a, index) => {
      const given = config.modules.get(name);
      const field = row.params.find((p) => p.option === name)?.name ?? name;
      return buildChild(host, itemOf(given, index), m, a, frame, span, ctx, index === undefined ? field : `${field}_${index}`, row.layer === "Sequential");
    },
  };
  const positional = kind.positional(config.options, args, build, method);
  const named = kind.options.filter((o) => config.options.get(o)?.ctor).map((o) => ({ key: kind.rename?.[o] ?? o, value: config.options.get(o)!.ctor! }));
  const entries = [...named, ...(kind.derived?.(config.options, args, build, method) ?? []), ...(kind.noRngs ? [] : [{ key: "rngs", value: id("rngs") }])];
  return {
    cls: kind.runtimeFor?.(config.options) ?? kind.runtime,
    args: entries.length ? [...positional, { k: "object", entries }] : positional,
    layer: { leaves: row.leaves, draws: row.draws, keepdims: row.keepdims, ...(row.flattened ? { flattened: row.flattened } : {}), initialFromCall: row.initialFromCall, ...(kind.drawsPerCall ? { dropout: true } : {}) },
  };
}

/**
 * A module given to a layer, constructed inside the layer's construction (or
 * the member it was already built into). Its construction was recorded where
 * the source constructed it, so the source names it as it would.
 */
function buildChild(host: LayerHost, v: Value | undefined, method: string, args: CallArgs, frame: Frame, span: Span, ctx: { missing(what: string): TExpr }, field: string, ownClasses = false): TExpr {
  if (v?.kind !== "module") return ctx.missing("a module given to the layer");
  const inst = v.inst;
  if (inst.built) return inst.built.ctor;
  // Linen: a module made in setup and given to a layer is adopted by it, named after the field (`cell`, `layers_0`),
  // unless setup assigned it to an attribute first (`self.cell = ...`): that bound and named it in the module itself.
  const inner = host.framework === "linen" && inst.record?.e === "construct" && !!inst.record.eager && !inst.setupBound;
  if (inner && inst.record?.e === "construct" && !inst.record.name) inst.record.name = { k: "str", value: field };
  // A module of the file (an item of nn.Sequential): built by its own class, with the sizes this input gives it.
  if (ownClasses && inst.ctor.kind === "class" && method === "__call__") return host.buildUserChild(v, method, args, frame, span, inner);
  const row = inst.ctor.kind === "global" ? host.layers[inst.ctor.name] : undefined;
  const config = row && layerConfig(host, inst, row, span);
  const kind = row && config && kindOf(row, config.options);
  if (!row || !config || !kind) return host.stop(span, `${describe(inst.ctor)} given to a layer (only the frameworks' own layers, and the file's modules inside Sequential, are supported there)`);
  const spec = buildSpec(host, kind, row, config, method, args, frame, span, ctx);
  const created: TExpr = { k: "new", cls: { k: "raw", text: spec.cls }, args: spec.args };
  if (frame.dry) return created;
  inst.built = { member: "_", call: id("_"), ctor: id("_") };
  inst.inline = true;
  return { k: "recorded", event: { e: "build", site: inst.id, layer: spec.layer, ...(inner ? { inner: true } : {}) }, value: created };
}

/** Modules built inside a layer are reached through the layer's member for later calls (`this.rnn.cell`). */
function adoptChildren(kind: LayerKind, config: LayerConfig, inst: Instance): void {
  if (!inst.built) return;
  for (const [option, v] of config.modules) {
    const field = kind.children?.[option];
    if (v.kind !== "module" || !v.inst.inline || !field) continue;
    v.inst.built = { member: `${inst.built.member}.${field}`, call: member(inst.built.call, field), ctor: member(inst.built.ctor, field) };
    v.inst.inline = false;
  }
}

/** A module given as an option, or item `index` of a list of them. */
function itemOf(v: Value | undefined, index: number | undefined): Value | undefined {
  if (index === undefined) return v;
  return v?.kind === "list" || v?.kind === "tuple" ? v.items[index] : undefined;
}

function outputContext(host: LayerHost, span: Span, config?: LayerConfig): OutputContext {
  return {
    items: (name) => {
      const v = config?.modules.get(name);
      if (v?.kind !== "list" && v?.kind !== "tuple") return undefined;
      return v.items.map((item) => (item.kind === "module" ? "module" : host.asStatic(item, span)?.ctor));
    },
    applyItem: (name, index, x) => {
      const v = itemOf(config?.modules.get(name), index);
      if (!v || v.kind === "module") return undefined;
      const r = host.functionLayer(v, { kind: "array", call: { k: "id", name: "_" }, shape: x.shape, dtype: x.dtype } as ArrayV, span);
      return r && { expr: r.expr, out: { shape: r.out.shape, dtype: r.out.dtype } };
    },
    applyFunction: (name, xs) => {
      const v = config?.modules.get(name);
      if (!v || (v.kind !== "func" && v.kind !== "partial")) return undefined;
      const r = host.functionLayer(v, xs.map((x) => ({ kind: "array", call: { k: "id", name: "_" }, shape: x.shape, dtype: x.dtype }) as ArrayV), span);
      return r ? { expr: r.expr, out: { shape: r.out.shape, dtype: r.out.dtype } } : null;
    },
    childInfo: (name, index) => {
      const v = itemOf(config?.modules.get(name), index);
      if (v?.kind !== "module" || v.inst.ctor.kind !== "global") return undefined;
      const row = host.layers[v.inst.ctor.name];
      return row ? { layer: row.layer, options: layerConfig(host, v.inst, row, span).options } : undefined;
    },
    childType: (name, index) => {
      const v = itemOf(config?.modules.get(name), index);
      if (v?.kind !== "module" || v.inst.ctor.kind !== "global") return undefined;
      const row = host.layers[v.inst.ctor.name];
      if (!row) return undefined;
      const childConfig = layerConfig(host, v.inst, row, span);
      const kind = kindOf(row, childConfig.options);
      if (!kind) return undefined;
      return kind.type?.(childConfig.options, outputContext(host, span, childConfig)) ?? kind.runtimeFor?.(childConfig.options) ?? kind.runtime;
    },
    child: (name, method, args, index) => {
      const v = itemOf(config?.modules.get(name), index);
      if (v?.kind === "module" && v.inst.ctor.kind === "class" && method === "__call__") return host.userChildOutput(v, method, args, span);
      if (v?.kind !== "module" || v.inst.ctor.kind !== "global") return undefined;
      const row = host.layers[v.inst.ctor.name];
      if (!row) return undefined;
      const childConfig = layerConfig(host, v.inst, row, span);
      const kind = kindOf(row, childConfig.options);
      if (!kind) return undefined;
      return kind.output(childConfig.options, row.calls?.[method]?.method ?? method, args, outputContext(host, span, childConfig));
    },
  };
}

/** The value a layer call returns, read from the call expression. */
export function outValue(out: OutSpec | undefined, e: TExpr): Value {
  if (out && "items" in out) return { kind: "tuple", items: out.items.map((o, i) => outValue(o, { k: "index", object: e, index: { k: "num", value: i } })), call: e };
  // A named tuple (LSTMState): its fields by name, and a tuple too (`state[0]`, `h, c = state`).
  if (out && "fields" in out) return { kind: "dict", entries: Object.entries(out.fields).map(([k, o]) => [k, outValue(o, member(e, k))]), call: e, tuple: true };
  return { kind: "array", call: e, shape: out?.shape ?? unknownShape, dtype: out?.dtype ?? "unknown" };
}

declare module "./values.js" {
  interface Instance {
    /** Built inside another layer's construction; reachable once that layer names it. */
    inline?: boolean;
    /** The arguments of the call that built the layer (its input sizes), by neutral name. */
    layerArgs?: CallArgs;
    /** Made with Linen's `parent=None`: not a submodule, never built (its methods that need no variables translate). */
    detached?: boolean;
    /** Linen: assigned to an attribute in setup (alone or in a list), so bound and named in that module, never adopted by a layer it is given to. */
    setupBound?: boolean;
  }
}
