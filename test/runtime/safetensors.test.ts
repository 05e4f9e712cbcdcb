import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, test } from "vitest";
import { tf } from "../../runtime/index.js";
import { loadSafetensors, saveSafetensors, SafetensorsError } from "../../runtime/safetensors.js";
import { runPython } from "../helpers/python.js";

describe("safetensors", () => {
  test("reads a file the Python safetensors package wrote, from a Node Buffer", () => {
    const file = join(mkdtempSync(join(tmpdir(), "nnxport-st-")), "x.safetensors");
    runPython(`
import numpy as np
from safetensors.numpy import save_file
save_file({"a": np.arange(12, dtype=np.float32).reshape(3, 4), "i": np.array([1, -2, 3], dtype=np.int32),
           "s": np.array(7, dtype=np.int32), "d": np.array([0.5, 1.5]), "b": np.array([True, False])},
          "${file}", metadata={"k": "v"})`);
    const { tensors, metadata } = loadSafetensors(readFileSync(file));
    expect(metadata).toEqual({ k: "v" });
    expect(tensors.a.shape).toEqual([3, 4]);
    expect(Array.from(tensors.a.dataSync())).toEqual([...Array(12).keys()]);
    expect([tensors.i.dtype, Array.from(tensors.i.dataSync())]).toEqual(["int32", [1, -2, 3]]);
    expect([tensors.s.shape, Array.from(tensors.s.dataSync())]).toEqual([[], [7]]);
    expect([tensors.d.dtype, Array.from(tensors.d.dataSync())]).toEqual(["float32", [0.5, 1.5]]);
    expect([tensors.b.dtype, Array.from(tensors.b.dataSync())]).toEqual(["bool", [1, 0]]);
  });

  test("what it writes, Python reads back", () => {
    const file = join(mkdtempSync(join(tmpdir(), "nnxport-st-")), "y.safetensors");
    const bytes = saveSafetensors({ w: tf.tensor([[1, 2], [3, 4]]), n: tf.tensor([5], [1], "int32") }, { who: "ts" });
    writeFileSync(file, bytes);
    const out = runPython(`
from safetensors import safe_open
with safe_open("${file}", "np") as f:
    print(f.metadata()["who"], f.get_tensor("w").tolist(), f.get_tensor("n").tolist())`);
    expect(out.trim()).toBe("ts [[1.0, 2.0], [3.0, 4.0]] [5]");
  });

  test("corrupt files are clear errors, not crashes", () => {
    const good = saveSafetensors({ w: tf.tensor([1, 2, 3]) });
    expect(() => loadSafetensors(good.subarray(0, 4))).toThrow(SafetensorsError);
    expect(() => loadSafetensors(good.subarray(0, good.byteLength - 4))).toThrow(/offsets/);
    const badHeader = good.slice();
    badHeader[8] = 0x7b + 1; // no longer '{'
    expect(() => loadSafetensors(badHeader)).toThrow(/JSON/);
    const huge = good.slice();
    new DataView(huge.buffer).setBigUint64(0, 1n << 40n, true);
    expect(() => loadSafetensors(huge)).toThrow(/header length/);
  });
});
