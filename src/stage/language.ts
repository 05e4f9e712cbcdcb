// Python's expression language on fixed values, as the stager evaluates it:
// comprehensions (unrolled over sequences the translator knows item by item,
// else `xs.map(...)` in each generated program), starred items, dict methods,
// the builtins that fold sequences (sum, any, all, max, min, sorted, ...), and
// Python's argument binding for the file's own helper functions.
import type { Expr, FunctionDef, Param, Pattern, Stmt } from "../python/ast.js";
import { patternNames, statementsOf } from "../python/ast.js";
import type { Span } from "../span.js";
import { bin, call, id, member, num, type TExpr, type TPattern, type TStmt } from "../ts/ast.js";
import { printPattern } from "../ts/print.js";
import type { ClassStager, LoopPlan, SeqLike } from "./stager.js";
import { literalValue } from "./stager.js";
import { Frame } from "./scope.js";
import { describe, staticOf, type Instance, type Known, type ModuleList, type ModulesV, type ModuleV, type StaticType, type StaticV, type Value } from "./values.js";

type Comprehension = Extract<Expr, { kind: "comprehension" }> | Extract<Expr, { kind: "dictcomp" }>;

/** A frame for a nested scope (a comprehension's, a helper's) writing into the same programs as `frame`. */
export function childFrame(frame: Frame, env: Map<string, Value> = new Map(frame.env)): Frame {
  const inner = new Frame(frame.method, frame.dry, env);
  inner.block = frame.block;
  inner.loops = frame.loops;
  inner.conditional = frame.conditional;
  inner.callOnly = frame.callOnly;
  inner.ctorScopes = frame.ctorScopes;
  inner.types = frame.types;
  inner.names = frame.names;
  inner.rename = new Map(frame.rename);
  inner.inline = frame.inline;
  inner.top = frame.top;
  inner.noRecord = frame.noRecord;
  return inner;
}

/** The items of a value the translator knows one by one (a literal, a known range, a dict's keys). */
export function knownItems(v: Value): Value[] | undefined {
  if (v.kind === "tuple" || v.kind === "list") return v.items;
  if (v.kind === "dict") return v.entries.map(([k]) => literalValue(k));
  if (v.kind === "static") {
    const items = (v as SeqLike).items;
    if (items && !(v as SeqLike).shapeOf) return items;
    if (Array.isArray(v.known)) return v.known.map((k) => literalValue(k));
    if (v.known && typeof v.known === "object") return Object.keys(v.known).map((k) => literalValue(k));
  }
  return undefined;
}

/** A TypeScript array of the iterable `e` (enumerate's `xs.entries()` is an iterator). */
function asArray(e: TExpr): TExpr {
  if (e.k === "call" && e.fn.k === "member" && e.fn.name === "entries" && !e.args.length) return call("nnx.enumerate", e.fn.object);
  return e;
}

/** The type of one item of a fixed sequence. */
export function itemTypeOf(t: StaticType): StaticType {
  if (t.t === "seq") return t.of;
  if (t.t === "tuple") {
    const first = JSON.stringify(t.items[0]);
    return t.items.length && t.items.every((i) => JSON.stringify(i) === first) ? t.items[0] : { t: "any" };
  }
  if (t.t === "dict") return { t: "str" };
  return { t: "any" };
}

/** Binds a comprehension or loop target to one known item, without emitting anything. */
export function bindKnown(st: ClassStager, p: Pattern, v: Value, env: Map<string, Value>, span: Span, frame: Frame): void {
  if (p.kind === "name") {
    env.set(p.id, v);
    return;
  }
  if (p.kind === "tuple") {
    const items = st.unpack(v, p.items.length, span, frame);
    if (!items) st.stop(span, `unpacking ${describe(v)}`);
    p.items.forEach((q, i) => bindKnown(st, q, items![i], env, span, frame));
    return;
  }
  st.stop(span, "this comprehension target");
}

/** Binds a target to the items of a sequence only the generated code has: each name reads the arrow's parameter. */
function bindSymbolic(p: Pattern, type: StaticType, env: Map<string, Value>): void {
  if (p.kind === "name") {
    env.set(p.id, staticOf(type, id(p.id), id(p.id)));
    return;
  }
  if (p.kind === "tuple") {
    const items = type.t === "tuple" ? type.items : [];
    p.items.forEach((q, i) => bindSymbolic(q, items[i] ?? { t: "any" }, env));
  }
}

function arrowParam(p: Pattern): { name: string; raw: true } {
  const toT = (q: Pattern): Parameters<typeof printPattern>[0] => (q.kind === "tuple" ? { k: "ptuple", items: q.items.map(toT) } : { k: "pid", name: q.kind === "name" ? q.id : "_" });
  return { name: printPattern(toT(p)), raw: true };
}

/** `[f(x) for x in xs if c(x)]`, `{k: v for ...}`, generators: a fixed value, or its items. */
export function comprehension(st: ClassStager, e: Comprehension, frame: Frame): Value {
  const clauses = e.clauses;
  if (clauses[0]?.kind !== "for") return st.stop(e.span, "a comprehension without a for clause");
  // Submodules, one per item: an nnx.List.
  const modules = moduleList(st, e, frame);
  if (modules) return modules;
  // Unrolled: every iterable's items are known here; each item's element is staged in turn.
  const unrolled = unroll(st, e, frame);
  if (unrolled) return unrolled;
  // Arrays, one per item of a sequence the constructor knows: a loop pushing to a list.
  const looped = e.kind === "comprehension" ? st.comprehensionLoop(e, frame) : undefined;
  if (looped) return looped;
  return symbolic(st, e, frame);
}

