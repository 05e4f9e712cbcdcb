// What analysis knows about a Python value while it stages a method: a value
// fixed when the module is built (config, sizes, strings, functions), an array
// computed per call, a submodule, or a container of these. Fixed values carry
// how to read them in each generated place: in the constructor (`ctor`) and in
// the method (`call`); either may be missing (a call argument's None-ness is
// not known to the constructor; a local of the constructor is not a member).
import type { Expr, FunctionDef, Param, Pattern } from "../python/ast.js";
import type { Span } from "../span.js";
import type { RecordEvent, TExpr } from "../ts/ast.js";
import type { SymShape } from "./shapes.js";
import type { Frame } from "./scope.js";

/** A Python value known to the translator itself (literals, module constants). */
export type Known = number | boolean | string | null | Known[] | { [key: string]: Known };

export type DType = "float32" | "int32" | "bool" | "uint32" | "unknown";

/** The kinds of fixed values, as far as the TypeScript type goes. */
export type StaticType =
  | { t: "int" }
  | { t: "float" }
  | { t: "bool" }
  | { t: "str" }
  | { t: "none" }
  | { t: "dtype" }
  | { t: "seq"; of: StaticType; length?: number }
  | { t: "tuple"; items: StaticType[] }
  | { t: "dict"; of: StaticType }
  /** A function of arrays (an activation): `(x: nnx.Array) => nnx.Array`. */
  | { t: "activation" }
  /** A jax.nn initializer. */
  | { t: "initializer" }
  /** A config object (a dataclass of this file, or a mapping; `fields` when its keys are known: a dict or ConfigDict its user gives). */
  | { t: "config"; cls?: string; fields?: Record<string, StaticType> }
  | { t: "any" };

export interface StaticV {
  kind: "static";
  type: StaticType;
  /** How the constructor reads it; undefined when it cannot. */
  ctor?: TExpr;
  /** How the generated method reads it; undefined when it cannot. */
  call?: TExpr;
  /** The value itself, when the translator knows it. */
  known?: Known;
}

export interface ArrayV {
  kind: "array";
  call: TExpr;
  shape: SymShape;
  dtype: DType;
}

export interface ModuleV {
  kind: "module";
  inst: Instance;
}

/** A tuple or list whose items are known one by one. */
export interface SeqV {
  kind: "tuple" | "list";
  items: Value[];
  /** The generated list when it is built up at run time (`outs.append(y)`). */
  call?: TExpr;
}

export interface DictV {
  kind: "dict";
  entries: Array<[Known, Value]>;
  call?: TExpr;
  /** A NamedTuple: also a tuple of its fields, in order. */
  tuple?: boolean;
}

/** A function of the file, a nested def or a lambda, with the values it closes over. */
export interface FuncV {
  kind: "func";
  def: FunctionDef | { kind: "lambda"; params: Param[]; body: Expr; span: Span };
  closure: Map<string, Value>;
  /** A method of the module being staged, bound to `self`. */
  method?: string;
  /** For generated helpers: how to call it. */
  call?: TExpr;
  ctor?: TExpr;
}

/** A framework function or class the tables know (`jax.nn.relu`, `flax.linen.Dense`), by qualified name. */
export interface GlobalV {
  kind: "global";
  name: string;
  /** A method bound to an object value (`x.reshape`, `embed.attend`). */
  self?: Value;
}

/** functools.partial(fn, *args, **kwargs). */
export interface PartialV {
  kind: "partial";
  fn: Value;
  args: Value[];
  kwargs: Array<[string, Value]>;
  /** How generated code refers to it, when it is a value held in a config or passed on. */
  ctor?: TExpr;
  call?: TExpr;
}

/** A class of this file: a module class or a config dataclass. */
export interface ClassV {
  kind: "class";
  name: string;
}

/** A train/eval flag: true means training when `polarity` is 1. */
export interface ModeV {
  kind: "mode";
  polarity: 1 | -1;
}

