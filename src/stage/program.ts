// A whole program: module classes staged callees first, then the entry's
// factory (`createModel()` builds the model the source's entry builds).
import type { DiagnosticBag } from "../diagnostics.js";
import type { Expr, Stmt } from "../python/ast.js";
import { qualifiedName, statementExprs, statementsOf, subexpressions } from "../python/ast.js";
import type { ModuleClass, Program, SampleInput } from "../model/program.js";
import type { TDecl, TExpr, TModule, TStmt } from "../ts/ast.js";
import { id, num, RUNTIME_MODULE, str } from "../ts/ast.js";
import { setPrinter, stageClass, type RenderableClass } from "./classes.js";
import { ProgramContext } from "./context.js";
import { annotationText, ClassStager, DICT_KEY, DICT_RANK, StageStop } from "./stager.js";
import { Frame } from "./scope.js";
import { printExpr } from "../ts/print.js";
import { configDecls } from "./configs.js";
import { stageLayerSubclass } from "./subclass.js";
import { calledFields, configObject, fieldsUsedAsInts, isStructural, untypedFields } from "./variants.js";
import type { Value } from "./values.js";
import { stageSteps } from "./steps.js";
import type { StepSpec } from "./step-spec.js";

setPrinter(printExpr);

export interface StagedProgram {
  module: TModule;
  /** The same program with source-naming records, for src/instantiate. */
  instrumented: () => TModule;
  ctx: ProgramContext;
  /** The factory that builds the entry's model, when there is an entry. */
  factory?: string;
  entryClass?: string;
  /** Leaves a class out (it does not type-check): re-renders `module` without it (and without the entry's factory if it is the entry). */
  drop(name: string): void;
  /** The training steps, for verify. */
  steps: StepSpec[];
}

export { RUNTIME_MODULE } from "../ts/ast.js";

/**
 * Stages every module class; a class that cannot be translated (`failedBefore`:
 * the frontend already said why) is left out with what depends on it, and the
 * others are still emitted.
 */