function unroll(st: ClassStager, e: Comprehension, frame: Frame): Value | undefined {
  const elements: Array<{ key?: Value; value: Value }> = [];
  let known = true;
  const visit = (i: number, env: Map<string, Value>): void => {
    if (!known) return;
    if (i === e.clauses.length) {
      const inner = childFrame(frame, env);
      if (e.kind === "dictcomp") elements.push({ key: st.expr(e.key, inner), value: st.expr(e.value, inner) });
      else elements.push({ value: st.expr(e.element, inner) });
      return;
    }
    const c = e.clauses[i];
    const inner = childFrame(frame, env);
    if (c.kind === "if") {
      const t = st.expr(c.test, inner);
      if (t.kind !== "static" || t.known === undefined) {
        known = false;
        return;
      }
      if (truthy(t.known)) visit(i + 1, env);
      return;
    }
    const iter = st.expr(c.iter, inner);
    const items = knownItems(iter);
    if (!items) {
      known = false;
      return;
    }
    for (const item of items) {
      const next = new Map(env);
      bindKnown(st, c.target, item, next, e.span, frame);
      visit(i + 1, next);
    }
  };
  // A trial on a dry frame first: a clause whose items only the generated code knows makes it symbolic.
  const probe = new Frame(frame.method, true, new Map(frame.env));
  const first = e.clauses[0] as Extract<(typeof e.clauses)[number], { kind: "for" }>;
  const firstIter = st.tryExpr(first.iter, probe);
  if (!firstIter || !knownItems(firstIter)) return undefined;
  visit(0, new Map(frame.env));
  if (!known) return undefined;
  if (e.kind === "dictcomp") {
    const entries: Array<[Known, Value]> = [];
    for (const { key, value } of elements) {
      if (key?.kind !== "static" || key.known === undefined || (typeof key.known === "object" && key.known !== null)) return st.stop(e.span, "a dict comprehension whose keys are not fixed strings or numbers");
      entries.push([key.known, value]);
    }
    return st.dictValue(entries);
  }
  return st.sequenceValue(e.form === "list" ? "list" : "tuple", elements.map((x) => x.value));
}

function symbolic(st: ClassStager, e: Comprehension, frame: Frame): Value {
  const fors: Array<{ target: Pattern; iter: StaticV; tests: Expr[] }> = [];
  const env = new Map(frame.env);
  const scratch = (): Frame => {
    const f = childFrame(frame, env);
    f.block = { ctor: [], call: [] };
    return f;
  };
  const check = (f: Frame, what: string) => {
    const emitted = [...(f.block.ctor ?? []), ...(f.block.call ?? [])].filter((s: TStmt) => s.k !== "record");
    if (emitted.length) st.stop(e.span, `a comprehension over a sequence only the config knows whose ${what} builds or runs a module`);
  };
  for (const c of e.clauses) {
    if (c.kind === "if") {
      fors[fors.length - 1].tests.push(c.test);
      continue;
    }
    const f = scratch();
    const iter = st.expr(c.iter, f);
    check(f, "iterable");
    if (iter.kind !== "static" || (!iter.ctor && !iter.call)) return st.stop(c.iter.span, `a comprehension over ${describe(iter)}`);
    bindSymbolic(c.target, itemTypeOf(iter.type), env);
    fors.push({ target: c.target, iter, tests: [] });
  }
  const f = scratch();
  const key = e.kind === "dictcomp" ? st.expr(e.key, f) : undefined;
  const value = st.expr(e.kind === "dictcomp" ? e.value : e.element, f);
  check(f, "element");
  const tests = fors.map((x) => x.tests.map((t) => {
    const tf = scratch();
    const v = st.expr(t, tf);
    check(tf, "condition");
    if (v.kind !== "static") return st.stop(t.span, `a comprehension condition on ${describe(v)}`);
    return v;
  }));
  if (value.kind !== "static" || (key && key.kind !== "static")) {
    return st.stop(e.span, `a comprehension whose items are ${describe(value.kind !== "static" ? value : key!)}, over a sequence only the config knows (its length decides how many)`);
  }
  const side = (k: "ctor" | "call"): TExpr | undefined => {
    const leaf: TExpr | undefined = key ? ((key as StaticV)[k] && value[k] ? { k: "array", items: [(key as StaticV)[k]!, value[k]!] } : undefined) : value[k];
    if (!leaf) return undefined;
    let out: TExpr | undefined = leaf;
    for (let i = fors.length - 1; i >= 0 && out; i--) {
      const x = fors[i];
      const iter = x.iter[k];
      if (!iter) return undefined;
      const param = arrowParam(x.target);
      let arr = asArray(iter);
      const conds = tests[i].map((t) => t[k]);
      if (conds.some((c) => !c)) return undefined;
      if (conds.length) arr = call(member(arr, "filter"), { k: "arrow", params: [param], body: (conds as TExpr[]).reduce((a, b) => bin("&&", a, b)) });
      const identity: boolean = i === fors.length - 1 && x.target.kind === "name" && out.k === "id" && out.name === x.target.id && !key;
      out = identity ? arr : call(member(arr, i === fors.length - 1 ? "map" : "flatMap"), { k: "arrow", params: [param], body: out });
    }
    return key && out ? call("Object.fromEntries", out) : out;
  };
  if (key) return staticOf({ t: "dict", of: value.type }, side("ctor"), side("call"));
  return staticOf({ t: "seq", of: value.type }, side("ctor"), side("call"));
}

function truthy(k: Known): boolean {
  if (Array.isArray(k)) return k.length > 0;
  if (k && typeof k === "object") return Object.keys(k).length > 0;
  return !!k;
}

/**
 * Python's binding of a call's arguments to a function's parameters: positional,
 * keyword, keyword-only, defaults, `*args` (a tuple) and `**kwargs` (a dict).
 * `dflt` evaluates a default. Undefined after a report.
 */
