// The neutral layer catalog: every family's layers by neutral name.
import type { LayerKind } from "./index.js";
import { ACTIVATION } from "./activation.js";
import { ATTENTION } from "./attention.js";
import { CONTAINERS } from "./containers.js";
import { CONV } from "./conv.js";
import { DENSE } from "./dense.js";
import { EMBED } from "./embed.js";
import { NETS } from "./nets.js";
import { NORM } from "./norm.js";
import { POOLING } from "./pooling.js";
import { RECURRENT } from "./recurrent.js";
import { WRAPPERS } from "./wrappers.js";
import { RESHAPE } from "./reshape.js";
import { STOCHASTIC } from "./stochastic.js";

export const LAYERS: Record<string, LayerKind> = { ...DENSE, ...ATTENTION, ...CONV, ...EMBED, ...NORM, ...POOLING, ...RESHAPE, ...STOCHASTIC, ...CONTAINERS, ...RECURRENT, ...NETS, ...ACTIVATION, ...WRAPPERS };