export function stageProgram(program: Program, diags: DiagnosticBag, header: string[], failedBefore: Map<string, string> = new Map()): StagedProgram {
  const ctx = new ProgramContext(program, diags);
  const head: TDecl[] = [...configDecls(ctx)];
  const classes: RenderableClass[] = [];
  const entryName = program.entry?.expr.kind === "call" && program.entry.expr.fn.kind === "file" ? program.entry.expr.fn.name : undefined;
  for (const [name, why] of failedBefore) ctx.failed.set(name, why);
  findBindable(ctx);
  const stageOne = (cls: ModuleClass) => {
    if (ctx.failed.has(cls.name)) return;
    const before = ctx.reported;
    const out = cls.extendsLayer ? stageLayerSubclass(ctx, cls) : stageClass(ctx, cls, cls.ranks?.size ? cls.ranks : undefined);
    // A class with an unsupported construct is left out, and so is every class that uses it (each says where).
    // Staged again (a method's parameter form learnt at a later call): the new staging replaces the old.
    const again = classes.findIndex((c) => c.name === out.name);
    if (ctx.reported === before) classes.splice(again < 0 ? classes.length : again, again < 0 ? 0 : 1, out);
    else {
      if (again >= 0) classes.splice(again, 1);
      ctx.failed.set(cls.name, "an unsupported construct");
    }
  };
  // A class is staged where it is first used (the entry, a parent): the modules, config types and input ranks
  // its user gives decide what it builds. Classes nothing uses are staged on their own after.
  ctx.stageOnDemand = stageOne;
  const order = calleesFirst(program);
  const tail: TDecl[] = [];
  let factory: string | undefined;
  let entryClass: string | undefined;
  if (program.entry && !(entryName && ctx.failed.has(entryName))) {
    const f = entryFactory(ctx, program);
    if (f) {
      if (f.alias) tail.push(f.alias);
      tail.push(f.decl);
      factory = f.name;
      entryClass = f.cls;
    }
  }
  // Classes no user built: translated on their own with their defaults, or said to need their modules.
  for (const cls of order) {
    const fields = ctx.bindable.get(cls.name) ?? new Set<string>();
    if (ctx.variants.has(cls.name) || ctx.failed.has(cls.name)) continue;
    const missing = [...fields].filter((f) => !cls.fields.find((x) => x.name === f)?.default);
    if (!missing.length) {
      const stager = new ClassStager(ctx, cls, true);
      ctx.variantOf(cls, new Map(cls.fields.filter((f) => f.default).map((f) => [f.name, stager.dryValue(f.default!)])));
    } else if (!ctx.failed.size) {
      diags.warning("NNX212", `${cls.name} is not translated on its own: its ${missing.map((m) => `'${m}'`).join(", ")} ${missing.length > 1 ? "pick" : "picks"} the modules it builds, and nothing in the file gives ${missing.length > 1 ? "them" : "it"} (NNX builds eagerly; give an entry that builds it)`, cls.span);
    }
  }
  let steps: StepSpec[] = [];
  // Training steps need the entry's model: staged when it translated (whatever else failed), or when nothing failed.
  if (entryClass || diags.errorCount === 0) {
    const staged = stageSteps(ctx, entryClass);
    tail.push(...staged.decls);
    steps = staged.specs;
  }
  const imports = [{ names: ["hk", "jnp", "lax", "nnx", "random", "tf"], from: RUNTIME_MODULE }];
  const variableTypes: TDecl[] = [...ctx.variableTypes].sort().map((name) => ({
    k: "class",
    cls: { name, extends: "nnx.Variable", docs: [`Variables of the source's \`${ctx.variableCollections.get(name) ?? name}\` collection.`], properties: [], ctor: { params: [], body: [] }, methods: [], bare: true },
  }));
  const dropped = new Set<string>();
  const render = (instrumented: boolean): TModule => ({
    header,
    imports,
    decls: [...head, ...variableTypes, ...classes.filter((c) => !dropped.has(c.name)).flatMap((c) => c.render(instrumented)), ...(entryClass && dropped.has(entryClass) ? [] : tail)],
  });
  const staged: StagedProgram = {
    module: render(false),
    instrumented: () => render(true),
    ctx,
    factory,
    entryClass,
    steps,
    drop: (name) => {
      dropped.add(name);
      ctx.failed.set(name, "its TypeScript does not type-check");
      if (name === staged.entryClass) {
        staged.factory = undefined;
        staged.entryClass = undefined;
      }
      staged.module = render(false);
    },
  };
  return staged;
}

/** Module classes in an order where each comes after the classes it uses. */
function calleesFirst(program: Program): ModuleClass[] {
  const classes = [...program.classes, ...program.transformed.values()];
  const byName = new Map(classes.map((c) => [c.name, c]));
  const uses = (c: ModuleClass): Set<string> => {
    const out = new Set<string>();
    const bodies: Stmt[][] = [...c.methods.map((m) => m.body), ...(c.setup ? [c.setup.body] : []), ...c.properties.map((p) => p.body)];
    const visitExpr = (e: Expr) => {
      for (const x of subexpressions(e)) if (x.kind === "file" && byName.has(x.name) && x.name !== c.name) out.add(x.name);
    };
    for (const b of bodies) for (const s of statementsOf(b)) for (const e of statementExprs(s)) visitExpr(e);
    for (const f of c.fields) if (f.default) visitExpr(f.default);
    return out;
  };
  const order: ModuleClass[] = [];
  const state = new Map<string, "visiting" | "done">();
  const visit = (c: ModuleClass) => {
    if (state.get(c.name) === "done" || state.get(c.name) === "visiting") return;
    state.set(c.name, "visiting");
    for (const u of uses(c)) visit(byName.get(u)!);
    state.set(c.name, "done");
    order.push(c);
  };
  classes.forEach(visit);
  return order;
}

