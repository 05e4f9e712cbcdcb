// PLACEHOLDER: replaced by the backend-selection work (tfjs-node, then wasm, then cpu).
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";

export async function ensureBackend(): Promise<string> {
  await tf.setBackend("cpu");
  await tf.ready();
  return tf.getBackend();
}
