// analyze: completes the module model for an eager NNX program: train/eval
// modes, input sizes, the entry's concrete configuration and the param map.
import type { DiagnosticBag } from "../diagnostics.js";
import type { Program, SampleInput } from "../ir/model.js";
import { inputParams } from "../ir/walk.js";
import { evaluate, type Value } from "./evaluate.js";
import { liftModes } from "./modes.js";
import { moduleOf } from "./order.js";
import { buildParamMap, type ParamMapEntry } from "./params.js";
import { inferShapes } from "./shapes.js";
import { checkStacks } from "./stacks.js";
import { sourceInitPlan, type SourceInitPlan } from "./source-init.js";

export interface Analysis {
  program: Program;
  /** The root module's configuration as numbers, including synthesized sizes. */
  entryConfig: Record<string, Value>;
  paramMap: ParamMapEntry[];
  /** How the source draws its initial parameters from a seed, when every initializer is known. */
  sourceInit?: SourceInitPlan;
  /** Why there is no such plan. */
  sourceInitMissing?: string;
  /** Why the source's dropout masks cannot be reproduced, when the plan has none for a model with dropout. */
  sourceDropoutMissing?: string;
  /** The constant sample inputs the seeded factory replays init's own call with (plan `fromCall`). */
  sourceInitInputs?: SampleInput[];
}

export function analyze(program: Program, diags: DiagnosticBag): Analysis {
  liftModes(program, diags);
  checkStacks(program, diags);
  inferShapes(program, diags);
  diags.throwIfErrors();

  const root = moduleOf(program, program.entry.module);
  const method = root.methods.find((m) => m.name === program.entry.method)!;
  for (const [flag] of Object.entries(program.entry.modeArgs)) {
    const p = method.params.find((q) => q.name === flag);
    if (!p?.modeFlag) {
      diags.error("NNX303", `the entry point passes '${flag}', which nnxport could not turn into train/eval mode`, program.entry.span);
    }
  }
  const entryConfig: Record<string, Value> = {};
  for (const f of root.config) {
    if (f.modeFlag) continue;
    if (f.synthesized) {
      const i = inputParams(method).findIndex((p) => p.name === f.synthesized!.fromInput);
      const sample = program.entry.inputs[i];
      if (sample) entryConfig[f.name] = sample.shape[sample.shape.length - 1];
      continue;
    }
    const e = program.entry.config[f.name] ?? f.default;
    const v = e && evaluate(e, {});
    if (v === undefined) diags.error("NNX305", `the entry point's '${f.name}' is not a constant`, program.entry.span);
    else entryConfig[f.name] = v;
  }
  diags.throwIfErrors();
  const paramMap = buildParamMap(program, entryConfig, diags);
  diags.throwIfErrors();
  const { plan, reason, dropoutMissing, initInputs } = sourceInitPlan(program);
  return { program, entryConfig, paramMap, sourceInit: plan, sourceInitMissing: reason, sourceDropoutMissing: dropoutMissing, sourceInitInputs: initInputs };
}
