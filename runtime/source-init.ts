// Initial parameters as the source framework draws them from a seed, so that a
// translated program built from seed s starts from the very weights the
// original's `init(jax.random.key(s), ...)` gives: Linen derives each
// parameter's key from its scope path (flax/core/scope.py), Haiku draws keys
// from one PRNGSequence in execution order (haiku/_src/base.py).
import { toFlatState } from "./state.js";
import { state } from "./graph.js";
import { Param, type Variable } from "./variables.js";
import { key as seedKey, split, type Key } from "./random/index.js";
import { tf } from "./tf.js";
import { linenKey } from "./random/linen.js";
import { HaikuKeySequence, haikuLinearWInit } from "./random/haiku.js";
import { lecunNormal, ones, zeros, type Initializer } from "./nn/initializers.js";
import { Dropout } from "./nn/stochastic.js";
import { RngStream } from "./rnglib.js";
import { useHaikuSequence } from "./hk/keys.js";

/** The frameworks' default initializers, by name (older plans name them; current ones use each Param's own). */
export type SourceInitializer = "lecunNormal" | "zeros" | "ones" | "haikuFanInTruncatedNormal";

export interface SourceInitParam {
  /** Dotted path of the Param in the NNX module. */
  path: string;
  /** The initializer by name; absent: the one the Param records (`nnx.param`, the runtime's layers). */
  init?: SourceInitializer;
  /** Linen: the module's scope path (root excluded) and its make_rng('params') count there. */
  scope?: string[];
  counter?: number;
  /** Linen, inside nn.jit: `scope` is folded into linenKey(root, base.scope, base.counter) (the key its fork_rngs made), not the root. */
  base?: { scope: string[]; counter: number };
  /** Haiku: which key of the init call's PRNGSequence (0-based) the initializer receives. */
  draw?: number;
  /**
   * The Param holds a layer stack (leading layer axis) and each layer draws its
   * own key. Haiku: `draw` then counts in the layer's own sequence, and
   * `stack.draw` is the outer key that starts the layers' chain; Linen: the
   * 'params' root is split per layer.
   */
  stack?: { draw?: number };
}

export interface SourceInit {
  keys: "linen" | "haiku";
  params: SourceInitParam[];
  /** Haiku: keys the init call draws in all, dropout's hk.next_rng_key() included. */
  draws?: number;
  /** The model's Dropout layers; Linen: with the scope path its masks' keys are derived in. */
  dropout?: SourceDropout[];
  /**
   * Variables (dotted paths) the source creates during init's own forward pass
   * (Haiku's batch-norm averages, made by set_state), and that pass's mode.
   */
  fromCall?: { keep: string[]; train?: boolean };
}

export interface SourceDropout {
  path: string;
  scope?: string[];
  /**
   * Inside a layer stack, called `callsPerLayer` times per layer. Haiku: two
   * outer keys are drawn where the stack runs and the second is split into one
   * key sequence per layer (`draw` tells stacks apart); Linen (split_rngs with
   * 'dropout'): the root is split per layer and each layer counts on from
   * its second trace (nn.scan traces twice). `once`: an nn.vmap ensemble of
   * `members`, run member by member at each call; member i's k-th call
   * counts k from split(root, members)[i] (one trace; the counts go on across calls).
   */
  stack?: { draw?: number; callsPerLayer: number; once?: boolean; members?: number };
  /** Not a layer: an RngStream the module's own code draws from (Linen make_rng(stream), Haiku hk.next_rng_key()). */
  stream?: string;
  /** Linen: the rng collection a Dropout layer draws from when it is not 'dropout' (rng_collection=...); its keys are counted alike. */
  collection?: string;
  /**
   * Linen: the stream is drawn in a step of nn.scan (nn.RNN) that splits it
   * (split_rngs={..., stream: True}), `perStep` times per step: step t's j-th
   * key (from 1) is make_rng's from split(root, steps)[t], counted from
   * perStep + j (nn.scan traces the step twice; the counts go on).
   */
  scan?: { perStep: number };
}

/**
 * How a Param's value is redrawn from a key: the initializer it records (with
 * the arguments it was called with, for `nnx.param`), else the named one.
 */
