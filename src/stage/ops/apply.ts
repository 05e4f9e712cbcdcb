// Applying a catalog op to staged values: Python's argument binding against
// the op's signature, the runtime call written the runtime's way (positional
// arguments, then one options object), Python scalars kept weakly typed
// (`jnp.pyFloat(3)` where an integral float meets an array and would change
// its dtype), and the result's shape and dtype from the op's rules.
import type { Span } from "../../span.js";
import { call, num, rt, str, type TExpr } from "../../ts/ast.js";
import { unknownShape, type SymShape } from "../shapes.js";
import { describe, type ArrayV, type DType, type Known, type StaticV, type Value } from "../values.js";
import { dtypeValue, promoteAll, type OpArgs, type OpSpec } from "./rules.js";
import { bindSignature, camelName, signature, type OpParam } from "./signature.js";

/** What applying an op needs from the stager. */
export interface OpHost {
  /** The method-side expression of a value, or a report. */
  callExpr(v: Value, span: Span, what: string): TExpr;
  stop(span: Span, what: string): never;
  /** Records that an input of unknown rank is taken to have `rank` (checked when the model is built). */
  assumeRank(input: Value, rank: number, why: string): void;
}

/** `jax.numpy.sum` → `jnp.sum`, for messages. */
export function shortName(name: string): string {
  return name.replace(/^jax\.numpy\./, "jnp.").replace(/^jax\.lax\./, "lax.").replace(/^jax\.random\./, "jax.random.").replace(/^jax\.nn\./, "jax.nn.");
}

