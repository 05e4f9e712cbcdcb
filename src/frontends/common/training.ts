// Training code, shared by the frontends: a top-level `train_step` that takes
// jax.grad (or jax.value_and_grad) of a loss over one application of the
// model, then updates the parameters with jax.tree_util.tree_map or a flax
// TrainState's apply_gradients. How the model is applied (Haiku's
// `apply(params, [state], [rng], *inputs)`, Linen's
// `apply({'params': ...}, *inputs, rngs=, mutable=)`) is the frontend's part.
import type { DiagnosticBag } from "../../diagnostics.js";
import type { Expr, MethodParam, ModuleDef, Stmt } from "../../ir/model.js";
import { type OptimizerDef, type StepParam, type StepResult, type StepRole, type Training, type TrainStep } from "../../ir/training.js";
import { expressions } from "../../ir/walk.js";
import { spanOf, type Node } from "../../parse/parser.js";
import { callArguments, firstLine, methodParams, MethodLowering, ModuleScope, paramName, unsupported, type LoweringHooks } from "./lower.js";
import { calleeOf, findOptimizer } from "./optimizer.js";
import type { TopLevel } from "./toplevel.js";

/** One application of the model, as the frontend reads it. */
export interface AppliedCall {
  /** What is passed as the model's variables, by collection (`params`, `batch_stats`; Haiku's state is `state`). */
  variables: Array<{ collection: string; node: Node }>;
  /** The key passed for dropout, if any. */
  key?: Node;
  /** The method's arguments by the root method's parameter names (inputs and flags). */
  args: Map<string, Node>;
  method: string;
  /** The application returns (output, updated variables). */
  returnsState: boolean;
}

export interface TrainingContext {
  top: TopLevel;
  diags: DiagnosticBag;
  /** The top-level name bound to the transformed function or model instance. */
  object: string;
  root: ModuleDef;
  /** The root method's parameters that are mode flags (those the init call passes as booleans). */
  flags: string[];
  /** Reads the arguments of `<object>.apply(...)` (or a TrainState's `apply_fn(...)`). */
  readApply(call: Node, diags: DiagnosticBag): AppliedCall | undefined;
  /** The frontend's own spellings of ops (Linen's nn.relu). */
  frontendOp?: (fn: Node) => string | undefined;
}

const GRADS = ["jax.grad", "jax.value_and_grad"];
const TREE_MAPS = ["jax.tree_util.tree_map", "jax.tree.map", "jax.tree_map"];

/** The file's training code: every top-level function that takes jax.grad of something. */
export function recognizeTraining(ctx: TrainingContext): Training | undefined {
  const functions = [...ctx.top.functions.values()].filter((fn) => fn.descendantsOfType("call").some((c) => GRADS.includes(calleeOf(ctx.top, c))));
  for (const fn of functions) ctx.top.use(fn.childForFieldName("name")!.text);
  if (functions.length === 0) return undefined;
  const optimizer = findOptimizer(ctx.top, ctx.object, ctx.diags);
  const steps = functions.map((fn) => new StepReader(fn, ctx, optimizer).read()).filter((s): s is TrainStep => !!s);
  if (steps.some((s) => s.update.kind === "optimizer") && !optimizer) {
    ctx.diags.error("NNX301", "the step applies an optimizer, but no top-level `TrainState.create(apply_fn=..., params=..., tx=optax...)` or `tx = optax...(...)` was found", steps[0].span);
  }
  return { steps, optimizer };
}

/** The names an assignment binds: `a`, `a, b`, `(a, b)`. */
function targetsOf(left: Node): Node[] {
  return left.type === "pattern_list" || left.type === "tuple_pattern" || left.type === "parenthesized_expression" ? left.namedChildren : [left];
}

/** What a name inside the step stands for. */
type Binding =
  | { kind: "grads" }
  | { kind: "loss" }
  | { kind: "aux" }
  | { kind: "updated" }
  | { kind: "updates" }
  | { kind: "optState" };

