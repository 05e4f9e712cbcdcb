// Flax's msgpack checkpoints (`flax.serialization.to_bytes`): a msgpack map tree
// whose arrays are ext type 1 (ndarray) or 3 (numpy scalar), each a nested
// msgpack (shape, dtype name, bytes); arrays over 2^30 bytes are split into
// `__msgpack_chunked_array__` maps.
//
// A bounded decoder, because checkpoints come from outside: every length is
// checked against the bytes that remain before anything is allocated (a
// container of n items needs at least n bytes, so a "msgpack bomb" that
// declares 2^32 entries in a few bytes is refused at once), nesting is limited,
// and strings and binary data are views or copies of what is really there.
import { CheckpointError, elementCount, HostArray, hostArray, ITEM_SIZE, NUMPY_NAMES, type Tree, type TreeNode } from "./host-array.js";

const MAX_DEPTH = 256;

type Value = Tree | Value[] | Uint8Array;

class Reader {
  pos = 0;
  private readonly view: DataView;
  constructor(
    readonly bytes: Uint8Array,
    readonly what: string,
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  fail(message: string): never {
    throw new CheckpointError(`${this.what}: ${message} (at byte ${this.pos})`);
  }

  need(n: number, what: string): void {
    if (n > this.bytes.byteLength - this.pos) this.fail(`${what} declares ${n} bytes but only ${this.bytes.byteLength - this.pos} remain (truncated or corrupt)`);
  }

  u8(): number {
    this.need(1, "a value");
    return this.bytes[this.pos++];
  }
  uint(size: 1 | 2 | 4 | 8): number | bigint {
    this.need(size, "a number");
    const p = this.pos;
    this.pos += size;
    if (size === 1) return this.view.getUint8(p);
    if (size === 2) return this.view.getUint16(p);
    if (size === 4) return this.view.getUint32(p);
    const v = this.view.getBigUint64(p);
    return v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  }
  int(size: 1 | 2 | 4 | 8): number | bigint {
    this.need(size, "a number");
    const p = this.pos;
    this.pos += size;
    if (size === 1) return this.view.getInt8(p);
    if (size === 2) return this.view.getInt16(p);
    if (size === 4) return this.view.getInt32(p);
    const v = this.view.getBigInt64(p);
    return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  }
  take(n: number, what: string): Uint8Array {
    this.need(n, what);
    const out = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }
  length(size: 1 | 2 | 4): number {
    return this.uint(size) as number;
  }
}

function decodeValue(r: Reader, depth: number): Value {
  if (depth > MAX_DEPTH) r.fail(`nesting deeper than ${MAX_DEPTH}`);
  const b = r.u8();
  if (b <= 0x7f) return b;
  if (b >= 0xe0) return b - 0x100;
  if (b >= 0x80 && b <= 0x8f) return map(r, b & 0x0f, depth);
  if (b >= 0x90 && b <= 0x9f) return array(r, b & 0x0f, depth);
  if (b >= 0xa0 && b <= 0xbf) return str(r, b & 0x1f);
  switch (b) {
    case 0xc0:
      return null;
    case 0xc2:
      return false;
    case 0xc3:
      return true;
    case 0xc4:
      return r.take(r.length(1), "binary data");
    case 0xc5:
      return r.take(r.length(2), "binary data");
    case 0xc6:
      return r.take(r.length(4), "binary data");
    case 0xc7:
      return ext(r, r.length(1), depth);
    case 0xc8:
      return ext(r, r.length(2), depth);
    case 0xc9:
      return ext(r, r.length(4), depth);
    case 0xca: {
      r.need(4, "a float");
      const v = new DataView(r.bytes.buffer, r.bytes.byteOffset + r.pos, 4).getFloat32(0);
      r.pos += 4;
      return v;
    }
    case 0xcb: {
      r.need(8, "a float");
      const v = new DataView(r.bytes.buffer, r.bytes.byteOffset + r.pos, 8).getFloat64(0);
      r.pos += 8;
      return v;
    }
    case 0xcc:
      return r.uint(1);
    case 0xcd:
      return r.uint(2);
    case 0xce:
      return r.uint(4);
    case 0xcf:
      return r.uint(8);
    case 0xd0:
      return r.int(1);
    case 0xd1:
      return r.int(2);
    case 0xd2:
      return r.int(4);
    case 0xd3:
      return r.int(8);
    case 0xd4:
      return ext(r, 1, depth);
    case 0xd5:
      return ext(r, 2, depth);
    case 0xd6:
      return ext(r, 4, depth);
    case 0xd7:
      return ext(r, 8, depth);
    case 0xd8:
      return ext(r, 16, depth);
    case 0xd9:
      return str(r, r.length(1));
    case 0xda:
      return str(r, r.length(2));
    case 0xdb:
      return str(r, r.length(4));
    case 0xdc:
      return array(r, r.length(2), depth);
    case 0xdd:
      return array(r, r.length(4), depth);
    case 0xde:
      return map(r, r.length(2), depth);
    case 0xdf:
      return map(r, r.length(4), depth);
  }
  return r.fail(`invalid msgpack byte 0x${b.toString(16)}`);
}

const utf8 = new TextDecoder("utf-8", { fatal: true });

function str(r: Reader, n: number): string {
  const bytes = r.take(n, "a string");
  try {
    return utf8.decode(bytes);
  } catch {
    return r.fail("a string is not valid UTF-8");
  }
}

function array(r: Reader, n: number, depth: number): Value[] {
  r.need(n, `an array of ${n} items`); // each item takes at least one byte
  const out: Value[] = [];
  for (let i = 0; i < n; i++) out.push(decodeValue(r, depth + 1));
  return out;
}

function map(r: Reader, n: number, depth: number): TreeNode {
  r.need(2 * n, `a map of ${n} entries`); // a key and a value, at least a byte each
  // No prototype: a key named __proto__ is just a key.
  const out = Object.create(null) as TreeNode;
  for (let i = 0; i < n; i++) {
    const key = decodeValue(r, depth + 1);
    if (typeof key !== "string" && typeof key !== "number") r.fail("a map key is neither a string nor an integer");
    const k = String(key);
    if (Object.prototype.hasOwnProperty.call(out, k)) r.fail(`duplicate map key '${k}'`);
    const value = decodeValue(r, depth + 1);
    if (Array.isArray(value) || value instanceof Uint8Array) r.fail(`'${k}' holds a list or raw bytes, not a tree of arrays`);
    out[k] = value;
  }
  return out;
}

function ext(r: Reader, n: number, depth: number): HostArray {
  const type = r.int(1);
  const data = r.take(n, "an extension value");
  if (type !== 1 && type !== 3) r.fail(`unsupported msgpack extension type ${type} (Flax writes 1 for arrays and 3 for numpy scalars)`);
  // (shape, dtype name, bytes), itself msgpack.
  const inner = new Reader(data, r.what);
  const t = decodeValue(inner, depth + 1);
  if (inner.pos !== data.byteLength) r.fail("an array's encoding has trailing bytes");
  if (!Array.isArray(t) || t.length !== 3) return r.fail("an array is not (shape, dtype, data)");
  const [shape, name, buffer] = t;
  if (!Array.isArray(shape) || !shape.every((d) => typeof d === "number")) return r.fail("an array's shape is not a list of integers");
  const dtypeName = name instanceof Uint8Array ? utf8.decode(name) : name;
  const dtype = typeof dtypeName === "string" ? NUMPY_NAMES[dtypeName] : undefined;
  if (!dtype) return r.fail(`unsupported array dtype ${JSON.stringify(dtypeName)}`);
  if (!(buffer instanceof Uint8Array)) return r.fail("an array's data is not binary");
  return hostArray(dtype, shape as number[], buffer, true, r.what);
}

/** Flax's chunked form of a huge array, back to one array. */
function unchunk(node: TreeNode, what: string): HostArray {
  const shapeNode = node.shape as TreeNode;
  const chunks = node.chunks as TreeNode;
  if (typeof shapeNode !== "object" || typeof chunks !== "object" || shapeNode === null || chunks === null) {
    throw new CheckpointError(`${what}: a chunked array lacks its shape or chunks`);
  }
  const shape = Object.keys(shapeNode).map((_, i) => shapeNode[String(i)]);
  if (!shape.every((d) => typeof d === "number")) throw new CheckpointError(`${what}: a chunked array's shape is not a list of integers`);
  const parts = Object.keys(chunks).map((_, i) => chunks[String(i)]);
  const first = parts[0];
  if (!parts.every((p): p is HostArray => p instanceof HostArray && first instanceof HostArray && p.dtype === first.dtype)) {
    throw new CheckpointError(`${what}: a chunked array's chunks are not arrays of one dtype`);
  }
  const total = parts.reduce((a, p) => a + p.bytes.byteLength, 0);
  const expected = elementCount(shape as number[], what) * ITEM_SIZE[parts[0].dtype];
  if (total !== expected) throw new CheckpointError(`${what}: a chunked array's chunks hold ${total} bytes, its shape needs ${expected}`);
  const bytes = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    bytes.set(p.bytes, at);
    at += p.bytes.byteLength;
  }
  return hostArray(parts[0].dtype, shape as number[], bytes, true, what);
}

function restoreChunks(tree: Tree, what: string): Tree {
  if (typeof tree !== "object" || tree === null || tree instanceof HostArray) return tree;
  if (tree.__msgpack_chunked_array__ === true) return unchunk(tree as TreeNode, what);
  for (const k of Object.keys(tree)) tree[k] = restoreChunks((tree as TreeNode)[k], what);
  return tree;
}

/** Decodes a whole Flax msgpack checkpoint to its tree. */
export function readFlaxMsgpack(bytes: Uint8Array, what = "msgpack"): TreeNode {
  const r = new Reader(bytes, what);
  const v = decodeValue(r, 0);
  if (r.pos !== bytes.byteLength) r.fail(`${bytes.byteLength - r.pos} bytes after the end of the msgpack value`);
  if (typeof v !== "object" || v === null || Array.isArray(v) || v instanceof Uint8Array || v instanceof HostArray) {
    throw new CheckpointError(`${what}: not a tree of arrays (the top level is not a map)`);
  }
  return restoreChunks(v, what) as TreeNode;
}
