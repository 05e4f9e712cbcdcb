// Initial parameters as the source framework draws them from a seed, so that a
// translated program built from seed s starts from the very weights the
// original's `init(jax.random.key(s), ...)` gives: Linen derives each
// parameter's key from its scope path (flax/core/scope.py), Haiku draws keys
// from one PRNGSequence in execution order (haiku/_src/base.py).
import { toFlatState } from "./state.js";
import { state } from "./graph.js";
import { Param, type Variable } from "./variables.js";
import { key as seedKey, type Key } from "./random/index.js";
import { linenKey } from "./random/linen.js";
import { HaikuKeySequence, haikuLinearWInit } from "./random/haiku.js";
import { lecunNormal, ones, zeros, type Initializer } from "./nn/initializers.js";
import { Dropout } from "./nn/stochastic.js";

/** The frameworks' default initializers, by name, as generated code records them. */
export type SourceInitializer = "lecunNormal" | "zeros" | "ones" | "haikuFanInTruncatedNormal";

export interface SourceInitParam {
  /** Dotted path of the Param in the NNX module. */
  path: string;
  init: SourceInitializer;
  /** Linen: the module's scope path (root excluded) and its make_rng('params') count there. */
  scope?: string[];
  counter?: number;
  /** Haiku: which key of the init call's PRNGSequence (0-based) the initializer receives. */
  draw?: number;
}

export interface SourceInit {
  keys: "linen" | "haiku";
  params: SourceInitParam[];
  /** Haiku: keys the init call draws in all, dropout's hk.next_rng_key() included. */
  draws?: number;
  /** The model's Dropout layers; Linen: with the scope path its masks' keys are derived in. */
  dropout?: Array<{ path: string; scope?: string[] }>;
}

const INITIALIZERS: Record<SourceInitializer, (shape: number[]) => Initializer> = {
  lecunNormal: () => lecunNormal(),
  zeros: () => zeros,
  ones: () => ones,
  // hk.Linear: TruncatedNormal(1/sqrt(fan_in)) with fan_in the input size.
  haikuFanInTruncatedNormal: (shape) => haikuLinearWInit(shape.slice(0, -1).reduce((a, b) => a * b, 1)),
};

/**
 * Makes the model's Dropout layers draw the masks the source's next
 * `apply(..., rng=jax.random.key(seed))` (Haiku) or
 * `apply(..., rngs={"dropout": jax.random.key(seed)})` (Linen) would: Linen
 * counts make_rng calls per layer scope; Haiku hands out one key sequence in
 * call order. Call it again before each step that stands for a new apply.
 */
export function useSourceDropoutKeys(model: object, plan: SourceInit, seed: number): void {
  const root = seedKey(seed);
  const haiku = new HaikuKeySequence(root);
  for (const d of plan.dropout ?? []) {
    const layer = moduleAt(model, d.path);
    if (!(layer instanceof Dropout)) throw new Error(`useSourceDropoutKeys: no Dropout at ${d.path}`);
    let counter = 0;
    layer.rngs = plan.keys === "haiku" ? haiku : { next: () => linenKey(root, d.scope ?? [], ++counter) };
  }
}

function moduleAt(model: object, path: string): unknown {
  return path.split(".").reduce<unknown>((node, k) => (node as Record<string, unknown> | undefined)?.[k], model);
}

/** Re-draws every Param listed in `plan` as the source would from `seed`. */
export function initFromSource(model: object, plan: SourceInit, seed: number): void {
  const root = seedKey(seed);
  const haikuKeys: Key[] = [];
  if (plan.keys === "haiku") {
    const sequence = new HaikuKeySequence(root);
    for (let i = 0; i < (plan.draws ?? 0); i++) haikuKeys.push(sequence.next());
  }
  const params = new Map(
    toFlatState(state(model, Param)).map(([path, v]) => [path.join("."), v as Variable]),
  );
  for (const p of plan.params) {
    const variable = params.get(p.path);
    if (!variable) throw new Error(`initFromSource: the model has no Param at ${p.path}`);
    const shape = variable.value.shape;
    let key: Key = root; // ignored by initializers that draw nothing
    if (plan.keys === "linen" && p.counter !== undefined) key = linenKey(root, p.scope ?? [], p.counter);
    if (plan.keys === "haiku" && p.draw !== undefined) key = haikuKeys[p.draw];
    variable.value = INITIALIZERS[p.init](shape)(key, shape, "float32");
  }
}