export function applyOp(host: OpHost, name: string, spec: OpSpec, args: Value[], kwargs: Array<[string, Value]>, span: Span): Value {
  const sig = signature(spec.sig);
  const short = shortName(name);
  const binding = bindSignature(sig, args, kwargs);
  if (typeof binding === "string") return host.stop(span, `${short} ${binding}`);
  const { bound, rest } = binding;
  const getter: OpArgs = { get: (n) => bound.get(n), rest };
  for (const p of sig.params) {
    const v = bound.get(p.name);
    if (!v || isNone(v)) continue;
    if (p.role === "fixed") {
      // A dtype is compared by what it names (`jnp.float32`, `'float32'`, `float` are one dtype);
      // a config's dtype the translator cannot see computes in float32, as the layers' dtype does.
      if (p.type === "dtype" && v.kind === "static" && v.known === undefined && (v.type.t === "dtype" || v.type.t === "any")) continue;
      const known = p.type === "dtype" ? (dtypeValue(v) ?? undefined) : v.kind === "static" ? v.known : undefined;
      if (known === undefined || !p.allowed?.some((a) => a === known)) return host.stop(span, `${short}(${p.name}=${v.kind === "static" && v.known !== undefined ? JSON.stringify(v.known) : "..."}): the runtime has no '${p.name}'${p.allowed ? ` other than ${p.allowed.map((a) => JSON.stringify(a)).join(" or ")}` : ""}`);
    }
  }
  // None where Python requires an array (`softmax_cross_entropy(None, ...)`): TypeError in JAX.
  for (const p of sig.params) {
    const v = bound.get(p.name);
    if (v && isNone(v) && p.role === "positional" && p.array === "one" && !p.nullDefault && !p.fill) {
      const nothing = (v as { returnsNothing?: string }).returnsNothing;
      return host.stop(span, `${short}'s '${p.name}' is None${nothing ? ` (what ${nothing} returns)` : ""}, where an array belongs`);
    }
  }
  // What a method that returns nothing gave (None) is no operand.
  for (const [name, v] of [...bound, ...rest.map((v, i) => [`argument ${i + 1}`, v] as const)]) {
    const nothing = (v as { returnsNothing?: string }).returnsNothing;
    if (nothing) return host.stop(span, `${short}(${name}=...) is what ${nothing} returns: nothing (None)`);
  }
  // A shape is an int or a sequence of ints (Python: TypeError on anything else).
  for (const name of ["shape", "newshape"]) {
    const v = bound.get(name);
    const items = v && (v.kind === "tuple" || v.kind === "list" ? v.items : v.kind === "static" ? (v as { items?: Value[] }).items : undefined);
    const bad = items?.find((i) => !(i.kind === "static" && (i.type.t === "int" || i.type.t === "any" || (i.type.t === "float" && Number.isInteger(i.known)))) && !(i.kind === "array" && i.shape.rank === 0));
    if (bad) return host.stop(span, `${short}(${name}=...) holds ${describe(bad)} where a size belongs`);
    if (v?.kind === "static" && (v.type.t === "str" || v.type.t === "none" && name === "newshape")) return host.stop(span, `${short}(${name}=...) is ${describe(v)}, not a shape`);
  }
  const assumed = spec.assumeRank?.(getter);
  if (assumed) host.assumeRank(bound.get(assumed.param)!, assumed.rank, assumed.why);
  const problem = spec.check?.(getter);
  if (problem) return host.stop(span, `${short}: ${problem}`);

  // Array-like arguments: Python floats stay floats where that decides the dtype.
  const arrayValues = [...sig.params.filter((p) => p.array === "one").map((p) => bound.get(p.name)), ...(sig.params.some((p) => p.role === "rest" && p.array) ? rest : [])];
  const arg = (p: OpParam | undefined, v: Value, what: string): TExpr => {
    if (p?.array === "list") return sequenceArg(host, v, arrayValues, span, what);
    // jnp and jax.nn take arrays, not Python sequences of them (TypeError in JAX).
    if (p?.array === "one" && (v.kind === "tuple" || v.kind === "list")) return host.stop(span, `${what} is a Python ${v.kind} of ${v.items.length} item(s), where an array belongs`);
    if (p?.array === "one" && v.kind === "static" && v.type.t === "str") return host.stop(span, `${what} is a string, where an array belongs`);
    if (p?.array === "one" && v.kind === "mode") return host.stop(span, `${what} is the module's train/eval flag used as an array (not translated)`);
    if (p?.array === "one") return spec.inexact ? host.callExpr(v, span, what) : arrayArg(host, v, arrayValues, span, what, spec.exactFloats);
    if (p?.array === "nested") return nestedArg(host, v, leaves(v), span, what);
    if (p?.type === "dtype") {
      const d = dtypeValue(v);
      if (d) return str(d);
      const e = host.callExpr(v, span, what);
      // An array's own dtype (`x.dtype`) is tfjs's wider type: the runtime's arrays are float32, int32 or bool.
      return e.k === "member" && e.name === "dtype" && v.kind === "static" && v.type.t === "dtype" ? { k: "cast", value: e, type: "jnp.DType" } : e;
    }
    if (p?.type === "number" && v.kind !== "static") return host.stop(span, `${what} is ${describe(v)}; the runtime takes a fixed number here`);
    return host.callExpr(v, span, what);
  };

  const tsArgs: TExpr[] = [];
  const positional = sig.params.filter((p) => p.role === "positional" || p.role === "rest");
  const given = (p: OpParam) => (p.role === "rest" ? rest.length > 0 : p.fill?.always || (bound.has(p.name) && !(isNone(bound.get(p.name)!) && !p.nullDefault)));
  const optionParams = sig.params.filter((p) => p.role === "option" && bound.has(p.name) && !isNone(bound.get(p.name)!));
  let last = -1;
  positional.forEach((p, i) => {
    if (given(p)) last = i;
  });
  // The options object is the runtime's last parameter: the positional ones before it are all written.
  if (optionParams.length && !spec.axisOrOptions) last = positional.length - 1;
  const axisOnly = spec.axisOrOptions && optionParams.length === 0;
  for (let i = 0; i <= last; i++) {
    const p = positional[i];
    if (p.role === "rest") {
      rest.forEach((v, k) => tsArgs.push(arg(p, v, `argument ${k + 1} of ${short}`)));
      continue;
    }
    const v = bound.get(p.name);
    if (spec.axisOrOptions === p.name && !axisOnly) {
      tsArgs.push({ k: "undefined" });
      continue;
    }
    tsArgs.push(v && !(isNone(v) && p.fill) ? arg(p, v, `${short}'s '${p.name}'`) : p.nullDefault ? { k: "null" } : p.fill ? literal(p.fill.value) : { k: "undefined" });
  }
  if (spec.axisOrOptions && !axisOnly) {
    // (x, { axis, ...options }): the axis joins the options.
    while (tsArgs.length && tsArgs[tsArgs.length - 1].k === "undefined") tsArgs.pop();
    const axis = bound.get(spec.axisOrOptions);
    const entries = [
      ...(axis ? [{ key: camelName(spec.axisOrOptions), value: host.callExpr(axis, span, `${short}'s '${spec.axisOrOptions}'`), raw: true }] : []),
      ...optionParams.map((p) => ({ key: camelName(p.name), value: arg(p, bound.get(p.name)!, `${short}'s '${p.name}'`), raw: true })),
    ];
    tsArgs.push({ k: "object", entries });
  } else if (optionParams.length) {
    tsArgs.push({ k: "object", entries: optionParams.map((p) => ({ key: camelName(p.name), value: arg(p, bound.get(p.name)!, `${short}'s '${p.name}'`), raw: true })) });
  }

  const fixedValue = spec.value?.(getter);
  if (fixedValue) return fixedValue;
  const shape = spec.shape(getter);
  const dtype = spec.dtype?.(getter) ?? "unknown";
  const called = call(spec.rt, ...tsArgs);
  const callE: TExpr = spec.notNull?.(getter) ? { k: "nonnull", value: called } : called;
  return resultValue(callE, shape, dtype, spec.list ? "list" : "tuple");
}