export function bindArguments(
  st: ClassStager,
  params: Param[],
  args: Value[],
  kwargs: Array<[string, Value]>,
  span: Span,
  what: string,
  dflt: (e: Expr) => Value,
): Map<string, Value> {
  const out = new Map<string, Value>();
  const positional = params.filter((p) => !p.star && !p.keywordOnly);
  const star = params.find((p) => p.star === "*");
  const starstar = params.find((p) => p.star === "**");
  args.forEach((a, i) => {
    if (i < positional.length) out.set(positional[i].name, a);
  });
  if (args.length > positional.length) {
    if (!star) st.stop(span, `${what} takes ${positional.length} positional arguments but ${args.length} were given`);
  }
  if (star) out.set(star.name, st.sequenceValue("tuple", args.slice(positional.length)));
  const extra: Array<[Known, Value]> = [];
  for (const [k, v] of kwargs) {
    const p = params.find((x) => x.name === k && !x.star);
    if (!p) {
      if (!starstar) st.stop(span, `${what} has no parameter '${k}'`);
      extra.push([k, v]);
      continue;
    }
    if (out.has(k)) st.stop(span, `${what} got '${k}' twice`);
    out.set(k, v);
  }
  if (starstar) out.set(starstar.name, st.dictValue(extra));
  for (const p of params) {
    if (p.star || out.has(p.name)) continue;
    if (!p.default) st.stop(span, `${what} is missing its argument '${p.name}'`);
    out.set(p.name, dflt(p.default!));
  }
  return out;
}

/** Builtins on fixed sequences: sum, any, all, max/min of one sequence, sorted, reversed, list/tuple of a comprehension. */
export function sequenceBuiltin(st: ClassStager, name: string, args: Value[], kwargs: Array<[string, Value]>, span: Span): Value | undefined {
  const a = args[0];
  // Keyword arguments: sorted's key= and reverse= only (below).
  if (!a || (kwargs.length && (name !== "sorted" || kwargs.some(([k]) => k !== "key" && k !== "reverse")))) return undefined;
  const items = knownItems(a);
  const s = a.kind === "static" ? a : undefined;
  switch (name) {
    case "sum": {
      const start = args[1] ?? literalValue(0);
      if (items) return items.reduce((acc, x) => st.binary("+", acc, x, span, new Frame("", true)), start);
      if (!s || start.kind !== "static") return undefined;
      const fold = (x?: TExpr, z?: TExpr) => (x && z ? call(member(x, "reduce"), { k: "arrow", params: [{ name: "a", raw: true }, { name: "b", raw: true }], body: bin("+", { k: "id", name: "a", raw: true }, { k: "id", name: "b", raw: true }) }, z) : undefined);
      return staticOf(itemTypeOf(s.type), fold(s.ctor, start.ctor), fold(s.call, start.call));
    }
    case "any":
    case "all": {
      if (items && items.every((x) => x.kind === "static" && x.known !== undefined)) {
        const ks = items.map((x) => truthy((x as StaticV).known!));
        return literalValue(name === "any" ? ks.some((x) => x) : ks.every((x) => x));
      }
      if (!s) return undefined;
      const test = (x?: TExpr) => x && call(member(x, name === "any" ? "some" : "every"), { k: "arrow", params: [{ name: "x", raw: true }], body: call("Boolean", { k: "id", name: "x", raw: true }) });
      return staticOf({ t: "bool" }, test(s.ctor), test(s.call));
    }
    case "max":
    case "min": {
      if (args.length !== 1) return undefined;
      if (items && items.every((x) => x.kind === "static" && typeof x.known === "number")) {
        const ks = items.map((x) => (x as StaticV).known as number);
        return literalValue(name === "max" ? Math.max(...ks) : Math.min(...ks));
      }
      if (!s || (s.type.t !== "seq" && s.type.t !== "tuple")) return undefined;
      const fold = (x?: TExpr) => x && call(`Math.${name}`, { k: "spread", value: x });
      return staticOf(itemTypeOf(s.type), fold(s.ctor), fold(s.call));
    }
    case "sorted":
    case "reversed": {
      if (args.length !== 1) return undefined;
      // `sorted(keys, key=lambda k: int(k.split('_')[-1]))` over fixed items: the order is fixed too.
      const keyFn = kwargs.find(([k]) => k === "key")?.[1];
      const reverse = kwargs.find(([k]) => k === "reverse")?.[1];
      if (name === "sorted" && (keyFn || reverse) && items && items.every((x) => x.kind === "static" && x.known !== undefined)) {
        if (reverse && (reverse.kind !== "static" || typeof reverse.known !== "boolean")) return undefined;
        const keyed = items.map((x) => {
          const k = keyFn ? st.apply(keyFn, [x], [], span, new Frame("sorted", true)) : x;
          return { x, k: k.kind === "static" ? k.known : undefined };
        });
        if (!keyed.every((e) => typeof e.k === "number" || typeof e.k === "string")) return undefined;
        const sorted = [...keyed].sort((a, b) => ((a.k as number | string) < (b.k as number | string) ? -1 : (a.k as number | string) > (b.k as number | string) ? 1 : 0));
        if (reverse && (reverse as StaticV).known === true) sorted.reverse();
        return st.sequenceValue("list", sorted.map((e) => e.x));
      }
      if (kwargs.length) return undefined;
      if (items && name === "reversed") return st.sequenceValue("list", [...items].reverse());
      if (items && items.every((x) => x.kind === "static" && typeof x.known === "number")) {
        return st.sequenceValue("list", [...items].sort((x, y) => ((x as StaticV).known as number) - ((y as StaticV).known as number)));
      }
      if (!s) return undefined;
      const f = (x?: TExpr) => x && (name === "reversed" ? call(member({ k: "array", items: [{ k: "spread", value: x }] }, "reverse")) : call(member({ k: "array", items: [{ k: "spread", value: x }] }, "sort"), { k: "arrow", params: [{ name: "a", raw: true }, { name: "b", raw: true }], body: bin("-", { k: "id", name: "a", raw: true }, { k: "id", name: "b", raw: true }) }));
      return staticOf({ t: "seq", of: itemTypeOf(s.type) }, f(s.ctor), f(s.call));
    }
  }
  return undefined;
}

