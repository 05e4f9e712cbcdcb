// Scan over layers beyond the guide's fixture: Linen's nn.scan splitting the
// 'dropout' rng per layer too, so train mode runs in the original and each
// layer's mask must be the original's.
import { expect, test } from "vitest";
import { fixture } from "../helpers/translate.js";
import { verifyText } from "../helpers/verify-text.js";

test("nn.scan over layers with split_rngs={'params': True, 'dropout': True}: init and train mode match the original", async () => {
  const text = fixture("layers/linen_model.py").replace('split_rngs={"params": True}', 'split_rngs={"params": True, "dropout": True}');
  expect(text).toContain('"dropout": True');
  const report = await verifyText("layers_dropout.py", text);
  expect(report.diagnostics).toEqual([]);
  expect(report.notes).toEqual([]);
  expect(report.ok).toBe(true);
  expect(report.checks.map((c) => c.name)).toContain("output (train mode)");
  expect(report.checks.filter((c) => c.kind === "init").map((c) => c.maxAbsError)).toEqual([0, 0]);
});