/** Fields of each class that pick the modules it builds: called ones (`self.conv(...)`) and ones whose default is a module. */
function findBindable(ctx: ProgramContext): void {
  const isModuleClass = (n: string) => ctx.classes.has(n);
  const isLayer = (n: string) => !!ctx.program.framework.layers[n];
  for (const cls of ctx.classes.values()) {
    const out = calledFields(cls, isModuleClass);
    const stager = new ClassStager(ctx, cls, true);
    for (const f of cls.fields) {
      if (!f.default) continue;
      if (isStructural(stager.tryExpr(f.default, new Frame("", true)), isModuleClass, isLayer)) out.add(f.name);
      else if (f.default.kind !== "none") out.delete(f.name);
    }
    if (out.size) ctx.bindable.set(cls.name, out);
    // A class staged on its own (no user gives its fields) takes the types its uses give.
    const usedAsInts = fieldsUsedAsInts(cls);
    if (usedAsInts.size) cls.types = new Map([...usedAsInts, ...(cls.types ?? [])]);
    const keys = keyFields(cls);
    if (keys.size) ctx.keyFields.set(cls.name, keys);
    const untyped = untypedFields(cls);
    for (const f of out) untyped.delete(f);
    if (untyped.size) ctx.untyped.set(cls.name, untyped);
  }
}

/**
 * What Python would reject in the entry's construction of `source`, checked
 * before anything is built: a field not given that has no default, an
 * argument the class has no field for, and a fixed value of the wrong kind
 * for a field annotated as a number (a string or None as a size).
 */
function entryConfigProblem(stager: ClassStager, source: ModuleClass, e: Extract<Expr, { kind: "call" }>, given: Map<string, Value>): string | undefined {
  const positional = e.args.filter((a) => !a.name && !a.star);
  if (e.args.some((a) => a.star)) return undefined; // `*args`/`**kw`: bound as the staged values say
  if (positional.length > source.fields.length) return `gives ${source.name} ${positional.length} positional arguments; it has ${source.fields.length} fields`;
  // Every module takes `name` (and a Linen one `parent`) besides its fields.
  for (const a of e.args) if (a.name && a.name !== "name" && a.name !== "parent" && !source.fields.some((f) => f.name === a.name)) return `gives ${source.name} '${a.name}', which is not one of its fields`;
  for (const f of source.fields) {
    if (!given.has(f.name) && !f.default) return `gives no value for ${source.name}'s field '${f.name}', which has no default (Python raises TypeError)`;
    // Only what the entry itself gives (defaults are the class's own).
    const positionalAt = source.fields.indexOf(f);
    if (!e.args.some((a) => a.name === f.name) && !positional[positionalAt]) continue;
    const v = given.get(f.name);
    if (v?.kind !== "static" || v.known === undefined) continue;
    const t = stager.annotationType(f.annotation, f.default).t;
    const k = v.known;
    const optional = f.default?.kind === "none" || (f.annotation && /Optional|None/.test(annotationText(f.annotation)));
    const kind = k === null ? (optional ? undefined : "None") : typeof k === "string" ? "a string" : typeof k === "number" && !Number.isInteger(k) ? "a float" : undefined;
    if ((t === "int" && kind) || (t === "float" && (kind === "None" || kind === "a string"))) return `gives ${source.name}'s field '${f.name}' ${kind} (${JSON.stringify(k)}), where the class declares ${t === "int" ? "an int" : "a float"}`;
  }
  return undefined;
}

