// Recurrence: Linen's cells on the runtime's (nnx.LSTMCell for LSTMCell and
// OptimizedLSTMCell, nnx.LinenGRUCell, MGUCell, SimpleCell, ConvLSTMCell:
// `cell(carry, x)` and `initialize_carry(rng, input_shape)`), nnx.RNN and
// nnx.Bidirectional (their cells built inside them with the step's sizes).
import { call, member, num, type TExpr } from "../../ts/ast.js";
import { sizesOf } from "../ops/index.js";
import { dimAt, materialize, type Dim, type SymShape } from "../shapes.js";
import type { ArrayV, DType, StaticV, Value } from "../values.js";
import {
  arrayShape,
  ctorOf,
  knownOpt,
  opt,
  spatialRank,
  xShape,
  type BuildContext,
  type CallArgs,
  type LayerKind,
  type LayerMethod,
  type LayerOptions,
  type OutSpec,
  type OutputContext,
} from "./index.js";

/** Removes axis `axis` (negative: from the end) of a shape. */
function dropAxis(s: SymShape, axis: number): SymShape {
  if (s.rank !== undefined) {
    const a = axis < 0 ? axis + s.rank : axis;
    return { rank: s.rank - 1, dims: materialize(s).filter((_, i) => i !== a) };
  }
  if (axis >= 0) return { dims: [] };
  const n = Math.max(-axis, s.dims.length);
  const dims = Array.from({ length: n }, (_, i) => dimAt(s, i - n));
  dims.splice(n + axis, 1);
  return { dims };
}

/** Inserts an axis of size `d` at `axis` (negative: counted in the result from the end). */
function addAxis(s: SymShape, axis: number, d: Dim): SymShape {
  if (s.rank !== undefined) {
    const dims = materialize(s);
    const a = axis < 0 ? axis + s.rank + 1 : axis;
    dims.splice(a, 0, d);
    return { rank: s.rank + 1, dims };
  }
  if (axis >= 0) return { dims: [] };
  const n = Math.max(-axis - 1, s.dims.length);
  const dims = Array.from({ length: n }, (_, i) => dimAt(s, i - n));
  dims.splice(n + axis + 1, 0, d);
  return { dims };
}

/** The carry of a cell for steps of this shape: LSTMs keep (c, h), the others one array. */
function carryOf(parts: 1 | 2, step: SymShape, features: Dim): OutSpec {
  const one: OutSpec = { shape: replaceLast(step, features), dtype: "float32" };
  return parts === 1 ? one : { items: [one, one] };
}

function replaceLast(s: SymShape, d: Dim): SymShape {
  if (s.rank !== undefined) return { rank: s.rank, dims: [...materialize(s).slice(0, -1), d] };
  return { dims: [...s.dims.slice(0, -1), d] };
}

/** The shape `initialize_carry(rng, input_shape)` is given. */
function givenShape(args: CallArgs): SymShape {
  const v = args.get("inputShape");
  // `x[:, 0].shape`: the sizes the constructor knows, item by item.
  const ctor = v?.kind === "static" ? v.ctor : undefined;
  if (ctor?.k === "array") return { rank: ctor.items.length, dims: ctor.items };
  const sizes = sizesOf(v);
  return sizes ? { rank: sizes.length, dims: sizes } : { dims: [] };
}

/** A cell's input size: from its step input, or the last size of initialize_carry's input_shape. */
function cellIn(args: CallArgs, ctx: BuildContext): TExpr {
  const x = args.get("x");
  const d = x ? dimAt(arrayShape(x), -1) : dimAt(givenShape(args), -1);
  return d ?? ctx.missing("the size of the cell's input");
}

/** An initializer that gives zeros whatever its key (`zeros`, `zeros_init()`). */
function zerosLike(init: StaticV): boolean {
  const e = init.ctor ?? init.call;
  if (e?.k === "rt") return e.path === "nnx.initializers.zeros";
  return e?.k === "call" && e.args.length === 0 && e.fn.k === "rt" && e.fn.path === "nnx.initializers.zerosInit";
}

