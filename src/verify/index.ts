// verify: runs the Python original and the TypeScript translation on the same
// weights and inputs, and compares parameter trees, outputs and gradients.
import { readFile } from "node:fs/promises";
import { DiagnosticError, formatDiagnostic, type Diagnostic } from "../diagnostics.js";
import { methodName } from "../emit/expressions.js";
import { translate, type Translation } from "../pipeline.js";
import { evaluate } from "../analyze/evaluate.js";
import type { SourceInitPlan } from "../analyze/source-init.js";
import type { Method, SampleInput } from "../ir/model.js";
import { inputParams } from "../ir/walk.js";
import { FLOAT32_TOLERANCE, type Tolerance } from "./compare.js";
import type { ErrorSummary } from "./error-summary.js";
import { importGenerated, runtimeEntryUrl } from "./load-module.js";
import { runReference, type ReferenceSpec } from "./reference.js";
import { checkStep, stepSpecs } from "./training.js";
import type { TrainStep } from "../ir/training.js";
import { check, loadParams, reshaped, variablesByPath, type Module, type Runtime, type Tensor } from "./variables.js";

export interface CheckResult {
  name: string;
  kind: "init" | "output" | "grad" | "state" | "call" | "step";
  shape: number[];
  maxAbsError: number;
  maxRelError: number;
  ok: boolean;
  /** Elements accepted beyond the tolerance as ill-conditioned (see Tolerance.outliers); reported in a note. */
  outliers?: number;
  /** Where the errors are (for `--report`). */
  errors?: ErrorSummary;
}

export interface ParamTreeResult {
  matched: number;
  total: number;
  /** Map entries the reference or the translation lacks, or whose shapes differ. */
  problems: string[];
}

export interface VerifyReport {
  ok: boolean;
  file: string;
  framework?: string;
  backend?: string;
  params?: ParamTreeResult;
  checks: CheckResult[];
  tolerance: Tolerance;
  /** What was not compared, and why: never silently skipped. */
  notes: string[];
  diagnostics: Array<Diagnostic & { text: string }>;
  /** The translation that was verified. */
  code?: string;
}

export interface VerifyOptions {
  seed?: number;
  tolerance?: Tolerance;
  /** Changes the translated model after the weights are loaded: tests use it to prove a mismatch is caught. */
  tamper?: (model: Module, runtime: Runtime) => void;
  /** Filled with what verify worked from, for `--report` and `--save-fixture`. */
  artifacts?: VerifyArtifacts;
}

export interface VerifyArtifacts {
  translation?: Translation;
  /** The reference run's safetensors (see harness.py for the names), and what it was asked to run. */
  reference?: Uint8Array;
  plan?: CheckPlan;
}

