// Corrupt and hostile checkpoints: each is a clear error, found from the bytes
// that are really there (nothing read out of bounds, nothing allocated from a
// declared size alone), and the command leaves no output behind.
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { crc32, deflateRawSync } from "node:zlib";
import { describe, expect, test } from "vitest";
import { CheckpointError } from "../../src/params/host-array.js";
import { readFlaxMsgpack } from "../../src/params/msgpack.js";
import { readNpy } from "../../src/params/npy.js";
import { readZip } from "../../src/params/zip.js";
import { nnxport } from "../helpers/cli.js";
import { runPython } from "../helpers/python.js";
import { FIXTURES } from "../helpers/translate.js";

const LIMITS = { maxTotalBytes: 1 << 20, maxEntries: 1000 };
const bytes = (...parts: Array<number[] | Uint8Array>) => Uint8Array.from(parts.flatMap((p) => Array.from(p)));
const str = (s: string) => [0xa0 | s.length, ...Buffer.from(s)];

/** A zip with one entry, whose declared size and CRC can lie. */
function zipOf(name: string, data: Uint8Array, { deflate = false, size = data.byteLength, crc = crc32(data) } = {}): Uint8Array {
  const body = deflate ? deflateRawSync(data) : data;
  const n = Buffer.from(name);
  const local = Buffer.alloc(30);
  local.writeUInt32LE(0x04034b50, 0);
  local.writeUInt16LE(deflate ? 8 : 0, 8);
  local.writeUInt32LE(crc >>> 0, 14);
  local.writeUInt32LE(body.byteLength, 18);
  local.writeUInt32LE(size, 22);
  local.writeUInt16LE(n.length, 26);
  const central = Buffer.alloc(46);
  central.writeUInt32LE(0x02014b50, 0);
  central.writeUInt16LE(deflate ? 8 : 0, 10);
  central.writeUInt32LE(crc >>> 0, 16);
  central.writeUInt32LE(body.byteLength, 20);
  central.writeUInt32LE(size, 24);
  central.writeUInt16LE(n.length, 28);
  central.writeUInt32LE(0, 42);
  const cdOffset = 30 + n.length + body.byteLength;
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(1, 8);
  end.writeUInt16LE(1, 10);
  end.writeUInt32LE(46 + n.length, 12);
  end.writeUInt32LE(cdOffset, 16);
  return Buffer.concat([local, n, body, central, n, end]);
}

function npy(descr: string, shape: string, data: Uint8Array): Uint8Array {
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shape}, }`;
  header += " ".repeat(63 - ((header.length + 10) % 64)) + "\n";
  const h = Buffer.alloc(10);
  Buffer.from([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]).copy(h);
  h.writeUInt16LE(header.length, 8);
  return Buffer.concat([h, Buffer.from(header, "latin1"), data]);
}

describe("Flax msgpack reader", () => {
  test("reads what flax.serialization.to_bytes writes, to the bit, including a 0-d array and Python ints", () => {
    const hex = runPython(`
import numpy as np
from flax import serialization
t = {"params": {"w": np.arange(6, dtype=np.float32).reshape(2, 3) / 7, "h": np.array([1.5, -2], np.float16)}, "step": 3, "c": np.int32(-4), "z": {}}
print(serialization.to_bytes(t).hex())`).trim();
    const tree = readFlaxMsgpack(Buffer.from(hex, "hex"));
    const params = tree.params as Record<string, { shape: number[]; dtype: string; bytes: Uint8Array }>;
    expect(params.w.shape).toEqual([2, 3]);
    expect(Array.from(new Float32Array(Uint8Array.from(params.w.bytes).buffer))).toEqual(Array.from({ length: 6 }, (_, i) => Math.fround(i / 7)));
    expect(params.h.dtype).toBe("f2");
    expect(tree.step).toBe(3);
    expect((tree.c as { shape: number[] }).shape).toEqual([]);
  });

  test("truncated at any point: an error, never a crash or a partial tree", () => {
    const good = bytes([0x81], str("w"), [0xc7, 0x00, 0x01]); // { "w": an array extension with no bytes at all }
    const hex = runPython(`
