import type { SourceLayer } from "../common/layer-table.js";

/** Haiku layers nnxport translates, keyed by qualified name. */
export const HAIKU_LAYERS: Record<string, SourceLayer> = {
  "haiku.Linear": {
    layer: "Linear",
    params: [{ name: "output_size", option: "outFeatures" }, { name: "with_bias", option: "useBias" }, { name: "w_init" }, { name: "b_init" }],
    leaves: { kernel: "w", bias: "b" },
    autoName: "linear",
  },
};
