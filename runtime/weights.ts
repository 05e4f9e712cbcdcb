// A model's weights as one safetensors file, named by the NNX dotted path of each
// variable (`block.linear.kernel`): `nnx.saveWeights(model, path)` and
// `nnx.loadWeights(model, bytesOrPath)`. RNG state (stream keys and counts) and
// what calls sowed (nnx.Intermediate) are not weights: neither saved nor expected.
import { readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { flatten } from "./graph.js";
import { loadSafetensors, saveSafetensors } from "./safetensors.js";
import { tf } from "./tf.js";
import { Intermediate, RngState, type Variable } from "./variables.js";

export class WeightsError extends Error {
  override name = "WeightsError";
}

/** Every variable of `model` but its RNG state and sown intermediates, by dotted path, in NNX's path order. */
export function weightVariables(model: object): Map<string, Variable<unknown>> {
  const [, flat] = flatten(model);
  const out = new Map<string, Variable<unknown>>();
  for (const [path, v] of flat) if (!(v instanceof RngState) && !(v instanceof Intermediate)) out.set(path.join("."), v as Variable<unknown>);
  return out;
}

/**
 * Replaces every weight of `model` with the file's. All or nothing: a missing,
 * extra or wrongly-shaped tensor is an error naming each path, and then no
 * variable has changed. Values are cast to the variable's dtype (a float64
 * file loads into float32 variables).
 */
export function loadWeights(model: object, source: Uint8Array | string): void {
  const bytes = typeof source === "string" ? readFileSync(source) : source;
  const where = typeof source === "string" ? `${source}: ` : "";
  let tensors: Record<string, tf.Tensor>;
  try {
    ({ tensors } = loadSafetensors(bytes));
  } catch (e) {
    throw new WeightsError(`${where}${(e as Error).message}`);
  }
  const variables = weightVariables(model);
  const problems: string[] = [];
  for (const [path, v] of variables) {
    const t = tensors[path];
    const value = v.value;
    if (!(value instanceof tf.Tensor)) problems.push(`${path}: the model's variable holds no tensor`);
    else if (!t) problems.push(`${path}: missing from the weights`);
    else if (JSON.stringify(t.shape) !== JSON.stringify(value.shape)) problems.push(`${path}: weights have shape [${t.shape}], the model [${value.shape}]`);
  }
  for (const name of Object.keys(tensors)) if (!variables.has(name)) problems.push(`${name}: in the weights but not in the model`);
  if (problems.length) {
    tf.dispose(Object.values(tensors));
    throw new WeightsError(`${where}the weights do not fit the model:\n  ${problems.join("\n  ")}`);
  }
  for (const [path, v] of variables) {
    const t = tensors[path];
    const dtype = (v.value as tf.Tensor).dtype;
    if (t.dtype === dtype) v.value = t;
    else {
      v.value = tf.cast(t, dtype);
      t.dispose();
    }
  }
}

/** The model's weights as safetensors bytes. */
export function weightsToBytes(model: object, metadata: Record<string, string> = {}): Uint8Array {
  const tensors: Record<string, tf.Tensor> = {};
  for (const [path, v] of weightVariables(model)) {
    if (!(v.value instanceof tf.Tensor)) throw new WeightsError(`${path}: the model's variable holds no tensor`);
    tensors[path] = v.value;
  }
  return saveSafetensors(tensors, { format: "nnxport-weights", ...metadata });
}

/** Writes the model's weights to `path` atomically (a temp file, then rename). */
export function saveWeights(model: object, path: string, metadata: Record<string, string> = {}): void {
  const bytes = weightsToBytes(model, metadata);
  const tmp = `${path}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, bytes);
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}
