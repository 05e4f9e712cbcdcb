// Flax Linen: nn.Module dataclasses (fields are config; `setup()` and
// `@nn.compact` methods build submodules), config dataclasses, and the
// `Model(...).init(key, x, ...)` entry.
import type { DiagnosticBag } from "../../diagnostics.js";
import type { ClassDef, Expr, PyModule } from "../../python/ast.js";
import { qualifiedName } from "../../python/ast.js";
import type { ModuleClass, Program } from "../../model/program.js";
import { allCalls, annotatedFields, baseName, classesDerivedFrom, classMembers, configClasses, reportUnsupportedClassMembers, topLevel } from "../common/discover.js";
import { entryFromInit, initCalls, resolver, setEntry, type InitCall } from "../common/entry.js";
import { seeThrough } from "../common/entry-override.js";
import { LINEN_LAYERS } from "./layers.js";
import { linenFramework } from "./idioms.js";

const MODULE_BASES = new Set(["flax.linen.Module", "flax.linen.module.Module", "flax.linen.RNNCellBase", "flax.linen.recurrent.RNNCellBase"]);
/** Dataclass fields every Linen module has; not configuration. */
const RESERVED_FIELDS = new Set(["name", "parent"]);

export function linenProgram(module: PyModule, source: string, diags: DiagnosticBag): Program {
  const top = topLevel(module);
  const isBase = (n: string) => MODULE_BASES.has(n) || !!LINEN_LAYERS[n];
  const classDefs = classesDerivedFrom(top.classes, isBase);
  const classes = classDefs.map((c) => moduleClass(c, top.classes, diags));
  const configs = configClasses(top.classes, new Set(classDefs.map((c) => c.name)));
  const program: Program = {
    file: module.file,
    framework: linenFramework,
    module,
    classes,
    configs,
    functions: top.functions,
    constants: top.constants,
    transformed: new Map(),
  };
  const entry = findEntry(program, top, source, diags);
  if (entry) setEntry(program, entry);
  return program;
}

/** Lifted transforms Linen code applies to `__call__` as decorators (through functools.partial). */
const LIFTED_DECORATORS = new Set(["flax.linen.scan", "flax.linen.transforms.scan"]);

function moduleClass(c: ClassDef, all: Map<string, ClassDef>, diags: DiagnosticBag): ModuleClass {
  reportUnsupportedClassMembers(c, diags);
  // Fields and methods of the file's own base classes come first (a subclass overrides).
  const chain: ClassDef[] = [];
  for (let cur: ClassDef | undefined = c; cur && chain.length < 20; ) {
    chain.unshift(cur);
    const parent: string | undefined = cur.bases.map(baseName).find((n) => n && all.has(n));
    cur = parent ? all.get(parent) : undefined;
  }
  const fields = new Map<string, ModuleClass["fields"][number]>();
  const methods = new Map<string, ModuleClass["methods"][number]>();
  const properties = new Map<string, ModuleClass["properties"][number]>();
  const attrs = new Map<string, ModuleClass["classAttrs"][number]>();
  for (const k of chain) {
    for (const f of annotatedFields(k.body, RESERVED_FIELDS)) fields.set(f.name, f);
    const m = classMembers(k);
    for (const fn of m.methods) methods.set(fn.name, fn);
    for (const fn of m.properties) properties.set(fn.name, fn);
    for (const a of m.attrs) attrs.set(a.name, a);
  }
  const extendsLayer = chain[0].bases.map((b) => qualifiedName(b)).find((n) => n && LINEN_LAYERS[n]);
  const setup = methods.get("setup");
  methods.delete("setup");
  let liftedCall: Expr | undefined;
  for (const fn of methods.values()) {
    for (const d of fn.decorators) {
      const n = qualifiedName(d.kind === "call" ? d.fn : d) ?? "";
      const builtin = d.kind === "builtin" ? d.name : "";
      // `@functools.partial(nn.scan, variable_broadcast='params', ...)` on __call__: the class, scanned.
      const lifted = fn.name === "__call__" && d.kind === "call" && n === "functools.partial" && d.args[0] && !d.args[0].name ? qualifiedName(d.args[0].value) : undefined;
      if (lifted && LIFTED_DECORATORS.has(lifted) && !liftedCall && d.kind === "call") {
        liftedCall = { kind: "call", fn: d.args[0].value, args: [{ value: { kind: "file", name: c.name, span: c.span } }, ...d.args.slice(1)], span: d.span };
        continue;
      }
      // `@nn.remat` / `@nn.checkpoint` on a method: the same values, the same scope (no renamed class, no forked rngs).
      if (rematDecorator(d)) continue;
      if (n !== "flax.linen.compact" && n !== "flax.linen.nowrap" && n !== "flax.linen.module.compact" && builtin !== "staticmethod") {
        diags.error("NNX201", `unsupported construct: the decorator '${n || "…"}' on ${c.name}.${fn.name}`, d.span);
      }
    }
  }
  return {
    name: c.name,
    fields: [...fields.values()],
    methods: [...methods.values()],
    setup,
    properties: [...properties.values()],
    classAttrs: [...attrs.values()],
    extendsLayer,
    ...(liftedCall ? { liftedCall } : {}),
    docstring: c.docstring,
    span: c.span,
  };
}

