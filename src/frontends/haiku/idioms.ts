// Haiku's idioms: hk.get_parameter / get_state / set_state, hk.next_rng_key,
// hk.dropout and hk.initializers, in terms of the stager's API.
import type { Framework, IdiomCall } from "../../model/framework.js";
import type { StageApi } from "../../stage/api.js";
import type { Expr } from "../../python/ast.js";
import { qualifiedName } from "../../python/ast.js";
import type { ArrayV, StaticV, Value } from "../../stage/values.js";
import { staticOf } from "../../stage/values.js";
import { rt, type TExpr } from "../../ts/ast.js";
import { dimAt, materialize, type Dim, type SymShape } from "../../stage/shapes.js";
import { HAIKU_LAYERS } from "./layers.js";
import { pascal } from "../linen/idioms.js";
import type { Span } from "../../span.js";

/** hk.initializers.X(...) → the runtime's bit-exact Haiku initializers, with Haiku's parameter order. */
const INITIALIZERS: Record<string, { rt: string; params: string[] }> = {
  Constant: { rt: "hk.initializers.Constant", params: ["constant"] },
  RandomNormal: { rt: "hk.initializers.RandomNormal", params: ["stddev", "mean"] },
  RandomUniform: { rt: "hk.initializers.RandomUniform", params: ["minval", "maxval"] },
  TruncatedNormal: { rt: "hk.initializers.TruncatedNormal", params: ["stddev", "mean", "lower", "upper"] },
  VarianceScaling: { rt: "hk.initializers.VarianceScaling", params: ["scale", "mode", "distribution", "fan_in_axes"] },
  UniformScaling: { rt: "hk.initializers.UniformScaling", params: ["scale"] },
  Orthogonal: { rt: "hk.initializers.Orthogonal", params: ["scale", "axis"] },
  Identity: { rt: "hk.initializers.Identity", params: ["gain"] },
};

function idiom(call: IdiomCall, api: StageApi): Value | undefined {
  const name = call.name;
  if (name.startsWith("haiku.initializers.")) return initializer(name.slice("haiku.initializers.".length), call, api);
  switch (name) {
    case "haiku.get_parameter":
      return getVariable(call, api, "params");
    case "haiku.get_state":
      return getVariable(call, api, "state");
    case "haiku.set_state":
      return setState(call, api);
    case "haiku.next_rng_key":
      return api.drawKey("default", call.span);
    case "haiku.maybe_next_rng_key":
      // Under hk.without_apply_rng only init has a key: it draws one, apply gets None.
      return api.applyRng ? api.drawKey("default", call.span) : api.initOnlyKey(call.span);
    case "haiku.next_rng_keys":
      return nextRngKeys(call, api);
    case "haiku.dropout":
      return dropout(call, api);
    case "haiku.running_init":
      // True in init, false in apply: the constructor is NNX's init, a method runs as apply (as Linen's is_initializing).
      if (call.args.length) return api.unsupported(call.span, "hk.running_init with arguments");
      return staticOf({ t: "bool" }, { k: "bool", value: true }, { k: "bool", value: false });
    case "haiku.scan":
      return scan(call, api);
    case "haiku.dynamic_unroll":
      return unroll(call, api, true);
    case "haiku.static_unroll":
      return unroll(call, api, false);
    case "haiku.experimental.layer_stack":
    case "haiku.layer_stack": {
      const args = api.bind(call.args, ["num_layers", "with_per_layer_inputs", "unroll", "pass_reverse_to_layer_fn", "transparent_lift", "name"], "hk.layer_stack", call.span);
      const n = args?.get("num_layers");
      const extra = ["with_per_layer_inputs", "pass_reverse_to_layer_fn", "name"].filter((k) => args?.get(k));
      if (!n || extra.length) return api.unsupported(call.span, "hk.experimental.layer_stack other than with only num_layers");
      // A decorator: applied to its function, it becomes the stack.
      return { kind: "lifted", transform: "stack", target: { kind: "unknown", why: "decorator" }, length: api.value(n), scopeSegment: "__layer_stack_no_per_layer" };
    }
  }
  return undefined;
}

