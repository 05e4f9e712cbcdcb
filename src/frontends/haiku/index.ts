// Haiku frontend: hk.Module subclasses, inline layers, hk.dropout and the
// hk.transform(...).init(...) entry point → the module model.
import type { DiagnosticBag } from "../../diagnostics.js";
import type { EntryPoint, Expr, ModuleDef, Program } from "../../ir/model.js";
import type { ImportTable } from "../../parse/imports.js";
import { spanOf, type Node, type SourceFile } from "../../parse/parser.js";
import { buildChild, constructModule, inlineChild, type InlineContext } from "../common/construct.js";
import { entryPoint, readInitArguments } from "../common/entry.js";
import { callArguments, methodParams, MethodLowering, ModuleScope, paramDefault, paramName, stringValue, unsupported, type LoweringHooks } from "../common/lower.js";
import { snakeCase, UniqueNames } from "../common/naming.js";
import { bindArguments } from "../common/bind.js";
import { parseDtype, parseInit, parseShape, variableTypeName, varRead } from "../common/variables.js";
import { buildModules, configField, variableTypes, TopLevel, type Signatures, type ClassInfo } from "../common/toplevel.js";
import { recognizeTraining, type AppliedCall } from "../common/training.js";
import { HAIKU_LAYERS } from "./layers.js";

const MODULE_BASES = ["haiku.Module"];
const TRANSFORMS = ["haiku.transform", "haiku.transform_with_state"];
const MULTI_TRANSFORMS = ["haiku.multi_transform", "haiku.multi_transform_with_state"];

export function recognizeHaiku(source: SourceFile, imports: ImportTable, diags: DiagnosticBag): Program {
  const top = new TopLevel(source, imports);
  const classes = top.classesDerivedFrom(MODULE_BASES);

  const { modules, signatures } = buildModules(
    classes,
    (c, signatures) => declareModule(c, signatures, diags),
    (c, scope, modules) => lowerModule(c, scope, modules, imports, diags),
  );

  const found = findEntry(top, modules, signatures, diags);
  diags.throwIfErrors();
  const training = recognizeTraining({
    top,
    diags,
    object: found!.object,
    root: modules.get(found!.entry.module)!,
    flags: Object.keys(found!.entry.modeArgs),
    readApply: (call, diags) => readApply(call, found!, diags),
  });
  top.warnUntranslated(diags);
  diags.throwIfErrors();
  return {
    file: source.file,
    variableTypes: variableTypes([...modules.values()]),
    origin: "Haiku",
    modules: [...modules.values()],
    entry: found!.entry,
    training,
    naming: { keys: "haiku", rootPath: found!.rootName ? [found!.rootName] : [], collectionPrefix: { params: "", batch_stats: "state/" } },
    reference: { framework: "haiku", object: found!.object, flags: found!.flags, apply: found!.apply, applyRng: found!.applyRng },
  };
}

/** The module's config, from `__init__`'s parameters (all but `self` and `name`). */
function declareModule(c: ClassInfo, signatures: Signatures, diags: DiagnosticBag): ModuleScope {
  const def: ModuleDef = { name: c.name, config: [], variables: [], children: [], methods: [], span: spanOf(c.node) };
  const scope = new ModuleScope(def, signatures);
  scope.declareMethods(c.body.namedChildren.filter((m) => m.type === "function_definition"));
  const init = methodNode(c, "__init__");
  for (const p of init?.childForFieldName("parameters")!.namedChildren ?? []) {
    const name = paramName(p);
    if (!name || name === "self" || name === "name") continue;
    const type = p.childForFieldName("type") ?? undefined;
    def.config.push(configField(name, type, paramDefault(p), p, diags));
  }
  return scope;
}

function methodNode(c: ClassInfo, name: string): Node | undefined {
  return c.body.namedChildren.find((n) => n.type === "function_definition" && n.childForFieldName("name")!.text === name);
}