export async function verify(file: string, options: VerifyOptions = {}): Promise<VerifyReport> {
  const tolerance = options.tolerance ?? FLOAT32_TOLERANCE;
  const report: VerifyReport = { ok: false, file, checks: [], tolerance, notes: [], diagnostics: [] };
  const fail = (d: Diagnostic) => {
    report.diagnostics.push({ ...d, text: formatDiagnostic(d) });
    return report;
  };

  let translation: Translation;
  try {
    translation = await translate(file, await readFile(file, "utf8"));
  } catch (e) {
    if (!(e instanceof DiagnosticError)) throw e;
    e.diagnostics.forEach(fail);
    return report;
  }
  const { program } = translation.analysis;
  report.framework = program.reference.framework;
  if (options.artifacts) options.artifacts.translation = translation;

  const plan = checkPlan(translation);
  report.notes.push(...plan.notes);
  const reference = await runReference(referenceSpec(translation, options.seed ?? 0, plan));
  if (!reference.ok) {
    const { kind, message, line } = reference.error;
    const code = kind === "environment" ? "NNX501" : kind === "source" ? "NNX502" : kind === "unsupported" ? "NNX503" : "NNX504";
    return fail({ code, severity: "error", message, file, span: line ? { line, column: 1, endLine: line, endColumn: 1 } : undefined });
  }
  if (options.artifacts) Object.assign(options.artifacts, { reference: reference.bytes, plan });

  const runtime: Runtime = await import(runtimeEntryUrl());
  const { nnx, tf } = runtime;
  report.backend = tf.getBackend();
  const { loadSafetensors } = await import("../../runtime/safetensors.js");
  const { tensors } = loadSafetensors(reference.bytes);
  const generated = await importGenerated(translation.code);
  checkSourceInit(translation, generated, tensors, runtime, options.seed ?? 0, report, tolerance);
  const model = (generated[translation.paramMap.factory] as (r: unknown) => Module)(new nnx.Rngs(options.seed ?? 0));
  try {
    report.params = loadParams(translation, model, tensors, runtime);
    options.tamper?.(model, runtime);

    const root = program.modules.find((m) => m.name === program.entry.module)!;
    const modal = root.methods.some((m) => m.params.some((p) => p.modeFlag));
    if (modal) model.eval();

    // Each forward pass below stands for one `apply` of the reference, which starts from the
    // initial state: put the state variables back first.
    const stateEntries = translation.paramMap.params.filter((p) => p.type !== "Param");
    const variables = variablesByPath(model, runtime);
    const restoreState = () => {
      for (const e of stateEntries) {
        const v = variables.get(e.nnx);
        const ref = tensors[`param/${e.source}`];
        if (v && ref) v.value = tf.reshape(ref, e.shape);
      }
    };

    /** State variables (among `entries`) against the reference's values under `prefix`. */
    const checkState = (entries: typeof stateEntries, prefix: string, label: string) => {
      for (const e of entries) {
        const v = variables.get(e.nnx);
        const expected = tensors[`${prefix}${e.source}`];
        if (v && expected) report.checks.push(check(`${label} ${e.source} → ${e.nnx}`, "state", v.value as Tensor, reshaped(expected, e.shape, tf), tolerance));
      }
    };

    /**
     * One method's output, then the gradients of Σ output ⊙ cotangent, against the
     * reference's under `prefix`. `prepare` runs before each forward pass.
     */
    const checkMethod = (method: Method, prefix: string, tag: string, inputs: Tensor[], afterOutput?: () => void, prepare?: () => void) => {
      const label = (what: string) => (tag ? `${what} (${tag})` : what);
      const call = callOf(method, inputs);
      restoreState();
      prepare?.();
      const output = call(model);
      report.checks.push(check(label("output"), "output", output, tensors[`${prefix}output`], tolerance));
      output.dispose();
      afterOutput?.();
      const cotangent = tensors[`${prefix}cotangent`];
      restoreState();
      prepare?.();
      const grads = nnx.grad((m: Module) => tf.sum(tf.mul(call(m), cotangent)))(model);
      const flat = new Map(nnx.toFlatState(grads).map(([path, leaf]) => [path.join("."), leaf]));
      for (const entry of translation.paramMap.params.filter((p) => p.type === "Param")) {
        const g = flat.get(entry.nnx);
        const expected = tensors[`${prefix}grad/${entry.source}`];
        if (!g || !expected) continue; // already reported by the parameter tree check
        const actual = g instanceof nnx.Variable ? (g.value as Tensor) : (g as Tensor);
        report.checks.push(check(`${label("grad")} ${entry.source} → ${entry.nnx}`, "grad", actual, reshaped(expected, entry.shape, tf), tolerance));
      }
      nnx.dispose(grads);
    };

    for (const m of plan.methods) {
      const method = root.methods.find((x) => x.name === m.name)!;
      if (!m.main) {
        checkMethod(method, `method/${m.name}/`, `${methodName(m.name)}()`, m.inputs.map((i) => tensors[`method/${m.name}/input/${i.name}`]));
        continue;
      }
      const inputs = inputParams(method).map((p) => tensors[`input/${p.name}`]);
      checkMethod(method, "", modal ? "eval mode" : "", inputs);
      if (plan.calls) {
        // Successive calls: the state the module keeps must evolve as the original's does.
        restoreState();
        const run = callOf(method, inputs);
        for (let i = 0; i < plan.calls; i++) {
          const out = run(model);
          report.checks.push(check(`output (call ${i + 1} of ${plan.calls})`, "call", out, tensors[`calls/${i}/output`], tolerance));
          out.dispose();
        }
        checkState(stateEntries, "calls/param/", `state after ${plan.calls} calls`);
      }
      if (!plan.train) continue;
      model.train();
      const dropoutKeys = plan.sourceDropout ? () => nnx.useSourceDropoutKeys(model, plan.sourceDropout!, options.seed ?? 0) : undefined;
      // Running statistics after that one train-mode call.
      const afterTrain = () => checkState(stateEntries.filter((e) => e.type === "BatchStat"), "train/param/", "state");
      checkMethod(method, "train/", "train mode", inputs, afterTrain, dropoutKeys);
      model.eval();
    }
    for (const step of plan.steps) {
      const { checks, notes } = checkStep(step, { translation, generated, tensors, runtime, seed: options.seed ?? 0, tolerance, sourceDropout: plan.sourceDropout, tamper: options.tamper });
      report.checks.push(...checks);
      report.notes.push(...notes);
    }
  } catch (e) {
    // The translation itself failed at run time: a finding, not a crash of nnxport.
    fail({ code: "NNX505", severity: "error", message: `the translated model raised: ${(e as Error).message}`, file });
  } finally {
    nnx.dispose(model);
    tf.dispose(Object.values(tensors));
  }
  report.ok =
    report.diagnostics.length === 0 && report.params!.problems.length === 0 && report.checks.length > 0 && report.checks.every((c) => c.ok);
  return report;
}

