// `verify --json` prints one JSON object with a boolean `ok` whatever happens:
// an internal failure (forced here) is a diagnostic inside it, not a stack trace.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, test, vi } from "vitest";

vi.mock("../../src/verify/index.js", () => ({
  verify: async () => {
    throw new Error("forced: the runtime could not run this layer");
  },
}));

const { runVerify } = await import("../../src/cli/verify.js");
const dir = mkdtempSync(join(tmpdir(), "nnxport-json-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

test("an internal error still gives one JSON object: ok false, a diagnostic with its code", async () => {
  const file = join(dir, "model.py");
  writeFileSync(file, "import flax.linen as nn\n");
  const chunks: string[] = [];
  const write = vi.spyOn(process.stdout, "write").mockImplementation((s: string | Uint8Array) => {
    chunks.push(String(s));
    return true;
  });
  let code: number;
  try {
    code = await runVerify(file, { json: true, seed: 0, atol: 1e-5, rtol: 1e-4 });
  } finally {
    write.mockRestore();
  }
  expect(code).toBe(1);
  const out = chunks.join("");
  expect(out.trim().split("\n")).toHaveLength(1);
  const report = JSON.parse(out);
  expect(report.ok).toBe(false);
  expect(report.diagnostics).toEqual([expect.objectContaining({ code: "NNX400", severity: "error", message: expect.stringContaining("forced: the runtime could not run this layer") })]);
});

test("without --json the internal error reaches the CLI's own handler", async () => {
  const file = join(dir, "model2.py");
  writeFileSync(file, "import flax.linen as nn\n");
  await expect(runVerify(file, { seed: 0, atol: 1e-5, rtol: 1e-4 })).rejects.toThrow(/forced/);
});