/** `createModel(rngs)`: the entry's module with the entry's config and the sample inputs' sizes. */
function entryFactory(ctx: ProgramContext, program: Program): { decl: TDecl; name: string; cls: string; alias?: TDecl } | undefined {
  const entry = program.entry!;
  const e = entry.expr;
  if (e.kind === "call" && e.fn.kind !== "file" && program.framework.layers[qualifiedName(e.fn) ?? ""]) return directLayerFactory(ctx, program, e);
  if (e.kind !== "call" || e.fn.kind !== "file") {
    ctx.diags.error("NNX301", `the entry '${entry.text}' does not build a module of this file`, entry.span ?? e.span);
    return undefined;
  }
  const source = ctx.classes.get(e.fn.name);
  if (!source) {
    ctx.diags.error("NNX301", `the entry '${entry.text}' does not build a module nnxport translated`, entry.span ?? e.span);
    return undefined;
  }
  if (source.extendsLayer) return layerEntryFactory(ctx, program, source, e);
  const stager = new ClassStager(ctx, source, true);
  const frame = new Frame("entry", true);
  // The entry's config, then the class translated for the modules it gives.
  const given = new Map<string, Value>();
  const argOf = new Map<string, Expr>();
  try {
    const positional = e.args.filter((a) => !a.name);
    source.fields.forEach((f, i) => {
      const arg = positional[i]?.value ?? e.args.find((a) => a.name === f.name)?.value;
      if (arg) {
        given.set(f.name, stager.expr(arg, frame));
        argOf.set(f.name, arg);
      } else if (f.default) given.set(f.name, stager.dryValue(f.default));
    });
  } catch (err) {
    if (!(err instanceof StageStop)) throw err;
    // The entry's arguments are staged shape-only, which reports nothing itself.
    ctx.unsupported(err.span ?? entry.span ?? e.span, err.message);
    return undefined;
  }
  const problem = entryConfigProblem(stager, source, e, given);
  if (problem) {
    ctx.diags.error("NNX302", `the entry '${entry.text.replace(/\s+/g, " ")}' ${problem}`, entry.span ?? e.span);
    return undefined;
  }
  // A dict input: marked, and each of its entries an input of its own.
  const ranks = new Map(entry.inputs.flatMap((i): Array<[string, number]> => (i.dict ? [[`${entry.method}|${i.name}`, DICT_RANK], ...i.dict.map((d): [string, number] => [`${entry.method}|${i.name}${DICT_KEY}${d.name}`, d.shape.length])] : [[`${entry.method}|${i.name}`, i.dtype === "key" ? -1 : i.shape.length]])));
  const cls = ctx.variantOf(source, given, ranks);
  const clsName = cls.name;
  const summary = ctx.summaries.get(clsName);
  if (ctx.failed.has(clsName) || !summary) {
    if (!ctx.failed.has(clsName)) ctx.diags.error("NNX301", `the entry '${entry.text}' does not build a module nnxport translated`, entry.span ?? e.span);
    return undefined;
  }
  const entries: Array<{ key: string; value: TExpr }> = [];
  /** Modules the entry gives in config are constructed (and named) before the root, where the entry runs. */
  const configConstructs: TStmt[] = [];
  try {
    for (const f of summary.fields) {
      const arg = argOf.get(f.name);
      const v = given.get(f.name);
      if (!arg || !v || f.mode) continue;
      if (v.kind === "module" && v.inst.ctor.kind === "class") {
        configConstructs.push({ k: "record", event: { e: "construct", site: `field:${f.name}`, base: program.framework.moduleBase(v.inst.ctor.name), top: true } });
      }
      const value = stager.ctorExpr(v, arg.span, `the entry's '${f.name}'`);
      entries.push({ key: f.name, value: f.type.t === "config" && f.type.fields ? configObject(value) : value });
    }
  } catch (err) {
    if (!(err instanceof StageStop)) throw err;
    ctx.unsupported(err.span ?? entry.span ?? e.span, err.message);
    return undefined;
  }
  const method = cls.methods.find((m) => m.name === entry.method);
  for (const o of summary.inputOptions) {
    const m = cls.methods.find((x) => x.name === o.method);
    const arrays = m?.params.filter((p) => entry.inputs.some((i) => i.name === p.name)) ?? [];
    const [param, dictKey] = o.param.split(DICT_KEY);
    const whole = entry.inputs.find((i) => i.name === param) ?? (o.method === entry.method ? entry.inputs[arrays.findIndex((p) => p.name === param)] : undefined);
    const sample = dictKey !== undefined ? whole?.dict?.find((d) => d.name === dictKey) : whole;
    if (!sample && o.optional) continue;
    if (!sample) {
      ctx.diags.error("NNX302", `the entry gives no sample for '${o.param}' of ${clsName}.${o.method}, whose size the model needs`, entry.span ?? e.span);
      return undefined;
    }
    entries.push({ key: o.name, value: o.kind === "features" ? num(sample.shape[sample.shape.length - 1]) : { k: "array", items: sample.shape.map(num) } });
  }
  void method;
  entries.push({ key: "rngs", value: id("rngs") });
  const name = `create${clsName}`;
  const shapeText = (i: SampleInput): string => (i.dict ? `{ ${i.dict.map((d) => `${d.name}: ${shapeText(d)}`).join(", ")} }` : `[${i.shape.join(", ")}]`);
  const shapes = entry.inputs.map((i) => `${i.name}: ${shapeText(i)}`).join(", ");
  return {
    name,
    cls: clsName,
    decl: {
      k: "function",
      fn: {
        name,
        exported: true,
        docs: [`\`${clsName}\` as the source's entry point builds it (\`${entry.text.replace(/\s+/g, " ")}\`)${shapes ? `, for inputs ${shapes}` : ""}.`],
        params: [{ name: "rngs", type: "nnx.Rngs", default: { k: "new", cls: { k: "rt", path: "nnx.Rngs" }, args: [num(0)] } }],
        returns: clsName,
        body: [
          ...configConstructs,
          { k: "record", event: { e: "construct", site: "root", base: program.framework.moduleBase(source.name), top: true } },
          { k: "return", value: { k: "recorded", event: { e: "build", site: "root", transparent: !!cls.transparent }, value: { k: "new", cls: { k: "raw", text: clsName }, args: [{ k: "object", entries }] } } },
        ],
      },
    },
  };
}

