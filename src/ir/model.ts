// The framework-neutral module model. Frontends build it from Haiku or Linen
// source; analysis completes it (input sizes, mode flags); the emitter prints it.
// Nothing here knows TypeScript, and nothing here knows Haiku or Linen idioms.
import type { Span } from "./span.js";
import type { LayerKind } from "./layers.js";
import type { Training } from "./training.js";

export type Expr =
  /** A local variable or method parameter. */
  | { kind: "name"; id: string; span: Span }
  /** A field of the module's own configuration (`self.features`). */
  | { kind: "config"; field: string; span: Span }
  | { kind: "number"; value: number; isInt: boolean; span: Span }
  | { kind: "bool"; value: boolean; span: Span }
  | { kind: "string"; value: string; span: Span }
  | { kind: "unary"; op: "not" | "-"; operand: Expr; span: Span }
  | { kind: "binary"; op: BinaryOp; left: Expr; right: Expr; span: Span }
  | { kind: "conditional"; test: Expr; then: Expr; else: Expr; span: Span }
  /** A framework-neutral array op, e.g. `relu`; see ops.ts. Keyword attributes such as `axis`. */
  | { kind: "op"; op: string; args: Expr[]; attrs?: Record<string, Expr>; span: Span }
  /** A tuple or list of values: `(x, x)`, `[carry, x]`, a shape `(batch, n)`. */
  | { kind: "tuple"; items: Expr[]; span: Span }
  /** The size of one axis of an array: `x.shape[0]`. */
  | { kind: "dim"; array: Expr; axis: number; span: Span }
  /**
   * A child's method run over one axis of `xs`, threading a carry (hk.scan,
   * nn.scan): `(carry, ys)`. The step takes (carry, x) and returns (carry, y).
   */
  | { kind: "scan"; child: string; method: string; carry: Expr; xs: Expr; inAxis: number; outAxis: number; span: Span }
  /** A call of a child module: `child.method(args)`. */
  | { kind: "callChild"; child: string; method: string; args: Expr[]; mode?: ModeUse; span: Span }
  /** A call of another method of the same module: `self.encode(x)`. */
  | { kind: "callSelf"; method: string; args: Expr[]; span: Span }
  /** The current value of one of the module's own variables. */
  | { kind: "var"; name: string; span: Span }
  /** In training code: the program's model applied to inputs (`model.apply(params, x)`). */
  | { kind: "apply"; method: string; args: Expr[]; span: Span };

export type BinaryOp = "+" | "-" | "*" | "/" | "**" | "@" | "==" | "!=" | "<" | "<=" | ">" | ">=" | "and" | "or";

/**
 * How a call's behaviour depends on train/eval mode: it trains exactly when
 * `trainWhen` is true (e.g. `training`, or `not deterministic` turned round).
 * Analysis replaces these with the module's own train()/eval() mode.
 */
export interface ModeUse {
  trainWhen: Expr;
}

export type Stmt =
  | { kind: "assign"; target: string; value: Expr; span: Span }
  /** A new value for one of the module's own variables (`hk.set_state`, `counter.value += 1`). */
  | { kind: "setVar"; name: string; value: Expr; span: Span }
  /** `a, b = value`: a tuple taken apart into locals. */
  | { kind: "unpack"; targets: string[]; value: Expr; span: Span }
  | { kind: "return"; value: Expr; span: Span };

export type ScalarType = "int" | "float" | "bool" | "str";

export interface ConfigField {
  name: string;
  type: ScalarType;
  default?: Expr;
  /** Added by analysis: an input size the eager module needs at construction. */
  synthesized?: { fromInput: string; method: string };
  /** Set by analysis when the field only switches train/eval mode (Linen's `training: bool`). */
  modeFlag?: { trainWhen: boolean };
  span: Span;
}

export interface MethodParam {
  name: string;
  /** Set by analysis when the parameter only chooses train/eval mode. */
  modeFlag?: { trainWhen: boolean };
  /** Set by analysis: the size of the input's last axis, in the module's config. */
  size?: Expr;
  /** Set by analysis: an integer (used as a size, e.g. `batch_size`) rather than an array. */
  scalar?: true;
  span: Span;
}

export interface Method {
  /** `__call__` is the module's call; other names are kept. */
  name: string;
  params: MethodParam[];
  body: Stmt[];
  span: Span;
}

