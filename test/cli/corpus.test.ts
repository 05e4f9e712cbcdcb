// scripts/corpus.mjs (`npm run corpus`) on a tiny corpus made here: one Linen file, one support
// file without a framework import, and a manifest with an entry that verifies and one that fails.
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, test } from "vitest";

const SCRIPT = fileURLToPath(new URL("../../scripts/corpus.mjs", import.meta.url));

const MLP = `import flax.linen as nn


class MLP(nn.Module):
  features: int = 4

  @nn.compact
  def __call__(self, x):
    x = nn.relu(nn.Dense(8)(x))
    return nn.Dense(self.features)(x)
`;

const MANIFEST = [
  { id: "pkg/mlp:MLP", file: "pkg/mlp.py", framework: "linen", entry: "MLP(features=3)", inputs: [{ name: "x", dtype: "float32", shape: [2, 5] }], kwargs: {}, rngs: [], notes: "verifies" },
  { id: "pkg/mlp:Missing", file: "pkg/mlp.py", framework: "linen", entry: "Missing()", inputs: [{ name: "x", dtype: "float32", shape: [2, 5] }], kwargs: {}, rngs: [], notes: "no such class" },
];

function corpus(args: string[]) {
  const r = spawnSync(process.execPath, [SCRIPT, ...args], { encoding: "utf8", timeout: 600_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** The Markdown table's body rows, as cells. */
function tableRows(md: string): string[][] {
  const lines = md.split("\n").filter((l) => l.startsWith("|"));
  expect(lines[0]).toBe("| file | converted | diagnostics | entry | verified | max error | seconds |");
  return lines.slice(2).map((l) => l.slice(2, -2).split(" | "));
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "nnxport-corpus-test-"));
  mkdirSync(join(dir, "corpus", "pkg"), { recursive: true });
  writeFileSync(join(dir, "corpus", "pkg", "mlp.py"), MLP);
  writeFileSync(join(dir, "corpus", "pkg", "util.py"), "def helper():\n  return 1\n");
  writeFileSync(join(dir, "corpus", "manifest.json"), JSON.stringify(MANIFEST));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("npm run corpus", () => {
  test("converts the files, verifies each entry in its own process, and writes the table and its JSON twin", () => {
    const out = join(dir, "out");
    const r = corpus(["--corpus", join(dir, "corpus"), "--out", out, "--jobs", "2"]);
    expect(r.stderr).toContain("[4/4]");
    expect(r.code).toBe(0);

    const md = readFileSync(join(out, "RESULTS.md"), "utf8");
    expect(md).toContain("**1/1 files convert (100%; 1 support file without a Flax/Haiku import skipped); 1/2 entries verify (50%; 1 NNX");
    const rows = tableRows(md);
    expect(rows).toHaveLength(3);
    const [ok, failed, support] = rows;
    expect(ok.slice(0, 5)).toEqual(["pkg/mlp.py", "yes", "", "pkg/mlp:MLP", "ok"]);
    expect(Number(ok[5])).toBeLessThanOrEqual(1e-5);
    expect(Number(ok[6])).toBeGreaterThan(0);
    expect(failed.slice(0, 4)).toEqual(["pkg/mlp.py", "", "", "pkg/mlp:Missing"]);
    expect(failed[4]).toMatch(/^NNX\d{3}$/);
    expect(failed[5]).toBe("—");
    expect(support.slice(0, 5)).toEqual(["pkg/util.py", "skipped", "", "", ""]);
    // The entry that failed is listed with its reason and a command that reruns it.
    expect(md).toContain("## Entries that did not verify");
    expect(md).toMatch(/- `pkg\/mlp:Missing` — NNX\d{3}.*Missing\(\)/);
    expect(md).toContain(`nnxport verify ${join(dir, "corpus", "pkg", "mlp.py")} --entry 'Missing()' --input 'x=float32[2,5]'`);

    const json = JSON.parse(readFileSync(join(out, "RESULTS.json"), "utf8"));
    expect(json.summary).toMatchObject({ files: 2, modelFiles: 1, converted: 1, skipped: 1, entries: 2, verified: 1 });
    const [a, b] = json.entries;
    expect(a).toMatchObject({ id: "pkg/mlp:MLP", ok: true, status: "ok", framework: "linen", params: { matched: 4, total: 4, problems: [] } });
    expect(a.checks).toBeGreaterThan(0);
    expect(a.failedChecks).toEqual([]);
    expect(b).toMatchObject({ id: "pkg/mlp:Missing", ok: false });
    expect(b.diagnostics[0].message).toContain("Missing()");
  }, 600_000);

  test("--only runs the entries (and files) whose id or path contains it", () => {
    const out = join(dir, "only");
    const r = corpus(["--corpus", join(dir, "corpus"), "--out", out, "--only", "Missing"]);
    expect(r.code).toBe(0);
    const rows = tableRows(readFileSync(join(out, "RESULTS.md"), "utf8"));
    expect(rows.map((row) => [row[0], row[3]])).toEqual([["pkg/mlp.py", "pkg/mlp:Missing"]]);
  }, 600_000);

  test("a time limit ends an entry and the run goes on", () => {
    const out = join(dir, "timeout");
    const r = corpus(["--corpus", join(dir, "corpus"), "--out", out, "--only", "pkg/mlp:MLP", "--timeout", "0.5"]);
    expect(r.code).toBe(0);
    const json = JSON.parse(readFileSync(join(out, "RESULTS.json"), "utf8"));
    expect(json.files[0]).toMatchObject({ file: "pkg/mlp.py", converted: "no", failure: "timed out after 0.5 s" });
    expect(json.entries[0]).toMatchObject({ id: "pkg/mlp:MLP", status: "timeout", ok: false });
  }, 600_000);

  test("without a corpus it says how to make one, and exits 2", () => {
    const r = corpus(["--corpus", join(dir, "absent")]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("no corpus at");
    expect(r.stderr).toContain("materialize.sh MIRRORS");
    expect(r.stderr).toContain("fetch");
  });

  test("bad options are usage errors (exit 2)", () => {
    for (const args of [["--jobs", "0"], ["--timeout", "x"], ["--nope"]]) {
      const r = corpus(["--corpus", join(dir, "corpus"), ...args]);
      expect(r.code).toBe(2);
      expect(r.stderr).toContain("usage: node scripts/corpus.mjs");
    }
  });
});
