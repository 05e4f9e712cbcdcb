// optax optimizers (optax/_src/alias.py): chains of the transformations.

import {
  type AdamOptions,
  type GradientTransformation,
  type MaskTree,
  type ScalarOrSchedule,
  addDecayedWeights,
  chain,
  identity,
  scaleByAdam,
  scaleByLearningRate,
  trace,
} from "./transform.js";
import type { Tree } from "./tree.js";

/** optax.sgd: optional momentum trace, then scale by -learningRate. */
export function sgd(
  learningRate: ScalarOrSchedule,
  { momentum, nesterov = false }: { momentum?: number | null; nesterov?: boolean } = {},
): GradientTransformation<any> {
  const opt = momentum !== undefined && momentum !== null ? trace({ decay: momentum, nesterov }) : identity();
  return chain(opt, scaleByLearningRate(learningRate));
}

/** optax.adam. */
export function adam(learningRate: ScalarOrSchedule, options: AdamOptions = {}): GradientTransformation<any> {
  return chain(scaleByAdam(options), scaleByLearningRate(learningRate));
}

export interface AdamWOptions extends AdamOptions {
  weightDecay?: number;
  mask?: MaskTree | ((params: Tree) => MaskTree);
}

/** optax.adamw: Adam, then + weightDecay * params, then scale by -learningRate. */
export function adamw(learningRate: ScalarOrSchedule, options: AdamWOptions = {}): GradientTransformation<any> {
  const { weightDecay = 1e-4, mask, ...adamOptions } = options;
  return chain(scaleByAdam(adamOptions), addDecayedWeights(weightDecay, mask), scaleByLearningRate(learningRate));
}
