// The target IR: the NNX-style TypeScript program nnxport writes, as data.
// Analysis builds it; print.ts prints it. It knows TypeScript's shapes
// (classes, arrow functions, `this`) and nothing of Haiku or Linen. Names are
// kept as the source spells them (snake_case); the printer camel-cases
// identifiers that came from the source.
import type { Span } from "../span.js";

/** The module generated code imports the runtime from. */
export const RUNTIME_MODULE = "nnxport/runtime";

export type TExpr =
  /** A local of the function being printed; `name` is a source name unless `raw`. */
  | { k: "id"; name: string; raw?: boolean }
  /** `this.<name>` */
  | { k: "this"; name: string }
  /** A runtime export: `nnx.relu`, `jnp.add`, `tf.tidy`, `Math.max`. Printed as is. */
  | { k: "rt"; path: string }
  | { k: "num"; value: number }
  /** A Python float literal that must stay a float next to int arrays (JAX's weak float). */
  | { k: "pyfloat"; value: number }
  | { k: "str"; value: string }
  | { k: "bool"; value: boolean }
  | { k: "null" }
  | { k: "undefined" }
  | { k: "array"; items: TExpr[] }
  | { k: "object"; entries: Array<{ key: string; value: TExpr; raw?: boolean } | { spread: TExpr }> }
  | { k: "member"; object: TExpr; name: string; optional?: boolean }
  | { k: "index"; object: TExpr; index: TExpr }
  | { k: "call"; fn: TExpr; args: TExpr[] }
  | { k: "new"; cls: TExpr; args: TExpr[] }
  | { k: "unary"; op: "-" | "!" | "~" | "+"; operand: TExpr }
  | { k: "binary"; op: TBinaryOp; left: TExpr; right: TExpr }
  | { k: "cond"; test: TExpr; then: TExpr; else: TExpr }
  | { k: "arrow"; params: TParam[]; body: TExpr | TStmt[]; returns?: string }
  | { k: "template"; parts: Array<string | TExpr> }
  | { k: "spread"; value: TExpr }
  /** `x as T` / `x!` */
  | { k: "cast"; value: TExpr; type: string }
  | { k: "nonnull"; value: TExpr }
  /** Text printed verbatim (types in generic positions, well-formed by construction). */
  | { k: "raw"; text: string }
  /**
   * `value`, noted for the source-naming record (see src/instantiate): how the
   * source names what `value` builds. The plain printer prints `value` alone.
   */
  | { k: "recorded"; event: RecordEvent; value: TExpr };

export type TBinaryOp =
  | "+" | "-" | "*" | "/" | "%" | "**"
  | "===" | "!==" | "<" | "<=" | ">" | ">="
  | "&&" | "||" | "??"
  | "&" | "|" | "^" | "<<" | ">>" | "instanceof" | "in";

export interface TParam {
  name: string;
  type?: string;
  optional?: boolean;
  default?: TExpr;
  rest?: boolean;
  raw?: boolean;
}

export type TStmt =
  /** `definite`: `let x!: T;` (first set in a loop or a branch, read after it, as Python allows). */
  | { k: "let"; name: string; value?: TExpr; type?: string; mutable?: boolean; pattern?: TPattern; raw?: boolean; definite?: boolean }
  | { k: "assign"; target: TExpr | TPattern; value: TExpr; op?: string }
  | { k: "expr"; value: TExpr }
  | { k: "if"; test: TExpr; then: TStmt[]; else: TStmt[] }
  /** `for (const x of iter)` (pattern may destructure). */
  | { k: "forOf"; target: TPattern; iter: TExpr; body: TStmt[] }
  /** `for (let i = start; i < stop; i += step)` */
  | { k: "forRange"; name: string; start: TExpr; stop: TExpr; step?: TExpr; body: TStmt[] }
  | { k: "while"; test: TExpr; body: TStmt[] }
  | { k: "return"; value?: TExpr }
  | { k: "throw"; message: TExpr }
  | { k: "break" }
  | { k: "continue" }
  | { k: "block"; body: TStmt[] }
  | { k: "comment"; text: string }
  /** A local function. */
  | { k: "function"; fn: TFunction }
  /** A source-naming note with no effect on the program (printed only when instrumented). */
  | { k: "record"; event: RecordEvent };