/** `input_shape[:-1] + (features,)` as the method reads it: item by item when the items are there. */
function memShapeExpr(shape: Value | undefined, features: TExpr): TExpr | undefined {
  const items = shape?.kind === "static" ? (shape as { items?: StaticV[] }).items : shape?.kind === "tuple" || shape?.kind === "list" ? shape.items : undefined;
  if (items) {
    const calls = items.slice(0, -1).map((i) => (i.kind === "static" ? (i.call ?? (typeof i.known === "number" ? num(i.known) : undefined)) : undefined));
    if (items.length && calls.every((c) => c)) return { k: "array", items: [...(calls as TExpr[]), features] };
  }
  const whole = shape?.kind === "static" ? shape.call : undefined;
  return whole && { k: "array", items: [{ k: "spread", value: call(member(whole, "slice"), num(0), num(-1)) }, features] };
}

/**
 * `Cell(features, parent=None).initialize_carry(rng, input_shape)`: a detached
 * cell has no parameters, and with the default carry_init (zeros) its carry is
 * zeros of `input_shape[:-1] + (features,)` whatever the key; one array per
 * carry part.
 */
function detachedCarry(parts: 1 | 2) {
  return (o: LayerOptions, method: string, args: CallArgs): TExpr | string => {
    if (method !== "initialize_carry") return `${method}(...) of a cell made with parent=None (it has no parameters)`;
    const init = opt(o, "carryInit");
    if (init && !zerosLike(init)) return "initialize_carry of a cell made with parent=None whose carry_init is not zeros (its carry depends on the key)";
    const features = opt(o, "features")?.call;
    const shape = features && memShapeExpr(args.get("inputShape"), features);
    if (!shape) return "initialize_carry of a cell made with parent=None given a shape nnxport cannot read";
    const zeros = call("jnp.zeros", shape);
    return parts === 1 ? zeros : { k: "array", items: [zeros, zeros] };
  };
}

const CELL_METHODS: Record<string, LayerMethod> = {
  __call__: { runtime: "call", positional: ["carry", "x"] },
  initialize_carry: { runtime: "initializeCarry", positional: ["inputShape", "rng"] },
};

/**
 * Linen's cells (all but ConvLSTMCell) size their layers by the carry's last
 * axis (`hidden_features = h.shape[-1]`), not by `features`, which only
 * initialize_carry reads: the carry's size when the call gives it.
 */
function carryHidden(args: CallArgs, parts: 1 | 2): Dim {
  const c = args.get("carry");
  const h = parts === 2 ? (c?.kind === "tuple" || c?.kind === "list" ? c.items[1] : undefined) : c;
  return h?.kind === "array" ? dimAt(h.shape, -1) : undefined;
}

function cell(runtime: string, parts: 1 | 2, options: string[], fromCarry = true): LayerKind {
  return {
    runtime,
    positional: (o, args, ctx) => {
      // `features` is read (initialize_carry's size) even when the carry sizes the layers.
      o.get("features");
      return [cellIn(args, ctx), (fromCarry ? carryHidden(args, parts) : undefined) ?? ctorOf(o, "features", ctx)];
    },
    options,
    methods: CELL_METHODS,
    detached: detachedCarry(parts),
    output: (o, method, args) => {
      const features = (fromCarry && method !== "initialize_carry" ? carryHidden(args, parts) : undefined) ?? opt(o, "features")?.ctor;
      if (method === "initialize_carry") return carryOf(parts, givenShape(args), features);
      const y: OutSpec = { shape: replaceLast(xShape(args), features), dtype: "float32" };
      return { items: [carryOf(parts, xShape(args), features), y] };
    },
  };
}

const CELL_OPTIONS = ["gateFn", "activationFn", "kernelInit", "recurrentKernelInit", "biasInit", "carryInit"];

/** Trailing feature axes of a cell's step input (ConvLSTMCell: its spatial axes and the features). */
function featureAxes(ctx: OutputContext, name: string): number {
  const info = ctx.childInfo(name);
  if (info?.layer !== "ConvLSTMCell") return 1;
  return (spatialRank(info.options.get("kernelSize")) ?? 0) + 1;
}

