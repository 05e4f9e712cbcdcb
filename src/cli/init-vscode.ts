// `nnxport init vscode`: nnxport's tasks in .vscode/tasks.json, merged into an
// existing file with its comments, formatting and other tasks left as they are.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { applyEdits, modify, parse, printParseErrorCode, type FormattingOptions, type ParseError } from "jsonc-parser";
import { writeAtomic } from "./write.js";
import { EXIT } from "./exit-codes.js";

/** The problem matcher the README documents: `file.py(12,5): error NNX201: message`. */
export const PROBLEM_MATCHER = {
  owner: "nnxport",
  source: "nnxport",
  fileLocation: ["autoDetect", "${workspaceFolder}"],
  pattern: {
    regexp: "^(.*)\\((\\d+),(\\d+)\\): (error|warning) (NNX\\d+): (.*)$",
    file: 1,
    line: 2,
    column: 3,
    severity: 4,
    code: 5,
    message: 6,
  },
};

export interface VscodeTask {
  label: string;
  type: "shell";
  command: string;
  group: string;
  presentation: { reveal: string; clear: boolean };
  problemMatcher: typeof PROBLEM_MATCHER;
}

export function nnxportTasks(command = "npx nnxport"): VscodeTask[] {
  const task = (label: string, args: string, group: string): VscodeTask => ({
    label,
    type: "shell",
    command: `${command} ${args}`,
    group,
    presentation: { reveal: "always", clear: true },
    problemMatcher: PROBLEM_MATCHER,
  });
  return [
    task("nnxport: convert current file", 'convert "${file}"', "build"),
    task("nnxport: verify current file", 'verify "${file}"', "test"),
    task("nnxport: convert workspace --check", 'convert "${workspaceFolder}" --check', "build"),
  ];
}

export interface InitOptions {
  dir: string;
  command?: string;
  force?: boolean;
}

const FORMAT: FormattingOptions = { insertSpaces: true, tabSize: 2, eol: "\n" };

/** The merged text, and what happened to each of nnxport's tasks. */
export function mergeTasks(existing: string | undefined, tasks: VscodeTask[], force = false): { text: string; added: string[]; replaced: string[]; kept: string[] } {
  const result = { added: [] as string[], replaced: [] as string[], kept: [] as string[] };
  if (existing === undefined || existing.trim() === "") {
    return { ...result, added: tasks.map((t) => t.label), text: JSON.stringify({ version: "2.0.0", tasks }, null, 2) + "\n" };
  }
  const errors: ParseError[] = [];
  const doc = parse(existing, errors, { allowTrailingComma: true });
  if (errors.length) throw new TasksFileError(`not valid JSON with comments (${printParseErrorCode(errors[0].error)} at offset ${errors[0].offset})`);
  if (typeof doc !== "object" || doc === null || Array.isArray(doc)) throw new TasksFileError("its top level is not an object");
  if (doc.tasks !== undefined && !Array.isArray(doc.tasks)) throw new TasksFileError("its `tasks` is not a list");
  let text = existing;
  const edit = (path: (string | number)[], value: unknown, insert = false) => {
    text = applyEdits(text, modify(text, path, value, { formattingOptions: FORMAT, isArrayInsertion: insert }));
  };
  if (doc.version === undefined) edit(["version"], "2.0.0");
  if (doc.tasks === undefined) edit(["tasks"], []);
  const current: Array<{ label?: unknown }> = doc.tasks ?? [];
  for (const task of tasks) {
    const i = current.findIndex((t) => t && typeof t === "object" && t.label === task.label);
    if (i < 0) {
      edit(["tasks", -1], task, true);
      result.added.push(task.label);
    } else if (JSON.stringify(current[i]) === JSON.stringify(task)) continue;
    else if (force) {
      edit(["tasks", i], task);
      result.replaced.push(task.label);
    } else result.kept.push(task.label);
  }
  return { ...result, text };
}

export class TasksFileError extends Error {
  override name = "TasksFileError";
}

export async function runInitVscode(options: InitOptions): Promise<number> {
  const file = join(options.dir, ".vscode", "tasks.json");
  const before = existsSync(file) ? readFileSync(file, "utf8") : undefined;
  let merged;
  try {
    merged = mergeTasks(before, nnxportTasks(options.command), options.force);
  } catch (e) {
    if (!(e instanceof TasksFileError)) throw e;
    process.stderr.write(`${file}: error NNX603: ${e.message}; nothing changed\n`);
    return EXIT.failed;
  }
  for (const label of merged.kept) process.stderr.write(`${file}: kept your own version of "${label}" (--force replaces it)\n`);
  if (merged.text === before) {
    process.stderr.write(`${file}: unchanged\n`);
    return EXIT.ok;
  }
  await writeAtomic(file, merged.text);
  const what = [merged.added.length && `added ${merged.added.map((l) => `"${l}"`).join(", ")}`, merged.replaced.length && `replaced ${merged.replaced.map((l) => `"${l}"`).join(", ")}`].filter(Boolean);
  process.stderr.write(`${file}: ${what.join("; ")}\n`);
  return EXIT.ok;
}
