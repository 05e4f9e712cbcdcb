// What a frontend tells analysis about its framework: its layers as table
// rows onto the neutral catalog (src/stage/layers/), and its idioms (framework
// calls with meaning: declaring parameters, drawing keys, ...) as hooks the
// stager calls. Everything framework-specific stays in src/frontends/<name>.
import type { Arg } from "../python/ast.js";
import type { Span } from "../span.js";
import type { Known, Value } from "../stage/values.js";
import type { StageApi } from "../stage/api.js";

export interface SourceLayerParam {
  name: string;
  /** The neutral option it sets. */
  option?: string;
  /** The train/eval switch. */
  mode?: true;
  /** An int given here stands for this many equal sizes (Haiku's Conv2D `kernel_shape=3` is 3×3). */
  repeat?: number;
  /** Values accepted only as these literals (source text); anything else is reported. */
  literals?: string[];
  /** Accepted and without effect here (e.g. `dtype=jnp.float32`, `precision`); only these values when given. */
  ignore?: string[];
  /** Accepted and not passed on, whatever its value (an rng the runtime method does not need). */
  unused?: true;
  /** None is a value here (GroupNorm's `num_groups=None`), passed on as `null` rather than meaning the default. */
  passNone?: true;
  /** Framework constants accepted for it (an enum member), by qualified name, and the value each stands for. */
  constants?: Record<string, Known>;
  /**
   * Haiku's ConvND padding: a pad function of the effective kernel size (`hk.pad.same`, a lambda)
   * or a sequence of them, one `(low, high)` pair for every axis, or pairs; made explicit pairs.
   */
  padFn?: true;
  /** A flag that makes the layer sow when true (Linen `sow_weights=True`): the runtime class, and the collection and name it sows under. */
  sows?: { cls: string; collection: string; name: string };
}

/** How a method of a source layer maps onto the neutral layer's method. */
export interface SourceLayerCall {
  /** The neutral method (defaults to the source method's own name). */
  method?: string;
  /** The method's parameters in positional order; `option` is the neutral argument name. */
  params: SourceLayerParam[];
}

export interface SourceLayer {
  /** The neutral layer (a key of LAYERS). */
  layer: string;
  /** Constructor parameters in positional order. Parameters not listed are reported. */
  params: SourceLayerParam[];
  /** Options the framework's layer defaults differently from the runtime's: literals or runtime expressions. */
  defaults?: Record<string, Known | { rt: string }>;
  /** Neutral options the framework's layer always has. */
  fixed?: Record<string, Known>;
  /** Its train/eval switch's polarity: whether true means training (the parameters are marked `mode`). */
  mode?: { trueMeansTraining: boolean };
  /**
   * The methods the source calls, by source name; `__call__` takes one input
   * (`x`) when not listed. A call parameter marked `mode` is the train/eval switch.
   */
  calls?: Record<string, SourceLayerCall>;
  /** Runtime variable name → leaf name under the layer's path in the source tree. */
  leaves: Record<string, string>;
  /** Variables the source stores with extra leading size-1 axes. */
  keepdims?: string[];
  /** Variables the source may store in a shape of several axes that the runtime flattens (Linen's feature axes). */
  flattened?: string[];
  /** Parameters whose creation draws a key from the source's key sequence, in creation order. */
  draws: string[];
  /**
   * Variables the source first creates by setting them during init's own
   * forward pass (Haiku's EMA `average`), so they start from that call's values.
   */
  initialFromCall?: string[];
  /** The base the framework names an unnamed instance from (`linear`, `Dense`). */
  autoName: string;
}

/** A call of a framework idiom, as analysis hands it to the frontend. */
export interface IdiomCall {
  /** Qualified name (`haiku.get_parameter`) or, for Linen's methods on self, `self.param`. */
  name: string;
  args: Arg[];
  span: Span;
}

/** How the framework's `apply` takes the model's variables, a key and the inputs. */
export interface ApplySignature {
  /** Linen: one dict of collections; Haiku: the params, then the state when transformed with state. */
  variables: "dict" | "params" | "paramsAndState";
  /** Linen: `rngs={'dropout': key}`; Haiku: a positional key after the variables (unless without_apply_rng). */
  rng: "rngsKeyword" | "positional" | "none";
  /** Linen: `(out, updates)` when `mutable=` is given; Haiku with state: always `(out, state)`. */
  returnsState: "mutable" | "always" | "never";
}

export interface Framework {
  name: "linen" | "haiku";
  /** For headers and messages: "Flax Linen", "Haiku". */
  origin: string;
  /** Layers by qualified name. */
  layers: Record<string, SourceLayer>;
  /** Handles a framework call; undefined when `call.name` is not one of its idioms. */
  idiom(call: IdiomCall, api: StageApi): Value | undefined;
  /** Names of `self.<method>` calls that are idioms (Linen: param, variable, make_rng, ...). */
  selfIdioms: Set<string>;
  /** The base the framework names an unnamed instance of a module class from (`Block`, `block`). */
  moduleBase(cls: string): string;
  /**
   * The runtime Variable type of a variable: `nnx.Param`, `nnx.BatchStat`, or a
   * subclass the output declares (Linen: per collection; Haiku: per state name).
   */
  variableType(collection: string, name: string): string;
  /** How the entry's `apply` is called (training code applies the model). */
  applySignature(entry: import("./program.js").EntrySpec): ApplySignature;
}