class StepReader {
  private readonly diags: DiagnosticBag;
  private readonly declared: MethodParam[];
  private readonly params: string[];
  private readonly roles = new Map<string, StepRole>();
  private readonly lossFns = new Map<string, Node>();
  private readonly bindings = new Map<string, Binding>();
  private loss?: { body: Stmt[]; method: string; modeArgs: Record<string, boolean>; updatesState: boolean; at: Node };
  private update?: TrainStep["update"];
  private returns: StepResult[] = [];
  private readonly trainStateFields: Record<string, string> = {};
  /** Locals bound to a gradient transform of a loss (`grad_fn = jax.grad(loss_fn)`). */
  private readonly gradFns = new Map<string, Node>();

  constructor(
    private readonly fn: Node,
    private readonly ctx: TrainingContext,
    /** The file's TrainState or optax transform. */
    private readonly optimizer: OptimizerDef | undefined,
  ) {
    this.diags = ctx.diags;
    this.declared = methodParams(fn, ctx.diags);
    this.params = this.declared.map((p) => p.name);
  }

  read(): TrainStep | undefined {
    const before = this.diags.errorCount;
    for (const stmt of this.fn.childForFieldName("body")!.namedChildren) this.statement(stmt);
    if (!this.loss) {
      this.unsupported(this.fn, "a training step that takes no gradient of a loss function (jax.grad or jax.value_and_grad)");
      return undefined;
    }
    // The translated model keeps the statistics it updates; a step that drops them would differ.
    const keepsState = this.returns.includes("state") || (this.returns.includes("trainState") && Object.keys(this.trainStateFields).length > 0);
    if (this.loss.updatesState && !keepsState && this.diags.errorCount === before) {
      this.unsupported(this.loss.at, "a step that discards the model's updated state (the translated model keeps it: return it from the loss with has_aux and from the step)");
    }
    if (!this.update && this.diags.errorCount === before) this.unsupported(this.fn, "a training step that does not update the parameters (with jax.tree_util.tree_map or apply_gradients)");
    const params: StepParam[] = [];
    for (const p of this.declared) {
      const role = this.roles.get(p.name);
      if (role) params.push({ name: p.name, role, span: p.span });
      else this.diags.error("NNX201", `unsupported construct: the step's parameter '${p.name}' is neither an input of the model, loss labels, a key, the parameters, their state, a TrainState nor an optimizer state`, p.span);
    }
    if (this.diags.errorCount > before) return undefined;
    return {
      name: this.fn.childForFieldName("name")!.text,
      params,
      loss: this.loss.body,
      method: this.loss.method,
      modeArgs: this.loss.modeArgs,
      update: this.update!,
      returns: this.returns,
      trainStateFields: this.trainStateFields,
      span: spanOf(this.fn),
    };
  }

  private unsupported(node: Node, what: string): void {
    unsupported(this.diags, node, what);
  }

  private statement(stmt: Node): void {
    if (stmt.type === "comment") return;
    if (stmt.type === "function_definition") {
      this.lossFns.set(stmt.childForFieldName("name")!.text, stmt);
      return;
    }
    const inner = stmt.type === "expression_statement" ? stmt.namedChild(0) : undefined;
    if (inner?.type === "string") return;
    if (inner?.type === "assignment") {
      const left = inner.childForFieldName("left")!;
      const right = inner.childForFieldName("right")!;
      if (right.type === "call" && this.gradient(left, right)) return;
      if (right.type === "call" && this.treeMap(left, right)) return;
      if (right.type === "call" && this.trainStateCall(left, right)) return;
      if (right.type === "call" && this.optaxUpdate(left, right)) return;
    }
    if (stmt.type === "return_statement" && stmt.namedChild(0)) {
      this.returnValues(stmt.namedChild(0)!);
      return;
    }
    this.unsupported(stmt, `'${firstLine(stmt)}' in a training step`);
  }