/** `hk.scan(f, init, xs)` over a module: its call stepped along axis 0 of xs. */
function scan(call: IdiomCall, api: StageApi): Value {
  const args = api.bind(call.args, ["f", "init", "xs", "length", "reverse", "unroll"], "hk.scan", call.span);
  const [f, init, xs] = [args?.get("f"), args?.get("init"), args?.get("xs")];
  if (!f || !init || !xs || args?.get("length") || args?.get("unroll")) return api.unsupported(call.span, "hk.scan other than hk.scan(module, carry, xs)");
  const m = api.value(f);
  if (m.kind !== "module") return api.unsupported(f.span, "hk.scan of anything but a module");
  const reverse = args?.get("reverse") ? api.value(args.get("reverse")!) : undefined;
  return api.scan(m, api.value(init), api.value(xs), call.span, reverse?.kind === "static" && reverse.known === true);
}

/**
 * `hk.dynamic_unroll(core, xs, initial_state, time_major=True, reverse=False,
 * return_all_states=False)` / `hk.static_unroll(core, xs, initial_state,
 * time_major=True)`: the core is built with one step's sizes, and the runtime's
 * unroll runs it over the time axis.
 */
function unroll(call: IdiomCall, api: StageApi, dynamic: boolean): Value {
  const what = dynamic ? "hk.dynamic_unroll" : "hk.static_unroll";
  const names = dynamic ? ["core", "input_sequence", "initial_state", "time_major", "reverse", "return_all_states", "unroll"] : ["core", "input_sequence", "initial_state", "time_major"];
  const args = api.bind(call.args, names, what, call.span);
  const [coreE, xsE, initE] = [args?.get("core"), args?.get("input_sequence"), args?.get("initial_state")];
  if (!args || !coreE || !xsE || !initE) return api.unsupported(call.span, `${what} other than ${what}(core, input_sequence, initial_state, ...)`);
  const core = api.value(coreE);
  const xs = api.value(xsE);
  const init = api.value(initE);
  if (core.kind !== "module") return api.unsupported(coreE.span, `${what} of ${core.kind === "func" ? "a function" : "anything but a module"}`);
  // One array, or a tuple of arrays stepped together (hk.ResetCore's `(inputs, should_reset)`).
  const seqs = xs.kind === "array" ? [xs] : (xs.kind === "tuple" || xs.kind === "list") && xs.items.length && xs.items.every((i) => i.kind === "array") ? (xs.items as ArrayV[]) : undefined;
  if (!seqs) return api.unsupported(xsE.span, `${what} over anything but an array or a tuple of arrays`);
  const flag = (k: string): boolean | undefined => {
    const e = args.get(k);
    if (!e) return undefined;
    const v = api.value(e);
    if (v.kind === "static" && typeof v.known === "boolean") return v.known;
    api.unsupported(e.span, `${what}'s ${k} that is not a literal True or False`);
    return undefined;
  };
  const timeMajor = flag("time_major") ?? true;
  const reverse = dynamic ? (flag("reverse") ?? false) : false;
  const allStates = dynamic ? (flag("return_all_states") ?? false) : false;
  const axis = timeMajor ? 0 : 1;
  // One step of the sequence, to build the core with and read its output's shape.
  const stepOf = (a: ArrayV): ArrayV => ({ kind: "array", call: { k: "id", name: "_" }, shape: dropAxis(a.shape, axis), dtype: a.dtype });
  const step: Value = xs.kind === "array" ? stepOf(xs) : { kind: xs.kind as "tuple", items: seqs.map(stepOf) };
  const out = api.callModule(core, "__call__", [step, init], call.span);
  if (out.kind !== "tuple" || out.items.length !== 2) return api.unsupported(call.span, `${what} of a core that does not return (output, state)`);
  const coreRef = api.callExpr(core, coreE.span, `${what}'s core`);
  const rtArgs: TExpr[] = [coreRef, api.callExpr(xs, xsE.span, `${what}'s input`), api.callExpr(init, initE.span, `${what}'s initial state`)];
  if (dynamic) {
    const entries = [
      ...(!timeMajor ? [{ key: "timeMajor", value: { k: "bool", value: false } as TExpr }] : []),
      ...(reverse ? [{ key: "reverse", value: { k: "bool", value: true } as TExpr }] : []),
      ...(allStates ? [{ key: "returnAllStates", value: { k: "bool", value: true } as TExpr }] : []),
    ];
    if (entries.length) rtArgs.push({ k: "object", entries });
  } else if (!timeMajor) rtArgs.push({ k: "bool", value: false });
  const time = dimAt(seqs[0].shape, axis);
  const [y, state] = out.items;
  const unrolled: TExpr = { k: "call", fn: rt(dynamic ? "hk.dynamicUnroll" : "hk.staticUnroll"), args: rtArgs };
  // Cores typed by their state (LSTM, GRU, VanillaRNN) type the result; the others (DeepRNN, ...) hold nests.
  const typed = core.inst.ctor.kind === "global" && ["haiku.LSTM", "haiku.GRU", "haiku.VanillaRNN"].includes(core.inst.ctor.name);
  const result: TExpr = typed ? unrolled : { k: "cast", value: unrolled, type: `[${api.typeOf(y)}, ${api.typeOf(state)}]` };
  return {
    kind: "tuple",
    items: [rebase(y, { k: "index", object: result, index: { k: "num", value: 0 } }, axis, time), rebase(state, { k: "index", object: result, index: { k: "num", value: 1 } }, allStates ? axis : undefined, time)],
    call: result,
  };
}