/** The time axis of an RNN's input (negative: from the end when the rank is not known). */
function timeAxis(o: LayerOptions, args: CallArgs, ctx: OutputContext, cellName = "cell"): number {
  const major = args.get("timeMajor");
  const tm = major?.kind === "static" && typeof major.known === "boolean" ? major.known : knownOpt(o, "timeMajor") === true;
  return tm ? 0 : -(featureAxes(ctx, cellName) + 1);
}

function returnsCarry(o: LayerOptions, args: CallArgs): boolean | undefined {
  const given = args.get("returnCarry");
  if (given?.kind === "static") return given.known === true ? true : given.known === false ? false : undefined;
  const k = knownOpt(o, "returnCarry");
  return k === undefined || k === false ? false : k === true ? true : undefined;
}

function stepArgs(x: SymShape, axis: number): CallArgs {
  const step: ArrayV = { kind: "array", call: { k: "id", name: "_" }, shape: dropAxis(x, axis), dtype: "float32" };
  return new Map([["x", step]]);
}

/** An RNN's outputs (and final carry): the cell's step output with the time axis put back. */
function rnnOutput(o: LayerOptions, args: CallArgs, ctx: OutputContext): OutSpec | undefined {
  const x = xShape(args);
  const axis = timeAxis(o, args, ctx);
  const out = ctx.child("cell", "__call__", stepArgs(x, axis));
  if (!out || !("items" in out) || out.items.length !== 2 || !("shape" in out.items[1])) return undefined;
  const ys: OutSpec = { shape: addAxis(out.items[1].shape, axis, dimAt(x, axis)), dtype: "float32" };
  const rc = returnsCarry(o, args);
  if (rc === undefined) return undefined;
  return rc ? { items: [out.items[0], ys] } : ys;
}

/** A cell's carry type: (c, h) for the LSTMs, one array for the others. */
function carryType(ctx: OutputContext, name: string): string | undefined {
  const layer = ctx.childInfo(name)?.layer;
  if (!layer) return undefined;
  return layer === "LSTMCell" || layer === "ConvLSTMCell" ? "[nnx.Array, nnx.Array]" : "nnx.Array";
}

/** A Haiku core's state for these leading (batch) sizes: LSTMState(hidden, cell) or one array. */
function coreState(lstm: boolean, lead: Dim[] | undefined, hidden: Dim): OutSpec {
  const shape: SymShape = lead ? { rank: lead.length + 1, dims: [...lead, hidden] } : { dims: [hidden] };
  const one: OutSpec = { shape, dtype: "float32" };
  return lstm ? { fields: { hidden: one, cell: one } } : one;
}

/** `initial_state(batch_size)`'s leading sizes: [batch], or none for None. */
function batchLead(args: CallArgs): Dim[] {
  const b = args.get("batchSize");
  if (!b || (b.kind === "static" && b.known === null)) return [];
  if (b.kind === "static") return [typeof b.known === "number" ? num(b.known) : b.ctor];
  return [undefined];
}

/** DeepRNN's and ResetCore's: their input may be a tuple (ResetCore's `(inputs, should_reset)`), the runtime's nests are cast. */
const CORE_METHODS_DEEP: Record<string, LayerMethod> = {
  __call__: { runtime: "call", positional: ["inputs", "state"], cast: true },
  initial_state: { runtime: "initialState", positional: ["batchSize"], defersBuild: true, nullIfAbsent: true, cast: true },
};

const CORE_METHODS: Record<string, LayerMethod> = {
  __call__: { runtime: "call", positional: ["x", "state"] },
  initial_state: { runtime: "initialState", positional: ["batchSize"], defersBuild: true, nullIfAbsent: true },
};

/**
 * `hk.LSTM(n).initial_state(batch_size)` on a core made for nothing else: its
 * state is zeros of [batch_size, hidden] (of [hidden] for None), no layer.
 */
