// State shared while one program is staged: the program, diagnostics, what
// is known of each module class already staged (callees first), and the
// helper functions and config types the output needs.
import type { DiagnosticBag } from "../diagnostics.js";
import type { ConfigClass, ModuleClass, Program } from "../model/program.js";
import type { Span } from "../ir/span.js";
import type { TDecl } from "../ts/ast.js";
import type { StaticType } from "./values.js";

/** A constructor option that gives an input's size (NNX builds eagerly). */
export interface InputOption {
  method: string;
  param: string;
  /** `features`: the last axis only; `shape`: the whole shape. */
  kind: "features" | "shape";
  /** The option's source-style name (`in_features`, `x_shape`). */
  name: string;
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
}

export interface ClassSummary {
  name: string;
  fields: FieldInfo[];
  inputOptions: InputOption[];
  methods: Map<string, ParamInfo[]>;
  /** Its own code reads the train/eval switch (`this.deterministic`). */
  ownMode?: "deterministic" | "useRunningAverage";
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
  /** Module classes given to others in config (`encoder: Encoder`): the output declares `<Class>Config`. */
  readonly configModules = new Set<string>();
  private nextSite = 1;

  constructor(
    readonly program: Program,
    readonly diags: DiagnosticBag,
  ) {
    this.classes = new Map([...program.classes, ...program.transformed.values()].map((c) => [c.name, c]));
    this.configs = new Map(program.configs.map((c) => [c.name, c]));
  }

  site(): number {
    return this.nextSite++;
  }

  unsupported(span: Span, what: string): void {
    this.diags.error("NNX201", `unsupported construct: ${what}`, span);
  }
}
