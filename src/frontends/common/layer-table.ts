// The shape of a frontend's layer table: how one framework's layer class maps
// onto a neutral layer. Each frontend keeps its own table as data.
import type { LayerKind } from "../../ir/layers.js";

export interface SourceLayer {
  layer: LayerKind;
  /**
   * Constructor parameters in positional order. `option` names the neutral
   * option it sets; a parameter without one is accepted only when absent or
   * None, so an unsupported setting is reported rather than dropped.
   */
  params: Array<{ name: string; option?: string }>;
  /**
   * The parameter that switches train/eval behaviour, accepted by the
   * constructor or the call (`deterministic`, `use_running_average`,
   * `is_training`), and whether a true value means training.
   */
  mode?: { param: string; trueMeansTraining: boolean };
  /** Neutral variable name → leaf name under the layer's path in the source tree. */
  leaves: Record<string, string>;
  /** The base the framework names an unnamed instance from (`linear`, `Dense`). */
  autoName: string;
}
