// State shared while one program is staged: the program, diagnostics, what
// is known of each module class already staged (callees first), and the
// helper functions and config types the output needs.
import type { DiagnosticBag } from "../diagnostics.js";
import type { ConfigClass, ModuleClass, Program } from "../model/program.js";
import type { Span } from "../span.js";
import type { TDecl, TExpr } from "../ts/ast.js";
import type { StaticType, Value } from "./values.js";
import { bindingKey, contextFree, fieldsUsedAsInts, isStructural, knownType } from "./variants.js";
import { looseTuple, typeFromAnnotation } from "./annotations.js";
import { annotationText } from "./stager.js";

/** A constructor option that gives an input's size (NNX builds eagerly). */
export interface InputOption {
  method: string;
  param: string;
  /** `features`: the last axis only; `shape`: the whole shape. */
  kind: "features" | "shape";
  /** The option's source-style name (`in_features`, `x_shape`). */
  name: string;
  /** Only a method the first user does not call needs it: without it, what that method alone uses is not built. */
  optional?: boolean;
}

export interface FieldInfo {
  name: string;
  type: StaticType;
  tsType: string;
  /** The default, printed in the constructor's parameter list. */
  hasDefault: boolean;
  /** Only switches train/eval mode: not an option of the generated class. */
  mode?: boolean;
}

export interface ParamInfo {
  name: string;
  kind: "array" | "static" | "mode" | "key" | "module" | "ignored";
  optional: boolean;
  keywordOnly: boolean;
  tsType: string;
  /** A train/eval flag's literal default (`train: bool = False`). */
  modeDefault?: boolean;
  /** A fixed number's, string's or bool's Python default, written as the TypeScript default. */
  default?: TExpr;
}

export interface ClassSummary {
  name: string;
  fields: FieldInfo[];
  inputOptions: InputOption[];
  methods: Map<string, ParamInfo[]>;
  /** Its own code reads the train/eval switch (`this.deterministic`). */
  ownMode?: "deterministic" | "useRunningAverage";
  /** Something it builds or reads follows the model's train()/eval() mode (its own switch, a Dropout, a child that does). */
  followsMode?: boolean;
  /** What each method returns (shapes and structure; read from a call of it with `withCall`). */
  returns?: Map<string, import("./values.js").Value | undefined>;
}

export class ProgramContext {
  readonly summaries = new Map<string, ClassSummary>();
  readonly classes: Map<string, ModuleClass>;
  readonly configs: Map<string, ConfigClass>;
  /** Declarations the output needs besides the classes (helpers, config interfaces), by name. */
  readonly extraDecls = new Map<string, TDecl>();
  /** Variable subclasses the output declares for the source's own collections. */
  readonly variableTypes = new Set<string>();
  /** The source collection of each of those subclasses. */
  readonly variableCollections = new Map<string, string>();
  /** What each class sows (Module.sow): its generated class, the name sow stores under, the source's collection and name. */
  /** A name computed per call (`f'act_{i}'`) is a pattern (`act_*`), the same in both. */
  readonly sown: Array<{ cls: string; member: string; collection: string; name: string; pattern?: true }> = [];
  /** Module classes given to others in config (`encoder: Encoder`): the output declares `<Class>Config`. */
  readonly configModules = new Set<string>();
  /** Untyped fields (`Any`) its users type with the dicts they give, by source class. */
  readonly untyped = new Map<string, Set<string>>();
  /** Fields that pick which modules a class builds, by source class (see variants.ts). */
  readonly bindable = new Map<string, Set<string>>();
  /**
   * Fields naming dict entries (`data[self.state_key]`, `k.startswith(self.prefix)`): a fixed
   * string given for one is built in (it decides which entries, so which layers, there are).
   */
  readonly keyFields = new Map<string, Set<string>>();
  /** The translations of a class for the modules it is given, by source class: each choice's key and class. */
  readonly variants = new Map<string, Array<{ key: string; cls: ModuleClass }>>();
  /** Stages a class where it is first needed (set by stageProgram). */
  stageOnDemand?: (cls: ModuleClass) => void;
  /** Module classes that could not be translated (with what stopped them), and classes using them. */
  readonly failed = new Map<string, string>();
  /** Top-level functions and constants the translation reads (the rest of the file is left out). */
  readonly usedTop = new Set<string>();
  /** How many shape-only looks at each child's method (`Class.method`) are under way, nested. */
  readonly childDepth = new Map<string, number>();
  /** NNX201 reports made so far, counted before the bag merges repeats (a class fails on any of its own). */
  reported = 0;
  private nextSite = 1;

  constructor(
    readonly program: Program,
    readonly diags: DiagnosticBag,
  ) {
    this.classes = new Map([...program.classes, ...program.transformed.values()].map((c) => [c.name, c]));
    this.configs = new Map(program.configs.map((c) => [c.name, c]));
  }

