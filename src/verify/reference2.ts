// Runs the Python original through the harness and reads what it wrote.
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import type { SampleInput } from "../model/program.js";
import type { StepSpec } from "../stage/step-spec.js";
import { packageRoot, pythonExecutable } from "./python-env.js";

const run = promisify(execFile);

export interface ReferenceSpec2 {
  file: string;
  framework: "haiku" | "linen";
  /** The model: a Python expression (a Linen module; a Haiku module built in the transform) or a function to transform. */
  entry: { kind: "expr" | "function"; text: string };
  method: string;
  inputs: SampleInput[];
  /** Fixed keyword arguments of init and apply, as Python literals. */
  kwargs: Record<string, string>;
  init_kwargs: Record<string, string>;
  /** Train/eval flags: the Python value meaning each mode (and the one init gets, if given). */
  modes: Record<string, { eval: string; train: string; init?: string }>;
  rngs: string[];
  mutable: string[];
  prelude?: string;
  argv?: string[];
  /** Also compare a train-mode call. */
  train: boolean;
  /** Successive calls threading state (0: none). */
  calls: number;
  seed: number;
  /** The folder imports resolve from (a package root), when not the file's own folder. */
  importRoot?: string;
  /** The file's training steps to run (each `count` times, variables recorded after the steps in `record`). */
  steps?: Array<StepSpec & { count: number; record: number[] }>;
}

export interface ReferenceFailure {
  kind: "environment" | "source" | "unsupported" | "harness";
  message: string;
  file?: string;
  line?: number;
}

export type ReferenceResult2 = { ok: true; bytes: Uint8Array; standins: string[] } | { ok: false; error: ReferenceFailure };

export async function runReference2(spec: ReferenceSpec2, timeoutMs = 600_000): Promise<ReferenceResult2> {
  const dir = await mkdtemp(join(tmpdir(), "nnxport-ref-"));
  try {
    const out = join(dir, "reference.safetensors");
    const specPath = join(dir, "spec.json");
    await writeFile(specPath, JSON.stringify({ ...spec, file: resolve(spec.file), out }));
    const harness = join(packageRoot(), "src", "verify", "python", "harness2.py");
    let stdout: string;
    try {
      ({ stdout } = await run(pythonExecutable(), [harness, specPath], {
        timeout: timeoutMs,
        maxBuffer: 64 << 20,
        env: { ...process.env, JAX_PLATFORMS: "cpu", PYTHONHASHSEED: "0" },
      }));
    } catch (e) {
      const err = e as NodeJS.ErrnoException & { stdout?: string; stderr?: string; killed?: boolean };
      if (err.code === "ENOENT") {
        return { ok: false, error: { kind: "environment", message: `Python not found at ${pythonExecutable()}; run \`npm run setup\` or set NNXPORT_PYTHON` } };
      }
      if (err.stdout?.trim()) stdout = err.stdout;
      else {
        const why = err.killed ? `timed out after ${timeoutMs / 1000} s` : (err.stderr ?? String(e)).trim().split("\n").slice(-3).join(" | ");
        return { ok: false, error: { kind: "harness", message: `the Python reference run failed: ${why}` } };
      }
    }
    const last = stdout.trim().split("\n").pop() ?? "";
    let summary: { ok: boolean; error?: ReferenceFailure; standins?: string[] };
    try {
      summary = JSON.parse(last);
    } catch {
      return { ok: false, error: { kind: "harness", message: `the Python reference run printed no result: ${last.slice(0, 200)}` } };
    }
    if (!summary.ok) return { ok: false, error: summary.error! };
    return { ok: true, bytes: new Uint8Array(await readFile(out)), standins: summary.standins ?? [] };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
