// Training steps, read by what they compute. A step is a top-level function
// that takes jax.grad (or jax.value_and_grad) of a loss over an application of
// the model and updates the parameters. It is staged like module code; the
// things training code handles (the model's apply, the parameters, gradients,
// a flax TrainState, optax's transforms and states, keys) are host values
// whose meaning follows the dataflow: whatever arrangement of statements,
// locals, tuples and helper functions computes a gradient, an update and a
// return translates. Which of the step's parameters is what is learned from
// how the step uses it (a first, silent staging per unknown parameter).
//
// The NNX step takes the model (and an optimizer) instead of parameter trees:
// `nnx.grad(lossFn)(model, ...)`, `optimizer.update(model, grads)`, and the
// model keeps its own statistics and keys.
import type { Span } from "../span.js";
import type { Expr, FunctionDef, Stmt } from "../python/ast.js";
import { qualifiedName, statementExprs, statementsOf, subexpressions } from "../python/ast.js";
import type { ModuleClass } from "../model/program.js";
import { call, id, member, num, rt, str, type TDecl, type TExpr, type TParam, type TStmt } from "../ts/ast.js";
import { finish } from "./classes.js";
import type { ParamInfo, ProgramContext } from "./context.js";
import { Frame } from "./scope.js";
import { camel, ClassStager, StageStop } from "./stager.js";
import type { StepOut, StepRole, StepSpec } from "./step-spec.js";
import { unknownShape } from "./shapes.js";
import { describe, type ArrayV, type FuncV, type HostV, type StaticV, type Value } from "./values.js";

const GRADS: Record<string, { value: boolean }> = { "jax.grad": { value: false }, "jax.value_and_grad": { value: true } };
const TREE_MAPS = new Set(["jax.tree_util.tree_map", "jax.tree.map", "jax.tree_map"]);
/** Cross-device reductions are the identity on one device. */
const DEVICE_MEANS = new Set(["jax.lax.pmean", "jax.lax.psum"]);
const TRAIN_WHEN_TRUE = new Set(["train", "training", "is_training", "is_train"]);
/** Functions whose argument is integer class ids: (qualified name, position, keyword). */
const CLASS_ID_ARGS: Array<[string, number, string]> = [
  ["optax.softmax_cross_entropy_with_integer_labels", 1, "labels"],
  ["optax.losses.softmax_cross_entropy_with_integer_labels", 1, "labels"],
  ["jax.nn.one_hot", 0, "x"],
  ["flax.linen.one_hot", 0, "x"],
  ["haiku.one_hot", 0, "x"],
];
/** optax's optimizers the runtime has: the runtime function and optax's parameters in order. */
const OPTIMIZERS: Record<string, { rt: string; params: string[]; adam: boolean }> = {
  "optax.sgd": { rt: "nnx.optax.sgd", params: ["learning_rate", "momentum", "nesterov"], adam: false },
  "optax.adam": { rt: "nnx.optax.adam", params: ["learning_rate", "b1", "b2", "eps", "eps_root", "mu_dtype", "nesterov"], adam: true },
  "optax.adamw": { rt: "nnx.optax.adamw", params: ["learning_rate", "b1", "b2", "eps", "eps_root", "mu_dtype", "weight_decay", "mask", "nesterov"], adam: true },
};
const TRAIN_STATE = "flax.training.train_state.TrainState";
/** A TrainState's own attributes; others are fields a subclass adds. */
const TRAIN_STATE_ATTRS = new Set(["params", "apply_fn", "apply_gradients", "opt_state", "tx", "step", "replace"]);

export const OPTIMIZER_FACTORY = "createOptimizer";

/** The generated step's model and optimizer parameters (TypeScript names, not the source's). */
const MODEL: TExpr = { k: "id", name: "model", raw: true };
const OPTIMIZER: TExpr = { k: "id", name: "optimizer", raw: true };

export interface StagedSteps {
  decls: TDecl[];
  specs: StepSpec[];
}

/** Every top-level function that takes a gradient, as an NNX step. */
export function stageSteps(ctx: ProgramContext, entryClass: string | undefined): StagedSteps {
  const program = ctx.program;
  const steps = [...program.functions.values()].filter(takesGradient);
  const out: StagedSteps = { decls: [], specs: [] };
  if (!steps.length) return out;
  const entry = program.entry;
  if (!entry || !entryClass) {
    for (const s of steps) ctx.diags.warning("NNX303", `the training step '${s.name}' is left out: the file names no model to train (give one with --entry)`, s.span);
    return out;
  }
  const optimizer = findOptimizer(ctx);
  let usesOptimizer = false;
  for (const fn of steps) {
    const roles = inferRoles(ctx, fn, entryClass, optimizer);
    const run = new StepRun(ctx, fn, entryClass, roles, false, optimizer);
    const before = ctx.diags.errorCount;
    const mark = ctx.diags.mark();
    const decls = run.stage();
    if (!decls || ctx.diags.errorCount > before) {
      // Training code nnxport cannot translate is left out without failing the file (the model
      // still converts): what stopped it is said as a warning at its line.
      const said = ctx.diags.items.slice(mark);
      ctx.diags.rollback(mark);
      for (const d of said) ctx.diags.warning(d.code, d.severity === "error" ? `${d.message} (so the training step '${fn.name}' is left out)` : d.message, d.span);
      continue;
    }
    out.decls.push(...decls);
    // Translated, so not "left out" (src/stage/left-out.ts).
    ctx.usedTop.add(fn.name);
    usesOptimizer ||= run.usesOptimizer;
    out.specs.push(run.spec());
  }
  if (usesOptimizer && optimizer?.tx) {
    out.decls.unshift(optimizerFactory(entryClass, optimizer.tx));
    for (const name of [optimizer.trainState?.name, optimizer.transform]) if (name) ctx.usedTop.add(name);
  } else if (usesOptimizer && optimizer?.why) {
    // The steps take an nnx.Optimizer; only the factory that builds the source's is missing.
    ctx.diags.warning("NNX210", `left out: the optimizer factory (${optimizer.why}); the training steps take an nnx.Optimizer the caller builds`, optimizer.span);
  }
  return out;
}

function takesGradient(fn: FunctionDef): boolean {
  for (const s of statementsOf(fn.body)) {
    if (s.kind === "def" && takesGradient(s.fn)) return true;
    for (const e of statementExprs(s)) for (const x of subexpressions(e)) if (x.kind === "call" && GRADS[qualifiedName(x.fn) ?? ""]) return true;
  }
  return false;
}

// ---------------------------------------------------------------------------
// The optimizer: a top-level TrainState.create(..., tx=...) or optax transform.

interface OptimizerSource {
  /** The top-level TrainState, and the fields its creation sets besides params/tx/apply_fn. */
  trainState?: { name: string; fields: string[] };
  /** The top-level optax transform bound to a name (`tx = optax.adam(1e-3)`). */
  transform?: string;
  /** The runtime transform, when nnxport can build it. */
  tx?: TExpr;
  adamLearningRate?: number;
  why?: string;
  /** Where the source builds it. */
  span?: Span;
}

