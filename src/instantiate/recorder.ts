// The recorder the instrumented constructors report to. Running the entry's
// factory with it builds the real NNX model and, beside it, what the source
// framework would call each submodule and variable: their paths in the
// source's parameter tree and how the source derives each parameter's key
// (Linen: the scope path and make_rng count; Haiku: the position in init's key
// sequence). Naming follows the frameworks' own rules (flax/linen/module.py
// autonaming; haiku/_src/module.py unique_and_canonical_name).

export interface LayerInfo {
  leaves: Record<string, string>;
  draws: string[];
  keepdims?: string[];
  flattened?: string[];
  initialFromCall?: string[];
  /** The layer draws keys per call from its `rngs` (dropout; attention dropout). */
  dropout?: boolean;
}

export interface RecordedVariable {
  /** Source path without the collection: `Block_0/Dense_0/kernel`, `model/linear/w`. */
  path: string;
  collection: string;
  keepdims?: boolean;
  /** The source holds it in another shape of the same size (several feature axes). */
  flattened?: boolean;
  /** `base`: the key the scope path is folded into (nn.jit's forked key), instead of the root. */
  linen?: { scope: string[]; counter: number; base?: { scope: string[]; counter: number } };
  haiku?: { draw: number };
  /** How the key is derived is not known (an initializer nnxport cannot see into). */
  unknownKey?: boolean;
  /** Inside a layer stack: Haiku's outer draw its layers' keys chain from. */
  stack?: { draw?: number };
}

export interface RecordedKeys {
  /** The module (or member) that draws per call, and its source scope. */
  owner: object;
  scope: string[];
  stream: string;
  /** Drawn in a scanned step whose stream nn.scan splits: `perStep` draws per step (see SourceDropout.scan). */
  scan?: { perStep: number };
  /** Its scope (the draws per call are counted there). */
  counts?: Scope;
}

interface Scope {
  /** Linen: scope path segments; Haiku: the module's full name split at '/'. */
  path: string[];
  /** The scope the module was built in. */
  parent?: Scope;
  /** Linen autoname cursors by class name; Haiku counters by name stem. */
  counters: Map<string, number>;
  /** Linen: make_rng('params') calls in this scope. */
  paramCount: number;
  /** Linen: make_rng(stream) calls in this scope, by stream ('params' is paramCount). */
  streamCounts?: Map<string, number>;
  /** Linen: make_rng('params') calls in a layer's own sub-scopes (`query`, `hf`), by sub-path. */
  subCounts?: Map<string, number>;
  /** Names fixed at construction, waiting for their build, by construction site. */
  pending: Map<number | string, string[]>;
  /** Haiku: the module adds no name (a transformed function). */
  transparent?: boolean;
  /** A layer stack's scope: each layer built in it gets a copy with its own counters. */
  stack?: StackInfo;
  /** Inside a stack: which layer, and the stack. */
  layer?: { index: number; stack: StackInfo; draws?: number };
  /** Haiku, inside a stack: each layer draws from a key sequence of its own. */
  draws?: number;
  /** Linen, inside nn.jit: its module's scope path, where each call forks the rngs (make_rng there), keys below folded from that. */
  fork?: { path: string[] };
}

interface StackInfo {
  layers: number;
  /** Haiku: the outer draw that starts the layers' key chain. */
  outerDraw?: number;
  /** Linen: streams split per layer. */
  rngs?: string[];
  /** Variables of layer 0 (the ones the stacked module keeps), for Linen's second-trace counts. */
  recorded: RecordedVariable[];
  /** Linen: traced once (nn.vmap), not twice as nn.scan does. */
  once?: boolean;
  /** nn.vmap: its members' dropout entries, given the member count when the build ends. */
  dropouts?: DropoutStack[];
}

/** A Dropout inside a layer stack; `once`: an nn.vmap ensemble of `members` (its members run in turn at each call). */
interface DropoutStack {
  draw?: number;
  callsPerLayer: number;
  once?: boolean;
  members?: number;
}