/**
 * A string method on a fixed value: computed when the string and the arguments
 * are known (dict keys, names), else the JavaScript method where one matches.
 */
export function strMethod(st: ClassStager, s: StaticV, method: string, args: Value[]): Value | undefined {
  if (!args.every((a) => a.kind === "static")) return undefined;
  const a = args as StaticV[];
  const known = typeof s.known === "string" && a.every((x) => x.known !== undefined) ? s.known : undefined;
  const strs = a.map((x) => x.known);
  if (known !== undefined) {
    switch (method) {
      case "startswith":
      case "endswith": {
        const prefixes = Array.isArray(strs[0]) ? strs[0] : [strs[0]];
        if (!prefixes.every((p) => typeof p === "string") || a.length !== 1) return undefined;
        return literalValue((prefixes as string[]).some((p) => (method === "startswith" ? known.startsWith(p) : known.endsWith(p))));
      }
      case "split": {
        if (a.length === 0) return st.sequenceValue("list", known.split(/\s+/).filter((x) => x).map((x) => literalValue(x)));
        if (a.length !== 1 || typeof strs[0] !== "string" || !strs[0]) return undefined;
        return st.sequenceValue("list", known.split(strs[0]).map((x) => literalValue(x)));
      }
      case "lower":
        return a.length ? undefined : literalValue(known.toLowerCase());
      case "upper":
        return a.length ? undefined : literalValue(known.toUpperCase());
      case "replace":
        return a.length === 2 && typeof strs[0] === "string" && typeof strs[1] === "string" ? literalValue(known.split(strs[0]).join(strs[1])) : undefined;
    }
    return undefined;
  }
  // Not known when translating: the same test in the generated code.
  const js: Record<string, string> = { startswith: "startsWith", endswith: "endsWith" };
  if (js[method] && a.length === 1 && (a[0].type.t === "str" || typeof a[0].known === "string")) {
    const f = (x?: TExpr, y?: TExpr) => (x && y ? call(member(x, js[method]), y) : undefined);
    return staticOf({ t: "bool" }, f(s.ctor, a[0].ctor), f(s.call, a[0].call));
  }
  return undefined;
}

/** `d.items()`, `d.keys()`, `d.values()`, `d.get(k, default)` on a fixed dict. */
export function dictMethod(st: ClassStager, d: Value, method: string, args: Value[], span: Span): Value | undefined {
  if (d.kind === "dict") {
    switch (method) {
      case "items":
        return st.sequenceValue("list", d.entries.map(([k, v]) => st.sequenceValue("tuple", [literalValue(k), v])));
      case "keys":
        return st.sequenceValue("list", d.entries.map(([k]) => literalValue(k)));
      case "values":
        return st.sequenceValue("list", d.entries.map(([, v]) => v));
      case "get": {
        const k = args[0];
        if (k?.kind !== "static" || k.known === undefined) return undefined;
        return d.entries.find(([x]) => x === k.known)?.[1] ?? args[1] ?? literalValue(null);
      }
    }
    return undefined;
  }
  if (d.kind !== "static") return undefined;
  const ofType: StaticType = d.type.t === "dict" ? d.type.of : { t: "any" };
  const obj = d.known && typeof d.known === "object" && !Array.isArray(d.known) ? (d.known as Record<string, Known>) : undefined;
  switch (method) {
    case "items": {
      if (obj) return st.sequenceValue("list", Object.entries(obj).map(([k, v]) => st.sequenceValue("tuple", [literalValue(k), literalValue(v)])));
      const f = (x?: TExpr) => x && call("Object.entries", x);
      return staticOf({ t: "seq", of: { t: "tuple", items: [{ t: "str" }, ofType] } }, f(d.ctor), f(d.call));
    }
    case "keys": {
      if (obj) return st.sequenceValue("list", Object.keys(obj).map((k) => literalValue(k)));
      const f = (x?: TExpr) => x && call("Object.keys", x);
      return staticOf({ t: "seq", of: { t: "str" } }, f(d.ctor), f(d.call));
    }
    case "values": {
      if (obj) return st.sequenceValue("list", Object.values(obj).map((v) => literalValue(v)));
      const f = (x?: TExpr) => x && call("Object.values", x);
      return staticOf({ t: "seq", of: ofType }, f(d.ctor), f(d.call));
    }
    case "get": {
      const k = args[0];
      if (k?.kind !== "static") return undefined;
      const fallback = args[1] ?? literalValue(null);
      if (obj && typeof k.known === "string") return k.known in obj ? literalValue(obj[k.known]) : fallback;
      if (fallback.kind !== "static") return undefined;
      const f = (x?: TExpr, key?: TExpr, z?: TExpr) => (x && key && z ? bin("??", { k: "index", object: x, index: key }, z) : undefined);
      return staticOf(ofType, f(d.ctor, k.ctor, fallback.ctor), f(d.call, k.call, fallback.call));
    }
  }
  return undefined;
}

/** Names a comprehension's targets bind (not visible after it). */
export function comprehensionNames(e: Comprehension): string[] {
  return e.clauses.flatMap((c) => (c.kind === "for" ? patternNames(c.target) : []));
}