  /** `grads = jax.grad(loss_fn[, has_aux=True])(params, ...)` and value_and_grad's forms. */
  private gradient(left: Node, call: Node): boolean {
    // `grad_fn = jax.value_and_grad(loss_fn)` now, `grad_fn(params)` later.
    if (left.type === "identifier" && GRADS.includes(calleeOf(this.ctx.top, call))) {
      this.gradFns.set(left.text, call);
      return true;
    }
    const callee = call.childForFieldName("function")!;
    const transform = callee.type === "identifier" ? (this.gradFns.get(callee.text) ?? callee) : callee;
    if (transform.type !== "call" || !GRADS.includes(calleeOf(this.ctx.top, transform))) return false;
    const withValue = calleeOf(this.ctx.top, transform) === "jax.value_and_grad";
    const { positional, keywords } = callArguments(transform);
    const lossName = positional[0]?.type === "identifier" ? positional[0].text : "";
    const lossFn = this.lossFns.get(lossName) ?? this.ctx.top.functions.get(lossName);
    if (!this.lossFns.has(lossName) && lossFn) this.ctx.top.use(lossName);
    if (!lossFn) {
      this.unsupported(positional[0] ?? transform, "a gradient of anything but a loss function defined in the step or at the top level");
      return true;
    }
    for (const [k, v] of Object.entries(keywords)) {
      if (k !== "has_aux") this.unsupported(v.parent ?? v, `${withValue ? "jax.value_and_grad" : "jax.grad"}'s argument '${k}='`);
    }
    const hasAux = keywords.has_aux?.type === "true";
    // The loss function's parameters stand for what the step passes in their places.
    const passed = new Map<string, Node>();
    // (Unsupported parameter forms are reported once, when the loss is lowered.)
    const lossParams = lossFn.childForFieldName("parameters")!.namedChildren.map(paramName);
    const { positional: given } = callArguments(call);
    given.forEach((a, i) => lossParams[i] !== undefined && passed.set(lossParams[i]!, a));
    if (given.length !== lossParams.length) this.unsupported(call, "a gradient call whose arguments do not match the loss function's parameters");

    // Targets: grads | grads, aux | loss, grads | (loss, aux), grads.
    const [first, second] = targetsOf(left);
    const valueTarget = withValue ? first : undefined;
    const gradsTarget = withValue ? second : first;
    const auxTarget = withValue ? (valueTarget && targetsOf(valueTarget)[1]) : hasAux ? second : undefined;
    const lossTarget = withValue ? (hasAux ? valueTarget && targetsOf(valueTarget)[0] : valueTarget) : undefined;
    for (const [target, binding] of [[gradsTarget, { kind: "grads" }], [lossTarget, { kind: "loss" }], [auxTarget, { kind: "aux" }]] as const) {
      if (!target) continue;
      if (target.type !== "identifier") this.unsupported(target, "a gradient result bound to anything but names");
      else this.bindings.set(target.text, binding);
    }
    if (!gradsTarget || (hasAux && !auxTarget)) this.unsupported(left, "a gradient result not taken apart as the transform returns it");
    this.loss = this.lowerLoss(lossFn, passed, hasAux);
    return true;
  }

