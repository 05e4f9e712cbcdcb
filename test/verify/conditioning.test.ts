// Ill-conditioned references (src/verify/conditioning.ts): a check float32 cannot reach is found
// with a float64 evaluation of the source, said, and held to the float64 value instead; batch
// statistics over a batch of two are compared again on a larger batch; a wrong translation still fails.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { FLOAT32_TOLERANCE } from "../../src/verify/compare.js";
import { FLOAT32_REACH, INIT_STATE, judgeConditioning, type PendingCheck } from "../../src/verify/conditioning.js";
import type { CheckResult } from "../../src/verify/index.js";
import { verify, type VerifyOptions } from "../../src/verify/verify.js";
import { entry } from "../helpers/verify-text.js";
import { runReference, type ReferenceSpec } from "../../src/verify/reference.js";
import { loadSafetensors } from "../../runtime/safetensors.js";
import { tf } from "../../runtime/index.js";

const data = (...v: number[]) => ({ dataSync: () => Float32Array.from(v) });
const failed = (name: string): CheckResult => ({ name, kind: "grad", shape: [2], maxAbsError: 1, maxRelError: 1, ok: false });

describe("judgeConditioning", () => {
  const pending = (): PendingCheck[] => [
    { result: failed("grad a"), key: "train/grad/a", prefix: "train/", actual: Float32Array.from([1.0003, 2]) },
    { result: failed("grad b"), key: "train/grad/b", prefix: "train/", actual: Float32Array.from([5.1, 2]) },
    { result: failed("grad c"), key: "train/grad/c", prefix: "train/", actual: Float32Array.from([1.002, 2]) },
  ];
  const first = { "train/output": data(1, 2), "train/grad/a": data(1.0004, 2), "train/grad/b": data(5, 2), "train/grad/c": data(1.0004, 2) };
  const exact = { "train/exact/output": data(1, 2), "train/exact/grad/a": data(1, 2), "train/exact/grad/b": data(5, 2), "train/exact/grad/c": data(1, 2) };

  it("calls a check ill-conditioned only where the source's float32 value misses its float64 one", () => {
    const p = pending();
    const v = judgeConditioning(p, first, exact, FLOAT32_TOLERANCE);
    expect([...v.illConditioned]).toEqual(["train/"]);
    expect(v.notes.join()).toMatch(/2 failing checks are ill-conditioned.*grad a \(source 0\.00040, translation 0\.00030\)/);
    expect(v.notes.join()).not.toMatch(/grad b/);
    expect(p[1].result.ok).toBe(false);
    expect(p[1].result.sourceFloat32Error).toBe(0);
  });

  it("holds an ill-conditioned check to the float64 value: within the tolerance plus twice the source's own error passes, farther fails", () => {
    const p = pending();
    const v = judgeConditioning(p, first, exact, FLOAT32_TOLERANCE);
    expect(FLOAT32_REACH).toBe(2);
    // grad a: 3e-4 from the float64 value, where the source is 4e-4 from it; grad c: 2e-3, five times the source's error.
    expect([p[0].result.ok, p[0].result.againstFloat64]).toEqual([true, true]);
    expect([p[2].result.ok, p[2].result.againstFloat64]).toEqual([false, undefined]);
    expect(v.notes.join()).toMatch(/Held to the float64 value instead, 1 of 2 pass.*the others are farther and fail/);
  });

  it("holds a check the source meets only with much of the tolerance to the float64 value too (the two float32 errors add up)", () => {
    // The source is 8e-5 from the float64 value (within the 1.1e-4 tolerance); the translation 8e-5 on the other side, or 5e-4.
    const p: PendingCheck[] = [
      { result: failed("grad d"), key: "grad/d", prefix: "", actual: Float32Array.from([0.99992, 2]) },
      { result: failed("grad e"), key: "grad/e", prefix: "", actual: Float32Array.from([0.9995, 2]) },
    ];
    const f32 = { output: data(1, 2), "grad/d": data(1.00008, 2), "grad/e": data(1.00008, 2) };
    const f64 = { "exact/output": data(1, 2), "exact/grad/d": data(1, 2), "exact/grad/e": data(1, 2) };
    const v = judgeConditioning(p, f32, f64, FLOAT32_TOLERANCE);
    expect(v.illConditioned.size).toBe(0);
    expect([p[0].result.ok, p[0].result.againstFloat64]).toEqual([true, true]);
    expect(p[1].result.ok).toBe(false);
    expect(v.notes.join()).toMatch(/^the entry's call: 1 failing check passes against the source's float64 evaluation instead .*grad d \(source 0\.000080, translation 0\.000080\)/);
  });

  it("judges the init state without outputs to compare (its float64 run takes the float32 init's parameters)", () => {
    const p: PendingCheck[] = [{ result: failed("init state s"), key: "initstate/state/bn/mean", prefix: INIT_STATE, actual: Float32Array.from([0.5003, 2]) }];
    const v = judgeConditioning(p, { "initstate/state/bn/mean": data(0.5004, 2) }, { "initstate/exact/state/bn/mean": data(0.5, 2) }, FLOAT32_TOLERANCE);
    expect(v.notes.join()).toMatch(/^the init state: 1 failing check is ill-conditioned.*it passes/);
    expect(p[0].result.ok).toBe(true);
  });

  it("says nothing of rounding when the float64 run is not the same computation (other outputs)", () => {
    const p = pending();
    const v = judgeConditioning(p, first, { ...exact, "train/exact/output": data(-1, 2) }, FLOAT32_TOLERANCE);
    expect(v.illConditioned.size).toBe(0);
    expect(v.notes.join()).toMatch(/does not reproduce its float32 outputs/);
    expect(p.every((q) => !q.result.ok)).toBe(true);
  });
});

