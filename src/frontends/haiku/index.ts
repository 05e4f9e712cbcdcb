// Haiku: hk.Module subclasses (config from `__init__`'s parameters or
// dataclass fields; `__init__` may build submodules), functions made into the
// model by hk.transform (they become module classes too), and the
// `hk.transform(f).init(key, x, ...)` entry.
import type { DiagnosticBag } from "../../diagnostics.js";
import type { ClassDef, Expr, FunctionDef, Param, PyModule, Stmt } from "../../python/ast.js";
import { mapExpr, mapStmts, qualifiedName } from "../../python/ast.js";
import type { Field, ModuleClass, Program } from "../../model/program.js";
import { annotatedFields, classesDerivedFrom, classMembers, configClasses, reportUnsupportedClassMembers, topLevel, type TopLevel } from "../common/discover.js";
import { entryFromInit, initCalls, setEntry } from "../common/entry.js";
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
function transformedFunction(e: Expr, resolve: (e: Expr) => Expr): { fn: string; withState: boolean; applyRng: boolean; lambda?: Extract<Expr, { kind: "lambda" }> } | undefined {
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
  // `hk.transform(lambda x: Net()(x))`: the lambda is the function (findEntry names it).
  if (target.kind === "lambda") return { fn: "", withState: name === "haiku.transform_with_state", applyRng: true, lambda: target };
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
  // A class without __call__ is not what the function applies: staged as written, its call is reported.
  const call = program.classes.find((c) => c.name === clsName)?.methods.find((m) => m.name === "__call__");
  if (!call) return undefined;
  const constant = (e: Expr) => ["int", "float", "str", "bool", "none"].includes(e.kind);
  if (!ctor.args.every((a) => constant(a.value))) return undefined;
  const names = fn.params.map((p) => p.name);
  const passed = v.args.map((a) => (a.value.kind === "name" ? a.value.id : undefined));
  if (v.args.some((a) => a.name || a.star) || passed.length !== names.length || passed.some((p, i) => p !== names[i])) return undefined;
  // The entry's samples are named for the function's parameters: the module's must be the same names
  // (`def forward(images): return Net()(images)` with `__call__(self, x)` stays a function class).
  if (names.some((n, i) => call.params[i]?.name !== n)) return undefined;
  return ctor;
}

/** The function `hk.multi_transform(f)` transforms. */
function multiTransformTarget(e: Expr, resolve: (e: Expr) => Expr, top: TopLevel): FunctionDef | undefined {
  const v = resolve(e);
  // `@hk.multi_transform def f(): ...`
  if (v.kind === "file") {
    const fn = top.functions.get(v.name);
    return fn?.decorators.some((d) => MULTI_TRANSFORMS.has(qualifiedName(d) ?? "")) ? { ...fn, decorators: [] } : undefined;
  }
  if (v.kind !== "call" || !MULTI_TRANSFORMS.has(qualifiedName(v.fn) ?? "")) return undefined;
  const target = v.args[0] && resolve(v.args[0].value);
  return target?.kind === "file" ? top.functions.get(target.name) : undefined;
}

/**
 * `hk.multi_transform(f)`: f builds a module and returns `(init, (apply_1, ...))`.
 * The init function applies the module (or one of its methods); the model is that module.
 */
function multiTransformEntry(e: Expr, resolve: (e: Expr) => Expr, top: TopLevel, hasMethod: (cls: string, method: string) => boolean): { module: Expr; method: string; params: string[]; methods: string[] } | undefined {
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
    const ret = d.body.length === 1 ? d.body[0] : undefined;
    return ret?.kind === "return" && ret.value ? { params: d.params, body: ret.value } : undefined;
  })() : undefined;
  // Only `init` applying one module (or one of its methods) to its own parameters, and applies of that module.
  if (!initFn || initFn.body.kind !== "call") return undefined;
  const callee = initFn.body.fn;
  const moduleRef = callee.kind === "attr" ? callee.object : callee;
  const method = callee.kind === "attr" ? callee.attr : "__call__";
  const module = local(moduleRef);
  if (module.kind !== "call" || moduleRef.kind !== "name") return undefined;
  // A method the module's class does not have: staged as written (multiTransformClass), the call is reported there.
  if (module.fn.kind === "file" && !hasMethod((module.fn as { name: string }).name, method)) return undefined;
  const passed = initFn.body.args.map((a) => (a.value.kind === "name" && !a.star ? a.value.id : undefined));
  if (passed.length !== initFn.params.length || passed.some((p, i) => p !== initFn.params[i].name)) return undefined;
  const items = appliesE.kind === "tuple" || appliesE.kind === "list" ? appliesE.items : [appliesE];
  const same = (m: Expr) => (m.kind === "attr" ? m.object : m).kind === "name" && ((m.kind === "attr" ? m.object : m) as { id: string }).id === moduleRef.id;
  if (!items.every(same)) return undefined;
  const methods = items.map((m) => (m.kind === "attr" ? m.attr : "__call__"));
  return { module, method, params: initFn.params.map((p) => p.name), methods };
}