  /** The loss function's body, with the model's application as an `apply` expression. */
  private lowerLoss(fn: Node, passed: Map<string, Node>, hasAux: boolean): StepReader["loss"] {
    const applied: Array<{ call: AppliedCall; node: Node }> = [];
    const stateNames = new Set<string>();
    const readApply = (node: Node): AppliedCall | undefined => {
      if (node.type !== "call" || !this.isApply(node.childForFieldName("function")!)) return undefined;
      const call = this.ctx.readApply(node, this.diags);
      if (call) applied.push({ call, node });
      return call;
    };
    const applyExpr = (call: AppliedCall, node: Node, lower: MethodLowering): Expr => {
      const method = this.ctx.root.methods.find((m) => m.name === call.method);
      const args: Expr[] = [];
      for (const p of method?.params ?? []) {
        if (this.ctx.flags.includes(p.name)) continue;
        const arg = call.args.get(p.name);
        if (!arg) {
          this.unsupported(node, `applying the model without its input '${p.name}'`);
          continue;
        }
        args.push(lower.expr(arg));
        const source = arg.type === "identifier" ? (passed.get(arg.text) ?? arg) : arg;
        if (source.type === "identifier" && this.params.includes(source.text)) this.assign(source.text, { kind: "input", param: p.name }, source);
      }
      return { kind: "apply", method: call.method, args, span: spanOf(node) };
    };
    const hooks: LoweringHooks = {
      call: (node, lower) => {
        const call = readApply(node);
        if (!call) return undefined;
        if (call.returnsState) return lower.unsupported(node, "the model's (output, state) result used other than as `out, state = ...`");
        return applyExpr(call, node, lower);
      },
      statement: (node, lower) => {
        const inner = node.type === "expression_statement" ? node.namedChild(0) : undefined;
        if (inner?.type === "assignment" && inner.childForFieldName("left")!.type === "pattern_list") {
          const [out, state] = inner.childForFieldName("left")!.namedChildren;
          const call = readApply(inner.childForFieldName("right")!);
          if (!call?.returnsState || out?.type !== "identifier" || state?.type !== "identifier") return undefined;
          // The model updates its state in place now: the updated variables are dropped.
          stateNames.add(state.text);
          lower.declareLocal(out.text);
          return [{ kind: "assign", target: out.text, value: applyExpr(call, inner.childForFieldName("right")!, lower), span: spanOf(inner) }];
        }
        if (node.type === "return_statement" && hasAux) {
          const value = node.namedChild(0);
          const items = value?.type === "expression_list" || value?.type === "tuple" ? value.namedChildren : [];
          const aux = items[1];
          const auxName = aux?.type === "subscript" ? aux.childForFieldName("value")! : aux;
          if (items.length !== 2 || auxName?.type !== "identifier" || !stateNames.has(auxName.text)) {
            lower.unsupported(value ?? node, "an auxiliary value other than the model's updated state");
            return [];
          }
          return [{ kind: "return", value: lower.expr(items[0]), span: spanOf(node) }];
        }
        return undefined;
      },
    };
    const lower = this.lowering(fn, hooks);
    for (const p of this.params) lower.declareLocal(p);
    // A loss parameter stands for the step's argument in its place (`loss_fn(params, x, y)` called with inputs, labels).
    const assigned = assignedNames(fn.childForFieldName("body")!);
    for (const [param, arg] of passed) {
      if (arg.type !== "identifier" || arg.text === param || !this.params.includes(arg.text)) continue;
      if (assigned.has(param)) this.unsupported(fn, `assigning to the loss function's parameter '${param}'`);
      lower.aliases.set(param, { kind: "name", id: arg.text, span: spanOf(arg) });
    }
    const method = lower.method(fn, "loss");

    if (applied.length !== 1) {
      this.unsupported(fn, `a loss function that applies the model ${applied.length === 0 ? "nowhere" : "more than once"}`);
      return undefined;
    }
    const [{ call, node }] = applied;
    this.variableRoles(call, passed, node);
    if (call.key) {
      if (call.key.type === "identifier" && this.params.includes(call.key.text)) this.assign(call.key.text, { kind: "key" }, call.key);
      else if (call.key.type !== "none") this.unsupported(call.key, "a dropout key other than one of the step's parameters");
    }
    const modeArgs: Record<string, boolean> = {};
    for (const flag of this.ctx.flags) {
      const arg = call.args.get(flag);
      if (arg?.type === "true" || arg?.type === "false") modeArgs[flag] = arg.type === "true";
      else this.unsupported(arg ?? node, `the mode flag '${flag}' passed as anything but True or False`);
    }
    this.labelRoles(method.body);
    return { body: method.body, method: call.method, modeArgs, updatesState: call.returnsState, at: node };
  }

