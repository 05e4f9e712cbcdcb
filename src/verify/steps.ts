// verify for training code: the source's own step function and its
// translation each train the same initial model for a few steps, on the same
// data (and, where the model draws dropout masks, the same masks); what the
// step returns (its loss, metrics) must agree at every step, and every
// variable after the first step and after the last.
import type { StepRole, StepSpec } from "../stage/step-spec.js";
import { OPTIMIZER_FACTORY } from "../stage/steps.js";
import type { SourceInitPlan } from "../instantiate/index.js";
import type { ParamMapDocument } from "../translate.js";
import type { Tolerance } from "./compare.js";
import type { CheckResult } from "./index.js";
import type { JitStats } from "../../runtime/jit/jit.js";
import { check, loadParams, reshaped, variablesByPath, type Module, type Runtime, type Tensor } from "./variables.js";

/** Steps run, and after which of them the variables are compared. */
export const STEP_COUNT = 5;
export const STEPS_RECORDED = [1, STEP_COUNT];

export interface StepContext {
  paramMap: ParamMapDocument;
  generated: Record<string, unknown>;
  tensors: Record<string, Tensor>;
  runtime: Runtime;
  seed: number;
  tolerance: Tolerance;
  /** How the source draws dropout masks, when the model has dropout. */
  dropout?: SourceInitPlan;
  tamper?: (model: Module, runtime: Runtime) => void;
}

/** What the harness runs for each step. */
export function stepRuns(steps: StepSpec[]): Array<StepSpec & { count: number; record: number[] }> {
  return steps.map((s) => ({ ...s, count: STEP_COUNT, record: STEPS_RECORDED }));
}

/** Why a step cannot be compared, if it cannot. */
export function stepBlocked(step: StepSpec, generated: Record<string, unknown>, dropout: boolean): string | undefined {
  if (step.usesOptimizer && typeof generated[OPTIMIZER_FACTORY] !== "function") {
    return `${step.function} not compared: its optimizer is not built at the top level of the file (a TrainState.create or an optax optimizer), so nnxport cannot make the same one`;
  }
  if (step.usesOptimizer && !step.trainState && !step.transform) return `${step.function} not compared: the optimizer state it is given is not made at the top level of the file`;
  if (dropout && !step.keyToApply) return `${step.function} not compared: the model draws dropout masks and the step does not pass its key to the model unchanged, so the masks cannot be matched`;
  return undefined;
}

/**
 * Adam divides each gradient by its own running size plus eps (1e-8): where a
 * gradient is about as small as eps, float32 rounding (which differs between
 * XLA and TensorFlow) picks an update anywhere up to the learning rate. Among
 * ~10^5 weights a few such gradients occur by chance, so after Adam steps a
 * handful of elements per array may differ by up to 2·lr·steps; a wrong
 * translation moves nearly every element.
 */
export function afterSteps(tolerance: Tolerance, adamLearningRate: number | undefined, steps: number, size: number): Tolerance {
  if (adamLearningRate === undefined) return tolerance;
  return { ...tolerance, outliers: { count: Math.max(1, Math.floor(size * 1e-4)), bound: 2 * adamLearningRate * steps } };
}

/**
 * Trains a fresh copy of the translated model with the generated step — `fn`,
 * the compiled step or the eager one — and returns the comparisons and notes.
 */
export function checkStep(step: StepSpec, fn: string, ctx: StepContext): { checks: CheckResult[]; notes: string[] } {
  const { paramMap, generated, tensors, runtime, seed, tolerance } = ctx;
  const { nnx, tf } = runtime;
  const notes: string[] = [];
  const results: CheckResult[] = [];
  const model = (generated[paramMap.factory] as (r: unknown) => Module)(new nnx.Rngs(seed));
  let optimizer: object | undefined;
  try {
    loadParams({ paramMap }, model, tensors, runtime); // problems are the parameter tree check's to report
    ctx.tamper?.(model, runtime);
    if (step.usesOptimizer) optimizer = (generated[OPTIMIZER_FACTORY] as (m: Module) => object)(model);
    const run = generated[fn] as ((...args: unknown[]) => unknown) & { stats?: JitStats };
    const variables = variablesByPath(model, runtime);
    const prefix = `steps/${step.function}/`;
    const data = step.params.filter((p) => ["input", "labels", "batch"].includes(p.role.kind));
    for (let i = 0; i < STEP_COUNT; i++) {
      if (ctx.dropout?.dropout?.length && step.keyToApply) (nnx as unknown as { useSourceDropoutKeys: (m: Module, p: SourceInitPlan, s: number) => void }).useSourceDropoutKeys(model, ctx.dropout, seed + 1 + i);
      const args = data.map((p) => argument(p.role, `${prefix}${i}/arg/${p.name}`, tensors));
      const result = run(model, ...(optimizer ? [optimizer] : []), ...args);
      const outs = leaves(result, tf);
      outs.forEach((a, j) => results.push(check(`${fn} ${i + 1}: result${outs.length > 1 ? ` #${j}` : ""}`, "step", a, tensors[`${prefix}${i}/out/${j}`], tolerance)));
      tf.dispose(outs);
      if (!STEPS_RECORDED.includes(i + 1)) continue;
      const label = `after ${i + 1} ${fn}${i ? "s" : ""}`;
      for (const entry of paramMap.params) {
        const v = variables.get(entry.nnx);
        const expected = tensors[`${prefix}${i + 1}/param/${entry.source}`];
        if (!v || !expected) continue;
        const size = entry.shape.reduce((a, b) => a * b, 1);
        const c = check(`${label}: ${entry.source} → ${entry.nnx}`, "step", v.value as Tensor, reshaped(expected, entry.shape, tf), afterSteps(tolerance, step.adamLearningRate, i + 1, size));
        if (c.outliers) notes.push(`${c.name}: ${c.outliers} of ${size} elements differ beyond the tolerance (at most ${c.maxAbsError.toExponential(2)}), accepted as Adam's update of gradients near its eps`);
        results.push(c);
      }
    }
    const trace = run.stats?.traces.at(-1);
    if (trace) notes.push(trace.mode === "eager" ? `${fn} ran eagerly under nnx.jit: ${trace.reason ?? "the tracer could not express it"}` : `${fn} ran as one compiled TensorFlow graph${trace.mode === "xla" ? " (XLA)" : ""} after its first, traced call`);
  } finally {
    nnx.dispose(model);
    if (optimizer) nnx.dispose(optimizer);
  }
  return { checks: results, notes };
}

/** A step's data argument as the generated step takes it: an array, or an object of arrays. */
function argument(role: StepRole, name: string, tensors: Record<string, Tensor>): unknown {
  if (role.kind === "batch") return Object.fromEntries(Object.entries(role.entries).map(([k, r]) => [k, argument(r, `${name}/${k}`, tensors)]));
  return tensors[name];
}

/** The arrays a step returned, in order. */
function leaves(v: unknown, tf: Runtime["tf"]): Tensor[] {
  if (v instanceof tf.Tensor) return [v];
  if (Array.isArray(v)) return v.flatMap((x) => leaves(x, tf));
  if (v && typeof v === "object") return Object.values(v).flatMap((x) => leaves(x, tf));
  return [];
}