function detachedState(lstm: boolean) {
  return (o: LayerOptions, method: string, args: CallArgs): TExpr | string => {
    if (method !== "initial_state") return `${method}(...) of a core made only for it (it has no parameters there)`;
    const hidden = opt(o, "hiddenSize")?.ctor;
    if (!hidden) return "initial_state of a core whose hidden size nnxport cannot read";
    const b = args.get("batchSize");
    const batch = !b || (b.kind === "static" && b.known === null) ? undefined : b.kind === "static" ? (b.call ?? b.ctor) : undefined;
    if (b && !(b.kind === "static" && b.known === null) && !batch) return "initial_state given a batch size nnxport cannot read";
    const zeros = call("jnp.zeros", { k: "array", items: batch ? [batch, hidden] : [hidden] });
    return lstm ? { k: "object", entries: [{ key: "hidden", value: zeros }, { key: "cell", value: zeros }] } : zeros;
  };
}

/** hk.LSTM / hk.GRU / hk.VanillaRNN: `core(x, state) → (y, state)`, `initial_state(batch_size)`. */
function haikuCore(runtime: string, lstm: boolean, options: string[]): LayerKind {
  return {
    detached: detachedState(lstm),
    runtime,
    positional: (o, args, ctx) => [dimAt(xShape(args), -1) ?? ctx.missing("the size of the core's input"), ctorOf(o, "hiddenSize", ctx)],
    options,
    methods: CORE_METHODS,
    output: (o, method, args) => {
      const hidden = opt(o, "hiddenSize")?.ctor;
      if (method === "initial_state") return coreState(lstm, batchLead(args), hidden);
      const x = xShape(args);
      const lead = x.rank !== undefined ? materialize(x).slice(0, -1) : undefined;
      return { items: [{ shape: replaceLast(x, hidden), dtype: "float32" }, coreState(lstm, lead, hidden)] };
    },
  };
}

/**
 * hk.Conv1DLSTM/2D/3D (n) and hk.ConvNDLSTM (its rank first): sized by the
 * input's channels; the state is [batch, ...input_shape, output_channels].
 */
function haikuConvLstm(n?: number): LayerKind {
  return {
    runtime: n ? `hk.Conv${n}DLSTM` : "hk.ConvNDLSTM",
    positional: (o, args, ctx) => [
      ...(n ? [] : [ctorOf(o, "numSpatialDims", ctx)]),
      dimAt(xShape(args), -1) ?? ctx.missing("the number of the core's input channels"),
      ctorOf(o, "inputShape", ctx),
      ctorOf(o, "outputChannels", ctx),
      ctorOf(o, "kernelShape", ctx),
    ],
    options: [],
    methods: CORE_METHODS,
    output: (o, method, args) => {
      const out = opt(o, "outputChannels")?.ctor;
      if (method === "initial_state") {
        const spatial = sizesOf(o.get("inputShape"));
        const shape: SymShape = spatial ? { rank: batchLead(args).length + spatial.length + 1, dims: [...batchLead(args), ...spatial, out] } : { dims: [out] };
        const one: OutSpec = { shape, dtype: "float32" };
        return { fields: { hidden: one, cell: one } };
      }
      const y: OutSpec = { shape: replaceLast(xShape(args), out), dtype: "float32" };
      return { items: [y, { fields: { hidden: y, cell: y } }] };
    },
  };
}

/** Whether item `i` of a DeepRNN's layers is a core (it has a state), not a module applied as a function. */
function isCore(ctx: OutputContext, i: number): boolean {
  const layer = ctx.childInfo("layers", i)?.layer;
  return !!layer && !!RECURRENT[layer]?.methods?.initial_state;
}

/** The neutral name of a child core's step input: `inputs` for the cores that take nests (DeepRNN, ResetCore, IdentityCore), else `x`. */
function coreInput(ctx: OutputContext, name: string, index?: number): string {
  const layer = ctx.childInfo(name, index)?.layer;
  return (layer && RECURRENT[layer]?.methods?.__call__?.positional[0]) ?? "x";
}