function findOptimizer(ctx: ProgramContext): OptimizerSource | undefined {
  const program = ctx.program;
  const stager = new ClassStager(ctx, syntheticClass("optimizer", program.module.body[0]?.span), true);
  const resolve = (e: Expr): Expr => (e.kind === "file" && program.constants.has(e.name) ? resolve(program.constants.get(e.name)!.value) : e);
  for (const [name, c] of program.constants) {
    const v = c.value;
    if (v.kind !== "call" || v.fn.kind !== "attr" || v.fn.attr !== "create") continue;
    const cls = v.fn.object;
    const q = qualifiedName(cls);
    const derived = cls.kind === "file" && derivesFromTrainState(ctx, cls.name);
    if (q !== TRAIN_STATE && !derived) continue;
    const tx = v.args.find((a) => a.name === "tx");
    const fields = v.args.filter((a) => a.name && !["apply_fn", "params", "tx"].includes(a.name)).map((a) => a.name!);
    return { trainState: { name, fields }, ...optaxTransform(stager, tx && resolve(tx.value), v.span) };
  }
  for (const [name, c] of program.constants) {
    const v = c.value;
    if (v.kind === "call" && OPTIMIZERS[qualifiedName(v.fn) ?? ""]) return { transform: name, ...optaxTransform(stager, v) };
  }
  return undefined;
}

function derivesFromTrainState(ctx: ProgramContext, name: string): boolean {
  const cls = ctx.program.module.body.find((s) => s.kind === "class" && s.cls.name === name);
  if (!cls || cls.kind !== "class") return false;
  return cls.cls.bases.some((b) => qualifiedName(b) === TRAIN_STATE || (b.kind === "file" && derivesFromTrainState(ctx, b.name)));
}

/** `optax.adam(1e-3, b1=0.8)` as the runtime's transform. */
function optaxTransform(stager: ClassStager, e: Expr | undefined, at?: Span): Pick<OptimizerSource, "tx" | "adamLearningRate" | "why" | "span"> {
  if (!e || e.kind !== "call") return { why: "its optimizer is not a call of an optax optimizer", span: e?.span ?? at };
  return { ...optaxCall(stager, e), span: e.span };
}