/** Where a child's variables live in the source framework's parameter tree. */
export interface SourceNaming {
  /** The child's own path segment (`linear_1`, `Dense_0`, `block`). */
  segment: string;
  /** Per variable of a layer: its leaf name relative to the child's path (`w`, `~/mean_ema/average`). */
  leaves?: Record<string, string>;
  /** Variables the source keeps with extra leading size-1 axes. */
  keepdims?: string[];
  /** The source's default initializer of each parameter. */
  init?: Record<string, SourceInitializer>;
  /** Parameters whose creation draws a key, in creation order. */
  draws?: string[];
  /** Keys each call draws, even at init (Haiku's `hk.dropout(hk.next_rng_key(), ...)`). */
  callDraws?: number;
  /** Variables whose initial value is what the source's init call sets them to (Haiku's EMA averages). */
  initialFromCall?: string[];
  /** A layer stack: the rng streams the source splits per layer (Linen's split_rngs); others do not reach the layers. */
  stackRngs?: string[];
}

/** Default initializers the runtime reproduces exactly, by name. */
export type { SourceInitializer } from "../../runtime/source-init.js";
import type { SourceInitializer } from "../../runtime/source-init.js";

export type ChildCtor =
  | { kind: "layer"; layer: LayerKind; options: Record<string, Expr> }
  | { kind: "module"; module: string; args: Record<string, Expr> };

export interface Child {
  /** Attribute name on the owning module, snake_case as in the source. */
  attr: string;
  /** The method that builds this child where it is first applied (compact style); none for __init__/setup. */
  builtIn?: string;
  /** Calls of this child run its step over an axis (Linen's nn.scan-lifted module). */
  scan?: { inAxis: number; outAxis: number };
  /**
   * `length` copies of the child with their variables stacked on a leading
   * axis, applied in sequence to the call's first argument (hk.experimental.layer_stack).
   */
  stack?: { length: Expr };
  ctor: ChildCtor;
  source: SourceNaming;
  span: Span;
}

/** A variable the module owns directly (`hk.get_parameter`, `self.param`, `self.variable`). */
export interface VariableDef {
  /** Attribute name on the module, snake_case. */
  attr: string;
  /** "Param", or a Variable subclass the program declares (its name, e.g. "Counter"). */
  type: string;
  shape: number[];
  dtype: "float32" | "int32";
  init: SourceInitializer;
  /** Where the source keeps it: collection (`params`, `state`, `counter`) and leaf name. */
  source: { collection: string; leaf: string };
  /** Whether creating it draws a key in the source (Linen's self.param always does). */
  draws: boolean;
  span: Span;
}

export interface ModuleDef {
  name: string;
  config: ConfigField[];
  variables: VariableDef[];
  children: Child[];
  methods: Method[];
  span: Span;
}

export interface SampleInput {
  name: string;
  shape: number[];
  dtype: "float32" | "int32";
  /** The source's sample values, when they are constant (`jnp.ones(...)`). */
  fill?: "ones" | "zeros";
}

/** What the source program builds and calls: the root of the translated model. */
export interface EntryPoint {
  module: string;
  /** Constructor configuration as the source gives it (`Model(256, 10)` → dmid, dout). */
  config: Record<string, Expr>;
  method: string;
  inputs: SampleInput[];
  /** The value the init call passes for each mode flag (`training=False`). */
  modeArgs: Record<string, boolean>;
  span: Span;
}

export interface ParamNamingScheme {
  /** How the source derives initial-parameter keys from its seed. */
  keys: "linen" | "haiku";
  /** Path segments above the root module (`model` in Haiku's `model/linear`). */
  rootPath: string[];
  /** Prefix for each variable collection in a flat source path (`params/` in Linen). */
  collectionPrefix: Record<string, string>;
}

export interface Program {
  file: string;
  /** Variable subclasses the program declares for its own collections, e.g. `Counter`. */
  variableTypes: string[];
  /** Human-readable origin for the emitted header, e.g. "Haiku (dm-haiku)". */
  origin: string;
  modules: ModuleDef[];
  entry: EntryPoint;
  /** The training code around the model, when the file has any. */
  training?: Training;
  naming: ParamNamingScheme;
  /**
   * Everything the Python harness needs to build, init and apply the original.
   * Opaque to the emitter; read only by verify's harness for this framework.
   */
  reference: ReferenceRecipe;
}

export interface ReferenceRecipe {
  framework: "haiku" | "linen";
  /** The top-level name bound to the transformed function or module instance. */
  object: string;
  /** Flags by the name the call site uses → the root method's parameter. */
  flags: Record<string, string>;
  /**
   * How the reference applies each method it can run: Haiku, an index into
   * multi_transform's apply tuple, or null for the transform's own apply;
   * Linen, the method's name.
   */
  apply: Record<string, number | string | null>;
  /** Haiku: whether apply takes a key (false under hk.without_apply_rng). */
  applyRng?: boolean;
}