function lowerModule(c: ClassInfo, scope: ModuleScope, modules: Map<string, ModuleDef>, imports: ImportTable, diags: DiagnosticBag): void {
  const sourceNames = new UniqueNames();
  const hooks = haikuHooks(modules, imports, sourceNames);
  const init = methodNode(c, "__init__");
  if (init) {
    // Submodules built in __init__ live under `parent/~/name` in Haiku's tree.
    const eager: InlineContext = {
      layers: HAIKU_LAYERS,
      modules,
      autoName: (base) => sourceNames.take(base),
      moduleBase: (def) => snakeCase(def.name),
      segment: (given, base) => `~/${given ?? sourceNames.take(base)}`,
    };
    lowerInit(init, scope, new MethodLowering(scope, imports, diags, hooks), eager);
  }

  for (const member of c.body.namedChildren) {
    if (member.type === "expression_statement" && member.namedChild(0)?.type === "string") continue;
    if (member.type === "comment") continue;
    if (member.type !== "function_definition") {
      diags.error("NNX201", `unsupported construct: a class member other than a method`, spanOf(member));
      continue;
    }
    const name = member.childForFieldName("name")!.text;
    if (name === "__init__") continue;
    scope.def.methods.push(new MethodLowering(scope, imports, diags, hooks).method(member));
  }
}

/** `__init__`: `super().__init__(name=name)`, `self.a = a`, and submodules built eagerly. */
function lowerInit(init: Node, scope: ModuleScope, lower: MethodLowering, eager: InlineContext): void {
  const params = new Set(methodParams(init, lower.diags).map((p) => p.name));
  for (const p of params) if (scope.def.config.some((f) => f.name === p)) lower.configNames.add(p);
  for (const stmt of init.childForFieldName("body")!.namedChildren) {
    const inner = stmt.namedChild(0);
    if (stmt.type === "comment" || inner?.type === "string") continue;
    if (inner?.type === "call" && inner.text.startsWith("super().__init__")) continue;
    if (inner?.type === "assignment") {
      const attr = lower.selfAttr(inner.childForFieldName("left")!);
      const right = inner.childForFieldName("right")!;
      if (attr !== undefined && right.type === "identifier" && params.has(right.text)) {
        scope.configAttrs.set(attr, right.text);
        continue;
      }
      if (attr !== undefined && right.type === "call") {
        const built = buildChild(right, lower, eager, attr);
        if (built?.mode) lower.unsupported(right, "a train/eval flag fixed in __init__");
        if (built) continue;
      }
    }
    lower.unsupported(stmt, `'${stmt.text.split("\n")[0]}' in __init__ (config assignments and submodules are supported)`);
  }
}

/**
 * `leafPrefix`: where the module's own parameters and state live under its
 * path: `~/` for a top-level function, which Haiku files under `~`.
 */
function haikuHooks(modules: Map<string, ModuleDef>, imports: ImportTable, sourceNames: UniqueNames, leafPrefix = ""): LoweringHooks {
  const inline: InlineContext = {
    layers: HAIKU_LAYERS,
    modules,
    autoName: (base) => sourceNames.take(base),
    moduleBase: (def) => snakeCase(def.name),
  };
  return {
    call(node, lower) {
      const qualified = imports.resolve(node.childForFieldName("function")!);
      if (qualified === "haiku.dropout") return dropout(node, lower);
      if (qualified === "haiku.next_rng_key") return lower.unsupported(node, "hk.next_rng_key() outside hk.dropout");
      if (qualified === "haiku.get_parameter" || qualified === "haiku.get_state") return getVariable(node, qualified, lower, leafPrefix);
      if (qualified === "haiku.scan") return scan(node, lower);
      const fn = node.childForFieldName("function")!;
      const stacked = fn.type === "identifier" ? layerStacks(lower).get(fn.text) : undefined;
      if (stacked) return applyLayerStack(stacked, node, lower, { ...inline, segment: (given, base) => `__layer_stack_no_per_layer/${given ?? sourceNames.take(base)}` });
      return inlineChild(node, lower, inline);
    },
    bindChild(name, ctor, lower) {
      const built = buildChild(ctor, lower, inline);
      if (built) lower.childLocals.set(name, built.child);
      return !!built;
    },
    statement(node, lower) {
      const stacked = layerStackDef(node, lower);
      if (stacked) {
        layerStacks(lower).set(stacked.name, stacked);
        return [];
      }
      const call = node.type === "expression_statement" ? node.namedChild(0) : null;
      if (call?.type !== "call" || imports.resolve(call.childForFieldName("function")!) !== "haiku.set_state") return undefined;
      const args = bindArguments(call, ["name", "value"], "hk.set_state", lower.diags);
      const name = args.get("name");
      const v = name && lower.scope.def.variables.find((x) => x.source.collection === "state" && x.source.leaf === leafPrefix + stringValue(name));
      if (!v || !args.get("value")) {
        lower.unsupported(call, "hk.set_state of a state this module did not get with hk.get_state");
        return [];
      }
      return [{ kind: "setVar", name: v.attr, value: lower.expr(args.get("value")!), span: spanOf(node) }];
    },
  };
}