function optaxCall(stager: ClassStager, e: Extract<Expr, { kind: "call" }>): Pick<OptimizerSource, "tx" | "adamLearningRate" | "why"> {
  const name = qualifiedName(e.fn) ?? "";
  const spec = OPTIMIZERS[name];
  if (!spec) return { why: `its optimizer '${name || "?"}' is not one nnxport's runtime has (sgd, adam, adamw)` };
  const args: Array<[string, StaticV]> = [];
  try {
    e.args.forEach((a, i) => {
      const key = a.name ?? spec.params[i];
      // optax raises TypeError on a keyword it does not take, or more positional arguments than it has.
      if (a.star || !key || !spec.params.includes(key)) throw new StageStop(`${name}'s argument ${a.name ? `'${a.name}' (it has ${spec.params.map((p) => `'${p}'`).join(", ")})` : i + 1}`);
      const v = stager.expr(a.value, new Frame("optimizer", true));
      if (v.kind !== "static" || !v.ctor) throw new StageStop(`${name}'s '${key}'`);
      args.push([key, v]);
    });
  } catch (err) {
    if (!(err instanceof StageStop)) throw err;
    return { why: /^\S+'s argument /.test(err.message) ? `${err.message} is not one it takes` : `${err.message} is not a value nnxport can read` };
  }
  const lr = args.find(([k]) => k === "learning_rate")?.[1];
  if (!lr) return { why: `${name} without a learning rate` };
  const options = args.filter(([k, v]) => k !== "learning_rate" && !(k === "mu_dtype" && v.known === null)).map(([k, v]) => ({ key: camel(k), value: v.ctor! }));
  const tx = call(rt(spec.rt), lr.ctor!, ...(options.length ? [{ k: "object", entries: options } as TExpr] : []));
  return { tx, adamLearningRate: spec.adam && typeof lr.known === "number" ? lr.known : undefined };
}

function optimizerFactory(cls: string, tx: TExpr): TDecl {
  return {
    k: "function",
    fn: {
      name: OPTIMIZER_FACTORY,
      exported: true,
      docs: ["The source's optimizer, over the model's parameters."],
      params: [{ name: "model", type: cls, raw: true }],
      returns: `nnx.Optimizer<${cls}>`,
      body: [{ k: "return", value: { k: "new", cls: rt("nnx.Optimizer"), args: [MODEL, tx, { k: "object", entries: [{ key: "wrt", value: rt("nnx.Param") }] }] } }],
    },
  };
}

function syntheticClass(name: string, span: Span | undefined): ModuleClass {
  return { name, fields: [], methods: [], properties: [], classAttrs: [], span: span ?? { line: 1, column: 1, endLine: 1, endColumn: 1 } };
}

// ---------------------------------------------------------------------------
// Roles of the step's parameters.

/** Stages the step silently until every parameter's use says what it is; the rest are data. */
function inferRoles(ctx: ProgramContext, fn: FunctionDef, entryClass: string, optimizer: OptimizerSource | undefined): Map<string, StepRole> {
  const roles = new Map<string, StepRole>();
  for (let i = 0; i <= fn.params.length + 4; i++) {
    const run = new StepRun(ctx, fn, entryClass, roles, true, optimizer);
    const stopped = run.trial();
    if (stopped === undefined) break;
    const culprit = run.pendingNamed(stopped);
    if (!culprit) break;
    roles.set(culprit, run.dataRole(culprit));
  }
  return roles;
}

// ---------------------------------------------------------------------------

type Tag =
  | { t: "pending"; path: string }
  | { t: "model" }
  | { t: "apply" }
  | { t: "params" }
  | { t: "collection"; name: string }
  | { t: "variables" }
  | { t: "trainState" }
  | { t: "optState" }
  | { t: "tx" }
  | { t: "gradFactory"; value: boolean }
  | { t: "gradFn"; fn: Value; value: boolean; hasAux: boolean; argnum: number }
  | { t: "grads" }
  | { t: "stateUpdates"; collections: string[] }
  | { t: "newCollection"; name: string }
  | { t: "updates"; grads: TExpr }
  | { t: "newParams"; apply?: TExpr }
  | { t: "newOptState" }
  | { t: "newTrainState" }
  | { t: "batch"; path: string };

type Host = HostV & { tag: Tag };

const isHost = (v: Value | undefined, t?: Tag["t"]): v is Host => v?.kind === "host" && "tag" in v && (!t || (v as Host).tag.t === t);

class StepRun {
  readonly stager: ClassStager;
  private readonly frame: Frame;
  private readonly method: string;
  private readonly summary: { params: ParamInfo[]; returns?: Value; def?: FunctionDef; returnsNothing: boolean };
  usesOptimizer = false;
  private usesModel = false;
  /** The mode the step sets the model to first (printed at its top), and the current one. */
  private firstMode?: boolean;
  private mode?: boolean;
  private readonly modeSwitches: TStmt[] = [];
  /** Updates the step computed, by tag (each must be returned: the model changes in place). */
  private readonly updates = new Map<Tag, Host>();
  private out: StepOut = { k: "none" };
  private keyToApply = false;
  private readonly pendingNames = new Map<string, string>();
  private readonly classIds: Set<string>;
  private lossCount = 0;

  constructor(
    private readonly ctx: ProgramContext,
    private readonly fn: FunctionDef,
    private readonly entryClass: string,
    private readonly roles: Map<string, StepRole>,
    private readonly dry: boolean,
    private readonly optimizer: OptimizerSource | undefined,
  ) {
    this.stager = new ClassStager(ctx, syntheticClass(fn.name, fn.span), dry);
    this.frame = new Frame(fn.name, false);
    this.frame.block = { call: [] };
    this.frame.callOnly = true;
    const entry = ctx.program.entry!;
    this.method = entry.method;
    const summary = ctx.summaries.get(entryClass);
    const def = ctx.classes.get(entryClass)?.methods.find((m) => m.name === this.method);
    this.summary = { params: summary?.methods.get(this.method) ?? [], returns: summary?.returns?.get(this.method), def, returnsNothing: !!def && !hasReturn(def.body) };
    this.classIds = classIdNames(fn, ctx.program.functions);
    this.stager.hosts = this.hosts();
  }

  // --- entry points ---------------------------------------------------------

  /** A silent staging: the message it stopped at, if it did. */
  trial(): string | undefined {
    try {
      this.run();
      return undefined;
    } catch (e) {
      if (e instanceof StageStop) return e.message;
      throw e;
    }
  }

  /** The pending parameter a stop message names. */
  pendingNamed(message: string): string | undefined {
    for (const [name, path] of this.pendingNames) if (message.includes(name)) return path;
    return undefined;
  }

  dataRole(path: string): StepRole {
    return { kind: "labels", classes: this.classIds.has(path) || this.classIds.has(path.replace(/^.*\['(.*)'\]$/, "$1")) };
  }

  stage(): TDecl[] | undefined {
    try {
      this.run();
    } catch (e) {
      if (e instanceof StageStop) return undefined;
      throw e;
    }
    return this.decl();
  }

  spec(): StepSpec {
    return {
      function: this.fn.name,
      tsFunction: camel(this.fn.name),
      tsEager: eagerName(this.fn.name),
      params: this.fn.params.map((p) => ({ name: p.name, role: this.roleOf(p.name) })),
      returns: this.out,
      trainState: this.optimizer?.trainState?.name,
      trainStateFields: Object.fromEntries((this.optimizer?.trainState?.fields ?? []).map((f) => [f, this.fieldCollections.get(f) ?? f])),
      transform: this.optimizer?.transform,
      adamLearningRate: this.optimizer?.adamLearningRate,
      keyToApply: this.keyToApply,
      usesOptimizer: this.usesOptimizer,
    };
  }

  private roleOf(path: string): StepRole {
    const own = this.roles.get(path);
    if (own) return own;
    const entries = [...this.roles.keys()].filter((k) => k.startsWith(`${path}['`));
    if (entries.length) return { kind: "batch", entries: Object.fromEntries(entries.map((k) => [k.slice(path.length + 2, -2), this.roles.get(k)!])) };
    return this.dataRole(path);
  }

  private run(): void {
    for (const p of this.fn.params) {
      if (p.star) this.stager.stop(p.span, `the step's parameter '${p.star}${p.name}'`);
      this.frame.env.set(p.name, this.paramValue(p.name));
    }
    this.frame.onReturn = (v, span) => this.onReturn(v, span);
    this.stager.body(this.fn.body, this.frame);
  }

  // --- the step's parameters --------------------------------------------------

  private paramValue(path: string): Value {
    const role = this.roles.get(path);
    if (role) return this.roleValue(path, role);
    if ([...this.roles.keys()].some((k) => k.startsWith(`${path}['`))) return this.batch(path);
    return this.pending(path);
  }

  private roleValue(path: string, role: StepRole): Value {
    switch (role.kind) {
      case "params":
        return this.host("the model's parameters", { t: "params" });
      case "collection":
        return this.host(`the model's '${role.name}'`, { t: "collection", name: role.name });
      case "variables":
        return this.host("the model's variables", { t: "variables" });
      case "trainState":
        return this.trainState();
      case "optState":
        return this.host("the optimizer state", { t: "optState" });
      case "key":
        return { kind: "key", call: this.dataExpr(path) };
      case "input": {
        const sample = this.ctx.program.entry!.inputs.find((i) => i.name === role.param);
        const shape = sample ? { rank: sample.shape.length, dims: sample.shape.map(num) } : unknownShape;
        return { kind: "array", call: this.dataExpr(path), shape, dtype: sample?.dtype === "int32" ? "int32" : "float32" };
      }
      case "labels":
        return { kind: "array", call: this.dataExpr(path), shape: unknownShape, dtype: role.classes ? "int32" : "float32" };
      case "batch":
        return this.batch(path);
    }
  }

  /** How generated code reads a parameter or a batch entry (`batch['image']` → `batch.image`). */
  private dataExpr(path: string): TExpr {
    const m = /^(.*)\['(.*)'\]$/.exec(path);
    return m ? member(this.dataExpr(m[1]), m[2]) : id(path);
  }

  /** A parameter whose role is not known yet: the first use that tells decides. */
  private pending(path: string): Value {
    const name = `the step's parameter '${path}'`;
    this.pendingNames.set(name, path);
    const decide = (role: StepRole): Value => {
      this.roles.set(path, role);
      return this.roleValue(path, role);
    };
    const self = this;
    const h: Host = {
      kind: "host",
      name,
      tag: { t: "pending", path },
      attr(attr, span) {
        // A TrainState's attributes (or a subclass's fields).
        const v = decide({ kind: "trainState" });
        return self.stager.attributeOf(v, attr, span, self.frame);
      },
      index(key, span) {
        if (key.kind === "static" && typeof key.known === "string") return self.paramValue(`${path}['${key.known}']`);
        return self.stager.stop(span, `indexing ${name} with ${describe(key)}`);
      },
    };
    return h;
  }

  /** Resolves a pending value to a role, when a use tells what it is. */
  private as(v: Value, role: StepRole): Value {
    if (!isHost(v, "pending")) return v;
    const path = (v.tag as { path: string }).path;
    this.roles.set(path, role);
    return this.roleValue(path, role);
  }

  private batch(path: string): Value {
    const self = this;
    const h: Host = {
      kind: "host",
      name: `the step's batch '${path}'`,
      tag: { t: "batch", path },
      expr: this.dataExpr(path),
      index(key, span) {
        if (key.kind === "static" && typeof key.known === "string") return self.paramValue(`${path}['${key.known}']`);
        return self.stager.stop(span, `indexing the batch '${path}' with ${describe(key)}`);
      },
    };
    return h;
  }

  // --- host values ---------------------------------------------------------------

  private host(name: string, tag: Tag, extra: Partial<HostV> = {}): Host {
    return { kind: "host", name, tag, ...extra };
  }

  private hosts(): Map<string, Value> {
    const m = new Map<string, Value>();
    const entry = this.ctx.program.entry!;
    if (entry.object) m.set(entry.object, this.host(`the model '${entry.object}'`, { t: "model" }, { attr: (a, span) => (a === "apply" ? this.applyFn() : this.stager.stop(span, `'${entry.object}.${a}' in a training step`)) }));
    for (const [name, g] of Object.entries(GRADS)) m.set(name, this.host(name, { t: "gradFactory", value: g.value }, { call: (args, kwargs, span) => this.gradFactory(g.value, args, kwargs, span) }));
    for (const name of TREE_MAPS) m.set(name, this.host(name, { t: "apply" }, { call: (args, kwargs, span) => this.treeMap(args, kwargs, span) }));
    for (const name of DEVICE_MEANS) m.set(name, this.host(name, { t: "apply" }, { call: (args) => args[0] }));
    m.set("optax.apply_updates", this.host("optax.apply_updates", { t: "apply" }, { call: (args, kwargs, span) => this.applyUpdates(args, kwargs, span) }));
    if (this.optimizer?.transform) m.set(this.optimizer.transform, this.tx());
    return m;
  }

  private trainState(fresh = false, tag?: Tag): Host {
    const self = this;
    return this.host(fresh ? "the updated TrainState" : "the TrainState", tag ?? { t: fresh ? "newTrainState" : "trainState" }, {
      attr(a, span) {
        switch (a) {
          case "params":
            return fresh ? self.host("the updated parameters", { t: "newParams" }) : self.host("the model's parameters", { t: "params" });
          case "apply_fn":
            return self.applyFn();
          case "opt_state":
            return self.host("the optimizer state", { t: "optState" });
          case "tx":
            return self.tx();
          case "apply_gradients":
            return self.host("apply_gradients", { t: "apply" }, { call: (args, kwargs, s) => self.applyGradients(args, kwargs, s) });
          case "replace":
            return self.host("replace", { t: "apply" }, { call: (args, kwargs, s) => self.replace(args, kwargs, s, fresh ? tag : undefined) });
          default:
            if (TRAIN_STATE_ATTRS.has(a)) return self.stager.stop(span, `the TrainState's '${a}' in a training step`);
            // A field a TrainState subclass adds (`batch_stats`): the model's collection.
            return self.host(`the model's '${a}'`, { t: "collection", name: a });
        }
      },
    });
  }

  private tx(): Host {
    return this.host("the optimizer", { t: "tx" }, {
      attr: (a, span) =>
        a === "update"
          ? this.host("tx.update", { t: "apply" }, { call: (args, kwargs, s) => this.txUpdate(args, kwargs, s) })
          : this.stager.stop(span, `the optimizer's '${a}' in a training step`),
    });
  }

  // --- the model's application ------------------------------------------------

  private applyFn(): Host {
    return this.host("the model's apply", { t: "apply" }, { call: (args, kwargs, span) => this.apply(args, kwargs, span) });
  }

  private apply(args: Value[], kwargs: Array<[string, Value]>, span: Span): Value {
    const sig = this.ctx.program.framework.applySignature(this.ctx.program.entry!);
    const rest = [...args];
    let kw = [...kwargs];
    const take = (name: string): Value | undefined => {
      const k = kw.find(([n]) => n === name);
      if (k) {
        kw = kw.filter((x) => x !== k);
        return k[1];
      }
      return rest.shift();
    };
    if (sig.variables === "dict") this.variablesArg(take("variables"), span);
    else {
      this.paramsArg(take("params"), span);
      if (sig.variables === "paramsAndState") this.collectionArg(take("state"), "state", span);
    }
    if (sig.rng === "positional") this.keyArg(take("rng"), span);
    let method = this.method;
    let mutable: string[] = [];
    kw = kw.filter(([k, v]) => {
      if (sig.rng === "rngsKeyword" && k === "rngs") {
        if (v.kind === "dict") for (const [, key] of v.entries) this.keyArg(key, span);
        else this.keyArg(v, span);
        return false;
      }
      if (sig.returnsState === "mutable" && k === "mutable") {
        mutable = this.collectionNames(v, span);
        return false;
      }
      if (k === "method") {
        const m = v.kind === "static" && typeof v.known === "string" ? v.known : v.kind === "func" && v.method ? v.method : undefined;
        if (!m) this.stager.stop(span, `method=${describe(v)}`);
        method = m!;
        return false;
      }
      return true;
    });
    if (method !== this.method) return this.stager.stop(span, `applying the model's '${method}' in a training step (the entry applies '${this.method}')`);
    this.usesModel = true;
    const { params, returns, def } = this.summary;
    // The step's own data given to the model is the model's input.
    const asInput = (v: Value, param: string | undefined): Value => (isHost(v, "pending") && param ? this.as(v, { kind: "input", param }) : v);
    rest.forEach((v, i) => (rest[i] = asInput(v, params[i]?.name)));
    kw = kw.map(([k, v]) => [k, asInput(v, k)]);
    this.setMode(this.modeOf(params, def, rest, kw), span);
    const callE = call(member(MODEL, method === "__call__" ? "call" : camel(method)), ...this.stager.callArguments(params, rest, kw, span));
    // A model whose method has no return statement gives None (what uses it is reported there).
    const nothing = this.summary.returnsNothing ? ({ kind: "static", type: { t: "none" }, known: null, call: callE, returnsNothing: `the model's ${method}` } as Value) : undefined;
    const out = nothing ?? (returns ? this.stager.withCall(returns, callE) : ({ kind: "array", call: callE, shape: unknownShape, dtype: "float32" } as ArrayV));
    const returnsState = sig.returnsState === "always" || (sig.returnsState === "mutable" && mutable.length > 0);
    if (!returnsState) return out;
    // Haiku gives back its whole new state; Linen a dict of the mutable collections.
    const updates = sig.returnsState === "always" ? this.host("the model's updated state", { t: "newCollection", name: "state" }) : this.stateUpdates(mutable);
    return { kind: "tuple", items: [out, updates] };
  }

  /** The train/eval mode the application's flags choose (their defaults when not given). */
  private modeOf(params: ParamInfo[], def: FunctionDef | undefined, args: Value[], kwargs: Array<[string, Value]>): boolean | undefined {
    let train: boolean | undefined;
    params.forEach((p, i) => {
      if (p.kind !== "mode") return;
      const v = args[i] ?? kwargs.find(([k]) => k === p.name)?.[1] ?? this.defaultOf(def, p.name);
      if (v?.kind === "mode") return;
      const known = v?.kind === "static" && typeof v.known === "boolean" ? v.known : undefined;
      if (known === undefined) return;
      train = TRAIN_WHEN_TRUE.has(p.name) ? known : !known;
    });
    return train;
  }

  private defaultOf(def: FunctionDef | undefined, name: string): Value | undefined {
    const p = def?.params.find((x) => x.name === name);
    return p?.default ? this.stager.dryValue(p.default) : undefined;
  }

  private setMode(train: boolean | undefined, span: Span): void {
    if (train === undefined || train === this.mode) return;
    const s: TStmt = { k: "expr", value: call(member(MODEL, train ? "train" : "eval")) };
    if (this.firstMode === undefined) {
      this.firstMode = train;
      this.modeSwitches.push(s);
    } else this.frame.emitCall(s);
    this.mode = train;
    void span;
  }

  private variablesArg(v: Value | undefined, span: Span): void {
    if (!v) return void this.stager.stop(span, "applying the model without its variables");
    if (v.kind === "dict") {
      for (const [k, item] of v.entries) {
        if (k === "params") this.paramsArg(item, span);
        else this.collectionArg(item, String(k), span);
      }
      return;
    }
    const r = this.as(v, { kind: "variables" });
    if (!isHost(r, "variables")) this.stager.stop(span, `applying the model to ${describe(r)} as its variables`);
  }

  private paramsArg(v: Value | undefined, span: Span): void {
    const r = v && this.as(v, { kind: "params" });
    if (!isHost(r, "params")) this.stager.stop(span, `applying the model with ${r ? describe(r) : "nothing"} as its parameters (the translated model holds its own)`);
  }

  private collectionArg(v: Value | undefined, name: string, span: Span): void {
    const r = v && this.as(v, { kind: "collection", name });
    if (isHost(r, "collection") || isHost(r, "newCollection")) return;
    this.stager.stop(span, `applying the model with ${r ? describe(r) : "nothing"} as its '${name}'`);
  }

  private keyArg(v: Value | undefined, span: Span): void {
    if (!v || (v.kind === "static" && v.known === null)) return;
    const r = this.as(v, { kind: "key" });
    if (r.kind !== "key") return void this.stager.stop(span, `${describe(r)} as the model's key`);
    // The step's own key parameter, passed on unchanged: verify can replay the source's dropout masks.
    if (r.call.k === "id" && this.fn.params.some((p) => p.name === (r.call as { name: string }).name)) this.keyToApply = true;
  }

  private collectionNames(v: Value, span: Span): string[] {
    if (v.kind === "static" && typeof v.known === "string") return [v.known];
    if (v.kind === "static" && Array.isArray(v.known) && v.known.every((x) => typeof x === "string")) return v.known as string[];
    if (v.kind === "static" && v.known === false) return [];
    return this.stager.stop(span, `mutable=${describe(v)} (give the collections by name)`);
  }

  private stateUpdates(collections: string[]): Host {
    const self = this;
    return this.host("the model's updated state", { t: "stateUpdates", collections }, {
      index(key, span) {
        const name = key.kind === "static" && typeof key.known === "string" ? key.known : undefined;
        if (!name || !collections.includes(name)) return self.stager.stop(span, `the updated state's ${describe(key)}`);
        return self.host(`the model's updated '${name}'`, { t: "newCollection", name });
      },
    });
  }

  // --- gradients ------------------------------------------------------------------

  private gradFactory(value: boolean, args: Value[], kwargs: Array<[string, Value]>, span: Span): Value {
    const fn = args[0] ?? kwargs.find(([k]) => k === "fun")?.[1];
    if (!fn || (fn.kind !== "func" && fn.kind !== "partial")) return this.stager.stop(span, `${value ? "jax.value_and_grad" : "jax.grad"} of ${fn ? describe(fn) : "nothing"}`);
    let hasAux = false;
    let argnum = 0;
    for (const [k, v] of kwargs) {
      if (k === "has_aux" && v.kind === "static" && typeof v.known === "boolean") hasAux = v.known;
      else if (k === "argnums" && v.kind === "static" && (typeof v.known === "number" || (Array.isArray(v.known) && v.known.length === 1))) argnum = Number(Array.isArray(v.known) ? v.known[0] : v.known);
      else if (k !== "fun") return this.stager.stop(span, `${value ? "jax.value_and_grad" : "jax.grad"}(${k}=${describe(v)})`);
    }
    return this.host("a gradient function", { t: "gradFn", fn, value, hasAux, argnum }, { call: (a, k, s) => this.gradCall(this.gradTag(fn, value, hasAux, argnum), a, k, s) });
  }

  private gradTag(fn: Value, value: boolean, hasAux: boolean, argnum: number): Extract<Tag, { t: "gradFn" }> {
    return { t: "gradFn", fn, value, hasAux, argnum };
  }

  /** `jax.grad(loss_fn)(params, ...)`: the loss as an arrow over the model, and NNX's grad of it. */
  private gradCall(g: Extract<Tag, { t: "gradFn" }>, args: Value[], kwargs: Array<[string, Value]>, span: Span): Value {
    let fn = g.fn;
    let given = [...args];
    let givenKw = [...kwargs];
    while (fn.kind === "partial") {
      given = [...fn.args, ...given];
      givenKw = [...fn.kwargs, ...givenKw];
      fn = fn.fn;
    }
    if (fn.kind !== "func") return this.stager.stop(span, `the gradient of ${describe(fn)}`);
    const f = fn as FuncV;
    const params = f.def.params;
    const diff = given[g.argnum] ?? givenKw.find(([k]) => k === params[g.argnum]?.name)?.[1];
    const wrt = diff && this.as(diff, { kind: "params" });
    if (!isHost(wrt, "params")) return this.stager.stop(span, `a gradient with respect to ${wrt ? describe(wrt) : "nothing"} (nnxport differentiates with respect to the model's parameters)`);

    // The loss as an arrow: the model first, then the arrays it is given.
    const frame = new Frame(this.fn.name, false, new Map(f.closure));
    frame.block = { call: [] };
    frame.callOnly = true;
    const arrowParams: TParam[] = [{ name: "model", type: this.entryClass, raw: true }];
    const callArgs: TExpr[] = [MODEL];
    params.forEach((p, i) => {
      const v = i === g.argnum ? wrt : (given[i] ?? givenKw.find(([k]) => k === p.name)?.[1] ?? (p.default ? this.stager.dryValue(p.default) : undefined));
      if (!v) return void this.stager.stop(span, `the loss's '${p.name}' is not given`);
      if (i === g.argnum) return void frame.env.set(p.name, v);
      if (v.kind === "array" || isHost(v, "batch")) {
        arrowParams.push({ name: p.name, type: v.kind === "array" ? "nnx.Array" : this.batchType(v) });
        callArgs.push(this.stager.callExpr(v, span, `the loss's '${p.name}'`));
        frame.env.set(p.name, v.kind === "array" ? { ...v, call: id(p.name) } : { ...v, expr: id(p.name) });
      } else frame.env.set(p.name, v);
    });
    let returned: Value | undefined;
    // What the loss returns beside the loss, as TypeScript holds it (the state the model keeps dropped).
    let auxInTs = false;
    let returns: string | undefined;
    frame.onReturn = (v, s) => {
      returned = v;
      const r = this.lossReturn(v, g.hasAux, s);
      auxInTs = r.aux;
      // A tuple, not an array: nnx.valueAndGrad types the aux from it.
      if (r.aux && r.value.k === "array") returns = `[nnx.Array, ${tsTypeOfExpr(r.value.items[1])}]`;
      frame.emitCall({ k: "return", value: r.value });
    };
    if ("kind" in f.def) {
      const v = this.stager.expr(f.def.body, frame);
      frame.onReturn(v, f.def.span);
    } else this.stager.body(f.def.body, frame);
    if (!returned) return this.stager.stop(span, "a loss function that returns nothing");
    const body = finish(frame.block.call ?? [], new Set([...declared(arrowParams), ...this.visible(f)]), frame.types);
    const arrow: TExpr = { k: "arrow", params: arrowParams, body, ...(returns ? { returns } : {}) };
    const lossName = "kind" in f.def ? `loss_fn${this.lossCount++ ? this.lossCount : ""}` : f.def.name;
    this.frame.emitCall({ k: "assign", target: id(lossName), value: arrow });
    const options: TExpr[] = auxInTs ? [{ k: "object", entries: [{ key: "hasAux", value: { k: "bool", value: true } }] }] : [];
    const gradCall = call(call(rt(g.value ? "nnx.valueAndGrad" : "nnx.grad"), id(lossName), ...options), ...callArgs);
    const at = (e: TExpr, i: number): TExpr => ({ k: "index", object: e, index: num(i) });
    const grads = (e: TExpr) => this.grads(e);
    const loss = (e: TExpr): ArrayV => ({ kind: "array", call: e, shape: { rank: 0, dims: [] }, dtype: "float32" });
    const auxPy = g.hasAux && returned.kind === "tuple" ? returned.items[1] : undefined;
    // Read from where TypeScript has it; held by the model alone when TypeScript returns none of it.
    const aux = (e: TExpr | undefined): Value => (e ? this.auxValue(auxPy!)(e) : auxPy!);
    if (!g.value && !g.hasAux) return grads(gradCall);
    if (g.value && !g.hasAux) return { kind: "tuple", items: [loss(at(gradCall, 0)), grads(at(gradCall, 1))], call: gradCall };
    if (!g.value) return auxInTs ? { kind: "tuple", items: [grads(at(gradCall, 0)), aux(at(gradCall, 1))], call: gradCall } : { kind: "tuple", items: [grads(gradCall), aux(undefined)] };
    if (!auxInTs) return { kind: "tuple", items: [{ kind: "tuple", items: [loss(at(gradCall, 0)), aux(undefined)] }, grads(at(gradCall, 1))], call: gradCall };
    return { kind: "tuple", items: [{ kind: "tuple", items: [loss(at(at(gradCall, 0), 0)), aux(at(at(gradCall, 0), 1))] }, grads(at(gradCall, 1))], call: gradCall };
  }

  /** Names a nested function sees from the step (its locals and parameters): not its own locals. */
  private visible(f: FuncV): string[] {
    return [...f.closure.keys(), ...this.fn.params.map((p) => p.name), "raw:model", "raw:optimizer"];
  }

  private grads(e: TExpr): Host {
    const h: Host = this.host("the gradients", { t: "grads" }, { expr: e, tsType: "nnx.State" });
    h.rebind = (x) => ({ ...h, expr: x });
    return h;
  }

  private batchType(v: Host): string {
    const path = (v.tag as { path: string }).path;
    const keys = [...this.roles.keys()].filter((k) => k.startsWith(`${path}['`)).map((k) => k.slice(path.length + 2, -2));
    return `{ ${keys.map((k) => `${k}: nnx.Array`).join("; ")} }`;
  }

  /** The loss's return in TypeScript: the loss, and what it returns beside it without the state the model keeps. */
  private lossReturn(v: Value, hasAux: boolean, span: Span): { value: TExpr; aux: boolean } {
    if (!hasAux) return { value: this.stager.callExpr(v, span, "the loss"), aux: false };
    if (v.kind !== "tuple" || v.items.length !== 2) return this.stager.stop(span, "a loss with has_aux=True that does not return (loss, aux)");
    const lossE = this.stager.callExpr(v.items[0], span, "the loss");
    const auxE = this.auxExpr(v.items[1], span);
    return auxE ? { value: { k: "array", items: [lossE, auxE] }, aux: true } : { value: lossE, aux: false };
  }

  /** What the loss returns beside the loss, as TypeScript: the state updates dropped (the model keeps them). */
  private auxExpr(v: Value, span: Span): TExpr | undefined {
    if (isHost(v, "stateUpdates") || isHost(v, "newCollection")) return undefined;
    if (v.kind === "tuple" || v.kind === "list") {
      const items = v.items.map((i) => this.auxExpr(i, span)).filter((e): e is TExpr => !!e);
      return items.length === 0 ? undefined : items.length === 1 ? items[0] : { k: "array", items };
    }
    if (v.kind === "dict") {
      const entries = v.entries.map(([k, x]) => [k, this.auxExpr(x, span)] as const).filter(([, e]) => e);
      return entries.length ? { k: "object", entries: entries.map(([k, e]) => ({ key: String(k), value: e!, raw: true })) } : undefined;
    }
    return this.stager.callExpr(v, span, "what the loss returns beside it");
  }

  /** The loss's aux as the step sees it, read from the TypeScript value `auxExpr` made. */
  private auxValue(v: Value): (e: TExpr) => Value {
    return (e) => {
      const kept = (x: Value): boolean => !(isHost(x, "stateUpdates") || isHost(x, "newCollection")) && (x.kind !== "tuple" && x.kind !== "list" ? true : x.items.some(kept));
      const read = (x: Value, at: TExpr): Value => {
        if (x.kind === "array") return { ...x, call: at };
        if (x.kind === "tuple" || x.kind === "list") {
          const live = x.items.filter(kept);
          if (live.length === 1) return { kind: x.kind, items: x.items.map((i) => (kept(i) ? read(i, at) : i)) };
          let k = 0;
          return { kind: x.kind, items: x.items.map((i) => (kept(i) ? read(i, { k: "index", object: at, index: num(k++) }) : i)) };
        }
        if (x.kind === "dict") return { kind: "dict", entries: x.entries.map(([key, i]) => [key, kept(i) ? read(i, member(at, String(key))) : i]) };
        if (x.kind === "static") return { ...x, call: at };
        return x;
      };
      return read(v, e);
    };
  }

  // --- updates ----------------------------------------------------------------------

  private gradsOf(v: Value | undefined, span: Span, what: string): TExpr {
    if (isHost(v, "grads")) return v.expr!;
    return this.stager.stop(span, `${what} given ${v ? describe(v) : "nothing"} (nnxport applies the gradients of the model's parameters)`);
  }

  private applyGradients(args: Value[], kwargs: Array<[string, Value]>, span: Span): Value {
    const grads = kwargs.find(([k]) => k === "grads")?.[1] ?? args[0];
    this.frame.emitCall({ k: "expr", value: call(member(OPTIMIZER, "update"), MODEL, this.gradsOf(grads, span, "apply_gradients")) });
    this.usesOptimizer = true;
    for (const [k, v] of kwargs) if (k !== "grads") this.fieldUpdate(k, v, span);
    const tag: Tag = { t: "newTrainState" };
    const h = this.trainState(true, tag);
    this.updates.set(tag, h);
    return h;
  }

  /**
   * `state.replace(batch_stats=updates['batch_stats'])`: fields the model keeps
   * itself. On an updated TrainState it is the same update (`updated`, its tag).
   */
  private replace(args: Value[], kwargs: Array<[string, Value]>, span: Span, updated: Tag | undefined): Value {
    if (args.length) return this.stager.stop(span, "TrainState.replace with positional arguments");
    for (const [k, v] of kwargs) this.fieldUpdate(k, v, span);
    return this.trainState(!!updated, updated);
  }

  /** The model's collection a TrainState field holds, as the step sets it. */
  private readonly fieldCollections = new Map<string, string>();

  private fieldUpdate(field: string, v: Value, span: Span): void {
    if (field === "params" && isHost(v, "newParams")) return;
    if (isHost(v, "newCollection")) {
      this.fieldCollections.set(field, (v.tag as { name: string }).name);
      return;
    }
    this.stager.stop(span, `setting the TrainState's '${field}' to ${describe(v)} (the translated model keeps its own state)`);
  }

  private txUpdate(args: Value[], kwargs: Array<[string, Value]>, span: Span): Value {
    const [g, state, params] = [args[0] ?? kwargs.find(([k]) => k === "updates")?.[1], args[1] ?? kwargs.find(([k]) => k === "state")?.[1], args[2] ?? kwargs.find(([k]) => k === "params")?.[1]];
    const grads = this.gradsOf(g, span, "the optimizer's update");
    const s = state && this.as(state, { kind: "optState" });
    if (!isHost(s, "optState")) return this.stager.stop(span, `the optimizer's update with ${s ? describe(s) : "no"} state`);
    if (params) this.as(params, { kind: "params" });
    return { kind: "tuple", items: [this.host("the optimizer's updates", { t: "updates", grads }), this.host("the new optimizer state", { t: "newOptState" })] };
  }

  private applyUpdates(args: Value[], kwargs: Array<[string, Value]>, span: Span): Value {
    const params = args[0] ?? kwargs.find(([k]) => k === "params")?.[1];
    const updates = args[1] ?? kwargs.find(([k]) => k === "updates")?.[1];
    const p = params && this.as(params, { kind: "params" });
    if (!isHost(p, "params")) return this.stager.stop(span, `optax.apply_updates to ${p ? describe(p) : "nothing"}`);
    if (!isHost(updates, "updates")) return this.stager.stop(span, `optax.apply_updates of ${updates ? describe(updates) : "nothing"}`);
    this.frame.emitCall({ k: "expr", value: call(member(OPTIMIZER, "update"), MODEL, (updates.tag as { grads: TExpr }).grads) });
    this.usesOptimizer = true;
    const h = this.host("the updated parameters", { t: "newParams" });
    this.updates.set(h.tag, h);
    return h;
  }

  /** `jax.tree_util.tree_map(lambda p, g: p - lr * g, params, grads)`, or a map over the gradients alone. */
  private treeMap(args: Value[], kwargs: Array<[string, Value]>, span: Span): Value {
    if (kwargs.length) return this.stager.stop(span, "tree_map with keyword arguments");
    const [f, ...trees] = args;
    if (!f || (f.kind !== "func" && f.kind !== "partial") || !trees.length) return this.stager.stop(span, "this tree_map");
    const first = trees[0].kind === "host" && isHost(trees[0], "pending") ? this.as(trees[0], { kind: "params" }) : trees[0];
    const treeExprs: TExpr[] = [];
    const names: string[] = [];
    for (const [i, t] of [first, ...trees.slice(1)].entries()) {
      if (isHost(t, "params") && i === 0) {
        treeExprs.push(call(rt("nnx.state"), MODEL, rt("nnx.Param")));
        names.push("p");
      } else if (isHost(t, "grads")) {
        treeExprs.push(t.expr!);
        names.push("g");
      } else return this.stager.stop(span, `tree_map over ${describe(t)} (nnxport maps over the parameters and their gradients)`);
    }
    const leaf = this.leafFunction(f, treeExprs.length, span);
    const mapped = call(rt("nnx.treeMap"), leaf, ...treeExprs);
    if (isHost(first, "grads")) return this.grads(mapped);
    const h = this.newParams(mapped);
    this.updates.set(h.tag, h);
    return h;
  }

  private newParams(e: TExpr): Host {
    const h: Host = this.host("the updated parameters", { t: "newParams", apply: e }, { expr: e, tsType: "nnx.State" });
    // Bound to a local: the same update (its tag), read from the local.
    h.rebind = (x) => ({ ...h, expr: x });
    return h;
  }

  /** The function a tree_map applies to each leaf, as an arrow over arrays. */
  private leafFunction(f: Value, arity: number, span: Span): TExpr {
    if (f.kind !== "func" || f.method) return this.stager.stop(span, `tree_map of ${describe(f)}`);
    const params = f.def.params;
    if (params.length !== arity) return this.stager.stop(span, `tree_map of a function of ${params.length} arguments over ${arity} trees`);
    const frame = new Frame(this.fn.name, false, new Map(f.closure));
    frame.block = { call: [] };
    frame.callOnly = true;
    for (const p of params) frame.env.set(p.name, { kind: "array", call: id(p.name), shape: unknownShape, dtype: "float32" });
    let body: TExpr | TStmt[];
    if ("kind" in f.def) body = this.stager.callExpr(this.stager.expr(f.def.body, frame), span, "the mapped function's result");
    else {
      frame.onReturn = (v, s) => frame.emitCall({ k: "return", value: this.stager.callExpr(v, s, "the mapped function's result") });
      this.stager.body(f.def.body, frame);
      body = finish(frame.block.call ?? [], new Set([...params.map((p) => p.name), ...this.visible(f)]), frame.types);
    }
    if (!Array.isArray(body) && frame.block.call?.length) body = [...finish(frame.block.call ?? [], new Set([...params.map((p) => p.name), ...this.visible(f)]), frame.types), { k: "return", value: body } as TStmt];
    return { k: "arrow", params: params.map((p) => ({ name: p.name, type: "nnx.Array" })), body };
  }

  // --- the step's result ------------------------------------------------------------

  private onReturn(v: Value, span: Span): void {
    const returned = new Set<Tag>();
    const applies: TStmt[] = [];
    const leaves: TExpr[] = [];
    const walk = (x: Value): StepOut => {
      if (x.kind === "host") {
        const h = x as Host;
        returned.add(h.tag);
        switch (h.tag.t) {
          case "newTrainState":
          case "trainState":
            return { k: "trainState" };
          case "newParams":
            if (h.tag.apply) applies.push({ k: "expr", value: call(rt("nnx.update"), MODEL, h.expr ?? h.tag.apply) });
            return { k: "params" };
          case "params":
            return { k: "params" };
          case "newOptState":
          case "optState":
            return { k: "optState" };
          case "newCollection":
          case "collection":
            return { k: "collection", name: (h.tag as { name: string }).name };
          default:
            return this.stager.stop(span, `a step that returns ${h.name}`);
        }
      }
      if (x.kind === "tuple" || x.kind === "list") return { k: "tuple", items: x.items.map(walk) };
      if (x.kind === "dict") return { k: "dict", entries: x.entries.map(([key, i]) => [String(key), walk(i)]) };
      if (x.kind === "static" && x.known === null) return { k: "none" };
      leaves.push(this.stager.callExpr(x, span, "what the step returns"));
      return { k: "array" };
    };
    this.out = walk(v);
    for (const [tag, u] of this.updates) {
      if (!returned.has(tag) && !this.dry) this.stager.stop(span, `a step that computes ${u.name} but does not return them (the translated model is updated in place)`);
    }
    for (const s of applies) this.frame.emitCall(s);
    const ts = this.tsResult(v);
    if (ts) this.frame.emitCall({ k: "return", value: ts });
    void leaves;
  }

  /** What the generated step returns: the arrays of the source's result, in its structure, without the model's state. */
  private tsResult(v: Value): TExpr | undefined {
    if (v.kind === "host") return undefined;
    if (v.kind === "static" && v.known === null) return undefined;
    if (v.kind === "tuple" || v.kind === "list") {
      const items = v.items.map((i) => this.tsResult(i)).filter((e): e is TExpr => !!e);
      return items.length === 0 ? undefined : items.length === 1 ? items[0] : { k: "array", items };
    }
    if (v.kind === "dict") {
      const entries = v.entries.map(([k, i]) => [String(k), this.tsResult(i)] as const).filter(([, e]) => e);
      return entries.length ? { k: "object", entries: entries.map(([k, e]) => ({ key: k, value: e!, raw: true })) } : undefined;
    }
    return this.stager.maybeCallExpr(v);
  }

  // --- the function -------------------------------------------------------------------

  /** The step as it runs eagerly, and compiled with nnx.jit under the source's name (as `@nnx.jit` in Flax NNX). */
  private decl(): TDecl[] {
    const params: TParam[] = [];
    const roles = this.fn.params.map((p) => [p.name, this.roleOf(p.name)] as const);
    const model = roles.some(([, r]) => ["params", "collection", "variables", "trainState"].includes(r.kind)) || this.usesModel;
    if (model) params.push({ name: "model", type: this.entryClass, raw: true });
    if (this.usesOptimizer) params.push({ name: "optimizer", type: `nnx.Optimizer<${this.entryClass}>`, raw: true });
    for (const [name, role] of roles) {
      if (role.kind === "input" || role.kind === "labels") params.push({ name, type: "nnx.Array" });
      if (role.kind === "batch") params.push({ name, type: `{ ${Object.keys(role.entries).map((k) => `${k}: nnx.Array`).join("; ")} }` });
    }
    const body = finish([...this.modeSwitches, ...(this.frame.block.call ?? [])], declared(params), this.frame.types);
    const returns = body.some((s) => s.k === "return" && s.value) ? "nnx.Array" : "void";
    const hasReturn = returns !== "void";
    // The step's temporaries (gradients, activations) are freed when it returns.
    const tidy: TStmt[] = hasReturn ? [{ k: "return", value: call(rt("tf.tidy"), { k: "arrow", params: [], body }) }] : [{ k: "expr", value: call(rt("tf.tidy"), { k: "arrow", params: [], body }) }];
    const resultType = this.resultType(body);
    const name = camel(this.fn.name);
    const eager: TDecl = {
      k: "function",
      fn: {
        name: eagerName(this.fn.name),
        exported: true,
        docs: [
          `The source's \`${this.fn.name}\`: one step of training \`model\` in place${this.usesOptimizer ? " with `optimizer`" : ""}${this.firstMode !== undefined ? `; leaves the model in ${this.mode ? "train" : "eval"} mode` : ""}.`,
          `Runs op by op; \`${name}\` is the same step compiled.`,
        ],
        params,
        returns: resultType,
        body: tidy,
      },
    };
    const compiled: TDecl = {
      k: "const",
      name,
      exported: true,
      docs: [`\`${eagerName(this.fn.name)}\` traced on its first call and run as one TensorFlow graph after (eagerly where a graph cannot express it).`],
      value: call(rt("nnx.jit"), id(eagerName(this.fn.name)), { k: "object", entries: [{ key: "name", value: str(name) }] }),
    };
    return [eager, compiled];
  }

  private resultType(body: TStmt[]): string {
    const ret = body.find((s): s is Extract<TStmt, { k: "return" }> => s.k === "return" && !!s.value);
    return ret?.value ? tsTypeOfExpr(ret.value) : "void";
  }
}

/** The eager step's name: `train_step` → `trainStepEager`. */
function eagerName(pyName: string): string {
  return `${camel(pyName)}Eager`;
}

/** The TypeScript type of a result built of arrays: tuples and objects of `nnx.Array`. */
function tsTypeOfExpr(e: TExpr): string {
  if (e.k === "array") return `[${e.items.map(tsTypeOfExpr).join(", ")}]`;
  if (e.k === "object") return `{ ${e.entries.map((en) => ("key" in en ? `${en.key}: ${tsTypeOfExpr(en.value)}` : "")).join("; ")} }`;
  return "nnx.Array";
}

/** The names a function's parameters declare (raw ones as the local analysis sees them). */
function declared(params: TParam[]): Set<string> {
  return new Set(params.map((p) => (p.raw ? `raw:${p.name}` : p.name)));
}

/**
 * Names the step passes where integer class ids go (`labels` in
 * `softmax_cross_entropy_with_integer_labels(logits, labels)`), through simple
 * aliases and through the file's helper functions (`cross_entropy(logits, labels)`).
 */
function classIdNames(fn: FunctionDef, functions: Map<string, FunctionDef>): Set<string> {
  // Which parameters of each helper of the file are class ids.
  const helpers = new Map<string, number[]>();
  for (const [name, f] of functions) {
    if (f === fn) continue;
    const own = scanClassIds(f, new Map());
    const positions = f.params.map((p, i) => (own.has(p.name) ? i : -1)).filter((i) => i >= 0);
    if (positions.length) helpers.set(name, positions);
  }
  return scanClassIds(fn, helpers);
}

function scanClassIds(fn: FunctionDef, helpers: Map<string, number[]>): Set<string> {
  const out = new Set<string>();
  const aliases = new Map<string, string>();
  const text = (e: Expr): string | undefined => {
    if (e.kind === "name") return aliases.get(e.id) ?? e.id;
    if (e.kind === "index" && e.object.kind === "name" && e.index.kind === "str") return `${text(e.object)}['${e.index.value}']`;
    return undefined;
  };
  const visit = (body: Stmt[]) => {
    for (const s of statementsOf(body)) {
      if (s.kind === "def") visit(s.fn.body);
      if (s.kind === "assign" && s.targets.length === 1 && s.targets[0].kind === "name") {
        const t = text(s.value);
        if (t) aliases.set(s.targets[0].id, t);
      }
      for (const e of statementExprs(s)) {
        for (const x of subexpressions(e)) {
          if (x.kind !== "call") continue;
          const positional = x.args.filter((arg) => !arg.name);
          if (x.fn.kind === "file" && helpers.has(x.fn.name)) {
            for (const i of helpers.get(x.fn.name)!) {
              const t = positional[i] && text(positional[i].value);
              if (t) out.add(t);
            }
          }
          const q = qualifiedName(x.fn) ?? "";
          for (const [name, pos, kw] of CLASS_ID_ARGS) {
            if (q !== name) continue;
            const a = x.args.find((arg) => arg.name === kw) ?? positional[pos];
            const t = a && text(a.value);
            if (t) out.add(t);
          }
        }
      }
    }
  };
  visit(fn.body);
  return out;
}

export type { StepSpec };

/** Whether a function body returns a value other than None (nested defs and classes aside). */
function hasReturn(body: Stmt[]): boolean {
  const visit = (x: unknown): boolean => {
    if (!x || typeof x !== "object") return false;
    if (Array.isArray(x)) return x.some(visit);
    const kind = (x as { kind?: unknown }).kind;
    // `return` and `return None` give None, as no return does.
    if (kind === "return") return !!(x as { value?: { kind: string } }).value && (x as { value: { kind: string } }).value.kind !== "none";
    if (kind === "def" || kind === "class") return false;
    return Object.entries(x).some(([k, v]) => k !== "span" && visit(v));
  };
  return visit(body);
}
