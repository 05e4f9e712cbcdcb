// The one place the runtime gets TensorFlow.js from. Importing it selects and
// initialises a backend (see backend.ts) before any op runs.
import * as tf from "@tensorflow/tfjs-core";
import { createRequire } from "node:module";
import { ensureBackend } from "./backend.js";
import { registerBooleanGradients } from "./gradients.js";

// tfjs-core's Node build registers no gradients; the umbrella package does, on
// this same tfjs-core. tfjs-node loads it too, but wasm and cpu would go without.
createRequire(import.meta.url)("@tensorflow/tfjs");
registerBooleanGradients();
await ensureBackend();

export { tf };
export type Tensor = tf.Tensor;
