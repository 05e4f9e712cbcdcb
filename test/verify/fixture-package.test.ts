// The generated fixture test runs in a separate project that installed nnxport
// from its packed tarball (npm pack, then npm ci offline from npm's cache), the
// way a user's CI would, with no Python anywhere on its PATH.
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { expect, test } from "vitest";
import { nnxport } from "../helpers/cli.js";
import { installPackedProject } from "../helpers/package-project.js";
import { FIXTURES } from "../helpers/translate.js";
import { runVitest } from "../helpers/run-vitest.js";

test("a fixture saved by verify passes in a project that depends on the packed nnxport", () => {
  const project = mkdtempSync(join(tmpdir(), "nnxport-user-"));
  try {
    check(project);
  } finally {
    rmSync(project, { recursive: true, force: true }); // ~400 MB of node_modules
  }
}, 900_000);

function check(project: string): void {
  const tarball = installPackedProject(project, { vitest: "^4.1.12" });
  expect(tarball).toMatch(/^nnxport-\d+\.\d+\.\d+\.tgz$/);
  expect(readdirSync(join(project, "node_modules", "nnxport"))).toContain("dist");

  const dir = join(project, "test", "model");
  const r = nnxport(["verify", FIXTURES + "basic/linen_model.py", "--save-fixture", dir]);
  expect(r.code, r.stderr).toBe(0);
  // Only node on the PATH, and no interpreter for nnxport to find: nothing here may need Python.
  const run = runVitest(project, dir, { PATH: dirname(process.execPath), NNXPORT_PYTHON: join(project, "no-python") });
  // Installed without install scripts, tfjs-node has no native library here: the runtime says so and runs on wasm.
  expect(run.out).toMatch(/nnxport: tensor backend \w+/);
  expect(run.out).toMatch(/Tests\s+\d+ passed/);
  expect(run.code, run.out).toBe(0);
}
