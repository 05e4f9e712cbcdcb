// Linen frontend: nn.Module dataclasses, @nn.compact methods with inline
// layers, setup() submodules, and the `Model(...).init(key, x, ...)` entry.
import type { DiagnosticBag } from "../../diagnostics.js";
import type { EntryPoint, Expr, ModuleDef, Program, Stmt } from "../../ir/model.js";
import type { ImportTable } from "../../parse/imports.js";
import { spanOf, type Node, type SourceFile } from "../../parse/parser.js";
import { buildChild, constructModule, inlineChild, type InlineContext } from "../common/construct.js";
import { entryPoint, readInitArguments } from "../common/entry.js";
import { callArguments, MethodLowering, ModuleScope, stringValue, unsupported, type LoweringHooks } from "../common/lower.js";
import { bindArguments } from "../common/bind.js";
import { parseDtype, parseInit, parseShape, variableTypeName, varRead } from "../common/variables.js";
import { buildModules, configField, variableTypes, TopLevel, type Signatures, type ClassInfo } from "../common/toplevel.js";
import { recognizeTraining, type AppliedCall } from "../common/training.js";
import { LINEN_LAYERS, LINEN_OPS } from "./layers.js";

const MODULE_BASES = ["flax.linen.Module"];
/** nn.scan's parameters, in order. */
const NN_SCAN_PARAMS = ["target", "variable_axes", "variable_broadcast", "variable_carry", "split_rngs", "in_axes", "out_axes", "length", "reverse", "unroll"];
/** Dataclass fields every Linen module has; not configuration. */
const RESERVED_FIELDS = new Set(["name", "parent"]);

export function recognizeLinen(source: SourceFile, imports: ImportTable, diags: DiagnosticBag): Program {
  const top = new TopLevel(source, imports);
  const classes = top.classesDerivedFrom(MODULE_BASES);
  if (!classes.length) diags.error("NNX301", "no nn.Module subclass found in this file");

  const { modules } = buildModules(
    classes,
    (c, signatures) => declareModule(c, signatures, diags),
    (c, scope, modules) => lowerModule(c, scope, modules, imports, diags),
  );

  const found = findEntry(top, modules, diags);
  diags.throwIfErrors();
  const root = modules.get(found!.entry.module)!;
  const training = recognizeTraining({
    top,
    diags,
    object: found!.object,
    root,
    flags: Object.keys(found!.entry.modeArgs),
    readApply: (call, diags) => readApply(call, root, diags),
    frontendOp: (fn) => LINEN_OPS[imports.resolve(fn) ?? ""],
  });
  top.warnUntranslated(diags);
  diags.throwIfErrors();
  return {
    file: source.file,
    variableTypes: variableTypes([...modules.values()]),
    origin: "Flax Linen",
    modules: [...modules.values()],
    entry: found!.entry,
    training,
    naming: { keys: "linen", rootPath: [], collectionPrefix: { params: "params/", batch_stats: "batch_stats/" } },
    reference: {
      framework: "linen",
      object: found!.object,
      flags: Object.fromEntries(Object.keys(found!.entry.modeArgs).map((k) => [k, k])),
      // Any public method can be applied with `method=`.
      apply: Object.fromEntries(
        modules.get(found!.entry.module)!.methods.filter((m) => m.name === "__call__" || !m.name.startsWith("_")).map((m) => [m.name, m.name]),
      ),
    },
  };
}