  /** Lowers code outside any module (a loss, an update lambda) with the shared expression rules. */
  private lowering(at: Node, hooks: LoweringHooks): MethodLowering {
    const scope = new ModuleScope({ name: "", config: [], variables: [], children: [], methods: [], span: spanOf(at) });
    const lower = new MethodLowering(scope, this.ctx.top.imports, this.diags, hooks);
    if (this.ctx.frontendOp) lower.frontendOp = this.ctx.frontendOp;
    return lower;
  }

  /** `model.apply`, or `state.apply_fn` of a TrainState parameter. */
  private isApply(fn: Node): boolean {
    if (fn.type !== "attribute") return false;
    const object = fn.childForFieldName("object")!;
    const attr = fn.childForFieldName("attribute")!.text;
    if (object.type !== "identifier") return false;
    if (attr === "apply" && object.text === this.ctx.object) return true;
    if (attr === "apply_fn" && this.params.includes(object.text)) {
      this.assign(object.text, { kind: "trainState" }, object);
      return true;
    }
    return false;
  }

  /** The variables passed to the model: the parameters, and any state collection. */
  private variableRoles(call: AppliedCall, passed: Map<string, Node>, at: Node): void {
    if (!call.variables.some((v) => v.collection === "params")) this.unsupported(at, "applying the model without its parameters");
    for (const { collection, node } of call.variables) {
      const source = node.type === "identifier" ? (passed.get(node.text) ?? node) : node;
      const role: StepRole = collection === "params" ? { kind: "params" } : { kind: "state", collection };
      // `state.params` or `state.batch_stats` of a TrainState.
      if (source.type === "attribute" && source.childForFieldName("object")!.type === "identifier") {
        const owner = source.childForFieldName("object")!.text;
        const field = source.childForFieldName("attribute")!.text;
        const fits = collection === "params" ? field === "params" : (this.optimizer?.fields ?? []).includes(field);
        if (this.params.includes(owner) && fits) {
          this.assign(owner, { kind: "trainState" }, source);
          if (collection !== "params") this.trainStateFields[field] = collection;
          continue;
        }
      }
      if (source.type === "identifier" && this.params.includes(source.text)) this.assign(source.text, role, source);
      else this.unsupported(source, `passing '${firstLine(source)}' as the model's ${collection}`);
    }
  }

  /** The step's parameters a loss compares the output with: the losses' second arguments. */
  private labelRoles(body: Stmt[]): void {
    // Follow locals to what they were assigned (`one_hot = jax.nn.one_hot(labels, 10)`).
    const locals = new Map(body.flatMap((s) => (s.kind === "assign" ? [[s.target, s.value] as const] : [])));
    const resolve = (e: Expr | undefined, depth = 0): Expr | undefined =>
      e?.kind === "name" && locals.has(e.id) && depth < 16 ? resolve(locals.get(e.id), depth + 1) : e;
    for (const e of expressions(body)) {
      // Class ids wherever they are made one-hot (a hand-written cross-entropy too).
      const ids = e.kind === "op" && e.op === "oneHot" ? e.args[0] : undefined;
      if (ids?.kind === "name" && this.params.includes(ids.id) && !this.roles.has(ids.id)) this.roles.set(ids.id, { kind: "labels", classes: true });
      if (e.kind !== "op" || !LOSS_LABELS[e.op]) continue;
      // Class ids made one-hot for a loss that takes distributions: `jax.nn.one_hot(labels, 10)`.
      const target = resolve(e.args[1]);
      const oneHot = target?.kind === "op" && target.op === "oneHot" ? resolve(target.args[0]) : undefined;
      const labels = oneHot ?? target;
      if (labels?.kind !== "name" || !this.params.includes(labels.id) || this.roles.has(labels.id)) continue;
      this.roles.set(labels.id, { kind: "labels", classes: !!oneHot || LOSS_LABELS[e.op] === "classes" });
    }
  }

