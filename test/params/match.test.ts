// The param map's layout changes and the checkpoint arrangements, on small trees.
import { describe, expect, test } from "vitest";
import { HostArray, type TreeNode } from "../../src/params/host-array.js";
import { applyLayout } from "../../src/params/layout.js";
import { matchCheckpoint, type MapEntry } from "../../src/params/match.js";
import { pythonJson } from "../helpers/python.js";

const f32 = (shape: number[], values: number[]) => new HostArray("f4", shape, new Uint8Array(Float32Array.from(values).buffer), true);
const iota = (n: number) => Array.from({ length: n }, (_, i) => i);

describe("layout", () => {
  test("reshape then transpose, as numpy does it", () => {
    const cases: Array<[number[], { reshape?: number[]; transpose?: number[] }, number[]]> = [
      [[2, 3, 4], { reshape: [4, 6], transpose: [1, 0] }, [6, 4]],
      [[2, 3, 4], { transpose: [2, 0, 1] }, [4, 2, 3]],
      [[3, 3, 2, 5], { transpose: [3, 2, 0, 1] }, [5, 2, 3, 3]],
      [[6], { reshape: [2, 3] }, [2, 3]],
    ];
    const expected = pythonJson<number[][]>(`
import json, numpy as np
cases = ${JSON.stringify(cases)}
out = []
for shape, layout, _ in cases:
    a = np.arange(int(np.prod(shape))).reshape(shape)
    if "reshape" in layout: a = a.reshape(layout["reshape"])
    if "transpose" in layout: a = a.transpose(layout["transpose"])
    out.append(a.ravel().tolist())
print(json.dumps(out))`);
    cases.forEach(([shape, layout, target], i) => {
      const size = shape.reduce((a, b) => a * b, 1);
      const placed = applyLayout({ shape, values: Float32Array.from(iota(size)) }, target, layout, undefined);
      if (typeof placed === "string") throw new Error(placed);
      expect(placed.shape).toEqual(target);
      expect(Array.from(placed.values)).toEqual(expected[i]);
    });
  });

  test("a layout that does not fit says why", () => {
    expect(applyLayout({ shape: [2, 3], values: new Float32Array(6) }, [3, 2], { reshape: [4, 2] }, undefined)).toMatch(/cannot reshape \[2,3\] to \[4,2\]/);
    expect(applyLayout({ shape: [2, 3], values: new Float32Array(6) }, [3, 2], { transpose: [0, 0] }, undefined)).toMatch(/cannot transpose/);
    expect(applyLayout({ shape: [2, 3], values: new Float32Array(6) }, [2, 3], { transpose: [1, 0] }, undefined)).toMatch(/after its layout \[3,2\]/);
    const kept = applyLayout({ shape: [1, 1, 4], values: new Float32Array(4) }, [4], undefined, true);
    expect(typeof kept !== "string" && kept.shape).toEqual([4]);
  });
});

describe("arrangements", () => {
  const linen: MapEntry[] = [
    { source: "params/Dense_0/kernel", nnx: "linear.kernel", type: "Param", shape: [3, 2], layout: { transpose: [1, 0] } },
    { source: "batch_stats/BatchNorm_0/mean", nnx: "bn.mean", type: "BatchStat", shape: [2] },
  ];
  const haiku: MapEntry[] = [
    { source: "model/linear/w", nnx: "linear.kernel", type: "Param", shape: [2, 3] },
    { source: "state/model/bn/~/mean_ema/counter", nnx: "bn.count", type: "BatchStat", shape: [] },
  ];

  test("Linen TrainState: optimizer state named and left out; the layout applied", () => {
    const tree = { step: 5, params: { Dense_0: { kernel: f32([2, 3], iota(6)) } }, batch_stats: { BatchNorm_0: { mean: f32([2], [7, 8]) } }, opt_state: { "0": { mu: { Dense_0: { kernel: f32([2, 3], iota(6)) } } } } } as TreeNode;
    const m = matchCheckpoint(tree, { framework: "linen", params: linen });
    expect(m.problems).toEqual([]);
    expect(m.notes.join("\n")).toMatch(/read as a TrainState[^]*2 leaves/);
    expect(Array.from(m.arrays.get("linear.kernel")!.values)).toEqual([0, 3, 1, 4, 2, 5]);
  });

  test("Haiku (params, state) tuple; an extra leaf and a missing one are both named", () => {
    const tree = { "0": { "model/linear": { w: f32([2, 3], iota(6)), b: f32([3], iota(3)) } }, "1": {} } as TreeNode;
    const m = matchCheckpoint(tree, { framework: "haiku", params: haiku });
    expect(m.problems).toEqual(["0/model/linear/b: in the checkpoint but not in the param map", "state/model/bn/~/mean_ema/counter → bn.count: missing from the checkpoint"]);
  });

  test("a leaf that is not an array, or an integer beyond int32, is a problem, not a guess", () => {
    const big = new HostArray("i8", [], new Uint8Array(new BigInt64Array([1n << 40n]).buffer), true);
    const m = matchCheckpoint({ params: { "model/linear": { w: 3 } }, state: { "model/bn/~/mean_ema": { counter: big } } } as unknown as TreeNode, { framework: "haiku", params: haiku });
    expect(m.problems.join("\n")).toMatch(/model\/linear\/w → linear\.kernel: the checkpoint holds "3", not an array[^]*1099511627776 does not fit the model's int32/);
  });
});

describe("dtypes", () => {
  test("float16, bfloat16, float64 and int64 arrays become the model's float32 and int32 values as numpy casts them", async () => {
    const { readFlaxMsgpack } = await import("../../src/params/msgpack.js");
    const { toModelValues } = await import("../../src/params/host-array.js");
    const ref = pythonJson<{ bytes: string; f32: Record<string, number[]>; i32: number[] }>(`
import json, numpy as np, jax.numpy as jnp
from flax import serialization
x = np.array([0.1, -2.5, 1e-3, 65504, 3.14159, -0.0, 1e-7], np.float64)
t = {"h": x.astype(np.float16), "b": jnp.asarray(x, jnp.bfloat16), "d": x, "i": np.array([-3, 0, 2**31 - 1], np.int64)}
print(json.dumps({"bytes": serialization.to_bytes(t).hex(),
                  "f32": {k: np.asarray(t[k]).astype(np.float32).view(np.uint32).tolist() for k in "hbd"},
                  "i32": t["i"].astype(np.int32).tolist()}))`);
    const tree = readFlaxMsgpack(Buffer.from(ref.bytes, "hex"));
    for (const k of ["h", "b", "d"]) {
      const v = toModelValues(tree[k] as HostArray, k) as Float32Array;
      expect(Array.from(new Uint32Array(v.buffer)), k).toEqual(ref.f32[k]);
    }
    expect(Array.from(toModelValues(tree.i as HostArray, "i"))).toEqual(ref.i32);
  });
});
