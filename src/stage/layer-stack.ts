// Haiku's layer_stack over a whole function body: `hk.experimental.layer_stack(n)(block)(x)`
// with `def block(x): ...` building several modules. Haiku runs the body as a
// transformed function of its own under the scope `__layer_stack_no_per_layer`,
// once per layer; NNX writes that body as a module class (its submodules built
// in the constructor, the body its `call`), stacked with nnx.stack and run by
// nnx.scanLayers. What the body reads from where it is defined becomes the
// class's config (numbers, strings, flags) or its call's extra arguments (arrays,
// the train/eval switch), the same for every layer as in the original.
import type { Expr, FunctionDef, Param, Stmt } from "../python/ast.js";
import { mapStmts, patternNames, qualifiedName, statementExprs, statementsOf, subexpressions } from "../python/ast.js";
import type { ModuleClass } from "../model/program.js";
import type { Span } from "../span.js";
import type { FuncV, Value } from "./values.js";
import type { ProgramContext } from "./context.js";

/** The class a stacked body becomes, and what its construction and its call are given besides the carry. */
export interface StackedBody {
  cls: ModuleClass;
  fields: Array<[string, Value]>;
  callArgs: Value[];
}

/**
 * `fn`'s body as a module class: `read(e)` evaluates one of its free reads
 * (a closure name, `self.attr`) where the function is defined; `stop` reports
 * what cannot be passed in. The carry is `fn`'s only parameter.
 */