interface LayerStack {
  name: string;
  length: Expr;
  param: string;
  body: Node;
  span: Node;
}

const stacksByMethod = new WeakMap<MethodLowering, Map<string, LayerStack>>();

function layerStacks(lower: MethodLowering): Map<string, LayerStack> {
  let m = stacksByMethod.get(lower);
  if (!m) stacksByMethod.set(lower, (m = new Map()));
  return m;
}

/**
 * `@hk.experimental.layer_stack(n)` on a local `def f(x): return Module(...)(x, ...)`:
 * n copies of the module with stacked parameters, applied in turn.
 */
function layerStackDef(node: Node, lower: MethodLowering): LayerStack | undefined {
  if (node.type !== "decorated_definition") return undefined;
  const decorator = node.namedChildren.find((d) => d.type === "decorator")?.namedChild(0);
  if (decorator?.type !== "call" || lower.imports.resolve(decorator.childForFieldName("function")!) !== "haiku.experimental.layer_stack") return undefined;
  const fn = node.childForFieldName("definition")!;
  const args = bindArguments(decorator, ["num_layers", "with_per_layer_inputs", "unroll", "pass_reverse_to_layer_fn", "name"], "hk.experimental.layer_stack", lower.diags);
  const params = methodParams(fn, lower.diags);
  const body = fn.childForFieldName("body")!.namedChildren.filter((s) => s.type !== "comment");
  const returned = body.length === 1 && body[0].type === "return_statement" ? body[0].namedChild(0) : null;
  const extra = ["with_per_layer_inputs", "unroll", "pass_reverse_to_layer_fn", "name"].filter((k) => args.get(k));
  if (!args.get("num_layers") || params.length !== 1 || returned?.type !== "call" || extra.length) {
    lower.unsupported(node, "hk.experimental.layer_stack other than on `def f(x): return Module(...)(x, ...)` with only num_layers");
    return { name: fn.childForFieldName("name")!.text, length: { kind: "number", value: 0, isInt: true, span: spanOf(node) }, param: "", body: node, span: node };
  }
  return { name: fn.childForFieldName("name")!.text, length: lower.expr(args.get("num_layers")!), param: params[0].name, body: returned, span: node };
}

function applyLayerStack(stack: LayerStack, call: Node, lower: MethodLowering, ctx: InlineContext): Expr {
  const { positional, keywords } = callArguments(call);
  if (positional.length !== 1 || Object.keys(keywords).length || !stack.param) return lower.unsupported(call, "a layer stack applied to other than one input");
  lower.aliases.set(stack.param, lower.expr(positional[0]));
  try {
    const applied = inlineChild(stack.body, lower, ctx);
    const child = applied?.kind === "callChild" ? lower.scope.def.children.find((c) => c.attr === applied.child) : undefined;
    if (applied?.kind !== "callChild" || !child || child.ctor.kind !== "module") {
      return lower.unsupported(stack.body, "a layer stack of anything but a module of this file");
    }
    if (applied.args[0] !== lower.aliases.get(stack.param)) {
      return lower.unsupported(stack.body, "a layer stack whose layer does not take the input first");
    }
    child.stack = { length: stack.length };
    return applied;
  } finally {
    lower.aliases.delete(stack.param);
  }
}

/** `hk.scan(cell, carry, xs)` over a submodule: its `__call__` stepped along axis 0. */
function scan(node: Node, lower: MethodLowering): Expr {
  const args = bindArguments(node, ["f", "init", "xs", "length", "reverse", "unroll"], "hk.scan", lower.diags);
  const f = args.get("f");
  const child = f?.type === "identifier" ? lower.childLocals.get(f.text) : f && lower.scope.childAttrs.get(lower.selfAttr(f) ?? "");
  if (!child || child.ctor.kind !== "module" || !args.get("init") || !args.get("xs")) {
    return lower.unsupported(node, "hk.scan of anything but a module of this file, with a carry and inputs");
  }
  for (const extra of ["length", "reverse", "unroll"]) {
    if (args.get(extra)) lower.unsupported(args.get(extra)!, `hk.scan(${extra}=...)`);
  }
  return { kind: "scan", child: child.attr, method: "__call__", carry: lower.expr(args.get("init")!), xs: lower.expr(args.get("xs")!), inAxis: 0, outAxis: 0, span: spanOf(node) };
}