/** A PRNG key. */
export interface KeyV {
  kind: "key";
  call: TExpr;
  /** `self.make_rng(stream)`: the constructor draws it from its `rngs` (an initializer argument). */
  ctor?: TExpr;
  stream?: string;
}

export interface UnknownV {
  kind: "unknown";
  why: string;
}

/**
 * A module class under a lifted transform: `nn.scan(Cell, ...)` (a step run
 * along an axis, its parameters shared) or a stack of layers (`nn.scan` over
 * the params axis, Haiku's layer_stack) applied in turn.
 */
export interface LiftedV {
  kind: "lifted";
  /** identity: a transform with no effect on values (nn.remat / nn.checkpoint), only on the name. */
  transform: "scan" | "stack" | "identity";
  target: Value;
  /** scan: the axes of the scanned input and output; stack: the number of layers. */
  inAxis?: number;
  outAxis?: number;
  reverse?: boolean;
  length?: Value;
  /** Linen names lifted classes with a prefix (`ScanBlock_0`). */
  namePrefix?: string;
  /** Haiku names what a layer stack builds inside a scope of its own (`__layer_stack_no_per_layer`). */
  scopeSegment?: string;
  /** The rng streams split per layer of a stack (Linen's split_rngs). */
  splitRngs?: string[];
  /** Haiku's layer_stack: the function whose module is stacked. */
  fn?: FuncV;
  /**
   * A stack run as an ensemble (Linen's nn.vmap with variable_axes={'params': 0}):
   * every member called on its own slice of the mapped arguments (`inAxes`:
   * one axis for all, or one per positional argument; null: the same for
   * every member), results stacked on `outAxis`; `methods` are the mapped ones.
   */
  vmap?: { inAxes: number | null | Array<number | null>; outAxis: number; methods: string[]; shared?: boolean };
  /** nn.jit: each call of `__call__` forks the module's rngs (its keys are folded from a key made in its scope). */
  fork?: boolean;
}

/**
 * Submodules built one per item of a sequence only the config knows
 * (`[hk.Linear(n) for n in self.sizes]`): NNX keeps them in one nnx.List, built
 * in the constructor by a loop over the same sequence, and a method's
 * `for layer in self.layers:` runs over that list.
 */
export interface ModulesV {
  kind: "modules";
  list: ModuleList;
  /** `enumerate(self.layers)`. */
  enumerate?: boolean;
  /** `self.layers[a:b]` (fixed ints; undefined is the end). */
  slice?: { start?: number; stop?: number };
}

/**
 * Which of a list's items the constructor has pushed (in order): those before an
 * index (negative from the end), all of them, or those before a size it knows.
 */
export type ListFrontier = { int: number } | { end: true } | { expr: TExpr };

export interface ModuleList {
  id: number;
  /** The sequence the comprehension runs over, and its target. */
  iter: StaticV;
  target: Pattern;
  /** The element expression and the scope it is evaluated in (with the target bound). */
  element: Expr;
  closure: Map<string, Value>;
  /** The construction site its items are recorded under (one record per item, in order). */
  site: number;
  /** The construction record, named when setup() stores the list (`layers_0`, ... in Linen). */
  record?: RecordEvent;
  /** The item as first staged: the modules given to it (an RNN's cell) keep their construction sites when it is staged again. */
  first?: Instance;
  /** The attribute setup() stores it in. */
  attr?: string;
  /** The nnx.List member (named when setup() stores the list, else when it is built). */
  member?: string;
  /** Its items are built (the constructor's loop that pushes them is written). */
  made?: boolean;
  /** How far the constructor has pushed its items (none: nothing yet). */
  frontier?: ListFrontier;
  /** Its items go into a layer built already (nn.Sequential's `layers`), named inside it when `within` is set. */
  pushTo?: { list: TExpr; within?: TExpr };
  span: Span;
}

