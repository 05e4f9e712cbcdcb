// The fixture's spec from what this verify ran: its check plan, the translation
// and the tolerance (src/verify/fixture.ts writes the files from it).
import { evaluate } from "../analyze/evaluate.js";
import { methodName } from "../emit/expressions.js";
import { inputParams } from "../ir/walk.js";
import { nnxName, OPTIMIZER_FACTORY } from "../ir/naming.js";
import type { Translation } from "../pipeline.js";
import type { Tolerance } from "./compare.js";
import type { FixtureSpec } from "./fixture.js";
import type { CheckPlan } from "./index.js";
import { afterSteps, STEP_COUNT, STEPS_RECORDED } from "./training.js";

export function fixtureSpec(t: Translation, plan: CheckPlan, tolerance: Tolerance, seed: number): FixtureSpec {
  const { program } = t.analysis;
  const root = program.modules.find((m) => m.name === program.entry.module)!;
  const optimizer = program.training?.optimizer;
  return {
    framework: program.reference.framework === "haiku" ? "Haiku" : "Flax Linen",
    code: t.code,
    paramMap: t.paramMap,
    modal: root.methods.some((m) => m.params.some((p) => p.modeFlag)),
    seed,
    tolerance,
    methods: plan.methods.map((m) => {
      const method = root.methods.find((x) => x.name === m.name)!;
      const inputs = m.main ? inputParams(method).map((p) => `input/${p.name}`) : m.inputs.map((i) => `method/${m.name}/input/${i.name}`);
      return { ts: methodName(m.name), prefix: m.main ? "" : `method/${m.name}/`, inputs, main: m.main };
    }),
    calls: plan.calls,
    train: plan.train ? { dropoutKeys: !!plan.sourceDropout } : undefined,
    steps: plan.steps.map((step) => {
      const opt = step.update.kind === "optimizer" ? optimizer : undefined;
      // Adam's ill-conditioned elements: the allowance verify gives each array (see afterSteps).
      const allowances: Record<string, Tolerance> = {};
      for (const n of STEPS_RECORDED) {
        for (const e of t.paramMap.params) {
          const tol = afterSteps(tolerance, opt, n, e.shape.reduce((a, b) => a * b, 1));
          if (tol.outliers) allowances[`${n}:${e.nnx}`] = tol;
        }
      }
      return {
        name: step.name,
        ts: nnxName(step.name),
        optimizer: step.params.some((p) => p.role.kind === "trainState" || p.role.kind === "optState") ? OPTIMIZER_FACTORY : undefined,
        data: step.params.filter((p) => p.role.kind === "input" || p.role.kind === "labels").map((p) => p.name),
        count: STEP_COUNT,
        record: STEPS_RECORDED,
        allowances,
        optimizerLabel: opt ? `optax.${opt.transform}(${evaluate(opt.learningRate, {})})` : undefined,
      };
    }),
  };
}