export class Recorder {
  readonly variables = new Map<object, RecordedVariable>();
  readonly keys: RecordedKeys[] = [];
  readonly dropouts: Array<{ layer: object; scope: string[]; stack?: DropoutStack; collection?: string }> = [];
  /** Variables whose initial value is what the source's init call sets them to. */
  readonly fromCall = new Set<object>();
  /** Haiku: keys init's sequence has handed out so far. */
  draws = 0;
  incomplete?: string;
  /** Why the source's dropout masks cannot be drawn (train mode is then not compared). */
  dropoutMissing?: string;
  /** Haiku: a layer stack without dropout was built (its apply draws two keys all the same). */
  private silentStack = false;
  private readonly scopes = new WeakMap<object, Scope>();
  private readonly building: Scope[] = [];

  /** Where the entry's expression runs: no module, no name (Haiku's transform, Linen's top level). */
  readonly top: object = {};

  /**
   * `keyless(v)`: the variable's initializer draws no key (Haiku's zeros, ones,
   * Constant), so Haiku's sequence does not advance for it.
   */
  constructor(
    readonly framework: "linen" | "haiku",
    private readonly keyless: (variable: object) => boolean = () => false,
  ) {
    const top: Scope = { path: [], counters: new Map(), paramCount: 0, pending: new Map(), transparent: true };
    this.scopes.set(this.top, top);
    this.building.push(top);
  }

  /** Linen: a built module's scope path (where its variables are in the source's tree). */
  scopePathOf(module: object): string[] | undefined {
    return this.scopes.get(module)?.path;
  }

  private scopeOf(self: object): Scope {
    let s = this.scopes.get(self);
    if (!s) {
      // The first event from a module under construction: the scope its build opened.
      s = this.building[this.building.length - 1];
      // In a stack, every layer gets a fresh copy (same path, own counters).
      if (s.stack) s = { ...s, stack: undefined, counters: new Map(), paramCount: 0, pending: new Map(), draws: 0, layer: { index: s.stack.layers++, stack: s.stack } };
      this.scopes.set(self, s);
    }
    return s;
  }

  construct(self: object, site: number | string, base: string, name: string | undefined, eager: boolean, method: string, segment?: string | null): void {
    const scope = this.scopeOf(self);
    const full = this.framework === "linen" ? this.linenName(scope, base, name) : this.haikuName(scope, base, name, eager, method, segment ?? undefined);
    const list = scope.pending.get(site) ?? [];
    list.push(full);
    scope.pending.set(site, list);
  }

  private linenName(scope: Scope, base: string, name: string | undefined): string {
    if (name !== undefined) return name;
    const k = scope.counters.get(base) ?? 0;
    scope.counters.set(base, k + 1);
    return `${base}_${k}`;
  }

  private haikuName(scope: Scope, base: string, name: string | undefined, eager: boolean, method: string, segment?: string): string {
    const at = name?.indexOf(`/${SELF_PATH}/`) ?? -1;
    // `<stack>/<self>/~<method>`: the stack's name made unique in this module, then the module's own full name.
    if (name && at >= 0) return `${this.haikuName(scope, base, name.slice(0, at), eager, method, segment)}/${scope.path.join("/")}${name.slice(at + SELF_PATH.length + 1)}`;
    let full = name ?? base;
    if (segment) full = `${segment}/${full}`;
    if (!scope.transparent && scope.path.length) {
      const prefix = eager ? "~/" : method !== "__call__" ? `~${method}/` : "";
      full = `${scope.path.join("/")}/${prefix}${full}`;
    }
    const m = /^(.*)_(0|[1-9]\d*)$/.exec(full);
    const [stem, explicit] = m ? [m[1], Number(m[2])] : [full, undefined];
    const n = explicit ?? scope.counters.get(stem) ?? 0;
    const unique = explicit !== undefined || n ? `${stem}_${n}` : stem;
    scope.counters.set(stem, Math.max(scope.counters.get(stem) ?? 0, n + 1));
    return unique;
  }

