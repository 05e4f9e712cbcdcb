// Haiku: hk.Module subclasses (config from `__init__`'s parameters or
// dataclass fields; `__init__` may build submodules), functions made into the
// model by hk.transform (they become module classes too), and the
// `hk.transform(f).init(key, x, ...)` entry.
import type { DiagnosticBag } from "../../diagnostics.js";
import type { ClassDef, Expr, FunctionDef, PyModule, Stmt } from "../../python/ast.js";
import { qualifiedName } from "../../python/ast.js";
import type { Field, ModuleClass, Program } from "../../model/program.js";
import { annotatedFields, classesDerivedFrom, classMembers, configClasses, reportUnsupportedClassMembers, topLevel, type TopLevel } from "../common/discover.js";
import { entryFromInit, initCalls } from "../common/entry.js";
import { haikuFramework } from "./idioms.js";
import { textOf } from "../linen/index.js";

const MODULE_BASES = new Set(["haiku.Module", "haiku.RNNCore"]);
const TRANSFORMS = new Set(["haiku.transform", "haiku.transform_with_state", "haiku.without_apply_rng", "haiku.without_state"]);
const MULTI_TRANSFORMS = new Set(["haiku.multi_transform", "haiku.multi_transform_with_state"]);

export function haikuProgram(module: PyModule, source: string, diags: DiagnosticBag): Program {
  const top = topLevel(module);
  const classDefs = classesDerivedFrom(top.classes, (n) => MODULE_BASES.has(n));
  const classes = classDefs.map((c) => moduleClass(c, diags));
  const configs = configClasses(top.classes, new Set(classDefs.map((c) => c.name)));
  const program: Program = {
    file: module.file,
    framework: haikuFramework,
    module,
    classes,
    configs,
    functions: top.functions,
    constants: top.constants,
    transformed: new Map(),
  };
  findEntry(program, top, source, diags);
  return program;
}

function isDataclass(c: ClassDef): boolean {
  return c.decorators.some((d) => {
    const n = qualifiedName(d.kind === "call" ? d.fn : d) ?? "";
    return n === "dataclasses.dataclass" || n.endsWith(".dataclass");
  });
}

function moduleClass(c: ClassDef, diags: DiagnosticBag): ModuleClass {
  reportUnsupportedClassMembers(c, diags);
  const { methods, properties, attrs } = classMembers(c);
  const init = methods.find((m) => m.name === "__init__");
  let fields: Field[];
  let setup: FunctionDef | undefined;
  if (isDataclass(c)) {
    fields = annotatedFields(c.body, new Set(["name"]));
  } else {
    fields = (init?.params ?? [])
      .filter((p) => p.name !== "name" && !p.star)
      .map((p) => ({ name: p.name, annotation: p.annotation, default: p.default, keywordOnly: p.keywordOnly, span: p.span }));
    if (init) setup = { ...init, name: "setup", body: init.body.filter((s) => !isSuperInit(s)) };
  }
  return {
    name: c.name,
    fields,
    methods: methods.filter((m) => m.name !== "__init__"),
    setup,
    properties,
    classAttrs: attrs,
    docstring: c.docstring,
    span: c.span,
  };
}

/** `super().__init__(name=name)` */
function isSuperInit(s: Stmt): boolean {
  if (s.kind !== "expr" || s.value.kind !== "call") return false;
  const fn = s.value.fn;
  return fn.kind === "attr" && fn.attr === "__init__" && fn.object.kind === "call" && fn.object.fn.kind === "builtin" && fn.object.fn.name === "super";
}

/** `hk.transform(f)` (possibly under hk.without_apply_rng): the function transformed. */
function transformedFunction(e: Expr, resolve: (e: Expr) => Expr): { fn: string; withState: boolean; applyRng: boolean } | undefined {
  const v = resolve(e);
  if (v.kind !== "call") return undefined;
  const name = qualifiedName(v.fn) ?? "";
  if (!TRANSFORMS.has(name)) return undefined;
  const arg = v.args[0]?.value;
  if (!arg) return undefined;
  if (name === "haiku.without_apply_rng" || name === "haiku.without_state") {
    const inner = transformedFunction(arg, resolve);
    return inner && { ...inner, applyRng: name === "haiku.without_apply_rng" ? false : inner.applyRng };
  }
  const target = resolve(arg);
  if (target.kind !== "file") return undefined;
  return { fn: target.name, withState: name === "haiku.transform_with_state", applyRng: true };
}

/** A function transformed into the model, as a module class whose call is the function. */
export function functionClass(fn: FunctionDef): ModuleClass {
  const name = fn.name.replace(/(^|_)([a-z0-9])/g, (_, __, c: string) => c.toUpperCase());
  return {
    name: name === fn.name ? `${name}Model` : name,
    fields: [],
    methods: [{ ...fn, name: "__call__", decorators: [] }],
    properties: [],
    classAttrs: [],
    docstring: fn.docstring,
    span: fn.span,
    transparent: true,
  };
}

