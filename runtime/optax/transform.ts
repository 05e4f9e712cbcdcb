// optax GradientTransformations (optax/_src/{base,transform,combine}.py,
// optax/transforms/{_accumulation,_adding}.py), written op for op as optax does
// so float32 results match.
//
// Transformations are pure: init/update return new tensors and never dispose
// their inputs. Run them inside tf.tidy (nnx.Optimizer does).

import { tf } from "../tf.js";
import { type Tree, treeMap, treeZerosLike } from "./tree.js";

/** An optimizer state: nested arrays/objects of tensors. */
export type OptState = Tree;

export interface GradientTransformation<S = OptState> {
  init(params: Tree): S;
  update(updates: Tree, state: S, params?: Tree): [Tree, S];
}

/** A learning rate or a schedule count -> learning rate. */
export type ScalarOrSchedule = number | ((count: tf.Tensor) => tf.Tensor | number);

const EMPTY: OptState = {};

/** optax.identity. */
export function identity(): GradientTransformation {
  return { init: () => EMPTY, update: (updates, state) => [updates, state] };
}

/** optax.chain: apply transformations in order; state is the list of their states. */
export function chain(...txs: GradientTransformation<any>[]): GradientTransformation<OptState[]> {
  return {
    init: (params) => txs.map((t) => t.init(params)),
    update: (updates, state, params) => {
      const newState: OptState[] = [];
      txs.forEach((t, i) => {
        const [u, s] = t.update(updates, state[i], params);
        updates = u;
        newState.push(s);
      });
      return [updates, newState];
    },
  };
}

/** optax.scale: updates * stepSize. */
export function scale(stepSize: number): GradientTransformation {
  return {
    init: () => EMPTY,
    update: (updates, state) => [treeMap((g: tf.Tensor) => tf.mul(stepSize, g), updates), state],
  };
}

/** optax.numerics.safe_increment for an int32 counter. */
export function safeIncrement(count: tf.Tensor): tf.Tensor {
  const max = 2147483647;
  return tf.tidy(() => tf.where(tf.less(count, max), tf.add(count, tf.scalar(1, "int32")), tf.scalar(max, "int32")));
}

/** optax.scale_by_schedule: updates * schedule(count); state {count}. */
export function scaleBySchedule(
  stepSizeFn: (count: tf.Tensor) => tf.Tensor | number,
): GradientTransformation<{ count: tf.Tensor }> {
  return {
    init: () => ({ count: tf.scalar(0, "int32") }),
    update: (updates, state) => {
      const stepSize = stepSizeFn(state.count);
      const out = treeMap((g: tf.Tensor) => tf.mul(stepSize, g), updates);
      return [out, { count: safeIncrement(state.count) }];
    },
  };
}

/** optax.scale_by_learning_rate: scale by -lr (flipSign) or a schedule. */
export function scaleByLearningRate(learningRate: ScalarOrSchedule, flipSign = true): GradientTransformation<any> {
  const m = flipSign ? -1 : 1;
  if (typeof learningRate === "function") {
    return scaleBySchedule((count) => {
      const lr = learningRate(count);
      return typeof lr === "number" ? m * lr : tf.mul(m, lr);
    });
  }
  return scale(m * learningRate);
}

/** optax.trace: trace = g + decay * trace; updates = trace (or g + decay * trace with Nesterov). */
export function trace({ decay, nesterov = false }: { decay: number; nesterov?: boolean }): GradientTransformation<{
  trace: Tree;
}> {
  return {
    init: (params) => ({ trace: treeZerosLike(params) }),
    update: (updates, state) => {
      const f = (g: tf.Tensor, t: tf.Tensor) => tf.add(g, tf.mul(decay, t));
      const newTrace = treeMap(f, updates, state.trace);
      const out = nesterov ? treeMap(f, updates, newTrace) : newTrace;
      return [out, { trace: newTrace }];
    },
  };
}

/** (1 - decay) * g**order + decay * t (optax.tree.update_moment). */
function updateMoment(updates: Tree, moments: Tree, decay: number, order: 1 | 2): Tree {
  return treeMap(
    (g: tf.Tensor, t: tf.Tensor) => tf.add(tf.mul(1 - decay, order === 1 ? g : tf.square(g)), tf.mul(decay, t)),
    updates,
    moments,
  );
}