  /**
   * A submodule built: `site` is the construction site (a number), `field:<name>`
   * for a module given in config (constructed where the config was), or `root`.
   */
  build<T extends object>(self: object, site: number | string, layer: LayerInfo | undefined, factory: () => T, options: { transparent?: boolean; stack?: { rngs?: string[]; once?: boolean }; inner?: boolean; within?: object; fork?: boolean } = {}): T {
    const constructed = this.scopeOf(self);
    // A module Linen's setup gave to a layer is adopted by that layer (the one being built).
    // `within`: adopted by a layer built already (nn.Sequential's items pushed after it).
    const scope = options.within ? this.scopeOf(options.within) : options.inner ? this.building[this.building.length - 1] : constructed;
    let owner: Scope | undefined = constructed;
    // A module given in config was constructed (and named) where that config was built.
    while (owner && !owner.pending.get(site)?.length) owner = typeof site === "string" && site.startsWith("field:") ? owner.parent : undefined;
    const name = owner?.pending.get(site)?.shift();
    if (name === undefined) {
      this.incomplete = "a submodule was built without its construction being recorded";
      return factory();
    }
    // Linen's root module is not part of any path; Haiku's transformed function adds no name.
    const isRoot = site === "root";
    const path = options.transparent || (isRoot && this.framework === "linen") ? [] : this.framework === "linen" ? [...scope.path, name] : name.split("/");
    const child: Scope = { path, parent: scope, counters: new Map(), paramCount: 0, pending: new Map(), transparent: options.transparent, layer: scope.layer, draws: scope.layer ? 0 : undefined, fork: scope.fork };
    if (options.fork && this.framework === "linen") {
      // nn.jit: its first call's fork_rngs makes rng 'params' in the module's scope (count 1) and folds what is below from that key.
      if (scope.fork || scope.layer) this.incomplete ??= "an nn.jit inside another lifted transform";
      child.fork = { path };
      child.paramCount = 1;
    }
    if (options.stack) {
      // Haiku's layer_stack draws two keys where it runs: its layers' chain, then their applies.
      const outerDraw = this.framework === "haiku" ? this.draws : undefined;
      if (this.framework === "haiku") this.draws += 2;
      child.stack = { layers: 0, outerDraw, rngs: options.stack.rngs, recorded: [], once: options.stack.once };
    }
    this.building.push(child);
    let obj: T;
    try {
      obj = factory();
    } finally {
      this.building.pop();
    }
    if (!this.scopes.has(obj)) this.scopes.set(obj, child);
    // A Haiku stack without dropout still draws its two keys where it runs, which the replayed sequence does not count.
    if (child.stack && this.framework === "haiku" && !this.dropouts.some((d) => d.stack && d.stack.draw === child.stack!.outerDraw)) this.silentStack = true;
    if (layer) {
      // A framework layer stacked (nn.vmap(nn.Dense)): its variables are layer 0's, drawn per layer as a stack's.
      let s = this.scopes.get(obj)!;
      const stacked = !!s.stack;
      if (s.stack) s = { ...s, stack: undefined, counters: new Map(), paramCount: 0, pending: new Map(), draws: 0, layer: { index: s.stack.layers++, stack: s.stack } };
      this.layerVariables(s, obj, layer, stacked);
    }
    // nn.scan traces its body twice (the counts go on); nn.vmap (jax.vmap) once.
    if (child.stack && this.framework === "linen" && !child.stack.once) secondTrace(child.stack.recorded);
    for (const d of child.stack?.dropouts ?? []) d.members = child.stack!.layers;
    return obj;
  }

