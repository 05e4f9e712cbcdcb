// Scan over layers beyond the guide's fixture: Linen's nn.scan splitting the
// 'dropout' rng per layer too, so train mode runs in the original and each
// layer's mask must be the original's.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, test } from "vitest";
import { verify } from "../../src/verify/index.js";
import { fixture } from "../helpers/translate.js";

test("nn.scan over layers with split_rngs={'params': True, 'dropout': True}: init and train mode match the original", async () => {
  const text = fixture("layers/linen_model.py").replace('split_rngs={"params": True}', 'split_rngs={"params": True, "dropout": True}');
  expect(text).toContain('"dropout": True');
  const dir = await mkdtemp(join(tmpdir(), "nnxport-layers-"));
  try {
    const file = join(dir, "layers_dropout.py");
    await writeFile(file, text);
    const report = await verify(file);
    expect(report.diagnostics).toEqual([]);
    expect(report.notes).toEqual([]);
    expect(report.ok).toBe(true);
    const names = report.checks.map((c) => c.name);
    expect(names).toContain("output (train mode)");
    expect(report.checks.filter((c) => c.kind === "init").map((c) => c.maxAbsError)).toEqual([0, 0]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