/**
 * The entry builds a subclass of a framework layer (`StdConv(features=8, ...)`, `class StdConv(nn.Conv)`):
 * its arguments are the layer's, and the layer is built as a module calling it would build it, from the
 * entry's arguments and its sample inputs' sizes (`new StdConv(4, 8, [3, 3], { useBias: false, rngs })`).
 */
function layerEntryFactory(ctx: ProgramContext, program: Program, source: ModuleClass, e: Extract<Expr, { kind: "call" }>, direct = false): { decl: TDecl; name: string; cls: string; alias?: TDecl } | undefined {
  const entry = program.entry!;
  const span = entry.span ?? e.span;
  if (entry.method !== "__call__" && !direct) {
    ctx.unsupported(span, `an entry applying '${entry.method}' of ${source.name}, a subclass of ${source.extendsLayer}`);
    return undefined;
  }
  const stager = new ClassStager(ctx, source, false);
  const frame = new Frame("__call__", false);
  const names: Array<{ name?: string; value: Expr }> = [];
  for (const i of entry.inputs) {
    if (i.dict || i.dtype === "key") {
      ctx.unsupported(span, `the input '${i.name}' of ${source.name}, a subclass of ${source.extendsLayer} (it takes arrays)`);
      return undefined;
    }
    frame.env.set(i.name, { kind: "array", call: id(i.name), shape: { rank: i.shape.length, dims: i.shape.map(num) }, dtype: i.dtype } as Value);
    names.push({ ...(i.keyword ? { name: i.name } : {}), value: { kind: "name", id: i.name, span: e.span } });
  }
  // A framework layer as the entry: its train/eval switches (`deterministic`, `use_running_average`) follow the
  // model's mode, set at construction (a field verify sets per mode) or else at the call; other flags are passed.
  const row = direct ? program.framework.layers[qualifiedName(e.fn) ?? ""] : undefined;
  const positional = e.args.filter((a) => !a.name && !a.star).length;
  const fieldModes = (row?.params ?? []).filter((p, i) => p.mode && (i < positional || e.args.some((a) => a.name === p.name))).map((p) => p.name);
  const callModes = (row?.calls?.[entry.method]?.params ?? []).filter((p) => p.mode && !fieldModes.includes(p.name)).map((p) => p.name);
  if (direct) for (const [k, v] of Object.entries(entry.kwargs)) if (!callModes.includes(k) && !fieldModes.includes(k)) names.push({ name: k, value: v });
  try {
    const callee: Expr = entry.method === "__call__" ? e : { kind: "attr", object: e, attr: entry.method, span: e.span };
    stager.expr({ kind: "call", fn: callee, args: names, span: e.span } as Expr, frame);
  } catch (err) {
    if (!(err instanceof StageStop)) throw err;
    ctx.unsupported(err.span ?? span, err.message);
    return undefined;
  }
  // What the call built: the construction of the layer (its record and its `new`), made the root.
  const built = (frame.block.ctor ?? []).map((s) => (s.k === "assign" && s.value.k === "recorded" && s.value.event.e === "build" ? s.value : undefined)).find((x) => x);
  if (!built || built.k !== "recorded" || built.event.e !== "build") {
    ctx.unsupported(span, `building ${source.name} as the entry`);
    return undefined;
  }
  // Called as the layer is: with the entry's arrays.
  const call = entry.inputs.map((i) => ({ name: i.name, kind: "array" as const, optional: false, keywordOnly: !!i.keyword, tsType: "nnx.Array" }));
  const modes = callModes.map((n) => ({ name: n, kind: "mode" as const, optional: true, keywordOnly: true, tsType: "boolean" }));
  const fields = fieldModes.map((n) => ({ name: n, type: { t: "bool" as const }, tsType: "boolean", hasDefault: true, mode: true }));
  ctx.summaries.set(source.name, { name: source.name, fields, inputOptions: [], methods: new Map([[entry.method, [...call, ...modes]]]) });
  const name = `create${source.name}`;
  const shapes = entry.inputs.map((i) => `${i.name}: [${i.shape.join(", ")}]`).join(", ");
  const runtime = built.value.k === "new" && built.value.cls.k === "rt" ? built.value.cls.path : undefined;
  if (direct && !runtime) {
    ctx.unsupported(span, `building ${entry.text} as the entry`);
    return undefined;
  }
  // The modules the entry's layer is given (`nn.Sequential([nn.Dense(4), ...])`, `nn.RNN(nn.LSTMCell(8))`) are built
  // at the top level, where nothing names them: the layer adopts each under its field's name (`layers_0`, `cell`).
  const children: TStmt[] = [];
  if (direct) {
    const names = adoptedNames(ctx, program, e);
    const site = built.event.site;
    const records = (frame.block.ctor ?? []).filter((s) => s.k === "record" && s.event.e === "construct" && s.event.site !== site);
    // A key drawn from no stream (a dropout's call) moves no Linen counter.
    const rest = (frame.block.ctor ?? []).filter((s) => !records.includes(s) && !(s.k === "record" && s.event.e === "draw" && !s.event.stream && program.framework.name === "linen"));
    if (!names || records.length !== names.length || rest.length !== 2) {
      ctx.unsupported(span, `the modules given to ${entry.text.replace(/\s+/g, " ")} (only framework layers and classes of the file, each given directly or in a list)`);
      return undefined;
    }
    records.forEach((r, i) => r.k === "record" && r.event.e === "construct" && children.push({ ...r, event: { ...r.event, top: true, name: str(names[i]) } }));
  }
  return {
    name,
    cls: source.name,
    ...(direct ? { alias: { k: "typeAlias", name: source.name, type: runtime!, docs: [`The model: the source's entry point is the framework layer \`${entry.text.replace(/\s+/g, " ")}\` itself.`] } as TDecl } : {}),
    decl: {
      k: "function",
      fn: {
        name,
        exported: true,
        docs: [`\`${source.name}\` as the source's entry point builds it (\`${entry.text.replace(/\s+/g, " ")}\`)${shapes ? `, for inputs ${shapes}` : ""}.`],
        params: [{ name: "rngs", type: "nnx.Rngs", default: { k: "new", cls: { k: "rt", path: "nnx.Rngs" }, args: [num(0)] } }],
        returns: source.name,
        body: [
          ...children,
          { k: "record", event: { e: "construct", site: "root", base: program.framework.moduleBase(source.name), top: true } },
          { k: "return", value: { ...built, event: { ...built.event, site: "root" }, value: direct ? atTop(built.value) : built.value } },
        ],
      },
    },
  };
}