/** The module a function only builds and applies to its own parameters, in order. */
function passThrough(fn: FunctionDef, program: Program): Expr | undefined {
  if (fn.body.length !== 1 || fn.body[0].kind !== "return" || !fn.body[0].value) return undefined;
  const v = fn.body[0].value;
  if (v.kind !== "call" || v.fn.kind !== "call" || v.fn.fn.kind !== "file") return undefined;
  const ctor = v.fn;
  const clsName = (v.fn.fn as { name: string }).name;
  if (!program.classes.some((c) => c.name === clsName)) return undefined;
  const constant = (e: Expr) => ["int", "float", "str", "bool", "none"].includes(e.kind);
  if (!ctor.args.every((a) => constant(a.value))) return undefined;
  const names = fn.params.map((p) => p.name);
  const passed = v.args.map((a) => (a.value.kind === "name" ? a.value.id : undefined));
  if (v.args.some((a) => a.name || a.star) || passed.length !== names.length || passed.some((p, i) => p !== names[i])) return undefined;
  return ctor;
}

/**
 * `hk.multi_transform(f)`: f builds a module and returns `(init, (apply_1, ...))`.
 * The init function applies the module (or one of its methods); the model is that module.
 */
function multiTransformEntry(e: Expr, resolve: (e: Expr) => Expr, top: TopLevel): { module: Expr; method: string; params: string[]; methods: string[] } | undefined {
  const v = resolve(e);
  if (v.kind !== "call" || !MULTI_TRANSFORMS.has(qualifiedName(v.fn) ?? "")) return undefined;
  const target = v.args[0] && resolve(v.args[0].value);
  const fn = target?.kind === "file" ? top.functions.get(target.name) : undefined;
  if (!fn) return undefined;
  // Locals of f: modules it builds, and functions it defines (def or lambda).
  const locals = new Map<string, Expr>();
  const defs = new Map<string, FunctionDef>();
  let returned: Expr | undefined;
  for (const s of fn.body) {
    if (s.kind === "assign") for (const t of s.targets) if (t.kind === "name") locals.set(t.id, s.value);
    if (s.kind === "def") defs.set(s.fn.name, s.fn);
    if (s.kind === "return") returned = s.value;
  }
  const local = (x: Expr): Expr => (x.kind === "name" && locals.has(x.id) ? local(locals.get(x.id)!) : x);
  if (returned?.kind !== "tuple" || returned.items.length !== 2) return undefined;
  const [initE, appliesE] = [local(returned.items[0]), local(returned.items[1])];
  // The init function: `lambda x: module(x)` or `def init(x): return module.method(x)`.
  const initFn = initE.kind === "lambda" ? { params: initE.params, body: initE.body } : initE.kind === "name" && defs.has(initE.id) ? (() => {
    const d = defs.get(initE.id)!;
    const ret = d.body.find((s) => s.kind === "return");
    return ret?.kind === "return" && ret.value ? { params: d.params, body: ret.value } : undefined;
  })() : undefined;
  if (!initFn || initFn.body.kind !== "call") return undefined;
  const callee = initFn.body.fn;
  const moduleRef = callee.kind === "attr" ? callee.object : callee;
  const method = callee.kind === "attr" ? callee.attr : "__call__";
  const module = local(moduleRef);
  if (module.kind !== "call") return undefined;
  const items = appliesE.kind === "tuple" || appliesE.kind === "list" ? appliesE.items : [appliesE];
  const methods = items.map((m) => (m.kind === "attr" ? m.attr : m.kind === "name" && local(m).kind === "call" ? "__call__" : "")).filter((m) => m);
  return { module, method, params: initFn.params.map((p) => p.name), methods };
}

function findEntry(program: Program, top: TopLevel, source: string, diags: DiagnosticBag): void {
  for (const init of initCalls(program.module, top)) {
    const multi = multiTransformEntry(init.object, init.resolve, top);
    if (multi) {
      const entry = entryFromInit(init, multi.module, textOf(source, multi.module), multi.params, diags);
      if (entry) {
        entry.method = multi.method;
        entry.methods = multi.methods;
        program.entry = entry;
      }
      return;
    }
    const t = transformedFunction(init.object, init.resolve);
    if (!t) continue;
    const fn = top.functions.get(t.fn);
    if (!fn) continue;
    // `def forward(x, training): return Model(256, 10)(x, training)`: the model is that module.
    const direct = passThrough(fn, program);
    if (direct) {
      const entry = entryFromInit(init, direct, textOf(source, direct), fn.params.map((p) => p.name), diags);
      if (entry) {
        entry.transform = { withState: t.withState, applyRng: t.applyRng, fn: t.fn };
        program.entry = entry;
      }
      return;
    }
    const cls = functionClass(fn);
    program.transformed.set(t.fn, cls);
    const expr: Expr = { kind: "call", fn: { kind: "file", name: cls.name, span: fn.span }, args: [], span: init.call.span };
    const entry = entryFromInit(init, expr, `${t.fn}`, fn.params.map((p) => p.name), diags);
    if (entry) {
      entry.transform = { withState: t.withState, applyRng: t.applyRng, fn: t.fn };
      program.entry = entry;
    }
    return;
  }
  void source;
}