/**
 * `hk.multi_transform(f)` in any form: f builds modules (or nothing) and returns
 * `(init, (apply_1, ...))`, where init and the applies are defs, lambdas,
 * modules f built, or their methods. f becomes a module class (transparent, as
 * a transformed function): what f builds is built in its constructor, init is
 * its `__call__`, and each apply function a method named as f names it.
 */
export function multiTransformClass(fn: FunctionDef, program: Program): { cls: ModuleClass; methods: string[] } | undefined {
  const last = fn.body[fn.body.length - 1];
  if (last?.kind !== "return" || last.value?.kind !== "tuple" || last.value.items.length !== 2) return undefined;
  const locals = new Set<string>();
  const values = new Map<string, Expr>();
  const defs = new Map<string, FunctionDef>();
  const setup: Stmt[] = [];
  for (const s of fn.body.slice(0, -1)) {
    if (s.kind === "def") defs.set(s.fn.name, s.fn);
    else if (s.kind === "assign" && s.targets.length === 1 && s.targets[0].kind === "name") {
      const name = s.targets[0].id;
      if (s.value.kind === "lambda") defs.set(name, { name, params: s.value.params, body: [{ kind: "return", value: s.value.body, span: s.value.span }], decorators: [], span: s.span });
      else {
        locals.add(name);
        values.set(name, s.value);
        setup.push({ ...s, targets: [{ kind: "attr", object: { kind: "self", span: s.span }, attr: name, span: s.targets[0].span }] });
      }
    } else if (!(s.kind === "expr" && s.value.kind === "str") && s.kind !== "pass") return undefined;
  }
  // f's locals, read by its nested functions, are the class's attributes.
  const toSelf = (x: Expr): Expr => (x.kind === "name" && locals.has(x.id) ? { kind: "attr", object: { kind: "self", span: x.span }, attr: x.id, span: x.span } : x);
  const span = fn.span;
  const ret = (value: Expr): Stmt[] => [{ kind: "return", value, span }];
  const name = (id: string): Expr => ({ kind: "name", id, span });
  const paramsOf = (value: Expr | undefined, method: string): Param[] => {
    const cls = value?.kind === "call" && value.fn.kind === "file" ? program.classes.find((c) => c.name === (value.fn as { name: string }).name) : undefined;
    const m = cls?.methods.find((x) => x.name === method);
    if (m) return m.params;
    const layer = value?.kind === "call" ? program.framework.layers[qualifiedName(value.fn) ?? ""] : undefined;
    const names = layer?.calls?.[method]?.params.map((p) => p.name) ?? ["inputs"];
    return names.map((n) => ({ name: n, span }));
  };
  const asMethod = (e: Expr, methodName: string): FunctionDef | undefined => {
    if (e.kind === "lambda") return { name: methodName, params: e.params, body: ret(mapExpr(e.body, toSelf)), decorators: [], span: e.span };
    if (e.kind === "name" && defs.has(e.id)) {
      const d = defs.get(e.id)!;
      return { ...d, name: methodName, body: mapStmts(d.body, toSelf), decorators: [] };
    }
    // A module f built, or one of its methods: the method calls it.
    const target = e.kind === "name" && locals.has(e.id) ? { local: e.id, method: "__call__" } : e.kind === "attr" && e.object.kind === "name" && locals.has(e.object.id) ? { local: e.object.id, method: e.attr } : undefined;
    if (!target) return undefined;
    const params = paramsOf(values.get(target.local), target.method);
    const self: Expr = { kind: "attr", object: { kind: "self", span }, attr: target.local, span };
    const callee: Expr = target.method === "__call__" ? self : { kind: "attr", object: self, attr: target.method, span };
    return { name: methodName, params, body: ret({ kind: "call", fn: callee, args: params.map((p) => ({ value: name(p.name) })), span }), decorators: [], span };
  };
  const [initE, appliesE] = last.value.items;
  const init = asMethod(initE, "__call__");
  if (!init) return undefined;
  const applies = appliesE.kind === "tuple" || appliesE.kind === "list" ? appliesE.items : [appliesE];
  const methods: FunctionDef[] = [];
  for (const [i, a] of applies.entries()) {
    // A module's own apply is named for it (`apply_encoder`): the module keeps its name as the member.
    const methodName = a.kind === "name" ? (locals.has(a.id) ? `apply_${a.id}` : a.id) : a.kind === "attr" ? a.attr : `apply_${i}`;
    const m = asMethod(a, methodName);
    if (!m) return undefined;
    methods.push(m);
  }
  const base = functionClass(fn);
  return {
    cls: { ...base, methods: [init, ...methods.filter((m) => m.name !== "__call__")], setup: { name: "setup", params: [], body: mapStmts(setup, toSelf), decorators: [], span } },
    methods: methods.map((m) => m.name),
  };
}