/** `hk.get_parameter(name, shape, dtype, init)` / `hk.get_state(...)`: a variable of the module, read here. */
function getVariable(node: Node, qualified: string, lower: MethodLowering, leafPrefix: string): Expr {
  const isParam = qualified === "haiku.get_parameter";
  const what = isParam ? "hk.get_parameter" : "hk.get_state";
  const args = bindArguments(node, ["name", "shape", "dtype", "init"], what, lower.diags);
  const nameNode = args.get("name");
  const shape = parseShape(args.get("shape"));
  const spec = args.get("init") && parseInit(args.get("init")!, lower);
  if (nameNode?.type !== "string" || !shape || !spec) {
    return lower.unsupported(node, `${what} other than with a literal name and shape and a jnp.ones/jnp.zeros initializer`);
  }
  const name = stringValue(nameNode);
  const dtype = (args.get("dtype") && parseDtype(args.get("dtype")!, lower)) ?? "float32";
  const v = lower.scope.addVariable(name, {
    type: isParam ? "Param" : variableTypeName(name),
    shape,
    dtype,
    init: spec.init,
    source: { collection: isParam ? "params" : "state", leaf: leafPrefix + name },
    draws: false, // constant initializers take no key
    span: spanOf(node),
  });
  return varRead(v.attr, node, lower);
}

/** `hk.dropout(hk.next_rng_key(), rate if training else 0, x)` → a Dropout child, active in train mode. */
function dropout(node: Node, lower: MethodLowering): Expr {
  const { positional, keywords } = callArguments(node);
  const [rng, rateNode, x] = [positional[0] ?? keywords.rng, positional[1] ?? keywords.rate, positional[2] ?? keywords.x];
  if (!rng || !rateNode || !x || Object.keys(keywords).some((k) => !["rng", "rate", "x"].includes(k))) {
    return lower.unsupported(node, "hk.dropout with arguments other than (rng, rate, x)");
  }
  if (rng.type !== "call" || lower.imports.resolve(rng.childForFieldName("function")!) !== "haiku.next_rng_key") {
    return lower.unsupported(rng, "a dropout key that is not hk.next_rng_key()");
  }
  const rate = lower.expr(rateNode);
  const mode = modalRate(rate);
  if (!mode) {
    return lower.unsupported(rateNode, "a dropout rate that is not switched off by a flag (write `rate if training else 0`)");
  }
  const child = lower.scope.addChild("dropout", {
    ctor: { kind: "layer", layer: "Dropout", options: { rate: mode.rate } },
    // hk.next_rng_key() draws whether or not the rate is zero, at init too.
    source: { segment: "", callDraws: 1 },
    ...(lower.currentMethod ? { builtIn: lower.currentMethod } : {}),
    span: spanOf(node),
  });
  return { kind: "callChild", child: child.attr, method: "__call__", args: [lower.expr(x)], mode: { trainWhen: mode.trainWhen }, span: spanOf(node) };
}

/** `r if t else 0` → rate r while t; `0 if t else r` → rate r while not t. */
function modalRate(rate: Expr): { rate: Expr; trainWhen: Expr } | undefined {
  if (rate.kind !== "conditional") return undefined;
  const isZero = (e: Expr) => e.kind === "number" && e.value === 0;
  if (isZero(rate.else) && !isZero(rate.then)) return { rate: rate.then, trainWhen: rate.test };
  if (isZero(rate.then) && !isZero(rate.else)) {
    return { rate: rate.else, trainWhen: { kind: "unary", op: "not", operand: rate.test, span: rate.test.span } };
  }
  return undefined;
}

interface HaikuEntry {
  entry: EntryPoint;
  object: string;
  rootName: string;
  /** The transformed function's flag names → the root method's parameter names. */
  flags: Record<string, string>;
  apply: Record<string, number | null>;
  applyRng: boolean;
  /** Under transform_with_state: apply takes and returns the state. */
  withState: boolean;
  /** The transformed function's parameters in order: [its name, the root method's parameter name]. */
  callParams: Array<[string, string]>;
}

/**
 * `f = hk.transform(forward)` … `f.init(key, x, training=False)`, where
 * `forward` returns `Model(...)(x, training)`.
 */