function redraw(variable: Variable, p: SourceInitParam, shape: number[]): (key: Key) => tf.Tensor {
  const init = variable.getMetadata("init") as ((key: Key, ...args: unknown[]) => tf.Tensor) | undefined;
  const args = variable.getMetadata("initArgs") as unknown[] | undefined;
  if (init) return (key) => (args ? init(key, ...args) : init(key, shape, "float32"));
  if (p.init) return (key) => INITIALIZERS[p.init!](shape)(key, shape, "float32");
  throw new Error(`initFromSource: the Param at ${p.path} records no initializer`);
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
  // Haiku: one context per layer stack, drawn from the outer sequence when its first layer runs.
  const stacks = new Map<number, HaikuStackKeys>();
  for (const d of plan.dropout ?? []) {
    const layer = moduleAt(model, d.path);
    if (d.stream) {
      // An RngStream (callable): its next() draws the source's keys instead.
      if (!(layer instanceof RngStream)) throw new Error(`useSourceDropoutKeys: no RngStream at ${d.path}`);
      let count = 0;
      const scan = d.scan && d.scan.perStep > 0 ? d.scan : undefined;
      const linen = scan
        ? () => {
            const [step, j] = [Math.floor(count / scan.perStep), (count % scan.perStep) + 1];
            count++;
            // split(key, n)[i] does not depend on n (threefry hashes the index alone).
            return linenKey(split(root, step + 1)[step], d.scope ?? [], scan.perStep + j);
          }
        : () => linenKey(root, d.scope ?? [], ++count);
      if (plan.keys === "haiku") useHaikuSequence(layer, haiku);
      else Object.defineProperty(layer, "next", { value: linen, configurable: true, writable: true });
      continue;
    }
    // nnx.Dropout, or a layer that draws its dropout keys from `rngs` (MultiHeadAttention).
    if (!(layer instanceof Dropout) && !(layer instanceof Object && "rngs" in layer)) throw new Error(`useSourceDropoutKeys: no Dropout at ${d.path}`);
    let calls = 0;
    const target = layer as { rngs: { next(): Key } | null };
    if (plan.keys === "linen") {
      // In a stack (which splits the dropout rng), layer i counts from split(root, L)[i].
      const perLayer = d.stack?.callsPerLayer;
      target.rngs = {
        next: () => {
          if (!perLayer) return linenKey(root, d.scope ?? [], ++calls);
          const members = d.stack!.once ? d.stack!.members : undefined;
          if (members) {
            const [member, round] = [calls % members, Math.floor(calls / members)];
            calls++;
            return linenKey(split(root, member + 1)[member], d.scope ?? [], round + 1);
          }
          // Linen traces the scanned body twice and counts in both: the second trace's counts are used.
          const [layerIndex, count] = [Math.floor(calls / perLayer), perLayer + (calls % perLayer) + 1];
          calls++;
          return linenKey(split(root, layerIndex + 1)[layerIndex], d.scope ?? [], count);
        },
      };
    } else if (d.stack) {
      const group = d.stack.draw ?? 0;
      if (!stacks.has(group)) stacks.set(group, new HaikuStackKeys(haiku));
      const keys = stacks.get(group)!;
      const perLayer = d.stack.callsPerLayer;
      target.rngs = { next: () => keys.layer(Math.floor(calls++ / perLayer)).next() };
    } else {
      target.rngs = haiku;
    }
  }
}

/**
 * A Haiku layer_stack's apply keys: it draws two keys from the outer sequence
 * (the first for its lifted init, unused in apply; the second split into one
 * key per layer), and each layer's hk.next_rng_key() draws from a sequence of
 * its own.
 */
class HaikuStackKeys {
  private readonly layers: HaikuKeySequence[] = [];
  private applyKey?: Key;
  constructor(private readonly outer: HaikuKeySequence) {}

  layer(i: number): HaikuKeySequence {
    if (!this.applyKey) {
      this.outer.next();
      this.applyKey = this.outer.next();
    }
    // split(key, n)[i] does not depend on n (threefry hashes the index alone).
    this.layers[i] ??= new HaikuKeySequence(split(this.applyKey, i + 1)[i]);
    return this.layers[i];
  }
}

