// numpy's .npy format (numpy/lib/format.py): the magic "\x93NUMPY", a version,
// a little-endian header length, a header that is a Python dict literal
// ({'descr': '<f4', 'fortran_order': False, 'shape': (3, 4), }), then the raw
// data. Parsed strictly: only that literal, only plain numeric dtypes, and the
// data must be exactly what the header declares. Object arrays (`|O`) are
// pickles inside and are reported as such.
import { CheckpointError, elementCount, hostArray, ITEM_SIZE, type DType, type HostArray } from "./host-array.js";

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

const KINDS: Record<string, DType> = {
  f2: "f2",
  f4: "f4",
  f8: "f8",
  i1: "i1",
  i2: "i2",
  i4: "i4",
  i8: "i8",
  u1: "u1",
  u2: "u2",
  u4: "u4",
  u8: "u8",
  b1: "b1",
};

export function isNpy(bytes: Uint8Array): boolean {
  return MAGIC.every((b, i) => bytes[i] === b);
}

/** An object array: numpy pickled Python objects into it (np.save of a dict). */
export class PickledNpyError extends CheckpointError {
  constructor(what: string) {
    super(`${what}: holds pickled Python objects (np.save of a dict or list), which only Python's pickle can read`, "refused");
  }
}

export function readNpy(bytes: Uint8Array, what: string): HostArray {
  if (bytes.byteLength < 10 || !isNpy(bytes)) throw new CheckpointError(`${what}: not a .npy array (no \\x93NUMPY magic)`);
  const major = bytes[6];
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let headerLength: number;
  let start: number;
  if (major === 1) {
    headerLength = view.getUint16(8, true);
    start = 10;
  } else if (major === 2 || major === 3) {
    if (bytes.byteLength < 12) throw new CheckpointError(`${what}: truncated .npy header`);
    headerLength = view.getUint32(8, true);
    start = 12;
  } else throw new CheckpointError(`${what}: unknown .npy version ${major}`);
  if (headerLength > bytes.byteLength - start) throw new CheckpointError(`${what}: .npy header length ${headerLength} exceeds the file`);
  if (headerLength > 1 << 20) throw new CheckpointError(`${what}: .npy header of ${headerLength} bytes is not a plausible header`);
  const header = new TextDecoder(major === 3 ? "utf-8" : "latin1").decode(bytes.subarray(start, start + headerLength));
  const { descr, fortran, shape } = parseHeader(header, what);
  if (descr === "|O" || descr.includes("O")) throw new PickledNpyError(what);
  const m = /^([<>|=])([a-z]\d+)$/.exec(descr);
  const dtype = m && KINDS[m[2]];
  if (!m || !dtype) throw new CheckpointError(`${what}: unsupported .npy dtype '${descr}'`, "unsupported");
  const littleEndian = m[1] !== ">";
  const data = bytes.subarray(start + headerLength);
  const n = elementCount(shape, what);
  if (data.byteLength !== n * ITEM_SIZE[dtype]) {
    throw new CheckpointError(`${what}: shape [${shape}] of ${descr} needs ${n * ITEM_SIZE[dtype]} bytes, the file has ${data.byteLength} (truncated or corrupt)`);
  }
  if (!fortran || shape.length < 2) return hostArray(dtype, shape, data, littleEndian, what);
  return hostArray(dtype, shape, fromFortranOrder(data, shape, ITEM_SIZE[dtype]), littleEndian, what);
}

/** The one dict literal numpy writes; anything else is refused rather than evaluated. */
function parseHeader(header: string, what: string): { descr: string; fortran: boolean; shape: number[] } {
  const text = header.trim();
  const m =
    /^\{\s*'descr'\s*:\s*'([^']*)'\s*,\s*'fortran_order'\s*:\s*(True|False)\s*,\s*'shape'\s*:\s*\(([^)]*)\)\s*,?\s*\}$/.exec(text);
  if (!m) throw new CheckpointError(`${what}: .npy header is not numpy's {'descr', 'fortran_order', 'shape'} dict`);
  const dims = m[3].split(",").map((s) => s.trim()).filter((s) => s !== "");
  if (!dims.every((d) => /^\d+$/.test(d))) throw new CheckpointError(`${what}: .npy shape (${m[3]}) is not a tuple of integers`);
  return { descr: m[1], fortran: m[2] === "True", shape: dims.map(Number) };
}

/** Column-major element order to row-major. */
function fromFortranOrder(data: Uint8Array, shape: number[], item: number): Uint8Array {
  const n = data.byteLength / item;
  const out = new Uint8Array(data.byteLength);
  const rank = shape.length;
  const index = new Array<number>(rank).fill(0);
  // Walk the row-major output; the source offset is Σ index[k]·(Π shape[<k]).
  const fstride = shape.map((_, k) => shape.slice(0, k).reduce((a, b) => a * b, 1));
  for (let i = 0; i < n; i++) {
    let src = 0;
    for (let k = 0; k < rank; k++) src += index[k] * fstride[k];
    out.set(data.subarray(src * item, src * item + item), i * item);
    for (let k = rank - 1; k >= 0; k--) {
      if (++index[k] < shape[k]) break;
      index[k] = 0;
    }
  }
  return out;
}
