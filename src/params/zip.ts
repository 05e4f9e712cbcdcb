// The zip container of numpy's .npz (np.savez stores, np.savez_compressed
// deflates; zip64 past 4 GiB). Read from the central directory with every
// offset and size checked against the file, the sum of the declared sizes
// checked against a budget before anything is inflated, inflation capped at
// each entry's declared size (a zip bomb stops there), and each entry's CRC-32
// checked.
import { crc32, inflateRawSync } from "node:zlib";
import { CheckpointError } from "./host-array.js";

export interface ZipLimits {
  /** Most bytes all entries may declare together, uncompressed. */
  maxTotalBytes: number;
  maxEntries: number;
}

const EOCD = 0x06054b50;
const EOCD64 = 0x06064b50;
const EOCD64_LOCATOR = 0x07064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;

export function isZip(bytes: Uint8Array): boolean {
  return bytes[0] === 0x50 && bytes[1] === 0x4b && (bytes[2] === 3 || bytes[2] === 5) && (bytes[3] === 4 || bytes[3] === 6);
}

/** The entries of a zip file by name, each inflated and checked. */
export function readZip(bytes: Uint8Array, what: string, limits: ZipLimits): Map<string, Uint8Array> {
  const fail = (message: string): never => {
    throw new CheckpointError(`${what}: ${message}`);
  };
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const size = bytes.byteLength;
  const u16 = (at: number) => view.getUint16(at, true);
  const u32 = (at: number) => view.getUint32(at, true);
  const u64 = (at: number) => {
    const v = view.getBigUint64(at, true);
    return v > BigInt(Number.MAX_SAFE_INTEGER) ? fail("a zip64 size is beyond any real file") : Number(v);
  };
  const within = (at: number, n: number, part: string) => {
    if (!(at >= 0 && n >= 0 && at + n <= size)) fail(`${part} lies outside the file (truncated or corrupt zip)`);
  };

  // The end-of-central-directory record: the last 22 bytes, or before a comment of up to 64 KiB.
  let eocd = -1;
  for (let at = size - 22; at >= Math.max(0, size - 22 - 0xffff); at--) {
    if (u32(at) === EOCD && at + 22 + u16(at + 20) === size) {
      eocd = at;
      break;
    }
  }
  if (eocd < 0) fail("no zip end-of-central-directory record (truncated, or not a zip)");
  if (u16(eocd + 4) !== 0 || u16(eocd + 6) !== 0) fail("multi-disk zip archives are not supported");
  let count = u16(eocd + 10);
  let cdSize = u32(eocd + 12);
  let cdOffset = u32(eocd + 16);
  if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) {
    const loc = eocd - 20;
    within(loc, 20, "the zip64 locator");
    if (u32(loc) !== EOCD64_LOCATOR) fail("a zip64 archive without its zip64 locator");
    const at = u64(loc + 8);
    within(at, 56, "the zip64 end record");
    if (u32(at) !== EOCD64) fail("the zip64 end record is missing");
    count = u64(at + 32);
    cdSize = u64(at + 40);
    cdOffset = u64(at + 48);
  }
  within(cdOffset, cdSize, "the central directory");
  if (count > limits.maxEntries) fail(`declares ${count} entries (more than ${limits.maxEntries})`);
  if (count * 46 > cdSize) fail(`declares ${count} entries in a ${cdSize}-byte directory`);

  interface Entry {
    name: string;
    method: number;
    crc: number;
    compressed: number;
    size: number;
    offset: number;
  }
  const entries: Entry[] = [];
  let at = cdOffset;
  let declared = 0;
  for (let i = 0; i < count; i++) {
    within(at, 46, "a central directory entry");
    if (u32(at) !== CENTRAL) fail("a central directory entry has a bad signature");
    const flags = u16(at + 8);
    const nameLength = u16(at + 28);
    const extraLength = u16(at + 30);
    const commentLength = u16(at + 32);
    within(at + 46, nameLength + extraLength + commentLength, "an entry's name");
    const name = new TextDecoder(flags & 0x800 ? "utf-8" : "latin1").decode(bytes.subarray(at + 46, at + 46 + nameLength));
    const e: Entry = { name, method: u16(at + 10), crc: u32(at + 16), compressed: u32(at + 20), size: u32(at + 24), offset: u32(at + 42) };
    // zip64: the fields saturated at 0xffffffff follow, in this order, in extra field 0x0001.
    if (e.size === 0xffffffff || e.compressed === 0xffffffff || e.offset === 0xffffffff) {
      let x = at + 46 + nameLength;
      const end = x + extraLength;
      let found = false;
      while (x + 4 <= end) {
        const id = u16(x);
        const len = u16(x + 2);
        if (x + 4 + len > end) fail(`${name}: a zip extra field overruns its entry`);
        if (id === 0x0001) {
          let p = x + 4;
          const next = () => {
            if (p + 8 > x + 4 + len) fail(`${name}: a short zip64 extra field`);
            const v = u64(p);
            p += 8;
            return v;
          };
          if (e.size === 0xffffffff) e.size = next();
          if (e.compressed === 0xffffffff) e.compressed = next();
          if (e.offset === 0xffffffff) e.offset = next();
          found = true;
        }
        x += 4 + len;
      }
      if (!found) fail(`${name}: a zip64 entry without its zip64 sizes`);
    }
    if (flags & 0x1) fail(`${name}: encrypted zip entries are not supported`);
    if (e.method !== 0 && e.method !== 8) fail(`${name}: zip compression method ${e.method} is not supported (only stored and deflate)`);
    if (e.method === 0 && e.compressed !== e.size) fail(`${name}: a stored entry whose sizes differ`);
    if (entries.some((o) => o.name === name)) fail(`${name}: appears twice`);
    declared += e.size;
    if (declared > limits.maxTotalBytes) {
      fail(`its entries declare more than ${limits.maxTotalBytes} bytes uncompressed, far more than the model's weights need (a zip bomb?)`);
    }
    entries.push(e);
    at += 46 + nameLength + extraLength + commentLength;
  }

  const out = new Map<string, Uint8Array>();
  for (const e of entries) {
    within(e.offset, 30, `${e.name}: its local header`);
    if (u32(e.offset) !== LOCAL) fail(`${e.name}: its local header has a bad signature`);
    const start = e.offset + 30 + u16(e.offset + 26) + u16(e.offset + 28);
    within(start, e.compressed, `${e.name}: its data`);
    const raw = bytes.subarray(start, start + e.compressed);
    let data: Uint8Array;
    if (e.method === 0) data = raw;
    else {
      try {
        // Never more than the declared size: a bomb ends here, not in memory.
        data = inflateRawSync(raw, { maxOutputLength: Math.max(1, e.size) });
      } catch (err) {
        const why = (err as NodeJS.ErrnoException).code === "ERR_BUFFER_TOO_LARGE" || err instanceof RangeError ? "inflates beyond its declared size (a zip bomb?)" : "is not valid deflate data";
        return fail(`${e.name}: ${why}`);
      }
    }
    if (data.byteLength !== e.size) fail(`${e.name}: inflates to ${data.byteLength} bytes, not the ${e.size} it declares`);
    if ((crc32(data) >>> 0) !== e.crc) fail(`${e.name}: CRC-32 mismatch (corrupt)`);
    out.set(e.name, data);
  }
  return out;
}