/**
 * Replays the source's init call (`run`, on its sample input, in its mode) and
 * keeps what it set in `plan.fromCall.keep`; every other variable is put back.
 */
export function stateFromInitCall(model: object, plan: SourceInit, run: () => unknown): void {
  const { keep = [], train } = plan.fromCall ?? {};
  const kept = new Set(keep);
  const saved = toFlatState(state(model))
    .map(([path, v]) => [path.join("."), v as Variable] as const)
    .filter(([path]) => !kept.has(path))
    .map(([path, v]) => [v, v.value instanceof tf.Tensor ? tf.clone(v.value) : v.value] as const);
  const modal = model as { train?: () => void; eval?: () => void };
  if (train === true) modal.train?.();
  if (train === false) modal.eval?.();
  try {
    tf.tidy(() => {
      run();
    });
  } finally {
    for (const [v, value] of saved) v.value = value;
    if (train === false) modal.train?.(); // a new module is in training mode
  }
}

function moduleAt(model: object, path: string): unknown {
  // "": the model itself.
  return path === "" ? model : path.split(".").reduce<unknown>((node, k) => (node as Record<string, unknown> | undefined)?.[k], model);
}

/** Re-draws every variable listed in `plan` (Params, keyed state) as the source would from `seed`. */
export function initFromSource(model: object, plan: SourceInit, seed: number): void {
  const root = seedKey(seed);
  const haikuKeys: Key[] = [];
  if (plan.keys === "haiku") {
    const sequence = new HaikuKeySequence(root);
    for (let i = 0; i < (plan.draws ?? 0); i++) haikuKeys.push(sequence.next());
  }
  // Params, and any state variable the plan lists (one the source draws a key for).
  const params = new Map(
    toFlatState(state(model, Param)).map(([path, v]) => [path.join("."), v as Variable]),
  );
  for (const [path, v] of toFlatState(state(model))) if (!params.has(path.join("."))) params.set(path.join("."), v as Variable);
  /** The key one parameter's initializer gets; inside a stack, from its layer's root key (`layerRoot`). */
  const keyFor = (p: SourceInitParam, layerRoot?: Key): Key => {
    if (plan.keys === "linen" && p.counter !== undefined) return linenKey(p.base ? linenKey(layerRoot ?? root, p.base.scope, p.base.counter) : (layerRoot ?? root), p.scope ?? [], p.counter);
    if (plan.keys === "haiku" && p.draw !== undefined) {
      if (!layerRoot) return haikuKeys[p.draw];
      const sequence = new HaikuKeySequence(layerRoot);
      for (let i = 0; i < p.draw; i++) sequence.next();
      return sequence.next();
    }
    return root; // ignored by initializers that draw nothing
  };
  for (const p of plan.params) {
    // A constant initializer draws no key: its value is the one built.
    if (p.counter === undefined && p.draw === undefined && !p.stack && !p.init) continue;
    const variable = params.get(p.path);
    if (!variable) throw new Error(`initFromSource: the model has no Param at ${p.path}`);
    const shape = variable.value.shape;
    if (!p.stack) {
      variable.value = redraw(variable, p, shape)(keyFor(p));
      continue;
    }
    const [length, ...layerShape] = shape;
    const layerRoots = stackRoots(plan, p, root, haikuKeys, length);
    const draw = redraw(variable, p, layerShape);
    const layers = layerRoots.map((k) => draw(keyFor(p, k)));
    variable.value = tf.tidy(() => tf.stack(layers));
    tf.dispose(layers);
  }
}

/**
 * Each layer's root key in a stack. Haiku's layer_stack chains them from one
 * outer key: (layer key, next, apply key) = split(previous next, 3); Linen's
 * nn.scan splits the 'params' root into one key per layer.
 */
function stackRoots(plan: SourceInit, p: SourceInitParam, root: Key, haikuKeys: Key[], length: number): Key[] {
  if (plan.keys === "linen") return split(root, length);
  const out: Key[] = [];
  let chain = haikuKeys[p.stack!.draw!];
  for (let i = 0; i < length; i++) {
    const [layerKey, next] = split(chain, 3);
    out.push(layerKey);
    chain = next;
  }
  return out;
}