/**
 * The entry is a framework layer itself (`nn.Dense(4).init(key, x)`): the factory builds the runtime layer
 * as a module calling it would (`new nnx.Linear(3, 4, { rngs })`); the model's type is that layer's.
 */
function directLayerFactory(ctx: ProgramContext, program: Program, e: Extract<Expr, { kind: "call" }>): { decl: TDecl; name: string; cls: string; alias?: TDecl } | undefined {
  const taken = (n: string) => ctx.classes.has(n) || ctx.configs.has(n) || program.functions.has(n) || program.constants.has(n);
  const name = ["Layer", "Model", "EntryLayer"].find((n) => !taken(n)) ?? "EntryLayer";
  const source: ModuleClass = { name, fields: [], methods: [], properties: [], classAttrs: [], span: e.span };
  return layerEntryFactory(ctx, program, source, e, true);
}

/**
 * The names Linen gives the modules a layer built at the top level is given, in the order they are constructed:
 * its field's (`cell`), with the index in a list (`layers_0`); a layer given layers names them in its own scope
 * (`nn.Bidirectional(nn.RNN(nn.GRUCell(8)), ...)`: `forward_rnn`, and `cell` below it).
 */
function adoptedNames(ctx: ProgramContext, program: Program, e: Extract<Expr, { kind: "call" }>, depth = 0): string[] | undefined {
  const row = program.framework.layers[qualifiedName(e.fn) ?? ""];
  const isLayer = (x: Expr): x is Extract<Expr, { kind: "call" }> => x.kind === "call" && !!program.framework.layers[qualifiedName(x.fn) ?? ""];
  const isModule = (x: Expr): boolean => x.kind === "call" && (!!program.framework.layers[qualifiedName(x.fn) ?? ""] || (x.fn.kind === "file" && ctx.classes.has(x.fn.name)));
  const out: string[] = [];
  let positional = 0;
  const one = (x: Expr, name: string): boolean => {
    // A layer's own modules are constructed (and named) before it.
    const inner = isLayer(x) ? adoptedNames(ctx, program, x, depth + 1) : [];
    if (!inner || depth > 4) return false;
    out.push(...inner, name);
    return true;
  };
  for (const a of e.args) {
    if (a.star) return undefined;
    const field = a.name ?? row?.params[positional++]?.name;
    const v = a.value;
    if (isModule(v)) {
      if (!field || !one(v, field)) return undefined;
    } else if (v.kind === "list" || v.kind === "tuple") {
      for (const [i, x] of v.items.entries()) if (isModule(x) && (!field || !one(x, `${field}_${i}`))) return undefined;
    }
  }
  return out;
}