export { num };

/**
 * Stages a function of the file in place, in the caller's programs: its
 * `return`s become the value of the call. Early returns in branches are moved
 * to the end (`if c: return a` + rest → `if c: a else: rest`); a return inside a
 * loop is reported.
 */
export function inlineBody(st: ClassStager, def: FunctionDef, inner: Frame): Value {
  const none = () => literalValue(null);
  const returns = [...statementsOf(def.body)].filter((s) => s.kind === "return");
  const last = def.body[def.body.length - 1];
  if (!returns.length) {
    st.body(def.body, inner);
    return none();
  }
  if (returns.length === 1 && last === returns[0] && last.kind === "return") {
    st.body(def.body.slice(0, -1), inner);
    return last.value ? st.expr(last.value, inner) : none();
  }
  const result = `${def.name}_result`;
  const body = normalizeReturns(st, def.body, result, def.name);
  st.body(body, inner);
  return inner.env.get(result) ?? none();
}

function containsReturn(body: Stmt[]): boolean {
  return [...statementsOf(body)].some((s) => s.kind === "return");
}

function alwaysReturns(body: Stmt[]): boolean {
  const last = body[body.length - 1];
  if (!last) return false;
  if (last.kind === "return" || last.kind === "raise") return true;
  return last.kind === "if" && alwaysReturns(last.body) && alwaysReturns(last.orelse);
}

function normalizeReturns(st: ClassStager, body: Stmt[], result: string, fn: string): Stmt[] {
  const out: Stmt[] = [];
  for (let i = 0; i < body.length; i++) {
    const s = body[i];
    if (s.kind === "return") {
      out.push({ kind: "assign", targets: [{ kind: "name", id: result, span: s.span }], value: s.value ?? { kind: "none", span: s.span }, span: s.span });
      return out;
    }
    if ((s.kind === "for" || s.kind === "while" || s.kind === "with") && containsReturn(s.body)) st.stop(s.span, `a 'return' inside a loop of ${fn}(), which nnxport stages in place`);
    if (s.kind === "if" && (containsReturn(s.body) || containsReturn(s.orelse))) {
      const rest = body.slice(i + 1);
      const then = normalizeReturns(st, alwaysReturns(s.body) ? s.body : [...s.body, ...rest], result, fn);
      const orelse = normalizeReturns(st, alwaysReturns(s.orelse) ? s.orelse : [...s.orelse, ...rest], result, fn);
      out.push({ ...s, body: then, orelse });
      return out;
    }
    out.push(s);
  }
  return out;
}

// --- lists of submodules --------------------------------------------------------

/** The construction records' loop variable (only in the instrumented constructor). */
const RECORD_INDEX: TExpr = { k: "id", name: "item_", raw: true };

/**
 * `[hk.Linear(n) for n in sizes]` over a sequence the constructor knows: a list of
 * submodules. Their construction is recorded here, one per item and in order (so
 * the source's names come out as it gives them); they are built where a method
 * first runs over the list, with the sizes that method gives them.
 */
export function moduleList(st: ClassStager, e: Comprehension, frame: Frame): ModulesV | undefined {
  if (e.kind !== "comprehension" || e.form === "set" || e.clauses.length !== 1 || e.clauses[0].kind !== "for") return undefined;
  const clause = e.clauses[0];
  const iter = st.tryExpr(clause.iter, new Frame(frame.method, true, new Map(frame.env)));
  if (iter?.kind !== "static" || !iter.ctor) return undefined;
  // A field of no type nnxport can tell (its annotation names an unknown type): `unknown` is not iterable.
  const untyped = (iter as { untypedField?: string }).untypedField;
  if (untyped && iter.type.t === "any") st.stop(clause.iter.span, `a comprehension over '${untyped}', a field of no known type that no user of the class gives`);
  const env = new Map(frame.env);
  bindSymbolic(clause.target, itemTypeOf(iter.type), env);
  // A look on a dry frame first: an element that is no module builds nothing here.
  const look = new Frame(frame.method, true, new Map(env));
  look.loops = frame.loops;
  if (st.tryExpr(e.element, look)?.kind !== "module") return undefined;
  const probe = childFrame(frame, env);
  probe.block = { ctor: [], call: [] };
  const mark = st.ctx.diags.mark();
  const reported = st.ctx.reported;
  const element = (() => {
    try {
      return st.expr(e.element, probe);
    } catch {
      return undefined;
    }
  })();
  if (element?.kind !== "module") {
    st.ctx.diags.rollback(mark);
    st.ctx.reported = reported;
    return undefined;
  }
  const records = (probe.block.ctor ?? []).filter((s) => s.k === "record");
  // The item's own construction (`nn.RNN(nn.LSTMCell(h))` constructs the cell first): the one the list names.
  const constructs = records.filter((s) => s.k === "record" && s.event.e === "construct");
  const record = constructs.find((s) => s.k === "record" && s.event.e === "construct" && s.event.site === element.inst.id) ?? constructs[0];
  const list: ModuleList = {
    id: st.ctx.site(),
    iter,
    target: clause.target,
    element: e.element,
    closure: new Map(frame.env),
    site: element.inst.id,
    record: record?.k === "record" ? record.event : undefined,
    first: element.inst,
    span: e.span,
  };
  if (records.length) {
    frame.emitCtor({ k: "forOf", target: { k: "ptuple", items: [{ k: "pid", name: "item_", raw: true }, loopTarget(clause.target)] }, iter: call("nnx.enumerate", iter.ctor), body: records });
  }
  return { kind: "modules", list };
}

