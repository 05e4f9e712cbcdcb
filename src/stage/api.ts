// What a frontend's idioms may ask of the stager: evaluate arguments, declare
// the module's own variables, draw keys, apply a layer inline, report.
import type { Arg, Expr } from "../python/ast.js";
import type { Span } from "../span.js";
import type { TExpr } from "../ts/ast.js";
import type { Value, StaticV, ArrayV, ModuleV } from "./values.js";

export interface ParamSpec {
  /** The source's leaf name (`kernel`, `w`, `pos_embedding`). */
  name: string;
  /** The source's variable collection (`params`, `batch_stats`, `state`, `cache`, ...). */
  collection: string;
  /** The initializer: a function of (key, shape, dtype), or a Haiku-style one of (shape, dtype). */
  init: Value;
  /** How the initializer is called: JAX's `(key, shape, dtype)`, Haiku's `(shape, dtype)`, or with given arguments. */
  convention: "jax" | "haiku" | { args: Value[] };
  shape?: Value;
  dtype?: Value;
  /** Whether creating it draws a key from the source's sequence (for the seeded init plan). */
  drawsKey: boolean | "unknown";
  /** The initializer is a function of (shape, dtype) that draws no key (Haiku's `lambda shape, dtype: ...`). */
  keyless?: boolean;
  /** The member name to prefer (defaults to the leaf name). */
  member?: string;
  span: Span;
}

/** What Linen's `self.sow` stores: under `name` in a Variable of the collection's type. */
export interface SowSpec {
  collection: string;
  /** The name, or for one computed per call (`f'act_{i}'` in a loop) the expression computing it. */
  name: string | TExpr;
  value: Value;
  /** Functions of (stored, new) and of nothing (`reduce_fn=lambda a, b: b`, `init_fn=lambda: 0`). */
  reduceFn?: Value;
  initFn?: Value;
  span: Span;
}

/** A variable handle (`v = self.variable(...)`; `v.value`). */
export interface VariableHandle {
  kind: "variable";
  member: string;
  value: ArrayV;
}

export interface StageApi {
  readonly framework: "linen" | "haiku";
  /** The method being staged (`__call__`, `setup`, ...). */
  readonly method: string;
  /** Evaluates an argument expression in the current scope. */
  value(e: Expr): Value;
  /** Binds call arguments to parameter names, Python-style; reports what does not fit. */
  bind(args: Arg[], params: string[], what: string, span: Span): Map<string, Expr> | undefined;
  /** A fixed value's constructor-side and method-side expressions, or a report. */
  staticValue(v: Value, span: Span, what: string): StaticV | undefined;
  /** Declares a variable of the module (created once in the constructor) and returns it as read here. */
  declareVariable(spec: ParamSpec): { member: string; read: ArrayV };
  /** The member holding a declared variable, by collection and source name. */
  variable(collection: string, name: string): { member: string; read: ArrayV } | undefined;
  /** Sets a declared variable's value in the method. */
  setVariable(member: string, value: Value, span: Span): void;
  /** `self.sow(collection, name, value, reduce_fn=, init_fn=)` as Module.sow in the method; returns what the statement is. */
  sow(spec: SowSpec): Value;
  /** A fresh key from the named stream, drawn per call (Linen make_rng, Haiku next_rng_key). */
  drawKey(stream: string, span: Span): Value;
  /** Haiku: whether the entry's apply gets a key (not under hk.without_apply_rng). */
  readonly applyRng: boolean;
  /** A key only init draws (counted in its sequence), None in the call: hk.maybe_next_rng_key() with no apply key. */
  initOnlyKey(span: Span): Value;
  /** Applies a layer of the neutral catalog built here with these options (Haiku's hk.dropout). */
  applyLayer(layer: string, options: Map<string, StaticV>, inputs: Value[], span: Span, name?: string, callOptions?: Record<string, boolean>): Value;
  /** A train/eval flag value. */
  mode(polarity: 1 | -1): Value;
  /** Reports an unsupported construct and returns a placeholder. */
  unsupported(span: Span, what: string): Value;
  /** A warning that does not stop translation. */
  warn(span: Span, code: string, message: string): void;
  /** Emits a statement into the generated method. */
  emitCall(stmt: { k: "expr"; value: TExpr }): void;
  /** Whether the current code runs only while the source initializes (e.g. `if self.is_initializing()`). */
  readonly initializing: boolean;
  /** A module value for a submodule built here. */
  module(inst: ModuleV): Value;
  /** A module's call stepped along axis 0 of `xs`, threading `carry` (hk.scan). */
  scan(m: ModuleV, carry: Value, xs: Value, span: Span, reverse?: boolean): Value;
  /** Calls `method` of a module value (building it at its first call), as `m.method(*args)` does. */
  callModule(m: ModuleV, method: string, args: Value[], span: Span): Value;
  /** How the generated method reads a value, or a report. */
  callExpr(v: Value, span: Span, what: string): TExpr;
  /** The TypeScript type of a value as the generated method holds it. */
  typeOf(v: Value): string;
}
