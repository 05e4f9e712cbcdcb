// The staging interpreter. It walks a module's Python methods once, in the
// order the source's init runs them, and writes two programs at once: the NNX
// constructor (every statement that decides which submodules and variables
// exist and how big they are, with array values replaced by their symbolic
// shapes) and the NNX method (everything that runs per call, with each
// submodule construction replaced by the member the constructor built).
// Loops stay loops and config stays config: a submodule built in a loop
// becomes an nnx.List the constructor fills in the same loop.
import { addForms, annotationForm, formParam, hasForm, recordForm } from "./param-forms.js";
import type { Arg, Expr, FunctionDef, Param, Pattern, Stmt } from "../python/ast.js";
import { mapExpr, mapStmts, patternNames, qualifiedName, statementExprs, statementsOf, subexpressions, undefinedName } from "../python/ast.js";
import type { Span } from "../span.js";
import type { ModuleClass } from "../model/program.js";
import type { SourceLayer } from "../model/framework.js";
import { bin, call, id, member, num, rt, str, type TExpr, type TStmt, type TPattern, type RecordEvent } from "../ts/ast.js";
import { SELF_PATH } from "../instantiate/recorder.js";
import type { StageApi, ParamSpec, SowSpec } from "./api.js";
import type { CallArgs, OutSpec } from "./layers/index.js";
import type { ClassSummary, InputOption, ParamInfo, ProgramContext } from "./context.js";
import { applyNeutral, callLayer, layerAttribute, layerConfig, type BuildSpec, type LayerHost } from "./layer-calls.js";
import { Members, memberRef } from "./members.js";
import { applyOp, opSpec, reshape, sizeExpr, sizesOf, type OpSpec } from "./ops/index.js";
import { dtypeValue } from "./ops/rules.js";
import { arrayBinary, arrayCompare, arrayUnary } from "./ops/operators.js";
import { arrayAttribute, arrayMethod } from "./array-methods.js";
import { staticMath } from "./static-math.js";
import { arrayLoop, arrayRows, arraySubscript, atMethod, atSubscript, type AtV, type SubscriptHost } from "./subscripts.js";
import { Frame, type Block } from "./scope.js";
import { declareLocals, flattenBlocks, removeDead, stripRecords, unwrapDeclBlocks } from "./locals.js";
import { looseTuple, typeFromAnnotation } from "./annotations.js";
import { memberName, printPattern } from "../ts/print.js";
import { configObject } from "./variants.js";
import { advanceList, listLength, moduleListItem, moduleListSlice, zipModuleLists, appendLoops, bindArguments, bindKnown, childFrame, comprehension, inlineBody, moduleListLoop, nameModuleList, dictMethod, itemTypeOf, knownItems, sequenceBuiltin, strMethod } from "./language.js";
import { initializerCall, initializerSpec } from "./initializers.js";
import { stackedBody, statefulUse } from "./layer-stack.js";
import {
  broadcast,
  dimAt,
  materialize,
  sameDim,
  sameShape,
  scalarShape,
  unknownShape,
  type Dim,
  type SymShape,
} from "./shapes.js";
import {
  describe,
  staticOf,
  type ArrayV,
  type DType,
  type Instance,
  type Known,
  type ModuleV,
  type ModulesV,
  type StaticType,
  type SeqV,
  type StaticV,
  type Value,
} from "./values.js";

/** Raised to abandon staging a method after a diagnostic. */
export class StageStop extends Error {
  /** Where the construct that stopped staging is (a dry stager reports nothing: its caller may). */
  constructor(what: string, readonly span?: Span) {
    super(what);
  }
}

/**
 * A dict input's entries are inputs of their own, named `param` DICT_KEY `key`;
 * the ranks a variant is built for mark the dict itself with DICT_RANK.
 */
export const DICT_KEY = "\u0001";
/** An array inside a tuple parameter (an LSTM's (c, h) carry) is an input of its own, named `param` TUPLE_ITEM `i` (TUPLE_ITEM `j` ...). */
export const TUPLE_ITEM = "\u0002";
export const DICT_RANK = -2;

const TRAIN_WHEN_TRUE = new Set(["train", "training", "is_training", "is_train"]);
const TRAIN_WHEN_FALSE = new Set(["deterministic", "use_running_average", "eval", "is_eval", "inference"]);
/** Marks a call-side array read by a function the constructor runs (a variable's init_fn). */
const CALL_ARRAY = "__callArray_";

export interface MethodResult {
  name: string;
  params: ParamInfo[];
  /** Each local's TypeScript type (for declarations TypeScript needs before the value). */
  types: Map<string, string>;
  body: TStmt[];
  returns: Value | undefined;
  span: Span;
  docs?: string;
}

/**
 * The input sizes a building method's array parameters give the constructor.
 * Sizes are placeholders while staging; once the constructor's live code is
 * known, each input gets an option for what it needs: `inFeatures` (the last
 * axis only) or `xShape` (the whole shape), and the placeholders are replaced.
 */
class Inputs {
  readonly options: InputOption[] = [];
  constructor(
    private readonly single: () => boolean,
    /** Names the class's options already have (its fields, rngs). */
    private readonly taken: () => string[] = () => [],
  ) {}

  /** A placeholder for axis `axis` (negative from the end, or from the front) of parameter `param` of `method`. */
  axis(method: string, param: string, axis: number): TExpr {
    return { k: "id", name: `${PLACEHOLDER}${method}|${param}|${axis}`, raw: true };
  }

  private readonly ranks = new Map<string, { rank: number; owner: string; why: string }>();

  /** An input's rank some shape rule relied on (one batch axis, or the entry's sample). */
  assume(method: string, param: string, rank: number, owner: string, why = "one batch axis"): void {
    if (!this.ranks.has(`${method}|${param}`)) this.ranks.set(`${method}|${param}`, { rank, owner, why });
  }

  /** Checks at construction for the ranks relied on, for inputs given by their whole shape. */
  checks(): TStmt[] {
    const out: TStmt[] = [];
    for (const o of this.options) {
      const r = this.ranks.get(`${o.method}|${o.param}`);
      if (!r || o.kind !== "shape") continue;
      const shape = id(o.name);
      const wrong = bin("!==", member(shape, "length"), num(r.rank));
      out.push({
        k: "if",
        test: o.optional ? bin("&&", bin("!==", shape, { k: "undefined" } as TExpr), wrong) : wrong,
        then: [{ k: "throw", message: { k: "template", parts: [`${r.owner} is built for a ${paramLabel(o.param).split("' entry '").join(" entry ")} of rank ${r.rank} (${r.why}); got shape [`, shape, "]"] } }],
        else: [],
      });
    }
    return out;
  }

  /** Decides the options from the placeholders `body` uses. */
  settle(body: TStmt[]): void {
    const used = new Map<string, Set<number>>();
    const visit = (x: unknown) => {
      if (!x || typeof x !== "object") return;
      if (Array.isArray(x)) return x.forEach(visit);
      const o = x as Record<string, unknown>;
      if (o.k === "id" && typeof o.name === "string" && o.name.startsWith(PLACEHOLDER)) {
        const [method, param, axis] = o.name.slice(PLACEHOLDER.length).split("|");
        const key = `${method}|${param}`;
        if (!used.has(key)) used.set(key, new Set());
        used.get(key)!.add(Number(axis));
        return;
      }
      for (const v of Object.values(o)) visit(v);
    };
    visit(body);
    // Each option's TypeScript name is its own: two methods' inputs `x` are `xFeatures` and `decodeXFeatures`.
    const taken = new Set([...this.taken(), ...this.options.map((o) => o.name)].map(memberName));
    for (const [key, axes] of used) {
      const [method, param] = key.split("|");
      const features = [...axes].every((a) => a === -1);
      const suffix = features ? "features" : "shape";
      // An entry of a dict input (`data` key `pixels/view_0`): `data_pixels_view_0_features`.
      const base = param.split(DICT_KEY).join("_").split(TUPLE_ITEM).join("_").replace(/[^A-Za-z0-9_]/g, "_");
      let name = features && this.single() && method === "__call__" && !param.includes(DICT_KEY) ? "in_features" : `${base}_${suffix}`;
      if (taken.has(memberName(name))) name = `${method === "__call__" ? "call" : method}_${base}_${suffix}`;
      for (let i = 2; taken.has(memberName(name)); i++) name = `${base}_${suffix}_${i}`;
      taken.add(memberName(name));
      this.options.push({ method, param, kind: features ? "features" : "shape", name });
    }
  }

  /** `body` with placeholders replaced by the options' expressions. */
  resolve<T>(body: T): T {
    const swap = (x: unknown): unknown => {
      if (!x || typeof x !== "object") return x;
      if (Array.isArray(x)) return x.map(swap);
      const o = x as Record<string, unknown>;
      if (o.k === "id" && typeof o.name === "string" && o.name.startsWith(PLACEHOLDER)) {
        const [method, param, axisText] = o.name.slice(PLACEHOLDER.length).split("|");
        const axis = Number(axisText);
        const option = this.options.find((q) => q.method === method && q.param === param);
        if (!option) return o;
        if (option.kind === "features") return id(option.name);
        return axis < 0 ? { k: "nonnull", value: call(member(id(option.name), "at"), num(axis)) } : { k: "index", object: id(option.name), index: num(axis) };
      }
      return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, swap(v)]));
    };
    return swap(body) as T;
  }
}

/** Marks a size read from an input before its option is decided. */
export const PLACEHOLDER = "\u0000input|";

export interface StagedClass {
  cls: ModuleClass;
  members: Members;
  ctor: TStmt[];
  /** The TypeScript types of the constructor's locals, where known (the sizes loops carry). */
  ctorTypes: Map<string, string>;
  methods: MethodResult[];
  inputs: InputOption[];
  /** Config fields the methods read (kept as members). */
  configRead: Set<string>;
  summary: ClassSummary;
}

export class ClassStager {
  readonly members: Members;
  readonly inputs: Inputs;
  /** Config fields read by methods at call time. */
  readonly configRead = new Set<string>();
  /** The constructor's locals' TypeScript types, where known. */
  readonly ctorTypes = new Map<string, string>();
  /** Variables declared, by "collection/name". */
  private variables = new Map<string, { member: string; read: ArrayV }>();
  /** The record event of each variable member the constructor makes (setVariable marks those the call sets). */
  private readonly variableEvents = new Map<string, Extract<RecordEvent, { e: "variable" }>>();
  /** Staging an arm the source's init call never takes (`if not self.is_initializing():`). */
  private deadInCall = 0;
  /** Ifs made by moduleChoice, whose two branches each go on with the rest of the block. */
  private readonly splitIfs = new WeakSet<Stmt>();
  /**
   * While staging such branches: the member each source construction (by site and
   * occurrence) was built into, shared by the branches (only one of them runs).
   */
  private choice?: { shared: Map<string, string>; counts: Map<string, number> };
  /** Key streams per source stream name. */
  private readonly keyMembers = new Map<string, string>();
  /** The train/eval switch the module's own code reads. */
  ownMode?: "deterministic" | "useRunningAverage";
  /** Something it builds or reads follows the model's train()/eval() mode. */
  followsMode = false;
  /** Values setup() stored on self, by attribute. */
  readonly setupAttrs = new Map<string, Value>();
  private readonly instances: Instance[] = [];
  /** Names an enclosing interpreter gives its own values (file-level and qualified names). */
  hosts?: Map<string, Value>;

  constructor(
    readonly ctx: ProgramContext,
    readonly cls: ModuleClass,
    /** Shape-only staging of a callee, for its parent: no members, nothing emitted. */
    readonly dry = false,
    /** In dry staging: what the parent gave for each config field. */
    readonly givenFields?: Map<string, Value>,
    /** The ranks of the entry's inputs, by "method|param" (for the entry's class); -1 marks a PRNG key. */
    readonly entryRanks?: Map<string, number>,
  ) {
    // Config fields the methods read are kept as members too: submodules take other names.
    // (A field holding a module of the file is that module's member: not reserved.)
    const configFields = cls.fields.filter((f) => !(f.annotation && ctx.classes.has(annotationText(f.annotation))) && !ctx.bindable.get(cls.source ?? cls.name)?.has(f.name));
    this.members = new Members(["rngs", "deterministic", "use_running_average", ...configFields.map((f) => f.name)]);
    const arrayParams = (m: FunctionDef) => {
      const modes = modeParams(m);
      return m.params.filter((p) => !p.star && paramKind(p, modes) === "array").length;
    };
    this.inputs = new Inputs(
      () => {
        const main = cls.methods.find((m) => m.name === "__call__");
        return !main || arrayParams(main) <= 1;
      },
      () => ["rngs", ...cls.fields.map((f) => f.name)],
    );
  }

  /** Inputs the entry or the first caller gives as PRNG keys. */
  get entryKeys(): Set<string> {
    return new Set([...(this.entryRanks ?? [])].filter(([, r]) => r === -1).map(([k]) => k));
  }

  get framework() {
    return this.ctx.program.framework;
  }

  /** Stages the whole class: setup, then each method, building submodules where first used. */
  stage(): StagedClass {
    const ctor: TStmt[] = [];
    const methods: MethodResult[] = [];
    const setupFrame = this.cls.setup ? this.runSetup(this.cls.setup) : undefined;
    if (setupFrame?.block.ctor) ctor.push(...setupFrame.block.ctor);
    // A class first applied through another method (`VAE.apply(..., method='generate')`) builds what that
    // method uses from its inputs; what only the other methods use is built, as Linen builds it, only if they
    // are given their inputs' sizes (`lazy`: its members are nullable, its options optional).
    const firstMethods = new Set([...(this.entryRanks?.keys() ?? [])].map((k) => k.split("|")[0]));
    // Only the entry's class: a child's ranks are those of its first call (`lstm.initialize_carry(shape)`
    // before `lstm(carry, x)`), and what its other methods use its parent builds at their calls.
    const entry = this.ctx.program.entry;
    const isEntry = entry?.expr.kind === "call" && entry.expr.fn.kind === "file" && entry.expr.fn.name === (this.cls.source ?? this.cls.name);
    // A child first called through another method (`scale.inverse(y)`) is staged from that method first, so
    // what it builds is sized by that call; only the entry's class builds the rest lazily.
    const calledFirst = firstMethods.size === 1 && !firstMethods.has("__call__") ? [...firstMethods][0] : undefined;
    const first = isEntry && calledFirst && firstMethods.has(entry.method) ? calledFirst : undefined;
    const byFirst = (m: FunctionDef) => (first ? m.name === first : calledFirst && !isEntry ? m.name === calledFirst : m.name === "__call__");
    const order = [...this.cls.methods].filter((m) => !isStaticMethod(m)).sort((a, b) => Number(byFirst(b)) - Number(byFirst(a)));
    const lazy: Array<{ method: string; at: number; stmts: TStmt[] }> = [];
    for (const fn of order) {
      // A method only run as a layer stack's body (staged first, from __call__) is that stack's class, not a method here.
      if (this.stackedMethods.has(fn.name)) continue;
      try {
        const frame = this.newFrame(fn.name, setupFrame);
        const isLazy = !!first && fn.name !== first;
        if (isLazy) frame.conditional = true;
        const params = this.bindParams(fn, frame, "method");
        this.body(fn.body, frame);
        if (isLazy && frame.block.ctor?.length) lazy.push({ method: fn.name, at: ctor.length, stmts: frame.block.ctor });
        else if (frame.block.ctor?.length) ctor.push(...frame.block.ctor);
        const returned = mergeReturns(frame.returns);
        methods.push({
          name: fn.name,
          params,
          types: frame.types,
          body: [...frame.top, ...(frame.block.call ?? [])],
          returns: returned && withoutNones(returned),
          span: fn.span,
          docs: fn.docstring,
        });
      } catch (e) {
        if (!(e instanceof StageStop)) throw e;
      }
    }
    // Methods keep the source's order in the output.
    methods.sort((a, b) => this.cls.methods.findIndex((m) => m.name === a.name) - this.cls.methods.findIndex((m) => m.name === b.name));
    // A member named at a call that could not size it (`cell.initial_state(n)`) is built at a later call that can; without one it never exists.
    for (const inst of this.instances as Array<Instance & InstanceExtra>) {
      if (inst.reserved && !inst.built && !this.dry) this.unsupported(inst.span, "a submodule only called by methods that do not give its input sizes (NNX builds it with them)");
    }
    // The inputs the live constructor reads become its options.
    this.inputs.settle(removeDead(flattenBlocks(stripRecords([...this.members.prologue, ...ctor, ...lazy.flatMap((l) => l.stmts)]))));
    for (const l of lazy.reverse()) {
      const given = this.inputs.options.filter((o) => o.method === l.method);
      for (const o of given) o.optional = true;
      const test = given.map((o) => bin("!==", id(o.name), { k: "undefined" } as TExpr)).reduce<TExpr | undefined>((a, b) => (a ? bin("&&", a, b) : b), undefined);
      ctor.splice(l.at, 0, ...(test ? [{ k: "if", test, then: l.stmts, else: [] } as TStmt] : l.stmts));
    }
    const summary: ClassSummary = {
      name: this.cls.name,
      fields: [],
      inputOptions: this.inputs.options,
      methods: new Map(methods.map((m) => [m.name, m.params])),
      ownMode: this.ownMode,
      followsMode: this.followsMode || !!this.ownMode,
      returns: new Map(methods.map((m) => [m.name, m.returns])),
    };
    return { cls: this.cls, members: this.members, ctor: this.inputs.resolve([...this.inputs.checks(), ...this.members.prologue, ...ctor]), ctorTypes: this.ctorTypes, methods, inputs: this.inputs.options, configRead: this.configRead, summary };
  }

  private newFrame(method: string, setup?: Frame): Frame {
    const frame = new Frame(method, this.dry);
    if (setup) for (const [k, v] of setup.env) if (k.startsWith("self.")) frame.env.set(k, v);
    return frame;
  }

  private runSetup(fn: FunctionDef): Frame {
    const frame = new Frame("setup", this.dry);
    try {
      this.bindSetupParams(fn, frame);
      this.body(fn.body, frame);
    } catch (e) {
      if (!(e instanceof StageStop)) throw e;
    }
    return frame;
  }

  /** Haiku's __init__ takes the config as parameters; they read as config fields (`name`: None, `**kwargs`: empty). */
  private bindSetupParams(fn: FunctionDef, frame: Frame): void {
    for (const p of fn.params) {
      const field = this.cls.fields.find((f) => f.name === p.name);
      if (field) frame.env.set(p.name, this.fieldValue(p.name));
      else if (p.star === "**") frame.env.set(p.name, this.dictValue([]));
      else if (p.star === "*") frame.env.set(p.name, this.sequenceValue("tuple", []));
      else if (p.name === "name") frame.env.set(p.name, literalValue(null));
    }
  }

  /** A method's parameters: arrays (with lazily sized inputs), fixed values, train/eval flags. */
  bindParams(fn: FunctionDef, frame: Frame, role: "method" | "dry", given?: { args: Value[]; kwargs: Array<[string, Value]> }): ParamInfo[] {
    const infos: ParamInfo[] = [];
    const modes = modeParams(fn);
    fn.params.forEach((p, i) => {
      // `_`: a parameter the method ignores (a stacked layer's per-step input); not part of the TypeScript method.
      if (p.name === "_") {
        frame.env.set(p.name, literalValue(null));
        infos.push({ name: p.name, kind: "ignored", optional: true, keywordOnly: false, tsType: "null" });
        return;
      }
      if (p.star) {
        this.unsupported(p.span, `the parameter '${p.star}${p.name}'`);
        frame.env.set(p.name, { kind: "unknown", why: "star parameter" });
        return;
      }
      // Python evaluates annotations where it defines the method: an undefined name there is a NameError.
      const undefined_ = undefinedName(p.annotation);
      if (undefined_) this.stop(undefined_.span, `the annotation of '${p.name}': '${undefined_.name}' is not defined (Python raises NameError where ${fn.name} is defined)`);
      const passed = given ? (given.args[i] ?? given.kwargs.find(([k]) => k === p.name)?.[1]) : undefined;
      const kind = isKeyParam(p) || this.entryKeys?.has(`${fn.name}|${p.name}`) || passed?.kind === "key" ? "key" : paramKind(p, modes);
      const optional = !!p.default;
      if (kind === "key") {
        // A PRNG key the caller passes (`z_rng`): random functions draw from it.
        frame.env.set(p.name, passed ?? { kind: "key", call: id(p.name) });
        infos.push({ name: p.name, kind, optional, keywordOnly: !!p.keywordOnly, tsType: "nnx.PRNGKey" });
        return;
      }
      if (kind === "mode") {
        const train = TRAIN_WHEN_TRUE.has(p.name) ? 1 : TRAIN_WHEN_FALSE.has(p.name) ? -1 : 1;
        frame.env.set(p.name, { kind: "mode", polarity: train });
        const modeDefault = p.default?.kind === "bool" ? p.default.value : undefined;
        infos.push({ name: p.name, kind, optional, keywordOnly: !!p.keywordOnly, tsType: "boolean", ...(modeDefault !== undefined ? { modeDefault } : {}) });
        return;
      }
      // A tuple of arrays or a shape its first user gives (src/stage/param-forms.ts).
      const formKey = `${fn.name}|${p.name}`;
      const annotated = new Map<string, number>();
      const fromAnnotation = !hasForm(this.entryRanks, formKey) && annotationForm(annotated, formKey, p.annotation, (n) => this.ctx.program.constants.get(n)?.value);
      const form = !passed && role === "method" ? formParam(fromAnnotation ? annotated : this.entryRanks, formKey, id(p.name)) : undefined;
      if (form) {
        // The arrays in a tuple are inputs of their own: a layer they feed is sized by them.
        frame.env.set(p.name, this.tupleInputs(form.value, fn.name, p.name));
        infos.push({ name: p.name, kind: "static", optional, keywordOnly: !!p.keywordOnly, tsType: form.tsType });
        return;
      }
      const dictKeys = !passed && kind === "array" ? this.dictInputKeys(fn.name, p.name) : undefined;
      let fixedDefault: TExpr | undefined;
      if (passed) {
        frame.env.set(p.name, passed);
      } else if (dictKeys) {
        // A dict of arrays (the entry's sample tells its keys): each entry an input of its own.
        const entries = dictKeys.map((k): [Known, Value] => [k, { ...(this.inputArray(fn.name, `${p.name}${DICT_KEY}${k}`, false) as ArrayV), call: { k: "index", object: id(p.name), index: str(k) } }]);
        frame.env.set(p.name, { kind: "dict", entries, call: id(p.name) });
        infos.push({ name: p.name, kind, optional, keywordOnly: !!p.keywordOnly, tsType: "Record<string, nnx.Array>" });
        return;
      } else if (kind === "array") {
        frame.env.set(p.name, this.inputArray(fn.name, p.name, optional));
      } else {
        const type = this.annotationType(p.annotation, p.default);
        const dflt = p.default ? this.dryValue(p.default) : undefined;
        frame.env.set(p.name, staticOf(type, undefined, id(p.name), dflt?.kind === "static" && !optional ? dflt.known : undefined));
        // `temperature: float = 1.0`: the method's default is Python's (not null).
        const known = dflt?.kind === "static" ? dflt.known : undefined;
        if (typeof known === "number" || typeof known === "string" || typeof known === "boolean") fixedDefault = literalValue(known).call;
      }
      infos.push({ name: p.name, kind, optional, keywordOnly: !!p.keywordOnly, tsType: kind === "array" ? (optional ? "nnx.Array | null" : "nnx.Array") : tsTypeOf(this.annotationType(p.annotation, p.default)), ...(fixedDefault ? { default: fixedDefault } : {}) });
    });
    return infos;
  }

  /** A tuple parameter's arrays as inputs whose sizes the constructor may take (`carry_1_features`). */
  private tupleInputs(v: Value, method: string, param: string): Value {
    if (v.kind === "array" && !v.shape.input && v.shape.dims.length === 0) {
      const inputs = this.inputs;
      return { ...v, shape: { ...v.shape, input: { axis: (a) => (this.dry ? undefined : inputs.axis(method, param, a)), method, param } } };
    }
    if (v.kind === "tuple") return { ...v, items: v.items.map((item, i) => this.tupleInputs(item, method, `${param}${TUPLE_ITEM}${i}`)) };
    return v;
  }

  /** The keys of a dict input, when the entry or the first caller gives one (its rank marker is DICT_RANK). */
  private dictInputKeys(method: string, param: string): string[] | undefined {
    if (this.entryRanks?.get(`${method}|${param}`) !== DICT_RANK) return undefined;
    const prefix = `${method}|${param}${DICT_KEY}`;
    return [...this.entryRanks.keys()].filter((k) => k.startsWith(prefix)).map((k) => k.slice(prefix.length));
  }

  /** An array parameter: its sizes become constructor options when the constructor needs them. */
  private inputArray(method: string, param: string, optional: boolean, read: TExpr = id(param)): Value {
    const inputs = this.inputs;
    // The entry's sample tells the rank of the root's inputs (checked at construction if relied on).
    const given = this.entryRanks?.get(`${method}|${param}`);
    const rank = given !== undefined && given >= 0 ? given : undefined;
    if (rank !== undefined) inputs.assume(method, param, rank, this.cls.name, "the entry's sample");
    const shape: SymShape = { ...(rank !== undefined ? { rank } : {}), dims: [], input: { axis: (a) => (this.dry ? undefined : inputs.axis(method, param, a)), method, param } };
    return { kind: "array", call: optional ? { k: "nonnull", value: read } : read, shape, dtype: "unknown" };
  }

  /** A fixed value's type from its annotation and default (a function default tells an initializer from an activation). */
  annotationType(annotation: Expr | undefined, dflt: Expr | undefined): StaticType {
    const text = annotation ? annotationText(annotation) : "";
    const configName = text.replace(/^(typing\.)?Optional\[(.*)\]$/, "$2").replace(/\s*\|\s*None$/, "");
    if (this.ctx.configs.has(configName)) return { t: "config", cls: configName };
    const fromAnnotation = text ? typeFromAnnotation(text) : undefined;
    if (dflt && dflt.kind !== "none" && (!fromAnnotation || fromAnnotation.t === "activation" || fromAnnotation.t === "initializer")) {
      const d = this.tryExpr(dflt, new Frame("", true));
      const f = d?.kind === "global" ? this.functionValue(d, dflt.span) : d?.kind === "static" && (d.type.t === "activation" || d.type.t === "initializer") ? d : undefined;
      if (f) return f.type;
    }
    if (fromAnnotation) return fromAnnotation;
    // A bare `tuple`/`Sequence` (or no annotation) with a literal default: the default's type (`features: tuple = (32, 16)`).
    if ((dflt?.kind === "tuple" || dflt?.kind === "list") && /^((typing\.)?(Tuple|List|Sequence|Iterable)|tuple|list|)$/.test(text.replace(/^collections\.abc\./, ""))) {
      const items = dflt.items.map((i) => this.annotationType(undefined, i));
      return items.length && items.every((i) => i.t !== "any") ? looseTuple({ t: "tuple", items }) : { t: "any" };
    }
    if (dflt?.kind === "int") return { t: "int" };
    if (dflt?.kind === "float") return { t: "float" };
    if (dflt?.kind === "bool") return { t: "bool" };
    if (dflt?.kind === "str") return { t: "str" };
    return { t: "any" };
  }

  /** A config field as read here: the constructor's option, `this.<field>` in methods. */
  fieldValue(name: string): Value {
    // Python evaluates a field's annotation and default where it defines the class (Haiku: where it defines `__init__`).
    const declared = this.cls.fields.find((f) => f.name === name);
    const undefined_ = undefinedName(declared?.annotation, declared?.default);
    if (undefined_) {
      // Reported here (fields are read outside any method too); reading the value stops where it is read.
      const why = `'${undefined_.name}' is not defined (Python raises NameError where ${this.cls.source ?? this.cls.name} is defined)`;
      this.unsupported(undefined_.span, why);
      return { kind: "unknown", why };
    }
    if (this.givenFields) return this.givenFields.get(name) ?? { kind: "unknown", why: `field ${name}` };
    // A module the class is given (a variant fixes it), or one nothing gives.
    const bound = this.cls.bound?.get(name);
    if (bound) return bound;
    const field0 = this.cls.fields.find((f) => f.name === name);
    if (this.ctx.bindable.get(this.cls.source ?? this.cls.name)?.has(name) && !field0?.default) {
      const self = this;
      // Called as a module, but no user gave it one: reading it is fine, calling it is reported.
      return { kind: "static", type: { t: "any" }, ctor: id(name), get call() { self.configRead.add(name); return memberRef(name); }, unknownModule: `${this.cls.source ?? this.cls.name}'s '${name}'` } as StaticV;
    }
    const field = this.cls.fields.find((f) => f.name === name)!;
    // An untyped field its user gave a dict: the dict's keys and types.
    const type = this.cls.types?.get(name) ?? this.annotationType(field.annotation, field.default);
    if (this.cls.types?.get(name)?.t === "none") return literalValue(null);
    const classV = field.default ? this.classValueOf(field.default) : undefined;
    if (classV) return classV;
    const moduleClass = field.annotation ? annotationText(field.annotation) : "";
    if (this.ctx.classes.has(moduleClass)) return this.configModule(name, moduleClass, field.span);
    if (type.t === "bool" && (TRAIN_WHEN_FALSE.has(name) || TRAIN_WHEN_TRUE.has(name))) {
      // A bool field that only switches modes: read as the module's own switch.
      return { kind: "mode", polarity: TRAIN_WHEN_TRUE.has(name) ? 1 : -1 };
    }
    // `transformer: Any` (no default) given a dict: the class is built for that dict, which is not None.
    const notNone = this.cls.types?.get(name)?.t === "config" && !field.default;
    // A field whose default is None but whose type is not: `T | null` in TypeScript; a field of no known type: `unknown`.
    const marks = {
      ...(field.default?.kind === "none" && type.t !== "none" && type.t !== "any" ? { nullable: true } : type.t === "any" && !notNone ? { untypedField: name } : {}),
      ...(notNone ? { notNone } : {}),
    };
    if (this.ctorSide) return { ...staticOf(type, id(name), id(name)), ...marks };
    const self = this;
    return {
      kind: "static",
      type,
      ctor: id(name),
      get call() {
        self.configRead.add(name);
        return memberRef(name);
      },
      ...marks,
    } as StaticV;
  }

  private readonly fieldModules = new Map<string, ModuleV>();

  /**
   * A field holding a module of the file (`encoder: Encoder`): the config
   * gives the module's own config, and this module builds it where it first
   * calls it (the source constructed it outside, so it keeps that name).
   */
  private configModule(field: string, cls: string, span: Span): ModuleV {
    let m = this.fieldModules.get(field);
    if (!m) {
      this.ctx.configModules.add(cls);
      const config = staticOf({ t: "config", cls: `${cls}Config` }, id(field), undefined);
      m = { kind: "module", inst: { id: this.ctx.site(), ctor: { kind: "class", name: cls }, args: [], kwargs: [], span, site: { loops: [], conditional: false }, fromField: { field, config }, memberHint: field } };
      this.fieldModules.set(field, m);
    }
    return m;
  }

  /** A field whose default is a class or layer (`conv: ModuleDef = nn.Conv`). */
  private classValueOf(_e: Expr): Value | undefined {
    return undefined;
  }

  // --- statements -------------------------------------------------------

  body(stmts: Stmt[], frame: Frame): void {
    const list = appendLoops(stmts);
    for (let i = 0; i < list.length; i++) {
      // A module chosen in a branch: the rest of the block runs in each branch, on the module that branch made.
      const split = this.moduleChoice(list[i], list.slice(i + 1), frame);
      if (split) return this.stmt(split, frame);
      this.stmt(list[i], frame);
      // What follows a `return` or `raise` in the same block never runs.
      if (list[i].kind === "return" || list[i].kind === "raise") return;
    }
  }

  /**
   * `layer = A if c else B` or `if c: m = A(...) else: m = B(...)` where A and B
   * are modules (or module classes): one local cannot hold either, so the
   * statement becomes an if whose branches each go on with the rest of the
   * block (`rest`). Branches that return are left as they are.
   */
  private moduleChoice(s: Stmt, rest: Stmt[], frame: Frame): Extract<Stmt, { kind: "if" }> | undefined {
    const chooses = (e: Expr): boolean => {
      if (e.kind === "call") return this.isModuleMaker(e.fn, frame);
      return this.isModuleMaker(e, frame);
    };
    if (s.kind === "assign" && s.targets.length === 1 && s.targets[0].kind === "name" && s.value.kind === "conditional") {
      const c = s.value;
      if (!chooses(c.then) || !chooses(c.else)) return undefined;
      const arm = (v: Expr): Stmt => ({ kind: "assign", targets: s.targets, value: v, span: s.span });
      return this.split({ kind: "if", test: c.test, body: [arm(c.then), ...rest], orelse: [arm(c.else), ...rest], span: s.span });
    }
    if (s.kind !== "if" || !rest.length || returns(s.body) || returns(s.orelse)) return undefined;
    // Names both branches bind to a module (through elif chains; a branch that raises binds anything).
    const chosen = (b: Stmt[]): Set<string> | "raises" => {
      const out = new Set<string>();
      for (const x of b) {
        if (x.kind === "raise") return "raises";
        if (x.kind === "assign" && x.targets.length === 1 && x.targets[0].kind === "name" && chooses(x.value)) out.add(x.targets[0].id);
        if (x.kind === "if") for (const n of both(x.body, x.orelse)) out.add(n);
      }
      return out;
    };
    const both = (a: Stmt[], b: Stmt[]): string[] => {
      const [ca, cb] = [chosen(a), chosen(b)];
      if (ca === "raises") return cb === "raises" ? [] : [...cb];
      return [...ca].filter((n) => cb === "raises" || cb.has(n));
    };
    if (!both(s.body, s.orelse).length) return undefined;
    // A branch that raises never reaches the rest.
    const then = (b: Stmt[]) => (b.some((x) => x.kind === "raise") ? b : [...b, ...rest]);
    return this.split({ ...s, body: then(s.body), orelse: then(s.orelse) });
  }

  private split(s: Extract<Stmt, { kind: "if" }>): Extract<Stmt, { kind: "if" }> {
    this.splitIfs.add(s);
    return s;
  }

  /** The member a construction in a split branch reuses (built at the same site in the other branch). */
  private choiceMember(span: Span, type: string): { key: string; name?: string } | undefined {
    if (!this.choice) return undefined;
    const site = `${span.file}:${span.line}:${span.column}|${type}`;
    const n = (this.choice.counts.get(site) ?? 0) + 1;
    this.choice.counts.set(site, n);
    const key = `${site}#${n}`;
    return { key, name: this.choice.shared.get(key) };
  }

  /** Whether `e` names a module class of the file or a framework layer (a lookup: nothing is staged). */
  private isModuleMaker(e: Expr, frame: Frame): boolean {
    let v: Value | undefined;
    if (e.kind === "name") v = frame.env.get(e.id);
    else if (e.kind === "global" || e.kind === "file") v = this.hosts?.get(e.name) ?? (e.kind === "global" ? { kind: "global", name: e.name } : this.ctx.classes.has(e.name) ? { kind: "class", name: e.name } : undefined);
    else if (e.kind === "attr") {
      // `nn.Dense`: an attribute of an imported module (a lookup), never of a local or of self.
      // (A local not yet bound here, `c.value` with `c` assigned earlier in the branch, would stop and report.)
      let root: Expr = e;
      while (root.kind === "attr") root = root.object;
      if (root.kind !== "global") return false;
      try {
        v = this.expr(e, frame);
      } catch (err) {
        if (!(err instanceof StageStop)) throw err;
      }
    }
    if (!v) return false;
    if (v.kind === "class") return this.ctx.classes.has(v.name);
    if (v.kind === "global") return !!this.framework.layers[v.name];
    if (v.kind === "partial") return v.fn.kind === "class" ? this.ctx.classes.has(v.fn.name) : v.fn.kind === "global" && !!this.framework.layers[v.fn.name];
    return false;
  }

  stmt(s: Stmt, frame: Frame): void {
    switch (s.kind) {
      case "pass":
        return;
      case "expr": {
        if (s.value.kind === "str") return; // a stray string is a comment
        // `hidden.append(x)` on a list the staging holds item by item (arrays): the list with one more item.
        const v0 = s.value;
        if (v0.kind === "call" && v0.fn.kind === "attr" && (v0.fn.attr === "append" || v0.fn.attr === "extend") && v0.fn.object.kind === "name" && v0.args.length === 1 && !v0.args[0].name && !v0.args[0].star) {
          const held = frame.env.get(v0.fn.object.id);
          // `xs = []` is a fixed empty list until something is appended.
          const list: Value | undefined = held?.kind === "static" && Array.isArray(held.known) && !held.known.length ? { kind: "list", items: [] } : held;
          // A list the loop being staged builds at run time: the item pushed to it.
          const pushed = (held as Partial<PushedList> | undefined)?.pushed;
          if (pushed && v0.fn.attr === "append" && frame.loops.length) {
            const x = this.expr(v0.args[0].value, frame);
            if (x.kind !== "array") return this.stop(v0.args[0].value.span, `appending ${describe(x)} to a list a loop builds (only arrays)`);
            if (pushed.item && !sameShape(pushed.item.shape, x.shape)) return this.stop(v0.args[0].value.span, "appending arrays of different sizes to a list a loop builds");
            pushed.item = x;
            frame.emitCall({ k: "expr", value: call(member(id(pushed.local), "push"), this.callExpr(x, v0.span, "appended")) });
            return;
          }
          // Not inside a loop the generated code runs (its body is staged once for every pass).
          if (list?.kind === "list" && !frame.loops.length) {
            const x = this.expr(v0.args[0].value, frame);
            const more = v0.fn.attr === "append" ? [x] : knownItems(x);
            if (!more) return this.stop(v0.args[0].value.span, `extending a list with ${describe(x)}`);
            frame.env.set(v0.fn.object.id, { ...list, items: [...list.items, ...more], call: undefined });
            return;
          }
        }
        const v = this.expr(s.value, frame);
        if (v.kind === "array" && isCall(v.call)) frame.emitCall({ k: "expr", value: v.call });
        else if (returnsNothing(v) && v.kind === "static" && v.call) frame.emitCall({ k: "expr", value: v.call });
        return;
      }
      case "assign": {
        // A list a comprehension builds at run time takes the name it is assigned to.
        const hint = this.listName;
        this.listName = s.targets.length === 1 && s.targets[0].kind === "name" && s.value.kind === "comprehension" ? s.targets[0].id : undefined;
        let v: Value;
        try {
          v = this.expr(s.value, frame);
        } finally {
          this.listName = hint;
        }
        for (const t of s.targets) this.bind(t, v, frame, s.span);
        return;
      }
      case "augassign": {
        const current = this.patternValue(s.target, frame);
        const v = this.binary(s.op, current, this.expr(s.value, frame), s.span, frame);
        this.bind(s.target, v, frame, s.span);
        return;
      }
      case "declare":
        return;
      case "return": {
        const v = s.value ? this.expr(s.value, frame) : staticOf({ t: "none" }, { k: "null" }, { k: "null" }, null);
        frame.returns.push(v);
        if (frame.onReturn) return frame.onReturn(v, s.span);
        // `return x, None` (a stacked layer's step with no per-step output) returns x.
        frame.emitCall({ k: "return", value: this.callExpr(withoutNones(v), s.span, "returned") });
        return;
      }
      case "if":
        return this.ifStmt(s, frame);
      case "for":
        return this.forStmt(s, frame);
      case "assert":
        return this.assertStmt(s, frame);
      case "raise": {
        const msg = s.value ? this.errorMessage(s.value, frame) : str("error");
        frame.emitCall({ k: "throw", message: msg });
        return;
      }
      case "def": {
        let v: Value = { kind: "func", def: s.fn, closure: frame.env };
        // Decorators apply innermost first.
        for (const d of [...s.fn.decorators].reverse()) v = this.apply(this.expr(d, frame), [v], [], d.span, frame);
        frame.env.set(s.fn.name, v);
        return;
      }
      case "del": {
        // `del key, dtype` (a tuple of names too): names no longer read; nothing to write.
        const names = (t: Expr): Expr[] => (t.kind === "tuple" || t.kind === "list" ? t.items.flatMap(names) : [t]);
        for (const t of s.targets.flatMap(names)) if (t.kind === "name") frame.env.delete(t.id);
        else this.unsupported(s.span, "'del' of an item or attribute");
        return;
      }
      case "while":
        this.unsupported(s.span, "a while loop in module code");
        return;
      case "break":
      case "continue":
        frame.emitCall({ k: s.kind });
        frame.emitCtor({ k: s.kind });
        return;
      default:
        this.unsupported(s.span, s.kind === "unsupported" ? s.what : `the statement '${s.kind}'`);
    }
  }

  private errorMessage(e: Expr, frame: Frame): TExpr {
    // `raise ValueError(f'...')`: the message.
    if (e.kind === "call" && e.args[0]) {
      const v = this.expr(e.args[0].value, frame);
      if (v.kind === "static" && v.type.t === "str" && v.call) return v.call;
    }
    return str(`${e.kind === "call" && e.fn.kind === "builtin" ? e.fn.name : e.kind === "call" ? (qualifiedName(e.fn) ?? "error") : "error"}`);
  }

  private assertStmt(s: Extract<Stmt, { kind: "assert" }>, frame: Frame): void {
    const test = this.expr(s.test, frame);
    this.refineFromAssert(s.test, frame);
    if (test.kind !== "static") {
      this.unsupported(s.span, "an assert on an array's values");
      return;
    }
    if (test.known === true && (!test.call || test.call.k === "bool")) return;
    const message = s.message ? this.messageOf(s.message, frame) : str(`assertion failed (${this.sourceText(s.test)})`);
    if (test.call) frame.emitCall({ k: "if", test: notExpr(test.call), then: [{ k: "throw", message }], else: [] });
  }

  private messageOf(e: Expr, frame: Frame): TExpr {
    const v = this.expr(e, frame);
    if (v.kind === "static" && v.call) return v.call;
    return str(this.sourceText(e));
  }

  /** `assert x.ndim == 3` fixes x's rank for the shapes that follow. */
  private refineFromAssert(test: Expr, frame: Frame): void {
    if (test.kind !== "compare" || test.ops.length !== 1 || test.ops[0] !== "==") return;
    const [l, r] = test.operands;
    if (l.kind === "attr" && l.attr === "ndim" && l.object.kind === "name" && r.kind === "int") {
      const v = frame.env.get(l.object.id);
      if (v?.kind === "array" && v.shape.rank === undefined) {
        const rank = r.value;
        const dims: Dim[] = Array.from({ length: rank }, (_, j) => v.shape.dims[v.shape.dims.length - (rank - j)]);
        frame.env.set(l.object.id, { ...v, shape: { rank, dims, input: v.shape.input } });
      }
    }
  }

  private sourceText(e: Expr): string {
    return `line ${e.span.line}`;
  }

  private ifStmt(s: Extract<Stmt, { kind: "if" }>, frame: Frame): void {
    const test = this.expr(s.test, frame);
    const dropouts = test.kind === "mode" ? this.dropoutsUnderFlag(s) : undefined;
    if (dropouts) {
      // `if is_training: x = hk.dropout(hk.next_rng_key(), rate, x)`: Haiku's `rate if is_training else 0`,
      // a dropout that follows train()/eval(); init (in train mode) draws its key as Haiku's does.
      for (const st of dropouts) this.stmt(st, frame);
      return;
    }
    if (test.kind === "mode") {
      // `if deterministic:` reads the module's own switch.
      const t = this.modeTest(test);
      // Haiku: what the arm init takes builds (`if is_training: aux = hk.nets.MLP(...)(h)`), init creates,
      // in order; the constructor builds it as the source's init runs (its mode is the entry's).
      const initTrain = this.framework.name === "haiku" ? this.initTrainMode() : undefined;
      if (initTrain !== undefined) return this.branch({ ...t, ctor: { k: "bool", value: initTrain === (test.polarity === 1) } }, s, frame, false);
      return this.branch(t, s, frame, true);
    }
    if (test.kind !== "static") {
      this.unsupported(s.test.span, `a branch on ${test.kind === "unknown" ? test.why : describe(test)}`);
      return;
    }
    if (test.known !== undefined) {
      // Decided when translating (a literal, a module constant).
      this.body(truthy(test.known) ? s.body : s.orelse, frame);
      return;
    }
    // A bool flag read off the config (`if self.decode:`, `if not config.decode:`), not a comparison or a choice of value.
    const flagRead = (e: Expr): boolean => (e.kind === "unary" && e.op === "not" ? flagRead(e.operand) : e.kind === "attr" && (e.object.kind === "self" || flagRead(e.object) || e.object.kind === "name"));
    this.branch(test, s, frame, !test.ctor, !!test.ctor && test.type.t === "bool" && flagRead(s.test));
  }

  /**
   * `if <train flag>:` whose body only applies hk.dropout with a fixed rate, and whose init call runs in
   * train mode (so Haiku draws the dropout keys at init, as the rewritten form does): the body with each
   * rate made `rate if <flag> else 0.0`.
   */
  private dropoutsUnderFlag(s: Extract<Stmt, { kind: "if" }>): Stmt[] | undefined {
    if (this.framework.name !== "haiku" || s.orelse.length || !s.body.length) return undefined;
    const entry = this.ctx.program.entry;
    const flags = { ...(entry?.kwargTexts ?? {}), ...(entry?.initKwargs ?? {}) };
    const train = Object.entries(flags).filter(([k]) => TRAIN_WHEN_TRUE.has(k) || k === "deterministic" || k === "is_eval" || k === "eval");
    if (!train.length || !train.every(([k, v]) => (TRAIN_WHEN_TRUE.has(k) ? v === "True" : v === "False"))) return undefined;
    const out: Stmt[] = [];
    for (const st of s.body) {
      if (st.kind !== "assign" || st.value.kind !== "call" || qualifiedName(st.value.fn) !== "haiku.dropout") return undefined;
      const call = st.value;
      const at = call.args.findIndex((a, i) => (a.name ? a.name === "rate" : i === 1));
      if (at < 0 || call.args[at].star || call.args[at].value.kind === "conditional") return undefined;
      const rate = call.args[at].value;
      const zero: Expr = { kind: "float", value: 0, span: rate.span };
      const args = call.args.map((a, i) => (i === at ? { ...a, value: { kind: "conditional", test: s.test, then: rate, else: zero, span: rate.span } as Expr } : a));
      out.push({ ...st, value: { ...call, args } });
    }
    return out;
  }

  /** The mode the source's init call runs in (its train/eval flags), when it gives them and they agree. */
  private initTrainMode(): boolean | undefined {
    const entry = this.ctx.program.entry;
    const flags = Object.entries({ ...(entry?.kwargTexts ?? {}), ...(entry?.initKwargs ?? {}) }).filter(([k]) => TRAIN_WHEN_TRUE.has(k) || TRAIN_WHEN_FALSE.has(k));
    const train = flags.map(([k, v]) => (v === "True" ? TRAIN_WHEN_TRUE.has(k) : v === "False" ? !TRAIN_WHEN_TRUE.has(k) : undefined));
    return train.length && train.every((x) => x === train[0]) ? train[0] : undefined;
  }

  /** Whether statements use Linen's autoregressive cache: `self.variable('cache', ...)`, `self.has_variable('cache', ...)`. */
  private usesCache(body: Stmt[]): boolean {
    for (const st of statementsOf(body))
      for (const e of statementExprs(st))
        for (const x of subexpressions(e)) {
          if (x.kind !== "call" || x.fn.kind !== "attr" || x.fn.object.kind !== "self" || !["variable", "has_variable", "is_mutable_collection"].includes(x.fn.attr)) continue;
          const first = x.args.find((a) => !a.name && !a.star)?.value ?? x.args.find((a) => a.name === "col")?.value;
          if (first?.kind === "str" && first.value === "cache") return true;
        }
    return false;
  }

  private branch(test: StaticV, s: Extract<Stmt, { kind: "if" }>, frame: Frame, callOnly: boolean, flag = false): void {
    const before = new Map(frame.env);
    const wasConditional = frame.conditional;
    const wasCallOnly = frame.callOnly;
    frame.conditional = true;
    if (callOnly) frame.callOnly = true;
    // Branches that each go on with the rest of the block: each makes its own variables, into shared members.
    const split = this.splitIfs.has(s);
    const outerChoice = this.choice;
    if (split) this.choice = { shared: outerChoice?.shared ?? new Map(), counts: new Map(outerChoice?.counts) };
    const varsBefore = new Map(this.variables);
    const countsBefore = new Map(this.choice?.counts);
    // The arm the source's init never takes (`if not self.is_initializing():`): what it sets, init does not.
    const dead = test.ctor?.k === "bool" ? (test.ctor.value ? "else" : "then") : undefined;
    if (dead === "then") this.deadInCall++;
    // The arm only init takes (`if hk.running_init():`) is the constructor's, unconditionally.
    if (dead === "else") frame.conditional = wasConditional;
    // Linen's autoregressive cache under a config flag: translated as a throw when it cannot be translated.
    const then = flag && this.usesCache(s.body) ? this.flagBranch(s.body, frame, s.span, callOnly) : frame.nested(() => this.body(s.body, frame));
    if (dead === "then") this.deadInCall--;
    const thenEnv = frame.env;
    frame.env = new Map(before);
    const thenVars = this.variables;
    if (split) {
      this.variables = new Map(varsBefore);
      this.choice!.counts = new Map(countsBefore);
    }
    frame.conditional = true;
    if (dead === "else") this.deadInCall++;
    const otherwise = flag && this.usesCache(s.orelse) ? this.flagBranch(s.orelse, frame, s.span, callOnly) : frame.nested(() => this.body(s.orelse, frame));
    if (dead === "else") this.deadInCall--;
    const elseEnv = frame.env;
    if (split) {
      for (const [k, v] of thenVars) if (!this.variables.has(k)) this.variables.set(k, v);
      if (outerChoice) for (const [k, n] of this.choice!.counts) outerChoice.counts.set(k, Math.max(n, outerChoice.counts.get(k) ?? 0));
      this.choice = outerChoice;
    }
    frame.conditional = wasConditional;
    frame.callOnly = wasCallOnly;
    frame.env = this.mergeEnvs(before, thenEnv, elseEnv, frame, s.span, callOnly, callOnly ? undefined : test.ctor);
    // A test fixed for the method (`if hk.running_init():` is false there) with nothing in the arm it takes: no statement.
    const taken = test.call?.k === "bool" ? (test.call.value ? then.call : otherwise.call) : undefined;
    if (test.call && then.call && !(test.call.k === "bool" && !taken?.length)) frame.emitCall({ k: "if", test: test.call, then: then.call, else: otherwise.call ?? [] });
    if (!callOnly && test.ctor && then.ctor && (then.ctor.length || otherwise.ctor?.length)) {
      frame.emitCtor({ k: "if", test: test.ctor, then: then.ctor, else: otherwise.ctor ?? [] });
    } else if (callOnly && (then.ctor?.length || otherwise.ctor?.length)) {
      this.unsupported(s.span, "building a submodule or variable under a condition on a call argument");
    }
  }

  /**
   * One side of a branch on a flag the config decides (`if self.decode:`)
   * that uses Linen's autoregressive cache. When nnxport cannot translate it,
   * and trying built nothing, the generated code throws where the config
   * takes it (said once, NNX214) and the rest of the class translates.
   */
  private flagBranch(body: Stmt[], frame: Frame, span: Span, callOnly: boolean): Block {
    const mark = this.ctx.diags.mark();
    const reported = this.ctx.reported;
    const members = this.members.snapshot();
    const returns = frame.returns.length;
    const env = new Map(frame.env);
    let stopped: StageStop | undefined;
    const block = frame.nested(() => {
      try {
        this.body(body, frame);
      } catch (e) {
        if (!(e instanceof StageStop)) throw e;
        stopped = e;
      }
    });
    if (!stopped && this.ctx.reported === reported) return block;
    // A submodule built on the way may be used after the branch: then the branch stays unsupported.
    if (members.added().some((m) => m.kind !== "variable")) {
      if (stopped) throw stopped;
      return block;
    }
    members.restore();
    const first = this.ctx.diags.items.slice(mark).find((d) => d.code === "NNX201");
    const why = first?.message.replace(/^unsupported construct: /, "") ?? stopped?.message ?? "a construct";
    const line = first?.span?.line ?? stopped?.span?.line ?? span.line;
    this.ctx.diags.rollback(mark);
    this.ctx.reported = reported;
    frame.returns.length = returns;
    frame.env = env;
    if (!this.dry) this.ctx.diags.warning("NNX214", `Linen's autoregressive cache ('cache' collection) under a config flag is not translated (${why}, line ${line}): the generated code throws when the config takes it`, span);
    const thrown: TStmt = { k: "throw", message: str(`nnxport: not translated: ${why} (line ${line} of the source)`) };
    return { ctor: block.ctor && !callOnly ? [thrown] : block.ctor ? [] : undefined, call: block.call ? [thrown] : undefined };
  }

  /** After a branch: values that differ become the local both branches assign. */
  private mergeEnvs(before: Map<string, Value>, a: Map<string, Value>, b: Map<string, Value>, frame: Frame, span: Span, callOnly: boolean, ctorTest?: TExpr): Map<string, Value> {
    const out = new Map(before);
    const names = new Set([...a.keys(), ...b.keys()]);
    for (const n of names) {
      const va = a.get(n);
      const vb = b.get(n);
      if (va === vb && va) {
        out.set(n, va);
        continue;
      }
      if (!va || !vb) {
        // Bound in one branch only: Python would raise reading it after the other.
        const v = va ?? vb!;
        out.set(n, v);
        continue;
      }
      const local = frame.tsLocal(n);
      out.set(n, this.mergeValues(local, va, vb, span, callOnly, ctorTest));
      // An array in one branch and None in the other: the local the branches assign is nullable.
      const none = (v: Value) => v.kind === "static" && v.known === null;
      if ((va.kind === "array" && none(vb)) || (vb.kind === "array" && none(va))) frame.types.set(local, "nnx.Array | null");
    }
    return out;
  }

  /** In a shape-only look at a child: the names of the parent's that what it was given reads. */
  parentNames?: Set<string>;

  /**
   * Whether `e` is a flag the parent gives (`self.max_pool`, `not a and b`) that the parent's
   * constructor can read (it names none of the child's own locals). A test computed from sizes
   * (`x.shape[-1] != features * 4`) stays the child's: its sizes after the branch are unknown.
   */
  private parentReads(e: TExpr | undefined): boolean {
    const names = this.parentNames;
    const flag = (x: TExpr): boolean =>
      x.k === "id" || x.k === "bool" || x.k === "nonnull" ? true
      : x.k === "member" ? flag(x.object)
      : x.k === "unary" ? x.op === "!" && flag(x.operand)
      : x.k === "binary" ? (x.op === "&&" || x.op === "||") && flag(x.left) && flag(x.right)
      : false;
    return !!e && !!names && flag(e) && [...mentionedIds([staticOf({ t: "any" }, e, undefined)])].every((n) => names.has(n));
  }

  private mergeValues(name: string, a: Value, b: Value, span: Span, callOnly: boolean, ctorTest?: TExpr): Value {
    if (a.kind === "array" && b.kind === "array") {
      // A branch the constructor takes too: a size that differs is the constructor's choice between the two.
      // Seen from a parent (a shape-only look at a child), the child's constructor locals in the test are not there.
      const shape = sameShape(a.shape, b.shape) ? a.shape : mergeShapes(a.shape, b.shape, this.givenFields && !this.parentReads(ctorTest) ? undefined : ctorTest);
      return { kind: "array", call: id(name), shape, dtype: a.dtype === b.dtype ? a.dtype : "unknown" };
    }
    if (a.kind === "static" && b.kind === "static") {
      return staticOf(a.type.t === b.type.t ? a.type : { t: "any" }, a.ctor && b.ctor && !callOnly ? id(name) : undefined, id(name), a.known === b.known ? a.known : undefined);
    }
    if (a.kind === "module" && b.kind === "module" && a.inst === b.inst) return a;
    if (a.kind === "dict" && b.kind === "dict" && !a.tuple && !b.tuple && a.call?.k === "id" && a.call.name === name && b.call?.k === "id" && b.call.name === name) {
      // A dict of arrays each branch assigns to the local (`obs = jax.tree.map(f, obs)` under a flag): the same keys, each array either branch's.
      const keys = a.entries.map(([k]) => k);
      if (keys.length === b.entries.length && b.entries.every(([k], i) => k === keys[i])) {
        const entries = a.entries.map(([k, va], i): [Known, Value] | undefined => {
          const vb = b.entries[i][1];
          if (va === vb) return [k, va];
          return va.kind === "array" && vb.kind === "array" ? [k, this.mergeValues(name, va, vb, span, callOnly, ctorTest)] : undefined;
        });
        if (entries.every((x) => x)) return this.withCall({ kind: "dict", entries: entries as Array<[Known, Value]> }, id(name));
      }
    }
    if (a.kind === "mode" && b.kind === "mode" && a.polarity === b.polarity) return a;
    if ((a.kind === "array" && b.kind === "static" && b.known === null) || (b.kind === "array" && a.kind === "static" && a.known === null)) {
      // An array or None: the method's local is nullable.
      const arr = (a.kind === "array" ? a : b) as ArrayV;
      return { kind: "array", call: id(name), shape: arr.shape, dtype: arr.dtype };
    }
    return { kind: "unknown", why: `'${name}' holds ${describe(a)} or ${describe(b)} after a branch` };
  }

  /** The name the comprehension being staged is assigned to (its run-time list's local). */
  private listName?: string;

  /**
   * `[f(t) for t in xs]` over a sequence the constructor knows (not item by item), whose
   * items are arrays: a loop in both programs, as a `for` statement is staged (submodules
   * the element builds become an nnx.List the constructor fills), the method pushing each
   * item to a list of its own. Undefined when the items are not arrays of one shape.
   */
  comprehensionLoop(e: Extract<Expr, { kind: "comprehension" }>, frame: Frame): Value | undefined {
    if (e.form !== "list" || e.clauses.length !== 1 || e.clauses[0].kind !== "for") return undefined;
    const clause = e.clauses[0];
    const iter = this.tryExpr(clause.iter, new Frame(frame.method, true, new Map(frame.env)));
    if (iter?.kind !== "static" || !iter.ctor || !iter.call) return undefined;
    const s: Extract<Stmt, { kind: "for" }> = { kind: "for", target: clause.target, iter: clause.iter, body: [], orelse: [], span: e.span };
    const n = loopCount(iter);
    if (!n.ctor || !n.call) return undefined;
    // A trial on a dry frame: are the items arrays?
    const trialPlan = this.iteration(this.tryExpr(clause.iter, new Frame(frame.method, true, new Map(frame.env)))!, s, new Frame(frame.method, true, new Map(frame.env)));
    if (!trialPlan?.ctorIter) return undefined;
    const trial = new Frame(frame.method, true, new Map(frame.env));
    trial.loops = [...frame.loops, { id: this.ctx.site(), counter: trialPlan.counter, ctorCounter: trialPlan.ctorCounter }];
    const probe = this.tryStaging(() => {
      trialPlan.bindTarget(trial);
      return this.expr(e.element, trial);
    });
    if (probe?.kind !== "array") return undefined;
    // The real pass.
    const it = this.expr(clause.iter, frame);
    const loop = this.iteration(it, s, frame);
    if (!loop) return undefined;
    const name = frame.tsLocal(this.listName ?? "items");
    this.listName = undefined;
    frame.types.set(name, "nnx.Array[]");
    frame.emitCall({ k: "let", name, type: "nnx.Array[]", value: { k: "array", items: [] } });
    const before = new Map(frame.env);
    const loopFrame = { id: this.ctx.site(), counter: loop.counter, ctorCounter: loop.ctorCounter, ctorStop: loop.ctorStop };
    frame.loops.push(loopFrame);
    const wasConditional = frame.conditional;
    frame.conditional = false;
    let item: Value | undefined;
    const targetLocals = patternNames(clause.target).map((x) => frame.tsLocal(x));
    const inner = frame.nested(() => {
      loop.bindTarget(frame);
      item = this.expr(e.element, frame);
      if (item.kind !== "array") this.stop(e.element.span, `a comprehension whose items are ${describe(item)} and arrays`);
      frame.emitCall({ k: "expr", value: call(member(id(name), "push"), item.call) });
    });
    frame.loops.pop();
    frame.conditional = wasConditional;
    // The comprehension's target is its own: the names it bound are the enclosing scope's again.
    for (const x of patternNames(clause.target)) {
      const was = before.get(x);
      if (was) frame.env.set(x, was);
      else frame.env.delete(x);
    }
    const one = item as ArrayV;
    if (one.shape.dims.some((d) => d && mentions(d, targetLocals))) this.stop(e.span, "a comprehension whose items' sizes depend on the item");
    if (inner.call?.length) frame.emitCall(loop.statement(inner.call, "call"));
    if (inner.ctor?.length && loop.ctorIter) frame.emitCtor(loop.statement(inner.ctor, "ctor"));
    else if (inner.ctor?.length) this.unsupported(e.span, "building submodules in a comprehension over values only a call has");
    return { kind: "arrays", call: id(name), item: { ...one, call: id(name) }, count: n };
  }

  private forStmt(s: Extract<Stmt, { kind: "for" }>, frame: Frame): void {
    const zipped = zipModuleLists(this, s, frame);
    if (zipped) return this.forStmt(zipped, frame);
    // The constructor builds what the body calls by running the loop; a `return` would leave that half done.
    const ret = [...statementsOf(s.body)].find((x) => x.kind === "return");
    if (ret) this.stop(ret.span, "a 'return' inside a loop");
    // A loop over a field of no known type (untyped, and no user gives it): its items' type is unknown too.
    const untyped = this.untypedIterable(s.iter, frame);
    if (untyped) this.stop(s.iter.span, `a loop over '${untyped}', a field of no known type that no user of the class gives`);
    const iter = this.expr(s.iter, frame);
    const unrolled = this.unrolledItems(iter, s);
    if (unrolled) {
      // Each item in turn, the body staged for it (a dict's entries differ in shape and pick their own layers).
      for (const item of unrolled) {
        bindKnown(this, s.target, item, frame.env, s.span, frame);
        this.body(s.body, frame);
      }
      return;
    }
    const loop = this.iteration(iter, s, frame);
    if (!loop) return;
    const loopFrame = { id: this.ctx.site(), counter: loop.counter, ctorCounter: loop.ctorCounter, ctorStop: loop.ctorStop };
    // Lists the body appends arrays to: a list of the generated method, pushed to in its loop
    // (not in a loop or branch the generated code runs: the empty list may have been made outside it).
    const pushed = new Map<string, PushedList>();
    const count = iter.kind === "static" ? loopCount(iter) : {};
    if (count.call && !frame.loops.length && !frame.conditional) {
      for (const name of appendedLists(s, frame.env)) {
        const local = frame.tsLocal(name);
        frame.types.set(local, "nnx.Array[]");
        frame.emitCall({ k: "let", name: local, type: "nnx.Array[]", value: { k: "array", items: [] } });
        const list: PushedList = { kind: "list", items: [], call: id(local), pushed: { local } };
        pushed.set(name, list);
        frame.env.set(name, list);
      }
    }
    // First a trial pass to find the sizes the body changes (loop-carried), then the real one.
    const entry = new Map(frame.env);
    const carried = this.loopCarried(s, frame, loop, loopFrame);
    const phis = new Map<string, Array<{ axis: number; local: string }>>();
    for (const [name, axes] of carried) {
      const v = frame.env.get(name);
      if (v?.kind !== "array") continue;
      const list: Array<{ axis: number; local: string }> = [];
      let shape = v.shape;
      for (const axis of axes) {
        const rank = v.shape.rank;
        const local = frame.tsLocal(`${name}_${axis === -1 ? "features" : rank !== undefined ? `size${rank + axis}` : `size${-axis}_from_end`}`);
        const init = dimAt(v.shape, axis);
        if (!init) continue;
        // An enclosing loop's size local carries on into this one.
        if (!(init.k === "id" && init.name === local)) frame.emitCtor({ k: "let", name: local, value: init, mutable: true });
        frame.noteCtorName(local);
        this.ctorTypes.set(local, "number");
        list.push({ axis, local });
        shape = withDimAt(shape, axis, id(local));
      }
      frame.env.set(name, { ...v, shape });
      phis.set(name, list);
    }
    frame.loops.push(loopFrame);
    const wasConditional = frame.conditional;
    frame.conditional = false;
    const inner = frame.nested(() => {
      loop.bindTarget(frame);
      this.body(s.body, frame);
      // The next iteration starts from the sizes this one ends with.
      for (const [name, list] of phis) {
        const v = frame.env.get(name);
        if (v?.kind !== "array") continue;
        for (const { axis, local } of list) {
          const d = dimAt(v.shape, axis);
          if (d && !(d.k === "id" && d.name === local)) frame.emitCtor({ k: "assign", target: id(local), value: d });
        }
      }
    });
    frame.loops.pop();
    frame.conditional = wasConditional;
    if (inner.call?.length) frame.emitCall(loop.statement(inner.call, "call"));
    const ctor = this.hoistBuiltOnce(inner.ctor ?? [], loop, frame, s.span);
    if (ctor.length && loop.ctorIter) frame.emitCtor(loop.statement(ctor, "ctor"));
    else if (ctor.length) this.unsupported(s.span, "building submodules in a loop over values only a call has");
    // After the loop, arrays changed in it are the method's locals, sized by the loop's last sizes.
    for (const [name, v] of frame.env) {
      const before = entry.get(name);
      if (v === before) continue;
      if (v.kind === "array") {
        const list = phis.get(name) ?? [];
        let shape = v.shape;
        for (const { axis, local } of list) shape = withDimAt(shape, axis, id(local));
        // Seen from a parent (a shape-only look at a child), the loop's locals are not there: a size the last
        // iteration sets from the loop's item alone is that item's (`sizes[-1]`), else unknown.
        if (this.givenFields) {
          const targets = patternNames(s.target).map((t) => frame.tsLocal(t));
          const locals = new Set([...list.map((x) => x.local), ...[...(loop.last?.items.keys() ?? [])], ...targets]);
          const lastDim = (axis: number, init: Dim): Dim => {
            const d = dimAt(v.shape, axis);
            const own = list.find((x) => x.axis === axis);
            // A size each iteration computes from the last (`x = Conv(f, strides=s)(x)`): the constructor's fold of the loop.
            if (d && init && own && mentions(d, [own.local]) && !mentions(d, list.filter((x) => x !== own).map((x) => x.local))) return foldDim(loop, own.local, d, init);
            if (!d || mentions(d, list.map((x) => x.local))) return undefined;
            // The last item's (a target the loop's last item cannot give by name: the fold keeps the last step's).
            if (!loop.last || mentions(d, targets.filter((t) => !loop.last!.items.has(t)))) return foldDim(loop, "_size", d, init, true);
            const at = substituteIds(d, loop.last.items);
            return init && !sameDim(init, at) ? { k: "cond", test: loop.last.nonEmpty, then: at, else: init } : at;
          };
          const beforeShape = before?.kind === "array" ? before.shape : undefined;
          const rank = v.shape.rank;
          const n = rank ?? v.shape.dims.length;
          const dims: Dim[] = [];
          for (let k = n; k >= 1; k--) {
            const init = beforeShape ? dimAt(beforeShape, -k) : undefined;
            const d = dimAt(v.shape, -k);
            // A size the loop sets from what does not change in it is still the loop's only if it runs.
            const ran = (x: TExpr): Dim => (init && loop.last && !sameDim(init, x) ? { k: "cond", test: loop.last.nonEmpty, then: x, else: init } : x);
            dims.push(d && !mentions(d, [...locals]) ? ran(d) : lastDim(-k, init));
          }
          shape = rank !== undefined ? { rank, dims } : { dims };
        }
        frame.env.set(name, { kind: "array", call: id(frame.tsLocal(name)), shape, dtype: v.dtype });
      }
    }
    for (const n of patternNames(s.target)) if (!entry.has(n)) frame.env.delete(n);
    for (const [name, list] of pushed) {
      const one = list.pushed.item;
      if (!one) return this.stop(s.span, `a loop that appends to '${name}' what is not an array`);
      const targets = patternNames(s.target).map((t) => frame.tsLocal(t));
      if (one.shape.dims.some((d) => d && mentions(d, targets))) return this.stop(s.span, `a list '${name}' whose items' sizes depend on the loop's item`);
      frame.env.set(name, { kind: "arrays", call: list.call!, item: { ...one, call: list.call! }, count });
    }
  }

  /** The untyped field `e` iterates (`self.sizes`, `enumerate(self.sizes)`, `zip(self.a, ...)`), if any. */
  private untypedIterable(e: Expr, frame: Frame): string | undefined {
    if (e.kind === "attr" && e.object.kind === "self") {
      const set = frame.env.get(`self.${e.attr}`);
      if (set) return (set as { untypedField?: string }).untypedField;
      // A field read directly: the marks fieldValue gives, without building what it builds.
      const field = this.cls.fields.find((f) => f.name === e.attr);
      if (!field || field.default || this.givenFields || this.cls.bound?.has(e.attr) || this.cls.types?.has(e.attr)) return undefined;
      if (this.ctx.bindable.get(this.cls.source ?? this.cls.name)?.has(e.attr)) return undefined;
      if (field.annotation && this.ctx.classes.has(annotationText(field.annotation))) return undefined;
      return this.annotationType(field.annotation, field.default).t === "any" ? e.attr : undefined;
    }
    if (e.kind === "call" && e.fn.kind === "builtin" && ["enumerate", "zip", "reversed", "list", "tuple", "sorted"].includes(e.fn.name)) {
      for (const a of e.args) {
        const found = this.untypedIterable(a.value, frame);
        if (found) return found;
      }
    }
    return undefined;
  }

  /** Names of arrays whose sizes change from one iteration to the next, with the axes that change. */
  private loopCarried(s: Extract<Stmt, { kind: "for" }>, frame: Frame, loop: LoopPlan, loopFrame: { id: number }): Map<string, number[]> {
    const out = new Map<string, number[]>();
    const trial = new Frame(frame.method, true, new Map(frame.env));
    trial.loops = [...frame.loops, loopFrame];
    const diagsBefore = this.ctx.diags.mark();
    const reported = this.ctx.reported;
    const built = this.builtDry.length;
    try {
      loop.bindTarget(trial);
      this.body(s.body, trial);
    } catch (e) {
      if (!(e instanceof StageStop)) throw e;
    } finally {
      // The real pass reports; the trial pass must not report twice.
      this.ctx.diags.rollback(diagsBefore);
      this.ctx.reported = reported;
      this.forgetDryBuilds(built);
    }
    for (const [name, v] of trial.env) {
      const before = frame.env.get(name);
      if (v.kind !== "array" || before?.kind !== "array") continue;
      const axes: number[] = [];
      const len = Math.max(v.shape.rank ?? v.shape.dims.length, before.shape.rank ?? before.shape.dims.length, 1);
      for (let k = 1; k <= len; k++) {
        const a = dimAt(before.shape, -k);
        const b = dimAt(v.shape, -k);
        if (b && !sameDim(a, b)) axes.push(-k);
      }
      if (axes.length) out.set(name, axes);
    }
    return out;
  }

  /** How a Python `for` over a value is staged: its iterable in each program, and the target's values. */
  /**
   * The items of a loop staged once per item: a dict's keys (`for k in obs:`),
   * items holding arrays (`obs.items()`), or fixed strings the body looks up
   * with (`for k in keys: obs[k]`). Not when the body breaks out or the loop has an else.
   */
  private unrolledItems(iter: Value, s: Extract<Stmt, { kind: "for" }>): Value[] | undefined {
    if (s.orelse.length || [...statementsOf(s.body)].some((x) => x.kind === "break" || x.kind === "continue")) return undefined;
    if (iter.kind === "dict" && !iter.tuple) return iter.entries.every(([k]) => typeof k === "string") ? knownItems(iter) : undefined;
    if (iter.kind !== "tuple" && iter.kind !== "list" && iter.kind !== "static") return undefined;
    const items = knownItems(iter);
    if (!items?.length) return undefined;
    const holdsArrays = (v: Value): boolean => v.kind === "array" || ((v.kind === "tuple" || v.kind === "list") && v.items.some(holdsArrays));
    if (items.some(holdsArrays)) return items;
    // Functions (`for branch in branches: branch(self, x)`) exist only while staging: each is called in turn.
    if (items.every((x) => x.kind === "func" && !x.method)) return items;
    // A fixed tuple of submodules (`for b in (b0, b1, b2): b(x)`): each called in turn, as Python does.
    if (items.every((x) => x.kind === "module")) return items;
    const names = new Set(patternNames(s.target));
    const strings = items.every((x) => x.kind === "static" && typeof x.known === "string");
    const looksUp = [...statementsOf(s.body)].some((x) => [...statementExprs(x)].some((e) => [...subexpressions(e)].some((y) => y.kind === "index" && y.index.kind === "name" && names.has(y.index.id))));
    return strings && looksUp ? items : undefined;
  }

  private iteration(iter: Value, s: Extract<Stmt, { kind: "for" }>, frame: Frame): LoopPlan | undefined {
    const span = s.span;
    const target = s.target;
    if (iter.kind === "modules") return moduleListLoop(this, iter, target, span, frame);
    // range(...)
    if (iter.kind === "static" && iter.type.t === "seq" && (iter as RangeV).range) {
      const r = (iter as RangeV).range!;
      const pyName = target.kind === "name" ? target.id : undefined;
      if (!pyName) {
        this.unsupported(target.span, "unpacking a range's items");
        return undefined;
      }
      const name = frame.tsLocal(pyName);
      const [start, stop] = r.ctor;
      return {
        last: start && stop && !r.ctor[2] && !r.call[2] ? { items: new Map([[name, bin("-", stop, num(1))]]), nonEmpty: bin(">", stop, start) } : undefined,
        ctorIter: !!r.ctor[0] && !!r.ctor[1] && (!!r.ctor[2] || !r.call[2]),
        counter: r.zeroBased ? id(name) : undefined,
        ctorCounter: r.zeroBased ? id(name) : undefined,
        ctorStop: r.zeroBased ? r.ctor[1] : undefined,
        bindTarget: (f) => {
          f.env.set(pyName, staticOf({ t: "int" }, id(name), id(name)));
          f.noteCtorName(name);
        },
        statement: (body, side) => {
          const [start, stop, step] = side === "ctor" ? r.ctor : r.call;
          return { k: "forRange", name, start: start!, stop: stop!, step: step && !(step.k === "num" && step.value === 1) ? step : undefined, body };
        },
      };
    }
    if (iter.kind === "static" && (iter.type.t === "seq" || iter.type.t === "tuple")) {
      const elem: StaticType = iter.type.t === "seq" ? iter.type.of : iter.type.t === "tuple" ? (iter.type.items[0] ?? { t: "any" }) : { t: "any" };
      const enumerate = (iter as EnumV).enumerate;
      const zipped = (iter as EnumV).zip;
      // `for i, size in sizes:` over numbers: Python cannot unpack an int (TypeError).
      if (target.kind === "tuple" && !enumerate && !zipped && ["int", "float", "bool"].includes(elem.t)) {
        this.unsupported(target.span, `unpacking each item of a sequence of ${elem.t === "int" ? "ints" : elem.t === "float" ? "floats" : "bools"} into ${patternNames(target).length} names (Python raises TypeError)`);
        return undefined;
      }
      const pattern = this.loopPattern(target, frame);
      const names = patternNames(target).map((n) => frame.tsLocal(n));
      const counter = enumerate && target.kind === "tuple" && target.items[0].kind === "name" ? id(frame.tsLocal(target.items[0].id)) : undefined;
      // The last item, for what a loop leaves behind seen from outside (`features[-1]`).
      const seq = iter.ctor && (iter.ctor.k === "call" && iter.ctor.fn.k === "member" && iter.ctor.fn.name === "entries" && !iter.ctor.args.length ? iter.ctor.fn.object : iter.ctor);
      const lastItem = seq && this.nonNull(call(member(seq, "at"), num(-1)));
      const last: LoopPlan["last"] = !seq || !lastItem ? undefined : target.kind === "name" && !enumerate ? { items: new Map([[frame.tsLocal(target.id), lastItem]]), nonEmpty: bin(">", member(seq, "length"), num(0)) } : enumerate && target.kind === "tuple" && target.items.length === 2 && target.items.every((x) => x.kind === "name") ? { items: new Map([[frame.tsLocal((target.items[0] as { id: string }).id), bin("-", member(seq, "length"), num(1))], [frame.tsLocal((target.items[1] as { id: string }).id), lastItem]]), nonEmpty: bin(">", member(seq, "length"), num(0)) } : undefined;
      return {
        last,
        ctorIter: !!iter.ctor,
        counter,
        ctorCounter: counter,
        // `for i, f in enumerate(seq)`: the counter runs to the sequence's length.
        ctorStop: counter && seq ? member(seq, "length") : undefined,
        bindTarget: (f) => {
          this.bindLoopTarget(target, elem, iter, f);
          for (const n of names) f.noteCtorName(n);
        },
        statement: (body, side) => ({ k: "forOf", target: pattern, iter: (side === "ctor" ? iter.ctor : iter.call)!, body }),
      };
      void zipped;
    }
    if (iter.kind === "tuple" || iter.kind === "list") {
      // A literal list of fixed values: iterate it as written.
      const items = iter.items;
      if (items.every((i) => i.kind === "static" && i.ctor && i.call)) {
        const seq = staticOf({ t: "seq", of: (items[0] as StaticV | undefined)?.type ?? { t: "any" } }, { k: "array", items: items.map((i) => (i as StaticV).ctor!) }, { k: "array", items: items.map((i) => (i as StaticV).call!) });
        return this.iteration(seq, s, frame);
      }
      if (items.every((i) => i.kind === "module")) {
        this.unsupported(span, "a loop over a list of submodules");
        return undefined;
      }
    }
    if (iter.kind === "array") return arrayLoop(this, iter, target, s.iter.span);
    this.unsupported(s.iter.span, `a loop over ${describe(iter)}`);
    return undefined;
  }

  private loopPattern(p: Pattern, frame: Frame): TPattern {
    if (p.kind === "name") return { k: "pid", name: frame.tsLocal(p.id) };
    if (p.kind === "tuple") return { k: "ptuple", items: p.items.map((i) => this.loopPattern(i, frame)) };
    return { k: "pid", name: "_" };
  }

  private bindLoopTarget(target: Pattern, elem: StaticType, iter: StaticV, f: Frame): void {
    const bindOne = (p: Pattern, type: StaticType) => {
      if (p.kind === "name") f.env.set(p.id, staticOf(type, id(f.tsLocal(p.id)), id(f.tsLocal(p.id))));
      else if (p.kind === "tuple") {
        const items = type.t === "tuple" ? type.items : p.items.map(() => ({ t: "any" }) as StaticType);
        p.items.forEach((q, i) => bindOne(q, items[i] ?? { t: "any" }));
      }
    };
    void iter;
    bindOne(target, elem);
  }

  // --- binding ------------------------------------------------------------

  bind(p: Pattern, v: Value, frame: Frame, span: Span): void {
    const nothing = returnsNothing(v);
    if (nothing) this.stop(span, `assigning what ${nothing} returns: nothing (None)`);
    switch (p.kind) {
      case "name":
        return this.bindName(p.id, v, frame, span);
      case "tuple":
        return this.bindTuple(p, v, frame, span);
      case "attr":
        return this.bindAttr(p, v, frame, span);
      case "index":
        return this.bindItem(p, v, frame, span);
      default:
        this.unsupported(span, "assigning to a starred target");
    }
  }

  /**
   * `a[idx] = v` on a NumPy array a local holds (JAX arrays have no item
   * assignment): the local becomes `jnp.at(a, idx).set(v)`, which casts v to
   * a's dtype as NumPy's store does.
   */
  private bindItem(p: Extract<Pattern, { kind: "index" }>, v: Value, frame: Frame, span: Span): void {
    const x = p.object.kind === "name" ? frame.env.get(p.object.id) : undefined;
    if (p.object.kind === "name" && x?.kind === "list") {
      // `widths[axis] = (1, 0)` on a list of known length, at an index known when translating: the list with that item replaced.
      const i = this.expr(p.index, frame);
      const n = x.items.length;
      if (i.kind !== "static" || typeof i.known !== "number" || !Number.isInteger(i.known) || i.known < -n || i.known >= n) return this.unsupported(span, "assigning to a list item at an index nnxport cannot see, or out of range");
      const k = i.known < 0 ? i.known + n : i.known;
      return this.bindName(p.object.id, { kind: "list", items: x.items.map((item, j) => (j === k ? v : item)) }, frame, span);
    }
    if (p.object.kind === "name" && x?.kind === "static" && Array.isArray(x.known) && v.kind === "static" && v.known !== undefined) {
      // The same on a list the translator knows item by item (`[(0, 0)] * n` with n known).
      const i = this.expr(p.index, frame);
      const n = x.known.length;
      if (i.kind !== "static" || typeof i.known !== "number" || !Number.isInteger(i.known) || i.known < -n || i.known >= n) return this.unsupported(span, "assigning to a list item at an index nnxport cannot see, or out of range");
      const k = i.known < 0 ? i.known + n : i.known;
      return this.bindName(p.object.id, literalValue(x.known.map((item, j) => (j === k ? v.known! : item))), frame, span);
    }
    if (p.object.kind === "name" && x?.kind === "static" && (x.type.t === "seq" || x.type.t === "tuple") && v.kind === "static") {
      // A list only generated code knows (its length from an input's rank): a copy with the item replaced.
      const i = this.expr(p.index, frame);
      if (i.kind !== "static" || typeof i.known !== "number" || !Number.isInteger(i.known)) return this.unsupported(span, "assigning to a list item at an index nnxport cannot see");
      const k = i.known;
      const replaced = (list?: TExpr, item?: TExpr): TExpr | undefined =>
        list && item && call(member(list, "map"), { k: "arrow", params: [{ name: "item" }, { name: "j" }], body: { k: "cond", test: bin("===", id("j"), k >= 0 ? num(k) : bin("+", member(list, "length"), num(k))), then: item, else: id("item") } });
      return this.bindName(p.object.id, staticOf({ t: "seq", of: { t: "any" } }, replaced(x.ctor, v.ctor), replaced(x.call, v.call)), frame, span);
    }
    if (p.object.kind !== "name" || x?.kind !== "array") return this.unsupported(span, "assigning to an item of anything but an array or list a local name holds");
    const at = atSubscript(this.subscripts(frame), x, p.index, span);
    this.bindName(p.object.id, atMethod(this, at, "set", [v], [], span), frame, span);
  }

  /**
   * Before the local `name` is assigned again: the arrays a list holds item by item
   * that read it (`feats.append(jnp.mean(h, ...))`, then `h = ...` on the next key)
   * are computed into locals of their own first, so they keep the value they had.
   */
  private freezeReaders(pyName: string, name: string, frame: Frame): void {
    if (frame.loops.length || frame.conditional || !frame.names.has(name)) return;
    for (const [holder, v] of frame.env) {
      if (holder === pyName || (v.kind !== "list" && v.kind !== "tuple") || v.call) continue;
      let changed = false;
      const items = v.items.map((item, i) => {
        if (item.kind !== "array" || !mentions(item.call, [name]) || (item.call.k === "id" && item.call.name !== name)) return item;
        const local = frame.tsLocal(`${holder}_${i}`);
        frame.emitCall({ k: "let", name: local, value: item.call });
        changed = true;
        return { ...item, call: id(local) };
      });
      if (changed) frame.env.set(holder, { ...v, items });
    }
  }

  private bindName(pyName: string, v: Value, frame: Frame, span: Span): void {
    const nothing = returnsNothing(v);
    if (nothing) this.stop(span, `assigning what ${nothing} returns: nothing (None)`);
    if (v.kind === "dict") {
      // A dict holding arrays: the method keeps it as a local; values read from it by key.
      const e = this.maybeCallExpr(v);
      if (!e) {
        frame.env.set(pyName, v);
        return;
      }
      const name = frame.tsLocal(pyName);
      frame.types.set(name, returnType(v));
      frame.emitCall({ k: "assign", target: id(name), value: e });
      frame.env.set(pyName, this.withCall({ ...v, call: undefined }, id(name)));
      return;
    }
    if (v.kind === "host" && v.expr && v.rebind) {
      // A host value that is one value: the method keeps it in a local.
      const name = frame.tsLocal(pyName);
      frame.emitCall({ k: "assign", target: id(name), value: v.expr });
      frame.env.set(pyName, v.rebind(id(name)));
      return;
    }
    if (v.kind !== "array" && v.kind !== "static" && v.kind !== "tuple" && v.kind !== "list" && v.kind !== "key") {
      // Modules, functions, classes, flags, host values: names for the same value.
      frame.env.set(pyName, v);
      void span;
      return;
    }
    let name = frame.tsLocal(pyName);
    const was = frame.types.get(name);
    const now = returnType(v);
    const listType = (t: string) => t.endsWith("[]") || t.startsWith("[");
    if (was && now !== was && listType(was) !== listType(now) && !frame.loops.length && !frame.conditional) {
      // Python rebinds the name to another kind of value (a list of arrays, then their concatenation): a local of its own.
      let k = 1;
      while (frame.names.has(`${pyName}_${k}`)) k++;
      name = `${pyName}_${k}`;
      frame.names.add(name);
      frame.rename.set(pyName, name);
    }
    // A local that held None or an array (after a branch) stays nullable when an array is assigned again.
    if (!(v.kind === "array" && frame.types.get(name) === "nnx.Array | null")) frame.types.set(name, now);
    switch (v.kind) {
      case "static": {
        if (v.ctor && !frame.callOnly) {
          frame.emitCtor({ k: "assign", target: id(name), value: v.ctor });
          frame.noteCtorName(name);
          if (v.type.t === "int" || v.type.t === "float") this.ctorTypes.set(name, "number");
        }
        if (v.call) frame.emitCall({ k: "assign", target: id(name), value: v.call });
        // Seen from a parent (a shape-only look at a child), the child's constructor locals are not there: the value itself.
        const ctor = v.ctor && !frame.callOnly ? (this.givenFields ? v.ctor : ctorName(name, v.ctor)) : undefined;
        const untypedField = (v as { untypedField?: string }).untypedField;
        frame.env.set(pyName, { ...staticOf(v.type, ctor, v.call ? id(name) : undefined, v.known), ...(untypedField ? { untypedField } : {}) });
        return;
      }
      case "array":
      case "key":
        this.freezeReaders(pyName, name, frame);
        // A key is drawn once and read from its local (`k1, k2 = jax.random.split(key)`).
        frame.emitCall({ k: "assign", target: id(name), value: v.call });
        frame.env.set(pyName, { ...v, call: id(name) });
        return;
      case "tuple":
      case "list": {
        // A tuple holding arrays: the method keeps it as a local; items read from it.
        const items = v.items.map((item, i) => this.itemOf(item, id(name), i));
        const callItems = v.items.map((item) => this.maybeCallExpr(item));
        // A call's result once (`parts = jnp.split(x, 2)`), else the items.
        if (v.call) frame.emitCall({ k: "assign", target: id(name), value: v.call });
        else if (callItems.every((c) => c)) frame.emitCall({ k: "assign", target: id(name), value: { k: "array", items: callItems as TExpr[] } });
        // Items the method cannot hold (a Python module, `x = jax, f(x)`): no local holds the tuple.
        const held = callItems.every((c) => c) || !!v.call;
        frame.env.set(pyName, { ...v, items: held ? items : v.items, call: held ? id(name) : undefined });
        return;
      }
    }
  }

  /** Item `i` of a tuple held in local `holder`. */
  private itemOf(item: Value, holder: TExpr, i: number): Value {
    const at: TExpr = { k: "index", object: holder, index: num(i) };
    if (item.kind === "array" || item.kind === "key") return { ...item, call: at };
    if (item.kind === "static") return { ...item, call: item.call ? at : undefined };
    return item;
  }

  private bindTuple(p: Extract<Pattern, { kind: "tuple" }>, v: Value, frame: Frame, span: Span): void {
    // An array unpacks along its first axis: its rows.
    if (v.kind === "array") v = arrayRows(this, v, p.items.length, span)!;
    const items = this.unpack(v, p.items.length, span, frame);
    if (!items) return;
    for (const item of items) {
      const nothing = returnsNothing(item);
      if (nothing) this.stop(span, `unpacking what ${nothing} returns: nothing (None)`);
    }
    // Nested names over one value the method computes once: one destructuring of it.
    if (p.items.some((q) => q.kind === "tuple") && this.destructure(p, v, frame)) return;
    // All at once, as Python assigns: `[a, b] = [b, a]`.
    const pyNames = p.items.map((q) => (q.kind === "name" ? q.id : undefined));
    if (pyNames.every((n) => n)) {
      const names = pyNames.map((n, k) => (["array", "key", "static", "tuple", "list"].includes(items[k].kind) ? frame.tsLocal(n!) : n));
      const callItems = items.map((i) => this.maybeCallExpr(i));
      // Items the method does not hold (modules, flags, a host's state) are bound by name only.
      const nameOnly = (k: number) => !callItems[k] && (items[k].kind === "module" || items[k].kind === "mode" || items[k].kind === "host");
      const arrays = items.filter((i) => i.kind === "array" || i.kind === "key" || i.kind === "tuple" || i.kind === "list" || (i.kind === "static" && i.call) || (i.kind === "host" && i.expr));
      const discarded = pyNames.map((n, k) => n === "_" && !!callItems[k] && items[k].kind !== "static");
      let held = (_k: number) => true;
      if (arrays.length && callItems.every((c, k) => c || nameOnly(k))) {
        const source = (v.kind === "tuple" || v.kind === "list") && v.call ? v.call : v.kind === "array" || (v.kind === "static" && v.call && !(v.kind === "static" && (v as StaticV).type.t === "tuple" && !(v as SeqLike).items)) ? this.maybeCallExpr(v) : undefined;
        if (source) {
          // `_` discards its item: a hole, so two `_`s of different types need no common one.
          const target: TPattern = { k: "ptuple", items: p.items.map((_, k) => (callItems[k] && !discarded[k] ? { k: "pid", name: names[k]! } : null)) };
          frame.emitCall(target.items.some((t) => t) ? { k: "assign", target, value: source } : { k: "expr", value: source });
          held = (k) => !discarded[k];
        } else if (callItems.filter((c) => c).length === 1) {
          // One item the method holds (`out, updates = apply(..., mutable=...)`): a plain assignment.
          const k = callItems.findIndex((c) => c);
          frame.emitCall({ k: "assign", target: id(names[k]!), value: callItems[k]! });
        } else {
          const held = callItems.map((c, k) => (c ? k : -1)).filter((k) => k >= 0);
          const target: TPattern = { k: "ptuple", items: held.map((k) => ({ k: "pid", name: names[k]! })) };
          frame.emitCall({ k: "assign", target, value: { k: "array", items: held.map((k) => callItems[k]!) } });
        }
      }
      const ctorItems = items.map((i) => (i.kind === "static" ? i.ctor : undefined));
      if (!frame.callOnly && ctorItems.some((c) => c)) {
        const target: TPattern = { k: "ptuple", items: p.items.map((_, k) => (ctorItems[k] ? { k: "pid", name: names[k]! } : null)) };
        frame.emitCtor({ k: "assign", target, value: { k: "array", items: ctorItems.map((c) => c ?? { k: "undefined" }) } });
      }
      items.forEach((item, k) => {
        const name = names[k]!;
        const pyName = pyNames[k]!;
        if (!held(k)) {
          frame.env.set(pyName, { kind: "unknown", why: "'_' after unpacking into it (the translation discards it)" });
          return;
        }
        if (callItems[k]) frame.types.set(name, returnType(item));
        if (item.kind === "static") {
          if (ctorItems[k]) frame.noteCtorName(name);
          // A size unpacked in the constructor is a number there (declared `let c!: number` when a branch sets it).
          if (ctorItems[k] && !frame.callOnly && (item.type.t === "int" || item.type.t === "float")) this.ctorTypes.set(name, "number");
          frame.env.set(pyName, staticOf(item.type, ctorItems[k] && !frame.callOnly ? ctorName(name, ctorItems[k]!) : undefined, item.call ? id(name) : undefined, item.known));
        } else frame.env.set(pyName, this.readFrom(item, id(name)));
      });
      return;
    }
    p.items.forEach((q, k) => this.bind(q, items[k], frame, span));
  }

  /** A value as read from the local it was bound to. */
  private readFrom(item: Value, local: TExpr): Value {
    if (item.kind === "array" || item.kind === "key") return { ...item, call: local };
    if (item.kind === "tuple" || item.kind === "list") return { ...item, items: item.items.map((x, j) => this.itemOf(x, local, j)), call: local };
    if (item.kind === "dict" && item.call) return { ...item, entries: item.entries.map(([k, x]) => [k, this.readFrom(x, member(local, String(k)))]), call: local };
    if (item.kind === "host" && item.expr && item.rebind) return item.rebind(local);
    return item;
  }

  /**
   * `(loss, (logits, aux)), grads = f(...)`: when every name's value is read by
   * indexing into one expression, one nested destructuring of it.
   */
  private destructure(p: Extract<Pattern, { kind: "tuple" }>, v: Value, frame: Frame): boolean {
    const root = (v.kind === "tuple" || v.kind === "list") && v.call ? v.call : undefined;
    if (!root) return false;
    const leaves: Array<{ name: string; path: number[]; value: Value }> = [];
    const pathOf = (e: TExpr): number[] | undefined => {
      if (e === root) return [];
      if (e.k === "index" && e.index.k === "num") {
        const inner = pathOf(e.object);
        return inner && [...inner, e.index.value];
      }
      return undefined;
    };
    const collect = (q: Pattern, item: Value): boolean => {
      if (q.kind === "name") {
        const e = this.maybeCallExpr(item);
        if (!e) return item.kind === "host" || item.kind === "module" || item.kind === "mode" ? (leaves.push({ name: q.id, path: [], value: item }), true) : false;
        const path = pathOf(e);
        if (!path) return false;
        leaves.push({ name: q.id, path, value: item });
        return true;
      }
      if (q.kind !== "tuple" || (item.kind !== "tuple" && item.kind !== "list") || item.items.length !== q.items.length) return false;
      return q.items.every((x, k) => collect(x, (item as { items: Value[] }).items[k]));
    };
    if (!p.items.every((q, k) => collect(q, (v as { items: Value[] }).items[k]))) return false;
    // The pattern, from the paths of the names the method holds.
    type Node = { name?: string; items: Map<number, Node> };
    const tree: Node = { items: new Map() };
    for (const l of leaves) {
      if (!l.path.length) continue;
      let n = tree;
      for (const i of l.path) {
        if (!n.items.has(i)) n.items.set(i, { items: new Map() });
        n = n.items.get(i)!;
      }
      n.name = l.name;
    }
    const pattern = (n: Node): TPattern => {
      if (n.name) return { k: "pid", name: n.name };
      const max = Math.max(-1, ...n.items.keys());
      return { k: "ptuple", items: Array.from({ length: max + 1 }, (_, i) => (n.items.has(i) ? pattern(n.items.get(i)!) : null)) };
    };
    if (tree.items.size) frame.emitCall({ k: "assign", target: pattern(tree), value: root });
    for (const l of leaves) {
      if (l.path.length) frame.types.set(l.name, returnType(l.value));
      frame.env.set(l.name, l.path.length ? this.readFrom(l.value, id(l.name)) : l.value);
    }
    return true;
  }

  /** A value taken apart into `n` items. */
  unpack(v: Value, n: number, span: Span, frame: Frame): Value[] | undefined {
    if ((v.kind === "tuple" || v.kind === "list") && v.items.length === n) return v.items;
    if (v.kind === "dict" && (v as { tuple?: boolean }).tuple && v.entries.length === n) return v.entries.map(([, x]) => x);
    if (v.kind === "static") {
      const items = (v as SeqLike).items;
      if (items && items.length === n) return items;
      if (Array.isArray(v.known) && v.known.length === n) return v.known.map((k, i) => this.knownValue(k, v, i));
      // `b, t, d = x.shape` fixes x's rank: Python raises for any other.
      const of = (v as SeqLike).shapeOf;
      if (of && of.shape.rank === undefined) return this.shapeOfRank(of, n, frame, span);
      if (v.type.t === "tuple" && v.type.items.length === n) {
        return v.type.items.map((t, i) => staticOf(t, v.ctor && { k: "index", object: v.ctor, index: num(i) }, v.call && { k: "index", object: v.call, index: num(i) }));
      }
      if (v.type.t === "seq") {
        return Array.from({ length: n }, (_, i) => staticOf(v.type.t === "seq" ? v.type.of : { t: "any" }, v.ctor && { k: "index", object: v.ctor, index: num(i) }, v.call && { k: "index", object: v.call, index: num(i) }));
      }
    }
    if (v.kind === "array") return (arrayRows(this, v, n, span) as { items: Value[] }).items;
    void frame;
    this.unsupported(span, `unpacking ${describe(v)} into ${n} names`);
    return undefined;
  }

  /** An array's shape once its rank is known to be `n`: its sizes, and the array refined where the frame holds it. */
  private shapeOfRank(x: ArrayV, n: number, frame: Frame, span: Span): Value[] {
    const shape: SymShape = { rank: n, dims: Array.from({ length: n }, (_, j) => x.shape.dims[x.shape.dims.length - (n - j)]), input: x.shape.input };
    this.assumeRank(x, n, `its shape is unpacked into ${n} names`);
    const refined: ArrayV = { ...x, shape };
    for (const [k, w] of frame.env) if (w === x || (w.kind === "array" && JSON.stringify(w.call) === JSON.stringify(x.call) && w.shape === x.shape)) frame.env.set(k, refined);
    return (arrayAttribute(this, refined, "shape", span) as SeqLike).items ?? [];
  }

  private knownValue(k: Known, parent: StaticV, i: number): Value {
    const type: StaticType = typeof k === "number" ? (Number.isInteger(k) ? { t: "int" } : { t: "float" }) : typeof k === "string" ? { t: "str" } : typeof k === "boolean" ? { t: "bool" } : { t: "any" };
    return staticOf(type, parent.ctor && { k: "index", object: parent.ctor, index: num(i) }, parent.call && { k: "index", object: parent.call, index: num(i) }, k);
  }

  private bindAttr(p: Extract<Pattern, { kind: "attr" }>, v: Value, frame: Frame, span: Span): void {
    if (p.object.kind === "self") {
      this.setSelfAttr(p.attr, v, frame, span);
      return;
    }
    // `handle.value = x` on a variable handle.
    if (p.attr === "value" && p.object.kind === "name") {
      const h = frame.env.get(p.object.id) as Value & { handle?: string };
      if (h && (h as { handle?: string }).handle) {
        this.setVariable((h as { handle: string }).handle, v, span, frame);
        return;
      }
    }
    this.unsupported(span, "assigning to an attribute");
  }

  /** `self.x = ...` in setup/__init__: a member, a copy of config, or a value. */
  private setSelfAttr(attr: string, v: Value, frame: Frame, span: Span): void {
    if (frame.method !== "setup") {
      this.unsupported(span, `setting 'self.${attr}' outside ${this.framework.name === "haiku" ? "__init__" : "setup()"}`);
      return;
    }
    if (v.kind === "modules") {
      nameModuleList(this, v, attr, this.framework.name === "linen");
      frame.env.set(`self.${attr}`, v);
      return;
    }
    if (v.kind === "module") {
      // A submodule: built where it is first called, named by the attribute (Linen).
      v.inst.memberHint = attr;
      if (!v.inst.name) v.inst.attrName = attr;
      if (this.framework.name === "linen" && v.inst.record?.e === "construct" && !v.inst.record.name) v.inst.record.name = str(attr);
      if (this.framework.name === "linen") v.inst.setupBound = true;
      frame.env.set(`self.${attr}`, v);
      return;
    }
    if (this.framework.name === "linen" && (v.kind === "list" || v.kind === "tuple")) {
      // Linen names the modules of a list assigned in setup `attr_0`, `attr_1`, ... in this module.
      v.items.forEach((item, i) => {
        if (item.kind !== "module") return;
        if (item.inst.record?.e === "construct" && !item.inst.record.name) item.inst.record.name = str(`${attr}_${i}`);
        item.inst.setupBound = true;
      });
    }
    frame.env.set(`self.${attr}`, v);
    this.setupAttrs.set(attr, v);
  }

  private patternValue(p: Pattern, frame: Frame): Value {
    if (p.kind === "name") return frame.env.get(p.id) ?? this.stop(p.span, `'${p.id}' is read before it is assigned`);
    if (p.kind === "attr") return this.expr({ kind: "attr", object: p.object, attr: p.attr, span: p.span }, frame);
    return this.stop(p.span, "this augmented assignment target");
  }

  // --- expressions ----------------------------------------------------------

  expr(e: Expr, frame: Frame): Value {
    switch (e.kind) {
      case "name": {
        const v = frame.env.get(e.id);
        if (!v) return this.stop(e.span, `'${e.id}' is not assigned before this point`);
        if (v.kind === "unknown") return this.stop(e.span, v.why);
        return v;
      }
      case "self":
        return this.stop(e.span, "'self' used as a value");
      case "int":
        return staticOf({ t: "int" }, num(e.value), num(e.value), e.value);
      case "float":
        return staticOf({ t: "float" }, num(e.value), num(e.value), e.value);
      case "bool":
        return staticOf({ t: "bool" }, { k: "bool", value: e.value }, { k: "bool", value: e.value }, e.value);
      case "str":
        return staticOf({ t: "str" }, str(e.value), str(e.value), e.value);
      case "none":
        return staticOf({ t: "none" }, { k: "null" }, { k: "null" }, null);
      case "tuple":
      case "list":
        return this.sequence(e.kind, e.items, frame);
      case "dict":
        return this.dictionary(e, frame);
      case "attr":
        return this.attribute(e, frame);
      case "call":
        return this.callExprValue(e, frame);
      case "binary":
        return this.binary(e.op, this.expr(e.left, frame), this.expr(e.right, frame), e.span, frame);
      case "unary":
        return this.unary(e, frame);
      case "compare":
        return this.compare(e, frame);
      case "boolop":
        return this.boolop(e, frame);
      case "conditional":
        return this.conditional(e, frame);
      case "global":
        return this.hosts?.get(e.name) ?? this.globalValue(e.name, e.span);
      case "builtin":
        if (e.undefined) return this.stop(e.span, `'${e.name}' is not defined (Python raises NameError here)`);
        return { kind: "global", name: `builtins.${e.name}` };
      case "file":
        return this.hosts?.get(e.name) ?? this.fileValue(e.name, e.span, frame);
      case "index":
        return this.index(e, frame);
      case "fstring":
        return this.fstring(e, frame);
      case "lambda":
        return { kind: "func", def: { kind: "lambda", params: e.params, body: e.body, span: e.span }, closure: frame.env };
      case "comprehension":
      case "dictcomp":
        return comprehension(this, e, frame);
      default:
        return this.stop(e.span, e.kind === "unsupported" ? e.what : `the expression '${e.kind}'`);
    }
  }

  private sequence(kind: "tuple" | "list", items: Expr[], frame: Frame): Value {
    const values: Value[] = [];
    for (const i of items) {
      if (i.kind !== "starred") {
        values.push(this.expr(i, frame));
        continue;
      }
      // `(*x.shape[:-1], -1)`: the items of a sequence, in place.
      const v = this.expr(i.value, frame);
      const known = knownItems(v);
      if (known) values.push(...known);
      else if (v.kind === "static" && (v.type.t === "seq" || v.type.t === "tuple")) values.push(Object.assign(staticOf(v.type, v.ctor && { k: "spread", value: v.ctor }, v.call && { k: "spread", value: v.call }), { spread: true }));
      else return this.stop(i.span, `'*' of ${describe(v)}`);
    }
    return this.sequenceValue(kind, values);
  }

  /** A tuple or list of values: a fixed value when every item is (a shape, a kernel size). */
  sequenceValue(kind: "tuple" | "list", values: Value[]): Value {
    const spreads = values.some((v) => (v as { spread?: boolean }).spread);
    if (spreads) {
      // Items spread from sequences of unknown length: a sequence whose items are not known one by one.
      if (!values.every((v) => v.kind === "static")) return this.stop(this.cls.span, "spreading a sequence of unknown length among arrays");
      const statics = values as StaticV[];
      const of: StaticType = statics.map((x) => ((x as { spread?: boolean }).spread ? itemTypeOf(x.type) : x.type)).reduce((a, b) => (JSON.stringify(a) === JSON.stringify(b) ? a : { t: "any" }));
      const side = (k: "ctor" | "call"): TExpr | undefined => (statics.every((x) => x[k]) ? { k: "array", items: statics.map((x) => x[k]!) } : undefined);
      return staticOf({ t: "seq", of }, side("ctor"), side("call"));
    }
    // A tuple of fixed values is itself fixed (a shape, a kernel size).
    if (values.every((v) => v.kind === "static")) {
      const statics = values as StaticV[];
      const allCtor = statics.every((s) => s.ctor);
      const allCall = statics.every((s) => s.call);
      const knownList = statics.every((s) => s.known !== undefined) ? statics.map((s) => s.known as Known) : undefined;
      const v = staticOf(
        { t: "tuple", items: statics.map((s) => s.type) },
        allCtor ? { k: "array", items: statics.map((s) => s.ctor!) } : undefined,
        allCall ? { k: "array", items: statics.map((s) => s.call!) } : undefined,
        knownList,
      ) as StaticV & SeqLike;
      v.items = statics;
      return v;
    }
    return { kind, items: values };
  }

  /** A dict with fixed keys: fixed as a whole when its values are, else a dict of values. */
  private dictionary(e: Extract<Expr, { kind: "dict" }>, frame: Frame): Value {
    const entries: Array<[Known, Value]> = [];
    for (const en of e.entries) {
      if (!en.key) {
        // `{**base, 'k': v}`: the entries of a dict the translator knows.
        const v = this.expr(en.value, frame);
        const items = v.kind === "dict" ? v.entries : v.kind === "static" && v.known && typeof v.known === "object" && !Array.isArray(v.known) ? Object.entries(v.known).map(([k, x]) => [k, literalValue(x)] as [Known, Value]) : undefined;
        if (!items) return this.stop(en.value.span, `'**' of ${describe(v)} in a dict literal`);
        for (const [k, x] of items) {
          const at = entries.findIndex(([key]) => key === k);
          if (at >= 0) entries.splice(at, 1);
          entries.push([k, x]);
        }
        continue;
      }
      const k = this.expr(en.key, frame);
      if (k.kind !== "static" || k.known === undefined || typeof k.known === "object") return this.stop(en.key.span, "a dict key that is not a fixed string or number");
      entries.push([k.known, this.expr(en.value, frame)]);
    }
    return this.dictValue(entries);
  }

  /** A dict of values by fixed keys: a fixed value when every value is. */
  dictValue(entries: Array<[Known, Value]>): Value {
    if (entries.every(([, v]) => v.kind === "static")) {
      const statics = entries as Array<[Known, StaticV]>;
      const known = statics.every(([, v]) => v.known !== undefined) ? Object.fromEntries(statics.map(([k, v]) => [String(k), v.known as Known])) : undefined;
      const side = (k: "ctor" | "call"): TExpr | undefined => (statics.every(([, v]) => v[k]) ? { k: "object", entries: statics.map(([key, v]) => ({ key: String(key), value: v[k]!, raw: true })) } : undefined);
      return staticOf({ t: "dict", of: statics[0]?.[1].type ?? { t: "any" } }, side("ctor"), side("call"), known);
    }
    return { kind: "dict", entries };
  }

  /** `'%d of %s' % (a, b)`: printf-style formatting of a fixed string (messages), as a template. */
  private percentFormat(format: string, r: Value, span: Span): Value {
    const values = r.kind === "tuple" ? r.items : [r];
    const ctorParts: Array<string | TExpr> = [];
    const callParts: Array<string | TExpr> = [];
    let ctorOk = true;
    let callOk = true;
    let used = 0;
    let last = 0;
    for (const m of format.matchAll(/%(?:\.(\d+))?([disfgr%])/g)) {
      const text = format.slice(last, m.index);
      ctorParts.push(text);
      callParts.push(text);
      last = m.index! + m[0].length;
      if (m[2] === "%") {
        ctorParts.push("%");
        callParts.push("%");
        continue;
      }
      const v = values[used++];
      if (!v) return this.stop(span, `'%' formatting with fewer values than '${format}' asks for`);
      const integral = m[2] === "d" || m[2] === "i";
      const spell = (x: TExpr): TExpr => (m[2] === "f" ? call(member(x, "toFixed"), num(m[1] !== undefined ? Number(m[1]) : 6)) : integral && v.kind === "static" && v.type.t !== "int" ? call("Math.trunc", x) : x);
      if (v.kind === "static" && !(v.ctor && v.call) && (typeof v.known === "number" || typeof v.known === "string")) {
        // A fixed value is written into the text.
        const text = typeof v.known === "string" ? v.known : m[2] === "f" ? v.known.toFixed(m[1] !== undefined ? Number(m[1]) : 6) : integral ? String(Math.trunc(v.known)) : String(v.known);
        ctorParts.push(text);
        callParts.push(text);
      } else if (v.kind === "static") {
        if (v.ctor) ctorParts.push(spell(v.ctor));
        else ctorOk = false;
        if (v.call) callParts.push(spell(v.call));
        else callOk = false;
      } else return this.stop(span, `'%' formatting of ${describe(v)}`);
    }
    if (used !== values.length) return this.stop(span, `'%' formatting with more values than '${format}' takes`);
    ctorParts.push(format.slice(last));
    callParts.push(format.slice(last));
    return staticOf({ t: "str" }, ctorOk ? { k: "template", parts: ctorParts } : undefined, callOk ? { k: "template", parts: callParts } : undefined);
  }

  private fstring(e: Extract<Expr, { kind: "fstring" }>, frame: Frame): Value {
    const ctorParts: Array<string | TExpr> = [];
    const callParts: Array<string | TExpr> = [];
    let ctorOk = true;
    let callOk = true;
    for (const p of e.parts) {
      if (typeof p === "string") {
        ctorParts.push(p);
        callParts.push(p);
        continue;
      }
      const v = this.expr(p.value, frame);
      if (v.kind === "static") {
        if (v.ctor) ctorParts.push(formatted(v.ctor, p.format));
        else ctorOk = false;
        if (v.call) callParts.push(formatted(v.call, p.format));
        else callOk = false;
      } else if (v.kind === "array") {
        callParts.push(v.call);
        ctorOk = false;
      } else {
        ctorOk = callOk = false;
      }
    }
    return staticOf({ t: "str" }, ctorOk ? { k: "template", parts: ctorParts } : undefined, callOk ? { k: "template", parts: callParts } : undefined);
  }

  private attribute(e: Extract<Expr, { kind: "attr" }>, frame: Frame): Value {
    if (e.object.kind === "self") return this.selfAttr(e.attr, e.span, frame);
    const q = qualifiedName(e);
    if (q) return this.hosts?.get(q) ?? this.globalValue(q, e.span);
    const obj = this.expr(e.object, frame);
    return this.attributeOf(obj, e.attr, e.span, frame);
  }

  attributeOf(obj: Value, attr: string, span: Span, frame: Frame): Value {
    switch (obj.kind) {
      case "array": {
        const a = arrayAttribute(this, obj, attr, span) ?? this.stop(span, `the array attribute '.${attr}'`);
        // In a function the constructor runs: an array's sizes (dtype) as the constructor has them.
        if (this.ctorSide && a.kind === "static" && a.ctor) {
          const items = (a as StaticV & SeqLike).items?.map((i) => (i.kind === "static" && i.ctor ? { ...i, call: i.ctor } : i));
          return { ...a, call: a.ctor, ...(items ? { items } : {}) } as Value;
        }
        if (this.ctorSide && a.kind === "static" && a.type.t === "dtype") return this.stop(span, "the dtype of an input in a function the constructor runs (it is built from the input's sizes, not its dtype)");
        return a;
      }
      case "static":
        return this.staticAttr(obj, attr, span);
      case "module":
        return layerAttribute(this.layerHost, obj.inst, attr, span) ?? { kind: "global", name: `module.${attr}`, self: obj };
      case "global":
        // A method of a value (`x.at[i].set`) keeps the value it is bound to.
        return obj.self ? { ...obj, name: `${obj.name}.${attr}` } : this.globalValue(`${obj.name}.${attr}`, span);
      case "dict": {
        // A named tuple's field (`state.hidden`); a dict's methods.
        const dictMethod = ["items", "keys", "values", "get"].includes(attr);
        const field = (obj as { tuple?: boolean }).tuple || !dictMethod ? obj.entries.find(([k]) => k === attr) : undefined;
        if (field) return field[1];
        if (dictMethod) return { kind: "global", name: `dict.${attr}`, self: obj };
        return this.stop(span, `reading '.${attr}' of ${describe(obj)}`);
      }
      case "host":
        return obj.attr?.(attr, span) ?? this.stop(span, `reading '.${attr}' of ${obj.name}`);
      default:
        if ((obj as { handle?: string }).handle && attr === "value") return (obj as unknown as { read: Value }).read;
        return this.stop(span, `reading '.${attr}' of ${describe(obj)}`);
    }
  }

  private staticAttr(v: StaticV, attr: string, span: Span): Value {
    if ((v as { flag?: boolean }).flag && attr === "value") return v;
    if ((v.type.t === "dict" || (v.known && typeof v.known === "object" && !Array.isArray(v.known))) && ["items", "keys", "values", "get"].includes(attr)) return { kind: "global", name: `dict.${attr}`, self: v };
    // A config object (dataclass field read): `config.emb_dim`.
    if (v.type.t === "config" || v.type.t === "any") {
      // A field nothing types (annotated Any, or a class that is no config dataclass) is `unknown` in TypeScript.
      const untyped = (v as { untypedField?: string }).untypedField;
      if (v.type.t === "any" && untyped && v.known === undefined) {
        const f = this.cls.fields.find((x) => x.name === untyped);
        const ann = f?.annotation ? annotationText(f.annotation) : "";
        const why = ann && /^[A-Z]\w*$/.test(ann) && !this.ctx.configs.has(ann) ? `annotated ${ann}, a class without @dataclass` : "annotated Any, or untyped";
        return this.stop(span, `reading '.${attr}' of the field '${untyped}', whose type nnxport cannot tell (${why}, and no user of the class gives it)`);
      }
      const cls = v.type.t === "config" && v.type.cls ? this.ctx.configs.get(v.type.cls) : undefined;
      const field = cls?.fields.find((f) => f.name === attr);
      // jnp.finfo(...).min is a float, jnp.iinfo(...).max an int (src/stage/static-math.ts).
      const limit: StaticType | undefined = v.type.t === "config" && (v.type.cls === "finfo" || v.type.cls === "iinfo") ? { t: v.type.cls === "finfo" && attr !== "bits" ? "float" : "int" } : undefined;
      const fields = v.type.t === "config" ? v.type.fields : undefined;
      if (fields && !(attr in fields)) return this.stop(span, `reading '.${attr}' of a config that has ${Object.keys(fields).map((k) => `'${k}'`).join(", ")}`);
      // The translation of a config class holds its fields only.
      if (cls && !field) return this.stop(span, `reading '.${attr}' of a ${cls.name}, which has no field '${attr}'`);
      const type = limit ?? (fields ? fields[attr] : field ? this.annotationType(field.annotation, field.default) : ({ t: "any" } as StaticType));
      const known = v.known && typeof v.known === "object" && !Array.isArray(v.known) ? (v.known as Record<string, Known>)[attr] : undefined;
      const out = staticOf(type, v.ctor && member(v.ctor, attr), v.call && member(v.call, attr), known);
      // A config field of no type nnxport can tell (`eps: float == 1e-6`, `x: Any`): `unknown` in the interface.
      return field && type.t === "any" && known === undefined ? ({ ...out, untypedField: `${cls!.name}.${attr}` } as StaticV) : out;
    }
    // `x.dtype.type`: NumPy's scalar type of a dtype, which called makes a scalar of that dtype as the dtype does.
    if (v.type.t === "dtype" && attr === "type") return v;
    if (v.type.t === "str" && ["startswith", "endswith", "split", "lower", "upper", "format", "join", "replace"].includes(attr)) {
      return { kind: "global", name: `str.${attr}`, self: v };
    }
    // A number's `.astype` (Python numbers have none): a jnp function of a Python number
    // (`jnp.sqrt(self.head_dim)`) is a 0-d array in JAX, its `.astype` the array's.
    if ((v.type.t === "float" || v.type.t === "int") && v.call && attr === "astype") {
      const asarray = opSpec("jax.numpy.asarray");
      const arr = asarray && this.applyOp("jax.numpy.asarray", asarray, [v], [], span);
      if (arr?.kind === "array") return arrayAttribute(this, arr, attr, span) ?? this.stop(span, `the array attribute '.${attr}'`);
    }
    return this.stop(span, `reading '.${attr}' of ${describe(v)}`);
  }

  /** `self.x`: a config field, a submodule, a method, a value setup stored. */
  private selfAttr(attr: string, span: Span, frame: Frame): Value {
    const set = frame.env.get(`self.${attr}`);
    if (set) return set;
    if (this.cls.fields.some((f) => f.name === attr)) return this.fieldValue(attr);
    const method = this.cls.methods.find((m) => m.name === attr);
    // A @staticmethod is a helper function of the class: staged in place.
    if (method && isStaticMethod(method)) return { kind: "func", def: method, closure: new Map() };
    if (method) return { kind: "func", def: method, closure: new Map(), method: attr };
    const prop = this.cls.properties.find((m) => m.name === attr);
    if (prop) return this.inlineCall({ kind: "func", def: prop, closure: new Map([...frame.env].filter(([k]) => k.startsWith("self."))), method: attr }, [], [], span, frame);
    const classAttr = this.cls.classAttrs.find((a) => a.name === attr);
    if (classAttr) return this.expr(classAttr.value, frame);
    if (this.framework.selfIdioms.has(attr)) return { kind: "global", name: `self.${attr}` };
    return this.stop(span, `'self.${attr}' is neither a field, a submodule nor a method of ${this.cls.name}`);
  }

  private fileValue(name: string, span: Span, frame: Frame): Value {
    this.ctx.usedTop.add(name);
    if (this.ctx.classes.has(name) || this.ctx.configs.has(name)) return { kind: "class", name };
    const fn = this.ctx.program.functions.get(name);
    if (fn) {
      // Its decorators apply innermost first (`@jax.vmap` is not the function itself); jax.jit computes the same.
      let v: Value = { kind: "func", def: fn, closure: new Map() };
      for (const d of [...fn.decorators].reverse()) if (!isJit(d)) v = this.apply(this.expr(d, frame), [v], [], d.span, frame);
      return v;
    }
    const c = this.ctx.program.constants.get(name);
    if (c) {
      const v = this.expr(c.value, new Frame(frame.method, true));
      if (v.kind === "static" && v.known !== undefined && !(v as { flag?: boolean }).flag) return literalValue(v.known);
      if (v.kind === "static") return v;
      return v;
    }
    const plainClass = this.ctx.program.module.body.some((t) => t.kind === "class" && t.cls.name === name);
    return this.stop(span, plainClass ? `the class '${name}', which is neither a module nor a config dataclass (no @dataclass)` : `'${name}' is not defined at the top level of the file`);
  }

  /** A global with a fixed value (`jnp.float32`, `jnp.inf`), or a function/class the tables know. */
  globalValue(name: string, span: Span): Value {
    const constant = GLOBAL_CONSTANTS[name];
    if (constant) return constant;
    void span;
    return { kind: "global", name };
  }

  private index(e: Extract<Expr, { kind: "index" }>, frame: Frame): Value {
    const obj = this.expr(e.object, frame);
    if (obj.kind === "static") return this.staticIndex(obj, e, frame);
    if (obj.kind === "modules") return e.index.kind === "slice" ? moduleListSlice(this, obj, e.index, e.span, frame) : moduleListItem(this, obj, e.index, e.span, frame);
    if ((obj.kind === "tuple" || obj.kind === "list") && e.index.kind === "int") {
      const i = e.index.value < 0 ? obj.items.length + e.index.value : e.index.value;
      const item = obj.items[i];
      if (item) return item;
    }
    if ((obj.kind === "tuple" || obj.kind === "list") && obj.items.some((x) => x.kind === "module")) {
      // An item of a fixed list of submodules at an index fixed here (`heads[i]` with `i=i` bound by a lambda's default).
      const k = this.expr(e.index, frame);
      if (k.kind === "static" && typeof k.known === "number" && Number.isInteger(k.known)) {
        const item = obj.items[k.known < 0 ? obj.items.length + k.known : k.known];
        if (item) return item;
        return this.stop(e.span, `index ${k.known} of a list of ${obj.items.length} submodules (Python raises IndexError)`);
      }
    }
    if ((obj.kind === "tuple" || obj.kind === "list") && e.index.kind === "slice") {
      // A slice of a sequence of values with fixed bounds (`parts[::-1]`, `layers[1:]`): the items it picks.
      const [start, stop, step] = [e.index.start, e.index.stop, e.index.step].map((p) => (p ? this.expr(p, frame) : undefined));
      const bound = (v: Value | undefined) => (v === undefined ? null : v.kind === "static" && (typeof v.known === "number" || v.known === null) ? v.known : undefined);
      const picked = pySlice(obj.items, bound(start), bound(stop), bound(step));
      if (picked) return this.sequenceValue(obj.kind, picked);
    }
    if (obj.kind === "array") return arraySubscript(this.subscripts(frame), obj, e.index, e.span);
    if (obj.kind === "global" && obj.name === "array.at" && obj.self?.kind === "array") return atSubscript(this.subscripts(frame), obj.self, e.index, e.span);
    if (obj.kind === "dict" && (obj as { tuple?: boolean }).tuple && e.index.kind === "int") {
      const item = obj.entries.at(e.index.value);
      if (item) return item[1];
    }
    if (obj.kind === "dict") {
      const k = this.expr(e.index, frame);
      const hit = k.kind === "static" && k.known !== undefined ? obj.entries.find(([key]) => key === k.known) : undefined;
      if (hit) return hit[1];
      return this.stop(e.span, `the key ${k.kind === "static" && k.known !== undefined ? JSON.stringify(k.known) : "given"} of a dict with keys ${obj.entries.map(([key]) => JSON.stringify(key)).join(", ")}`);
    }
    if (obj.kind === "host" && obj.index) return obj.index(this.expr(e.index, frame), e.span);
    return this.stop(e.span, `indexing ${describe(obj)}`);
  }

  private staticIndex(obj: StaticV, e: Extract<Expr, { kind: "index" }>, frame: Frame): Value {
    const items = (obj as SeqLike).items;
    const idx = e.index;
    // `config["size"]` on a config whose keys are known: its member.
    if (obj.type.t === "config" && obj.type.fields && idx.kind === "str") return this.staticAttr(obj, idx.value, e.span);
    if (idx.kind === "slice") {
      const parts = [idx.start, idx.stop, idx.step].map((p) => (p ? this.expr(p, frame) : undefined));
      if (parts[2]) return this.stop(e.span, "a slice with a step of a fixed sequence");
      const args = (side: "ctor" | "call") => parts.slice(0, 2).map((p, j) => (p?.kind === "static" ? p[side] : p ? undefined : j === 0 ? num(0) : { k: "undefined" } as TExpr));
      const ctorArgs = args("ctor");
      const callArgs = args("call");
      const ks = parts.map((p) => (p?.kind === "static" ? p.known : undefined));
      const known = Array.isArray(obj.known) && ks.every((k, j) => k === undefined ? !parts[j] : typeof k === "number") ? obj.known.slice(ks[0] as number | undefined, ks[1] as number | undefined) : undefined;
      const out = staticOf(
        obj.type.t === "tuple" ? { t: "seq", of: obj.type.items[0] ?? { t: "int" } } : obj.type,
        obj.ctor && ctorArgs.every((a) => a) ? call(member(obj.ctor, "slice"), ...(trimUndefined(ctorArgs as TExpr[]))) : undefined,
        obj.call && callArgs.every((a) => a) ? call(member(obj.call, "slice"), ...(trimUndefined(callArgs as TExpr[]))) : undefined,
        known,
      ) as StaticV & SeqLike;
      const start = ks[0];
      const stop = ks[1];
      if (items && (start === undefined || typeof start === "number") && (stop === undefined || typeof stop === "number")) out.items = items.slice(start as number | undefined, stop as number | undefined);
      if ((obj as SeqLike).shapeOf && out.items === undefined && items) out.items = items;
      return out;
    }
    const i = this.expr(idx, frame);
    if (i.kind !== "static") return this.stop(e.span, "indexing a fixed value with an array");
    if (typeof i.known === "number" && items) {
      const item = items[i.known < 0 ? items.length + i.known : i.known];
      if (item) return item;
    }
    // A shape's axis: its symbolic size.
    const shapeOf = (obj as SeqLike).shapeOf;
    if (shapeOf && typeof i.known === "number") {
      const d = dimAt(shapeOf.shape, i.known);
      // tfjs types a Tensor<Rank>'s shape as a union of tuples: an axis may be `undefined` to TypeScript.
      const callAt = this.nonNull(i.known < 0 ? call(member(obj.call!, "at"), num(i.known)) : ({ k: "index", object: obj.call!, index: num(i.known) } as TExpr));
      return staticOf({ t: "int" }, d, callAt, d?.k === "num" ? d.value : undefined);
    }
    const type: StaticType = obj.type.t === "tuple" ? (typeof i.known === "number" ? (obj.type.items[i.known] ?? { t: "any" }) : { t: "any" }) : obj.type.t === "seq" ? obj.type.of : obj.type.t === "dict" ? obj.type.of : { t: "any" };
    const at = (o: TExpr | undefined, ix: TExpr | undefined) =>
      o && ix ? (typeof i.known === "number" && i.known < 0 ? call(member(o, "at"), ix) : ({ k: "index", object: o, index: ix } as TExpr)) : undefined;
    let known: Known | undefined;
    if (Array.isArray(obj.known) && typeof i.known === "number") known = obj.known[i.known < 0 ? obj.known.length + i.known : i.known];
    else if (obj.known && typeof obj.known === "object" && !Array.isArray(obj.known) && typeof i.known === "string") known = (obj.known as Record<string, Known>)[i.known];
    const ctorAt = at(obj.ctor, i.ctor);
    const callAt = at(obj.call, i.call);
    return staticOf(type, ctorAt && isAtCall(ctorAt) ? this.nonNull(ctorAt) : ctorAt, callAt && isAtCall(callAt) ? this.nonNull(callAt) : callAt, known);
  }

  private nonNull(e: TExpr): TExpr {
    return { k: "nonnull", value: e };
  }

  private unary(e: Extract<Expr, { kind: "unary" }>, frame: Frame): Value {
    const v = this.expr(e.operand, frame);
    if (e.op === "not") {
      if (v.kind === "mode") return { kind: "mode", polarity: v.polarity === 1 ? -1 : 1 };
      if (v.kind === "static") return staticOf({ t: "bool" }, v.ctor && notExpr(truthExpr(v.ctor, v.type)), v.call && notExpr(truthExpr(v.call, v.type)), v.known !== undefined ? !truthy(v.known) : undefined);
      return this.stop(e.span, `'not' of ${describe(v)}`);
    }
    if (v.kind === "array") return arrayUnary(this, e.op, v, e.span);
    if (v.kind === "static") {
      if (e.op === "+") return v;
      const op = e.op === "-" ? "-" : "~";
      const known = typeof v.known === "number" ? (op === "-" ? -v.known : ~v.known) : undefined;
      return staticOf(v.type, v.ctor && { k: "unary", op, operand: v.ctor }, v.call && { k: "unary", op, operand: v.call }, known);
    }
    return this.stop(e.span, `'${e.op}' of ${describe(v)}`);
  }

  binary(op: string, l: Value, r: Value, span: Span, frame: Frame): Value {
    if (l.kind === "array" || r.kind === "array") return arrayBinary(this, op, l, r, span);
    if (op === "%" && l.kind === "static" && typeof l.known === "string") return this.percentFormat(l.known, r, span);
    if (l.kind === "static" && r.kind === "static") return this.staticBinary(op, l, r, span);
    if ((l.kind === "tuple" || l.kind === "list") && (r.kind === "tuple" || r.kind === "list") && op === "+") {
      return { kind: l.kind, items: [...l.items, ...r.items] };
    }
    void frame;
    return this.stop(span, `'${op}' between ${describe(l)} and ${describe(r)}`);
  }

  private staticBinary(op: string, l: StaticV, r: StaticV, span: Span): Value {
    const known = foldKnown(op, l.known, r.known);
    const type = binaryType(op, l.type, r.type);
    // Sequences: `+` concatenates, `*` repeats.
    if ((l.type.t === "tuple" || l.type.t === "seq") && op === "+") {
      const li = (l as SeqLike).items;
      const ri = (r as SeqLike).items;
      // Items known one by one are written in place (`[...sizes, n]`); others are spread.
      const parts = (x: StaticV, items: Value[] | undefined, k: "ctor" | "call"): TExpr[] | undefined => {
        if (items && !(x as SeqLike).shapeOf && items.every((i) => i.kind === "static" && i[k])) return items.map((i) => (i as StaticV)[k]!);
        return x[k] ? [{ k: "spread", value: x[k]! }] : undefined;
      };
      const side = (k: "ctor" | "call"): TExpr | undefined => {
        const a = parts(l, li, k);
        const b = parts(r, ri, k);
        return a && b ? { k: "array", items: [...a, ...b] } : undefined;
      };
      const of = itemTypeOf(l.type).t === itemTypeOf(r.type).t ? itemTypeOf(l.type) : ({ t: "any" } as StaticType);
      const out = staticOf({ t: "seq", of: of.t === "any" ? { t: "int" } : of }, side("ctor"), side("call"), known) as StaticV & SeqLike;
      if (li && ri) out.items = [...li, ...ri];
      return out;
    }
    const isSeq = (t: StaticType) => t.t === "tuple" || t.t === "seq";
    if (op === "*" && known === undefined && isSeq(l.type) !== isSeq(r.type)) {
      // `[(0, 0)] * n` with n only generated code knows: n copies, joined.
      const [seq, n] = isSeq(l.type) ? [l, r] : [r, l];
      if (n.type.t !== "int" && n.type.t !== "bool") return this.stop(span, `repeating a sequence ${describe(n)} times`);
      const repeat = (x?: TExpr, k?: TExpr): TExpr | undefined => (x && k ? call(member(call("Array.from", { k: "object", entries: [{ key: "length", value: k, raw: true }] }, { k: "arrow", params: [], body: x }), "flat")) : undefined);
      return staticOf({ t: "seq", of: itemTypeOf(seq.type) }, repeat(seq.ctor, n.ctor), repeat(seq.call, n.call));
    }
    const side = (a?: TExpr, b?: TExpr) => (a && b ? tsBinary(op, a, b, l.type, r.type) : undefined);
    const ctor = side(l.ctor, r.ctor);
    const callE = side(l.call, r.call);
    if (ctor === null || callE === null) return this.stop(span, `the operator '${op}' on ${describe(l)} and ${describe(r)}`);
    if (known !== undefined) return literalValue(known, Array.isArray(known) ? undefined : type);
    return staticOf(type, ctor, callE, known);
  }

  private compare(e: Extract<Expr, { kind: "compare" }>, frame: Frame): Value {
    const values = e.operands.map((o) => this.expr(o, frame));
    const parts: Value[] = [];
    for (let i = 0; i < e.ops.length; i++) parts.push(this.compareOne(e.ops[i], values[i], values[i + 1], e.span));
    if (parts.length === 1) return parts[0];
    if (parts.some((p) => p.kind === "array")) return this.stop(e.span, "a chained comparison of arrays (Python asks an array for its truth value; write (a < b) & (b < c))");
    return parts.reduce((acc, p) => this.and(acc, p, e.span));
  }

  private compareOne(op: string, l: Value, r: Value, span: Span): Value {
    if (op === "is" || op === "is not") {
      const isNone = (v: Value) => v.kind === "static" && v.known === null;
      const other = isNone(r) ? l : isNone(l) ? r : undefined;
      if (!other) return this.stop(span, "'is' between values other than None");
      const negate = op === "is not";
      if (other.kind === "static") {
        if (other.known !== undefined) return literalValue((other.known === null) !== negate);
        // A required field its user gave a dict (a class is built per such choice): never None.
        if ((other as { notNone?: boolean }).notNone) return literalValue(negate);
        const test = (x: TExpr) => bin(negate ? "!==" : "===", x, { k: "null" });
        return staticOf({ t: "bool" }, other.ctor && test(other.ctor), other.call && test(other.call));
      }
      if (other.kind === "array") {
        const raw = other.call.k === "nonnull" ? other.call.value : other.call;
        return staticOf({ t: "bool" }, undefined, bin(negate ? "!==" : "===", raw, { k: "null" }));
      }
      // Modules, functions: never None.
      return literalValue(negate);
    }
    if (l.kind === "array" || r.kind === "array") return arrayCompare(this, op, l, r, span);
    if (l.kind === "static" && r.kind === "static") {
      if (op === "in" || op === "not in") {
        const known = Array.isArray(r.known) && l.known !== undefined ? r.known.includes(l.known) !== (op === "not in") : undefined;
        const test = (a?: TExpr, b?: TExpr) => (a && b ? (op === "in" ? call(member(b, "includes"), a) : notExpr(call(member(b, "includes"), a))) : undefined);
        return staticOf({ t: "bool" }, test(l.ctor, r.ctor), test(l.call, r.call), known);
      }
      // Shapes and tuples compare item by item.
      if ((l.type.t === "tuple" || l.type.t === "seq") && (op === "==" || op === "!=")) return this.compareSequences(op, l, r);
      const tsOp = ({ "==": "===", "!=": "!==", "<": "<", "<=": "<=", ">": ">", ">=": ">=" } as const)[op as "=="];
      if (!tsOp) return this.stop(span, `the comparison '${op}'`);
      const known = foldKnown(op, l.known, r.known);
      const literal = (e?: TExpr) => !e || e.k === "num" || e.k === "str" || e.k === "bool" || e.k === "null";
      // Known here (a literal, or a rank the entry's sample fixes) yet read at run time: an assert still checks it.
      if (known !== undefined && literal(l.call) && literal(r.call)) return literalValue(known);
      return staticOf({ t: "bool" }, l.ctor && r.ctor ? bin(tsOp, l.ctor, r.ctor) : undefined, l.call && r.call ? bin(tsOp, l.call, r.call) : undefined, known);
    }
    return this.stop(span, `comparing ${describe(l)} and ${describe(r)}`);
  }

  /** `a.shape != b.shape`, `self.strides != (1, 1)`: item by item where both sides are known. */
  private compareSequences(op: string, l: StaticV, r: StaticV): Value {
    const eq = op === "==";
    const li = (l as SeqLike).items;
    const ri = (r as SeqLike).items;
    const ls = (l as SeqLike).shapeOf;
    const rs = (r as SeqLike).shapeOf;
    // Shapes of arrays: compare ranks and sizes symbolically in the constructor, at run time in the method.
    // An input's shape of unknown rank compared with one of known rank: the rank the other side has (it is checked at construction).
    const rankOf = (x?: ArrayV) => x?.shape.rank;
    const otherRank = rankOf(ls) ?? rankOf(rs) ?? li?.length ?? ri?.length;
    const dimsOf = (x: ArrayV): Dim[] | undefined => {
      if (x.shape.rank !== undefined) return materialize(x.shape);
      if (otherRank === undefined || !x.shape.input) return undefined;
      this.assumeRank(x, otherRank, "a shape compared with one of that rank");
      return Array.from({ length: otherRank }, (_, i) => dimAt(x.shape, i - otherRank));
    };
    const ctorSide = (): TExpr | undefined => {
      const ld = ls ? dimsOf(ls) : li?.map((x) => (x as StaticV).ctor);
      const rd = rs ? dimsOf(rs) : ri?.map((x) => (x as StaticV).ctor);
      if (!ld || !rd) {
        if (l.ctor && r.ctor) return call("nnx.shapesEqual", l.ctor, r.ctor);
        return undefined;
      }
      if (ld.length !== rd.length) return { k: "bool", value: false };
      const parts: TExpr[] = [];
      for (let i = 0; i < ld.length; i++) {
        const a = ld[i];
        const b = rd[i];
        if (sameDim(a, b)) continue;
        if (!a || !b) return undefined;
        if (a.k === "num" && b.k === "num") return { k: "bool", value: false };
        parts.push(bin("===", a, b));
      }
      return parts.length ? parts.reduce((x, y) => bin("&&", x, y)) : { k: "bool", value: true };
    };
    const c = ctorSide();
    const ctor = c && (eq ? c : c.k === "bool" ? { k: "bool", value: !c.value } as TExpr : notExpr(c));
    const callSide = l.call && r.call ? call("nnx.shapesEqual", l.call, r.call) : undefined;
    const known = c?.k === "bool" ? (eq ? c.value : !c.value) : undefined;
    return staticOf({ t: "bool" }, ctor, callSide && (eq ? callSide : notExpr(callSide)), known);
  }

  private boolop(e: Extract<Expr, { kind: "boolop" }>, frame: Frame): Value {
    const values = e.values.map((v) => this.expr(v, frame));
    return values.reduce((acc, v) => (e.op === "and" ? this.and(acc, v, e.span) : this.or(acc, v, e.span)));
  }

  private and(a: Value, b: Value, span: Span): Value {
    return this.logical("&&", a, b, span);
  }

  private or(a: Value, b: Value, span: Span): Value {
    return this.logical("||", a, b, span);
  }

  private logical(op: "&&" | "||", a: Value, b: Value, span: Span): Value {
    const asStatic = (v: Value): StaticV | undefined => (v.kind === "static" ? v : v.kind === "mode" ? this.modeTest(v) : undefined);
    const sa = asStatic(a);
    const sb = asStatic(b);
    if (!sa || !sb) {
      // `x or default` on values: Python picks one of the operands.
      return this.stop(span, `'${op === "&&" ? "and" : "or"}' between ${describe(a)} and ${describe(b)}`);
    }
    if (sa.known !== undefined) {
      const t = truthy(sa.known);
      if (op === "&&") return t ? sb : sa;
      return t ? sa : sb;
    }
    return staticOf({ t: "bool" }, sa.ctor && sb.ctor ? bin(op, truthExpr(sa.ctor, sa.type), truthExpr(sb.ctor, sb.type)) : undefined, sa.call && sb.call ? bin(op, truthExpr(sa.call, sa.type), truthExpr(sb.call, sb.type)) : undefined);
  }

  /** A train/eval flag read by the module's own code: its switch `this.deterministic`. */
  private modeTest(v: Extract<Value, { kind: "mode" }>): StaticV {
    this.ownMode ??= "deterministic";
    const deterministic = memberRef("deterministic");
    return staticOf({ t: "bool" }, undefined, v.polarity === -1 ? deterministic : notExpr(deterministic));
  }

  private conditional(e: Extract<Expr, { kind: "conditional" }>, frame: Frame): Value {
    const test = this.expr(e.test, frame);
    const t = test.kind === "mode" ? this.modeTest(test) : test;
    if (t.kind !== "static") return this.stop(e.test.span, `a conditional on ${describe(test)}`);
    if (t.known !== undefined) return this.expr(truthy(t.known) ? e.then : e.else, frame);
    const a = this.expr(e.then, frame);
    const b = this.expr(e.else, frame);
    if (a.kind === "static" && b.kind === "static") {
      return staticOf(a.type.t === b.type.t ? a.type : { t: "any" }, t.ctor && a.ctor && b.ctor ? { k: "cond", test: t.ctor, then: a.ctor, else: b.ctor } : undefined, t.call && a.call && b.call ? { k: "cond", test: t.call, then: a.call, else: b.call } : undefined);
    }
    // `None if deterministic else self.make_rng('dropout')` (Linen's attention): the key is drawn only
    // when that branch runs; where None would go, null goes (a random function given it throws, as JAX does).
    const isNone = (v: Value) => v.kind === "static" && v.known === null;
    if (t.call && ((isNone(a) && b.kind === "key") || (a.kind === "key" && isNone(b)))) {
      const key = (a.kind === "key" ? a : b) as Extract<Value, { kind: "key" }>;
      const picked: TExpr = { k: "cond", test: t.call, then: a.kind === "key" ? key.call : { k: "null" }, else: b.kind === "key" ? key.call : { k: "null" } };
      return { kind: "key", call: { k: "nonnull", value: picked } };
    }
    if (a.kind === "array" && b.kind === "array" && t.call) {
      return { kind: "array", call: { k: "cond", test: t.call, then: a.call, else: b.call }, shape: sameShape(a.shape, b.shape) ? a.shape : mergeShapes(a.shape, b.shape), dtype: a.dtype === b.dtype ? a.dtype : "unknown" };
    }
    return this.stop(e.span, `a conditional between ${describe(a)} and ${describe(b)}`);
  }

  // --- calls --------------------------------------------------------------

  private callExprValue(e: Extract<Expr, { kind: "call" }>, frame: Frame, given?: Value): Value {
    const fn = given ?? this.expr(e.fn, frame);
    // Framework idioms see their arguments unevaluated (they decide what they mean).
    if (fn.kind === "global" && !fn.self) {
      const handled = this.framework.idiom({ name: fn.name, args: e.args, span: e.span }, this.api(frame));
      if (handled) return handled;
      if (LINEN_BRANCHES.has(fn.name)) return this.linenBranches(fn.name, e, frame);
    }
    // A local function handed the module (`true_fn(self, x)`, the idiom that initializes each
    // nn.cond branch): the parameter it takes reads as self, and the call passes the rest.
    const selfAt = e.args.map((a, i) => (!a.name && !a.star && a.value.kind === "self" ? i : -1)).filter((i) => i >= 0);
    if (selfAt.length && fn.kind === "func" && !fn.method && !e.args.slice(0, selfAt[selfAt.length - 1]).some((a) => a.name || a.star)) {
      const params = fn.def.params;
      if (selfAt.some((i) => !params[i] || params[i].star)) return this.stop(e.span, "'self' passed where the function takes no such parameter");
      const bound = withSelfParams(fn, selfAt.map((i) => params[i].name));
      return this.callExprValue({ ...e, fn: { kind: "name", id: "__self_bound__", span: e.fn.span }, args: e.args.filter((_, i) => !selfAt.includes(i)) }, frame, bound);
    }
    const args: Value[] = [];
    const kwargs: Array<[string, Value]> = [];
    for (const a of e.args) {
      if (a.star === "**") {
        const v = this.expr(a.value, frame);
        if (v.kind === "dict") for (const [k, x] of v.entries) kwargs.push([String(k), x]);
        else if (v.kind === "static" && v.known && typeof v.known === "object" && !Array.isArray(v.known)) {
          for (const [k, x] of Object.entries(v.known)) kwargs.push([k, literalValue(x)]);
        } else if (v.kind === "static" && v.type.t === "config" && v.type.fields) {
          // A config whose keys are known (its user gave a dict): each key, read from it.
          for (const [k, t] of Object.entries(v.type.fields)) kwargs.push([k, staticOf(t, v.ctor && member(v.ctor, k), v.call && member(v.call, k))]);
        } else return this.stop(a.value.span, `'**' of ${describe(v)}`);
      } else if (a.star === "*") {
        const v = this.expr(a.value, frame);
        if (v.kind === "tuple" || v.kind === "list") args.push(...v.items);
        else if (v.kind === "static" && (v as SeqLike).items) args.push(...(v as SeqLike).items!);
        else return this.stop(a.value.span, `'*' of ${describe(v)}`);
      } else if (a.name) kwargs.push([a.name, this.expr(a.value, frame)]);
      else args.push(this.expr(a.value, frame));
    }
    return this.apply(fn, args, kwargs, e.span, frame, e);
  }

  /** Calls a value. */
  apply(fn: Value, args: Value[], kwargs: Array<[string, Value]>, span: Span, frame: Frame, source?: Extract<Expr, { kind: "call" }>): Value {
    switch (fn.kind) {
      case "module":
        return this.callModule(fn, "__call__", args, kwargs, span, frame);
      case "global":
        return this.callGlobal(fn, args, kwargs, span, frame, source);
      case "class":
        return this.construct(fn, args, kwargs, span, frame);
      case "func":
        if (fn.method) {
          return this.callOwnMethod(fn.method, args, kwargs, span, frame);
        }
        return this.inlineCall(fn, args, kwargs, span, frame);
      case "partial":
        return this.apply(fn.fn, [...fn.args, ...args], [...fn.kwargs, ...kwargs], span, frame);
      case "host":
        return fn.call?.(args, kwargs, span, frame) ?? this.stop(span, `calling ${fn.name}`);
      case "lifted":
        // A decorator (`@hk.experimental.layer_stack(n)`) applied to its function.
        if (!fn.fn && fn.target.kind === "unknown" && args[0]?.kind === "func") return { ...fn, fn: args[0] };
        if (fn.fn) return this.applyLayerStack(fn, args, kwargs, span, frame);
        return this.newInstance(fn, args, kwargs, span, frame);
      case "static":
        // A dtype called on a value (`jnp.float32(x)`) makes an array of it.
        if (fn.type.t === "dtype") return this.applyOp("jax.numpy.asarray", opSpec("jax.numpy.asarray")!, [...args, fn], kwargs, span);
        if (fn.type.t === "activation" && args[0]?.kind === "array" && fn.call) {
          // A function held in config (an activation): applied as is, keeping the shape.
          const a = args[0];
          return { kind: "array", call: call(fn.call, a.call), shape: a.shape, dtype: a.dtype };
        }
        if (fn.type.t === "initializer" && fn.call) return this.callInitializer(fn.call, args, kwargs, span);
        if ((fn as { unknownModule?: string }).unknownModule) return this.stop(span, `calling ${(fn as { unknownModule?: string }).unknownModule}, which picks the modules it builds: nnxport translates it for the module its user gives (NNX builds eagerly), and none is given here`);
        return this.stop(span, `calling ${describe(fn)}`);
      default:
        return this.stop(span, `calling ${describe(fn)}`);
    }
  }

  private callGlobal(fn: Extract<Value, { kind: "global" }>, args: Value[], kwargs: Array<[string, Value]>, span: Span, frame: Frame, source?: Extract<Expr, { kind: "call" }>): Value {
    const name = fn.name;
    // A framework layer: a module value, built where it is first called.
    if (!fn.self && this.framework.layers[name]) return this.newInstance(fn, args, kwargs, span, frame, source);
    if (fn.self?.kind === "module") {
      // `hk.LSTM(n).initial_state(b)`: a core made only for its initial state (Haiku names it, it never has
      // parameters) is called as a detached layer: its state's zeros, no member.
      const temporary = source?.fn.kind === "attr" && source.fn.object.kind === "call";
      if (temporary && this.framework.name === "haiku" && name === "module.initial_state" && fn.self.inst.ctor.kind === "global" && !fn.self.inst.built) fn.self.inst.detached = true;
      return this.callModule(fn.self, name.slice("module.".length), args, kwargs, span, frame);
    }
    if (fn.self?.kind === "array" && name.startsWith("array.at[].")) return atMethod(this, fn as unknown as AtV, name.slice("array.at[].".length), args, kwargs, span);
    if (fn.self?.kind === "array") return arrayMethod(this, fn.self, name.slice("array.".length), args, kwargs, span);
    if (name === "haiku.vmap" || (name === "jax.vmap" && args[0] && (args[0].kind !== "func" || args.length > 1 || kwargs.length))) return this.mappedFunction(name, args, kwargs, span, frame);
    if (name === "jax.vmap" && args[0]?.kind === "func") return this.vmapped(args[0], args.slice(1), kwargs, span);
    if (name.startsWith("builtins.")) return this.builtin(name.slice("builtins.".length), args, kwargs, span, frame);
    if (name.startsWith("str.") && fn.self?.kind === "static") return strMethod(this, fn.self, name.slice("str.".length), args) ?? this.stop(span, `${name.slice("str.".length)}(...) of ${describe(fn.self)} with these arguments`);
    if (name.startsWith("dict.") && fn.self) return dictMethod(this, fn.self, name.slice("dict.".length), args, span) ?? this.stop(span, `${name.slice("dict.".length)}(...) of ${describe(fn.self)}`);
    const flag = /^absl\.flags\.DEFINE_(integer|float|string|bool|boolean|enum)$/.exec(name);
    if (flag) {
      // An absl flag: the entry's command line sets it (`--hidden_size=16`), else its default.
      const flagName = args[0] ?? kwargs.find(([k]) => k === "name")?.[1];
      const given = flagName?.kind === "static" && typeof flagName.known === "string" ? flagArgument(this.ctx.program.entry?.argv ?? [], flagName.known, flag[1]) : undefined;
      if (given !== undefined) return Object.assign(literalValue(given), { flag: true });
      const d = args[1] ?? kwargs.find(([k]) => k === "default")?.[1];
      if (d?.kind === "static" && d.known !== undefined) return Object.assign(literalValue(d.known), { flag: true });
      return this.stop(span, `${name} without a fixed default`);
    }
    if (/^ml_collections\.(config_dict\.)?(Frozen)?ConfigDict$/.test(name)) {
      // A ConfigDict is its dict: `ConfigDict({'size': (4, 4)})`, `ConfigDict(size=...)`.
      if (args.length === 1 && !kwargs.length) return args[0];
      if (!args.length) return this.dictValue(kwargs);
    }
    if ((name === "jax.tree.map" || name === "jax.tree_util.tree_map" || name === "jax.tree_map") && args.length >= 2 && !kwargs.length) {
      // Over a structure the staging holds item by item (a dict of arrays): fn on each leaf, the same structure back.
      const map = (trees: Value[]): Value => {
        const [t] = trees;
        if (t.kind === "dict" && !t.tuple) {
          return this.dictValue(t.entries.map(([k, x]) => {
            const others = trees.slice(1).map((o) => (o.kind === "dict" ? o.entries.find(([j]) => j === k)?.[1] : undefined));
            if (!others.every((o) => o)) return this.stop(span, "jax.tree.map over dicts whose keys differ");
            return [k, map([x, ...(others as Value[])])] as [Known, Value];
          }));
        }
        if (t.kind === "list" || t.kind === "tuple") {
          return this.sequenceValue(t.kind, t.items.map((x, i) => map([x, ...trees.slice(1).map((o) => ((o.kind === "list" || o.kind === "tuple") && o.items[i]) || this.stop(span, "jax.tree.map over sequences whose lengths differ"))])));
        }
        if (t.kind === "static" && t.known === null) return t;
        return this.apply(args[0], trees, [], span, frame);
      };
      const first = args[1];
      if (first.kind === "dict" || first.kind === "list" || first.kind === "tuple") return map(args.slice(1));
    }
    if (name === "functools.partial") {
      if (!args[0]) return this.stop(span, "functools.partial without a function");
      return { kind: "partial", fn: args[0], args: args.slice(1), kwargs };
    }
    const init = initializerSpec(name);
    if (init && !init.direct) return this.initializerFactory(name, init, args, kwargs, span);
    const math = staticMath(name, args);
    if (math) return math;
    if (name === "jax.random.split" || name === "jax.random.fold_in" || name === "jax.random.key" || name === "jax.random.PRNGKey") return this.keyOp(name, args, kwargs, span);
    if (name === "jax.lax.fori_loop") return this.foriLoop(args, kwargs, span, frame);
    if (name === "jax.lax.scan") return this.scanLoop(args, kwargs, span, frame);
    if (name === "jax.lax.reduce_window") {
      // The reduction is one of the monoids the runtime has, passed by name (src/stage/ops/lax.ts).
      const named = (v: Value): Value => {
        const op = v.kind === "global" ? /^jax\.lax\.(add|max|min)$/.exec(v.name)?.[1] : undefined;
        return op ? staticOf({ t: "str" }, str(op), str(op), op) : this.stop(span, "lax.reduce_window with a computation other than lax.add, lax.max or lax.min");
      };
      const i = kwargs.findIndex(([k]) => k === "computation");
      if (args.length > 2) args = [...args.slice(0, 2), named(args[2]), ...args.slice(3)];
      else if (i >= 0) kwargs = kwargs.map(([k, v], j) => [k, j === i ? named(v) : v] as [string, Value]);
    }
    if (name === "haiku.fori_loop") return this.haikuForiLoop(args, kwargs, span, frame);
    if (name === "jax.lax.cond" || name === "haiku.cond") return this.cond(name, args, kwargs, span, frame);
    if (name === "jax.lax.switch" || name === "haiku.switch") return this.switchBranches(name, args, kwargs, span, frame);
    if (name === "haiku.remat" || name === "jax.checkpoint" || name === "jax.remat") {
      // Rematerialization trades memory for recomputation in the backward pass: the same function, the same values.
      const extra = kwargs.filter(([k]) => !["concrete", "prevent_cse", "static_argnums", "policy"].includes(k));
      if (!args[0] || args.length > 1 || extra.length) return this.stop(span, `${name.replace(/^haiku\./, "hk.")} with ${extra.length ? extra.map(([k]) => `${k}=`).join(", ") : "other than one function"}`);
      return args[0];
    }
    const spec = opSpec(name);
    if (spec) return this.applyOp(name, spec, args, kwargs, span);
    return this.stop(span, `the call '${name.replace(/^builtins\./, "")}(...)'`);
  }

  /**
   * `lax.fori_loop(lower, upper, body_fn, init_val)`: a loop in the method, its carry a local
   * the body's result replaces (fori_loop keeps the carry's structure and shapes, so one
   * staging of the body holds for every step).
   */
  private foriLoop(args: Value[], kwargs: Array<[string, Value]>, span: Span, frame: Frame): Value {
    const arg = (i: number, k: string) => args[i] ?? kwargs.find(([n]) => n === k)?.[1];
    const [lower, upper, body, init] = [arg(0, "lower"), arg(1, "upper"), arg(2, "body_fun"), arg(3, "init_val")];
    if (kwargs.some(([k]) => k === "unroll")) return this.stop(span, "lax.fori_loop with unroll");
    if (lower?.kind !== "static" || upper?.kind !== "static" || !lower.call || !upper.call) return this.stop(span, "lax.fori_loop over bounds that are not fixed ints");
    if (body?.kind !== "func" || body.method || body.def.params.length !== 2) return this.stop(span, "lax.fori_loop of anything but a function of (i, carry)");
    if (!init) return this.stop(span, "lax.fori_loop without an initial value");
    const carry = frame.tsLocal("carry");
    frame.types.set(carry, returnType(init));
    frame.emitCall({ k: "let", name: carry, value: this.callExpr(init, span, "lax.fori_loop's initial value"), mutable: true, type: returnType(init) });
    const rebind = (v: Value, e: TExpr): Value => (v.kind === "key" ? { ...v, call: e } : v.kind === "tuple" || v.kind === "list" ? { ...v, items: v.items.map((x, i) => rebind(x, { k: "index", object: e, index: num(i) })), call: e } : v.kind === "dict" ? { ...v, entries: v.entries.map(([k, x]) => [k, rebind(x, { k: "index", object: e, index: typeof k === "number" ? num(k) : str(String(k)) })] as [Known, Value]), call: e } : this.withCall(v, e));
    const index = frame.tsLocal(body.def.params[0].name);
    const wasCallOnly = frame.callOnly;
    // Nothing is built in the loop: a submodule first called in it reports (it would be built per step).
    frame.callOnly = true;
    const inner = frame.nested(() => {
      const out = this.inlineCall(body, [staticOf({ t: "int" }, undefined, id(index)), rebind(init, id(carry))], [], span, frame);
      frame.emitCall({ k: "assign", target: id(carry), value: this.callExpr(out, span, "lax.fori_loop's body result") });
    });
    frame.callOnly = wasCallOnly;
    frame.emitCall({ k: "forRange", name: index, start: lower.call, stop: upper.call, body: inner.call ?? [] });
    return rebind(init, id(carry));
  }

  /**
   * `lax.scan(f, init, xs, length=None, reverse=False)` → the runtime's `lax.scan(arrow, init, xs, { reverse, length })`:
   * f staged once as the arrow's body (JAX traces it once; the carry keeps its structure and shapes),
   * over array leaves of xs (an array, a tuple/list of arrays, or None with `length`); ys stacked on a new first axis.
   */
  private scanLoop(args: Value[], kwargs: Array<[string, Value]>, span: Span, frame: Frame): Value {
    const arg = (i: number, k: string) => args[i] ?? kwargs.find(([n]) => n === k)?.[1];
    const [f, init, xs0] = [arg(0, "f"), arg(1, "init"), arg(2, "xs")];
    const xs = xs0 && !isNone(xs0) ? xs0 : undefined;
    const length = arg(3, "length");
    const reverse = arg(4, "reverse");
    const unroll = arg(5, "unroll");
    const extra = kwargs.filter(([k]) => !["f", "init", "xs", "length", "reverse", "unroll"].includes(k));
    if (extra.length || args.length > 6) return this.stop(span, `lax.scan with ${extra.map(([k]) => `${k}=`).join(", ") || "more arguments"}`);
    if (f?.kind !== "func" || f.method || f.def.params.length !== 2) return this.stop(span, "lax.scan of anything but a function of (carry, x)");
    if (!init) return this.stop(span, "lax.scan without an initial carry");
    // unroll changes how XLA compiles the loop, not its values.
    if (unroll && !(unroll.kind === "static" && (typeof unroll.known === "number" || typeof unroll.known === "boolean"))) return this.stop(span, "lax.scan with an unroll that is not a fixed number");
    if (reverse && !(reverse.kind === "static" && typeof reverse.known === "boolean")) return this.stop(span, "lax.scan with a reverse flag that is not fixed");
    const lengthV = length && !isNone(length) ? length : undefined;
    if (lengthV && !(lengthV.kind === "static" && lengthV.call)) return this.stop(span, "lax.scan with a length that is not a fixed int");
    const leaves = !xs ? [] : xs.kind === "array" ? [xs] : xs.kind === "tuple" || xs.kind === "list" ? xs.items : undefined;
    if (!leaves || !leaves.every((v) => v.kind === "array")) return this.stop(span, "lax.scan over xs that are not an array or a tuple/list of arrays");
    if (!leaves.length && !lengthV) return this.stop(span, "lax.scan with no xs and no length");
    const steps: Dim = lengthV ? ((lengthV as StaticV).known !== undefined ? num((lengthV as StaticV).known as number) : (lengthV as StaticV).call) : dimAt((leaves[0] as ArrayV).shape, 0);
    const carryName = frame.tsLocal("carry");
    const xName = frame.tsLocal("xt");
    const carryType = returnType(init);
    frame.types.set(carryName, carryType);
    const rebind = (v: Value, e: TExpr): Value => (v.kind === "key" ? { ...v, call: e } : v.kind === "tuple" || v.kind === "list" ? { ...v, items: v.items.map((x, i) => rebind(x, { k: "index", object: e, index: num(i) })), call: e } : v.kind === "dict" ? { ...v, entries: v.entries.map(([k, x]) => [k, rebind(x, { k: "index", object: e, index: typeof k === "number" ? num(k) : str(String(k)) })] as [Known, Value]), call: e } : this.withCall(v, e));
    const step = (v: ArrayV, e: TExpr): ArrayV => ({ ...v, shape: removeAxis(v.shape, 0), call: e });
    const xStep: Value | undefined = !xs ? undefined : xs.kind === "array" ? step(xs, id(xName)) : { kind: xs.kind as "tuple" | "list", items: (leaves as ArrayV[]).map((v, i) => step(v, { k: "index", object: id(xName), index: num(i) })), call: id(xName) };
    let out: Value | undefined;
    const wasCallOnly = frame.callOnly;
    // Nothing is built in the loop: a submodule first called in it reports (it would be built per step).
    frame.callOnly = true;
    const inner = frame.nested(() => {
      out = this.inlineCall(f, [rebind(init, id(carryName)), xStep ?? staticOf({ t: "none" }, { k: "null" }, { k: "null" }, null)], [], span, frame);
    });
    frame.callOnly = wasCallOnly;
    if (drawsKeys(inner.call ?? []) || drawsKeys(inner.ctor ?? [])) return this.stop(span, "lax.scan with a body that draws random keys (JAX draws them once, when it traces the body)");
    if (!out || (out.kind !== "tuple" && out.kind !== "list") || out.items.length !== 2) return this.stop(span, "lax.scan of a function that does not return (carry, y)");
    const [carryOut, y] = out.items;
    if (returnType(carryOut) !== carryType) return this.stop(span, "lax.scan whose body returns a carry of another structure than init");
    const yLeaves = isNone(y) ? [] : y.kind === "array" ? [y] : y.kind === "tuple" || y.kind === "list" ? y.items : undefined;
    if (!yLeaves || !yLeaves.every((v) => v.kind === "array")) return this.stop(span, "lax.scan of a function whose y is not None, an array or a tuple of arrays");
    const yType = isNone(y) ? "null" : returnType(y);
    // The body's locals are the arrow's own: declared in it.
    const body: TStmt[] = declareLocals([...(inner.call ?? []), { k: "return", value: { k: "array", items: [this.callExpr(carryOut, span, "lax.scan's carry"), isNone(y) ? { k: "null" } : this.callExpr(y, span, "lax.scan's y")] } }], [carryName, xName], frame.types);
    const arrow: TExpr = { k: "arrow", params: [{ name: carryName, type: carryType }, { name: xName, type: xStep ? returnType(xStep) : "null" }], body, returns: `[${carryType}, ${yType}]` };
    const options: Array<{ key: string; value: TExpr; raw: boolean }> = [];
    if (reverse?.kind === "static" && reverse.known === true) options.push({ key: "reverse", value: { k: "bool", value: true }, raw: true });
    if (lengthV) options.push({ key: "length", value: (lengthV as StaticV).call!, raw: true });
    const xsExpr: TExpr = xs ? this.callExpr(xs, span, "lax.scan's xs") : { k: "null" };
    const value = call("lax.scan", arrow, this.callExpr(init, span, "lax.scan's init"), xsExpr, ...(options.length ? [{ k: "object", entries: options } as TExpr] : []));
    let local = "scanned";
    for (let k = 1; frame.names.has(local) || frame.env.has(local); k++) local = `scanned${k}`;
    frame.names.add(local);
    const type = `[${carryType}, ${yType}]`;
    frame.types.set(local, type);
    frame.emitCall({ k: "let", name: local, value, type });
    const ys = { k: "index", object: id(local), index: num(1) } as TExpr;
    const stacked = (v: ArrayV, e: TExpr): ArrayV => ({ ...v, shape: v.shape.rank !== undefined ? { rank: v.shape.rank + 1, dims: [steps, ...materialize(v.shape)] } : { dims: v.shape.dims, input: v.shape.input }, call: e });
    const yOut: Value = isNone(y) ? y : y.kind === "array" ? stacked(y, ys) : { kind: (y as { kind: "tuple" | "list" }).kind, items: (yLeaves as ArrayV[]).map((v, i) => stacked(v, { k: "index", object: ys, index: num(i) })), call: ys };
    return { kind: "tuple", items: [rebind(init, { k: "index", object: id(local), index: num(0) }), yOut], call: id(local) };
  }

  /**
   * `hk.fori_loop(lower, upper, body_fun, init_val)`: lax.fori_loop with Haiku's state threaded through.
   * Haiku's init runs the first step on its own (what the body builds is built there, as at a plain
   * call), then loops over the rest; apply loops over all, with the same values.
   */
  private haikuForiLoop(args: Value[], kwargs: Array<[string, Value]>, span: Span, frame: Frame): Value {
    const arg = (i: number, k: string) => args[i] ?? kwargs.find(([n]) => n === k)?.[1];
    const [lower, upper, body, init] = [arg(0, "lower"), arg(1, "upper"), arg(2, "body_fun"), arg(3, "init_val")];
    if (kwargs.some(([k]) => !["lower", "upper", "body_fun", "init_val"].includes(k))) return this.stop(span, "hk.fori_loop other than hk.fori_loop(lower, upper, body_fun, init_val)");
    if (lower?.kind !== "static" || upper?.kind !== "static" || typeof lower.known !== "number" || typeof upper.known !== "number") return this.stop(span, "hk.fori_loop over bounds that are not fixed ints");
    if (body?.kind !== "func" || body.method || body.def.params.length !== 2) return this.stop(span, "hk.fori_loop of anything but a function of (i, carry)");
    // Haiku reserves whole blocks of keys around the loop: a body that draws keys would draw others than Haiku's.
    if (JSON.stringify(body.def).includes("rng_key")) return this.stop(span, "hk.fori_loop whose body draws random keys");
    if (!init) return this.stop(span, "hk.fori_loop without an initial value");
    if (upper.known <= lower.known) return init;
    const first = this.inlineCall(body, [literalValue(lower.known), init], [], span, frame);
    if (upper.known === lower.known + 1) return first;
    return this.foriLoop([literalValue(lower.known + 1), upper, body, first], [], span, frame);
  }

  /** `lax.cond(pred, true_fun, false_fun, *operands)`, hk.cond (its current signature). */
  private cond(name: string, args: Value[], kwargs: Array<[string, Value]>, span: Span, frame: Frame): Value {
    const what = name === "haiku.cond" ? "hk.cond" : "lax.cond";
    const operand = kwargs.find(([k]) => k === "operand")?.[1];
    // hk.cond's old form, (pred, true_operand, true_fun, false_operand, false_fun): each branch takes its own operand
    // (Haiku tells it apart as the form whose third and fifth arguments are callable).
    const callable = (v: Value | undefined) => !!v && ["func", "module", "global", "class", "partial", "lifted"].includes(v.kind);
    if (name === "haiku.cond" && !kwargs.length && args.length === 5 && callable(args[2]) && callable(args[4])) {
      const [pred, tOp, tFun, fOp, fFun] = args;
      return this.branches(what, "lax.cond", pred, [tFun, fFun], [[tOp], [fOp]], span, frame);
    }
    const [pred, t, f, ...operands] = args;
    if (kwargs.some(([k]) => k !== "operand") || (operand && operands.length) || !pred || !t || !f || t.kind === "array" || f.kind === "array") return this.stop(span, `${what} other than ${what}(pred, true_fun, false_fun, *operands)`);
    return this.branches(what, "lax.cond", pred, [t, f], operand ? [operand] : operands, span, frame);
  }

  /** `lax.switch(index, branches, *operands)`, hk.switch. */
  private switchBranches(name: string, args: Value[], kwargs: Array<[string, Value]>, span: Span, frame: Frame): Value {
    const what = name === "haiku.switch" ? "hk.switch" : "lax.switch";
    const operand = kwargs.find(([k]) => k === "operand")?.[1];
    const [index, branches, ...operands] = args;
    if (kwargs.some(([k]) => k !== "operand") || (operand && operands.length) || !index) return this.stop(span, `${what} other than ${what}(index, branches, *operands)`);
    if (branches?.kind !== "list" && branches?.kind !== "tuple") return this.stop(span, `${what} over ${branches ? describe(branches) : "nothing"} (a list of functions is translated)`);
    return this.branches(what, "lax.switch", index, branches.items, operand ? [operand] : operands, span, frame);
  }

  /**
   * Linen's `nn.cond(pred, true_fun, false_fun, self, *operands)` and
   * `nn.switch(index, branches, self, *operands)`: each branch is a function
   * of (module, *operands), here the module is this one (its first parameter
   * reads as `self`), on NNX's nnx.cond / nnx.switch. Linen runs every branch at
   * init (lift.cond traces both), so what any branch builds exists; at apply
   * only the chosen one runs.
   */
  private linenBranches(name: string, e: Extract<Expr, { kind: "call" }>, frame: Frame): Value {
    const isCond = name.endsWith(".cond");
    const what = isCond ? "nn.cond" : "nn.switch";
    const positional = e.args.filter((a) => !a.name && !a.star);
    const named = e.args.filter((a) => a.name || a.star);
    for (const a of named) {
      // Lifting only some collections or rng streams is not translated; all (the default) is.
      const v = a.name === "variables" || a.name === "rngs" ? this.expr(a.value, frame) : undefined;
      if (!(v?.kind === "static" && v.known === true)) return this.stop(a.value.span, `${what} with ${a.star ? `'${a.star}'` : `${a.name}=`}`);
    }
    const nFns = isCond ? 2 : 1;
    const mdl = positional[1 + nFns];
    if (!mdl || mdl.value.kind !== "self") return this.stop(e.span, `${what} other than ${isCond ? "nn.cond(pred, true_fun, false_fun, self, *operands)" : "nn.switch(index, branches, self, *operands)"}`);
    const selector = this.expr(positional[0].value, frame);
    let fns: Value[] = positional.slice(1, 1 + nFns).map((a) => this.expr(a.value, frame));
    if (!isCond) {
      const list = fns[0];
      if (list.kind !== "list" && list.kind !== "tuple") return this.stop(e.span, `${what} over ${describe(list)} (a list of functions is translated)`);
      fns = list.items;
    }
    const bound = fns.map((fn) => {
      if (fn.kind !== "func" || fn.method || !fn.def.params.length || fn.def.params[0].star) return this.stop(e.span, `${what} with a branch that is ${describe(fn)} (a function of (module, *operands) is translated)`);
      // The branch's module parameter is this module.
      return withSelfParams(fn, [fn.def.params[0].name]);
    });
    const operands = positional.slice(2 + nFns).map((a) => this.expr(a.value, frame));
    return this.branches(what, isCond ? "nnx.cond" : "nnx.switch", selector, bound, operands, e.span, frame, true);
  }

  /**
   * Branches on a traced value: each branch is staged as a closure over the
   * operands, and the runtime's lax.cond / lax.switch runs the one the
   * predicate (index) picks. What a branch builds is built in the constructor,
   * branch by branch in order: at init JAX traces every branch (so Haiku and
   * Linen create the parameters of every one); at apply only one runs.
   */
  private branches(what: string, runtime: "lax.cond" | "lax.switch" | "nnx.cond" | "nnx.switch", selector: Value, fns: Value[], operands: Value[] | Value[][], span: Span, frame: Frame, noBuilding = false): Value {
    const test = selector.kind === "array" || (selector.kind === "static" && selector.call) ? selector.call : undefined;
    if (!test) return this.stop(span, `${what} on ${describe(selector)}`);
    if (!fns.length) return this.stop(span, `${what} without branches`);
    // The operands every branch takes, or each branch its own (hk.cond's old form).
    const operandsOf = (i: number): Value[] => (operands.length && Array.isArray(operands[0]) ? (operands as Value[][])[i] : (operands as Value[]));
    const staged = fns.map((fn, i) => {
      const made = this.instances.length;
      // Built whichever branch runs (every branch is traced at init). Every branch is traced from the same rng
      // state, the chosen one's count going on (Haiku), or all counting on in one shared count (Linen): keys a
      // branch draws are not the ones a lone run would draw.
      const { out, body } = this.closureBody(
        () => {
          const out = this.apply(fn, operandsOf(i), [], span, frame);
          // Linen: a submodule made in a branch takes its key from the rng counts the branches traced before it left
          // (lift.cond shares them), so its init depends on the branch init takes.
          if (noBuilding && this.instances.length > made) this.stop(span, `${what} with a branch that makes a submodule (make it before: in setup, or called under self.is_initializing())`);
          return out;
        },
        span,
        frame,
        `a branch of ${what}`,
        `${what} with a branch that draws random keys (dropout, make_rng, hk.next_rng_key)`,
      );
      return { out, arrow: { k: "arrow", params: [], body } as TExpr };
    });
    const first = staged[0].out;
    const type = returnType(first);
    if (staged.some((b) => returnType(b.out) !== type)) return this.stop(span, `${what} whose branches return different kinds of values`);
    let out = first;
    if (first.kind === "array") {
      const arrays = staged.map((b) => b.out).filter((v): v is ArrayV => v.kind === "array");
      const shape = arrays.every((a) => sameShape(a.shape, first.shape)) ? first.shape : arrays.slice(1).reduce((acc, a) => mergeShapes(acc, a.shape), first.shape);
      out = { ...first, shape, dtype: arrays.every((a) => a.dtype === first.dtype) ? first.dtype : "unknown" };
    }
    const value = call(runtime, test, ...(runtime.endsWith(".cond") ? staged.map((b) => b.arrow) : [{ k: "array", items: staged.map((b) => b.arrow) } as TExpr]));
    // One run of the branch, read item by item.
    let local = "branch";
    // A name of its own in the generated method (Python never sees it).
    for (let k = 1; frame.names.has(local) || frame.env.has(local); k++) local = `branch${k}`;
    frame.names.add(local);
    frame.types.set(local, type);
    frame.emitCall({ k: "let", name: local, value, type });
    return this.withCall(out, id(local));
  }

  /** jax.random.split / fold_in / key: keys from keys. */
  private keyOp(name: string, args: Value[], kwargs: Array<[string, Value]>, span: Span): Value {
    const arg = (i: number, k: string) => args[i] ?? kwargs.find(([n]) => n === k)?.[1];
    if (name === "jax.random.key" || name === "jax.random.PRNGKey") {
      const seed = arg(0, "seed");
      if (seed?.kind !== "static" || !seed.call) return this.stop(span, `${name} of ${seed ? describe(seed) : "nothing"}`);
      return { kind: "key", call: call("random.key", seed.call) };
    }
    const key = arg(0, "key");
    if (key?.kind !== "key") return this.stop(span, `${name} of ${key ? describe(key) : "nothing"}`);
    if (name === "jax.random.fold_in") {
      const data = arg(1, "data");
      if (data?.kind !== "static" || !data.call) return this.stop(span, "jax.random.fold_in with data that is not a fixed value");
      return { kind: "key", call: call("random.foldIn", key.call, data.call) };
    }
    const num_ = arg(1, "num");
    const n = num_ === undefined ? 2 : num_.kind === "static" && typeof num_.known === "number" ? num_.known : undefined;
    if (n === undefined) return this.stop(span, "jax.random.split into a number of keys the translator cannot see");
    const all = call("random.split", key.call, num(n));
    return { kind: "tuple", items: Array.from({ length: n }, (_, i) => ({ kind: "key", call: { k: "index", object: all, index: num(i) } }) as Value), call: all };
  }

  /** An initializer called as JAX calls one, `init(key, shape, dtype=float32)`: its array (the runtime's initializers are bit-exact). */
  private callInitializer(init: TExpr, args: Value[], kwargs: Array<[string, Value]>, span: Span): Value {
    const byName = new Map(kwargs);
    const [key, shape, dtype] = [args[0] ?? byName.get("key"), args[1] ?? byName.get("shape"), args[2] ?? byName.get("dtype")];
    if (args.length > 3 || kwargs.some(([k]) => !["key", "shape", "dtype"].includes(k)) || key?.kind !== "key" || !shape) return this.stop(span, "calling an initializer other than init(key, shape, dtype)");
    if (dtype && !(dtype.kind === "static" && dtype.known === null) && dtypeValue(dtype) !== "float32") return this.stop(span, "calling an initializer with a dtype other than float32");
    // A shape only the run has (an init_fn's own `shape` parameter) leaves the array's sizes unknown.
    const sizes = sizesOf(shape);
    return { kind: "array", call: call(init, key.call, this.callExpr(shape, span, "an initializer's shape")), shape: sizes ? { rank: sizes.length, dims: sizes } : unknownShape, dtype: "float32" };
  }

  /** `nn.initializers.normal(stddev=0.02)`: an initializer value. */
  private initializerFactory(name: string, spec: NonNullable<ReturnType<typeof initializerSpec>>, args: Value[], kwargs: Array<[string, Value]>, span: Span): Value {
    const names = [...spec.positional, ...(spec.options ?? [])];
    const ctorArgs = new Map<string, TExpr>();
    const callArgs = new Map<string, TExpr>();
    const bindOne = (k: string, v: Value) => {
      if (v.kind !== "static") return this.stop(span, `${name}'s '${k}' given as ${describe(v)}`);
      if (k === "dtype") return;
      if (v.ctor) ctorArgs.set(k, v.ctor);
      if (v.call) callArgs.set(k, v.call);
    };
    args.forEach((a, i) => bindOne(spec.positional[i] ?? `#${i}`, a));
    for (const [k, v] of kwargs) {
      if (!names.includes(k)) return this.stop(span, `${name} has no parameter '${k}'`);
      bindOne(k, v);
    }
    const allStatic = [...args, ...kwargs.map(([, v]) => v)].every((v) => v.kind === "static");
    const ctorOk = [...args, ...kwargs.map(([, v]) => v)].every((v) => v.kind === "static" && (v.ctor || (v as StaticV).known !== undefined));
    return staticOf({ t: "initializer" }, allStatic && ctorOk ? initializerCall(spec, ctorArgs) : undefined, initializerCall(spec, callArgs));
  }

  /** Applies an array function of the catalog (src/stage/ops/apply.ts). */
  applyOp(name: string, spec: OpSpec, args: Value[], kwargs: Array<[string, Value]>, span: Span): Value {
    return applyOp(this, name, spec, args, kwargs, span);
  }

  /** What subscripts need: the ops, and index expressions evaluated in `frame`. */
  private subscripts(frame: Frame): SubscriptHost {
    return { callExpr: (v, span, what) => this.callExpr(v, span, what), stop: (span, what) => this.stop(span, what), assumeRank: (v, rank, why) => this.assumeRank(v, rank, why), value: (e) => this.expr(e, frame) };
  }

  private builtin(name: string, args: Value[], kwargs: Array<[string, Value]>, span: Span, frame: Frame): Value {
    const a = args[0];
    const folded = sequenceBuiltin(this, name, args, kwargs, span);
    if (folded) return folded;
    if (name === "dict" && args.length <= 1) {
      const base = a ? (a.kind === "dict" ? a.entries : a.kind === "static" && a.known && typeof a.known === "object" && !Array.isArray(a.known) ? Object.entries(a.known).map(([k, x]) => [k, literalValue(x)] as [Known, Value]) : undefined) : [];
      if (base) return this.dictValue([...base.filter(([k]) => !kwargs.some(([n]) => n === k)), ...kwargs]);
    }
    switch (name) {
      case "len": {
        if (a?.kind === "tuple" || a?.kind === "list") return literalValue(a.items.length);
        if (a?.kind === "modules") {
          const seq = (x: TExpr) => (x.k === "call" && x.fn.k === "member" && x.fn.name === "entries" && !x.args.length ? x.fn.object : x);
          return staticOf({ t: "int" }, listLength(a.list), a.list.member ? member(memberRef(a.list.member), "length") : a.list.iter.call && member(seq(a.list.iter.call), "length"));
        }
        if (a?.kind === "static") {
          const items = (a as SeqLike).items;
          if (items) return literalValue(items.length);
          if (Array.isArray(a.known)) return literalValue(a.known.length);
          return staticOf({ t: "int" }, a.ctor && member(a.ctor, "length"), a.call && member(a.call, "length"));
        }
        if (a?.kind === "array") return staticOf({ t: "int" }, dimAt(a.shape, 0), { k: "index", object: member(a.call, "shape"), index: num(0) });
        break;
      }
      case "range": {
        if (!args.every((x) => x.kind === "static")) break;
        const s = args as StaticV[];
        // Python's range takes ints; a value typed otherwise (a field annotated `Sequence[int]`) cannot be written as one.
        const notInt = s.find((x) => !["int", "any", "bool"].includes(x.type.t) && typeof x.known !== "number");
        if (notInt) return this.stop(span, `range() of ${describe(notInt)} (Python's range takes ints)`);
        const [start, stop, step] = s.length === 1 ? [literalValue(0) as StaticV, s[0], undefined] : [s[0], s[1], s[2]];
        const v = staticOf({ t: "seq", of: { t: "int" } }, undefined, undefined) as RangeV;
        v.ctor = start.ctor && stop.ctor ? call("nnx.range", start.ctor, stop.ctor) : undefined;
        v.call = start.call && stop.call ? call("nnx.range", start.call, stop.call) : undefined;
        v.range = {
          ctor: [start.ctor, stop.ctor, step?.ctor],
          call: [start.call, stop.call, step?.call],
          zeroBased: start.known === 0 && (!step || step.known === 1),
        };
        if (typeof stop.known === "number" && typeof start.known === "number") {
          const k: number[] = [];
          for (let i = start.known; i < stop.known; i += typeof step?.known === "number" ? step.known : 1) k.push(i);
          v.known = k;
        }
        return v;
      }
      case "enumerate": {
        if (a?.kind === "modules" && args.length === 1) return { ...a, enumerate: true };
        if (a?.kind !== "static") break;
        const start = args[1] ?? kwargs.find(([k]) => k === "start")?.[1];
        const elem: StaticType = a.type.t === "seq" ? a.type.of : a.type.t === "tuple" ? (a.type.items[0] ?? { t: "any" }) : { t: "any" };
        const entries = (x: TExpr) => (start && start.kind === "static" && start.known !== 0 ? call("nnx.enumerate", x, (start as StaticV).call ?? num(0)) : call(member(x, "entries")));
        const v = staticOf({ t: "seq", of: { t: "tuple", items: [{ t: "int" }, elem] } }, a.ctor && entries(a.ctor), a.call && entries(a.call)) as EnumV;
        v.enumerate = start?.kind !== "static" || start.known === 0;
        return v;
      }
      case "zip": {
        if (!args.every((x) => x.kind === "static")) break;
        const s = args as StaticV[];
        const elems = s.map((x) => (x.type.t === "seq" ? x.type.of : { t: "any" }) as StaticType);
        const v = staticOf(
          { t: "seq", of: { t: "tuple", items: elems } },
          s.every((x) => x.ctor) ? call("nnx.zip", ...s.map((x) => x.ctor!)) : undefined,
          s.every((x) => x.call) ? call("nnx.zip", ...s.map((x) => x.call!)) : undefined,
        ) as EnumV;
        v.zip = true;
        return v;
      }
      case "int":
      case "float":
      case "bool":
      case "str": {
        if (a?.kind !== "static") break;
        const conv: Record<string, (x: TExpr) => TExpr> = {
          int: (x) => call("Math.trunc", x),
          float: (x) => x,
          bool: (x) => truthExpr(x, a.type),
          str: (x) => call("String", x),
        };
        const known = a.known === undefined ? undefined : name === "int" ? Math.trunc(Number(a.known)) : name === "float" ? pythonFloat(a.known) : name === "bool" ? truthy(a.known) : String(a.known);
        // float("-inf"): the number itself.
        if (name === "float" && typeof a.known === "string" && typeof known === "number") return literalValue(known, { t: "float" });
        return staticOf({ t: name as "int" }, a.ctor && conv[name](a.ctor), a.call && conv[name](a.call), known);
      }
      case "min":
      case "max":
      case "abs": {
        if (!args.every((x) => x.kind === "static")) break;
        const s = args as StaticV[];
        const fn = `Math.${name}`;
        // max(sizes) over one sequence: its items; an int unless a float takes part.
        const seq = s.length === 1 && name !== "abs"; // Python's max of one argument takes an iterable
        const parts = (k: "ctor" | "call"): TExpr[] | undefined => (seq ? (s[0][k] ? [{ k: "spread", value: s[0][k]! }] : undefined) : s.every((x) => x[k]) ? s.map((x) => x[k]!) : undefined);
        const types = seq ? (s[0].type.t === "tuple" ? s[0].type.items : [s[0].type.t === "seq" ? s[0].type.of : { t: "any" }]) : s.map((x) => x.type);
        const values = seq ? (Array.isArray(s[0].known) ? s[0].known : undefined) : s.every((x) => typeof x.known === "number") ? s.map((x) => x.known) : undefined;
        const known = values?.every((v) => typeof v === "number") && values.length ? (Math[name] as (...n: number[]) => number)(...(values as number[])) : undefined;
        const type: StaticType = types.some((t) => t.t === "float") ? { t: "float" } : types.every((t) => t.t === "int" || t.t === "bool") ? { t: "int" } : { t: "any" };
        const ctorParts = parts("ctor");
        const callParts = parts("call");
        if (known !== undefined) return staticOf(type, num(known), num(known), known);
        return staticOf(type, ctorParts && call(fn, ...ctorParts), callParts && call(fn, ...callParts), known);
      }
      case "tuple":
      case "list": {
        if (a?.kind === "static") return a;
        if (a?.kind === "tuple" || a?.kind === "list") return { kind: name, items: a.items };
        break;
      }
      case "print":
        return literalValue(null);
      case "isinstance":
        break;
      case "super":
        break;
    }
    void frame;
    return this.stop(span, `the builtin '${name}(...)' with ${args.map(describe).join(", ") || "no arguments"}`);
  }

  /** A call of one of the file's functions or a local def/lambda: staged in place. */
  inlineCall(fn: Extract<Value, { kind: "func" }>, args: Value[], kwargs: Array<[string, Value]>, span: Span, frame: Frame): Value {
    const def = fn.def;
    const params = def.params;
    const inner = childFrame(frame, new Map(fn.closure));
    // Defaults are evaluated where the function is defined (its closure), as Python does.
    const bound = bindArguments(this, params, args, kwargs, span, "kind" in def ? "a lambda" : `${def.name}()`, (d) => this.expr(d, childFrame(frame, new Map(fn.closure))));
    for (const [k, v] of bound) inner.env.set(k, v);
    // Staged in place: its returns give the call's value; none returns from the caller.
    inner.onReturn = () => undefined;
    if ("kind" in def) return this.expr(def.body, inner);
    // A function body is staged into the caller's programs; its locals get names of their own.
    inner.rename = new Map();
    inner.inline = def.name;
    this.depth++;
    if (this.depth > 20) this.stop(span, "recursion in a function nnxport stages in place");
    try {
      return inlineBody(this, def, inner);
    } finally {
      this.depth--;
    }
  }

  private depth = 0;

  private callOwnMethod(method: string, args: Value[], kwargs: Array<[string, Value]>, span: Span, frame: Frame): Value {
    const fn = this.cls.methods.find((m) => m.name === method)!;
    // The constructor sees what the callee builds; the method calls it.
    const dry = new Frame(frame.method, true, new Map());
    for (const [k, v] of frame.env) if (k.startsWith("self.")) dry.env.set(k, v);
    const shapeOnly = new Frame(frame.method, frame.dry, dry.env);
    shapeOnly.block = { ctor: frame.callOnly ? undefined : frame.block.ctor, call: undefined };
    shapeOnly.loops = frame.loops;
    shapeOnly.conditional = frame.conditional;
    const infos = this.bindParams(fn, shapeOnly, "dry", { args, kwargs });
    // Its body is staged at each call: a method that calls itself would never end.
    this.depth++;
    if (this.depth > 20) this.stop(span, `${this.cls.name}.${method} calls itself (recursion in a method nnxport stages at each call)`);
    try {
      this.body(fn.body, shapeOnly);
    } finally {
      this.depth--;
    }
    const out = mergeReturns(shapeOnly.returns) ?? literalValue(null);
    const callArgs = this.callArguments(infos, args, kwargs, span, { what: `${this.cls.name}.${method}`, followsMode: this.followsMode || !!this.ownMode });
    const callE = call(member({ k: "raw", text: "this" }, method === "__call__" ? "call" : method), ...callArgs);
    // A method without a return gives None: its call is a statement, and its value nothing the generated method holds.
    if (shapeOnly.returns.every(isNone)) return { ...literalValue(null), call: callE, returnsNothing: `${this.cls.name}.${method}` } as Value;
    return this.withCall(out, callE);
  }

  /** The value a call returns, read from the call expression `e`. */
  withCall(out: Value, e: TExpr): Value {
    if (out.kind === "array") return { ...out, call: e };
    const kept = withoutNones(out);
    if (kept !== out && (out.kind === "tuple" || out.kind === "list")) {
      // The method returns its tuple without the Nones (see the return statement).
      const stripped = this.withCall(kept, e);
      let k = 0;
      const items = out.items.map((item) => (isNone(item) ? item : kept.kind === "tuple" ? (stripped as { items: Value[] }).items[k++] : stripped));
      return { kind: out.kind, items };
    }
    if (out.kind === "tuple" || out.kind === "list") {
      return { kind: out.kind, items: out.items.map((item, i) => this.withCall(item, { k: "index", object: e, index: num(i) })), call: e };
    }
    if (out.kind === "dict") {
      return { ...out, entries: out.entries.map(([k, v]) => [k, this.withCall(v, { k: "index", object: e, index: typeof k === "number" ? num(k) : str(String(k)) })] as [Known, Value]), call: e };
    }
    if (out.kind === "static") return { ...out, call: e, ctor: out.ctor };
    return out;
  }

  /** Arguments of a call of a generated method: positional, then an options object for the optional ones. */
  callArguments(params: ParamInfo[], args: Value[], kwargs: Array<[string, Value]>, span: Span, callee?: { what: string; followsMode: boolean }): TExpr[] {
    const out: TExpr[] = [];
    const options: Array<{ key: string; value: TExpr }> = [];
    if (callee?.followsMode) this.followsMode = true;
    params.forEach((p, i) => {
      const v = args[i] ?? kwargs.find(([k]) => k === p.name)?.[1];
      if (p.kind === "mode") {
        // The callee follows the model's train()/eval() mode: a flag this call fixes would not reach it.
        if (callee?.followsMode && !followsCaller(p, v)) {
          const py = (b: boolean) => (b ? "True" : "False");
          const given = v?.kind === "static" && typeof v.known === "boolean" ? py(v.known) : v ? describe(v) : `its default${p.modeDefault === undefined ? "" : ` ${py(p.modeDefault)}`}`;
          this.stop(span, `${callee.what}(...) with '${p.name}' fixed to ${given} at this call (the translation's modules follow the model's train()/eval() mode)`);
        }
        return;
      }
      if (p.kind === "ignored") return; // an ignored input
      // Python binds every parameter without a default (TypeError otherwise).
      if (!v && !p.optional) this.stop(span, `the call gives no argument for '${p.name}'`);
      if (!v) return;
      const e = this.callExpr(v, span, `argument '${p.name}'`);
      if (p.optional || p.keywordOnly) options.push({ key: p.name, value: e });
      else out.push(e);
    });
    if (options.length) out.push({ k: "object", entries: options });
    return out;
  }

  // --- modules --------------------------------------------------------------

  /** `nn.Dense(3)`, `Block(n)`: a module value; built at its first call. */
  private newInstance(ctor: Value, args: Value[], kwargs: Array<[string, Value]>, span: Span, frame: Frame, _source?: unknown, layerClass?: string): Value {
    const nameArg = kwargs.find(([k]) => k === "name")?.[1];
    // Linen's `parent=None`: a detached module, no submodule of this one (nothing recorded, never built).
    const parentArg = kwargs.find(([k]) => k === "parent")?.[1];
    const detached = this.framework.name === "linen" && parentArg?.kind === "static" && parentArg.known === null;
    if (detached) kwargs = kwargs.filter(([k]) => k !== "parent");
    const inst: Instance & InstanceExtra = {
      id: this.ctx.site(),
      ctor,
      args,
      kwargs: kwargs.filter(([k]) => k !== "name"),
      name: nameArg && !(nameArg.kind === "static" && nameArg.known === null) ? nameArg : undefined,
      span,
      site: { loops: [...frame.loops], conditional: frame.conditional },
      ...(layerClass ? { layerClass } : {}),
      ...(detached ? { detached } : {}),
    };
    if (detached && (ctor.kind !== "global" || !this.framework.layers[ctor.name])) return this.stop(span, `${describe(ctor)}(parent=None) (only a framework layer may be made detached)`);
    if (!frame.dry && !frame.noRecord && !detached) {
      const base = layerClass ? this.framework.moduleBase(layerClass) : this.autoBase(ctor);
      const segment = ctor.kind === "lifted" ? ctor.scopeSegment : undefined;
      const event: RecordEvent = { e: "construct", site: inst.id, base, name: inst.name?.kind === "static" ? inst.name.ctor : undefined, eager: frame.method === "setup", method: frame.method, ...(segment ? { segment } : {}) };
      inst.record = event;
      frame.emitCtor({ k: "record", event });
    }
    this.instances.push(inst);
    return { kind: "module", inst };
  }

  private construct(cls: Extract<Value, { kind: "class" }>, args: Value[], kwargs: Array<[string, Value]>, span: Span, frame: Frame): Value {
    const moduleClass = this.ctx.classes.get(cls.name);
    if (moduleClass?.extendsLayer) {
      // A subclass of a framework layer is built and called as that layer, as its own class.
      if (!frame.dry) this.ctx.variantOf(moduleClass, new Map());
      if (this.ctx.failed.has(cls.name)) return this.stop(span, `${cls.name} could not be translated (see its diagnostics)`);
      const m = this.newInstance({ kind: "global", name: moduleClass.extendsLayer }, args, kwargs, span, frame, undefined, cls.name) as ModuleV;
      return m;
    }
    if (moduleClass?.liftedCall) {
      // `@functools.partial(nn.scan, ...)` on its __call__: built as `nn.scan(Cls, ...)` is, named as the class.
      const lifted = this.expr(moduleClass.liftedCall, frame);
      if (lifted.kind !== "lifted") return this.stop(span, `${cls.name}'s decorated __call__`);
      return this.newInstance({ ...lifted, namePrefix: undefined }, args, kwargs, span, frame);
    }
    if (moduleClass) return this.newInstance(cls, args, kwargs, span, frame);
    const config = this.ctx.configs.get(cls.name);
    if (config?.kind === "namedtuple") {
      // A NamedTuple (of arrays, typically a model's outputs): an object of its fields, in order.
      const bound = bindArguments(this, config.fields.map((f) => ({ name: f.name, default: f.default, span: f.span })), args, kwargs, span, `${cls.name}(...)`, (d) => this.expr(d, frame));
      return { kind: "dict", entries: config.fields.map((f) => [f.name, bound.get(f.name)!] as [Known, Value]), tuple: true } as Value;
    }
    if (config) return this.configInstance(config.name, args, kwargs, span);
    return this.stop(span, `constructing ${cls.name}`);
  }

  private configInstance(name: string, args: Value[], kwargs: Array<[string, Value]>, span: Span): Value {
    const config = this.ctx.configs.get(name)!;
    // Python binds every field without a default (TypeError otherwise).
    config.fields.forEach((f, i) => {
      if (!f.default && !args[i] && !kwargs.some(([k]) => k === f.name)) this.stop(span, `${name}(...) gives no value for its field '${f.name}', which has no default`);
    });
    const entries: Array<{ key: string; value: TExpr }> = [];
    const ctorEntries: Array<{ key: string; value: TExpr }> = [];
    const items: Value[] = [];
    config.fields.forEach((f, i) => {
      const v = args[i] ?? kwargs.find(([k]) => k === f.name)?.[1];
      if (!v) return;
      items.push(v);
      if (v.kind === "static") {
        if (v.call) entries.push({ key: f.name, value: v.call });
        if (v.ctor) ctorEntries.push({ key: f.name, value: v.ctor });
      }
    });
    void span;
    const fn = `${name.charAt(0).toLowerCase()}${name.slice(1)}`;
    return staticOf({ t: "config", cls: name }, call(fn, { k: "object", entries: ctorEntries }), call(fn, { k: "object", entries }));
  }

  private autoBase(ctor: Value): string {
    if (ctor.kind === "lifted") return `${ctor.namePrefix ?? ""}${this.autoBase(ctor.target)}`;
    if (ctor.kind === "global") return this.framework.layers[ctor.name]?.autoName ?? ctor.name.split(".").pop()!;
    if (ctor.kind === "class") return this.framework.moduleBase(ctor.name);
    return "module";
  }

  /**
   * A call of a lifted module. A scan's `__call__(carry, xs)` runs the target's
   * step along the axis (nnx.scan); other methods are the target's own. A stack's
   * call runs its layers in turn (nnx.scanLayers) and returns (y, None).
   */
  private callLifted(inst: Instance & InstanceExtra, lifted: Extract<Value, { kind: "lifted" }>, method: string, args: Value[], kwargs: Array<[string, Value]>, span: Span, frame: Frame): Value {
    const target = lifted.target;
    const inner = (m: string, a: Value[], k: Array<[string, Value]>): Value => {
      if (target.kind === "class") return this.callChildModule(inst, target.name, m, a, k, span, frame, lifted);
      const row = target.kind === "global" ? this.framework.layers[target.name] : undefined;
      if (row) return this.callLayer(inst, row, m, a, k, span, frame);
      return this.stop(span, `${describe(lifted)} of ${describe(target)}`);
    };
    // Rematerialization and compilation change memory and speed, never values: the target's own call.
    if (lifted.vmap) return this.callEnsemble(inst, lifted, method, args, kwargs, span, frame);
    if (lifted.transform === "identity") {
      // nn.jit forks the rngs only in the methods it jits (`__call__`); another method first would make the params unforked.
      if (lifted.fork && method !== "__call__") return this.stop(span, `the method '${method}' of an nn.jit module (only __call__ is jitted; its keys differ from a jitted call's)`);
      return inner(method, args, kwargs);
    }
    if (lifted.transform === "scan") {
      if (method !== "__call__") return inner(method, args, kwargs);
      const [carry, xs] = args;
      if (!carry || xs?.kind !== "array" || args.length !== 2 || kwargs.length) return this.stop(span, "a scanned module called with other than (carry, xs)");
      const inAxis = lifted.inAxis ?? 0;
      const outAxis = lifted.outAxis ?? 0;
      const steps = dimAt(xs.shape, inAxis);
      const x: ArrayV = { kind: "array", call: id("x"), shape: removeAxis(xs.shape, inAxis), dtype: xs.dtype };
      const c = this.asParameter(carry, "carry");
      const out = inner("__call__", [c, x], []);
      if (out.kind !== "tuple" || out.items.length !== 2) return this.stop(span, "a scanned step that does not return (carry, y)");
      const [carryOut, y] = out.items;
      const step: TExpr = { k: "arrow", params: [{ name: "carry", type: returnType(carry) }, { name: "x", type: "nnx.Array" }], body: this.callExpr(out, span, "the step's result") };
      const axes = (axis: number): TExpr => ({ k: "array", items: [rt("nnx.Carry"), num(axis)] });
      const options: TExpr = { k: "object", entries: [{ key: "inAxes", value: axes(inAxis) }, { key: "outAxes", value: axes(outAxis) }, ...(lifted.reverse ? [{ key: "reverse", value: { k: "bool", value: true } as TExpr }] : [])] };
      const scanned = call(call("nnx.scan", step, options), this.callExpr(carry, span, "the initial carry"), xs.call);
      const ys = stackedOver(y, outAxis, steps);
      return { kind: "tuple", items: [this.withCall(carryOut, { k: "index", object: scanned, index: num(0) }), this.withCall(ys, { k: "index", object: scanned, index: num(1) })], call: scanned };
    }
    // A stack of layers: the first argument runs through them; the rest are the same for every layer.
    const [x, ...rest] = args;
    if (x?.kind !== "array") return this.stop(span, "a stack of layers applied to other than an array");
    const layer: ArrayV = { kind: "array", call: id("x"), shape: x.shape, dtype: x.dtype };
    const out = inner(method, [layer, ...rest], kwargs);
    const y = out.kind === "tuple" ? out.items[0] : out;
    if (y?.kind !== "array") return this.stop(span, "a stacked layer that does not return an array first");
    const body = this.callExpr(y, span, "a layer's result");
    const ref = inst.built!.call;
    const step: TExpr = { k: "arrow", params: [{ name: "layer", type: "" }, { name: "x", type: "nnx.Array" }], body: replaceRef(body, ref, id("layer")) };
    const result = call("nnx.scanLayers", ref, x.call, step);
    const ys: ArrayV = { ...y, call: result, shape: x.shape };
    return out.kind === "tuple" ? { kind: "tuple", items: [ys, ...out.items.slice(1)] } : ys;
  }

  /**
   * A call of an ensemble (Linen's `nn.vmap(Cls, variable_axes={'params': 0}, ...)`):
   * the members' variables are stacked on axis 0 (nnx.stack) and the method runs
   * once per member under nnx.vmap, each on its slice of the mapped arguments,
   * the results stacked on the output axis.
   */
  private callEnsemble(inst: Instance & InstanceExtra, lifted: Extract<Value, { kind: "lifted" }>, method: string, args: Value[], kwargs: Array<[string, Value]>, span: Span, frame: Frame): Value {
    const { inAxes, outAxis, methods, shared } = lifted.vmap!;
    if (shared) return this.callShared(inst, lifted, method, args, kwargs, span, frame);
    if (!methods.includes(method)) return this.stop(span, `the method '${method}' of an nn.vmap ensemble, which nn.vmap does not map (methods=${JSON.stringify(methods)})`);
    const row = lifted.target.kind === "global" ? this.framework.layers[lifted.target.name] : undefined;
    if (lifted.target.kind !== "class" && !row) return this.stop(span, `an nn.vmap ensemble of ${describe(lifted.target)} (only of a module class of this file or a Linen layer)`);
    const { items: memberArgs, params, given, axisList: argAxes, mapped, size } = this.mapArguments(args, kwargs, inAxes, span, "an nn.vmap ensemble");
    // The members' own axis comes first.
    const axisList: TExpr[] = [num(0), ...argAxes];
    let length: Value | undefined = lifted.length;
    if (!length && mapped) {
      if (!size) return this.stop(span, "the number of nn.vmap members (no axis_size, and the mapped axis's size is not known)");
      length = staticOf({ t: "int" }, size, size);
    }
    if (!length) return this.stop(span, "an nn.vmap ensemble with no mapped argument and no axis_size");
    const sized = { ...lifted, length };
    if (row) inst.ensembleLength = this.ctorExpr(length, span, "the number of nn.vmap members");
    const out = lifted.target.kind === "class" ? this.callChildModule(inst, lifted.target.name, method, memberArgs, [], span, frame, sized) : this.callLayer(inst, row!, method, memberArgs, [], span, frame);
    if (out.kind !== "array") return this.stop(span, `an nn.vmap ensemble whose members return ${describe(out)} (only one array is translated)`);
    const ref = inst.built!.call;
    const type = this.members.get(inst.built!.member);
    const memberName = "member";
    const body = replaceRef(this.callExpr(out, span, "a member's result"), ref, id(memberName));
    const arrow: TExpr = { k: "arrow", params: [{ name: memberName, type: type?.kind === "child" ? type.type : "" }, ...params], body };
    const result = call(vmapOf(arrow, axisList, outAxis), ref, ...given);
    return { ...out, call: result, shape: insertAxis(out.shape, outAxis, this.ctorExpr(length, span, "the number of nn.vmap members")) };
  }

  /**
   * Stages `run` as the body of an arrow the runtime calls (a branch, a mapped function): its
   * statements then a return, or the bare expression (`what` names the result). What it builds goes
   * to the constructor; one that draws keys stops with `drawsKeysWhy` (the runtime would not draw the
   * source's keys there).
   */
  private closureBody(run: () => Value, span: Span, frame: Frame, what: string, drawsKeysWhy: string): { out: Value; body: TExpr | TStmt[] } {
    let out!: Value;
    let body!: TExpr | TStmt[];
    const block = frame.nested(() => {
      out = run();
      const result = this.callExpr(out, span, what);
      body = frame.block.call?.length ? [...frame.block.call, { k: "return", value: result }] : result;
    });
    if (drawsKeys(block.ctor ?? [])) this.stop(span, drawsKeysWhy);
    for (const st of block.ctor ?? []) frame.emitCtor(st);
    return { out, body };
  }

  /**
   * The arguments of a mapped call (nn.vmap, hk.vmap, jax.vmap) as one element sees them: arrays
   * mapped on their in_axes lose that axis and are read from the arrow's parameters (`x`, `x0`...);
   * other values pass as they are. `size`: the mapped axis's size of the first mapped argument.
   */
  private mapArguments(args: Value[], kwargs: Array<[string, Value]>, inAxes: number | null | Array<number | null>, span: Span, subject: string) {
    if (kwargs.length) this.stop(span, `${subject} called with keyword arguments (jax.vmap maps them on axis 0)`);
    if (Array.isArray(inAxes) && inAxes.length !== args.length) this.stop(span, `${subject} with ${inAxes.length} in_axes called with ${args.length} arguments`);
    const params: Array<{ name: string; type: string }> = [];
    const given: TExpr[] = [];
    const axisList: TExpr[] = [];
    let mapped = false;
    let size: Dim;
    const items = args.map((a, k): Value => {
      const axis = Array.isArray(inAxes) ? inAxes[k] : inAxes;
      if (a.kind !== "array") {
        if (axis !== null) this.stop(span, `argument ${k + 1} of ${subject} is mapped (in_axes ${axis}) but is ${describe(a)}, not an array`);
        return a;
      }
      const name = args.length === 1 ? "x" : `x${k}`;
      params.push({ name, type: "nnx.Array" });
      given.push(a.call);
      axisList.push(axis === null ? { k: "null" } : num(axis));
      if (axis === null) return { ...a, call: id(name) };
      if (a.shape.rank === undefined || axis >= a.shape.rank) this.stop(span, `an argument of ${subject} mapped on axis ${axis} whose rank is not known`);
      if (!mapped) size = dimAt(a.shape, axis);
      mapped = true;
      return { kind: "array", call: id(name), shape: removeAxis(a.shape, axis), dtype: a.dtype } as ArrayV;
    });
    return { items, params, given, axisList, mapped, size };
  }

  /**
   * `nn.vmap(Cls, variable_axes={'params': None}, split_rngs={'params': False})`:
   * one module whose parameters every element shares (built once, from one
   * element's shapes, under `VmapCls_0`), its method run per element by nnx.vmap.
   * Keys drawn per call are reported (every element would get the same key).
   */
  private callShared(inst: Instance & InstanceExtra, lifted: Extract<Value, { kind: "lifted" }>, method: string, args: Value[], kwargs: Array<[string, Value]>, span: Span, frame: Frame): Value {
    const { inAxes, outAxis, methods } = lifted.vmap!;
    if (!methods.includes(method)) return this.stop(span, `the method '${method}' of an nn.vmap module, which nn.vmap does not map (methods=${JSON.stringify(methods)})`);
    const row = lifted.target.kind === "global" ? this.framework.layers[lifted.target.name] : undefined;
    if (lifted.target.kind !== "class" && !row) return this.stop(span, `an nn.vmap of ${describe(lifted.target)} (only of a module class of this file or a Linen layer)`);
    const { items, params, given, axisList, mapped, size } = this.mapArguments(args, kwargs, inAxes, span, "an nn.vmap module");
    if (!mapped) return this.stop(span, "an nn.vmap module with no mapped argument");
    const length: Dim = (lifted.length?.kind === "static" ? lifted.length.call : undefined) ?? size;
    const { out: y, body } = this.closureBody(
      () => (lifted.target.kind === "class" ? this.callChildModule(inst, lifted.target.name, method, items, [], span, frame, lifted) : this.callLayer(inst, row!, method, items, [], span, frame)),
      span,
      frame,
      "the nn.vmap module's result",
      "an nn.vmap module with shared parameters that draws random keys (dropout, make_rng): its elements' keys are not translated",
    );
    if (y.kind !== "array") return this.stop(span, `an nn.vmap module that returns ${describe(y)} (one array is translated)`);
    const arrow: TExpr = { k: "arrow", params, body };
    return { ...y, call: call(vmapOf(arrow, axisList, outAxis), ...given), shape: insertAxis(y.shape, outAxis, length) };
  }

  /** `hk.scan(cell, carry, xs)`: the module's call stepped along axis 0 of xs. */
  scanModule(m: ModuleV, carry: Value, xs: Value, span: Span, frame: Frame, reverse = false): Value {
    const inst = m.inst as Instance & InstanceExtra;
    const lifted: Extract<Value, { kind: "lifted" }> = { kind: "lifted", transform: "scan", target: inst.ctor, inAxis: 0, outAxis: 0, reverse };
    return this.callLifted(inst, lifted, "__call__", [carry, xs], [], span, frame);
  }

  /** A value as a step function sees its parameter `name` (same structure, read from the parameter). */
  private asParameter(v: Value, name: string): Value {
    if (v.kind === "array") return { ...v, call: id(name) };
    if (v.kind === "tuple" || v.kind === "list") return { kind: v.kind, items: v.items.map((item, i) => this.itemOf(item, id(name), i)), call: id(name) };
    return v;
  }

  /** Haiku's `@hk.experimental.layer_stack(n) def f(x): return Module(...)(x, ...)`, called. */
  private applyLayerStack(lifted: Extract<Value, { kind: "lifted" }>, args: Value[], kwargs: Array<[string, Value]>, span: Span, frame: Frame): Value {
    const fn = lifted.fn!;
    const def = fn.def;
    const ret = "kind" in def ? undefined : def.body.length === 1 && def.body[0].kind === "return" ? def.body[0].value : undefined;
    if (!ret || ret.kind !== "call" || ret.fn.kind !== "call" || args.length !== 1 || kwargs.length || fn.method) return this.applyStackedBody(lifted, args, kwargs, span, frame);
    const inner = new Frame(frame.method, frame.dry, new Map(fn.closure));
    inner.block = frame.block;
    inner.loops = frame.loops;
    inner.ctorScopes = frame.ctorScopes;
    inner.env.set(def.params[0].name, args[0]);
    const ctorFn = this.expr(ret.fn.fn, inner);
    if (ctorFn.kind !== "class" || statefulUse("kind" in def ? [] : def.body, this.ctx)) return this.applyStackedBody(lifted, args, kwargs, span, frame);
    const ctorArgs = ret.fn.args.map((a) => this.expr(a.value, inner));
    const stacked: Extract<Value, { kind: "lifted" }> = { kind: "lifted", transform: "stack", target: ctorFn, length: lifted.length, namePrefix: lifted.namePrefix, scopeSegment: lifted.scopeSegment };
    const names = ret.fn.args.map((a) => a.name);
    const instance = this.newInstance(stacked, ctorArgs.filter((_, i) => !names[i]), ctorArgs.map((v, i) => [names[i], v] as [string | undefined, Value]).filter(([k]) => k) as Array<[string, Value]>, span, frame);
    const callArgs = ret.args.map((a) => this.expr(a.value, inner));
    return this.apply(instance, callArgs.filter((_, i) => !ret.args[i].name), callArgs.map((v, i) => [ret.args[i].name, v] as [string | undefined, Value]).filter(([k]) => k) as Array<[string, Value]>, span, inner);
  }

  /** Methods run as a layer stack's body (`hk.layer_stack(n)(self._block)`). */
  private readonly stackedMethods = new Set<string>();

  /** Haiku's layer_stack over any function body: the body as a module class of its own (layer-stack.ts), stacked. */
  private applyStackedBody(lifted: Extract<Value, { kind: "lifted" }>, args: Value[], kwargs: Array<[string, Value]>, span: Span, frame: Frame): Value {
    const fn = lifted.fn!;
    if (args.length !== 1 || kwargs.length) return this.stop(span, "hk.layer_stack of a function called with other than one argument (the carry)");
    const read = (e: Expr): Value => this.expr(e, childFrame(frame, new Map(fn.closure)));
    const stop = (at: Span, what: string): never => this.stop(at, what);
    const def = fn.def;
    const stateful = statefulUse("kind" in def ? [{ kind: "expr", value: def.body, span }] : def.body, this.ctx);
    if (stateful) return this.stop(span, `hk.layer_stack of a function whose layers keep state (${stateful}): Haiku's stack runs each layer's init and an apply inside its own init, which a stacked NNX layer does not start from`);
    const body = stackedBody(this.ctx, fn, read, stop);
    if (fn.method) this.stackedMethods.add(fn.method);
    const stacked: Extract<Value, { kind: "lifted" }> = { kind: "lifted", transform: "stack", target: { kind: "class", name: body.cls.name }, length: lifted.length };
    // A method of the module re-enters the module's scope inside the stack's (`<stack>/<module>/~<method>/...`).
    const scope = lifted.scopeSegment ?? "__layer_stack_no_per_layer";
    const instance = this.newInstance(stacked, [], [...body.fields, ["name", literalValue(fn.method ? `${scope}/${SELF_PATH}/~${fn.method}` : scope)]], span, frame);
    // The member is named for the function stacked (`block` → `this.block`), not for Haiku's scope.
    if (instance.kind === "module") instance.inst.memberHint = "kind" in fn.def ? "layers" : fn.method ? `${fn.def.name.replace(/^_+/, "")}_stack` : fn.def.name;
    return this.apply(instance, [args[0], ...body.callArgs], [], span, frame);
  }

  /** Calls a submodule's method; builds it first if this is its first call. */
  callModule(mv: ModuleV, method: string, args: Value[], kwargs: Array<[string, Value]>, span: Span, frame: Frame): Value {
    const inst = mv.inst as Instance & InstanceExtra;
    const ctor = inst.ctor;
    if (ctor.kind === "lifted") return this.callLifted(inst, ctor, method, args, kwargs, span, frame);
    if (ctor.kind === "global") {
      const row = this.framework.layers[ctor.name];
      const cell = row?.layer === "RNN" ? inst.args[0] ?? inst.kwargs.find(([k]) => k === "cell")?.[1] : undefined;
      if (row && cell?.kind === "module" && cell.inst.ctor.kind === "class") return this.callUserCellRnn(inst, row, cell, method, args, kwargs, span, frame);
      const layers = row?.layer === "Sequential" ? (inst.args[0] ?? inst.kwargs.find(([k]) => k === "layers")?.[1]) : undefined;
      // Sequential passes its call's other arguments to its first layer only: a train/eval flag for a module of the file.
      if (row && layers && (kwargs.length || args.length > 1) && (layers.kind === "list" || layers.kind === "tuple")) {
        const first = layers.items[0];
        const flag = (v: Value) => v.kind === "mode" || (v.kind === "static" && typeof v.known === "boolean");
        if (!kwargs.every(([, v]) => flag(v)) || !args.slice(1).every(flag) || first?.kind !== "module" || first.inst.ctor.kind !== "class") return this.stop(span, `${row.autoName}(...) called with more than its input (only train/eval flags, for a first layer that is a module of the file)`);
        first.inst.firstExtra = { args: args.slice(1), kwargs };
        args = args.slice(0, 1);
        kwargs = [];
      }
      if (row && layers?.kind === "modules") return this.callSequentialList(inst, row, layers, method, args, kwargs, span, frame);
      if (row) return this.callLayer(inst, row, method, args, kwargs, span, frame);
    }
    if (ctor.kind === "class") return this.callChildModule(inst, ctor.name, method, args, kwargs, span, frame);
    return this.stop(span, `calling ${describe(ctor)}`);
  }

  /**
   * `nn.Sequential([Block(f) for f in self.features])(x)`: an nnx.Sequential built
   * empty, its items pushed by the constructor's loop over the sequence (each sized
   * by the one before, as `for layer in layers: x = layer(x)` is staged); the method
   * calls the Sequential. Linen's setup names the items `layers_<i>` inside it.
   */
  private callSequentialList(inst: Instance & InstanceExtra, row: SourceLayer, layers: ModulesV, method: string, args: Value[], kwargs: Array<[string, Value]>, span: Span, frame: Frame): Value {
    if (method !== "__call__" || args.length !== 1 || kwargs.length || args[0].kind !== "array") return this.stop(span, `${row.autoName}([... for ...]) called with other than one array`);
    const list = layers.list;
    // Called again: built already, its output staged shape-only.
    const again = !!list.pushTo;
    if (!again && (list.made || list.attr || layers.slice || layers.enumerate)) return this.stop(span, `${row.autoName} of a list of submodules a method also uses`);
    const inner = this.framework.name === "linen" && list.record?.e === "construct" && !!list.record.eager;
    if (inner && list.record?.e === "construct" && !list.record.name) list.record.name = { k: "template", parts: ["layers_", { k: "id", name: "item_", raw: true }] };
    this.ensureBuilt(inst, frame, span, () => ({ cls: "nnx.Sequential", args: [], layer: { leaves: row.leaves, draws: row.draws } }), "nnx.Sequential", row.autoName);
    const seq = inst.built!;
    const look = frame.dry || again;
    if (!look) {
      list.made = true;
      list.member = "_";
      list.pushTo = { list: member(seq.ctor, "layers"), ...(inner ? { within: seq.ctor } : {}) };
    }
    // `for layer in layers: x = layer(x)` in a scope of its own; only its constructor side is kept.
    const env = new Map(frame.env);
    env.set("layers", layers);
    env.set("x", args[0]);
    const inner2 = look ? new Frame(frame.method, true, env) : childFrame(frame, env);
    const at = span;
    const nm = (n: string): Expr => ({ kind: "name", id: n, span: at });
    const loop: Extract<Stmt, { kind: "for" }> = { kind: "for", target: { kind: "name", id: "layer", span: at }, iter: nm("layers"), body: [{ kind: "assign", targets: [{ kind: "name", id: "x", span: at }], value: { kind: "call", fn: nm("layer"), args: [{ value: nm("x") }], span: at }, span: at }], orelse: [], span: at };
    if (!look) inner2.block = { ctor: frame.block.ctor, call: undefined };
    this.forStmt(loop, inner2);
    const out = inner2.env.get("x");
    if (out?.kind !== "array") return this.stop(span, `${row.autoName}([... for ...]) whose items do not return an array`);
    return this.withCall(out, call(member(seq.call, "call"), args[0].call));
  }

  /**
   * `nn.RNN(Cell(...))(inputs, initial_carry=...)` for a cell class of the file:
   * nn.RNN is nn.scan of the cell over the time axis, parameters shared by the
   * steps. A cell constructed in a compact method is already bound to this module
   * (its parameters are `Cell_0/...`, the RNN adds no scope), so it is built as
   * this module's child and its call scanned (nnx.scan), every output array
   * stacked on the time axis as nn.scan stacks every leaf.
   */
  private callUserCellRnn(rnn: Instance & InstanceExtra, row: SourceLayer, cell: ModuleV, method: string, args: Value[], kwargs: Array<[string, Value]>, span: Span, frame: Frame): Value {
    const cellInst = cell.inst as Instance & InstanceExtra;
    const clsName = (cellInst.ctor as { name: string }).name;
    const cls = this.ctx.classes.get(clsName);
    if (!cls || method !== "__call__") return this.stop(span, `nn.RNN(${clsName}(...)).${method}(...)`);
    // Linen names the parameters of a cell made in setup under the RNN (`rnn/cell/...`): not this module's child.
    if (cellInst.record?.e === "construct" && cellInst.record.eager) return this.stop(span, `nn.RNN given a cell of the file (${clsName}) made in setup (only a cell constructed in a compact method translates)`);
    // split_rngs={'params': False, '<stream>': True}: each step's make_rng(<stream>) draws from that step's key.
    const splitArg = rnn.kwargs.find(([k]) => k === "split_rngs")?.[1];
    const split = splitArg?.kind === "static" && splitArg.known && typeof splitArg.known === "object" && !Array.isArray(splitArg.known) ? (splitArg.known as Record<string, unknown>) : undefined;
    const perStep = split && split.params === false && Object.entries(split).every(([k, v]) => k === "params" || v === true) ? Object.keys(split).filter((k) => k !== "params") : [];
    // The RNN's own settings (split_rngs with another stream is reported by the row).
    const options = layerConfig(this.layerHost, perStep.length ? { ...rnn, kwargs: rnn.kwargs.filter(([k]) => k !== "split_rngs") } : rnn, row, span).options;
    const CALL = ["inputs", "initial_carry", "init_key", "seq_lengths", "return_carry", "time_major", "reverse", "keep_order"];
    if (args.length !== 1) return this.stop(span, `nn.RNN(${clsName}(...)) called with other than its inputs positionally`);
    const given = new Map<string, Value>([["inputs", args[0]]]);
    for (const [k, v] of kwargs) {
      if (!CALL.includes(k)) return this.stop(span, `nn.RNN(...) called with '${k}'`);
      if (!(v.kind === "static" && v.known === null)) given.set(k, v);
    }
    const flag = (name: string, option: string): boolean | undefined => {
      const v = given.get(name) ?? options.get(option);
      if (!v) return false;
      return v.kind === "static" && typeof v.known === "boolean" ? v.known : v.kind === "static" && v.known === null ? false : undefined;
    };
    const returnCarry = flag("return_carry", "returnCarry");
    if (returnCarry === undefined) return this.stop(span, `nn.RNN(${clsName}(...)) whose return_carry is not a fixed True or False`);
    for (const [name, option] of [["time_major", "timeMajor"], ["reverse", "reverse"]]) {
      if (flag(name, option) !== false) return this.stop(span, `nn.RNN(${clsName}(...), ${name}=...) (a cell of the file is translated batch-major and forward only)`);
    }
    for (const name of ["seq_lengths", "init_key"]) if (given.has(name)) return this.stop(span, `nn.RNN(${clsName}(...)) called with ${name}`);
    const carry = given.get("initial_carry");
    if (!carry) return this.stop(span, `nn.RNN(${clsName}(...)) called without initial_carry (Linen would draw it with ${clsName}.initialize_carry and key(0))`);
    const xs = given.get("inputs")!;
    if (xs.kind !== "array" || xs.shape.rank === undefined) return this.stop(span, `nn.RNN(${clsName}(...)) applied to ${describe(xs)} (an array of known rank)`);
    // Linen reads the cell's num_feature_axes: the time axis is just before those.
    const nfa = [...cls.properties, ...cls.methods].find((m) => m.name === "num_feature_axes");
    const ret = nfa?.body.length === 1 && nfa.body[0].kind === "return" ? nfa.body[0].value : undefined;
    if (ret?.kind !== "int") return this.stop(span, `nn.RNN(${clsName}(...)): ${clsName}.num_feature_axes is not a property that returns a number`);
    const timeAxis = xs.shape.rank - (ret.value + 1);
    if (timeAxis < 0) return this.stop(span, `nn.RNN(${clsName}(...)) applied to an array without a time axis`);
    // Linen broadcasts every stream but 'params' unsplit: a key the cell draws is the same at every step, which a step-by-step draw is not.
    const draws = this.classDrawsKeys(clsName, new Set(perStep));
    if (draws) return this.stop(span, `nn.RNN(${clsName}(...)) whose cell draws a key each step (${draws}) without split_rngs for its stream`);
    const lifted: Extract<Value, { kind: "lifted" }> = { kind: "lifted", transform: "scan", target: cellInst.ctor, inAxis: timeAxis, outAxis: timeAxis };
    const out = this.callLifted(cellInst, lifted, "__call__", [carry, xs], [], span, frame);
    // The recorder learns that the cell's keys of these streams come from split(key, steps)[step].
    if (perStep.length && cellInst.built && !frame.dry) frame.emitCtor({ k: "record", event: { e: "scanKeys", module: cellInst.built.ctor, streams: perStep } });
    if (out.kind !== "tuple" || out.items.length !== 2) return this.stop(span, `${clsName}'s step that does not return (carry, y)`);
    return returnCarry ? out : out.items[1];
  }

  /**
   * What in a class of the file (or the classes of the file it names) draws a
   * key of a stream not in `split`: `make_rng` of another (or an unknown) stream,
   * a Dropout; undefined if nothing.
   */
  private classDrawsKeys(clsName: string, split: Set<string>, seen = new Set<string>()): string | undefined {
    if (seen.has(clsName)) return undefined;
    seen.add(clsName);
    const cls = this.ctx.classes.get(clsName);
    if (!cls) return undefined;
    const tree = [cls.methods, cls.setup ?? null, cls.properties];
    const text = JSON.stringify(tree);
    const dropout = /Dropout|dropout/.exec(text);
    if (dropout) return dropout[0];
    const found: string[] = [];
    const walk = (n: unknown): void => {
      if (!n || typeof n !== "object") return;
      if (Array.isArray(n)) return n.forEach(walk);
      const o = n as { kind?: string; fn?: { kind?: string; attr?: string }; args?: Array<{ value?: { kind?: string; value?: unknown } }> };
      if (o.kind === "call" && o.fn?.kind === "attr" && o.fn.attr === "make_rng") {
        const a = o.args?.[0]?.value;
        found.push(a?.kind === "str" && typeof a.value === "string" ? a.value : "?");
      }
      Object.values(o).forEach(walk);
    };
    walk(tree);
    const other = found.find((st) => !split.has(st));
    if (other !== undefined || (found.length === 0 && /make_rng/.test(text))) return `make_rng(${other === "?" || other === undefined ? "..." : `'${other}'`})`;
    for (const name of this.ctx.classes.keys()) {
      if (name !== clsName && new RegExp(`"${name}"`).test(text)) {
        const f = this.classDrawsKeys(name, split, seen);
        if (f) return f;
      }
    }
    return undefined;
  }

  private callLayer(inst: Instance & InstanceExtra, row: SourceLayer, method: string, args: Value[], kwargs: Array<[string, Value]>, span: Span, frame: Frame): Value {
    return callLayer(this.layerHost, inst, row, method, args, kwargs, span, frame);
  }

  /** The stager's services to layer calls (src/stage/layer-calls.ts). */
  private get layerHost(): LayerHost {
    const self = this;
    return {
      layers: this.framework.layers,
      framework: this.framework.name,
      stop: (span, what) => self.stop(span, what),
      unsupported: (span, what) => self.unsupported(span, what),
      warn: (span, code, text) => {
        if (!self.dry) self.ctx.diags.warning(code, text, span);
      },
      sows: ({ cls, collection, name }) => {
        if (!self.ctx.sown.some((x) => x.cls === cls && x.member === name)) self.ctx.sown.push({ cls, member: name, collection, name });
      },
      callExpr: (v, span, what) => self.callExpr(v, span, what),
      asStatic: (v, span) => self.asStatic(v, span),
      functionLayer: (v, x, span) => {
        const xs = Array.isArray(x) ? x : [x];
        // A function of the file given as a layer (`lambda x: jax.nn.one_hot(x, n)`): written as an arrow, its output shaped by staging it on the input.
        // `functools.partial(nn.softmax, axis=-1)` is staged as `lambda x: partial(x)`.
        if (v.kind === "partial") {
          const at = { name: (x: string): Expr => ({ kind: "name", id: x, span }) };
          const names = xs.length === 1 ? ["_x"] : xs.map((_, i) => `_x${i}`);
          v = { kind: "func", def: { kind: "lambda", params: names.map((name) => ({ name, span })), body: { kind: "call", fn: at.name("_f"), args: names.map((n) => ({ value: at.name(n) })), span }, span }, closure: new Map([["_f", v]]) };
        }
        if (v.kind !== "func" || v.method || v.def.params.length !== xs.length) return undefined;
        try {
          const staged: { result?: Value } = {};
          const expr = self.functionExpr(v, xs.map(() => "array"), "ctor", span, xs.map(() => "tf.Tensor"), xs, staged);
          const o = staged.result;
          return o?.kind === "array" ? { expr, out: o } : undefined;
        } catch (e) {
          if (e instanceof StageStop) return undefined;
          throw e;
        }
      },
      modeOf: (v, t, span) => self.modeOf(v, t, span),
      followsMode: () => {
        self.followsMode = true;
      },
      ensureBuilt: (inst, frame, span, build, type, base) => self.ensureBuilt(inst, frame, span, build, type, base),
      assumeRank: (x, rank) => self.assumeRank(x, rank),
      recordDraw: (frame) => frame.emitCtor({ k: "record", event: { e: "draw", count: 1 } }),
      reserve: (inst, base) => {
        const i = inst as Instance & InstanceExtra;
        self.reserve(i, base);
        return i.reserved!.call;
      },
      padPair: (fn, size) => self.padPair(fn, size),
      userChildOutput: (v, method, args, span) => self.userChildOutput(v, method, args, span),
      buildUserChild: (v, method, args, frame, span, inner) => self.buildUserChild(v, method, args, frame, span, inner),
    };
  }

  /** What a module of the file given to a layer (an item of nn.Sequential) returns for these inputs: a shape-only look. */
  private userChildOutput(v: ModuleV, method: string, args: CallArgs, span: Span): OutSpec | undefined {
    const inst = v.inst as Instance & InstanceExtra;
    if (inst.ctor.kind !== "class") return undefined;
    // A copy: the look must not mark the module built.
    const look = { ...inst, built: undefined } as Instance & InstanceExtra;
    const out = this.tryStaging(() => this.callChildModule(look, (inst.ctor as { name: string }).name, method, [...args.values(), ...(inst.firstExtra?.args ?? [])], inst.firstExtra?.kwargs ?? [], span, new Frame(method, true)));
    const spec = (x: Value | undefined): OutSpec | undefined => {
      if (x?.kind === "array") return { shape: x.shape, dtype: x.dtype };
      if (x?.kind === "tuple") {
        const items = x.items.map(spec);
        return items.every((i) => i) ? { items: items as OutSpec[] } : undefined;
      }
      return undefined;
    };
    return spec(out);
  }

  /**
   * A module of the file given to a layer (an item of nn.Sequential), built inside
   * the layer's construction with the sizes these inputs give it: its construction.
   */
  private buildUserChild(v: ModuleV, method: string, args: CallArgs, frame: Frame, span: Span, inner: boolean): TExpr {
    const inst = v.inst as Instance & InstanceExtra;
    const clsName = (inst.ctor as { name: string }).name;
    if (frame.dry) return { k: "new", cls: { k: "raw", text: clsName }, args: [] };
    let built: TExpr | undefined;
    inst.capture = { inner, take: (e) => (built = e) };
    try {
      this.callChildModule(inst, clsName, method, [...args.values(), ...(inst.firstExtra?.args ?? [])], inst.firstExtra?.kwargs ?? [], span, frame);
    } finally {
      inst.capture = undefined;
    }
    return built ?? this.stop(span, `${clsName} given to a layer that it cannot build`);
  }

  /** Haiku's pad functions (hk.pad.*), or a function of the file, applied to a fixed size: `(low, high)` when fixed. */
  private padPair(fn: Value, size: number): [number, number] | undefined {
    if (fn.kind === "global") {
      const pads: Record<string, [number, number]> = {
        "haiku.pad.valid": [0, 0],
        "haiku.pad.same": [Math.floor((size - 1) / 2), Math.floor(size / 2)],
        "haiku.pad.full": [size - 1, size - 1],
        "haiku.pad.causal": [size - 1, 0],
        "haiku.pad.reverse_causal": [0, size - 1],
      };
      return pads[fn.name];
    }
    if (fn.kind !== "func" || fn.method || fn.def.params.length !== 1) return undefined;
    const frame = new Frame("", true, new Map(fn.closure));
    frame.env.set(fn.def.params[0].name, literalValue(size));
    try {
      let result: Value | undefined;
      if ("kind" in fn.def) result = this.expr(fn.def.body, frame);
      else {
        this.body(fn.def.body, frame);
        result = mergeReturns(frame.returns);
      }
      const known = result && this.asStatic(result, fn.def.span)?.known;
      return Array.isArray(known) && known.length === 2 && known.every((x) => typeof x === "number" && Number.isInteger(x)) ? [known[0] as number, known[1] as number] : undefined;
    } catch (err) {
      if (err instanceof StageStop) return undefined;
      throw err;
    }
  }

  /** A value as layer options and initializer arguments hold it: fixed values, framework functions, tuples of them. */
  asStatic(v: Value, span: Span): StaticV | undefined {
    if (v.kind === "static") return v;
    if (v.kind === "global") return this.functionValue(v, span);
    if (v.kind === "tuple" || v.kind === "list") {
      const items = v.items.map((i) => this.asStatic(i, span));
      if (!items.every((i): i is StaticV => !!i)) return undefined;
      const known = items.every((i) => i.known !== undefined) ? items.map((i) => i.known as Known) : undefined;
      const out = staticOf(
        { t: "tuple", items: items.map((i) => i.type) },
        items.every((i) => i.ctor) ? { k: "array", items: items.map((i) => i.ctor!) } : undefined,
        items.every((i) => i.call) ? { k: "array", items: items.map((i) => i.call!) } : undefined,
        known,
      );
      return Object.assign(out, { items });
    }
    return undefined;
  }

  /** A framework function passed as a value (an initializer, an activation). */
  private functionValue(v: Extract<Value, { kind: "global" }>, span: Span): StaticV | undefined {
    const init = initializerSpec(v.name);
    if (init?.direct) return staticOf({ t: "initializer" }, rt(init.rt), rt(init.rt));
    const spec = opSpec(v.name);
    if (spec) return staticOf({ t: "activation" }, rt(spec.rt), rt(spec.rt));
    void span;
    return undefined;
  }

  private modeOf(v: Value, trueMeansTraining: boolean, span: Span): Value {
    if (v.kind === "mode") return v;
    if (v.kind === "static") {
      if (v.known === null) return v;
      // A fixed switch at this call site.
      const deterministic = trueMeansTraining ? notExpr(v.call ?? { k: "bool", value: false }) : v.call ?? { k: "bool", value: true };
      const known = typeof v.known === "boolean" ? (trueMeansTraining ? !v.known : v.known) : undefined;
      return staticOf({ t: "bool" }, undefined, known !== undefined ? { k: "bool", value: known } : deterministic, known);
    }
    return this.stop(span, `a train/eval switch given as ${describe(v)}`);
  }

  /**
   * Builds a submodule in the constructor at its first call: a member (a list
   * when the construction is in a loop), and the statement that creates it.
   */
  private ensureBuilt(
    inst: Instance,
    frame: Frame,
    span: Span,
    build: (ctx: { missing(what: string): TExpr }) => BuildSpec,
    type: string,
    base: string,
  ): void {
    if (inst.built) return;
    if (frame.dry) {
      inst.built = { member: "_", call: { k: "this", name: inst.memberHint ?? inst.attrName ?? base }, ctor: id("_") };
      this.builtDry.push(inst);
      return;
    }
    if (inst.reserved && inst.site.loops.length) this.stop(span, "a submodule built in a loop after a first call elsewhere");
    if (frame.callOnly) this.stop(span, "a submodule first called under a condition on a call argument");
    if (inst.element && !inst.element.index && !frame.loops.length) this.stop(span, "an item of a list of submodules first called outside a loop over the list");
    const missing: string[] = [];
    const built0 = build({
      missing: (what) => {
        missing.push(what);
        return num(0);
      },
    });
    // A subclass of the layer (`StdConv(nn.Conv)`) is built as itself.
    const stacked = (inst as InstanceExtra).ensembleLength;
    const spec = { ...built0, ...(inst.layerClass ? { cls: inst.layerClass } : {}), ...(stacked && !built0.stack ? { stack: stacked } : {}) };
    if (inst.layerClass) type = inst.layerClass;
    if (missing.length) {
      this.stop(span, `cannot work out ${missing[0]} here; NNX builds every layer with its sizes (give the input's size, e.g. an init call with a sample input)`);
    }
    if (inst.capture) {
      // Built inside a layer's construction (an item of nn.Sequential): the layer holds it.
      const value: TExpr = { k: "recorded", event: { e: "build", site: spec.site ?? inst.id, ...(inst.capture.inner ? { inner: true } : {}) }, value: { k: "new", cls: rt(spec.cls), args: spec.args } };
      inst.built = { member: "_", call: id("_"), ctor: id("_") };
      inst.inline = true;
      inst.capture.take(value);
      return;
    }
    if (inst.element) {
      // An item of a list of submodules: pushed onto the list in the constructor's loop over its sequence.
      const list = inst.element.list;
      if (!list.made) {
        list.made = true;
        list.member ??= this.members.fresh(`${snakeBase(base)}s`);
        this.members.add({ kind: "child", name: list.member, type, list: true, optional: false });
        this.members.prologue.push({ k: "assign", target: memberRef(list.member), value: { k: "new", cls: { k: "raw", text: `nnx.List<${type}>` }, args: [] } });
      }
      const listMember = list.member!;
      advanceList(this, list, inst.element.at ?? { loop: {} }, frame, span);
      const within = list.pushTo?.within;
      const value: TExpr = { k: "recorded", event: { e: "build", site: spec.site ?? inst.id, layer: spec.layer, ...(within ? { within } : {}) }, value: { k: "new", cls: rt(spec.cls), args: spec.args } };
      frame.emitCtor({ k: "expr", value: call(member(list.pushTo?.list ?? memberRef(listMember), "push"), value) });
      const index = inst.element.index;
      inst.built = { member: listMember, call: index ? call(member(memberRef(listMember), "get"), index) : inst.element.call!, ctor: id("_") };
      return;
    }
    const inLoop = inst.site.loops.length > 0;
    const hint = inst.memberHint ?? inst.attrName ?? this.nameHint(inst) ?? snakeBase(base);
    const shared = inLoop || inst.reserved ? undefined : this.choiceMember(inst.span, type);
    const memberName = inst.reserved?.member ?? shared?.name ?? this.members.fresh(hint);
    if (shared) this.choice!.shared.set(shared.key, memberName);
    const m = (shared?.name && this.members.get(memberName)) || this.members.add({ kind: "child", name: memberName, type, list: inLoop, optional: false });
    const created: TExpr = { k: "new", cls: rt(spec.cls), args: spec.args };
    // A stack: the layers built `length` times, their variables stacked on a new first axis.
    const built: TExpr = spec.stack ? call("nnx.stack", spec.stack, { k: "arrow", params: [], body: created }) : created;
    const splitRngs = inst.ctor.kind === "lifted" ? inst.ctor.splitRngs : undefined;
    const once = inst.ctor.kind === "lifted" && !!inst.ctor.vmap;
    const fork = inst.ctor.kind === "lifted" && !!inst.ctor.fork;
    const stackEvent = { ...(splitRngs ? { rngs: splitRngs } : {}), ...(once ? { once } : {}) };
    const value: TExpr = { k: "recorded", event: { e: "build", site: spec.site ?? inst.id, layer: spec.layer, ...(spec.stack ? { stack: stackEvent } : {}), ...(fork ? { fork } : {}) }, value: built };
    if (inLoop) {
      this.members.prologue.push({ k: "assign", target: memberRef(memberName), value: { k: "new", cls: { k: "raw", text: `nnx.List<${type}>` }, args: [] } });
      frame.emitCtor({ k: "expr", value: call(member(memberRef(memberName), "push"), value) });
      const counter = this.listIndex(inst, frame, memberName);
      inst.built = { member: memberName, call: { k: "index", object: memberRef(memberName), index: counter }, ctor: id("_") };
    } else {
      if (frame.conditional) this.members.makeOptional(memberName, { k: "assign", target: memberRef(memberName), value: { k: "null" } });
      const build: TStmt = { k: "assign", target: memberRef(memberName), value };
      // Built once (setup, or outside the loop) but first called in a loop: the constructor builds it before the loop.
      if (frame.loops.length) this.builtOnce.add(build);
      frame.emitCtor(build);
      inst.built = { member: memberName, call: m.kind === "child" && m.optional ? { k: "nonnull", value: memberRef(memberName) } : memberRef(memberName), ctor: memberRef(memberName) };
    }
  }

  /** Names the member a submodule will be built into, before it is built. */
  private reserve(inst: Instance & InstanceExtra, base: string): void {
    if (inst.reserved) return;
    const name = this.members.fresh(inst.memberHint ?? inst.attrName ?? this.nameHint(inst) ?? snakeBase(base));
    inst.reserved = { member: name, call: memberRef(name) };
  }

  /** Which element of a list member this construction is, in the method. */
  private listIndex(inst: Instance & InstanceExtra, frame: Frame, memberName: string): TExpr {
    const loop = inst.site.loops[inst.site.loops.length - 1];
    if (inst.site.loops.length === 1 && !inst.site.conditional && loop.counter) return loop.counter;
    // Otherwise a running counter over the calls in the method.
    const counter = `${memberName}_index`;
    frame.emitCallAtTop({ k: "let", name: tsCounter(counter), raw: true, value: num(0), mutable: true });
    return { k: "raw", text: `${tsCounter(counter)}++` };
  }


  private nameHint(inst: Instance): string | undefined {
    const n = inst.name;
    if (n?.kind !== "static") return undefined;
    if (typeof n.known === "string") return n.known;
    // An f-string name (`f'hidden_{i}'`): its fixed prefix.
    const e = n.ctor ?? n.call;
    if (e?.k === "template") {
      const prefix = e.parts.filter((p): p is string => typeof p === "string").join("_").replace(/_+$/, "");
      return prefix || undefined;
    }
    return undefined;
  }

  private callChildModule(inst: Instance & InstanceExtra, clsName: string, method: string, args: Value[], kwargs: Array<[string, Value]>, span: Span, frame: Frame, lifted?: Extract<Value, { kind: "lifted" }>): Value {
    const cls = this.ctx.classes.get(clsName)!;
    // The config it was given (a module given in config: its config object's fields).
    const fields = new Map<string, Value>();
    const fromField = inst.fromField;
    cls.fields.forEach((f, i) => {
      const v = fromField
        ? staticOf(this.annotationType(f.annotation, f.default), fromField.config.ctor && member(fromField.config.ctor, f.name), undefined)
        : (inst.args[i] ?? inst.kwargs.find(([k]) => k === f.name)?.[1]);
      if (v) fields.set(f.name, v);
    });
    for (const [k] of inst.kwargs) if (!cls.fields.some((f) => f.name === k)) this.unsupported(span, `${clsName} has no field '${k}'`);
    for (const f of cls.fields) {
      if (!fields.has(f.name)) {
        if (f.default) fields.set(f.name, this.expr(f.default, new Frame("", true)));
        else this.unsupported(span, `${clsName}(...) is missing its '${f.name}'`);
      }
    }
    // The translation of the class for the modules it is given here.
    const called = cls.methods.find((m) => m.name === method);
    const ranks = new Map<string, number>();
    called?.params.forEach((p, i) => {
      const a = args[i] ?? kwargs.find(([k]) => k === p.name)?.[1];
      if (a?.kind === "array" && a.shape.rank !== undefined) ranks.set(`${method}|${p.name}`, a.shape.rank);
      if (a?.kind === "key") ranks.set(`${method}|${p.name}`, -1);
      if (a?.kind === "dict" && !a.tuple && a.entries.every(([k, x]) => typeof k === "string" && x.kind === "array" && x.shape.rank !== undefined)) {
        ranks.set(`${method}|${p.name}`, DICT_RANK);
        for (const [k, x] of a.entries) ranks.set(`${method}|${p.name}${DICT_KEY}${String(k)}`, (x as ArrayV).shape.rank!);
      } else if (a && a.kind !== "array" && a.kind !== "key") recordForm(ranks, `${method}|${p.name}`, a);
    });
    const variant = frame.dry ? cls : this.ctx.variantOf(cls, fields, ranks);
    // A tuple or shape given to a method its first user did not call: the class is staged again with its form.
    if (!frame.dry && variant.ranks && variant.ranks !== ranks && addForms(variant.ranks, ranks)) this.ctx.stageOnDemand?.(variant);
    const summary = this.ctx.summaries.get(variant.name);
    if (this.ctx.failed.has(variant.name) || (!summary && !frame.dry)) return this.stop(span, `${variant.name} could not be translated (see its diagnostics)`);
    // Its output, staged shape-only with what this call gives it.
    const dry = new ClassStager(this.ctx, cls, true, fields);
    const fn = cls.methods.find((m) => m.name === method);
    if (!fn) return this.stop(span, `${clsName} has no method '${method}'`);
    const dryFrame = new Frame(method, true);
    // The child's locals must not capture the names in what this call gives it (its loop's `i` is not ours,
    // though a size it returns may read our `i`): the look renames its own where they clash.
    dryFrame.inline = clsName;
    for (const n of mentionedIds([...fields.values(), ...args, ...kwargs.map(([, v]) => v)])) dryFrame.names.add(n);
    dry.parentNames = new Set(dryFrame.names);
    if (cls.setup) {
      const setupFrame = dry.runSetupShapes(cls.setup);
      for (const [k, v] of setupFrame.env) if (k.startsWith("self.")) dryFrame.env.set(k, v);
    }
    dry.bindParams(fn, dryFrame, "dry", { args, kwargs });
    // A class whose method builds and calls the class itself would be looked at without end.
    const key = `${clsName}.${method}`;
    const depth = this.ctx.childDepth.get(key) ?? 0;
    if (depth > 8) {
      // Said even from a shape-only look: no other pass gets this far to say it.
      this.ctx.unsupported(span, `${clsName}.${method} calls a ${clsName} it builds (recursion nnxport stages at each call)`);
      throw new StageStop("recursion");
    }
    this.ctx.childDepth.set(key, depth + 1);
    let stopped: StageStop | undefined;
    try {
      dry.body(fn.body, dryFrame);
    } catch (e) {
      if (!(e instanceof StageStop)) throw e;
      stopped = e;
    } finally {
      this.ctx.childDepth.set(key, depth);
    }
    const out = mergeReturns(dryFrame.returns);
    // A shape-only look that stopped before any return cannot tell what the call gives (not None).
    if (stopped && !out && !frame.dry) return this.stop(span, `what ${clsName}.${method}(...) returns (looking at it stopped: ${stopped.message})`);
    const params = summary?.methods.get(method) ?? [];
    // A call that cannot give the sizes another method's inputs set (`cell.initial_state(n)` before
    // `cell(carry, x)`) names the member now; the constructor builds it at the call that can.
    const needsOthers = (summary?.inputOptions ?? []).some((o) => o.method !== method && !o.optional);
    if (!inst.built && needsOthers && !frame.dry && lifted?.transform !== "stack") {
      this.reserve(inst, clsName);
      const callE = call(member(inst.reserved!.call, method === "__call__" ? "call" : method), ...this.callArguments(params, args, kwargs, span, { what: clsName, followsMode: !!summary?.followsMode }));
      return this.childResult(out, stopped ? undefined : dryFrame.returns, callE, `${clsName}.${method}`);
    }
    this.ensureBuilt(inst, frame, span, (ctx) => {
      const entries: Array<{ key: string; value: TExpr } | { spread: TExpr }> = [];
      if (fromField?.config.ctor) entries.push({ spread: fromField.config.ctor });
      for (const f of fromField ? [] : (summary?.fields ?? [])) {
        if (f.mode) continue;
        const v = fields.get(f.name);
        const given = inst.args.some((_, i) => cls.fields[i]?.name === f.name) || inst.kwargs.some(([k]) => k === f.name);
        if (!given || !v) continue;
        // A module given in config keeps the name it got where it was constructed.
        if (v.kind === "module" && v.inst.record?.e === "construct") v.inst.record.site = `field:${f.name}`;
        let value = this.ctorExpr(v, span, `${clsName}'s '${f.name}'`);
        // A field that may be None given to one typed without None: Python passes the None on, as `!` (erased) does.
        if (v.kind === "static" && (v as { nullable?: boolean }).nullable && !/\bnull\b/.test(f.tsType)) value = { k: "nonnull", value };
        entries.push({ key: f.name, value: f.type.t === "config" && f.type.fields ? configObject(value) : value });
      }
      for (const o of summary?.inputOptions ?? []) {
        const m = cls.methods.find((x) => x.name === o.method);
        const pi = m?.params.findIndex((p) => p.name === o.param) ?? -1;
        const [[param, ...items], dictKey] = ((p: string[]) => [p[0].split(TUPLE_ITEM), p[1]] as const)(o.param.split(DICT_KEY));
        const pj = dictKey !== undefined || items.length ? (m?.params.findIndex((p) => p.name === param) ?? -1) : pi;
        const given = o.method === method ? (args[pj] ?? kwargs.find(([k]) => k === param)?.[1]) : undefined;
        let arg = dictKey !== undefined && given?.kind === "dict" ? given.entries.find(([k]) => k === dictKey)?.[1] : given;
        // An array inside a tuple argument.
        for (const i of items) arg = arg?.kind === "tuple" || arg?.kind === "list" ? arg.items[Number(i)] : undefined;
        if (!arg || arg.kind !== "array") {
          // What only a method not called here builds is left unbuilt (as Linen leaves it).
          if (o.optional && o.method !== method) continue;
          entries.push({ key: o.name, value: ctx.missing(`the size of ${clsName}'s input '${paramLabel(o.param)}'`) });
          continue;
        }
        if (o.kind === "features") entries.push({ key: o.name, value: dimAt(arg.shape, -1) ?? ctx.missing(`the size of the last axis of ${clsName}'s input '${paramLabel(o.param)}'`) });
        else {
          const dims = arg.shape.rank !== undefined ? materialize(arg.shape) : undefined;
          entries.push({ key: o.name, value: dims && dims.every((d) => d) ? { k: "array", items: dims as TExpr[] } : ctx.missing(`the shape of ${clsName}'s input '${paramLabel(o.param)}'`) });
        }
      }
      entries.push({ key: "rngs", value: id("rngs") });
      const stack = lifted?.transform === "stack" ? this.ctorExpr(lifted.length!, span, "the number of stacked layers") : undefined;
      return { cls: variant.name, args: [{ k: "object", entries }], site: fromField ? `field:${fromField.field}` : undefined, stack };
    }, inst.site.loops.length ? clsName : variant.name, clsName);
    const ref = inst.built!.call;
    const callE = call(member(ref, method === "__call__" ? "call" : method), ...this.callArguments(params, args, kwargs, span, { what: clsName, followsMode: !!summary?.followsMode }));
    return this.childResult(out, stopped ? undefined : dryFrame.returns, callE, `${clsName}.${method}`);
  }

  /** What a child's method call gives; a method without a return gives None, its call a statement. */
  private childResult(out: Value | undefined, returns: Value[] | undefined, callE: TExpr, what: string): Value {
    // (A look at the method that stopped early cannot tell.)
    if (returns?.every(isNone)) return { ...literalValue(null), call: callE, returnsNothing: what } as Value;
    return this.withCall(out ?? literalValue(null), callE);
  }

  /** Setup staged for shapes only (a callee seen from its parent). */
  runSetupShapes(fn: FunctionDef): Frame {
    const frame = new Frame("setup", true);
    this.bindSetupParams(fn, frame);
    try {
      this.body(fn.body, frame);
    } catch (e) {
      if (!(e instanceof StageStop)) throw e;
    }
    return frame;
  }

  // --- variables and keys ---------------------------------------------------

  declareVariable(spec: ParamSpec, frame: Frame): { member: string; read: ArrayV } {
    const key = `${spec.collection}/${spec.name}`;
    const existing = this.variables.get(key);
    if (existing) return existing;
    const shape = spec.shape ? sizesOf(spec.shape) : undefined;
    const read: ArrayV = { kind: "array", call: id("_"), shape: shape ? { rank: shape.length, dims: shape } : unknownShape, dtype: dtypeOfValue(spec.dtype) };
    if (frame.dry) return { member: "_", read: { ...read, call: member(memberRef(spec.member ?? spec.name), "value") } };
    if (frame.callOnly) this.stop(spec.span, "a variable created under a condition on a call argument");
    const shared = this.choiceMember(spec.span, `variable:${key}`);
    const name = shared?.name ?? this.members.fresh(spec.member ?? spec.name);
    if (shared) this.choice!.shared.set(shared.key, name);
    const preferred = this.framework.variableType(spec.collection, spec.name);
    const type = preferred.startsWith("nnx.") ? preferred : this.ctx.variableTypeName(preferred);
    if (!type.startsWith("nnx.")) {
      this.ctx.variableTypes.add(type);
      this.ctx.variableCollections.set(type, spec.collection);
    }
    if (!shared?.name) this.members.add({ kind: "variable", name, type, collection: spec.collection, source: spec.name });
    // A Haiku initializer written as a function of (shape, dtype) (`lambda shape, dtype: ...`) that draws no key.
    const haikuFunction = spec.convention === "haiku" && spec.init.kind === "func" && spec.keyless;
    // A Linen initializer written as a function (`init_fn=lambda key: jnp.full(...)`): (key, *init_args).
    const linenFunction = spec.convention === "jax" && spec.init.kind === "func" && !spec.init.method;
    // `self.variable('cache', 'x', lambda: jnp.zeros(h.shape))`: the function runs in the constructor, where an
    // array of the call (`h`) has its shape and dtype but no value; its result's shape is the variable's.
    const thunk = spec.init.kind === "func" && !spec.init.method && typeof spec.convention === "object" && !spec.convention.args.length && spec.init.def.params.length === 0;
    const staged: { result?: Value } = {};
    const init = haikuFunction
      ? this.functionExpr(spec.init as Extract<Value, { kind: "func" }>, ["static", "static"], "ctor", spec.span, ["number[]", "jnp.DTypeLike"])
      : linenFunction
        ? this.functionExpr(spec.init as Extract<Value, { kind: "func" }>, ["key", "static", "static"], "ctor", spec.span, ["nnx.PRNGKey", "number[]", "jnp.DTypeLike"], undefined, undefined, 1 + (spec.shape ? 1 : 0) + (spec.dtype && dtypeArg(spec.dtype) ? 1 : 0))
        : thunk
          ? this.functionExpr(this.callArraysHidden(spec.init as Extract<Value, { kind: "func" }>, frame), [], "ctor", spec.span, undefined, undefined, staged)
          : this.initializerExpr(spec.init, spec.span);
    if (thunk) {
      const hidden = JSON.stringify(init).match(new RegExp(`${CALL_ARRAY}(\\w+)`));
      if (hidden) this.stop(spec.span, `a variable whose init_fn reads the values of '${hidden[1]}', an array of the call (the constructor that makes the variable has only its shape and dtype)`);
      const r = staged.result;
      if (r?.kind === "array" && read.shape.rank === undefined) Object.assign(read, { shape: r.shape, dtype: r.dtype });
    }
    // A key drawn inside the init_fn of a variable that is not a parameter (`lambda: normal(self.make_rng('params'), ...)`):
    // Linen derives it from the module's rng counter, which the recorded initial values do not redo.
    if (spec.init.kind === "func" && !linenFunction && !haikuFunction && !spec.drawsKey) {
      const text = JSON.stringify(init);
      if ([...this.keyMembers.values()].some((k) => text.includes(JSON.stringify(memberRef(k))))) this.stop(spec.span, "a variable whose init_fn draws a random key (self.make_rng inside it), whose key Linen derives from the module's rng count in a way the translation does not redo");
    }
    const keyless = this.isKeyless(spec.init) || haikuFunction;
    const args: TExpr[] =
      spec.convention === "jax" || spec.convention === "haiku"
        ? [...(spec.shape ? [this.ctorExpr(spec.shape, spec.span, "a variable's shape")] : linenFunction ? [] : [{ k: "array", items: [] } as TExpr]), ...(spec.dtype && dtypeArg(spec.dtype) ? [dtypeArg(spec.dtype)!] : haikuFunction ? [str("float32")] : [])]
        : spec.convention.args.map((a) => this.ctorExpr(a, spec.span, "an initializer argument"));
    // `self.variable(col, name, init, self.make_rng(s), ...)`: the key is drawn from the constructor's rngs, and recorded with the value.
    const keyArg = spec.convention !== "jax" && spec.convention !== "haiku" && spec.convention.args[0]?.kind === "key" ? (spec.convention.args[0] as Extract<Value, { kind: "key" }>) : undefined;
    let make: TExpr;
    if (keyArg) make = type === "nnx.Param" ? call("nnx.param", init, ...args) : call("nnx.keyedVariable", rt(type), init, ...args);
    else if (keyless) make = { k: "new", cls: rt(type), args: [call(init, ...args)] };
    else if (type === "nnx.Param") make = call("nnx.param", init, ...(spec.convention === "jax" || spec.convention === "haiku" ? [call(member(id("rngs"), "params"))] : []), ...args);
    else make = call("nnx.variable", rt(type), init, ...(spec.convention === "jax" || spec.convention === "haiku" ? [call(member(id("rngs"), "params"))] : []), ...args);
    const draws = keyless ? false : spec.drawsKey;
    const event: Extract<RecordEvent, { e: "variable" }> = { e: "variable", name: spec.name, collection: spec.collection, draws, ...(keyArg?.stream ? { stream: keyArg.stream } : {}) };
    this.variableEvents.set(name, event);
    const value: TExpr = { k: "recorded", event, value: make };
    if (frame.conditional) this.members.makeOptional(name, { k: "assign", target: memberRef(name), value: { k: "null" } });
    frame.emitCtor({ k: "assign", target: memberRef(name), value });
    // Made under a condition, it is null otherwise (variableRef says so with `!`); the source reads it under the same condition.
    const out = { member: name, read: { ...read, call: member(this.variableRef(name), "value") } };
    this.variables.set(key, out);
    return out;
  }

  /** A function the constructor runs, its closure's arrays of a call-side method marked (the constructor has their sizes, not their values). */
  private callArraysHidden(fn: Extract<Value, { kind: "func" }>, frame: Frame): Extract<Value, { kind: "func" }> {
    if (frame.method === "setup" || frame.method === "__init__") return fn;
    const closure = new Map([...fn.closure].map(([k, v]): [string, Value] => [k, v.kind === "array" && !JSON.stringify(v.call).includes('"k":"this"') ? { ...v, call: id(`${CALL_ARRAY}${k}`) } : v]));
    return { ...fn, closure };
  }

  /** An initializer value as the constructor calls it. */
  private initializerExpr(v: Value, span: Span): TExpr {
    if (v.kind === "global") {
      const keylessFn = KEYLESS_INITS[v.name];
      if (keylessFn) return rt(keylessFn);
      const spec = initializerSpec(v.name);
      if (spec?.direct) return rt(spec.rt);
    }
    return this.ctorExpr(v, span, "an initializer");
  }

  /** Whether an initializer takes no key (`jnp.zeros(shape, dtype)` as Haiku passes it). */
  private isKeyless(v: Value): boolean {
    return v.kind === "global" && !!KEYLESS_INITS[v.name];
  }

  /** A variable member as read: `this.cls!` when it is made under a condition (read where that holds). */
  private variableRef(name: string): TExpr {
    const m = this.members.get(name);
    return m?.kind === "variable" && m.optional ? { k: "nonnull", value: memberRef(name) } : memberRef(name);
  }

  setVariable(memberName: string, v: Value, span: Span, frame: Frame): void {
    // Set by the module's own call (not under `if not self.is_initializing():`): Linen's init call sets it too.
    // Haiku's init returns the value hk.get_state created (its `initial`), whatever set_state does after.
    const event = this.variableEvents.get(memberName);
    if (event && !frame.dry && !this.deadInCall && this.ctx.program.framework.name !== "haiku") event.fromCall = true;
    // A Python number set as the value (`hk.set_state("count", 1)`): an array of the variable's dtype, as JAX makes it.
    if (v.kind === "static" && (v.type.t === "int" || v.type.t === "float" || v.type.t === "bool") && v.call) {
      const dtype = [...this.variables.values()].find((x) => x.member === memberName)?.read.dtype;
      const value = call("jnp.asarray", v.call, ...(dtype && dtype !== "unknown" ? [str(dtype)] : []));
      frame.emitCall({ k: "assign", target: member(this.variableRef(memberName), "value"), value });
      return;
    }
    frame.emitCall({ k: "assign", target: member(this.variableRef(memberName), "value"), value: this.callExpr(v, span, "a variable's new value") });
  }

  /** The name each sown (collection, name) is stored under: the source's, unless a member has it (NNX keeps both on the module). */
  private readonly sowNames = new Map<string, string>();

  /**
   * `self.sow(col, name, v, reduce_fn=, init_fn=)`: `this.sow(Type, "name", v, { reduceFn, initFn })`
   * as a statement of the method. What Linen's sow returns (whether the caller made the collection
   * mutable) is not known in the method: a value that stops where it is used (NNX201).
   */
  sow(spec: SowSpec, frame: Frame): Value {
    if (frame.method === "setup" || this.ctorSide) return this.stop(spec.span, "self.sow in setup (it stores what a call computes)");
    let nameExpr: TExpr;
    if (typeof spec.name === "string") {
      const key = `${spec.collection}/${spec.name}`;
      let name = this.sowNames.get(key);
      if (!name) {
        name = this.members.fresh(spec.name);
        this.sowNames.set(key, name);
      }
      if (!frame.dry && !this.ctx.sown.some((x) => x.cls === this.cls.name && x.member === name)) this.ctx.sown.push({ cls: this.cls.name, member: name!, collection: spec.collection, name: spec.name });
      nameExpr = str(name);
    } else {
      // A name computed per call (`f'act_{i}'` in a loop): the same string names it in NNX.
      const t = spec.name;
      if (t.k !== "template") return this.stop(spec.span, "a sown name computed otherwise than by an f-string");
      const pattern = t.parts.map((p) => (typeof p === "string" ? p : "*")).join("");
      if (!frame.dry && !this.ctx.sown.some((x) => x.cls === this.cls.name && x.member === pattern)) this.ctx.sown.push({ cls: this.cls.name, member: pattern, collection: spec.collection, name: pattern, pattern: true });
      nameExpr = t;
    }
    const preferred = this.framework.variableType(spec.collection, "");
    const type = preferred.startsWith("nnx.") ? preferred : this.ctx.variableTypeName(preferred);
    if (!type.startsWith("nnx.")) {
      this.ctx.variableTypes.add(type);
      this.ctx.variableCollections.set(type, spec.collection);
    }
    const value = this.callExpr(spec.value, spec.span, "the value self.sow stores");
    const options: Array<{ key: string; value: TExpr }> = [];
    const fn = (v: Value, arity: number, what: string): Extract<Value, { kind: "func" }> | undefined => {
      if (v.kind === "func" && !v.method && v.def.params.length === arity) return v;
      this.stop(spec.span, `self.sow's ${what} other than a function of ${arity === 0 ? "nothing" : `${arity} arguments`} (a lambda or a def)`);
    };
    let typeArgs: string[] | undefined;
    if (spec.initFn) {
      const init = fn(spec.initFn, 0, "init_fn")!;
      const staged: { result?: Value } = {};
      const arrow = this.functionExpr(init, [], "call", spec.span, [], undefined, staged);
      // `init_fn=lambda: 0`: a Python number the first reduce adds to; the stored value is a number or an array.
      const first = staged.result;
      if (first?.kind !== "array" && !(first?.kind === "static" && (first.type.t === "int" || first.type.t === "float"))) this.stop(spec.span, "self.sow's init_fn returning other than an array or a number");
      if (first.kind === "static") typeArgs = ["nnx.Array", "nnx.Array | number"];
      options.push({ key: "initFn", value: arrow });
    }
    if (spec.reduceFn) {
      const reduce = fn(spec.reduceFn, 2, "reduce_fn")!;
      const prev: Value = { kind: "array", call: id("_"), shape: unknownShape, dtype: "unknown" };
      const arrow = this.functionExpr(reduce, ["array", "array"], "call", spec.span, [typeArgs ? "nnx.Array | number" : "nnx.Array", "nnx.Array"], [prev, spec.value]);
      options.push({ key: "reduceFn", value: arrow });
      typeArgs ??= ["nnx.Array", "nnx.Array"];
    } else if (spec.initFn) return this.stop(spec.span, "self.sow with init_fn but the default reduce_fn (appending to what init_fn gives)");
    const args: TExpr[] = [rt(type), nameExpr, value, ...(options.length ? [{ k: "object", entries: options } as TExpr] : [])];
    frame.emitCall({ k: "expr", value: call(typeArgs ? { k: "raw", text: `this.sow<${typeArgs.join(", ")}>` } : { k: "this", name: "sow" }, ...args) });
    return { kind: "unknown", why: "what self.sow returns (whether the caller's apply made the collection mutable, which the method cannot know)" };
  }

  drawKey(stream: string, span: Span, frame: Frame): Value {
    let name = this.keyMembers.get(stream);
    if (!name) {
      name = this.members.fresh(stream === "params" || stream === "default" ? "rngs" : `${stream}_rngs`);
      this.keyMembers.set(stream, name);
      this.members.add({ kind: "keys", name, stream });
      if (!frame.dry) {
        const value: TExpr = { k: "recorded", event: { e: "keys", stream }, value: call(member(call(member(id("rngs"), "stream"), str(stream)), "fork")) };
        this.members.prologue.push({ k: "assign", target: memberRef(name), value });
      }
    }
    if (!frame.dry) frame.emitCtor({ k: "record", event: { e: "draw", count: 1, stream } });
    void span;
    return { kind: "key", call: call(memberRef(name)), ctor: call(call(member(id("rngs"), "stream"), str(stream))), stream };
  }

  /**
   * `jax.vmap(f)` of a Python function over the first axis of its array
   * arguments (in_axes=0, out_axes=0): called, `f` is written as an arrow on one
   * item of each and run per item by nnx.vmap, its results stacked on axis 0.
   */
  private vmapped(fn: Extract<Value, { kind: "func" }>, rest: Value[], kwargs: Array<[string, Value]>, span: Span): Value {
    const zero = (v: Value | undefined) => !v || (v.kind === "static" && v.known === 0);
    const given = new Map(kwargs);
    const other = [...given.keys()].filter((k) => k !== "in_axes" && k !== "out_axes");
    if (rest.length || other.length || !zero(given.get("in_axes")) || !zero(given.get("out_axes"))) return this.stop(span, "jax.vmap other than jax.vmap(f) over axis 0 of every argument (in_axes=0, out_axes=0)");
    const call0 = (args: Value[], kw: Array<[string, Value]>, at: Span): Value => {
      if (kw.length || fn.def.params.length !== args.length || !args.every((a) => a.kind === "array" && a.shape.rank !== 0)) {
        return this.stop(at, "a jax.vmap'd function called with other than one array (with an axis to map) per parameter");
      }
      const arrays = args as ArrayV[];
      const items = arrays.map((a): Value => ({ kind: "array", call: id("_"), shape: removeAxis(a.shape, 0), dtype: a.dtype }));
      const out: { result?: Value } = {};
      const arrow = this.functionExpr(fn, items.map(() => "array"), "call", at, undefined, items, out);
      const y = out.result;
      if (y?.kind !== "array") return this.stop(at, "a jax.vmap'd function that returns other than one array");
      return { kind: "array", call: call(call("nnx.vmap", arrow), ...arrays.map((a) => a.call)), shape: insertAxis(y.shape, 0, dimAt(arrays[0].shape, 0)), dtype: y.dtype };
    };
    return { kind: "host", name: `jax.vmap of ${"name" in fn.def ? fn.def.name : "a lambda"}`, call: call0 };
  }

  /**
   * `jax.vmap(f, in_axes, out_axes, axis_size=...)` and Haiku's `hk.vmap(f, ...,
   * split_rng=False)` in module code: f (a function, or a module) staged once on
   * one element of each mapped argument and run per element by nnx.vmap. Haiku's
   * vmap shares parameters and state across the mapped axis (what f builds is
   * built once, in the constructor, from one element's shapes; Haiku's init traces
   * f once, drawing its keys in order). Keys f would draw per call (dropout,
   * hk.next_rng_key) are reported: under vmap every element gets the same key
   * (split_rng=False) or its own split one (split_rng=True), neither of which
   * a run per element reproduces.
   */
  private mappedFunction(name: string, args: Value[], kwargs: Array<[string, Value]>, span: Span, origin: Frame): Value {
    const what = name === "haiku.vmap" ? "hk.vmap" : "jax.vmap";
    const names = name === "haiku.vmap" ? ["fun", "in_axes", "out_axes", "axis_name", "axis_size", "split_rng", "spmd_axis_name"] : ["fun", "in_axes", "out_axes", "axis_name", "axis_size", "spmd_axis_name"];
    const given = new Map<string, Value>();
    args.forEach((a, i) => (names[i] ? given.set(names[i], a) : this.stop(span, `${what} with ${args.length} positional arguments`)));
    for (const [k, v] of kwargs) {
      if (!names.includes(k) || given.has(k)) return this.stop(span, `${what} with ${k}=`);
      given.set(k, v);
    }
    const fn = given.get("fun");
    if (!fn || (fn.kind !== "func" && fn.kind !== "module" && fn.kind !== "partial")) return this.stop(span, `${what} of ${fn ? describe(fn) : "nothing"} (a function or a module is translated)`);
    if (given.has("axis_name")) return this.stop(span, `${what} with axis_name= (collectives over the mapped axis are not translated)`);
    const split = given.get("split_rng");
    if (name === "haiku.vmap" && !(split?.kind === "static" && split.known === false)) {
      return this.stop(span, "hk.vmap other than with split_rng=False (split_rng=True draws a key from Haiku's sequence and splits it per element)");
    }
    const axisOf = (v: Value | undefined): number | null | undefined => (v === undefined ? 0 : v.kind === "static" && (v.known === null || (typeof v.known === "number" && Number.isInteger(v.known))) ? (v.known as number | null) : undefined);
    const inGiven = given.get("in_axes");
    const knownAxis = (k: unknown): number | null | undefined => (k === null || (typeof k === "number" && Number.isInteger(k)) ? (k as number | null) : undefined);
    const inAxes: Array<number | null | undefined> | number | null | undefined =
      inGiven && (inGiven.kind === "tuple" || inGiven.kind === "list")
        ? inGiven.items.map(axisOf)
        : inGiven?.kind === "static" && Array.isArray(inGiven.known)
          ? inGiven.known.map(knownAxis)
          : axisOf(inGiven);
    const outAxis = axisOf(given.get("out_axes"));
    if (inAxes === undefined || (Array.isArray(inAxes) && inAxes.some((a) => a === undefined))) return this.stop(span, `${what} with in_axes other than an axis, None, or a tuple of them`);
    if (typeof outAxis !== "number" || outAxis < 0) return this.stop(span, `${what} with out_axes other than one non-negative axis`);
    const size = given.get("axis_size");
    if (size && !(size.kind === "static" && size.call && size.type.t === "int")) return this.stop(span, `${what} with an axis_size that is not an integer`);
    const run = (callArgs: Value[], callKwargs: Array<[string, Value]>, at: Span, callFrame?: Frame): Value => {
      // Staged where it is called (a mapped function made in __init__ or setup runs in a method).
      const frame = callFrame ?? origin;
      const { items, params, given: passed, axisList, mapped: anyMapped, size: mappedSize } = this.mapArguments(callArgs, callKwargs, inAxes as number | null | Array<number | null>, at, `a ${what}'d function`);
      if (!anyMapped) return this.stop(at, `a ${what}'d function with no mapped argument`);
      const length: Dim = (size?.kind === "static" ? size.call : undefined) ?? mappedSize;
      let out: Value | undefined;
      let arrow: TExpr;
      if (fn.kind === "func" && !fn.method && !("kind" in fn.def)) {
        // A def with statements: its own locals, declared in the arrow. It may not build modules there.
        if (fn.def.params.length !== callArgs.length || callArgs.some((a) => a.kind !== "array")) return this.stop(at, `a ${what}'d function called with other than one array per parameter`);
        const made = this.instances.length;
        const staged: { result?: Value } = {};
        arrow = this.functionExpr(fn, items.map(() => "array"), "call", at, undefined, items, staged);
        if (this.instances.length > made) return this.stop(at, `a ${what}'d def that makes a submodule (a lambda or a module is translated)`);
        out = staged.result;
      } else {
        // What f builds is built once (its parameters are shared by every element).
        const staged = this.closureBody(() => this.apply(fn, items, [], at, frame), at, frame, `the result of a ${what}'d function`, `a ${what}'d function that draws random keys (dropout, make_rng, hk.next_rng_key): every element gets the same key under vmap`);
        out = staged.out;
        arrow = { k: "arrow", params, body: staged.body };
      }
      const y = out;
      if (y?.kind !== "array") return this.stop(at, `a ${what}'d function that returns ${y ? describe(y) : "nothing"} (one array is translated)`);
      const mapped = call(vmapOf(arrow, axisList, outAxis, size?.kind === "static" ? size.call : undefined), ...passed);
      return { ...y, call: mapped, shape: insertAxis(y.shape, outAxis, length) };
    };
    return { kind: "host", name: `${what} of ${describe(fn)}`, call: run };
  }

  // --- helpers ---------------------------------------------------------------

  /**
   * A Python function value (a lambda, a def) as a TypeScript arrow function,
   * its parameters of the given kinds (more parameters than kinds: fixed values).
   * `side`: where the arrow is written (the constructor reads config as options).
   */
  functionExpr(fn: Extract<Value, { kind: "func" }>, kinds: Array<"array" | "static" | "key">, side: "ctor" | "call", span: Span, types?: string[], given?: Value[], staged?: { result?: Value }, passed?: number): TExpr {
    const def = fn.def;
    const params = def.params;
    const frame = new Frame(`lambda@${span.line}`, false, new Map(fn.closure));
    frame.block = { call: [] };
    if (side === "ctor") {
      // Closed-over fixed values read as the constructor has them.
      for (const [k, v] of frame.env) if (v.kind === "static") frame.env.set(k, { ...v, call: v.ctor });
    }
    const tsParams: TExpr[] = [];
    const out: Array<{ name: string; type: string; optional?: boolean }> = [];
    params.forEach((p, i) => {
      const kind = kinds[i] ?? "static";
      const g = given?.[i];
      if (g?.kind === "array") frame.env.set(p.name, { ...g, call: id(p.name) });
      else if (kind === "array") frame.env.set(p.name, { kind: "array", call: id(p.name), shape: unknownShape, dtype: "unknown" });
      else if (kind === "key") frame.env.set(p.name, { kind: "key", call: id(p.name) });
      else frame.env.set(p.name, staticOf({ t: "any" }, id(p.name), id(p.name)));
      // A parameter every caller leaves out (`dtype=jnp.float32` of a Linen init_fn given (key, shape)) is its default.
      const dflt = passed !== undefined && i >= passed && p.default ? this.dryValue(p.default) : undefined;
      if (dflt && ((dflt.kind === "static" && dflt.known !== undefined) || dflt.kind === "global")) frame.env.set(p.name, dflt);
      // A parameter with a default (`dtype=jnp.float32`) callers may leave out.
      out.push({ name: p.name, type: types?.[i] ?? (kind === "array" ? "nnx.Array" : kind === "key" ? "nnx.PRNGKey" : "number[]"), ...(p.default && kind === "static" ? { optional: true } : {}) });
    });
    void tsParams;
    this.ctorSide += side === "ctor" ? 1 : 0;
    try {
      let result: Value;
      if ("kind" in def) result = this.expr(def.body, frame);
      else {
        this.body(def.body, frame);
        result = mergeReturns(frame.returns) ?? literalValue(null);
      }
      if (staged) staged.result = result;
      // The function's own locals are declared in the arrow (TypeScript's locals are block-scoped).
      const body = unwrapDeclBlocks(declareLocals(flattenBlocks(frame.block.call ?? []), params.map((p) => p.name), frame.types));
      const value = this.callExpr(result, span, "a function's result");
      const arrowParams = out.map((p) => ({ name: p.name, type: p.type, ...(p.optional ? { optional: true } : {}) }));
      if ("kind" in def && !body.length) return { k: "arrow", params: arrowParams, body: value };
      const stmts = [...body, ...("kind" in def ? [{ k: "return", value } as TStmt] : [])];
      return { k: "arrow", params: arrowParams, body: stmts };
    } finally {
      this.ctorSide -= side === "ctor" ? 1 : 0;
    }
  }

  /** Inside a function written into the constructor: config reads are the constructor's. */
  private ctorSide = 0;

  /** A module of the file given as config: its whole config, defaults filled in. */
  private moduleConfig(inst: Instance, span: Span): TExpr {
    const cls = this.ctx.classes.get((inst.ctor as { name: string }).name)!;
    const summary = this.ctx.summaries.get(cls.name);
    const entries: Array<{ key: string; value: TExpr }> = [];
    cls.fields.forEach((f, i) => {
      if (summary?.fields.find((x) => x.name === f.name)?.mode) return;
      const v = inst.args[i] ?? inst.kwargs.find(([k]) => k === f.name)?.[1] ?? (f.default ? this.dryValue(f.default) : undefined);
      if (!v) this.stop(span, `${cls.name}(...) is missing its '${f.name}'`);
      entries.push({ key: f.name, value: this.ctorExpr(v!, span, `${cls.name}'s '${f.name}'`) });
    });
    this.ctx.configModules.add(cls.name);
    return { k: "object", entries };
  }

  /** The method-side expression of a value, or a report. */
  /** An input of unknown rank is taken to have `rank`: the constructor checks it. */
  assumeRank(v: Value, rank: number, why?: string): void {
    if (v.kind === "array" && v.shape.input) this.inputs.assume(v.shape.input.method, v.shape.input.param, rank, this.cls.name, why);
  }

  callExpr(v: Value, span: Span, what: string): TExpr {
    const nothing = returnsNothing(v);
    if (nothing) return this.stop(span, `${what} is what ${nothing} returns: nothing (None)`);
    const e = this.maybeCallExpr(v);
    if (e) return e;
    // A shape-only look at a child writes no method: what it cannot read there does not matter.
    if (this.givenFields) return { k: "undefined" };
    return this.stop(span, `${what} is ${describe(v)}, which the generated method cannot hold`);
  }

  maybeCallExpr(v: Value): TExpr | undefined {
    switch (v.kind) {
      case "array":
      case "key":
        return v.call;
      case "static":
        return v.call;
      case "tuple":
      case "list": {
        if (v.call) return v.call;
        const items = v.items.map((i) => this.maybeCallExpr(i));
        return items.every((i) => i) ? { k: "array", items: items as TExpr[] } : undefined;
      }
      case "dict": {
        if (v.call) return v.call;
        const values = v.entries.map(([, x]) => this.maybeCallExpr(x));
        if (!values.every((x) => x)) return undefined;
        return { k: "object", entries: v.entries.map(([k], i) => ({ key: String(k), value: values[i]!, raw: true })) };
      }
      case "mode":
        return this.modeTest(v).call;
      case "module":
        return v.inst.built?.call;
      case "global":
        // A framework function passed as a value (nn.pool's reduce_fn, an activation).
        return this.functionValue(v, undefined as unknown as Span)?.call;
      case "dict":
        // A structure a layer returned whole (Haiku's LSTMState).
        return v.call;
      case "host":
        return v.expr;
      default:
        return undefined;
    }
  }

  /** The constructor-side expression of a value, or a report. */
  ctorExpr(v: Value, span: Span, what: string): TExpr {
    if (v.kind === "static" && v.ctor) return v.ctor;
    if (v.kind === "key" && v.ctor) return v.ctor;
    if (v.kind === "tuple" || v.kind === "list") {
      const items = v.items.map((i) => this.ctorExpr(i, span, what));
      return { k: "array", items };
    }
    if (v.kind === "global") {
      const f = this.functionValue(v, span);
      if (f?.ctor) return f.ctor;
    }
    if (v.kind === "func" && !v.method) return this.functionExpr(v, [], "ctor", span);
    if (v.kind === "module" && v.inst.ctor.kind === "class" && !v.inst.built) return this.moduleConfig(v.inst, span);
    return this.stop(span, `${what} is ${describe(v)}, which the constructor cannot know`);
  }

  unsupported(span: Span, what: string): void {
    if (this.dry) return;
    this.ctx.unsupported(span, what);
  }

  stop(span: Span, what: string): never {
    if (process.env.NNXPORT_DEBUG_STOP) process.stderr.write(`stop${this.dry ? " (dry)" : ""} ${this.cls.name} ${span.line}:${span.column}: ${what}\n`);
    this.unsupported(span, what);
    throw new StageStop(what, span);
  }

  /** The API a frontend's idioms use, bound to a frame. */
  api(frame: Frame): StageApi {
    const self = this;
    return {
      framework: this.framework.name,
      method: frame.method,
      value: (e) => self.expr(e, frame),
      bind: (args, params, what, span) => bindArgs(args, params, what, span, self),
      staticValue: (v, span, what) => (v.kind === "static" ? v : (self.unsupported(span, `${what} that is ${describe(v)}`), undefined)),
      declareVariable: (spec) => self.declareVariable(spec, frame),
      variable: (collection, name) => self.variables.get(`${collection}/${name}`),
      setVariable: (m, v, span) => self.setVariable(m, v, span, frame),
      sow: (spec) => self.sow(spec, frame),
      drawKey: (stream, span) => self.drawKey(stream, span, frame),
      applyRng: this.ctx.program.entry?.transform?.applyRng !== false,
      initOnlyKey: () => {
        if (!frame.dry) frame.emitCtor({ k: "record", event: { e: "draw", count: 1, stream: "default" } });
        return staticOf({ t: "none" }, { k: "null" }, { k: "null" }, null);
      },
      applyLayer: (layer, options, inputs, span, name, callOptions) => self.applyNeutralLayer(layer, options, inputs, span, frame, name, callOptions),
      mode: (polarity) => ({ kind: "mode", polarity }),
      unsupported: (span, what) => {
        self.unsupported(span, what);
        return { kind: "unknown", why: what };
      },
      warn: (span, code, message) => self.ctx.diags.warning(code, message, span),
      emitCall: (s) => frame.emitCall(s),
      initializing: false,
      module: (m) => m,
      scan: (m, carry, xs, span, reverse) => self.scanModule(m, carry, xs, span, frame, reverse),
      callModule: (m, method, args, span) => self.callModule(m, method, args, [], span, frame),
      callExpr: (v, span, what) => self.callExpr(v, span, what),
      typeOf: (v) => returnType(v),
    };
  }

  private applyNeutralLayer(layer: string, options: Map<string, StaticV>, inputs: Value[], span: Span, frame: Frame, name?: string, callOptions?: Record<string, boolean>): Value {
    const inst: Instance & InstanceExtra = { id: this.ctx.site(), ctor: { kind: "global", name: `neutral.${layer}` }, args: [], kwargs: [], span, site: { loops: [...frame.loops], conditional: frame.conditional } };
    if (!frame.dry) frame.emitCtor({ k: "record", event: { e: "construct", site: inst.id, base: name ?? layer.toLowerCase(), eager: false } });
    return applyNeutral(this.layerHost, inst, layer, options, inputs, span, frame, name ?? layer.toLowerCase(), callOptions);
  }

  /** A value evaluated on `frame` (a dry one) with nothing reported: undefined where it stops. */
  tryExpr(e: Expr, frame: Frame): Value | undefined {
    return this.tryStaging(() => this.expr(e, frame));
  }

  /** `stage()` with nothing it reports kept: undefined where it stops. */
  private tryStaging<T>(stage: () => T): T | undefined {
    const mark = this.ctx.diags.mark();
    const reported = this.ctx.reported;
    const built = this.builtDry.length;
    try {
      return stage();
    } catch (err) {
      if (err instanceof StageStop) return undefined;
      throw err;
    } finally {
      this.ctx.diags.rollback(mark);
      this.ctx.reported = reported;
      this.forgetDryBuilds(built);
    }
  }

  /** Constructor statements building a submodule the source builds once, emitted in a loop that first calls it. */
  private readonly builtOnce = new WeakSet<TStmt>();

  /**
   * A loop's constructor body without the submodules built once (a setup member the body calls,
   * `self.dropout` in `for layer in self.layers`): those are emitted before the loop, as the first
   * iteration builds them. Only while nothing the loop changes (its target, a size it carries) is
   * read by the build, and (Haiku, whose init keys follow call order) nothing is built before it.
   */
  private hoistBuiltOnce(body: TStmt[], loop: LoopPlan, frame: Frame, span: Span): TStmt[] {
    if (!body.some((st) => containsAny(st, this.builtOnce))) return body;
    const changed = loop.ctorIter ? namesIn(loop.statement([], "ctor")) : new Set<string>();
    const out: TStmt[] = [];
    let builtBefore = false;
    for (const st of body) {
      if (this.builtOnce.has(st)) {
        if ([...namesIn(st)].some((n) => changed.has(n)) || (builtBefore && this.framework.name === "haiku")) {
          this.stop(span, "a submodule built once but first called in a loop after the loop changes what it is built from");
        }
        frame.emitCtor(st);
        continue;
      }
      if (containsAny(st, this.builtOnce)) this.stop(span, "a submodule built once but first called under a condition in a loop");
      for (const n of namesIn(st, true)) changed.add(n);
      if (JSON.stringify(st).includes('"e":"build"')) builtBefore = true;
      out.push(st);
    }
    return out;
  }

  /** Submodules a dry look first called (`ensureBuilt` on a dry frame), in order. */
  private readonly builtDry: Instance[] = [];

  /**
   * A look or trial pass leaves no trace: a submodule it first called (a setup member the body of a
   * loop calls) is built by the real pass, not taken as built already.
   */
  private forgetDryBuilds(mark: number): void {
    for (const inst of this.builtDry.splice(mark)) inst.built = undefined;
  }

  /** A value evaluated without emitting anything (defaults, constants); framework functions as the values they are. */
  dryValue(e: Expr): Value {
    try {
      const v = this.expr(e, new Frame("", true));
      return v.kind === "global" ? (this.asStatic(v, e.span) ?? v) : v;
    } catch (err) {
      if (err instanceof StageStop) return { kind: "unknown", why: err.message };
      throw err;
    }
  }
}

// ---------------------------------------------------------------------------

interface InstanceExtra {
  /** A framework layer under nn.vmap: how many members its build stacks. */
  ensembleLength?: TExpr;
  /** The attribute setup() assigned it to. */
  memberHint?: string;
  attrName?: string;
}

declare module "./values.js" {
  interface Instance {
    memberHint?: string;
    attrName?: string;
    /** The construction's record, completed when setup() names it. */
    record?: RecordEvent;
    /** A module given in config: the field, and its config object. */
    fromField?: { field: string; config: StaticV };
    /** Its member, named before it is built. */
    reserved?: { member: string; call: TExpr };
    /** A subclass of the framework layer it is built as (`StdConv`). */
    layerClass?: string;
    /** The first item of a Sequential: the other arguments (train/eval flags) the Sequential's call passes it. */
    firstExtra?: { args: Value[]; kwargs: Array<[string, Value]> };
    /** Built inside a layer's construction: its construction goes to `take` (Linen setup's: named inside the layer). */
    capture?: { inner: boolean; take(e: TExpr): void };
    /** An item of a list of submodules, and how the method reads it (the loop's variable). */
    element?: { list: import("./values.js").ModuleList; call?: TExpr; index?: TExpr; at?: import("./language.js").ListPosition };
  }
}


/** A fixed sequence whose items are known one by one, or the shape of an array. */
export interface SeqLike {
  items?: Value[];
  shapeOf?: ArrayV;
}

export interface RangeV extends StaticV {
  range?: { ctor: Array<TExpr | undefined>; call: Array<TExpr | undefined>; zeroBased: boolean };
}

export interface EnumV extends StaticV {
  enumerate?: boolean;
  zip?: boolean;
}

export interface LoopPlan {
  /** The constructor can run the loop (its iterable is known there). */
  ctorIter: boolean;
  /** The target's names on the last item, and whether there is one (constructor expressions). */
  last?: { items: Map<string, TExpr>; nonEmpty: TExpr };
  counter?: TExpr;
  ctorCounter?: TExpr;
  /** A 0-based range's stop in the constructor. */
  ctorStop?: TExpr;
  bindTarget(frame: Frame): void;
  statement(body: TStmt[], side: "ctor" | "call"): TStmt;
}

function bindArgs(args: Arg[], params: string[], what: string, span: Span, stager: ClassStager): Map<string, Expr> | undefined {
  const out = new Map<string, Expr>();
  let ok = true;
  args.forEach((a, i) => {
    if (a.star) {
      stager.unsupported(span, `'${a.star}' arguments to ${what}`);
      ok = false;
    } else if (a.name) {
      if (!params.includes(a.name)) {
        stager.unsupported(a.value.span, `${what} has no parameter '${a.name}'`);
        ok = false;
      } else out.set(a.name, a.value);
    } else if (i < params.length) out.set(params[i], a.value);
    else {
      stager.unsupported(a.value.span, `${what} takes at most ${params.length} positional arguments`);
      ok = false;
    }
  });
  return ok ? out : undefined;
}

/**
 * A variable's dtype argument for the constructor; `x.dtype` of an input is
 * float32 here (the runtime computes in float32), so it is left out.
 */
function dtypeArg(v: Value): TExpr | undefined {
  if (v.kind !== "static" || v.type.t !== "dtype") return undefined;
  if (typeof v.known === "string" && v.known !== "float32") return str(v.known);
  return undefined;
}

/** Array constructors passed as initializers: called with (shape, dtype), no key. */
const KEYLESS_INITS: Record<string, string> = {
  "jax.numpy.zeros": "jnp.zeros",
  "jax.numpy.ones": "jnp.ones",
  "numpy.zeros": "jnp.zeros",
  "numpy.ones": "jnp.ones",
};

const GLOBAL_CONSTANTS: Record<string, Value> = {
  "jax.numpy.float32": staticOf({ t: "dtype" }, str("float32"), str("float32"), "float32"),
  "jax.numpy.int32": staticOf({ t: "dtype" }, str("int32"), str("int32"), "int32"),
  "jax.numpy.bool_": staticOf({ t: "dtype" }, str("bool"), str("bool"), "bool"),
  "numpy.float32": staticOf({ t: "dtype" }, str("float32"), str("float32"), "float32"),
  "numpy.int32": staticOf({ t: "dtype" }, str("int32"), str("int32"), "int32"),
  "jax.numpy.inf": staticOf({ t: "float" }, rt("Infinity"), rt("Infinity"), Infinity),
  "numpy.inf": staticOf({ t: "float" }, rt("Infinity"), rt("Infinity"), Infinity),
  "jax.numpy.pi": staticOf({ t: "float" }, rt("Math.PI"), rt("Math.PI"), Math.PI),
  "numpy.pi": staticOf({ t: "float" }, rt("Math.PI"), rt("Math.PI"), Math.PI),
  "math.pi": staticOf({ t: "float" }, rt("Math.PI"), rt("Math.PI"), Math.PI),
};

export function literalValue(k: Known, type?: StaticType): StaticV {
  const toExpr = (x: Known): TExpr => {
    if (x === null) return { k: "null" };
    if (typeof x === "number") return num(x);
    if (typeof x === "boolean") return { k: "bool", value: x };
    if (typeof x === "string") return str(x);
    if (Array.isArray(x)) return { k: "array", items: x.map(toExpr) };
    return { k: "object", entries: Object.entries(x).map(([key, value]) => ({ key, value: toExpr(value), raw: true })) };
  };
  const t: StaticType =
    type ??
    (k === null
      ? { t: "none" }
      : typeof k === "number"
        ? Number.isInteger(k) ? { t: "int" } : { t: "float" }
        : typeof k === "boolean"
          ? { t: "bool" }
          : typeof k === "string"
            ? { t: "str" }
            : Array.isArray(k)
              ? { t: "tuple", items: k.map((x) => (typeof x === "number" ? { t: "int" } : Array.isArray(x) ? literalValue(x).type : { t: "any" }) as StaticType) }
              : { t: "any" });
  const e = toExpr(k);
  const v = staticOf(t, e, e, k) as StaticV & SeqLike;
  if (Array.isArray(k)) v.items = k.map((x) => literalValue(x));
  return v;
}

/** Python's float() of a fixed value: "inf", "-inf", "nan" as Python spells them. */
function pythonFloat(k: Known): number {
  if (typeof k === "string") {
    const t = k.trim().toLowerCase();
    if (/^[+-]?(inf|infinity)$/.test(t)) return t.startsWith("-") ? -Infinity : Infinity;
    if (/^[+-]?nan$/.test(t)) return NaN;
  }
  return Number(k);
}

function truthy(k: Known): boolean {
  if (Array.isArray(k)) return k.length > 0;
  if (k && typeof k === "object") return Object.keys(k).length > 0;
  return !!k;
}

function truthExpr(e: TExpr, type: StaticType): TExpr {
  // Python truthiness of a sequence is its length; of a number, non-zero.
  if (type.t === "seq" || type.t === "tuple") return bin(">", member(e, "length"), num(0));
  return e;
}

function notExpr(e: TExpr): TExpr {
  if (e.k === "bool") return { k: "bool", value: !e.value };
  if (e.k === "unary" && e.op === "!") return e.operand;
  if (e.k === "binary" && e.op === "===") return { ...e, op: "!==" };
  if (e.k === "binary" && e.op === "!==") return { ...e, op: "===" };
  return { k: "unary", op: "!", operand: e };
}

function isCall(e: TExpr): boolean {
  return e.k === "call";
}

function isAtCall(e: TExpr): boolean {
  return e.k === "call" && e.fn.k === "member" && e.fn.name === "at";
}

function trimUndefined(args: TExpr[]): TExpr[] {
  const out = [...args];
  while (out.length && out[out.length - 1].k === "undefined") out.pop();
  return out;
}

function formatted(e: TExpr, format?: string): TExpr {
  if (!format) return e;
  const m = /^\.(\d+)f$/.exec(format);
  if (m) return call(member(e, "toFixed"), num(Number(m[1])));
  return e;
}

function foldKnown(op: string, a: Known | undefined, b: Known | undefined): Known | undefined {
  if (typeof a === "number" && typeof b === "number") {
    switch (op) {
      case "+": return a + b;
      case "-": return a - b;
      case "*": return a * b;
      case "/": return a / b;
      case "//": return Math.floor(a / b);
      case "%": return ((a % b) + b) % b;
      case "**": return a ** b;
      case "==": return a === b;
      case "!=": return a !== b;
      case "<": return a < b;
      case "<=": return a <= b;
      case ">": return a > b;
      case ">=": return a >= b;
    }
  }
  // Repetition of a sequence known item by item (`[(0, 0)] * 3`).
  if (op === "*" && Array.isArray(a) && typeof b === "number" && Number.isInteger(b)) return Array.from({ length: Math.max(0, b) }, () => a).flat(1);
  if (op === "*" && Array.isArray(b) && typeof a === "number" && Number.isInteger(a)) return Array.from({ length: Math.max(0, a) }, () => b).flat(1);
  if (typeof a === "string" && typeof b === "string") {
    if (op === "+") return a + b;
    if (op === "==") return a === b;
    if (op === "!=") return a !== b;
  }
  if ((op === "==" || op === "!=") && a !== undefined && b !== undefined && (typeof a !== "object" || a === null) && (typeof b !== "object" || b === null)) return (a === b) === (op === "==");
  return undefined;
}

function binaryType(op: string, a: StaticType, b: StaticType): StaticType {
  if (op === "/") return { t: "float" };
  if (a.t === "float" || b.t === "float") return { t: "float" };
  if (a.t === "int" && b.t === "int") return { t: "int" };
  if (a.t === "str" || b.t === "str") return { t: "str" };
  return a.t === "any" ? b : a;
}

/** A binary operator on plain numbers, as TypeScript spells Python's; null when it has no spelling. */
function tsBinary(op: string, a: TExpr, b: TExpr, ta: StaticType, tb: StaticType): TExpr | null {
  switch (op) {
    case "+":
    case "-":
    case "*":
    case "/":
      return bin(op, a, b);
    case "**":
      return bin("**", a, b);
    case "//":
      return call("Math.floor", bin("/", a, b));
    case "%":
      return call("nnx.mod", a, b);
    case "&":
    case "|":
    case "^":
      return ta.t === "bool" || tb.t === "bool" ? bin(op === "&" ? "&&" : op === "|" ? "||" : "!==", a, b) : bin(op, a, b);
    default:
      return null;
  }
}

function sliceSize(size: Dim, parts: Array<StaticV | undefined>): Dim {
  const [start, stop, step] = parts;
  if (step) return undefined;
  if (!start && !stop) return size;
  const s = typeof start?.known === "number" ? start.known : start ? undefined : 0;
  if (stop && typeof stop.known === "number" && s !== undefined && stop.known >= 0 && s >= 0) return num(stop.known - s);
  if (!stop && typeof s === "number" && s >= 0 && size) return s === 0 ? size : bin("-", size, num(s));
  if (stop && typeof stop.known === "number" && stop.known < 0 && s === 0 && size) return bin("+", size, num(stop.known));
  if (stop?.ctor && s === 0) return stop.ctor;
  return undefined;
}

function withDimAt(s: SymShape, axis: number, d: Dim): SymShape {
  if (s.rank !== undefined) {
    const dims = materialize(s);
    dims[axis < 0 ? s.rank + axis : axis] = d;
    return { rank: s.rank, dims, input: s.input };
  }
  const dims = [...s.dims];
  const k = -axis;
  while (dims.length < k) dims.unshift(undefined);
  dims[dims.length - k] = d;
  return { dims, input: s.input };
}

/** Whether constructor statements record a key drawn (a dropout layer's call, make_rng, hk.next_rng_key). */
function drawsKeys(body: TStmt[]): boolean {
  return body.some((s) => {
    if (s.k === "record") return s.event.e === "draw";
    if (s.k === "if") return drawsKeys(s.then) || drawsKeys(s.else);
    if (s.k === "block" || s.k === "forOf" || s.k === "forRange" || s.k === "while") return drawsKeys(s.body);
    return false;
  });
}

/** Linen's lifted branches (their module argument is not a value: see linenBranches). */
const LINEN_BRANCHES = new Set(["flax.linen.cond", "flax.linen.switch", "flax.linen.transforms.cond", "flax.linen.transforms.switch"]);

/** The shape without axis `axis` (a scan's per-step slice). */
/** `nnx.vmap(arrow, { inAxes, outAxes, axisSize })`, the options the runtime's defaults leave out omitted. */
function vmapOf(arrow: TExpr, inAxes: TExpr[], outAxis: number, axisSize?: TExpr): TExpr {
  const entries = [{ key: "inAxes", value: { k: "array", items: inAxes } as TExpr }, ...(outAxis !== 0 ? [{ key: "outAxes", value: num(outAxis) }] : []), ...(axisSize ? [{ key: "axisSize", value: axisSize }] : [])];
  return call("nnx.vmap", arrow, { k: "object", entries });
}

function removeAxis(s: SymShape, axis: number): SymShape {
  if (s.rank !== undefined) {
    const dims = materialize(s);
    dims.splice(axis < 0 ? s.rank + axis : axis, 1);
    return { rank: s.rank - 1, dims };
  }
  if (axis < 0) {
    const dims = [...s.dims];
    dims.splice(dims.length + axis, 1);
    return { dims };
  }
  // The trailing axes are kept when a leading one goes.
  return { dims: s.dims, input: s.input };
}

/** The shape with a new axis of size `d` at `axis` (a scan's stacked outputs). */
/** An input's name in a message: a dict input's entry (`obs' entry 'pixels`), an array inside a tuple (`carry[1]`). */
function paramLabel(param: string): string {
  return param.split(DICT_KEY).join("' entry '").replace(new RegExp(`${TUPLE_ITEM}(\\d+)`, "g"), "[$1]");
}

/** A scanned step's output stacked over the steps: every array of it gains the axis (nn.scan stacks every leaf). */
function stackedOver(y: Value, axis: number, steps: Dim): Value {
  if (y.kind === "array") return { ...y, shape: insertAxis(y.shape, axis, steps) };
  if (y.kind === "tuple" || y.kind === "list") return { ...y, items: y.items.map((item) => stackedOver(item, axis, steps)) };
  return y;
}

function insertAxis(s: SymShape, axis: number, d: Dim): SymShape {
  if (s.rank !== undefined) {
    const dims = materialize(s);
    dims.splice(axis < 0 ? s.rank + 1 + axis : axis, 0, d);
    return { rank: s.rank + 1, dims };
  }
  if (axis < 0) {
    const dims = [...s.dims];
    dims.splice(dims.length + 1 + axis, 0, d);
    return { dims };
  }
  return { dims: s.dims };
}

/**
 * A size a loop carries, as the constructor computes it without the loop's locals:
 * `[...xs].reduce((size, item) => step, init)`, `step` the size after one iteration
 * (it reads `size` and the loop's target). Undefined for a loop of another form.
 */
function foldDim(loop: LoopPlan, local: string, step: TExpr, init: Dim, rawLocal = false): Dim {
  if (!init) return undefined;
  const st = loop.ctorIter ? loop.statement([], "ctor") : undefined;
  let items: TExpr | undefined;
  let target: string | undefined;
  if (st?.k === "forOf") {
    items = { k: "array", items: [{ k: "spread", value: st.iter }] };
    target = printPattern(st.target);
  } else if (st?.k === "forRange" && !st.step && st.start.k === "num" && st.start.value === 0) {
    items = { k: "array", items: [{ k: "spread", value: call(member(call("Array", st.stop), "keys")) }] };
    target = st.name;
  }
  if (!items || !target) return undefined;
  return call(member(items, "reduce"), { k: "arrow", params: [{ name: local, raw: rawLocal }, { name: target, raw: true }], body: step }, init);
}

/**
 * The locals a statement names (`assigned`: only those it declares or assigns, at any depth).
 * A loop statement with an empty body gives its own target and counter.
 */
function namesIn(st: TStmt, assigned = false): Set<string> {
  const out = new Set<string>();
  const walk = (x: unknown, target: boolean): void => {
    if (!x || typeof x !== "object") return;
    if (Array.isArray(x)) return x.forEach((y) => walk(y, target));
    const o = x as Record<string, unknown>;
    if ((o.k === "id" || o.k === "pid") && typeof o.name === "string" && (!assigned || target || o.k === "pid")) out.add(o.name);
    if (assigned && (o.k === "let" || o.k === "forRange") && typeof o.name === "string") out.add(o.name);
    for (const [key, v] of Object.entries(o)) walk(v, target || (assigned && o.k === "assign" && key === "target"));
  };
  walk(st, false);
  return out;
}

/** Whether a statement holds one of `set` at any depth. */
function containsAny(st: TStmt, set: WeakSet<TStmt>): boolean {
  const walk = (x: unknown): boolean => {
    if (!x || typeof x !== "object") return false;
    if (Array.isArray(x)) return x.some(walk);
    if (set.has(x as TStmt)) return true;
    return Object.values(x as Record<string, unknown>).some(walk);
  };
  return walk(st);
}

/** Whether `e` reads any of the locals `names`. */
function mentions(e: TExpr, names: string[]): boolean {
  const text = JSON.stringify(e);
  return names.some((n) => text.includes(JSON.stringify({ k: "id", name: n }).slice(0, -1)));
}

/** `e` with locals replaced by expressions. */
function substituteIds(e: TExpr, by: Map<string, TExpr>): TExpr {
  const swap = (x: unknown): unknown => {
    if (!x || typeof x !== "object") return x;
    if (Array.isArray(x)) return x.map(swap);
    const o = x as Record<string, unknown>;
    if (o.k === "id" && typeof o.name === "string" && !o.raw && by.has(o.name)) return by.get(o.name);
    return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, swap(v)]));
  };
  return swap(e) as TExpr;
}

/** `e` with the member reference `from` replaced by `to` (a stack's layer inside scanLayers' step). */
function replaceRef(e: TExpr, from: TExpr, to: TExpr): TExpr {
  const key = JSON.stringify(from);
  const swap = (x: unknown): unknown => {
    if (!x || typeof x !== "object") return x;
    if (JSON.stringify(x) === key) return to;
    if (Array.isArray(x)) return x.map(swap);
    return Object.fromEntries(Object.entries(x as Record<string, unknown>).map(([k, v]) => [k, swap(v)]));
  };
  return swap(e) as TExpr;
}

function isNone(v: Value): boolean {
  return v.kind === "static" && v.known === null;
}

/** A returned tuple without its None items (one left: that item alone). */
function withoutNones(v: Value): Value {
  if ((v.kind !== "tuple" && v.kind !== "list") || !v.items.some(isNone) || v.items.every(isNone)) return v;
  const kept = v.items.filter((x) => !isNone(x));
  return kept.length === 1 ? kept[0] : { kind: v.kind, items: kept };
}

function mergeShapes(a: SymShape, b: SymShape, test?: TExpr): SymShape {
  const pick = (x: Dim, y: Dim): Dim => (sameDim(x, y) ? x : test && x && y ? { k: "cond", test, then: x, else: y } : undefined);
  if (a.rank !== undefined && a.rank === b.rank) {
    const da = materialize(a);
    const db = materialize(b);
    return { rank: a.rank, dims: da.map((d, i) => pick(d, db[i])) };
  }
  const n = Math.max(a.dims.length, b.dims.length, test ? 1 : 0);
  const out: Dim[] = [];
  for (let k = n; k >= 1; k--) out.push(pick(dimAt(a, -k), dimAt(b, -k)));
  return { dims: out, input: a.input && a.input === b.input ? a.input : undefined };
}

/** The method whose call gave `v`, when that method has no return statement. */
function returnsNothing(v: Value): string | undefined {
  return (v as { returnsNothing?: string }).returnsNothing;
}

function mergeReturns(returns: Value[]): Value | undefined {
  if (!returns.length) return undefined;
  const first = returns[0];
  if (returns.length === 1) return first;
  if (returns.every((r) => r.kind === "array")) {
    const shapes = returns.map((r) => (r as ArrayV).shape);
    const shape = shapes.reduce((acc, s) => (sameShape(acc, s) ? acc : mergeShapes(acc, s)));
    return { ...(first as ArrayV), shape };
  }
  return first;
}

function shapeOfV(v: Value | undefined): SymShape {
  return v?.kind === "array" ? v.shape : v?.kind === "static" ? scalarShape : unknownShape;
}

function dtypeOfValue(v: Value | undefined): DType {
  if (v?.kind === "static" && typeof v.known === "string") {
    if (v.known.includes("int")) return "int32";
    if (v.known.includes("bool")) return "bool";
    return "float32";
  }
  if (v?.kind === "global") {
    if (/int/.test(v.name)) return "int32";
    if (/bool/.test(v.name)) return "bool";
    return "float32";
  }
  return v ? "unknown" : "float32";
}

/**
 * How the constructor reads a name bound to `value`: the name, except that a
 * name for an input's size (`b, t, d = x.shape`) stays that size, so that size
 * arithmetic cancels (`b * t * 8 / (b * t)` is 8).
 */
function ctorName(name: string, value: TExpr): TExpr {
  return value.k === "id" && value.raw && value.name.startsWith(PLACEHOLDER) ? value : id(name);
}

export function camel(name: string): string {
  return name.replace(/_+([a-zA-Z0-9])/g, (_, c: string) => c.toUpperCase());
}

function tsCounter(name: string): string {
  return camel(name);
}

function snakeBase(base: string): string {
  return base
    .replace(/^nnx\./, "")
    .replace(/([A-Z]+)([A-Z][a-z])/g, "$1_$2")
    .replace(/([a-z0-9])([A-Z])/g, "$1_$2")
    .toLowerCase();
}

export function variableClass(collection: string): string {
  if (collection === "params") return "nnx.Param";
  if (collection === "batch_stats") return "nnx.BatchStat";
  if (collection === "cache") return "nnx.Cache";
  if (collection === "intermediates") return "nnx.Intermediate";
  return collection.replace(/(^|_)([a-z0-9])/g, (_, __, c: string) => c.toUpperCase());
}

function isStaticMethod(fn: FunctionDef): boolean {
  return fn.decorators.some((d) => d.kind === "builtin" && d.name === "staticmethod");
}

/** Which parameters of a method are train/eval flags: bools that reach a layer's switch. */
function modeParams(fn: FunctionDef): Set<string> {
  const out = new Set<string>();
  for (const p of fn.params) {
    const text = p.annotation ? annotationText(p.annotation) : "";
    const boolish = /bool/.test(text) || p.default?.kind === "bool" || (!p.annotation && !p.default);
    if (boolish && (TRAIN_WHEN_TRUE.has(p.name) || TRAIN_WHEN_FALSE.has(p.name))) out.add(p.name);
  }
  return out;
}

/** A PRNG key parameter, by its annotation or its name (`rng`, `z_rng`, `rng_key`; not attention's `key`). */
function isKeyParam(p: Param): boolean {
  const text = p.annotation ? annotationText(p.annotation) : "";
  if (/PRNGKey|KeyArray/.test(text)) return true;
  return !p.default && /(^|_)rngs?(_|$)|^prng_key$/.test(p.name) && !/Array|ndarray/.test(text);
}

/** `@jax.jit`, `@jax.jit(...)`, `@functools.partial(jax.jit, ...)`: compiles the function, which computes the same. */
function isJit(d: Expr): boolean {
  if (qualifiedName(d) === "jax.jit") return true;
  if (d.kind !== "call") return false;
  const f = qualifiedName(d.fn);
  return f === "jax.jit" || (f === "functools.partial" && !!d.args[0] && qualifiedName(d.args[0].value) === "jax.jit");
}

/** A train/eval flag passed on as the caller's own (`train=train`, `deterministic=not train`). */
function followsCaller(p: ParamInfo, v: Value | undefined): boolean {
  const polarity = TRAIN_WHEN_TRUE.has(p.name) ? 1 : TRAIN_WHEN_FALSE.has(p.name) ? -1 : 1;
  return v?.kind === "mode" && v.polarity === polarity;
}

function paramKind(p: Param, modes: Set<string>): ParamInfo["kind"] {
  if (modes.has(p.name)) return "mode";
  const text = p.annotation ? annotationText(p.annotation) : "";
  if (/^(int|float|bool|str)\b/.test(text) && !/Array|ndarray/.test(text)) return "static";
  if (p.default && (p.default.kind === "int" || p.default.kind === "float" || p.default.kind === "bool" || p.default.kind === "str")) return "static";
  return "array";
}

export function annotationText(e: Expr): string {
  switch (e.kind) {
    case "builtin":
    case "name":
      return e.kind === "builtin" ? e.name : e.id;
    case "global":
      return e.name;
    case "file":
      return e.name;
    case "attr":
      return `${annotationText(e.object)}.${e.attr}`;
    case "index": {
      const of = annotationText(e.object);
      // `Literal['a', 'b']`: its values as Python writes them (a plain string elsewhere is a forward reference).
      if (/(^|\.)Literal$/.test(of)) {
        const items = e.index.kind === "tuple" ? e.index.items : [e.index];
        return `Literal[${items.map((i) => (i.kind === "str" ? `'${i.value}'` : i.kind === "int" ? String(i.value) : i.kind === "bool" ? (i.value ? "True" : "False") : annotationText(i))).join(", ")}]`;
      }
      return `${of}[${annotationText(e.index)}]`;
    }
    case "tuple":
      return e.items.map(annotationText).join(", ");
    case "list":
      // `Callable[[PRNGKey, Shape], Array]`'s argument list.
      return `[${e.items.map(annotationText).join(", ")}]`;
    case "binary":
      return `${annotationText(e.left)} | ${annotationText(e.right)}`;
    case "none":
      return "None";
    case "ellipsis":
      return "...";
    case "str":
      return e.value;
    default:
      return "";
  }
}

/** The TypeScript type of a value a method returns or a step function takes. */
export function returnType(v: Value | undefined): string {
  if (!v) return "void";
  switch (v.kind) {
    case "array":
      return "nnx.Array";
    case "tuple":
    case "list":
      return `[${v.items.map(returnType).join(", ")}]`;
    case "dict":
      return `{ ${v.entries.map(([k, x]) => `${objectKey(String(k))}: ${returnType(x)}`).join("; ")} }`;
    case "static":
      return tsTypeOf(v.type);
    case "key":
      return "nnx.PRNGKey";
    case "host":
      return v.tsType ?? "unknown";
    case "dict":
      // A named tuple returned whole (Haiku's LSTMState): an object with its fields.
      return v.entries.every(([k]) => typeof k === "string" && /^[A-Za-z_]\w*$/.test(k)) ? `{ ${v.entries.map(([k, x]) => `${k}: ${returnType(x)}`).join("; ")} }` : "unknown";
    default:
      return "unknown";
  }
}

export function tsTypeOf(t: StaticType): string {
  switch (t.t) {
    case "int":
    case "float":
      return "number";
    case "bool":
      return "boolean";
    case "str":
      return "string";
    case "none":
      return "null";
    case "dtype":
      return "jnp.DType";
    case "seq":
      return `${wrapType(tsTypeOf(t.of))}[]`;
    case "tuple":
      return t.items.length ? `[${t.items.map(tsTypeOf).join(", ")}]` : "number[]";
    case "dict":
      return `Record<string, ${tsTypeOf(t.of)}>`;
    case "activation":
      return "nnx.Activation";
    case "initializer":
      return "nnx.Initializer";
    case "config":
      if (t.fields) return `{ ${Object.entries(t.fields).map(([k, x]) => `${memberName(k)}: ${tsTypeOf(x)}`).join("; ")} }`;
      return t.cls ?? "Record<string, unknown>";
    case "any":
      return "unknown";
  }
}

/** A dict key as a TypeScript property name: as written when it is an identifier, else quoted. */
function objectKey(k: string): string {
  return /^[A-Za-z_$][\w$]*$/.test(k) ? k : JSON.stringify(k);
}

function wrapType(t: string): string {
  return /[|&]/.test(t) ? `(${t})` : t;
}

export type { RecordEvent };

/** TypeScript locals a value's expressions and sizes read (getters, which record reads, are not run). */
function mentionedIds(values: Value[]): Set<string> {
  const out = new Set<string>();
  const seen = new Set<object>();
  const visit = (x: unknown): void => {
    if (!x || typeof x !== "object" || seen.has(x)) return;
    seen.add(x);
    if (Array.isArray(x)) return x.forEach(visit);
    if (x instanceof Map) return [...x.values()].forEach(visit);
    const o = x as Record<string, unknown>;
    if (o.k === "id" && typeof o.name === "string" && !o.raw) out.add(o.name);
    // A module's instance holds the whole staging of it; its sizes are not names the look can clash with.
    if (o.kind === "module") return;
    for (const key of Object.keys(o)) {
      const d = Object.getOwnPropertyDescriptor(o, key);
      if (d && "value" in d) visit(d.value);
    }
  };
  values.forEach(visit);
  return out;
}

/**
 * The value absl gives flag `name` of this type from a command line: `--name=value` or `--name value`
 * (the last one given wins), `--name`/`--noname` for a bool; undefined when it is not given or not read.
 */
function flagArgument(argv: string[], name: string, type: string): Known | undefined {
  let text: string | undefined;
  argv.forEach((a, i) => {
    if (a.startsWith(`--${name}=`)) text = a.slice(name.length + 3);
    else if (a === `--${name}`) text = type === "bool" || type === "boolean" ? "true" : argv[i + 1];
    else if (a === `--no${name}` && (type === "bool" || type === "boolean")) text = "false";
  });
  if (text === undefined) return undefined;
  switch (type) {
    case "integer":
      return /^[+-]?\d+$/.test(text) ? Number(text) : undefined;
    case "float":
      return text.trim() !== "" && Number.isFinite(Number(text)) ? Number(text) : undefined;
    case "bool":
    case "boolean":
      return /^(true|t|1)$/i.test(text) ? true : /^(false|f|0)$/i.test(text) ? false : undefined;
    default:
      return text;
  }
}

/** Whether a block has a return statement anywhere (not counting nested defs). */
function returns(stmts: Stmt[]): boolean {
  return stmts.some((s) => s.kind === "return" || ((s.kind === "if" || s.kind === "for" || s.kind === "while") && (returns(s.body) || returns(s.orelse))));
}

/** Python's `items[start:stop:step]` for fixed (or absent: null) bounds; undefined if a bound is not a fixed int or the step is 0. */
function pySlice<T>(items: T[], start: number | null | undefined, stop: number | null | undefined, step: number | null | undefined): T[] | undefined {
  if (start === undefined || stop === undefined || step === undefined || step === 0) return undefined;
  const n = items.length;
  const st = step ?? 1;
  const clamp = (i: number, lo: number, hi: number) => Math.min(Math.max(i < 0 ? i + n : i, lo), hi);
  const out: T[] = [];
  if (st > 0) {
    for (let i = start === null ? 0 : clamp(start, 0, n), end = stop === null ? n : clamp(stop, 0, n); i < end; i += st) out.push(items[i]);
  } else {
    for (let i = start === null ? n - 1 : clamp(start, -1, n - 1), end = stop === null ? -1 : clamp(stop, -1, n - 1); i > end; i += st) out.push(items[i]);
  }
  return out;
}

/** The function with these parameters dropped, the body reading each as `self` (a module handed to a local function). */
function withSelfParams(fn: Extract<Value, { kind: "func" }>, names: string[]): Value {
  const toSelf = (x: Expr): Expr => (x.kind === "name" && names.includes(x.id) ? { kind: "self", span: x.span } : x);
  const def = fn.def;
  const rest = def.params.filter((p) => !names.includes(p.name));
  const rebound: Extract<Value, { kind: "func" }>["def"] = "kind" in def ? { ...def, params: rest, body: mapExpr(def.body, toSelf) } : { ...def, params: rest, body: mapStmts(def.body, toSelf) };
  return { ...fn, def: rebound };
}

/** How many items a loop over `iter` runs (a range without a step, a sequence), in both programs. */
function loopCount(iter: StaticV): { ctor?: TExpr; call?: TExpr } {
  const count = (side: "ctor" | "call"): TExpr | undefined => {
    const r = (iter as RangeV).range;
    if (r) {
      const [start, stop, step] = r[side];
      if (!stop || step) return undefined;
      return !start || (start.k === "num" && start.value === 0) ? stop : call("Math.max", bin("-", stop, start), num(0));
    }
    const seq = iter[side];
    if (!seq) return undefined;
    return member(seq.k === "call" && seq.fn.k === "member" && seq.fn.name === "entries" && !seq.args.length ? seq.fn.object : seq, "length");
  };
  return { ctor: count("ctor"), call: count("call") };
}

/** A list a loop of the generated code builds (`outs = []`, then `outs.append(y)` in the loop's body). */
type PushedList = SeqV & { pushed: { local: string; item?: ArrayV } };

/**
 * The names a loop's body appends arrays to, each an empty list before the loop
 * that the body reads only there (`outs.append(y)` as a statement of its own).
 */
function appendedLists(s: Extract<Stmt, { kind: "for" }>, env: Map<string, Value>): string[] {
  const appends = new Map<string, number>();
  for (const st of s.body) {
    const v = st.kind === "expr" ? st.value : undefined;
    if (v?.kind === "call" && v.fn.kind === "attr" && v.fn.attr === "append" && v.fn.object.kind === "name" && v.args.length === 1 && !v.args[0].name && !v.args[0].star) {
      appends.set(v.fn.object.id, (appends.get(v.fn.object.id) ?? 0) + 1);
    }
  }
  const out: string[] = [];
  for (const [name, n] of appends) {
    const held = env.get(name);
    if (!(held?.kind === "static" && Array.isArray(held.known) && !held.known.length)) continue;
    // Any other use in the loop (`outs[-1]`, a nested append) is not this form.
    let uses = 0;
    for (const st of statementsOf(s.body)) for (const e of statementExprs(st)) for (const x of subexpressions(e)) if (x.kind === "name" && x.id === name) uses++;
    if (uses === n) out.push(name);
  }
  return out;
}