/** `model.apply({'params': p, ...}, *inputs, **flags, rngs={'dropout': key}, mutable=[...], method=...)`. */
function readApply(call: Node, root: ModuleDef, diags: DiagnosticBag): AppliedCall | undefined {
  const { positional, keywords } = callArguments(call);
  const dict = positional[0];
  if (dict?.type !== "dictionary") {
    unsupported(diags, dict ?? call, "applying the model to variables other than a `{'params': ...}` dictionary written out");
    return undefined;
  }
  const variables: AppliedCall["variables"] = [];
  for (const pair of dict.namedChildren.filter((c) => c.type === "pair")) {
    const key = pair.childForFieldName("key")!;
    if (key.type !== "string") unsupported(diags, key, "a variable collection named by anything but a string");
    else variables.push({ collection: stringValue(key), node: pair.childForFieldName("value")! });
  }
  let key: Node | undefined;
  const rngs = keywords.rngs;
  if (rngs) {
    const pairs = rngs.type === "dictionary" ? rngs.namedChildren.filter((c) => c.type === "pair") : [];
    const dropout = pairs.find((p) => p.childForFieldName("key")!.type === "string" && stringValue(p.childForFieldName("key")!) === "dropout");
    if (!dropout || pairs.length !== 1) unsupported(diags, rngs, "rngs other than {'dropout': key}");
    key = dropout?.childForFieldName("value") ?? undefined;
  }
  const method = keywords.method ? (keywords.method.type === "string" ? stringValue(keywords.method) : "") : "__call__";
  if (!root.methods.some((m) => m.name === method)) {
    unsupported(diags, keywords.method ?? call, `applying a method of ${root.name} other than its own, named by a string`);
    return undefined;
  }
  const params = root.methods.find((m) => m.name === method)!.params.map((p) => p.name);
  const args = new Map<string, Node>();
  positional.slice(1).forEach((a, i) => args.set(params[i] ?? `#${i}`, a));
  for (const [k, v] of Object.entries(keywords)) if (!["rngs", "mutable", "method"].includes(k)) args.set(k, v);
  return { variables, key, args, method, returnsState: !!keywords.mutable };
}

/** Config from the dataclass fields: `features: int`, `rate: float = 0.5`. */
function declareModule(c: ClassInfo, signatures: Signatures, diags: DiagnosticBag): ModuleScope {
  const def: ModuleDef = { name: c.name, config: [], variables: [], children: [], methods: [], span: spanOf(c.node) };
  const scope = new ModuleScope(def, signatures);
  scope.declareMethods(
    c.body.namedChildren
      .map((m) => (m.type === "decorated_definition" ? m.childForFieldName("definition")! : m))
      .filter((fn) => fn.type === "function_definition"),
  );
  for (const stmt of c.body.namedChildren) {
    const a = stmt.type === "expression_statement" ? stmt.namedChild(0) : null;
    const type = a?.type === "assignment" ? a.childForFieldName("type") : null;
    if (!a || !type) continue;
    const name = a.childForFieldName("left")!.text;
    if (RESERVED_FIELDS.has(name)) continue;
    scope.addConfig(configField(name, type, a.childForFieldName("right") ?? undefined, a, diags));
  }
  return scope;
}

function lowerModule(c: ClassInfo, scope: ModuleScope, modules: Map<string, ModuleDef>, imports: ImportTable, diags: DiagnosticBag): void {
  const counters = new Map<string, number>();
  const inline: InlineContext = {
    layers: LINEN_LAYERS,
    modules,
    // Linen numbers unnamed submodules per class name within their parent.
    autoName: (base) => {
      const k = counters.get(base) ?? 0;
      counters.set(base, k + 1);
      return `${base}_${k}`;
    },
    moduleBase: (def) => def.name,
  };
  const hooks: LoweringHooks = {
    call: (node, lower) => selfParam(node, lower) ?? inlineChild(node, lower, inline),
    statement: (node, lower) =>
      selfVariable(node, lower) ?? initializingBranch(node, lower) ?? scanOverLayers(node, lower, inline) ?? placeholderReturn(node, lower),
    bindChild: (name, ctor, lower) => bindScannedChild(name, ctor, lower, inline),
    callBoundChild: (child, method, node, lower) => {
      if (!child.scan || method !== "__call__") return undefined;
      const args = lower.callArgs(node, child, method);
      if (args.length !== 2) return lower.unsupported(node, "a scanned module called with other than (carry, xs)");
      return { kind: "scan", child: child.attr, method, carry: args[0], xs: args[1], ...child.scan, span: spanOf(node) };
    },
  };
  const newLowering = () => {
    const lower = new MethodLowering(scope, imports, diags, hooks);
    lower.frontendOp = (fn) => LINEN_OPS[imports.resolve(fn) ?? ""];
    return lower;
  };

  const members = c.body.namedChildren.map((m) => (m.type === "decorated_definition" ? { fn: m.childForFieldName("definition")!, decorators: m.namedChildren.filter((d) => d.type === "decorator") } : { fn: m, decorators: [] as Node[] }));
  const setup = members.find((m) => m.fn.type === "function_definition" && m.fn.childForFieldName("name")!.text === "setup");
  if (setup) lowerSetup(setup.fn, newLowering(), modules);

  for (const { fn, decorators } of members) {
    if (fn.type === "expression_statement" || fn.type === "comment") continue; // fields, docstrings
    if (fn.type !== "function_definition") {
      diags.error("NNX201", "unsupported construct: a class member other than a field or method", spanOf(fn));
      continue;
    }
    if (fn === setup?.fn) continue;
    for (const d of decorators) {
      if (imports.resolve(d.namedChild(0)!) !== "flax.linen.compact") {
        diags.error("NNX201", `unsupported construct: the decorator '${d.text}'`, spanOf(d));
      }
    }
    const method = newLowering().method(fn);
    // `def __call__(self, x, _)`: the unused per-step input of a layer scanned over layers.
    if (method.params.length > 1 && method.params[method.params.length - 1].name === "_") method.params.pop();
    scope.def.methods.push(method);
  }
}

