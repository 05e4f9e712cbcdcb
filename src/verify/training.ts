// verify for training code: the source's own step function and its
// translation each train the same initial model for a few steps, on the same
// data (and, where the model draws dropout masks, the same masks); every
// variable must agree after the first step and after the last.
import type { SourceInitPlan } from "../analyze/source-init.js";
import { nnxName, OPTIMIZER_FACTORY } from "../ir/naming.js";
import type { OptimizerDef, StepRole, StepResult, TrainStep } from "../ir/training.js";
import { evaluate } from "../analyze/evaluate.js";
import type { Translation } from "../pipeline.js";
import type { Tolerance } from "./compare.js";
import type { CheckResult } from "./index.js";
import { check, loadParams, reshaped, variablesByPath, type Module, type Runtime, type Tensor } from "./variables.js";

/** Steps run, and after which of them the variables are compared. */
export const STEP_COUNT = 5;
export const STEPS_RECORDED = [1, STEP_COUNT];

/** What the Python harness needs to run one step function. */
export interface StepSpec {
  function: string;
  params: Array<{ name: string; role: StepRole }>;
  returns: StepResult[];
  /** The top-level TrainState the step's optimizer comes from. */
  trainState?: string;
  /** Its own fields, and the variable collection each holds. */
  trainStateFields: Record<string, string>;
  /** The top-level optax transform whose state the step threads (`opt_state`). */
  transform?: string;
  count: number;
  record: number[];
}

export function stepSpecs(t: Translation): StepSpec[] {
  const training = t.analysis.program.training;
  return (training?.steps ?? []).map((s) => ({
    function: s.name,
    params: s.params.map((p) => ({ name: p.name, role: p.role })),
    returns: s.returns,
    trainStateFields: s.trainStateFields,
    trainState: s.params.some((p) => p.role.kind === "trainState") ? training?.optimizer?.object : undefined,
    transform: s.params.some((p) => p.role.kind === "optState") ? training?.optimizer?.object : undefined,
    count: STEP_COUNT,
    record: STEPS_RECORDED,
  }));
}

export interface StepContext {
  translation: Translation;
  generated: Record<string, unknown>;
  tensors: Record<string, Tensor>;
  runtime: Runtime;
  seed: number;
  tolerance: Tolerance;
  /** How to draw the source's dropout masks, when the model has dropout. */
  sourceDropout?: SourceInitPlan;
  tamper?: (model: Module, runtime: Runtime) => void;
}

/**
 * Adam (and AdamW) divide each gradient by its own running size plus eps
 * (1e-8): where a gradient is about as small as eps, float32 rounding, which
 * differs between XLA and TensorFlow, picks an update anywhere up to the
 * learning rate. Among ~10^5 weights a few such gradients occur by chance, so
 * after Adam steps a handful of elements per array may differ by up to
 * 2·lr·steps; a wrong translation moves nearly every element.
 */
export function afterSteps(tolerance: Tolerance, opt: OptimizerDef | undefined, steps: number, size: number): Tolerance {
  if (!opt || opt.transform === "sgd") return tolerance;
  const lr = evaluate(opt.learningRate, {});
  if (typeof lr !== "number") return tolerance;
  return { ...tolerance, outliers: { count: Math.max(1, Math.floor(size * 1e-4)), bound: 2 * lr * steps } };
}

/** Trains a fresh copy of the translated model with the generated step; returns the comparisons and notes. */
export function checkStep(step: TrainStep, ctx: StepContext): { checks: CheckResult[]; notes: string[] } {
  const { translation: t, generated, tensors, runtime, seed, tolerance } = ctx;
  const notes: string[] = [];
  const optimizer = step.update.kind === "optimizer" ? t.analysis.program.training?.optimizer : undefined;
  const { nnx, tf } = runtime;
  const results: CheckResult[] = [];
  const model = (generated[t.paramMap.factory] as (r: unknown) => Module)(new nnx.Rngs(seed));
  let opt: object | undefined;
  try {
    loadParams(t, model, tensors, runtime); // problems are the parameter tree check's to report
    ctx.tamper?.(model, runtime);
    if (step.params.some((p) => p.role.kind === "trainState" || p.role.kind === "optState")) opt = (generated[OPTIMIZER_FACTORY] as (m: Module) => object)(model);
    const run = generated[nnxName(step.name)] as (...args: unknown[]) => Tensor | undefined;
    const data = step.params.filter((p) => p.role.kind === "input" || p.role.kind === "labels");
    const variables = variablesByPath(model, runtime);
    const prefix = `steps/${step.name}/`;
    for (let i = 0; i < STEP_COUNT; i++) {
      if (ctx.sourceDropout) nnx.useSourceDropoutKeys(model, ctx.sourceDropout, seed + 1 + i);
      const args = data.map((p) => tensors[`${prefix}${i}/${p.name}`]);
      const loss = run(model, ...(opt ? [opt] : []), ...args);
      if (loss) {
        results.push(check(`${nnxName(step.name)} ${i + 1}: loss`, "step", loss, tensors[`${prefix}${i}/loss`], tolerance));
        loss.dispose();
      }
      if (!STEPS_RECORDED.includes(i + 1)) continue;
      const label = `after ${i + 1} ${nnxName(step.name)}${i ? "s" : ""}`;
      for (const entry of t.paramMap.params) {
        const v = variables.get(entry.nnx);
        const expected = tensors[`${prefix}${i + 1}/param/${entry.source}`];
        if (!v) continue; // reported by the parameter tree check
        const size = entry.shape.reduce((a, b) => a * b, 1);
        const c = check(`${label}: ${entry.source} → ${entry.nnx}`, "step", v.value as Tensor, expected && reshaped(expected, entry.shape, tf), afterSteps(tolerance, optimizer, i + 1, size));
        if (c.outliers) {
          notes.push(`${c.name}: ${c.outliers} of ${size} elements differ beyond the tolerance (at most ${c.maxAbsError.toExponential(2)}), accepted as Adam's update of gradients near its eps`);
        }
        results.push(c);
      }
    }
  } finally {
    nnx.dispose(model);
    if (opt) nnx.dispose(opt);
  }
  return { checks: results, notes };
}
