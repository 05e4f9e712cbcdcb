// verify for training code: the source's own step function and its
// translation each train the same initial model for a few steps, on the same
// data (and, where the model draws dropout masks, the same masks); every
// variable must agree after the first step and after the last.
import type { SourceInitPlan } from "../analyze/source-init.js";
import { nnxName, OPTIMIZER_FACTORY } from "../ir/naming.js";
import type { StepRole, StepResult, TrainStep } from "../ir/training.js";
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

/** Trains a fresh copy of the translated model with the generated step; returns the comparisons. */
export function checkStep(step: TrainStep, ctx: StepContext): CheckResult[] {
  const { translation: t, generated, tensors, runtime, seed, tolerance } = ctx;
  const { nnx, tf } = runtime;
  const results: CheckResult[] = [];
  const model = (generated[t.paramMap.factory] as (r: unknown) => Module)(new nnx.Rngs(seed));
  let optimizer: object | undefined;
  try {
    loadParams(t, model, tensors, runtime); // problems are the parameter tree check's to report
    ctx.tamper?.(model, runtime);
    if (step.params.some((p) => p.role.kind === "trainState")) optimizer = (generated[OPTIMIZER_FACTORY] as (m: Module) => object)(model);
    const run = generated[nnxName(step.name)] as (...args: unknown[]) => Tensor | undefined;
    const data = step.params.filter((p) => p.role.kind === "input" || p.role.kind === "labels");
    const variables = variablesByPath(model, runtime);
    const prefix = `steps/${step.name}/`;
    for (let i = 0; i < STEP_COUNT; i++) {
      if (ctx.sourceDropout) nnx.useSourceDropoutKeys(model, ctx.sourceDropout, seed + 1 + i);
      const args = data.map((p) => tensors[`${prefix}${i}/${p.name}`]);
      const loss = run(model, ...(optimizer ? [optimizer] : []), ...args);
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
        results.push(check(`${label}: ${entry.source} → ${entry.nnx}`, "step", v.value as Tensor, expected && reshaped(expected, entry.shape, tf), tolerance));
      }
    }
  } finally {
    nnx.dispose(model);
    if (optimizer) nnx.dispose(optimizer);
  }
  return results;
}