function loopTarget(p: Pattern): TPattern {
  if (p.kind === "tuple") return { k: "ptuple", items: p.items.map(loopTarget) };
  return { k: "pid", name: p.kind === "name" ? p.id : "_" };
}

/** Linen names the items of a list setup() stores `<attr>_<index>`. */
export function nameModuleList(st: ClassStager, v: ModulesV, attr: string, linen: boolean): void {
  v.list.attr = attr;
  v.list.member ??= st.members.fresh(attr);
  if (linen && v.list.record?.e === "construct" && !v.list.record.name) v.list.record.name = { k: "template", parts: [`${attr}_`, RECORD_INDEX] };
}

/**
 * `for layer in self.layers:` (or `for i, layer in enumerate(self.layers)`): the
 * constructor runs over the list's own sequence, building each item where the
 * body first calls it; the method runs over the nnx.List.
 */
export function moduleListLoop(st: ClassStager, iter: ModulesV, target: Pattern, span: Span, frame: Frame): LoopPlan {
  const list = iter.list;
  const parts = iter.enumerate ? (target.kind === "tuple" && target.items.length === 2 ? target.items : undefined) : [undefined, target];
  if (!parts || parts[1]?.kind !== "name" || (parts[0] && parts[0].kind !== "name")) st.stop(target.span, "a loop over a list of submodules other than `for m in ms` or `for i, m in enumerate(ms)`");
  const index = parts![0] && parts![0].kind === "name" ? frame.tsLocal(parts![0].id) : undefined;
  const pyIndex = parts![0]?.kind === "name" ? parts![0].id : undefined;
  const item = parts![1] as Extract<Pattern, { kind: "name" }>;
  const itemName = frame.tsLocal(item.id);
  const ctorTarget = loopTarget(list.target);
  // The list's own sequence may be enumerated already (`[... for j, n in enumerate(sizes)]`): its index is the loop's.
  const own = list.iter.ctor!;
  const ownIndex = own.k === "call" && own.fn.k === "member" && own.fn.name === "entries" && list.target.kind === "tuple" && list.target.items[0]?.kind === "name" ? list.target.items[0].id : undefined;
  const slice = iter.slice;
  if (slice?.start && index && ownIndex) st.stop(span, "enumerating a slice of a list of submodules built over an enumerated sequence");
  // `layers[a:b]`: the same slice of the sequence in the constructor, of the nnx.List in the method.
  const sliced = (e: TExpr): TExpr => (slice ? call(member(asArray(e), "slice"), ...sliceArgs(slice)) : e);
  const at: ListPosition = { loop: slice ?? {} };
  // The comprehension's target on the last item, for what the loop leaves behind seen from a parent (`features[-1]`).
  const seqOf = sliced(asArray(own));
  const last: LoopPlan["last"] = list.target.kind === "name" && !ownIndex ? { items: new Map([[list.target.id, { k: "nonnull", value: call(member(seqOf, "at"), num(-1)) }]]), nonEmpty: bin(">", member(seqOf, "length"), num(0)) } : undefined;
  return {
    last,
    ctorIter: true,
    counter: index ? id(index) : undefined,
    ctorCounter: index ? id(index) : undefined,
    bindTarget: (f) => {
      if (index && pyIndex) {
        f.env.set(pyIndex, staticOf({ t: "int" }, id(ownIndex ?? index), id(index)));
        f.noteCtorName(ownIndex ?? index);
      }
      // The item, as the comprehension makes it from the sequence's item.
      const env = new Map(list.closure);
      bindSymbolic(list.target, itemTypeOf(list.iter.type), env);
      const inner = childFrame(f, env);
      inner.noRecord = true;
      const v = st.expr(list.element, inner);
      if (v.kind !== "module") st.stop(span, "a list item that is not a module");
      const inst = (v as ModuleV).inst;
      inst.id = list.site;
      if (list.first) sameSites(list.first, inst);
      inst.element = { list, call: id(itemName), at };
      if (list.made && listCovers(list, at)) inst.built = { member: list.member!, call: id(itemName), ctor: id("_") };
      f.env.set(item.id, v);
    },
    statement: (body, side) => {
      if (side === "ctor") {
        if (!index || ownIndex) return { k: "forOf", target: ctorTarget, iter: sliced(asArray(own)), body };
        return { k: "forOf", target: { k: "ptuple", items: [{ k: "pid", name: index }, ctorTarget] }, iter: call("nnx.enumerate", sliced(own)), body };
      }
      const members = sliced({ k: "this", name: list.member! });
      return { k: "forOf", target: index ? { k: "ptuple", items: [{ k: "pid", name: index }, { k: "pid", name: itemName }] } : { k: "pid", name: itemName }, iter: index ? call("nnx.enumerate", members) : members, body };
    },
  };
}

function sliceArgs(slice: { start?: number; stop?: number }): TExpr[] {
  return slice.stop === undefined ? [num(slice.start ?? 0)] : [num(slice.start ?? 0), num(slice.stop)];
}

/** Where a use of a list's items is: a loop over (a slice of) it, a fixed index, or a range loop's counter. */
export type ListPosition = { loop: { start?: number; stop?: number } } | { int: number } | { counter: TExpr; stop?: TExpr };

const sameExpr = (a: TExpr, b: TExpr): boolean => JSON.stringify(a) === JSON.stringify(b);

/** The number of items of a list of submodules, in the constructor. */
export function listLength(list: ModuleList): TExpr | undefined {
  const r = (list.iter as StaticV & { range?: { ctor: Array<TExpr | undefined>; zeroBased: boolean } }).range;
  if (r?.zeroBased && !r.ctor[2] && r.ctor[1]) return r.ctor[1];
  const own = list.iter.ctor;
  if (!own) return undefined;
  return member(own.k === "call" && own.fn.k === "member" && own.fn.name === "entries" && !own.args.length ? own.fn.object : own, "length");
}