export interface PlannedMethod {
  name: string;
  /** The entry method: compared in eval mode, and in train mode when the plan says so. */
  main: boolean;
  apply: number | string | null;
  inputs: SampleInput[];
}

export interface CheckPlan {
  methods: PlannedMethod[];
  /** Compare train-mode outputs, running statistics and gradients too. */
  train: boolean;
  /** How to draw the source's own dropout masks in train mode. */
  sourceDropout?: SourceInitPlan;
  /** Successive calls to compare, for models that carry state of their own from call to call. */
  calls: number;
  /** Training step functions to run in both languages. */
  steps: TrainStep[];
  notes: string[];
}

/** What can be compared: every method the reference can apply and whose input sizes are known. */
function checkPlan(t: Translation): CheckPlan {
  const { program, entryConfig } = t.analysis;
  const root = program.modules.find((m) => m.name === program.entry.module)!;
  const notes: string[] = [];
  const leading = program.entry.inputs[0]?.shape.slice(0, -1) ?? [1];
  const methods: PlannedMethod[] = [];
  for (const method of root.methods) {
    const apply = program.reference.apply[method.name];
    const main = method.name === program.entry.method;
    if (apply === undefined) {
      notes.push(`${methodName(method.name)}() not compared: the source gives no way to apply it on its own`);
      continue;
    }
    if (main) {
      methods.push({ name: method.name, main, apply, inputs: program.entry.inputs });
      continue;
    }
    if (method.params.some((p) => p.modeFlag)) {
      notes.push(`${methodName(method.name)}() not compared: it takes a train/eval flag`);
      continue;
    }
    const sizes = inputParams(method).map((p) => (p.size ? evaluate(p.size, entryConfig) : undefined));
    if (sizes.some((n) => typeof n !== "number")) {
      notes.push(`${methodName(method.name)}() not compared: the size of its input is not known`);
      continue;
    }
    const inputs = inputParams(method).map((p, i) => ({ name: p.name, shape: [...leading, sizes[i] as number], dtype: "float32" as const }));
    methods.push({ name: method.name, main, apply, inputs });
  }
  const modal = root.methods.find((m) => m.name === program.entry.method)?.params.some((p) => p.modeFlag) ?? false;
  const dropout = program.modules.some((m) => m.children.some((c) => c.ctor.kind === "layer" && c.ctor.layer === "Dropout"));
  const sourceDropout = dropout && t.analysis.sourceInit?.dropout ? t.analysis.sourceInit : undefined;
  const noMasks = t.analysis.sourceDropoutMissing ?? "the source's dropout keys could not be reproduced";
  if (modal && dropout && !sourceDropout) notes.push(`train mode not compared: ${noMasks}`);
  const stateful = t.paramMap.params.some((p) => p.type !== "Param" && p.type !== "BatchStat");
  const steps = program.training?.steps ?? [];
  if (steps.length && dropout && !sourceDropout) notes.push(`training steps not compared: ${noMasks}`);
  return {
    methods,
    train: modal && (!dropout || !!sourceDropout) && methods.some((m) => m.main),
    sourceDropout,
    calls: stateful ? 3 : 0,
    steps: dropout && !sourceDropout ? [] : steps,
    notes,
  };
}

