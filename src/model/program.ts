// What a frontend finds in a file, framework-neutral: module classes (their
// config fields and Python methods), config dataclasses, helper functions and
// constants, the entry point if the file has one, and the framework's tables
// and idioms (framework.ts) that analysis consults. Bodies stay Python IR;
// analysis (src/stage) gives them meaning.
import type { Expr, FunctionDef, PyModule } from "../python/ast.js";
import type { Span } from "../span.js";
import type { Framework } from "./framework.js";
import type { StaticType, Value } from "../stage/values.js";

export interface Field {
  name: string;
  annotation?: Expr;
  default?: Expr;
  /** Haiku's `__init__` parameter kinds: keyword-only, `*args`. */
  keywordOnly?: boolean;
  span: Span;
}

export interface ModuleClass {
  name: string;
  /** Config: Linen dataclass fields, Haiku `__init__` parameters or dataclass fields. */
  fields: Field[];
  methods: FunctionDef[];
  /**
   * Code that runs when the module is set up: Linen's `setup()`, Haiku's
   * `__init__` after `super().__init__` (with `self.x = x` config copies kept).
   */
  setup?: FunctionDef;
  /** Methods that are @property. */
  properties: FunctionDef[];
  /** Other class-level assignments (`expansion = 4`). */
  classAttrs: Array<{ name: string; value: Expr; span: Span }>;
  /** A framework layer this class extends (`class StdConv(nn.Conv)`), by qualified name. */
  extendsLayer?: string;
  /**
   * Linen: `__call__` decorated with a lifted transform (`@functools.partial(nn.scan, ...)`), as
   * the transform's call with the class as its target (`nn.scan(Cls, ...)`): building the class
   * builds that. The class itself is the undecorated step.
   */
  liftedCall?: Expr;
  docstring?: string;
  span: Span;
  /** Haiku: a transformed function made into a module; it adds no name to its submodules' paths. */
  transparent?: boolean;
  /**
   * A variant translated for given modules (`block_cls=ResNetBlock`, `conv=partial(nn.Conv, ...)`):
   * those fields' values, fixed in it, and the source class it is a variant of.
   */
  bound?: Map<string, Value>;
  source?: string;
  /** Untyped fields (`transformer: Any`) typed by the dict their user gives (`dict(num_layers=2, ...)`). */
  types?: Map<string, StaticType>;
  /** The ranks of its methods' array inputs ("method|param") where it is first used. */
  ranks?: Map<string, number>;
}

/** A dataclass or NamedTuple of plain values (`TransformerConfig`, `VAEOutput`). */
export interface ConfigClass {
  name: string;
  kind: "dataclass" | "namedtuple";
  fields: Field[];
  docstring?: string;
  span: Span;
}

/** What to verify: a module built by an expression and applied to inputs. */
export interface EntrySpec {
  /** A Python expression in the file's namespace (`CNN()`, `VAE(latents=4)`, `net_fn`). */
  expr: Expr;
  /** The source text of `expr`. */
  text: string;
  /** The method applied (`__call__`, or Linen's `method=`). */
  method: string;
  inputs: SampleInput[];
  /** Static keyword arguments of init and apply (`train=False`). */
  kwargs: Record<string, Expr>;
  kwargTexts: Record<string, string>;
  /** Overrides of kwargs for init only. */
  initKwargs?: Record<string, string>;
  /** Rng streams the Linen apply needs besides params. */
  rngs: string[];
  /** Linen `mutable=` collections. */
  mutable?: string[];
  /** absl command-line flags (`--hidden_size=16`): the flags the file defines take these values. */
  argv?: string[];
  /** Where the file says it (its init call), for diagnostics. */
  span?: Span;
  /** The top-level name bound to the model object or transformed function, when the file has one. */
  object?: string;
  /** Other methods the source can apply on their own (Haiku's multi_transform apply functions). */
  methods?: string[];
  /** The file's own init call: its flags choose the init call's mode only. */
  fromInitCall?: boolean;
  /** Haiku: how the function is transformed. */
  transform?: { fn: string; withState: boolean; applyRng: boolean };
  /** Inputs whose samples only running the file tells (their `inputs` entries are placeholders). */
  unknownSamples?: string[];
}

export interface SampleInput {
  name: string;
  /** Positional, or passed by keyword. */
  keyword?: boolean;
  dtype: "float32" | "int32" | "bool" | "key";
  shape: number[];
  /** Ints are drawn in [low, high). */
  low?: number;
  high?: number;
  /** A key given as `jax.random.PRNGKey(n)` (raw uint32[2] key data), not a typed `jax.random.key(n)`. */
  legacy?: boolean;
  /** The source's constant sample values (`jnp.ones(...)`). */
  fill?: "ones" | "zeros";
  /** A dict of inputs (`{name: ...}`). */
  dict?: SampleInput[];
}

export interface Program {
  file: string;
  framework: Framework;
  module: PyModule;
  classes: ModuleClass[];
  configs: ConfigClass[];
  functions: Map<string, FunctionDef>;
  /** Top-level constants and other assignments, by name (the last binding). */
  constants: Map<string, { value: Expr; span: Span }>;
  /** A Haiku function transformed into the model (`hk.transform(net_fn)`), as a module class. */
  transformed: Map<string, ModuleClass>;
  entry?: EntrySpec;
  /** The file's own init call, when some of its samples only running the file tells (verify learns them). */
  probeEntry?: EntrySpec;
}