/** A shape-only value of an output (what the next layer is sized by). */
function specValue(o: OutSpec): Value {
  if ("items" in o) return { kind: "tuple", items: o.items.map(specValue) };
  if ("fields" in o) return { kind: "dict", entries: Object.entries(o.fields).map(([k, f]) => [k, specValue(f)]) };
  return { kind: "array", call: { k: "id", name: "_" }, shape: o.shape, dtype: o.dtype } as ArrayV;
}

/**
 * DeepRNN's layers in turn: each core's output feeds the next layer; a module
 * that is not a core (hk.nets.MLP) maps the running output; a framework
 * function keeps its shape; a function of the file (a lambda) is staged on it.
 * The input may be a tuple only for a core that takes one (hk.ResetCore's
 * `(inputs, should_reset)`).
 */
function deepChain(ctx: OutputContext, x: Value | undefined, visit?: (i: number, args: CallArgs) => void, fn?: (i: number, expr: TExpr) => void): { y: OutSpec; states: OutSpec[] } | undefined {
  const items = ctx.items("layers");
  if (!items || !x) return undefined;
  let current: Value = x.kind === "array" ? { ...x, call: { k: "id", name: "_" } } : x;
  const states: OutSpec[] = [];
  for (const [i, item] of items.entries()) {
    if (item === undefined) {
      if (current.kind !== "array") return undefined;
      const f = ctx.applyItem("layers", i, current);
      if (!f || !("shape" in f.out)) return undefined;
      fn?.(i, f.expr);
      current = specValue(f.out);
      continue;
    }
    if (item !== "module") {
      if (current.kind !== "array") return undefined;
      continue;
    }
    const a: CallArgs = new Map([[coreInput(ctx, "layers", i), current]]);
    visit?.(i, a);
    const out = ctx.child("layers", "__call__", a, i);
    if (out && "shape" in out && !isCore(ctx, i)) {
      current = specValue(out);
      continue;
    }
    if (!out || !("items" in out)) return undefined;
    current = specValue(out.items[0]);
    states.push(out.items[1]);
  }
  if (current.kind !== "array") return undefined;
  return { y: { shape: current.shape, dtype: current.dtype }, states };
}

/** Bidirectional's two directions run on its input: their (carry, outputs), and the outputs' shapes. */
function bidirectionalOutputs(args: CallArgs, ctx: OutputContext): { f: { items: OutSpec[] }; b: { items: OutSpec[] }; fy: { shape: SymShape; dtype: DType }; by: { shape: SymShape; dtype: DType } } | undefined {
  const bare = new Map([["x", args.get("x")!], ["returnCarry", { kind: "static", type: { t: "bool" }, known: true } as StaticV]]);
  const f = ctx.child("forwardRnn", "__call__", bare);
  const b = ctx.child("backwardRnn", "__call__", bare);
  if (!f || !b || !("items" in f) || !("items" in b)) return undefined;
  const [fy, by] = [f.items[1], b.items[1]];
  if (!("shape" in fy) || !("shape" in by)) return undefined;
  return { f, b, fy, by };
}

/** The runtime state type of the cores a ResetCore may wrap, by layer. */
const RESET_STATE: Record<string, string> = {
  HaikuLSTM: "hk.LSTMState",
  HaikuConv1DLSTM: "hk.LSTMState",
  HaikuConv2DLSTM: "hk.LSTMState",
  HaikuConv3DLSTM: "hk.LSTMState",
  HaikuConvNDLSTM: "hk.LSTMState",
  HaikuGRU: "nnx.Array",
  HaikuVanillaRNN: "nnx.Array",
};

/**
 * hk.ResetCore's step input `(inputs, should_reset)`: the wrapped core is
 * called with `inputs` and the state (reset where should_reset is true).
 */
function resetInner(args: CallArgs, ctx: OutputContext): CallArgs | undefined {
  const x = args.get("inputs");
  if (x?.kind !== "tuple" && x?.kind !== "list") return undefined;
  if (x.items.length !== 2) return undefined;
  const state = args.get("state");
  const name = coreInput(ctx, "core");
  return new Map(state ? [[name, x.items[0]], ["state", state]] : [[name, x.items[0]]]);
}