// Five Dense → BatchNorm → relu blocks: in train mode on a batch of two, each BatchNorm normalizes
// two values, and float32 rounding alone moves the source's gradients by up to ~1e-2.
const DEEP_BN = `
import flax.linen as nn


class Deep(nn.Module):
    depth: int = 5

    @nn.compact
    def __call__(self, x, train: bool = False):
        for _ in range(self.depth):
            x = nn.Dense(16)(x)
            x = nn.BatchNorm(use_running_average=not train)(x)
            x = nn.relu(x)
        return nn.Dense(4)(x)
`;

async function verifyDeep(options: VerifyOptions) {
  const dir = await mkdtemp(join(tmpdir(), "nnxport-test-"));
  try {
    const file = join(dir, "deep.py");
    await writeFile(file, DEEP_BN);
    return await verify(file, { entry: entry("Deep()", ["x=float32[2,8]"]), ...options });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

describe("batch statistics over a batch of two", () => {
  it("verifies: the ill-conditioned train-mode checks are said, and train mode is compared on a larger batch", async () => {
    const r = await verifyDeep({});
    expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    expect(r.notes.join("\n")).toMatch(/train mode: \d+ failing checks? (is|are) ill-conditioned at float32/);
    expect(r.notes.join("\n")).toMatch(/train mode compared on a fresh batch 8 times the entry's/);
    expect(r.checks.filter((c) => c.name.includes("(train mode)")).length).toBeGreaterThan(10);
    expect(r.checks.filter((c) => !c.ok)).toEqual([]);
    expect(r.ok).toBe(true);
  }, 600_000);

  it("still fails a wrong translation", async () => {
    const r = await verifyDeep({
      tamper: (model, { tf }) => {
        const dense = (model as unknown as { dense: Array<{ kernel: { value: import("../../runtime/tf.js").Tensor } }> }).dense;
        const k = dense[2].kernel;
        k.value = tf.tidy(() => tf.mul(k.value, 1.01));
      },
    });
    expect(r.ok).toBe(false);
    expect(r.checks.some((c) => c.name.includes("(train mode)") && !c.ok)).toBe(true);
  }, 600_000);
});

// The init state a train-mode Haiku init leaves, evaluated again in float64 (harness.py init_state64).
const HAIKU_BN = `
import haiku as hk


def forward(x, is_training):
    x = hk.Conv2D(8, 3)(x)
    return hk.BatchNorm(True, True, 0.9)(x, is_training=is_training)
`;

describe("the init state in float64", () => {
  it("is the float32 init's state up to rounding, computed from the same parameters", async () => {
    const dir = await mkdtemp(join(tmpdir(), "nnxport-test-"));
    try {
      const file = join(dir, "bn.py");
      await writeFile(file, HAIKU_BN);
      const spec: ReferenceSpec = {
        file,
        framework: "haiku",
        entry: { kind: "function", text: "forward" },
        method: "__call__",
        inputs: [{ name: "x", dtype: "float32", shape: [2, 6, 6, 3], fill: "ones" }],
        kwargs: {},
        init_kwargs: {},
        modes: { is_training: { eval: "False", train: "True", init: "True" } },
        rngs: [],
        mutable: [],
        train: false,
        calls: 0,
        seed: 0,
        float64: [INIT_STATE],
      };
      const r = await runReference(spec);
      if (!r.ok) throw new Error(r.error.message);
      const { tensors } = loadSafetensors(r.bytes);
      const key = "batch_norm/~/mean_ema/average";
      const f32 = tensors[`${INIT_STATE}state/${key}`];
      const f64 = tensors[`${INIT_STATE}exact/state/${key}`];
      expect(f32.dtype).toBe("float32");
      expect(f64.shape).toEqual(f32.shape);
      // A train-mode init sets the average to the batch mean: nonzero, and the same to float32 rounding.
      const [a, b] = [f32.dataSync(), f64.dataSync()];
      expect(Math.max(...Array.from(a, Math.abs))).toBeGreaterThan(1e-3);
      a.forEach((v, i) => expect(Math.abs(v - b[i])).toBeLessThan(1e-5 + 1e-5 * Math.abs(v)));
      tf.dispose(Object.values(tensors));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 300_000);
});