/** The translation's own initial parameters for the seed, against the original's (before any weights are copied). */
const EXACT: Tolerance = { atol: 0, rtol: 0 };

function checkSourceInit(t: Translation, generated: Record<string, unknown>, tensors: Record<string, Tensor>, runtime: Runtime, seed: number, report: VerifyReport, tolerance: Tolerance): void {
  const factory = t.paramMap.seededFactory;
  if (!factory) {
    report.notes.push(`initial parameters not compared: ${t.analysis.sourceInitMissing ?? "not reproduced"}; weights are copied instead`);
    return;
  }
  let model: Module | undefined;
  try {
    model = (generated[factory] as (seed: number) => Module)(seed);
    const variables = variablesByPath(model, runtime);
    for (const entry of t.paramMap.params.filter((p) => p.type === "Param")) {
      const v = variables.get(entry.nnx);
      const expected = tensors[`param/${entry.source}`];
      if (!v || !expected) continue; // reported by the parameter tree check
      // Drawn with JAX's own algorithms (runtime/random), so equal to the bit: no tolerance.
      report.checks.push(check(`init ${entry.source} → ${entry.nnx}`, "init", v.value as Tensor, reshaped(expected, entry.shape, runtime.tf), EXACT));
    }
    // The state the model starts with: the initializers' values (Haiku's init collects initial
    // state; Linen's updates are guarded by is_initializing()), except Haiku batch norm's
    // averages, made during init's own forward pass, which the seeded factory replays.
    for (const entry of t.paramMap.params.filter((p) => p.type !== "Param")) {
      const v = variables.get(entry.nnx);
      const expected = tensors[`initstate/${entry.source}`] ?? tensors[`param/${entry.source}`];
      if (!v || !expected) continue;
      report.checks.push(check(`init state ${entry.source} → ${entry.nnx}`, "state", v.value as Tensor, reshaped(expected, entry.shape, runtime.tf), tolerance));
    }
  } finally {
    if (model) runtime.nnx.dispose(model);
  }
}

function referenceSpec(t: Translation, seed: number, plan: CheckPlan): ReferenceSpec {
  const { program } = t.analysis;
  const root = program.modules.find((m) => m.name === program.entry.module)!;
  const method = root.methods.find((m) => m.name === program.entry.method)!;
  const flags: ReferenceSpec["flags"] = {};
  for (const [callName, param] of Object.entries(program.reference.flags)) {
    const flag = method.params.find((p) => p.name === param)?.modeFlag;
    flags[callName] = { eval: flag ? !flag.trainWhen : false, init: program.entry.modeArgs[param] ?? false };
  }
  const { train, methods, calls } = plan;
  const { framework, object, applyRng } = program.reference;
  const steps = stepSpecs(t).filter((s) => plan.steps.some((p) => p.name === s.function));
  return { file: program.file, framework, object, applyRng, flags, train, calls, methods, steps, inputs: program.entry.inputs, seed };
}

/** Calls `method` (by its TypeScript name) on a model with fixed inputs. */
function callOf(method: Method, inputs: Tensor[]): (m: Module) => Tensor {
  return (m) => (m as unknown as Record<string, (...a: Tensor[]) => Tensor>)[methodName(method.name)](...inputs);
}