/** A value read from `e` (its structure kept); with `axis`, each array gains that (time) axis. */
function rebase(v: Value, e: TExpr, axis?: number, size?: Dim): Value {
  if (v.kind === "array") return { ...v, call: e, shape: axis === undefined ? v.shape : insertAxis(v.shape, axis, size) };
  if (v.kind === "tuple" || v.kind === "list") return { kind: v.kind, items: v.items.map((x, i) => rebase(x, { k: "index", object: e, index: { k: "num", value: i } }, axis, size)), call: e };
  if (v.kind === "dict") return { kind: "dict", entries: v.entries.map(([k, x]) => [k, rebase(x, { k: "member", object: e, name: String(k) }, axis, size)]), call: e };
  return v;
}

function dropAxis(s: SymShape, axis: number): SymShape {
  if (s.rank !== undefined) return { rank: s.rank - 1, dims: materialize(s).filter((_, i) => i !== axis) };
  // Unknown rank: a leading axis goes; the features (last axis) stay.
  return { dims: [dimAt(s, -1)] };
}

function insertAxis(s: SymShape, axis: number, d: Dim): SymShape {
  if (s.rank !== undefined) {
    const dims = materialize(s);
    dims.splice(axis, 0, d);
    return { rank: s.rank + 1, dims };
  }
  return { ...s };
}

function initializer(cls: string, call: IdiomCall, api: StageApi): Value {
  const spec = INITIALIZERS[cls];
  if (!spec) return api.unsupported(call.span, `hk.initializers.${cls}`);
  const args = api.bind(call.args, spec.params, `hk.initializers.${cls}`, call.span);
  if (!args) return api.unsupported(call.span, `hk.initializers.${cls}(...)`);
  const ctor: TExpr[] = [];
  const callE: TExpr[] = [];
  let ctorOk = true;
  const last = Math.max(-1, ...spec.params.map((p, i) => (args.has(p) ? i : -1)));
  for (let i = 0; i <= last; i++) {
    const e = args.get(spec.params[i]);
    if (!e) {
      ctor.push({ k: "undefined" });
      callE.push({ k: "undefined" });
      continue;
    }
    const v = api.value(e);
    if (v.kind !== "static") return api.unsupported(e.span, `hk.initializers.${cls}'s '${spec.params[i]}' given as an array`);
    if (v.ctor) ctor.push(v.ctor);
    else ctorOk = false;
    callE.push(v.call ?? { k: "undefined" });
  }
  return staticOf({ t: "initializer" }, ctorOk ? { k: "call", fn: rt(spec.rt), args: ctor } : undefined, { k: "call", fn: rt(spec.rt), args: callE });
}