function findEntry(
  top: TopLevel,
  modules: Map<string, ModuleDef>,
  signatures: Signatures,
  diags: DiagnosticBag,
): HaikuEntry | undefined {
  for (const { receiver, call } of top.initCalls) {
    let transformed = top.assignments.get(receiver);
    if (transformed?.type !== "call") continue;
    // hk.without_apply_rng(hk.transform(f)): the same model, applied without a key.
    const withoutRng = top.imports.resolve(transformed.childForFieldName("function")!) === "haiku.without_apply_rng";
    if (withoutRng) {
      const inner = callArguments(transformed).positional[0];
      if (inner?.type !== "call") continue;
      transformed = inner;
    }
    const transform = top.imports.resolve(transformed.childForFieldName("function")!) ?? "";
    const multi = MULTI_TRANSFORMS.includes(transform);
    if (!TRANSFORMS.includes(transform) && !multi) continue;
    const fnName = callArguments(transformed).positional[0];
    const fn = fnName?.type === "identifier" ? top.functions.get(fnName.text) : undefined;
    if (fn) top.use(fnName!.text);
    if (!fn) {
      diags.error("NNX301", `${transform.replace("haiku.", "hk.")} must be given a top-level function defined in this file`, spanOf(transformed));
      return undefined;
    }
    const root = multi
      ? multiRoot(fn, modules, diags)
      : (rootCall(fn, modules) ?? functionModule(fn, modules, signatures, top.imports, diags));
    if (!root) return undefined;
    const fnParams = root.params ?? methodParams(fn, diags).map((p) => p.name);
    const args = readInitArguments(call, fnParams, top, diags);
    if (!args) return undefined;
    const lower = new MethodLowering(new ModuleScope(root.def), top.imports, diags, { call: () => undefined });
    const built = root.ctor ? constructModule(root.def, root.ctor, lower) : { options: {}, name: undefined };
    // forward's parameters reach the method in the order the call passes them.
    const methodNames = root.def.methods.find((m) => m.name === "__call__")?.params.map((p) => p.name) ?? [];
    const methodName = (fnParam: string) => methodNames[root.argOrder.indexOf(fnParam)] ?? fnParam;
    const renamed = {
      inputs: args.inputs.map((s) => ({ ...s, name: methodName(s.name) })),
      flags: Object.fromEntries(Object.entries(args.flags).map(([k, v]) => [methodName(k), v])),
    };
    return {
      entry: entryPoint(root.def.name, built.options, renamed, call),
      object: receiver,
      rootName: root.ctor ? (built.name ?? snakeCase(root.def.name)) : "",
      flags: Object.fromEntries(Object.keys(args.flags).map((k) => [k, methodName(k)])),
      apply: root.apply ?? { __call__: null },
      applyRng: !withoutRng,
      withState: transform.endsWith("_with_state"),
      callParams: fnParams.map((p) => [p, methodName(p)]),
    };
  }
  diags.error("NNX301", "no entry point: expected `f = hk.transform(fn)` and a call `f.init(key, ...)` in this file");
  return undefined;
}

/** `model.apply(params, [state], [rng], *inputs, **flags)`, as hk.transform's apply takes them. */
function readApply(call: Node, entry: HaikuEntry, diags: DiagnosticBag): AppliedCall | undefined {
  if (Object.values(entry.apply).some((a) => a !== null)) {
    unsupported(diags, call, "training code around hk.multi_transform");
    return undefined;
  }
  const { positional, keywords } = callArguments(call);
  const fixed = [{ collection: "params" }, ...(entry.withState ? [{ collection: "state" }] : []), ...(entry.applyRng ? [{ collection: "" }] : [])];
  if (positional.length < fixed.length) {
    unsupported(diags, call, `an apply call without its ${fixed.map((f) => f.collection || "rng").join(", ")} arguments`);
    return undefined;
  }
  const variables = fixed.filter((f) => f.collection).map((f, i) => ({ collection: f.collection, node: positional[i] }));
  const key = entry.applyRng ? positional[fixed.length - 1] : undefined;
  const args = new Map<string, Node>();
  positional.slice(fixed.length).forEach((a, i) => args.set(entry.callParams[i]?.[1] ?? `#${i}`, a));
  for (const [k, v] of Object.entries(keywords)) args.set(entry.callParams.find(([name]) => name === k)?.[1] ?? k, v);
  return { variables, key, args, method: "__call__", returnsState: entry.withState };
}