  /** A layer's own variables: named by the table's leaves; keys drawn in the table's order. */
  private layerVariables(scope: Scope, layer: object, info: LayerInfo, stacked = false): void {
    const vars = ownVariables(layer, Object.keys(info.leaves));
    // `*` in a leaf: a variable's attribute path (a runtime class whose paths are the source's); `**`: the
    // same with Haiku's `/~/` between modules made in __init__. `*` in draws: every variable, in creation order.
    const leafOf = (name: string): string => {
      if (info.leaves[name] !== undefined) return info.leaves[name];
      const t = info.leaves["*"];
      if (!t) return name;
      // `*name` entries rename one module level (hk.BatchNorm's `mean_ema` → `~/mean_ema`: made in its __init__).
      const parts = name.split(".").map((p, i, all) => (i < all.length - 1 ? (info.leaves[`*${p}`] ?? p) : p));
      return t.includes("**") ? t.replace("**", [parts.slice(0, -1).join("/~/"), parts.at(-1)].filter(Boolean).join("/")) : t.replace("*", parts.join("/"));
    };
    const made = (n: string) => (vars.get(n)!.variable as { _made?: number })._made ?? 0;
    const rest = [...vars.keys()].filter((n) => !info.draws.includes(n)).sort((a, b) => made(a) - made(b));
    info = { ...info, leaves: Object.fromEntries([...vars.keys()].map((n) => [n, leafOf(n)])), draws: info.draws.flatMap((d) => (d === "*" ? rest : [d])) };
    for (const name of info.draws) {
      const v = vars.get(name);
      if (!v) continue;
      // A leaf naming a held module (`<layerInstance>/kernel/scale`) is one name in the layer's own scope, not a sub-scope.
      const template = info.leaves[name] ?? name;
      const leaf = this.named(layer, template);
      // Linen counts every self.param; Haiku draws only for initializers that take a key.
      const draws = this.framework === "linen" || !this.keyless(v.variable);
      this.note(scope, v.variable, { ...this.pathOf(scope, leaf, v.collection, info.keepdims?.includes(name)), ...(info.flattened?.includes(name) ? { flattened: true } : {}), ...this.key(scope, draws, template.includes("<") ? undefined : leaf) });
    }
    // Names, or patterns with `*` (`*.average`: every moving average of a runtime class whose paths are Haiku's).
    const glob = (p: string) => new RegExp(`^${p.split("*").map((x) => x.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join(".*")}$`);
    for (const pattern of info.initialFromCall ?? []) {
      for (const [name, v] of vars) if (name === pattern || (pattern.includes("*") && glob(pattern).test(name))) this.fromCall.add(v.variable);
    }
    for (const [name, v] of vars) {
      if (this.variables.has(v.variable)) continue;
      this.note(scope, v.variable, { ...this.pathOf(scope, this.named(layer, info.leaves[name] ?? name), v.collection, info.keepdims?.includes(name)), ...(info.flattened?.includes(name) ? { flattened: true } : {}) });
    }
    if (isDropout(layer) || info.dropout) {
      const st = scope.layer?.stack;
      // A Dropout's own rng collection (rng_collection='noise'): the original's apply needs that stream.
      const own = (layer as { rngCollection?: unknown }).rngCollection;
      const collection = isDropout(layer) && typeof own === "string" && own !== "dropout" ? own : undefined;
      if (this.silentStack) this.dropoutMissing ??= SILENT_STACK;
      if (scope.fork) this.dropoutMissing ??= FORKED_KEYS;
      else if (!st) this.dropouts.push({ layer, scope: scope.path, ...(collection ? { collection } : {}) });
      else if (scope.layer!.index === 0) {
        // A framework layer stacked whole (nn.vmap(nn.Dropout)): its member count is not recorded, so its members' keys are not known.
        if (stacked && st.once) this.dropoutMissing ??= "the original draws dropout keys in a Linen layer under nn.vmap, whose members' keys are not replayed";
        else if (this.framework === "linen" && !st.rngs?.includes("dropout")) this.dropoutMissing ??= "the original cannot run its layer stack in train mode: the split_rngs of its nn.scan / nn.vmap has no 'dropout', so the layers get no dropout rng (Linen raises InvalidRngError)";
        else {
          const stack: DropoutStack = { ...(st.outerDraw !== undefined ? { draw: st.outerDraw } : {}), callsPerLayer: 1, ...(st.once ? { once: true, members: 0 } : {}) };
          // An ensemble's member count is known once every member is built.
          if (st.once) (st.dropouts ??= []).push(stack);
          this.dropouts.push({ layer, scope: scope.path, stack });
        }
      }
    }
  }

  /** `<field>` in a leaf: the source's name of the module the layer holds there (Linen's WeightNorm names its scales `Dense_1/kernel/scale`). */
  private named(layer: object, leaf: string): string {
    return leaf.replace(/<(\w+)>/g, (all, field: string) => {
      const held = (layer as Record<string, unknown>)[field];
      const name = held && typeof held === "object" ? this.scopes.get(held)?.path.at(-1) : undefined;
      return name ?? all;
    });
  }