/** `hk.get_parameter(name, shape, dtype, init)`: a variable of the module, created once. */
function getVariable(call: IdiomCall, api: StageApi, collection: "params" | "state"): Value {
  const what = collection === "params" ? "hk.get_parameter" : "hk.get_state";
  const args = api.bind(call.args, ["name", "shape", "dtype", "init"], what, call.span);
  if (!args) return api.unsupported(call.span, what);
  const nameE = args.get("name");
  const name = nameE && api.value(nameE);
  if (name?.kind !== "static" || typeof name.known !== "string") return api.unsupported(call.span, `${what} with a name that is not a fixed string`);
  const existing = api.variable(collection, name.known);
  if (existing && !args.get("init")) return existing.read;
  const initE = args.get("init");
  if (!initE) return api.unsupported(call.span, `${what}('${name.known}') without an initializer`);
  const init = api.value(initE);
  // A function of (shape, dtype): Haiku calls it as it is; it draws a key only through hk.next_rng_key().
  const fn = init.kind === "func" && init.def.params.length === 2;
  if (fn && JSON.stringify(init.def).includes("next_rng_key")) return api.unsupported(initE.span, `${what} with an initializer function that draws keys`);
  const { read } = api.declareVariable({
    name: name.known,
    collection,
    init,
    convention: "haiku",
    shape: args.get("shape") && api.value(args.get("shape")!),
    dtype: args.get("dtype") && dtypeValue(args.get("dtype")!, api),
    drawsKey: fn ? false : drawsKey(init),
    ...(fn ? { keyless: true } : {}),
    span: call.span,
  });
  return read;
}

/** `dtype=x.dtype` is the input's float dtype here. */
function dtypeValue(e: Expr, api: StageApi): Value {
  const v = api.value(e);
  if (v.kind === "static" && v.type.t === "dtype" && v.known === undefined) return staticOf({ t: "dtype" }, { k: "str", value: "float32" }, { k: "str", value: "float32" }, "float32");
  return v;
}

/** Whether an initializer draws a key from Haiku's sequence (constants do not). */
function drawsKey(init: Value): boolean | "unknown" {
  if (init.kind === "global") return false; // jnp.zeros / jnp.ones
  if (init.kind === "static" && init.type.t === "initializer") {
    const text = JSON.stringify(init.ctor ?? init.call ?? "");
    if (/initializers\.(Constant|Identity)\b|zeros|ones/.test(text)) return false;
    return true;
  }
  return "unknown";
}

function setState(call: IdiomCall, api: StageApi): Value {
  const args = api.bind(call.args, ["name", "value"], "hk.set_state", call.span);
  const nameE = args?.get("name");
  const valueE = args?.get("value");
  const name = nameE && api.value(nameE);
  if (!valueE || name?.kind !== "static" || typeof name.known !== "string") return api.unsupported(call.span, "hk.set_state other than with a fixed name and a value");
  const existing = api.variable("state", name.known);
  if (!existing) return api.unsupported(call.span, `hk.set_state('${name.known}') of a state this module did not get with hk.get_state`);
  api.setVariable(existing.member, api.value(valueE), call.span);
  return staticOf({ t: "none" }, undefined, undefined, null);
}

/**
 * `k1, k2 = hk.next_rng_keys(2)` / `keys = hk.next_rng_keys(n)`: the keys of the
 * stream hk.next_rng_key() draws from, taken together (`hk.nextRngKeys(this.rngs, n)`,
 * which replays PRNGSequence.take). Haiku's sequence moves on by one split, as for
 * one next_rng_key(): one draw.
 */
function nextRngKeys(call: IdiomCall, api: StageApi): Value {
  const args = api.bind(call.args, ["num"], "hk.next_rng_keys", call.span);
  const numE = args?.get("num");
  const n = numE && api.value(numE);
  if (n?.kind !== "static" || typeof n.known !== "number" || !Number.isInteger(n.known) || n.known < 1) return api.unsupported(call.span, "hk.next_rng_keys of a number of keys that is not a fixed positive int");
  const key = api.drawKey("default", call.span);
  // drawKey's key is the stream's next(): `this.rngs()`.
  const stream = key.kind === "key" && key.call.k === "call" && !key.call.args.length ? key.call.fn : undefined;
  if (!stream) return api.unsupported(call.span, "hk.next_rng_keys here");
  const all: TExpr = { k: "call", fn: rt("hk.nextRngKeys"), args: [stream, { k: "num", value: n.known }] };
  return { kind: "tuple", items: Array.from({ length: n.known }, (_, i): Value => ({ kind: "key", call: { k: "index", object: all, index: { k: "num", value: i } } })), call: all };
}