export function stackedBodyClass(fn: FuncV, name: string, read: (e: Expr) => Value, stop: (span: Span, what: string) => never): StackedBody {
  const src = fn.def;
  const span = src.span;
  const def: FunctionDef = "kind" in src ? { name: "<lambda>", params: src.params, body: [{ kind: "return", value: src.body, span: src.body.span }], decorators: [], span } : src;
  if (def.params.length !== 1 || def.params[0].star || def.params[0].default) stop(span, "hk.layer_stack of a function of other than one parameter (the carry)");
  const carry = def.params[0].name;
  // Names the body binds itself (assignments, loops, nested defs, comprehension and lambda variables) are its own.
  const own = new Set<string>([carry]);
  const bindsIn = (body: Stmt[]) => {
    for (const s of statementsOf(body)) {
      if (s.kind === "assign") for (const t of s.targets) patternNames(t).forEach((n) => own.add(n));
      if (s.kind === "augassign" || s.kind === "for") patternNames(s.kind === "for" ? s.target : s.target).forEach((n) => own.add(n));
      if (s.kind === "def") own.add(s.fn.name);
      for (const e of statementExprs(s)) {
        for (const x of subexpressions(e)) {
          if (x.kind === "lambda") x.params.forEach((p) => own.add(p.name));
          if (x.kind === "comprehension" || x.kind === "dictcomp") for (const c of x.clauses) if (c.kind === "for") patternNames(c.target).forEach((n) => own.add(n));
          if (x.kind === "walrus") own.add(x.target);
        }
      }
    }
  };
  bindsIn(def.body);
  const fields: Array<[string, Value]> = [];
  const params: Array<[string, Value]> = [];
  const given = new Map<string, Expr>();
  const taken = new Set<string>(own);
  const fresh = (n: string) => {
    let out = n;
    for (let i = 1; taken.has(out); i++) out = `${n}_${i}`;
    taken.add(out);
    return out;
  };
  // One free read, passed in under a name of the class's: config as a field (`self.<name>`), arrays and the mode as call arguments.
  const ours = new Set<Expr>();
  const passIn = (key: string, e: Expr, what: string): Expr => {
    const known = given.get(key);
    if (known) return { ...known, span: e.span };
    const v = read(e);
    let out: Expr;
    if (v.kind === "global") out = { kind: "global", name: v.name, span: e.span };
    else if (v.kind === "class") out = { kind: "file", name: v.name, span: e.span };
    else if (v.kind === "static" && (v.ctor || v.known !== undefined)) {
      const field = fresh(what);
      fields.push([field, v]);
      const self: Expr = { kind: "self", span: e.span };
      ours.add(self);
      out = { kind: "attr", object: self, attr: field, span: e.span };
    } else if (v.kind === "array" || v.kind === "mode") {
      const param = fresh(what);
      params.push([param, v]);
      out = { kind: "name", id: param, span: e.span };
    } else stop(e.span, `hk.layer_stack of a function that reads '${what}' from where it is defined (${v.kind === "key" ? "a key: every layer would draw from the same one" : `a ${v.kind}`}; only config values, arrays and the train/eval flag are passed to its layers)`);
    given.set(key, out);
    return out;
  };
  const rewrite = (x: Expr): Expr => {
    if (x.kind === "attr" && x.object.kind === "self") return passIn(`self.${x.attr}`, x, x.attr);
    if (x.kind === "name" && !own.has(x.id) && fn.closure.has(x.id)) return passIn(x.id, x, x.id);
    return x;
  };
  const body = mapStmts(def.body, rewrite);
  // `self` read otherwise (its methods, itself passed on): the layer is another module.
  for (const s of statementsOf(body)) {
    for (const e of statementExprs(s)) for (const x of subexpressions(e)) if (x.kind === "self" && !ours.has(x)) stop(x.span, "hk.layer_stack of a function that uses its module's `self` other than to read its config");
  }
  const callParams: Param[] = [def.params[0], ...params.map(([n]) => ({ name: n, span }))];
  const cls: ModuleClass = {
    name,
    fields: fields.map(([n]) => ({ name: n, span })),
    methods: [{ name: "__call__", params: callParams, body, decorators: [], span: def.span }],
    properties: [],
    classAttrs: [],
    docstring: `One layer of the stack: ${"kind" in src ? "the lambda's" : `\`${def.name}\`'s`} body, run once per layer by nnx.scanLayers.`,
    span: def.span,
  };
  return { cls, fields, callArgs: params.map(([, v]) => v) };
}

/** `block` → `Block`, `_layer` → `Layer`; a lambda's `Layer`. */
export function stackedClassName(def: FuncV["def"], taken: (n: string) => boolean): string {
  const base = "kind" in def ? "Layer" : def.name.replace(/(^|_+)([a-zA-Z0-9])/g, (_, __, c: string) => c.toUpperCase()) || "Layer";
  let out = base;
  for (let i = 2; taken(out); i++) out = `${base}${i}`;
  return out;
}

const made = new WeakMap<ProgramContext, Map<object, ModuleClass>>();

/**
 * The class for `fn`'s body, made once per function of the file (staging runs a
 * method more than once) and known to the program from then on; what this use
 * of it passes in.
 */
export function stackedBody(ctx: ProgramContext, fn: FuncV, read: (e: Expr) => Value, stop: (span: Span, what: string) => never): StackedBody {
  const classes = made.get(ctx) ?? new Map<object, ModuleClass>();
  made.set(ctx, classes);
  const before = classes.get(fn.def);
  const name = before?.name ?? stackedClassName(fn.def, (n) => ctx.classes.has(n) || ctx.configs.has(n));
  const out = stackedBodyClass(fn, name, read, stop);
  if (!before) {
    classes.set(fn.def, out.cls);
    ctx.classes.set(name, out.cls);
    // Its fields have no annotation: each is typed by the value passed in (as an untyped field by its user's).
    ctx.untyped.set(name, new Set(out.cls.fields.map((f) => f.name)));
  }
  return { ...out, cls: before ?? out.cls };
}

/**
 * What in `body` (or the classes of the file it builds) keeps state: hk.get_state /
 * hk.set_state, a layer whose state init's own call sets (hk.BatchNorm,
 * hk.ExponentialMovingAverage). Haiku's layer_stack runs each layer's init and
 * then an apply inside its own init, so the state it starts from is not what a
 * stacked NNX layer starts from; undefined if nothing.
 */
export function statefulUse(body: Stmt[], ctx: ProgramContext, seen = new Set<string>()): string | undefined {
  for (const s of statementsOf(body)) {
    const nested = s.kind === "def" ? statefulUse(s.fn.body, ctx, seen) : undefined;
    if (nested) return nested;
    for (const e of statementExprs(s)) {
      for (const x of subexpressions(e)) {
        if (x.kind !== "call") continue;
        const fn = x.fn;
        const name = qualifiedName(fn);
        if (name && (name === "haiku.get_state" || name === "haiku.set_state" || ctx.program.framework.layers[name]?.initialFromCall)) return name.replace(/^haiku\./, "hk.");
        if (fn.kind === "file" && !seen.has(fn.name)) {
          seen.add(fn.name);
          const cls = ctx.classes.get(fn.name);
          for (const m of cls ? [...cls.methods, ...(cls.setup ? [cls.setup] : [])] : []) {
            const inner = statefulUse(m.body, ctx, seen);
            if (inner) return inner;
          }
        }
      }
    }
  }
  return undefined;
}