  private pathOf(scope: Scope, leaf: string, collection: string, keepdims?: boolean): RecordedVariable {
    // Haiku files variables made outside any module (in the transformed function) under `~`.
    const segments = scope.transparent && !scope.path.length && this.framework === "haiku" ? ["~"] : scope.path;
    const path = [...segments, leaf].join("/");
    return keepdims ? { path, collection, keepdims: true } : { path, collection };
  }

  /**
   * The key a variable's creation draws. Linen: a leaf in a sub-scope of the
   * layer (`query/kernel`: MHA's submodule `query`) counts make_rng in that
   * sub-scope, as the submodule's own self.param does.
   */
  private key(scope: Scope, draws: boolean | "unknown", leaf?: string): Partial<RecordedVariable> {
    if (draws === "unknown") {
      this.incomplete ??= "a parameter's initializer may or may not draw a key";
      return { unknownKey: true };
    }
    if (!draws) return {};
    const stack = scope.layer ? { stack: scope.layer.stack.outerDraw !== undefined ? { draw: scope.layer.stack.outerDraw } : {} } : {};
    const sub = this.framework === "linen" && leaf?.includes("/") && !leaf.startsWith("../") ? leaf.split("/").slice(0, -1) : [];
    if (sub.length) {
      scope.subCounts ??= new Map();
      const k = sub.join("/");
      const counter = (scope.subCounts.get(k) ?? 0) + 1;
      scope.subCounts.set(k, counter);
      return { linen: this.linenKey(scope, [...scope.path, ...sub], counter), ...stack };
    }
    if (this.framework === "linen") return { linen: this.linenKey(scope, scope.path, ++scope.paramCount), ...stack };
    // Inside a stack each layer draws from its own sequence, shared by every module the layer builds.
    if (scope.layer) return { haiku: { draw: (scope.layer.draws = (scope.layer.draws ?? 0) + 1) - 1 }, ...stack };
    return { haiku: { draw: this.draws++ } };
  }

  variable<T extends object>(self: object, name: string, collection: string, draws: boolean | "unknown", factory: () => T, how: { stream?: string; fromCall?: boolean } = {}): T {
    const scope = this.scopeOf(self);
    const v = factory();
    if (how.fromCall) this.fromCall.add(v);
    // Made with the key of the scope's last make_rng(stream) (Linen).
    if (how.stream && this.framework === "linen") {
      const counter = how.stream === "params" ? scope.paramCount : (scope.streamCounts?.get(how.stream) ?? 0);
      this.note(scope, v, { ...this.pathOf(scope, name, collection), ...(counter > 0 ? { linen: this.linenKey(scope, scope.path, counter) } : {}) });
      return v;
    }
    // Linen counts every self.param's make_rng; self.variable draws none itself.
    this.note(scope, v, { ...this.pathOf(scope, name, collection), ...this.key(scope, draws) });
    return v;
  }

  /** A Linen key: the scope path folded into the root, or inside nn.jit into the key its fork made. */
  private linenKey(scope: Scope, path: string[], counter: number): NonNullable<RecordedVariable["linen"]> {
    const fork = scope.fork;
    if (!fork) return { scope: path, counter };
    return { scope: path.slice(fork.path.length), counter, base: { scope: fork.path, counter: 1 } };
  }

  private note(scope: Scope, v: object, rec: RecordedVariable): void {
    this.variables.set(v, rec);
    if (scope.layer?.index === 0) scope.layer.stack.recorded.push(rec);
  }

  draw(self: object, count: number, stream?: string): void {
    const scope = this.scopeOf(self);
    // Haiku, in a stacked layer: from that layer's own key sequence.
    if (this.framework === "haiku" && scope.layer) scope.layer.draws = (scope.layer.draws ?? 0) + count;
    else if (this.framework === "haiku") this.draws += count;
    // Linen: make_rng(stream) counts per scope and stream; 'params' shares self.param's count.
    else if (stream === "params") scope.paramCount += count;
    else if (stream) (scope.streamCounts ??= new Map()).set(stream, (scope.streamCounts.get(stream) ?? 0) + count);
  }