/**
 * What the instrumented constructor tells the recorder, so that running it
 * yields the source's parameter paths and key derivation for each variable.
 */
export type RecordEvent =
  /** The source constructs a submodule here (its name is fixed now, as frameworks do). */
  | { e: "construct"; site: number | string; base: string; name?: TExpr; eager?: boolean; method?: string; top?: boolean; segment?: string }
  /**
   * A submodule (layer or module of the file) is built: `value` creates it. `site`: see Recorder.build.
   * `inner`: a module Linen's setup gave to a layer, named inside the layer being built (`rnn/cell`);
   * `within`: the same inside a layer built already (nn.Sequential's items pushed after it).
   */
  | { e: "build"; site: number | string; layer?: { leaves: Record<string, string>; draws: string[]; keepdims?: string[]; flattened?: string[]; initialFromCall?: string[]; dropout?: boolean }; transparent?: boolean; stack?: { rngs?: string[]; once?: boolean }; inner?: boolean; within?: TExpr; fork?: boolean; top?: boolean }
  /** Linen's nn.scan (nn.RNN) with split_rngs: `module`'s keys of these streams are drawn from split(key, steps)[step]. */
  | { e: "scanKeys"; module: TExpr; streams: string[] }
  /** A variable of the module itself is created. */
  /**
   * `stream`: the key it is made with is the last one drawn from that stream (`self.make_rng(stream)`
   * given to the initializer). `fromCall`: the module's own methods set it, so the source's init call does.
   */
  | { e: "variable"; name: string; collection: string; draws: boolean | "unknown"; stream?: string; fromCall?: boolean }
  /** The source's forward pass draws keys here (Haiku's init counts them). */
  | { e: "draw"; count: number; stream?: string }
  /** A member that hands out keys per call, and the stream it stands for. */
  | { e: "keys"; stream: string };

export type TPattern =
  | { k: "pid"; name: string; raw?: boolean }
  | { k: "ptuple"; items: Array<TPattern | null> }
  | { k: "prest"; target: TPattern };

export interface TFunction {
  name: string;
  params: TParam[];
  returns?: string;
  body: TStmt[];
  docs?: string[];
  exported?: boolean;
  /** Type parameters, e.g. ["T"]. */
  generics?: string[];
}

export interface TProperty {
  name: string;
  type: string;
  readonly?: boolean;
  docs?: string[];
  optional?: boolean;
}

export interface TClass {
  name: string;
  extends: string;
  docs?: string[];
  properties: TProperty[];
  ctor: { params: TParam[]; body: TStmt[] };
  methods: TFunction[];
  span?: Span;
  /** No members of its own: printed `class X extends Y {}`. */
  bare?: boolean;
}

export interface TInterface {
  name: string;
  docs?: string[];
  extends?: string[];
  properties: Array<TProperty & { default?: string }>;
}

export type TDecl =
  | { k: "class"; cls: TClass }
  | { k: "interface"; iface: TInterface }
  | { k: "function"; fn: TFunction }
  | { k: "const"; name: string; type?: string; value: TExpr; docs?: string[]; exported?: boolean }
  | { k: "typeAlias"; name: string; type: string; docs?: string[] }
  | { k: "comment"; text: string };

export interface TModule {
  header: string[];
  /** `all`: every name is imported as is (another converted file's); else only the namespaces the code uses. */
  imports: Array<{ names: string[]; from: string; all?: boolean }>;
  decls: TDecl[];
}

// Small constructors, to keep the code that builds the IR readable.
export const id = (name: string): TExpr => ({ k: "id", name });
export const rawId = (name: string): TExpr => ({ k: "id", name, raw: true });
export const rt = (path: string): TExpr => ({ k: "rt", path });
export const num = (value: number): TExpr => ({ k: "num", value });
export const str = (value: string): TExpr => ({ k: "str", value });
export const call = (fn: TExpr | string, ...args: TExpr[]): TExpr => ({ k: "call", fn: typeof fn === "string" ? rt(fn) : fn, args });
export const member = (object: TExpr, name: string): TExpr => ({ k: "member", object, name });
export const self = (name: string): TExpr => ({ k: "this", name });
export const bin = (op: TBinaryOp, left: TExpr, right: TExpr): TExpr => ({ k: "binary", op, left, right });
export const not = (operand: TExpr): TExpr => ({ k: "unary", op: "!", operand });