  private assign(name: string, role: StepRole, at: Node): void {
    const had = this.roles.get(name);
    if (had && had.kind !== role.kind) this.unsupported(at, `'${name}' used both as ${describe(had)} and as ${describe(role)}`);
    else this.roles.set(name, role);
  }

  /** `params = jax.tree_util.tree_map(lambda p, g: p - lr * g, params, grads)`. */
  private treeMap(left: Node, call: Node): boolean {
    if (!TREE_MAPS.includes(calleeOf(this.ctx.top, call))) return false;
    const [fn, params, grads, ...rest] = callArguments(call).positional;
    const ok =
      fn?.type === "lambda" &&
      params?.type === "identifier" &&
      this.roles.get(params.text)?.kind === "params" &&
      grads?.type === "identifier" &&
      this.bindings.get(grads.text)?.kind === "grads" &&
      rest.length === 0 &&
      left.type === "identifier";
    if (!ok) {
      this.unsupported(call, "a tree_map other than `params = tree_map(lambda p, g: ..., params, grads)` after the gradient");
      return true;
    }
    const names = (fn.childForFieldName("parameters")?.namedChildren ?? []).map((p) => (p.type === "identifier" ? p.text : ""));
    if (names.length !== 2 || names.some((n) => !n)) {
      this.unsupported(fn, "an update function that does not take (param, grad)");
      return true;
    }
    const lower = this.lowering(fn, { call: () => undefined });
    names.forEach((n) => lower.declareLocal(n));
    const value = lower.expr(fn.childForFieldName("body")!);
    this.update = { kind: "map", params: [names[0], names[1]], value, span: spanOf(call) };
    this.bindings.set(left.text, { kind: "updated" });
    return true;
  }

  /** `state = state.apply_gradients(grads=grads)`; `state = state.replace(batch_stats=...)` is dropped (state lives in the model). */
  private trainStateCall(left: Node, call: Node): boolean {
    const fn = call.childForFieldName("function")!;
    const owner = fn.type === "attribute" ? fn.childForFieldName("object")! : undefined;
    const method = fn.type === "attribute" ? fn.childForFieldName("attribute")!.text : "";
    if (owner?.type !== "identifier" || !this.params.includes(owner.text) || !["apply_gradients", "replace"].includes(method)) return false;
    this.assign(owner.text, { kind: "trainState" }, owner);
    if (left.type !== "identifier" || left.text !== owner.text) this.unsupported(left, `the updated TrainState bound to a name other than '${owner.text}'`);
    const { keywords, positional } = callArguments(call);
    if (method === "apply_gradients") {
      const grads = keywords.grads ?? positional[0];
      if (grads?.type !== "identifier" || this.bindings.get(grads.text)?.kind !== "grads") this.unsupported(call, "apply_gradients with anything but the step's gradients");
      this.update = { kind: "optimizer" };
      return true;
    }
    // `state.replace(batch_stats=batch_stats)` with the statistics the loss returned: the model holds them already.
    for (const [field, value] of Object.entries(keywords)) {
      const aux = value.type === "identifier" && this.bindings.get(value.text)?.kind === "aux";
      if (!aux || !(field in this.trainStateFields)) this.unsupported(value.parent ?? value, `TrainState.replace(${field}=...) with anything but the state the loss function returned`);
    }
    if (positional.length) this.unsupported(call, "TrainState.replace with positional arguments");
    return true;
  }

