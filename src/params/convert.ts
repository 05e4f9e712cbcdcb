// `nnxport params`: a trained checkpoint → the translated model's weights, as
// safetensors named by NNX dotted paths (what nnx.loadWeights reads).
import { readFileSync } from "node:fs";
import type { ParamMapDocument } from "../pipeline.js";
import { readCheckpoint, type CheckpointFormat } from "./read.js";
import { matchCheckpoint, type MapEntry } from "./match.js";
import type { Placed } from "./layout.js";
import { CheckpointError } from "./host-array.js";

export interface WeightsConversion {
  format: CheckpointFormat;
  /** safetensors bytes, or undefined when there are problems. */
  bytes?: Uint8Array;
  problems: string[];
  notes: string[];
  count: number;
}

export type ParamMap = ParamMapDocument & { params: MapEntry[] };

export function readParamMap(path: string): ParamMap {
  let doc: ParamMap;
  try {
    doc = JSON.parse(readFileSync(path, "utf8")) as ParamMap;
  } catch (e) {
    throw new CheckpointError(`${path}: not a readable param map (${(e as Error).message})`, "unsupported");
  }
  if (!Array.isArray(doc.params) || typeof doc.framework !== "string") {
    throw new CheckpointError(`${path}: not a param map written by \`nnxport convert\` (no framework or params)`, "unsupported");
  }
  return doc;
}

/** How many bytes a checkpoint may hold: generous over the model's own float32 weights, but bounded. */
export function checkpointBudget(map: ParamMap): number {
  const weights = map.params.reduce((a, e) => a + 4 * e.shape.reduce((x, y) => x * y, 1), 0);
  return 64 * 2 ** 20 + 32 * weights;
}

export async function convertCheckpoint(checkpoint: string, map: ParamMap, options: { allowPickle?: boolean } = {}): Promise<WeightsConversion> {
  const { format, tree } = await readCheckpoint(checkpoint, { allowPickle: options.allowPickle, maxBytes: checkpointBudget(map) });
  const { arrays, problems, notes } = matchCheckpoint(tree, map);
  const result: WeightsConversion = { format, problems, notes, count: arrays.size };
  if (problems.length === 0) result.bytes = encodeSafetensors(arrays, { format: "nnxport-weights", source: map.source ?? "", framework: map.framework });
  return result;
}

/** safetensors (8-byte header length, JSON header, data), float32/int32/bool. */
export function encodeSafetensors(arrays: Map<string, Placed>, metadata: Record<string, string>): Uint8Array {
  const header: Record<string, unknown> = { __metadata__: metadata };
  let offset = 0;
  const chunks: Uint8Array[] = [];
  for (const [name, { shape, values }] of arrays) {
    const dtype = values instanceof Float32Array ? "F32" : values instanceof Int32Array ? "I32" : "BOOL";
    const chunk = new Uint8Array(values.buffer, values.byteOffset, values.byteLength);
    header[name] = { dtype, shape, data_offsets: [offset, offset + chunk.byteLength] };
    chunks.push(chunk);
    offset += chunk.byteLength;
  }
  const json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.byteLength / 8) * 8;
  const out = new Uint8Array(8 + padded + offset).fill(0x20, 8 + json.byteLength, 8 + padded);
  new DataView(out.buffer).setBigUint64(0, BigInt(padded), true);
  out.set(json, 8);
  let at = 8 + padded;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}