  keysMember<T extends object>(self: object, stream: string, factory: () => T): T {
    const scope = this.scopeOf(self);
    const obj = factory();
    if (scope.fork) this.dropoutMissing ??= FORKED_KEYS;
    else if (this.framework === "haiku" && (scope.layer || this.silentStack)) this.dropoutMissing ??= scope.layer ? "the original draws hk.next_rng_key() inside a layer stack (from each layer's own sequence), which is not replayed" : SILENT_STACK;
    else this.keys.push({ owner: obj, scope: scope.path, stream, counts: scope });
    return obj;
  }

  /** Linen's nn.scan with split_rngs over `module`: its (and its submodules') keys of `streams` are drawn per step. */
  scanKeys(module: object, streams: string[]): void {
    const at = this.scopes.get(module)?.path;
    if (!at) {
      this.incomplete = "a scanned cell's scope was not recorded";
      return;
    }
    for (const k of this.keys) {
      if (!streams.includes(k.stream) || at.some((seg, i) => k.scope[i] !== seg)) continue;
      k.scan = { perStep: k.counts?.streamCounts?.get(k.stream) ?? 0 };
    }
  }
}

/** Why dropout keys drawn after a Haiku layer stack without dropout are not the source's. */
const SILENT_STACK = "the original's layer stack without dropout draws two keys from the apply rng where it runs, before the dropout keys after it; that is not replayed";

/** In a module name, the full name of the module it is built in (a layer stack of its method re-enters its scope). */
export const SELF_PATH = "<self>";

/** Why keys drawn at apply inside nn.jit are not the source's. */
const FORKED_KEYS = "the original draws its dropout keys inside nn.jit, which forks the rngs at every call (make_rng in the jitted module's scope); those keys are not replayed";


/**
 * Linen traces a scanned body twice (shapes first) and its make_rng counts go
 * on from the first trace: each scope's counter is offset by that scope's count.
 */
function secondTrace(recorded: RecordedVariable[]): void {
  const totals = new Map<string, number>();
  for (const r of recorded) if (r.linen) totals.set(r.linen.scope.join("/"), Math.max(totals.get(r.linen.scope.join("/")) ?? 0, r.linen.counter));
  for (const r of recorded) if (r.linen) r.linen.counter += totals.get(r.linen.scope.join("/"))!;
}

interface VariableLike {
  variable: object;
  collection: string;
}

/**
 * The variables a layer holds directly or in its submodules, by dotted
 * attribute path; in a plain record too when the table names its entries
 * (`scales.kernel`: Linen's WeightNorm's scales, keyed by the layer's paths).
 */
function ownVariables(layer: object, named: string[] = []): Map<string, VariableLike> {
  const out = new Map<string, VariableLike>();
  const visit = (obj: object, prefix: string[], depth: number) => {
    if (depth > 6) return;
    for (const [k, v] of Object.entries(obj)) {
      if (!v || typeof v !== "object") continue;
      const ctor = (v as object).constructor?.name ?? "";
      if (isVariable(v)) {
        if (/^Rng/.test(ctor)) continue;
        out.set([...prefix, k].join("."), { variable: v, collection: collectionOf(v) });
      } else if (isModuleLike(v) || (Object.getPrototypeOf(v) === Object.prototype && named.some((n) => n.startsWith(`${[...prefix, k].join(".")}.`)))) visit(v, [...prefix, k], depth + 1);
    }
  };
  visit(layer, [], 0);
  return out;
}

function isVariable(v: object): boolean {
  let p = Object.getPrototypeOf(v);
  while (p) {
    if (p.constructor?.name === "Variable") return true;
    p = Object.getPrototypeOf(p);
  }
  return false;
}

function isModuleLike(v: object): boolean {
  let p = Object.getPrototypeOf(v);
  while (p) {
    if (p.constructor?.name === "Module" || p.constructor?.name === "Pytree") return true;
    p = Object.getPrototypeOf(p);
  }
  return false;
}

function isDropout(v: object): boolean {
  return v.constructor?.name === "Dropout";
}

function collectionOf(v: object): string {
  let p = Object.getPrototypeOf(v);
  while (p) {
    const n = p.constructor?.name;
    if (n === "Param") return "params";
    if (n === "BatchStat") return "batch_stats";
    if (n === "Variable") break;
    p = Object.getPrototypeOf(p);
  }
  return v.constructor?.name ?? "variables";
}