/**
 * A value an enclosing interpreter gives meaning to (the training-step
 * stager's parameters, gradients, TrainState, ...): the stager asks it for
 * attributes and calls, and reads it through `expr` where it is one value.
 */
export interface HostV {
  kind: "host";
  /** What it is, for messages (`the gradients`). */
  name: string;
  /** How generated code refers to it, when it is one value. */
  expr?: TExpr;
  /** Its TypeScript type, when generated code holds it (`nnx.State`). */
  tsType?: string;
  attr?(name: string, span: Span): Value;
  /** `frame`: the method frame the call is staged in (where what it builds and computes goes). */
  call?(args: Value[], kwargs: Array<[string, Value]>, span: Span, frame?: Frame): Value;
  index?(key: Value, span: Span): Value;
  /** The same value, read from the local it was bound to. */
  rebind?(e: TExpr): Value;
}

/**
 * A list of arrays of one shape that the method builds at run time, one per item
 * of a sequence the constructor knows (`[norm()(x[..., c]) for c in range(x.shape[-1])]`,
 * each item run through a submodule of its own): the method's local that holds it,
 * one item, and how many there are (a constructor expression, and the method's).
 */
export interface ArraysV {
  kind: "arrays";
  call: TExpr;
  item: ArrayV;
  count: { ctor?: TExpr; call?: TExpr };
}

export type Value = StaticV | ArrayV | ModuleV | SeqV | DictV | FuncV | GlobalV | PartialV | ClassV | ModeV | KeyV | LiftedV | ModulesV | HostV | ArraysV | UnknownV;

/** One submodule instance: where the source constructs it, and what it was given. */
export interface Instance {
  id: number;
  /** What is constructed: a framework layer (qualified name), a module class of the file, ... */
  ctor: Value;
  args: Value[];
  kwargs: Array<[string, Value]>;
  /** The source's name for it, if given (`name='fc1'`, an f-string). */
  name?: Value;
  span: Span;
  /** Set when the generated constructor has built it: how each side refers to it. */
  built?: { member: string; call: TExpr; ctor: TExpr };
  /** The staging block depth and loop nesting where it was constructed. */
  site: Site;
}

export interface Site {
  /** The static loops enclosing the construction, innermost last. */
  loops: LoopFrame[];
  /** Conditions enclosing it (inside the innermost loop). */
  conditional: boolean;
}

export interface LoopFrame {
  id: number;
  /** A 0-based iteration counter usable in the method, when the loop has one. */
  counter?: TExpr;
  ctorCounter?: TExpr;
  /** A 0-based range's stop in the constructor (`range(n)`: `n`). */
  ctorStop?: TExpr;
}

export const staticOf = (type: StaticType, ctor: TExpr | undefined, call: TExpr | undefined, known?: Known): StaticV => ({
  kind: "static",
  type,
  ctor,
  call,
  known,
});

export function isStatic(v: Value): v is StaticV {
  return v.kind === "static";
}

export function describe(v: Value): string {
  switch (v.kind) {
    case "static":
      return v.known !== undefined ? `the value ${JSON.stringify(v.known)}` : `a ${v.type.t} value`;
    case "array":
      return "an array";
    case "module":
      return "a module";
    case "tuple":
      return "a tuple";
    case "list":
      return "a list";
    case "dict":
      return "a dict";
    case "func":
      return "a function";
    case "global":
      return `'${v.name}'`;
    case "partial":
      return "a functools.partial";
    case "class":
      return `the class ${v.name}`;
    case "mode":
      return "a train/eval flag";
    case "key":
      return "a PRNG key";
    case "lifted":
      return v.transform === "identity" ? "a rematerialized module" : `a ${v.transform === "scan" ? "scanned" : "stacked"} module`;
    case "modules":
      return "a list of submodules";
    case "arrays":
      return "a list of arrays";
    case "host":
      return v.name;
    case "unknown":
      return "an unknown value";
  }
}
