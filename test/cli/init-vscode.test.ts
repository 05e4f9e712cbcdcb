import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse, type ParseError } from "jsonc-parser";
import { describe, expect, test } from "vitest";
import { nnxport } from "../helpers/cli.js";
import { FIXTURES } from "../helpers/translate.js";

interface Task {
  label: string;
  command: string;
  problemMatcher: { pattern: Record<string, number | string> };
}

const LABELS = ["nnxport: convert current file", "nnxport: verify current file", "nnxport: convert workspace --check"];

function readTasks(dir: string): { text: string; tasks: Task[] } {
  const text = readFileSync(join(dir, ".vscode", "tasks.json"), "utf8");
  const errors: ParseError[] = [];
  const doc = parse(text, errors, { allowTrailingComma: true });
  expect(errors).toEqual([]);
  return { text, tasks: doc.tasks };
}

const USER_FILE = `// My own tasks: nnxport must leave these alone.
{
  "version": "2.0.0",
  "tasks": [
    {
      "label": "build my app", // trailing comments stay too
      "type": "npm",
      "script": "build",
    },
  ],
}
`;

describe("nnxport init vscode", () => {
  test("writes a valid tasks.json with the three tasks; a second run changes nothing", () => {
    const dir = mkdtempSync(join(tmpdir(), "nnxport-vscode-"));
    const r = nnxport(["init", "vscode", "--dir", dir]);
    expect(r.code, r.stderr).toBe(0);
    const { text, tasks } = readTasks(dir);
    expect(() => JSON.parse(text)).not.toThrow(); // a fresh file is plain JSON
    expect(tasks.map((t) => t.label)).toEqual(LABELS);
    expect(tasks.map((t) => t.command)).toEqual(['npx nnxport convert "${file}"', 'npx nnxport verify "${file}"', 'npx nnxport convert "${workspaceFolder}" --check']);
    const again = nnxport(["init", "vscode", "--dir", dir]);
    expect(again.code).toBe(0);
    expect(again.stderr).toContain("unchanged");
    expect(readFileSync(join(dir, ".vscode", "tasks.json"), "utf8")).toBe(text);
  });

  test("merges into an existing file: the user's tasks, comments and trailing commas survive", () => {
    const dir = mkdtempSync(join(tmpdir(), "nnxport-vscode-"));
    mkdirSync(join(dir, ".vscode"));
    writeFileSync(join(dir, ".vscode", "tasks.json"), USER_FILE);
    expect(nnxport(["init", "vscode", "--dir", dir]).code).toBe(0);
    const { text, tasks } = readTasks(dir);
    expect(tasks.map((t) => t.label)).toEqual(["build my app", ...LABELS]);
    expect(text.startsWith("// My own tasks: nnxport must leave these alone.\n")).toBe(true);
    expect(text).toContain('"label": "build my app", // trailing comments stay too');
    expect(nnxport(["init", "vscode", "--dir", dir]).stderr).toContain("unchanged");
    expect(readTasks(dir).text).toBe(text);
  });

  test("a task of ours the user edited is kept unless --force; a broken file is left alone", () => {
    const dir = mkdtempSync(join(tmpdir(), "nnxport-vscode-"));
    nnxport(["init", "vscode", "--dir", dir]);
    const file = join(dir, ".vscode", "tasks.json");
    writeFileSync(file, readFileSync(file, "utf8").replace('verify \\"${file}\\""', 'verify \\"${file}\\" --seed 3"'));
    const kept = nnxport(["init", "vscode", "--dir", dir]);
    expect(kept.stderr).toContain('kept your own version of "nnxport: verify current file"');
    expect(readTasks(dir).tasks[1].command).toContain("--seed 3");
    nnxport(["init", "vscode", "--dir", dir, "--force"]);
    expect(readTasks(dir).tasks[1].command).toBe('npx nnxport verify "${file}"');
    writeFileSync(file, "{ not json");
    const broken = nnxport(["init", "vscode", "--dir", dir]);
    expect(broken.code).toBe(1);
    expect(broken.stderr).toMatch(/error NNX603: not valid JSON/);
    expect(readFileSync(file, "utf8")).toBe("{ not json");
  });

  test("the problem matcher, applied to real nnxport output, yields file, line, column, severity, code and message", () => {
    const dir = mkdtempSync(join(tmpdir(), "nnxport-vscode-"));
    nnxport(["init", "vscode", "--dir", dir]);
    const { tasks } = readTasks(dir);
    const src = join(dir, "model.py");
    writeFileSync(src, readFileSync(FIXTURES + "basic/haiku_model.py", "utf8").replace("x = hk.Linear(self.features)(x)", "try:\n            x = x\n        except ValueError:\n            pass\n        x = hk.Linear(self.features)(x)"));
    const lines = [nnxport(["convert", src]), nnxport(["verify", src])].flatMap((r) => r.stderr.split("\n"));
    for (const task of tasks) {
      const p = task.problemMatcher.pattern;
      const re = new RegExp(p.regexp as string);
      const hits = lines.map((l) => re.exec(l)).filter((m): m is RegExpExecArray => m !== null);
      expect(hits.length, task.label).toBeGreaterThanOrEqual(2);
      const field = (m: RegExpExecArray, k: string) => m[p[k] as number];
      for (const m of hits) {
        expect(field(m, "file")).toBe(src);
        expect(Number(field(m, "line"))).toBeGreaterThan(0);
        expect(Number(field(m, "column"))).toBeGreaterThan(0);
        expect(["error", "warning"]).toContain(field(m, "severity"));
        expect(field(m, "code")).toMatch(/^NNX\d{3}$/);
        expect(field(m, "message").length).toBeGreaterThan(0);
      }
      // The construct itself, at its own line, in both commands' output.
      const tryAt = hits.filter((m) => field(m, "severity") === "error" && field(m, "code") === "NNX201" && /^unsupported construct: the statement 'try:'/.test(field(m, "message")));
      expect(tryAt.length, task.label).toBeGreaterThanOrEqual(2);
    }
  });
});