  /**
   * The class to build for these field values: the class itself when none of
   * its fields picks a module, else its variant for the modules given (staged
   * the first time that choice is seen).
   */
  variantOf(cls: ModuleClass, given: Map<string, Value>, ranks: Map<string, number> = new Map()): ModuleClass {
    const source = this.classes.get(cls.source ?? cls.name) ?? cls;
    const fields = this.bindable.get(source.name) ?? new Set<string>();
    const untyped = this.untyped.get(source.name) ?? new Set<string>();
    const bound = new Map<string, Value>();
    for (const f of this.keyFields.get(source.name) ?? []) {
      const v = given.get(f);
      if (v?.kind === "static" && typeof v.known === "string") bound.set(f, contextFree(v));
    }
    for (const f of fields) {
      const v = given.get(f);
      if (v && isStructural(v, (n) => this.classes.has(n), (n) => !!this.program.framework.layers[n])) bound.set(f, contextFree(v));
    }
    const types = new Map<string, StaticType>();
    for (const f of untyped) {
      const v = given.get(f);
      // A dict gives a config of its keys; a sequence or number its type (`sizes=[6, 3]`: number[]).
      if (v?.kind === "static" && v.known !== undefined && v.known !== null) types.set(f, looseTuple(knownType(v.known)));
      else if (v?.kind === "static" && v.type.t !== "any" && v.type.t !== "none") types.set(f, looseTuple(v.type));
      // `resnet: Optional[Any] = None` its user leaves None: the class built is the one without it.
      else if (v?.kind === "static" && v.known === null) types.set(f, { t: "none" });
    }
    for (const f of source.fields) {
      // An annotation its user contradicts (`block_size: Sequence[int]` given 2): Python does not check it; the value's type is the field's.
      const v = given.get(f.name);
      if (types.has(f.name) || !f.annotation || v?.kind !== "static" || v.known === undefined || v.known === null) continue;
      const annotated = typeFromAnnotation(annotationText(f.annotation));
      const sequence = (t: StaticType | undefined) => t?.t === "seq" || t?.t === "tuple";
      const number = (t: StaticType | undefined) => t?.t === "int" || t?.t === "float";
      const actual = knownType(v.known);
      if ((sequence(annotated) && number(actual)) || (number(annotated) && sequence(actual))) types.set(f.name, looseTuple(actual));
    }
    for (const f of source.fields) {
      // The same when the user gives a value of known type only (`block_size=self.cfg.layers[0]`, an int read from config).
      const v = given.get(f.name);
      if (types.has(f.name) || !f.annotation || v?.kind !== "static" || v.known !== undefined) continue;
      const annotated = typeFromAnnotation(annotationText(f.annotation));
      if ((annotated?.t === "seq" || annotated?.t === "tuple") && (v.type.t === "int" || v.type.t === "float")) types.set(f.name, v.type);
    }
    // A sequence-annotated field the class uses as an int (see fieldsUsedAsInts), when no user says otherwise.
    for (const [f, t] of fieldsUsedAsInts(source)) {
      const v = given.get(f);
      if (!types.has(f) && !(v?.kind === "static" && Array.isArray(v.known))) types.set(f, t);
    }
    const key = [...[...bound].map(([k, v]) => `${k}=${bindingKey(v)}`), ...[...types].map(([k, t]) => `${k}:${JSON.stringify(t)}`)].join("|");
    const list = this.variants.get(source.name) ?? [];
    const hit = list.find((x) => x.key === key);
    if (hit) return hit.cls;
    // Its inputs' ranks are those of its first use (a translation checks at construction the ranks it relies on).
    const variant: ModuleClass = { ...source, name: list.length ? `${source.name}${list.length + 1}` : source.name, bound, types, ranks, source: source.name };
    list.push({ key, cls: variant });
    this.variants.set(source.name, list);
    if (variant.name !== source.name) this.classes.set(variant.name, variant);
    this.stageOnDemand?.(variant);
    return variant;
  }

  /** The TypeScript names of the source's own collections' Variable subclasses, by the name the frontend prefers. */
  private readonly variableTypeNames = new Map<string, string>();

  /**
   * The name of the Variable subclass for a collection: the frontend's
   * (`counter` -> `Counter`) unless the program already declares that name
   * (a class `Counter`, its `CounterOptions`, a function), then `CounterVariable`.
   */
  variableTypeName(preferred: string): string {
    const known = this.variableTypeNames.get(preferred);
    if (known) return known;
    const taken = new Set<string>([...this.program.functions.keys(), ...this.program.constants.keys(), ...this.variableTypeNames.values()]);
    for (const n of [...this.classes.keys(), ...this.configs.keys()]) for (const s of ["", "Options", "Config"]) taken.add(`${n}${s}`);
    // Variants of a class are named `<Class>2`, `<Class>3`, ...; factories `create<Class>`.
    const clashes = (n: string) => taken.has(n) || [...this.classes.keys()].some((c) => new RegExp(`^${c}\\d+$`).test(n));
    // A name that makes no identifier (`hk.get_state("")`, `"1st"`): a TypeScript name from what it has.
    const base = preferred.replace(/[^A-Za-z0-9_$]/g, "").replace(/^(\d)/, "V$1") || "State";
    let name = base;
    for (let i = 1; clashes(name); i++) name = `${base}Variable${i > 1 ? i : ""}`;
    this.variableTypeNames.set(preferred, name);
    return name;
  }

  site(): number {
    return this.nextSite++;
  }

  unsupported(span: Span, what: string): void {
    this.reported++;
    this.diags.error("NNX201", `unsupported construct: ${what}`, span);
  }
}
