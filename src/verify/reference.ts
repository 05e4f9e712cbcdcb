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

export interface ReferenceSpec {
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
  /** Linen: the entry module's own train/eval fields (`training: bool = True`), set per mode with `module.clone(...)`. */
  fieldModes?: Record<string, { eval: string; train: string }>;
  /** Linen: the entry module's mode fields its call also takes (merged with nn.merge_param): cleared, the call's flag sets the mode. */
  mergedModes?: string[];
  /** Haiku: the entry's apply gets no key (hk.without_apply_rng), as the model can tell (hk.maybe_next_rng_key()). */
  applyWithoutKey?: boolean;
  rngs: string[];
  mutable: string[];
  /** Linen: the collections the model sows into (self.sow): kept out of init's variables, recorded per call under sown/. */
  sown?: string[];
  prelude?: string;
  argv?: string[];
  /** Also compare a train-mode call. */
  train: boolean;
  /** Successive calls threading state (0: none). */
  calls: number;
  seed: number;
  /** The folder imports resolve from (a package root), when not the file's own folder. */
  importRoot?: string;
  /** Folders the file's imports of the user's other files resolve from (put on sys.path). */
  importRoots?: string[];
  /** The file's package root and dotted name, to run it as a module of its package (it has relative imports). */
  packageRoot?: string;
  moduleName?: string;
  /** Other methods of the model to compare, on inputs shaped as the entry's call gives them. */
  methods?: string[];
  /** Compare train mode on a fresh batch this many times the entry's (train/input/<name>). */
  trainBatch?: number;
  /** Also evaluate these recorded calls ("" the entry's, "train/") in float64 (their `<prefix>exact/...` tensors). */
  float64?: string[];
  /** The file's training steps to run (each `count` times, variables recorded after the steps in `record`). */
  steps?: Array<StepSpec & { count: number; record: number[] }>;
}

export interface ReferenceFailure {
  kind: "environment" | "source" | "unsupported" | "harness";
  message: string;
  file?: string;
  line?: number;
}

export type ReferenceResult = { ok: true; bytes: Uint8Array; standins: string[]; notes: string[] } | { ok: false; error: ReferenceFailure };

/** What the harness printed last: its summary, or why there is none. */
type HarnessRun<T> = ({ ok: true } & T) | { ok: false; error: ReferenceFailure };

/** Runs python/harness.py on a spec (written to a temporary folder with `out`, where it writes its tensors). */
async function runHarness<T>(spec: object, file: string, timeoutMs: number, read: (dir: string, summary: Record<string, unknown>) => Promise<T>): Promise<HarnessRun<T>> {
  const dir = await mkdtemp(join(tmpdir(), "nnxport-ref-"));
  try {
    const out = join(dir, "reference.safetensors");
    const specPath = join(dir, "spec.json");
    await writeFile(specPath, JSON.stringify({ ...spec, file: resolve(file), out }));
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
    let summary: { ok: boolean; error?: ReferenceFailure } & Record<string, unknown>;
    try {
      summary = JSON.parse(last);
    } catch {
      return { ok: false, error: { kind: "harness", message: `the Python reference run printed no result: ${last.slice(0, 200)}` } };
    }
    if (!summary.ok) return { ok: false, error: summary.error! };
    return { ok: true, ...(await read(dir, summary)) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export async function runReference(spec: ReferenceSpec, timeoutMs = 600_000): Promise<ReferenceResult> {
  return runHarness(spec, spec.file, timeoutMs, async (dir, summary) => ({
    bytes: new Uint8Array(await readFile(join(dir, "reference.safetensors"))),
    standins: (summary.standins as string[] | undefined) ?? [],
    notes: (summary.notes as string[] | undefined) ?? [],
  }));
}

/** How Python runs a file that imports the user's other files. */
export interface PythonLinks {
  importRoots?: string[];
  packageRoot?: string;
  moduleName?: string;
}

/** A sample input as the harness describes one it saw (names are the caller's to give). */
export type ProbedSample = Omit<SampleInput, "name">;

/** The sample inputs of the file's own init call, learned by running the file up to that call. */
export async function probeInitCall(file: string, framework: "haiku" | "linen", importRoot?: string, timeoutMs = 600_000, links?: PythonLinks): Promise<HarnessRun<{ args: ProbedSample[]; kwargs: Record<string, ProbedSample> }>> {
  return runHarness({ probe: true, framework, ...(importRoot ? { importRoot } : {}), ...links }, file, timeoutMs, async (_dir, summary) => {
    const probe = summary.probe as { args: ProbedSample[]; kwargs: Record<string, ProbedSample> };
    return { args: probe.args, kwargs: probe.kwargs };
  });
}