  /** `updates, opt_state = tx.update(grads, opt_state[, params])` and `params = optax.apply_updates(params, updates)`. */
  private optaxUpdate(left: Node, call: Node): boolean {
    const fn = call.childForFieldName("function")!;
    const { positional } = callArguments(call);
    const isName = (n: Node | undefined, test: (name: string) => boolean) => n?.type === "identifier" && test(n.text);
    if (fn.type === "attribute" && fn.childForFieldName("attribute")!.text === "update" && this.optimizer?.via === "transform" && fn.childForFieldName("object")!.text === this.optimizer.object) {
      const [grads, state, params, ...rest] = positional;
      const targets = left.type === "identifier" ? [] : targetsOf(left);
      const ok =
        isName(grads, (n) => this.bindings.get(n)?.kind === "grads") &&
        isName(state, (n) => this.params.includes(n)) &&
        (!params || isName(params, (n) => this.roles.get(n)?.kind === "params")) &&
        rest.length === 0 &&
        targets.length === 2 &&
        targets.every((t) => t.type === "identifier");
      if (!ok) {
        this.unsupported(call, `an optimizer update other than \`updates, opt_state = ${this.optimizer.object}.update(grads, opt_state, params)\``);
        return true;
      }
      this.assign(state.text, { kind: "optState" }, state);
      this.bindings.set(targets[0].text, { kind: "updates" });
      this.bindings.set(targets[1].text, { kind: "optState" });
      return true;
    }
    if (calleeOf(this.ctx.top, call) !== "optax.apply_updates") return false;
    const [params, updates] = positional;
    const ok =
      isName(params, (n) => this.roles.get(n)?.kind === "params") &&
      isName(updates, (n) => this.bindings.get(n)?.kind === "updates") &&
      positional.length === 2 &&
      left.type === "identifier";
    if (!ok) {
      this.unsupported(call, "optax.apply_updates other than `params = optax.apply_updates(params, updates)` after the optimizer's update");
      return true;
    }
    this.bindings.set(left.text, { kind: "updated" });
    this.update = { kind: "optimizer" };
    return true;
  }

  private returnValues(value: Node): void {
    const items = value.type === "expression_list" || value.type === "tuple" ? value.namedChildren : [value];
    for (const item of items) {
      const name = item.type === "identifier" ? item.text : "";
      const binding = this.bindings.get(name);
      const role = this.roles.get(name);
      if (binding?.kind === "updated" || (role?.kind === "params" && !binding)) this.returns.push("params");
      else if (binding?.kind === "aux") this.returns.push("state");
      else if (binding?.kind === "loss") this.returns.push("loss");
      else if (binding?.kind === "optState" || (role?.kind === "optState" && !binding)) this.returns.push("optState");
      else if (role?.kind === "trainState") this.returns.push("trainState");
      else this.unsupported(item, `returning '${firstLine(item)}' from a training step (the parameters, their state, a TrainState or the loss)`);
    }
  }
}

/** Names a function body assigns to, anywhere in it. */
function assignedNames(node: Node, out = new Set<string>()): Set<string> {
  if (node.type === "assignment" || node.type === "augmented_assignment") {
    const left = node.childForFieldName("left")!;
    for (const n of left.type === "identifier" ? [left] : left.namedChildren) if (n.type === "identifier") out.add(n.text);
  }
  for (const c of node.namedChildren) assignedNames(c, out);
  return out;
}

/** Losses whose second argument is the labels: integer class ids, or targets shaped like the output. */
const LOSS_LABELS: Record<string, "classes" | "values"> = {
  softmaxCrossEntropyWithIntegerLabels: "classes",
  softmaxCrossEntropy: "values",
  l2Loss: "values",
  squaredError: "values",
};

function describe(role: StepRole): string {
  if (role.kind === "input") return `the model's input '${role.param}'`;
  if (role.kind === "state") return `the model's ${role.collection}`;
  return { trainState: "TrainState", optState: "optimizer state", labels: "labels", key: "key", params: "parameters" }[role.kind];
}