/** `hk.dropout(rng, rate, x)`: NNX Dropout; `rate if training else 0` makes it follow train()/eval(). */
function dropout(call: IdiomCall, api: StageApi): Value {
  const args = api.bind(call.args, ["rng", "rate", "x", "broadcast_dims"], "hk.dropout", call.span);
  const [rngE, rateE, xE] = [args?.get("rng"), args?.get("rate"), args?.get("x")];
  if (!rngE || !rateE || !xE) return api.unsupported(call.span, "hk.dropout other than hk.dropout(rng, rate, x)");
  if (rngE.kind !== "call" || qualifiedName(rngE.fn) !== "haiku.next_rng_key") return keyedDropout(api, rngE, rateE, xE, args?.get("broadcast_dims"), call.span);
  const x = api.value(xE);
  // `rate if training else 0`: the rate, switched off in eval mode.
  let rate: Expr = rateE;
  let modal = false;
  if (rateE.kind === "conditional") {
    const test = api.value(rateE.test);
    const zero = (e: Expr) => (e.kind === "int" || e.kind === "float") && e.value === 0;
    if (test.kind === "mode" && (zero(rateE.else) || zero(rateE.then))) {
      const trainWhenTrue = test.polarity === 1;
      const activeBranch = zero(rateE.else) ? rateE.then : rateE.else;
      const activeWhenTestTrue = zero(rateE.else);
      if (activeWhenTestTrue !== trainWhenTrue) return api.unsupported(rateE.span, "a dropout rate that is on in evaluation and off in training");
      rate = activeBranch;
      modal = true;
    }
  }
  const r = api.value(rate);
  if (r.kind !== "static") return api.unsupported(rate.span, "a dropout rate that is not a fixed value");
  const options = new Map<string, StaticV>([["rate", r]]);
  const broadcast = args?.get("broadcast_dims");
  if (broadcast) {
    const b = api.value(broadcast);
    if (b.kind === "static") options.set("broadcastDims", b);
  }
  return api.applyLayer("Dropout", options, [x], call.span, "dropout", modal ? undefined : { deterministic: false });
}

/**
 * `hk.dropout(key, rate, x)` with a key drawn before (`k1, k2 = hk.next_rng_keys(2)`,
 * `key = hk.maybe_next_rng_key()`): Haiku's dropout on that key, on at every call
 * as Haiku's is (`hk.dropout` of the runtime, the same mask).
 */
function keyedDropout(api: StageApi, rngE: Expr, rateE: Expr, xE: Expr, broadcastE: Expr | undefined, span: Span): Value {
  const key = api.value(rngE);
  if (key.kind !== "key") return api.unsupported(rngE.span, "a dropout key that is not a key hk.next_rng_key() or hk.next_rng_keys() drew");
  const rate = api.value(rateE);
  if (rate.kind !== "static" || typeof rate.known !== "number" || !rate.call) return api.unsupported(rateE.span, "a dropout rate that is not a fixed number (with a key drawn before the dropout)");
  const x = api.value(xE);
  if (x.kind !== "array") return api.unsupported(xE.span, "hk.dropout of anything but an array");
  const broadcast = broadcastE ? api.value(broadcastE) : undefined;
  if (broadcast && (broadcast.kind !== "static" || !broadcast.call)) return api.unsupported(broadcastE!.span, "hk.dropout's broadcast_dims that are not fixed");
  const extra = broadcast?.kind === "static" && broadcast.call ? [broadcast.call] : [];
  return { kind: "array", call: { k: "call", fn: rt("hk.dropout"), args: [key.call, rate.call, api.callExpr(x, span, "hk.dropout's input"), ...extra] }, shape: x.shape, dtype: x.dtype };
}

export const haikuFramework: Framework = {
  name: "haiku",
  origin: "Haiku",
  layers: HAIKU_LAYERS,
  idiom,
  selfIdioms: new Set(),
  moduleBase: (cls) => haikuName(cls),
  // Haiku keeps one `state` collection; each state variable is typed by its own name.
  variableType: (collection, name) => (collection === "params" ? "nnx.Param" : pascal(name)),
  // f.apply(params, [state], [rng], *inputs): state with transform_with_state, no rng under without_apply_rng.
  applySignature: (entry) => ({
    variables: entry.transform?.withState ? "paramsAndState" : "params",
    rng: entry.transform?.applyRng === false ? "none" : "positional",
    returnsState: entry.transform?.withState ? "always" : "never",
  }),
};

/** `BatchNorm` → `batch_norm`, as Haiku names modules. */
export function haikuName(cls: string): string {
  return cls
    .replace(/([A-Z]+)([A-Z][a-z])/g, "$1_$2")
    .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
    .toLowerCase();
}