/** The value of a runtime call with this shape (several shapes: a tuple or list of arrays). */
export function resultValue(callE: TExpr, shape: SymShape | SymShape[] | undefined, dtype: DType | DType[], kind: "tuple" | "list" = "tuple"): Value {
  if (Array.isArray(shape)) {
    const items = shape.map((s, i): ArrayV => ({ kind: "array", call: { k: "index", object: callE, index: num(i) }, shape: s, dtype: Array.isArray(dtype) ? (dtype[i] ?? "unknown") : dtype }));
    return { kind, items, call: callE };
  }
  return { kind: "array", call: callE, shape: shape ?? unknownShape, dtype: Array.isArray(dtype) ? (dtype[0] ?? "unknown") : dtype };
}

function isNone(v: Value): boolean {
  return v.kind === "static" && v.known === null;
}

/**
 * A Python scalar or array where an array is expected. An integral Python
 * float (`3.0`, or a float the translator cannot see) is written
 * `jnp.pyFloat(...)` when the op's operands, read with such floats as ints,
 * would get another dtype than JAX gives them (`int32 - 3.0` is float32).
 */
export function arrayArg(host: OpHost, v: Value, operands: Array<Value | undefined>, span: Span, what: string, always = false): TExpr {
  if (v.kind === "static" && v.type.t === "float") {
    const e = host.callExpr(v, span, what);
    if (!mayReadAsInt(v) || !(always || floatsMatter(operands))) return e;
    return e.k === "num" ? { k: "pyfloat", value: e.value } : call(rt("jnp.pyFloat"), e);
  }
  if (v.kind === "static" && (v.type.t === "int" || v.type.t === "bool")) return host.callExpr(v, span, what);
  if (v.kind === "static" && (v.type.t === "tuple" || v.type.t === "seq")) return host.stop(span, `${what} given as a Python sequence (write jnp.asarray(...) around it)`);
  return host.callExpr(v, span, what);
}

/** A Python float the runtime would read as an int: integral, or not known here. */
function mayReadAsInt(v: Value | undefined): v is StaticV {
  return v?.kind === "static" && v.type.t === "float" && (typeof v.known === "number" ? Number.isInteger(v.known) : v.known === undefined);
}

/** Whether reading the integral floats among these operands as ints would change the op's dtype. */
function floatsMatter(operands: Array<Value | undefined>): boolean {
  const truth = promoteAll(...operands);
  const asWritten = promoteAll(...operands.map((o) => (mayReadAsInt(o) ? ({ ...o, type: { t: "int" } } as StaticV) : o)));
  return truth !== asWritten || truth === "unknown";
}

/** A Python sequence of arrays and scalars (jnp.concatenate's `arrays`) as a TypeScript array. */
function sequenceArg(host: OpHost, v: Value, operands: Array<Value | undefined>, span: Span, what: string): TExpr {
  // A list the method holds (`parts`): by its name.
  if ((v.kind === "tuple" || v.kind === "list" || v.kind === "arrays") && v.call) return v.call;
  const items = v.kind === "tuple" || v.kind === "list" ? v.items : v.kind === "static" ? (v as { items?: Value[] }).items : undefined;
  if (!items) return host.stop(span, `${what} is ${describe(v)}, not a sequence of arrays`);
  return { k: "array", items: items.map((item, i) => arrayArg(host, item, [...operands, ...items], span, `item ${i} of ${what}`)) };
}

/** The scalars and arrays of nested Python lists. */
function leaves(v: Value): Value[] {
  const items = v.kind === "tuple" || v.kind === "list" ? v.items : v.kind === "static" ? (v as { items?: Value[] }).items : undefined;
  return items ? items.flatMap(leaves) : [v];
}

/** Nested Python lists (jnp.array's object) as nested TypeScript arrays; floats stay floats where the dtype needs them. */
function nestedArg(host: OpHost, v: Value, all: Value[], span: Span, what: string): TExpr {
  const items = v.kind === "tuple" || v.kind === "list" ? v.items : v.kind === "static" ? (v as { items?: Value[] }).items : undefined;
  if (items) return { k: "array", items: items.map((item) => nestedArg(host, item, all, span, what)) };
  if (v.kind === "static" && Array.isArray(v.known)) return host.callExpr(v, span, what);
  return arrayArg(host, v, all, span, what);
}

function literal(k: Known): TExpr {
  if (k === null) return { k: "null" };
  if (typeof k === "number") return num(k);
  if (typeof k === "boolean") return { k: "bool", value: k };
  if (typeof k === "string") return str(k);
  if (Array.isArray(k)) return { k: "array", items: k.map(literal) };
  return { k: "object", entries: Object.entries(k).map(([key, value]) => ({ key, value: literal(value), raw: true })) };
}