export const RECURRENT: Record<string, LayerKind> = {
  HaikuDeepRNN: {
    runtime: "hk.DeepRNN",
    positional: (_o, args, ctx) => {
      const items = ctx.items("layers") ?? [];
      const built = new Map<number, TExpr>();
      deepChain(ctx, args.get("inputs"), (i, a) => built.set(i, ctx.build("layers", "__call__", a, i)), (i, e) => built.set(i, e));
      return [{ k: "array", items: items.map((item, i) => (item === "module" ? (built.get(i) ?? ctx.missing(`the input of layer ${i}`)) : (item ?? built.get(i) ?? ctx.missing(`layer ${i} (only cores, modules and functions)`)))) }];
    },
    options: [],
    noRngs: true,
    methods: CORE_METHODS_DEEP,
    output: (_o, method, args, ctx) => {
      const items = ctx.items("layers") ?? [];
      if (method === "initial_state") {
        const states = items.map((item, i) => (item === "module" && isCore(ctx, i) ? ctx.child("layers", "initial_state", args, i) : null)).filter((s) => s !== null);
        return states.every((s) => s) ? { items: states as OutSpec[] } : undefined;
      }
      const r = deepChain(ctx, args.get("inputs"));
      return r && { items: [r.y, { items: r.states }] };
    },
  },
  HaikuResetCore: {
    runtime: "hk.ResetCore",
    positional: (_o, args, ctx) => {
      const inner = resetInner(args, ctx);
      return [inner ? ctx.build("core", "__call__", inner) : ctx.missing("the core's input (ResetCore takes (inputs, should_reset))")];
    },
    options: [],
    noRngs: true,
    methods: CORE_METHODS_DEEP,
    output: (_o, method, args, ctx) => {
      if (method === "initial_state") return ctx.child("core", "initial_state", args);
      const inner = resetInner(args, ctx);
      return inner && ctx.child("core", "__call__", inner);
    },
    // Typed by the core's state when it is one of Haiku's single cores, so initial_state and the unrolls keep it.
    type: (_o, ctx) => {
      const state = RESET_STATE[ctx.childInfo("core")?.layer ?? ""];
      return state && `hk.ResetCore<${state}, nnx.Array, nnx.Array>`;
    },
    children: { core: "core" },
  },
  HaikuIdentityCore: {
    runtime: "hk.IdentityCore",
    positional: () => [],
    options: [],
    noRngs: true,
    methods: { __call__: { runtime: "call", positional: ["inputs", "state"] }, initial_state: { runtime: "initialState", positional: ["batchSize"] } },
    output: (_o, method, args) => {
      if (method === "initial_state") return { items: [] };
      const spec = (v: ReturnType<CallArgs["get"]>): OutSpec | undefined => (v?.kind === "array" ? { shape: v.shape, dtype: v.dtype } : undefined);
      const [i, st] = [spec(args.get("inputs")), spec(args.get("state")) ?? { items: [] }];
      return i && { items: [i, st] };
    },
  },
  HaikuLSTM: haikuCore("hk.LSTM", true, []),
  HaikuConv1DLSTM: haikuConvLstm(1),
  HaikuConv2DLSTM: haikuConvLstm(2),
  HaikuConv3DLSTM: haikuConvLstm(3),
  HaikuConvNDLSTM: haikuConvLstm(),
  HaikuGRU: haikuCore("hk.GRU", false, ["wIInit", "wHInit", "bInit"]),
  HaikuVanillaRNN: haikuCore("hk.VanillaRNN", false, ["doubleBias"]),
  LSTMCell: cell("nnx.LSTMCell", 2, CELL_OPTIONS),
  LinenGRUCell: cell("nnx.LinenGRUCell", 1, CELL_OPTIONS),
  MGUCell: cell("nnx.MGUCell", 1, ["gateFn", "activationFn", "kernelInit", "recurrentKernelInit", "forgetBiasInit", "activationBiasInit", "carryInit", "resetGate"]),
  SimpleCell: cell("nnx.SimpleCell", 1, ["activationFn", "kernelInit", "recurrentKernelInit", "biasInit", "carryInit", "residual"]),
  ConvLSTMCell: {
    ...cell("nnx.ConvLSTMCell", 2, ["strides", "padding", "useBias", "carryInit"], false),
    positional: (o, args, ctx) => [cellIn(args, ctx), ctorOf(o, "features", ctx), ctorOf(o, "kernelSize", ctx)],
  },
  RNN: {
    runtime: "nnx.RNN",
    positional: (o, args, ctx) => [ctx.build("cell", "__call__", stepArgs(xShape(args), timeAxis(o, args, ctx)))],
    options: ["timeMajor", "returnCarry", "reverse", "keepOrder"],
    noRngs: true,
    methods: { __call__: { runtime: "call", positional: ["x"], options: ["initialCarry", "seqLengths", "returnCarry", "timeMajor", "reverse", "keepOrder"], fromOptions: ["returnCarry"] } },
    output: (o, _m, args, ctx) => rnnOutput(o, args, ctx),
    type: (_o, ctx) => {
      const c = carryType(ctx, "cell");
      return c && `nnx.RNN<${c}>`;
    },
    children: { cell: "cell" },
  },
  Bidirectional: {
    runtime: "nnx.Bidirectional",
    positional: (_o, args, ctx) => [ctx.build("forwardRnn", "__call__", new Map([["x", args.get("x")!]])), ctx.build("backwardRnn", "__call__", new Map([["x", args.get("x")!]]))],
    options: ["mergeFn", "timeMajor", "returnCarry"],
    noRngs: true,
    methods: { __call__: { runtime: "call", positional: ["x"], options: ["initialCarry", "seqLengths", "returnCarry", "timeMajor"], fromOptions: ["returnCarry"] } },
    // A merge_fn of the file (`lambda a, b: a + b`): an arrow staged on both directions' outputs.
    derived: (_o, args, ctx) => {
      const d = bidirectionalOutputs(args, ctx);
      const f = d ? ctx.applyFunction("mergeFn", [d.fy, d.by]) : ctx.applyFunction("mergeFn", []);
      if (f === undefined) return [];
      return [{ key: "mergeFn", value: f && d ? f.expr : ctx.missing("merge_fn applied to both directions' outputs") }];
    },
    output: (o, _m, args, ctx) => {
      // Each direction's outputs and final carry; merged by concatenating features unless merge_fn says otherwise.
      const d = bidirectionalOutputs(args, ctx);
      if (!d) return undefined;
      const { f, b, fy, by } = d;
      const [df, db] = [dimAt(fy.shape, -1), dimAt(by.shape, -1)];
      const own = ctx.applyFunction("mergeFn", [fy, by]);
      if (own === null) return undefined;
      const merged: OutSpec = own
        ? own.out
        : o.get("mergeFn")
        ? { shape: { dims: [] }, dtype: "float32" }
        : { shape: replaceLast(fy.shape, df && db ? (df.k === "num" && db.k === "num" ? num(df.value + db.value) : { k: "binary", op: "+", left: df, right: db }) : undefined), dtype: "float32" };
      const rc = returnsCarry(o, args);
      if (rc === undefined) return undefined;
      return rc ? { items: [{ items: [f.items[0], b.items[0]] }, merged] } : merged;
    },
    type: (_o, ctx) => {
      // Both directions' carries alike: Bidirectional<C> (otherwise the general carry type).
      const [f, b] = [ctx.childType("forwardRnn"), ctx.childType("backwardRnn")];
      const m = f && f === b ? /^nnx\.RNN<(.*)>$/.exec(f) : null;
      return m ? `nnx.Bidirectional<${m[1]}>` : undefined;
    },
    children: { forwardRnn: "forward_rnn", backwardRnn: "backward_rnn" },
  },
};
