// safetensors read/write (https://huggingface.co/docs/safetensors): an 8-byte
// little-endian header length, a JSON header, then the raw little-endian data.
// Small enough that a dependency would not earn its place; strict, because
// checkpoints come from outside.
import { tf } from "./tf.js";

type DType = "F32" | "I32" | "BOOL" | "F64" | "I64" | "U8" | "U32";

interface Entry {
  dtype: DType;
  shape: number[];
  data_offsets: [number, number];
}

const BYTES: Record<DType, number> = { F32: 4, I32: 4, U32: 4, BOOL: 1, U8: 1, F64: 8, I64: 8 };

export class SafetensorsError extends Error {
  override name = "SafetensorsError";
}

export interface SafetensorsFile {
  tensors: Record<string, tf.Tensor>;
  metadata: Record<string, string>;
}

/** Parses a safetensors buffer. Float64 and int64 data are narrowed to float32 and int32, as tfjs holds them. */
export function loadSafetensors(bytes: Uint8Array): SafetensorsFile {
  if (bytes.byteLength < 8) throw new SafetensorsError("file is shorter than its 8-byte header length");
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const headerLength = Number(view.getBigUint64(0, true));
  if (headerLength > bytes.byteLength - 8) throw new SafetensorsError(`header length ${headerLength} exceeds the file`);
  let header: Record<string, Entry | Record<string, string>>;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + headerLength)));
  } catch {
    throw new SafetensorsError("header is not valid JSON");
  }
  const data = bytes.subarray(8 + headerLength);
  const tensors: Record<string, tf.Tensor> = {};
  const metadata = (header.__metadata__ as Record<string, string>) ?? {};
  try {
    for (const [name, raw] of Object.entries(header)) {
      if (name === "__metadata__") continue;
      tensors[name] = decode(name, raw as Entry, data);
    }
  } catch (e) {
    tf.dispose(Object.values(tensors));
    throw e;
  }
  return { tensors, metadata };
}

function decode(name: string, e: Entry, data: Uint8Array): tf.Tensor {
  const size = BYTES[e.dtype];
  if (!size) throw new SafetensorsError(`${name}: unsupported dtype ${String(e.dtype)}`);
  if (!Array.isArray(e.shape) || !e.shape.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new SafetensorsError(`${name}: invalid shape`);
  }
  const [begin, end] = e.data_offsets ?? [];
  const count = e.shape.reduce((a, b) => a * b, 1);
  if (!Number.isInteger(begin) || !Number.isInteger(end) || begin < 0 || end > data.byteLength || end - begin !== count * size) {
    throw new SafetensorsError(`${name}: data offsets do not match its shape and dtype`);
  }
  // A copy: aligned, independent of the file's buffer. (Buffer#slice would return a view of Node's pool.)
  const bytes = new Uint8Array(data.subarray(begin, end));
  const view = new DataView(bytes.buffer);
  switch (e.dtype) {
    case "F32":
      return tf.tensor(new Float32Array(bytes.buffer), e.shape, "float32");
    case "I32":
      return tf.tensor(new Int32Array(bytes.buffer), e.shape, "int32");
    case "U32":
      return tf.tensor(Int32Array.from(new Uint32Array(bytes.buffer)), e.shape, "int32");
    case "U8":
      return tf.tensor(Int32Array.from(bytes), e.shape, "int32");
    case "BOOL":
      return tf.tensor(Uint8Array.from(bytes, (b) => (b ? 1 : 0)), e.shape, "bool");
    case "F64":
      return tf.tensor(Float32Array.from({ length: count }, (_, i) => view.getFloat64(i * 8, true)), e.shape, "float32");
    case "I64":
      return tf.tensor(Int32Array.from({ length: count }, (_, i) => Number(view.getBigInt64(i * 8, true))), e.shape, "int32");
  }
}

const DTYPES: Partial<Record<tf.DataType, DType>> = { float32: "F32", int32: "I32", bool: "BOOL" };

/** Serializes tensors (float32, int32, bool) to safetensors bytes. */
export function saveSafetensors(tensors: Record<string, tf.Tensor>, metadata: Record<string, string> = {}): Uint8Array {
  const header: Record<string, unknown> = { __metadata__: metadata };
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const [name, t] of Object.entries(tensors)) {
    const dtype = DTYPES[t.dtype];
    if (!dtype) throw new SafetensorsError(`${name}: cannot store dtype ${t.dtype}`);
    const values = t.dataSync();
    const chunk = dtype === "BOOL" ? Uint8Array.from(values as Uint8Array) : new Uint8Array(values.buffer, values.byteOffset, values.byteLength).slice();
    header[name] = { dtype, shape: t.shape, data_offsets: [offset, offset + chunk.byteLength] };
    chunks.push(chunk);
    offset += chunk.byteLength;
  }
  let json = new TextEncoder().encode(JSON.stringify(header));
  const padded = Math.ceil(json.byteLength / 8) * 8; // keeps the data 8-byte aligned
  json = Uint8Array.from({ length: padded }, (_, i) => (i < json.byteLength ? json[i] : 0x20));
  const out = new Uint8Array(8 + padded + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(padded), true);
  out.set(json, 8);
  let at = 8 + padded;
  for (const c of chunks) {
    out.set(c, at);
    at += c.byteLength;
  }
  return out;
}