/** t / (1 - decay**count) (optax.tree.bias_correction). */
function biasCorrection(moment: Tree, decay: number, count: tf.Tensor): Tree {
  const correction = tf.sub(1, tf.pow(tf.scalar(decay, "float32"), tf.cast(count, "float32")));
  return treeMap((t: tf.Tensor) => tf.div(t, correction), moment);
}

export interface ScaleByAdamState {
  count: tf.Tensor;
  mu: Tree;
  nu: Tree;
}

export interface AdamOptions {
  b1?: number;
  b2?: number;
  eps?: number;
  epsRoot?: number;
  nesterov?: boolean;
}

/** optax.scale_by_adam. */
export function scaleByAdam({
  b1 = 0.9,
  b2 = 0.999,
  eps = 1e-8,
  epsRoot = 0.0,
  nesterov = false,
}: AdamOptions = {}): GradientTransformation<ScaleByAdamState> {
  return {
    init: (params) => ({ count: tf.scalar(0, "int32"), mu: treeZerosLike(params), nu: treeZerosLike(params) }),
    update: (updates, state) => {
      const mu = updateMoment(updates, state.mu, b1, 1);
      const nu = updateMoment(updates, state.nu, b2, 2);
      const countInc = safeIncrement(state.count);
      let muHat: Tree;
      if (nesterov) {
        muHat = treeMap(
          (m: tf.Tensor, g: tf.Tensor) => tf.add(tf.mul(b1, m), tf.mul(1 - b1, g)),
          biasCorrection(mu, b1, safeIncrement(countInc)),
          biasCorrection(updates, b1, countInc),
        );
      } else {
        muHat = biasCorrection(mu, b1, countInc);
      }
      const nuHat = biasCorrection(nu, b2, countInc);
      const out = treeMap(
        (m: tf.Tensor, v: tf.Tensor) => tf.div(m, tf.add(tf.sqrt(tf.add(v, epsRoot)), eps)),
        muHat,
        nuHat,
      );
      return [out, { count: countInc, mu, nu }];
    },
  };
}

/**
 * optax.add_decayed_weights: updates + weightDecay * params. `mask` (a tree of
 * booleans like params, or a function of params returning one) limits it.
 */
export function addDecayedWeights(
  weightDecay: number = 0.0,
  mask?: MaskTree | ((params: Tree) => MaskTree),
): GradientTransformation {
  return {
    init: () => EMPTY,
    update: (updates, state, params) => {
      if (params === undefined) throw new Error("add_decayed_weights requires params to be passed to update()");
      if (weightDecay === 0.0) return [updates, state];
      const m = typeof mask === "function" ? mask(params) : mask;
      const decay = (g: tf.Tensor, p: tf.Tensor) => tf.add(g, tf.mul(weightDecay, p));
      return [m === undefined ? treeMap(decay, updates, params) : maskedMap(decay, updates, params, m), state];
    },
  };
}

export type MaskTree = boolean | readonly MaskTree[] | { readonly [key: string]: MaskTree };

function maskedMap(f: (g: tf.Tensor, p: tf.Tensor) => tf.Tensor, updates: Tree, params: Tree, mask: MaskTree): Tree {
  if (typeof mask === "boolean") return mask ? treeMap(f, updates, params) : updates;
  if (Array.isArray(mask)) {
    return (updates as Tree[]).map((u, i) => maskedMap(f, u, (params as Tree[])[i], mask[i]));
  }
  const out: Record<string, Tree> = {};
  const u = updates as Record<string, Tree>;
  const p = params as Record<string, Tree>;
  const mk = mask as Record<string, MaskTree>;
  for (const k of Object.keys(u)) out[k] = maskedMap(f, u[k], p[k], mk[k] ?? false);
  return out;
}

/** optax.apply_updates: params + updates, keeping each param's dtype. */
export function applyUpdates(params: Tree, updates: Tree): Tree {
  return treeMap((p: tf.Tensor, u: tf.Tensor) => tf.cast(tf.add(p, u), p.dtype), params, updates);
}
