// Arrays read from a checkpoint, before any tensor library sees them: raw bytes
// with a dtype and shape, as the file holds them. Every reader checks that the
// bytes are exactly what the shape and dtype declare.

export type DType = "f2" | "bf16" | "f4" | "f8" | "i1" | "i2" | "i4" | "i8" | "u1" | "u2" | "u4" | "u8" | "b1";

export const ITEM_SIZE: Record<DType, number> = { f2: 2, bf16: 2, f4: 4, f8: 8, i1: 1, i2: 2, i4: 4, i8: 8, u1: 1, u2: 2, u4: 4, u8: 8, b1: 1 };

/** numpy's dtype names (`arr.dtype.name`, what Flax msgpack stores). */
export const NUMPY_NAMES: Record<string, DType> = {
  float16: "f2",
  bfloat16: "bf16",
  float32: "f4",
  float64: "f8",
  int8: "i1",
  int16: "i2",
  int32: "i4",
  int64: "i8",
  uint8: "u1",
  uint16: "u2",
  uint32: "u4",
  uint64: "u8",
  bool: "b1",
};

export class HostArray {
  constructor(
    readonly dtype: DType,
    readonly shape: number[],
    /** Row-major element bytes; exactly size × item size long. */
    readonly bytes: Uint8Array,
    readonly littleEndian: boolean,
  ) {}
}

/** A checkpoint's tree: nested string-keyed nodes, arrays and plain scalars (a TrainState's step). */
export type Tree = HostArray | number | bigint | boolean | string | null | TreeNode;
export interface TreeNode {
  [key: string]: Tree;
}

export class CheckpointError extends Error {
  override name = "CheckpointError";
  /** `corrupt`: not a valid file of its format (or hostile); `refused`: a pickle without --allow-pickle. */
  constructor(
    message: string,
    readonly kind: "corrupt" | "refused" | "unsupported" = "corrupt",
  ) {
    super(message);
  }
}

export function isHostArray(x: unknown): x is HostArray {
  return x instanceof HostArray;
}

/** Elements of a shape, refusing negative, fractional or absurd sizes before anything is allocated. */
export function elementCount(shape: number[], what: string): number {
  let n = 1;
  for (const d of shape) {
    if (!Number.isSafeInteger(d) || d < 0) throw new CheckpointError(`${what}: invalid shape [${shape}]`);
    n *= d;
    if (n > Number.MAX_SAFE_INTEGER) throw new CheckpointError(`${what}: shape [${shape}] is too large`);
  }
  return n;
}

/** Checks the declared shape and dtype against the bytes actually there. */
export function hostArray(dtype: DType, shape: number[], bytes: Uint8Array, littleEndian: boolean, what: string): HostArray {
  const expected = elementCount(shape, what) * ITEM_SIZE[dtype];
  if (bytes.byteLength !== expected) {
    throw new CheckpointError(`${what}: shape [${shape}] of ${dtype} needs ${expected} bytes, the file has ${bytes.byteLength}`);
  }
  return new HostArray(dtype, shape, bytes, littleEndian);
}

export function isFloat(dtype: DType): boolean {
  return dtype === "f2" || dtype === "bf16" || dtype === "f4" || dtype === "f8";
}

function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/**
 * The values as the NNX model holds them: floats as float32 (exact from
 * float16/bfloat16, rounded from float64), integers as int32 (an error if one
 * does not fit), booleans as 0/1 bytes.
 */
export function toModelValues(a: HostArray, what: string): Float32Array | Int32Array | Uint8Array {
  const n = a.bytes.byteLength / ITEM_SIZE[a.dtype];
  const view = new DataView(a.bytes.buffer, a.bytes.byteOffset, a.bytes.byteLength);
  const le = a.littleEndian;
  switch (a.dtype) {
    case "f4": {
      if (le && a.bytes.byteOffset % 4 === 0) return new Float32Array(a.bytes.buffer, a.bytes.byteOffset, n).slice();
      return Float32Array.from({ length: n }, (_, i) => view.getFloat32(i * 4, le));
    }
    case "f8":
      return Float32Array.from({ length: n }, (_, i) => view.getFloat64(i * 8, le));
    case "f2":
      return Float32Array.from({ length: n }, (_, i) => halfToFloat(view.getUint16(i * 2, le)));
    case "bf16": {
      const out = new Float32Array(n);
      const bits = new Uint32Array(out.buffer);
      for (let i = 0; i < n; i++) bits[i] = view.getUint16(i * 2, le) << 16;
      return out;
    }
    case "b1":
      return Uint8Array.from(a.bytes, (b) => (b ? 1 : 0));
    default: {
      const out = new Int32Array(n);
      for (let i = 0; i < n; i++) {
        const v = readInt(view, a.dtype, i, le);
        if (v < -0x80000000 || v > 0x7fffffff) throw new CheckpointError(`${what}: value ${v} does not fit the model's int32`, "unsupported");
        out[i] = Number(v);
      }
      return out;
    }
  }
}

function readInt(view: DataView, dtype: DType, i: number, le: boolean): number | bigint {
  switch (dtype) {
    case "i1":
      return view.getInt8(i);
    case "u1":
      return view.getUint8(i);
    case "i2":
      return view.getInt16(i * 2, le);
    case "u2":
      return view.getUint16(i * 2, le);
    case "i4":
      return view.getInt32(i * 4, le);
    case "u4":
      return view.getUint32(i * 4, le);
    case "i8":
      return view.getBigInt64(i * 8, le);
    default:
      return view.getBigUint64(i * 8, le);
  }
}
