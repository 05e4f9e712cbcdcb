// The one place the runtime gets TensorFlow.js from. Importing it selects and
// initialises a backend (see backend.ts) before any op runs.
import * as tf from "@tensorflow/tfjs-core";
import { ensureBackend } from "./backend.js";

await ensureBackend();

export { tf };
export type Tensor = tf.Tensor;
