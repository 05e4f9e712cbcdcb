// Runs the Python original through the harness and reads what it wrote.
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import type { SampleInput } from "../ir/model.js";
import type { StepSpec } from "./training.js";
import { packageRoot, pythonExecutable } from "./python-env.js";

const run = promisify(execFile);

export interface ReferenceSpec {
  file: string;
  framework: "haiku" | "linen";
  object: string;
  /** Each flag as the call site names it: the value the source's init call passes, and the value that means evaluation. */
  flags: Record<string, { init: boolean; eval: boolean }>;
  /** Haiku: whether apply takes a key (false under hk.without_apply_rng). */
  applyRng?: boolean;
  /** Also run one train-mode call and its gradients. */
  train: boolean;
  /** Also make this many successive calls, threading the state (0: none). */
  calls: number;
  /** Methods to apply: the entry (`main`, on `inputs`) and others on inputs of their own. */
  methods: Array<{ name: string; main: boolean; apply: number | string | null; inputs: SampleInput[] }>;
  inputs: SampleInput[];
  seed: number;
  /** Training step functions to run, each from the initial variables. */
  steps: StepSpec[];
}

export interface ReferenceFailure {
  kind: "environment" | "source" | "unsupported" | "harness";
  message: string;
  file?: string;
  line?: number;
}

export type ReferenceResult = { ok: true; bytes: Uint8Array } | { ok: false; error: ReferenceFailure };

export async function runReference(spec: ReferenceSpec, timeoutMs = 600_000): Promise<ReferenceResult> {
  const dir = await mkdtemp(join(tmpdir(), "nnxport-ref-"));
  try {
    const out = join(dir, "reference.safetensors");
    const specPath = join(dir, "spec.json");
    await writeFile(specPath, JSON.stringify({ ...spec, file: resolve(spec.file), out }));
    const harness = join(packageRoot(), "src", "verify", "python", "harness.py");
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
    let summary: { ok: boolean; error?: ReferenceFailure };
    try {
      summary = JSON.parse(last);
    } catch {
      return { ok: false, error: { kind: "harness", message: `the Python reference run printed no result: ${last.slice(0, 200)}` } };
    }
    if (!summary.ok) return { ok: false, error: summary.error! };
    return { ok: true, bytes: new Uint8Array(await readFile(out)) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