/** The constructor has pushed the items `at` uses already. */
function listCovers(list: ModuleList, at: ListPosition): boolean {
  const f = list.frontier;
  if (!list.made || !f) return false;
  if ("end" in f) return true;
  if ("expr" in f) return "counter" in at && !!at.stop && sameExpr(at.stop, f.expr);
  const before = (j: number) => (j >= 0) === (f.int >= 0) && j < f.int;
  if ("int" in at) return before(at.int);
  if ("loop" in at) return at.loop.stop !== undefined && (at.loop.stop >= 0) === (f.int >= 0) && at.loop.stop <= f.int && (at.loop.start ?? 0) >= 0;
  return false;
}

/**
 * The constructor pushes a list's items in order, where a method first calls
 * them: a use must start at the first item not pushed yet (`layers[:-1]` in a
 * loop, then `layers[-1]`; `heads[0]`, then `heads[1]`; `layers[i]` in
 * `for i in range(n)`). Moves the frontier past what `at` builds.
 */
export function advanceList(st: ClassStager, list: ModuleList, at: ListPosition, frame: Frame, span: Span): void {
  const f = list.frontier ?? { int: 0 };
  const order = "items of a list of submodules first called out of order (nnxport builds them in the constructor one after another, where a method first calls them)";
  const startsAt = (j: number) => "int" in f && f.int === j;
  if ("loop" in at) {
    if (!startsAt(at.loop.start ?? 0)) st.stop(span, order);
    list.frontier = at.loop.stop === undefined ? { end: true } : { int: at.loop.stop };
    return;
  }
  if (frame.conditional) st.stop(span, "an item of a list of submodules first called under a condition");
  if ("int" in at) {
    if (frame.loops.length) st.stop(span, "an item of a list of submodules first called by a fixed index inside a loop");
    if (!startsAt(at.int)) st.stop(span, order);
    list.frontier = at.int === -1 ? { end: true } : { int: at.int + 1 };
    return;
  }
  if (frame.loops.length !== 1) st.stop(span, "an item of a list of submodules first called by a counter in nested loops");
  if (!startsAt(0) || !at.stop) st.stop(span, order);
  const n = listLength(list);
  list.frontier = n && sameExpr(n, at.stop!) ? { end: true } : { expr: at.stop! };
}

/**
 * `for a, b in zip(self.layers, self.norms):` over lists of submodules of one
 * length: `for i in range(len(self.layers)):` with `a = self.layers[i]`, ...
 * (each list's items then built at the loop's counter). Undefined when it is not that.
 */