const REMAT = new Set(["flax.linen.remat", "flax.linen.checkpoint", "flax.linen.transforms.remat", "flax.linen.transforms.checkpoint"]);
/** Settings of nn.checkpoint that only tune memory or tracing. */
const REMAT_HARMLESS = new Set(["concrete", "prevent_cse", "static_argnums", "policy"]);

/** `@nn.remat`, `@nn.checkpoint(...)` or `@functools.partial(nn.remat, ...)` with only settings that leave values alone. */
function rematDecorator(d: Expr): boolean {
  if (d.kind !== "call") return REMAT.has(qualifiedName(d) ?? "");
  const n = qualifiedName(d.fn) ?? "";
  const rest = n === "functools.partial" ? d.args.slice(1) : d.args;
  const target = n === "functools.partial" ? (d.args[0] && !d.args[0].name ? qualifiedName(d.args[0].value) : undefined) : n;
  return !!target && REMAT.has(target) && rest.every((a) => a.name && !a.star && REMAT_HARMLESS.has(a.name));
}

/** `model = Model(...)`; `model.init(key, x, ...)`. */
function findEntry(program: Program, top: ReturnType<typeof topLevel>, source: string, diags: DiagnosticBag) {
  for (const init of initCalls(program.module, top)) {
    const made = init.object;
    // `layer = build(7)`: a factory function of the file (or a partial) is seen through to the module it builds.
    const ctor = made.kind === "call" && made.fn.kind === "file" && !program.classes.some((c) => c.name === (made.fn as { name: string }).name) ? (seeThrough(made, program) ?? made) : made;
    if (ctor.kind !== "call") continue;
    const cls = ctor.fn.kind === "file" ? program.classes.find((c) => c.name === (ctor.fn as { name: string }).name) : undefined;
    const methodArg = init.call.args.find((a) => a.name === "method");
    const methodName = methodArg ? (methodArg.value.kind === "str" ? methodArg.value.value : methodArg.value.kind === "attr" ? methodArg.value.attr : "__call__") : "__call__";
    // `nn.Dense(4).init(key, x)`: a framework layer is the model itself, called with its row's parameters.
    const layer = cls ? undefined : LINEN_LAYERS[qualifiedName(ctor.fn) ?? ""];
    const params = cls?.methods.find((m) => m.name === methodName)?.params.map((p) => p.name) ?? layer?.calls?.[methodName]?.params.map((p) => p.name) ?? (layer && methodName === "__call__" ? ["inputs"] : undefined);
    if (!params) continue;
    const entry = entryFromInit(init, ctor, textOf(source, made), params, diags);
    const mutable = entry && appliedMutable(program, top, init);
    if (entry && mutable?.length) entry.mutable = mutable;
    return entry;
  }
  return undefined;
}

/**
 * The collections the file's own `model.apply(..., mutable=[...])` of the entry's model asks for
 * (`y, state = model.apply(variables, x, mutable=['intermediates'])`): verify compares what the
 * model sows into them.
 */
function appliedMutable(program: Program, top: ReturnType<typeof topLevel>, init: InitCall): string[] | undefined {
  for (const { call, scope } of allCalls(program.module)) {
    if (call.fn.kind !== "attr" || call.fn.attr !== "apply") continue;
    const receiver = call.fn.object;
    const same = resolver(top, scope)(receiver) === init.object || (receiver.kind === "file" && receiver.name === init.name);
    const arg = call.args.find((a) => a.name === "mutable");
    if (!same || !arg) continue;
    const v = resolver(top, scope)(arg.value);
    const items = v.kind === "str" ? [v] : v.kind === "list" || v.kind === "tuple" ? v.items : [];
    const names = items.flatMap((e) => (e.kind === "str" ? [e.value] : []));
    if (names.length) return names;
  }
  return undefined;
}

export function textOf(source: string, e: Expr): string {
  const lines = source.split("\n");
  const { line, column, endLine, endColumn } = e.span;
  if (line === endLine) return lines[line - 1].slice(column - 1, endColumn - 1);
  return [lines[line - 1].slice(column - 1), ...lines.slice(line, endLine - 1), lines[endLine - 1].slice(0, endColumn - 1)].join("\n");
}