/** The `Model(...)(args)` a transformed function returns. */
function rootCall(fn: Node, modules: Map<string, ModuleDef>) {
  const locals = new Map<string, Node>();
  for (const stmt of fn.childForFieldName("body")!.namedChildren) {
    const inner = stmt.namedChild(0);
    if (inner?.type === "assignment" && inner.childForFieldName("left")!.type === "identifier") {
      locals.set(inner.childForFieldName("left")!.text, inner.childForFieldName("right")!);
    }
    if (stmt.type !== "return_statement" || inner?.type !== "call") continue;
    let ctor = inner.childForFieldName("function")!;
    if (ctor.type === "identifier" && locals.has(ctor.text)) ctor = locals.get(ctor.text)!;
    const cls = ctor.type === "call" ? ctor.childForFieldName("function")! : undefined;
    const def = cls?.type === "identifier" ? modules.get(cls.text) : undefined;
    const argOrder = callArguments(inner).positional.map((a) => a.text);
    if (def && Object.keys(callArguments(inner).keywords).length === 0) {
      return { def, ctor, argOrder, params: undefined as string[] | undefined, apply: undefined as Record<string, number | null> | undefined };
    }
  }
  return undefined;
}

/**
 * A transformed function that is itself the model (the guide's top-level
 * `forward` with hk.get_parameter/get_state/set_state): it becomes a module
 * named after it, whose own variables Haiku files under `~`.
 */
function functionModule(
  fn: Node,
  modules: Map<string, ModuleDef>,
  signatures: Signatures,
  imports: ImportTable,
  diags: DiagnosticBag,
) {
  const fnName = fn.childForFieldName("name")!.text;
  const def: ModuleDef = { name: variableTypeName(fnName), config: [], variables: [], children: [], methods: [], span: spanOf(fn) };
  if (modules.has(def.name)) {
    diags.error("NNX301", `the function '${fnName}' would become a module '${def.name}', which the file already defines`, spanOf(fn));
    return undefined;
  }
  const scope = new ModuleScope(def, signatures);
  def.methods.push(new MethodLowering(scope, imports, diags, haikuHooks(modules, imports, new UniqueNames(), "~/")).method(fn, "__call__"));
  modules.set(def.name, def);
  const params = def.methods[0].params.map((p) => p.name);
  return { def, ctor: undefined as Node | undefined, argOrder: params, params: undefined as string[] | undefined, apply: undefined as Record<string, number | null> | undefined };
}

/**
 * hk.multi_transform: `module = Model(...)`, `init = lambda x: module(x)`,
 * `return init, (module.encode, module.decode)`. The apply functions come in
 * the tuple's order.
 */
function multiRoot(fn: Node, modules: Map<string, ModuleDef>, diags: DiagnosticBag) {
  const locals = new Map<string, Node>();
  for (const stmt of fn.childForFieldName("body")!.namedChildren) {
    const inner = stmt.namedChild(0);
    if (inner?.type === "assignment" && inner.childForFieldName("left")!.type === "identifier") {
      locals.set(inner.childForFieldName("left")!.text, inner.childForFieldName("right")!);
      continue;
    }
    if (stmt.type !== "return_statement" || (inner?.type !== "expression_list" && inner?.type !== "tuple")) continue;
    const [initNode, methodsNode] = inner.namedChildren;
    const lambda = initNode?.type === "identifier" ? locals.get(initNode.text) : initNode;
    const body = lambda?.type === "lambda" ? lambda.childForFieldName("body") : undefined;
    const moduleName = body?.type === "call" ? body.childForFieldName("function")! : undefined;
    const ctor = moduleName?.type === "identifier" ? locals.get(moduleName.text) : undefined;
    const cls = ctor?.type === "call" ? ctor.childForFieldName("function")! : undefined;
    const def = cls?.type === "identifier" ? modules.get(cls.text) : undefined;
    const methods = methodsNode?.type === "tuple" || methodsNode?.type === "list" ? methodsNode.namedChildren : [];
    const apply: Record<string, number | null> = {};
    methods.forEach((m, i) => {
      const object = m.childForFieldName("object");
      if (m.type === "attribute" && object?.text === moduleName?.text) apply[m.childForFieldName("attribute")!.text] = i;
      else diags.error("NNX301", `hk.multi_transform's apply functions must be methods of '${moduleName?.text}'`, spanOf(m));
    });
    if (!def || !body || !lambda) break;
    const params = (lambda.childForFieldName("parameters")?.namedChildren ?? []).map((p) => p.text);
    return { def, ctor: ctor!, argOrder: callArguments(body).positional.map((a) => a.text), params, apply };
  }
  diags.error("NNX301", "hk.multi_transform's function must build a module, and return `init, (module.method, ...)` with `init = lambda x: module(x)`", spanOf(fn));
  return undefined;
}