import numpy as np
from flax import serialization
print(serialization.to_bytes({"params": {"w": np.ones((4, 4), np.float32)}}).hex())`).trim();
    const whole = Buffer.from(hex, "hex");
    for (let cut = 0; cut < whole.length; cut += 7) expect(() => readFlaxMsgpack(whole.subarray(0, cut))).toThrow(CheckpointError);
    expect(() => readFlaxMsgpack(good)).toThrow(CheckpointError);
  });

  test("a msgpack bomb (a map or array declaring 2^32 entries in a few bytes) is refused at once", () => {
    const t0 = performance.now();
    expect(() => readFlaxMsgpack(bytes([0xdf, 0xff, 0xff, 0xff, 0xff, 0xa1, 0x61]))).toThrow(/declares .* bytes but only 2 remain/);
    expect(() => readFlaxMsgpack(bytes([0x81], str("a"), [0xdd, 0xff, 0xff, 0xff, 0xff, 0x00]))).toThrow(/array of 4294967295 items/);
    expect(() => readFlaxMsgpack(bytes([0x81], str("a"), [0xc6, 0x7f, 0xff, 0xff, 0xff, 0x00]))).toThrow(/declares 2147483647 bytes/);
    expect(performance.now() - t0).toBeLessThan(100);
  });

  test("deep nesting is refused, not a stack overflow", () => {
    const deep = bytes(...Array.from({ length: 100_000 }, () => bytes([0x81], str("a"))), [0xc0]);
    expect(() => readFlaxMsgpack(deep)).toThrow(/nesting deeper than/);
  });

  test("arrays whose declared shape and data disagree, or are absurd", () => {
    const arr = (shape: number[], dtype: string, data: number[]) => {
      const inner = bytes([0x93, 0x90 | shape.length], ...shape.map((d) => (d < 128 ? [d] : [0xcf, ...Buffer.from(BigInt(d).toString(16).padStart(16, "0"), "hex")])), str(dtype), [0xc4, data.length, ...data]);
      return bytes([0x81], str("w"), [0xc7, inner.length, 0x01], inner);
    };
    expect(() => readFlaxMsgpack(arr([2, 2], "float32", [0, 0, 0, 0]))).toThrow(/needs 16 bytes, the file has 4/);
    expect(() => readFlaxMsgpack(arr([2 ** 40, 2 ** 20], "float32", [0, 0, 0, 0]))).toThrow(/too large/);
    expect(() => readFlaxMsgpack(arr([1], "object", [0]))).toThrow(/unsupported array dtype/);
    expect(() => readFlaxMsgpack(bytes([0x81], str("w"), [0xd4, 0x07, 0x00]))).toThrow(/extension type 7/);
    expect(() => readFlaxMsgpack(bytes([0x92, 0x01, 0x02]))).toThrow(/top level is not a map/);
    expect(() => readFlaxMsgpack(bytes([0x82], str("a"), [0x01], str("a"), [0x02]))).toThrow(/duplicate map key/);
  });
});

describe(".npz / .npy reader", () => {
  const f32 = (n: number) => new Uint8Array(new Float32Array(n).fill(1).buffer);

  test("a stored and a deflated entry read back; Fortran order becomes row-major", () => {
    const a = readZip(zipOf("w.npy", npy("<f4", "(2, 2)", f32(4))), "t.npz", LIMITS);
    expect(readNpy(a.get("w.npy")!, "w").shape).toEqual([2, 2]);
    const b = readZip(zipOf("w.npy", npy("<f4", "(2, 2)", f32(4)), { deflate: true }), "t.npz", LIMITS);
    expect(Array.from(readNpy(b.get("w.npy")!, "w").bytes)).toEqual(Array.from(f32(4)));
    const fortran = npy("<i4", "(2, 3)", new Uint8Array(Int32Array.from([0, 3, 1, 4, 2, 5]).buffer));
    const text = Buffer.from(fortran).toString("latin1").replace("'fortran_order': False", "'fortran_order': True ");
    const rowMajor = readNpy(Buffer.from(text, "latin1"), "f");
    expect(Array.from(new Int32Array(Uint8Array.from(rowMajor.bytes).buffer))).toEqual([0, 1, 2, 3, 4, 5]);
  });

  test("a zip bomb stops at the declared size, and a huge declared size is refused before inflating", () => {
    const zeros = new Uint8Array(64 << 20); // 64 MiB of zeros deflate to ~64 KiB
    const lying = zipOf("w.npy", zeros, { deflate: true, size: 1000, crc: 0 });
    expect(lying.byteLength).toBeLessThan(1 << 20);
    expect(() => readZip(lying, "bomb.npz", { ...LIMITS, maxTotalBytes: 1 << 30 })).toThrow(/inflates beyond its declared size/);
    const honest = zipOf("w.npy", zeros, { deflate: true });
    expect(() => readZip(honest, "bomb.npz", LIMITS)).toThrow(/declare more than 1048576 bytes uncompressed/);
  });

  test("truncation, bad CRC, bad offsets and bad headers are each named", () => {
    const good = zipOf("w.npy", npy("<f4", "(4,)", f32(4)));
    expect(() => readZip(good.subarray(0, good.length - 10), "t.npz", LIMITS)).toThrow(/no zip end-of-central-directory/);
    const corrupt = Uint8Array.from(good);
    corrupt[100] ^= 0xff; // inside the array data (30 + 5 name bytes + a 64-byte npy header)
    expect(() => readZip(corrupt, "t.npz", LIMITS)).toThrow(/CRC-32 mismatch/);
    const offset = Uint8Array.from(good);
    new DataView(offset.buffer).setUint32(offset.length - 6, 0xfffffff0, true); // central directory offset
    expect(() => readZip(offset, "t.npz", LIMITS)).toThrow(/central directory lies outside the file/);
    expect(() => readNpy(npy("<f4", "(1000000000,)", f32(4)), "w")).toThrow(/needs 4000000000 bytes, the file has 16/);
    expect(() => readNpy(npy("|O", "(1,)", new Uint8Array(8)), "w")).toThrow(/pickled Python objects/);
    expect(() => readNpy(npy("<f4", "__import__('os')", f32(1)), "w")).toThrow(/not numpy's/);
    expect(() => readNpy(npy("<c8", "(1,)", new Uint8Array(8)), "w")).toThrow(/unsupported .npy dtype/);
  });
});

describe("nnxport params on hostile files", () => {
  const map = FIXTURES + "basic/linen_model.params.json";
  const cases: Array<[string, Uint8Array, RegExp]> = [
    ["bomb.msgpack", bytes([0xdf, 0xff, 0xff, 0xff, 0xff, 0xa1, 0x61]), /NNX701: .*declares/],
    ["truncated.npz", zipOf("w.npy", npy("<f4", "(4,)", new Uint8Array(16))).subarray(0, 60), /NNX701: .*end-of-central-directory/],
    ["zipbomb.npz", zipOf("w.npy", new Uint8Array(64 << 20), { deflate: true, size: 100, crc: 0 }), /NNX701: .*inflates beyond its declared size/],
    ["garbage.bin", bytes([0x00, 0x01, 0x02, 0x03]), /NNX701: .*not a checkpoint nnxport reads/],
    ["model.pkl", bytes([0x80, 0x04, 0x95]), /NNX702: .*--allow-pickle/],
  ];
  for (const [name, data, says] of cases) {
    test(`${name}: exit 3, a clear error, and no output file`, () => {
      const dir = mkdtempSync(join(tmpdir(), "nnxport-hostile-"));
      writeFileSync(join(dir, name), data);
      const out = join(dir, "w.safetensors");
      const r = nnxport(["params", join(dir, name), "--map", map, "-o", out]);
      expect(r.stderr).toMatch(says);
      expect(r.stderr).not.toMatch(/\n\s+at /);
      expect(r.code).toBe(3);
      expect(existsSync(out)).toBe(false);
    });
  }

  test("an existing file nnxport did not write is not replaced", () => {
    const dir = mkdtempSync(join(tmpdir(), "nnxport-hostile-"));
    const out = join(dir, "mine.safetensors");
    writeFileSync(out, "precious");
    const r = nnxport(["params", join(dir, "x.msgpack"), "--map", map, "-o", out]);
    expect(r.code).toBe(2); // no such checkpoint: usage, before anything else
    writeFileSync(join(dir, "x.msgpack"), bytes([0x80]));
    const r2 = nnxport(["params", join(dir, "x.msgpack"), "--map", map, "-o", out]);
    expect(r2.stderr).toContain("NNX602");
    expect(r2.code).toBe(1);
  });
});
