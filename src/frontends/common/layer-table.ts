// The shape of a frontend's layer table: how one framework's layer class maps
// onto a neutral layer. Each frontend keeps its own table as data.
import type { LayerKind } from "../../ir/layers.js";
import type { SourceInitializer } from "../../ir/model.js";

export interface SourceLayer {
  layer: LayerKind;
  /**
   * Constructor parameters in positional order. `option` names the neutral
   * option it sets; `mode` marks the train/eval switch. A parameter with
   * neither is accepted only when absent or None, so an unsupported setting is
   * reported rather than dropped.
   */
  params: Array<{
    name: string;
    option?: string;
    mode?: true;
    /** An integer given here stands for this many equal sizes (Haiku's Conv2D `kernel_shape=3` is 3×3). */
    repeat?: number;
    /** The only values accepted (string literals or source text, e.g. `-1`); anything else is reported. */
    literals?: string[];
  }>;
  /** Options the framework's layer defaults differently from the runtime's (Haiku's LayerNorm eps 1e-5). */
  defaults?: Record<string, number | boolean>;
  /** Neutral options the framework's layer always has (Haiku's zero-debiased batch-norm EMA). */
  fixed?: Record<string, boolean | number>;
  /**
   * The train/eval switch (`deterministic`, `use_running_average`,
   * `is_training`), accepted by the constructor or the call, whether a true
   * value means training, and its position among the call's arguments.
   */
  mode?: { param: string; trueMeansTraining: boolean; callPosition?: number };
  /** Neutral variable name → leaf name under the layer's path in the source tree. */
  leaves: Record<string, string>;
  /** Variables the source stores with extra leading size-1 axes (Haiku keeps batch-norm stats at the input's rank). */
  keepdims?: string[];
  /** The framework's default initializer of each parameter, by the runtime's name for it. */
  init?: Record<string, SourceInitializer>;
  /** Parameters whose creation draws a key, in the order the layer creates them. */
  draws?: string[];
  /**
   * Variables the source first creates by setting them during init's own
   * forward pass (Haiku's EMA `average`), so they start from that call's values.
   */
  initialFromCall?: string[];
  /** The base the framework names an unnamed instance from (`linear`, `Dense`). */
  autoName: string;
}