/**
 * Builds inside the entry's own construction run at the top level (the factory has no `this`); one inside
 * another's arguments is named in the scope of the one being built (`inner`).
 */
function atTop(e: TExpr): TExpr {
  const walk = (x: unknown, depth: number): unknown => {
    if (Array.isArray(x)) return x.map((y) => walk(y, depth));
    if (!x || typeof x !== "object") return x;
    const build = (x as { k?: string }).k === "recorded" && (x as { event: { e?: string } }).event.e === "build";
    const o = Object.fromEntries(Object.entries(x).map(([k, v]) => [k, walk(v, depth + (build ? 1 : 0))]));
    return build ? { ...o, event: { ...(o.event as object), top: true, ...(depth > 0 ? { inner: true } : {}) } } : o;
  };
  return walk(e, 0) as TExpr;
}

/** Fields a class looks dict entries up with: `x[self.f]`, `k.startswith(self.f)` / `endswith`. */
function keyFields(cls: ModuleClass): Set<string> {
  const out = new Set<string>();
  const field = (e: Expr | undefined) => (e?.kind === "attr" && e.object.kind === "self" && cls.fields.some((f) => f.name === e.attr) ? e.attr : undefined);
  const bodies: Stmt[][] = [...cls.methods.map((m) => m.body), ...(cls.setup ? [cls.setup.body] : [])];
  for (const b of bodies) {
    for (const s of statementsOf(b)) {
      for (const e of statementExprs(s)) {
        for (const x of subexpressions(e)) {
          const f = x.kind === "index" ? field(x.index) : x.kind === "call" && x.fn.kind === "attr" && (x.fn.attr === "startswith" || x.fn.attr === "endswith") ? field(x.args[0]?.value) : undefined;
          if (f) out.add(f);
        }
      }
    }
  }
  return out;
}