export function zipModuleLists(st: ClassStager, s: Extract<Stmt, { kind: "for" }>, frame: Frame): Extract<Stmt, { kind: "for" }> | undefined {
  const it = s.iter;
  if (it.kind !== "call" || it.fn.kind !== "builtin" || it.fn.name !== "zip" || it.args.length < 2 || it.args.some((a) => a.name || a.star)) return undefined;
  const lists = it.args.map((a) => st.tryExpr(a.value, new Frame(frame.method, true, new Map(frame.env))));
  if (!lists.every((v) => v?.kind === "modules")) return undefined;
  const target = s.target;
  if (target.kind !== "tuple" || target.items.length !== lists.length || target.items.some((p) => p.kind !== "name")) return st.stop(target.span, "a loop over zip() of lists of submodules other than `for a, b in zip(as, bs)`");
  const ms = lists as ModulesV[];
  if (ms.some((m) => m.slice || m.enumerate)) return st.stop(it.span, "zip() of slices of lists of submodules");
  const lengths = ms.map((m) => listLength(m.list));
  if (lengths.some((n) => !n || !sameExpr(n, lengths[0]!))) return st.stop(it.span, "zip() of lists of submodules whose lengths the constructor cannot tell equal");
  const span = it.span;
  // `i` unless the method has one already.
  const mentioned = new Set([...statementsOf(s.body)].flatMap((x) => JSON.stringify(x).match(/"id":"[^"]*"/g) ?? []));
  const index = ["i", "j", "k", "index"].find((n) => !frame.env.has(n) && !mentioned.has(`"id":"${n}"`) && !patternNames(target).includes(n)) ?? "zip_index_";
  const name = (n: string): Expr => ({ kind: "name", id: n, span });
  const first = it.args[0].value;
  const range: Expr = { kind: "call", fn: { kind: "builtin", name: "range", span }, args: [{ value: { kind: "call", fn: { kind: "builtin", name: "len", span }, args: [{ value: first }], span } }], span };
  const picks: Stmt[] = it.args.map((a, k) => ({ kind: "assign", targets: [target.items[k]], value: { kind: "index", object: a.value, index: name(index), span }, span }));
  return { ...s, target: { kind: "name", id: index, span }, iter: range, body: [...picks, ...s.body] };
}

/** `self.layers[a:b]` with fixed int bounds: a slice a loop can run over. */
export function moduleListSlice(st: ClassStager, v: ModulesV, idx: Extract<Expr, { kind: "slice" }>, span: Span, frame: Frame): ModulesV {
  if (v.slice || v.enumerate) st.stop(span, "a slice of a slice of a list of submodules");
  if (idx.step) st.stop(idx.step.span, "a slice of a list of submodules with a step");
  const bound = (e: Expr | undefined): number | undefined => {
    if (!e) return undefined;
    const b = st.expr(e, frame);
    if (b.kind === "static" && typeof b.known === "number" && Number.isInteger(b.known)) return b.known;
    return st.stop(e.span, `a slice of a list of submodules bounded by ${describe(b)} (nnxport takes fixed ints there)`);
  };
  return { ...v, slice: { start: bound(idx.start), stop: bound(idx.stop) } };
}

/**
 * `self.layers[-1]`, `self.heads[0]`, `self.layers[i]` in `for i in range(n)`:
 * the item the comprehension makes from the sequence's item at that index,
 * read in the method with `list.get(i)`.
 */
export function moduleListItem(st: ClassStager, v: ModulesV, index: Expr, span: Span, frame: Frame): Value {
  if (v.slice || v.enumerate) return st.stop(span, `indexing ${v.slice ? "a slice of " : "enumerate() of "}a list of submodules`);
  const list = v.list;
  const k = st.expr(index, frame);
  if (k.kind !== "static" || !k.ctor || !k.call) return st.stop(index.span, `indexing a list of submodules with ${describe(k)}`);
  let at: ListPosition;
  if (k.known !== undefined) {
    if (typeof k.known !== "number" || !Number.isInteger(k.known)) return st.stop(index.span, `indexing a list of submodules with ${describe(k)}`);
    at = { int: k.known };
  } else {
    const loop = frame.loops[frame.loops.length - 1];
    if (!loop?.ctorCounter || !sameExpr(loop.ctorCounter, k.ctor)) return st.stop(index.span, "indexing a list of submodules with other than a fixed int or the counter of the loop it is called in (`for i in range(n): layers[i](x)`)");
    at = { counter: k.ctor, stop: loop.ctorStop };
  }
  // The sequence's item at that index, bound to the comprehension's target.
  const n = listLength(list);
  const absolute = (): TExpr => {
    if (!("int" in at) || at.int >= 0) return k.ctor!;
    if (!n) return st.stop(index.span, "indexing from the end a list of submodules whose length the constructor does not know");
    return bin("-", n, num(-at.int));
  };
  const own = list.iter.ctor!;
  const entries = own.k === "call" && own.fn.k === "member" && own.fn.name === "entries" && !own.args.length ? own.fn.object : undefined;
  const isRange = !!(list.iter as StaticV & { range?: unknown }).range;
  const itemAt = (): TExpr => (isRange ? absolute() : { k: "nonnull", value: call(member(entries ?? own, "at"), k.ctor!) });
  const env = new Map(list.closure);
  const type = itemTypeOf(list.iter.type);
  const bindName = (p: Pattern, t: StaticType, e: () => TExpr) => {
    if (p.kind !== "name") return st.stop(p.span, "indexing a list of submodules built by a comprehension that unpacks its items");
    env.set(p.id, staticOf(t, e(), undefined));
  };
  if (entries) {
    if (list.target.kind !== "tuple" || list.target.items.length !== 2) return st.stop(list.target.span, "indexing a list of submodules built by a comprehension that unpacks its items");
    const items = type.t === "tuple" ? type.items : [];
    bindName(list.target.items[0], items[0] ?? { t: "int" }, absolute);
    bindName(list.target.items[1], items[1] ?? { t: "any" }, () => ({ k: "nonnull", value: call(member(entries, "at"), k.ctor!) }));
  } else bindName(list.target, type, itemAt);
  const inner = childFrame(frame, env);
  inner.noRecord = true;
  const item = st.expr(list.element, inner);
  if (item.kind !== "module") return st.stop(span, "a list item that is not a module");
  const inst = item.inst;
  inst.id = list.site;
  if (list.first) sameSites(list.first, inst);
  inst.element = { list, index: k.call, at };
  if (listCovers(list, at)) inst.built = { member: list.member!, call: call(member({ k: "this", name: list.member! }, "get"), k.call), ctor: id("_") };
  return item;
}

/** Modules given to a list's item (`nn.RNN(nn.LSTMCell(h))`), staged again: the sites and records of their first staging. */
function sameSites(first: Instance, again: Instance): void {
  const given = (i: Instance) => [...i.args, ...i.kwargs.map(([, v]) => v)];
  const [a, b] = [given(first), given(again)];
  a.forEach((x, k) => {
    const y = b[k];
    if (x.kind !== "module" || y?.kind !== "module") return;
    y.inst.id = x.inst.id;
    if (x.inst.record && !y.inst.record) y.inst.record = x.inst.record;
    sameSites(x.inst, y.inst);
  });
}

/**
 * `xs = []` then `for t in it: xs.append(e)` (`self.layers` too) is the list
 * comprehension `xs = [e for t in it]`: staged as one (a list of submodules, a
 * map over config, or items unrolled).
 */
export function appendLoops(body: Stmt[]): Stmt[] {
  const out: Stmt[] = [];
  for (let i = 0; i < body.length; i++) {
    const s = body[i];
    const next = body[i + 1];
    const target = s.kind === "assign" && s.targets.length === 1 && s.value.kind === "list" && !s.value.items.length ? s.targets[0] : undefined;
    const same = (e: Expr) => target && ((target.kind === "name" && e.kind === "name" && e.id === target.id) || (target.kind === "attr" && target.object.kind === "self" && e.kind === "attr" && e.object.kind === "self" && e.attr === target.attr));
    const append = next?.kind === "for" && !next.orelse.length && next.body.length === 1 && next.body[0].kind === "expr" ? next.body[0].value : undefined;
    if (target && next?.kind === "for" && append?.kind === "call" && append.fn.kind === "attr" && append.fn.attr === "append" && same(append.fn.object) && append.args.length === 1 && !append.args[0].name && !append.args[0].star) {
      const element = append.args[0].value;
      out.push({ kind: "assign", targets: [target], value: { kind: "comprehension", form: "list", element, clauses: [{ kind: "for", target: next.target, iter: next.iter }], span: next.span }, span: s.span });
      i++;
      continue;
    }
    out.push(s);
  }
  return out;
}