function findEntry(program: Program, top: TopLevel, source: string, diags: DiagnosticBag): void {
  // Whether a module class of the file has a method (other names are not its classes).
  const hasMethod = (cls: string, method: string) => program.classes.find((c) => c.name === cls)?.methods.some((m) => m.name === method) ?? true;
  for (const init of initCalls(program.module, top)) {
    const target = multiTransformTarget(init.object, init.resolve, top);
    const general = target && !multiTransformEntry(init.object, init.resolve, top, hasMethod) ? multiTransformClass(target, program) : undefined;
    if (target && general) {
      program.transformed.set(target.name, general.cls);
      const expr: Expr = { kind: "call", fn: { kind: "file", name: general.cls.name, span: target.span }, args: [], span: init.call.span };
      const entry = entryFromInit(init, expr, target.name, general.cls.methods[0].params.map((p) => p.name), diags);
      if (entry) {
        entry.methods = general.methods;
        entry.transform = { fn: `lambda *a, **k: ${target.name}()[0](*a, **k)`, withState: true, applyRng: true };
        program.entry = entry;
      }
      return;
    }
    const multi = multiTransformEntry(init.object, init.resolve, top, hasMethod);
    if (multi) {
      const entry = entryFromInit(init, multi.module, textOf(source, multi.module), multi.params, diags);
      if (entry) {
        entry.method = multi.method;
        entry.methods = multi.methods;
        setEntry(program, entry);
      }
      return;
    }
    const t = transformedFunction(init.object, init.resolve);
    if (!t) continue;
    if (t.lambda) {
      // A lambda as a function of its own: the reference transforms the lambda's text, the translation a class named for it.
      const taken = (n: string) => top.functions.has(n) || top.classes.has(n) || program.classes.some((c) => c.name === n);
      const fnName = ["forward", "forward_fn", "transformed_fn"].find((n) => !taken(n) && !taken(functionClass({ name: n, params: [], body: [], decorators: [], span: t.lambda!.span }).name)) ?? "transformed_fn";
      const lam = t.lambda;
      const fn: FunctionDef = { name: fnName, params: lam.params, body: [{ kind: "return", value: lam.body, span: lam.span }], decorators: [], span: lam.span };
      t.fn = `(${textOf(source, lam)})`;
      const direct = passThrough(fn, program);
      const target: Expr = direct ?? { kind: "call", fn: { kind: "file", name: functionClass(fn).name, span: lam.span }, args: [], span: init.call.span };
      if (!direct) program.transformed.set(fnName, functionClass(fn));
      const entry = entryFromInit(init, target, direct ? textOf(source, direct) : t.fn, fn.params.map((p) => p.name), diags);
      if (entry) {
        entry.transform = { withState: t.withState, applyRng: t.applyRng, fn: t.fn };
        setEntry(program, entry);
      }
      return;
    }
    const fn = top.functions.get(t.fn);
    if (!fn) continue;
    // `def forward(x, training): return Model(256, 10)(x, training)`: the model is that module.
    const direct = passThrough(fn, program);
    if (direct) {
      const entry = entryFromInit(init, direct, textOf(source, direct), fn.params.map((p) => p.name), diags);
      if (entry) {
        entry.transform = { withState: t.withState, applyRng: t.applyRng, fn: t.fn };
        setEntry(program, entry);
      }
      return;
    }
    const cls = functionClass(fn);
    program.transformed.set(t.fn, cls);
    const expr: Expr = { kind: "call", fn: { kind: "file", name: cls.name, span: fn.span }, args: [], span: init.call.span };
    const entry = entryFromInit(init, expr, `${t.fn}`, fn.params.map((p) => p.name), diags);
    if (entry) {
      entry.transform = { withState: t.withState, applyRng: t.applyRng, fn: t.fn };
      setEntry(program, entry);
    }
    return;
  }
  void source;
}