/**
 * `rnn = nn.scan(Cell, variable_broadcast="params", split_rngs={"params": False},
 * in_axes=k, out_axes=k)(args)`: one Cell whose parameters every step shares,
 * stepped along axis k. Other nn.scan settings are reported, never guessed.
 */
function bindScannedChild(name: string, ctor: Node, lower: MethodLowering, inline: InlineContext): boolean {
  const lift = ctor.childForFieldName("function")!;
  if (lift.type !== "call" || lower.imports.resolve(lift.childForFieldName("function")!) !== "flax.linen.scan") return false;
  const args = bindArguments(lift, NN_SCAN_PARAMS, "nn.scan", lower.diags);
  const cls = args.get("target");
  const axis = (k: string) => (args.get(k)?.type === "integer" ? Number(args.get(k)!.text) : args.get(k) ? NaN : 0);
  const [inAxis, outAxis] = [axis("in_axes"), axis("out_axes")];
  const broadcast = args.get("variable_broadcast")?.text.replace(/'/g, '"');
  const split = args.get("split_rngs")?.text.replace(/'/g, '"').replace(/\s/g, "");
  const problems = [
    broadcast !== '"params"' && "variable_broadcast other than 'params'",
    split !== '{"params":False}' && "split_rngs other than {'params': False}",
    Number.isNaN(inAxis) && "in_axes other than one integer",
    Number.isNaN(outAxis) && "out_axes other than one integer",
    ...["variable_axes", "variable_carry", "length", "reverse", "unroll"].filter((k) => args.get(k)).map((k) => `${k}=`),
  ].filter(Boolean);
  if (!cls || problems.length) {
    lower.unsupported(lift, `nn.scan with ${problems.join(", ") || "no module"} (supported: a module of this file with variable_broadcast='params', split_rngs={'params': False}, integer in_axes/out_axes)`);
    lower.declareLocal(name);
    return true;
  }
  const built = buildChild(ctor, lower, inline, undefined, { cls, namePrefix: "Scan" });
  if (!built || built.child.ctor.kind !== "module") {
    lower.unsupported(cls, "nn.scan of anything but a module of this file");
    lower.declareLocal(name);
    return true;
  }
  built.child.scan = { inAxis, outAxis };
  lower.childLocals.set(name, built.child);
  return true;
}

interface LayerScan {
  cls: Node;
  length: Expr;
  /** split_rngs has 'dropout': True; without it the layers get no dropout rng at all. */
  splitDropout: boolean;
}

/** split_rngs a scan over layers may have (squashed): the dropout stream split per layer or not lifted at all. */
const SPLIT_OVER_LAYERS = ['{"params":True}', '{"params":True,"dropout":True}', '{"dropout":True,"params":True}'];

const layerScans = new WeakMap<MethodLowering, Map<string, LayerScan>>();

/**
 * Scan over layers: `ScanBlock = nn.scan(Block, variable_axes={'params': 0},
 * split_rngs={'params': True}, length=n)` names a stack of n Blocks;
 * `y, _ = ScanBlock(args)(x, None)` builds it and runs the layers in turn.
 */
function scanOverLayers(node: Node, lower: MethodLowering, inline: InlineContext): Stmt[] | undefined {
  const a = node.type === "expression_statement" ? node.namedChild(0) : null;
  if (a?.type !== "assignment") return undefined;
  const left = a.childForFieldName("left")!;
  const right = a.childForFieldName("right")!;
  const scans = layerScans.get(lower) ?? new Map<string, LayerScan>();
  layerScans.set(lower, scans);

  if (left.type === "identifier" && right.type === "call" && lower.imports.resolve(right.childForFieldName("function")!) === "flax.linen.scan") {
    const args = bindArguments(right, NN_SCAN_PARAMS, "nn.scan", lower.diags);
    const squash = (k: string) => args.get(k)?.text.replace(/'/g, '"').replace(/\s/g, "");
    if (squash("variable_axes") !== '{"params":0}') return undefined; // not over layers: the lifted-cell form handles it
    const split = squash("split_rngs");
    const problems = [
      !SPLIT_OVER_LAYERS.includes(split ?? "") && "split_rngs other than {'params': True} or {'params': True, 'dropout': True}",
      !args.get("length") && "no length",
      ...["variable_broadcast", "variable_carry", "in_axes", "out_axes", "reverse", "unroll"].filter((k) => args.get(k)).map((k) => `${k}=`),
    ].filter(Boolean);
    if (!args.get("target") || problems.length) {
      lower.unsupported(right, `nn.scan over layers with ${problems.join(", ") || "no module"}`);
      return [];
    }
    scans.set(left.text, { cls: args.get("target")!, length: lower.expr(args.get("length")!), splitDropout: split!.includes('"dropout":True') });
    return [];
  }

  // `y, _ = ScanBlock(args)(x, None)`
  const ctor = right.type === "call" ? right.childForFieldName("function")! : undefined;
  const alias = ctor?.type === "call" ? ctor.childForFieldName("function")! : undefined;
  const scan = alias?.type === "identifier" ? scans.get(alias.text) : undefined;
  if (!scan) return undefined;
  const targets = left.type === "pattern_list" || left.type === "tuple_pattern" ? left.namedChildren : [];
  const { positional, keywords } = callArguments(right);
  if (targets.length !== 2 || targets[0].type !== "identifier" || positional.length !== 2 || positional[1].type !== "none" || Object.keys(keywords).length) {
    lower.unsupported(a, "a scan over layers applied other than as `y, _ = Stack(...)(x, None)`");
    return [];
  }
  const built = buildChild(ctor!, lower, inline, undefined, { cls: scan.cls, namePrefix: "Scan" });
  if (!built || built.child.ctor.kind !== "module") {
    lower.unsupported(scan.cls, "nn.scan over layers of anything but a module of this file");
    return [];
  }
  built.child.stack = { length: scan.length };
  built.child.source.stackRngs = scan.splitDropout ? ["params", "dropout"] : ["params"];
  const carry = lower.expr(positional[0]);
  lower.declareLocal(targets[0].text);
  return [{ kind: "assign", target: targets[0].text, value: { kind: "callChild", child: built.child.attr, method: "__call__", args: [carry], span: spanOf(right) }, span: spanOf(a) }];
}

/** `return x, None`: a scanned layer's step with no per-step output returns just the carry. */
function placeholderReturn(node: Node, lower: MethodLowering): Stmt[] | undefined {
  const value = node.type === "return_statement" ? node.namedChild(0) : null;
  const items = value?.type === "expression_list" || value?.type === "tuple" ? value.namedChildren : [];
  if (items.length !== 2 || items[1].type !== "none") return undefined;
  return [{ kind: "return", value: lower.expr(items[0]), span: spanOf(node) }];
}

/** `self.<method>(...)` when `fn` is that call, else undefined. */
function selfMethodCall(node: Node, lower: MethodLowering, method: string): boolean {
  if (node.type !== "call") return false;
  const fn = node.childForFieldName("function")!;
  return lower.selfAttr(fn) === method;
}

/** `self.param(name, init_fn, *init_args)`: a Param of the module, read here. */
function selfParam(node: Node, lower: MethodLowering): Expr | undefined {
  if (!selfMethodCall(node, lower, "param")) return undefined;
  const args = bindArguments(node, ["name", "init_fn", "shape", "dtype"], "self.param", lower.diags);
  const nameNode = args.get("name");
  const spec = args.get("init_fn") && parseInit(args.get("init_fn")!, lower);
  const shape = parseShape(args.get("shape"));
  if (nameNode?.type !== "string" || !spec || !shape) {
    return lower.unsupported(node, "self.param other than with a literal name, a ones/zeros initializer and a literal shape");
  }
  const name = stringValue(nameNode);
  const v = lower.scope.addVariable(name, {
    type: "Param",
    shape,
    dtype: (args.get("dtype") && parseDtype(args.get("dtype")!, lower)) ?? "float32",
    init: spec.init,
    source: { collection: "params", leaf: name },
    draws: true, // every self.param makes a 'params' rng in the module's scope
    span: spanOf(node),
  });
  return varRead(v.attr, node, lower);
}

/** `h = self.variable(collection, name, init_fn)`: binds `h` to a variable of the module (a handle: `h.value`). */
function selfVariable(node: Node, lower: MethodLowering): Stmt[] | undefined {
  const a = node.type === "expression_statement" ? node.namedChild(0) : null;
  const right = a?.type === "assignment" ? a.childForFieldName("right") : null;
  const left = a?.childForFieldName("left");
  if (!right || !selfMethodCall(right, lower, "variable") || left?.type !== "identifier") return undefined;
  const args = bindArguments(right, ["col", "name", "init_fn"], "self.variable", lower.diags);
  const [col, name, init] = [args.get("col"), args.get("name"), args.get("init_fn")];
  const spec = init && parseInit(init, lower);
  if (col?.type !== "string" || name?.type !== "string" || !spec?.shape) {
    lower.unsupported(right, "self.variable other than (\"collection\", \"name\", lambda: jnp.ones/zeros(shape, dtype))");
    return [];
  }
  const collection = stringValue(col);
  const v = lower.scope.addVariable(left.text, {
    type: variableTypeName(collection),
    shape: spec.shape,
    dtype: spec.dtype ?? "float32",
    init: spec.init,
    source: { collection, leaf: stringValue(name) },
    draws: false,
    span: spanOf(right),
  });
  lower.handles.set(left.text, v.attr);
  lower.declareLocal(left.text);
  return [];
}

/**
 * `if not self.is_initializing(): ...` runs on every call but the init call. An
 * eager NNX module has no init call, so the body always runs; a body that runs
 * only while initializing never does.
 */
function initializingBranch(node: Node, lower: MethodLowering): Stmt[] | undefined {
  if (node.type !== "if_statement" || node.childForFieldName("alternative")) return undefined;
  const test = node.childForFieldName("condition")!;
  const negated = test.type === "not_operator";
  const call = negated ? test.childForFieldName("argument")! : test;
  if (!selfMethodCall(call, lower, "is_initializing")) return undefined;
  return negated ? lower.block(node.childForFieldName("consequence")!) : [];
}

/** `setup()`: each `self.attr = Layer(...)` is a child named by its attribute. */
function lowerSetup(fn: Node, lower: MethodLowering, modules: Map<string, ModuleDef>): void {
  const ctx: InlineContext = { layers: LINEN_LAYERS, modules, autoName: (b) => b, moduleBase: (d) => d.name };
  for (const stmt of fn.childForFieldName("body")!.namedChildren) {
    const a = stmt.namedChild(0);
    if (stmt.type === "comment" || a?.type === "string") continue;
    const attr = a?.type === "assignment" ? lower.selfAttr(a.childForFieldName("left")!) : undefined;
    const right = a?.childForFieldName("right");
    const built = attr !== undefined && right?.type === "call" ? buildChild(right, lower, ctx, attr) : undefined;
    if (!built) lower.unsupported(stmt, `'${stmt.text.split("\n")[0]}' in setup() (only submodule assignments are supported)`);
    else if (built.mode) lower.unsupported(right!, "a train/eval flag fixed in setup()");
  }
}

function findEntry(top: TopLevel, modules: Map<string, ModuleDef>, diags: DiagnosticBag): { entry: EntryPoint; object: string } | undefined {
  for (const { receiver, call } of top.initCalls) {
    const ctor = top.assignments.get(receiver);
    const cls = ctor?.type === "call" ? ctor.childForFieldName("function")! : undefined;
    const def = cls?.type === "identifier" ? modules.get(cls.text) : undefined;
    if (!def) continue;
    const method = def.methods.find((m) => m.name === "__call__");
    if (!method) {
      diags.error("NNX301", `${def.name} has no __call__ to translate as the entry point`, spanOf(ctor!));
      return undefined;
    }
    const args = readInitArguments(call, method.params.map((p) => p.name), top, diags);
    if (!args) return undefined;
    const lower = new MethodLowering(new ModuleScope(def), top.imports, diags, { call: () => undefined });
    const built = constructModule(def, ctor!, lower);
    return { entry: entryPoint(def.name, built.options, args, call), object: receiver };
  }
  diags.error("NNX301", "no entry point: expected `model = Module(...)` and a call `model.init(key, ...)` in this file");
  return undefined;
}
