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
}

export interface RecordedVariable {
  /** Source path without the collection: `Block_0/Dense_0/kernel`, `model/linear/w`. */
  path: string;
  collection: string;
  keepdims?: boolean;
  linen?: { scope: string[]; counter: number };
  haiku?: { draw: number };
  /** How the key is derived is not known (an initializer nnxport cannot see into). */
  unknownKey?: boolean;
}

export interface RecordedKeys {
  /** The module (or member) that draws per call, and its source scope. */
  owner: object;
  scope: string[];
  stream: string;
}

interface Scope {
  /** Linen: scope path segments; Haiku: the module's full name split at '/'. */
  path: string[];
  /** Linen autoname cursors by class name; Haiku counters by name stem. */
  counters: Map<string, number>;
  /** Linen: make_rng('params') calls in this scope. */
  paramCount: number;
  /** Names fixed at construction, waiting for their build, by construction site. */
  pending: Map<number, string[]>;
  /** Haiku: the module adds no name (a transformed function). */
  transparent?: boolean;
}

export class Recorder {
  readonly variables = new Map<object, RecordedVariable>();
  readonly keys: RecordedKeys[] = [];
  readonly dropouts: Array<{ layer: object; scope: string[] }> = [];
  /** Haiku: keys init's sequence has handed out so far. */
  draws = 0;
  incomplete?: string;
  private readonly scopes = new WeakMap<object, Scope>();
  private readonly building: Scope[] = [];

  constructor(readonly framework: "linen" | "haiku", root: { path: string[]; transparent?: boolean }) {
    this.building.push({ path: root.path, counters: new Map(), paramCount: 0, pending: new Map(), transparent: root.transparent });
  }

  private scopeOf(self: object): Scope {
    let s = this.scopes.get(self);
    if (!s) {
      // The first event from a module under construction: the scope its build opened.
      s = this.building[this.building.length - 1];
      this.scopes.set(self, s);
    }
    return s;
  }

  construct(self: object, site: number, base: string, name: string | undefined, eager: boolean, method: string): void {
    const scope = this.scopeOf(self);
    const full = this.framework === "linen" ? this.linenName(scope, base, name) : this.haikuName(scope, base, name, eager, method);
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

  private haikuName(scope: Scope, base: string, name: string | undefined, eager: boolean, method: string): string {
    let full = name ?? base;
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

  build<T extends object>(self: object, site: number, layer: LayerInfo | undefined, factory: () => T): T {
    const scope = this.scopeOf(self);
    const name = scope.pending.get(site)?.shift();
    if (name === undefined) {
      this.incomplete = "a submodule was built without its construction being recorded";
      return factory();
    }
    const path = this.framework === "linen" ? [...scope.path, name] : name.split("/");
    const child: Scope = { path, counters: new Map(), paramCount: 0, pending: new Map() };
    this.building.push(child);
    let obj: T;
    try {
      obj = factory();
    } finally {
      this.building.pop();
    }
    if (!this.scopes.has(obj)) this.scopes.set(obj, child);
    if (layer) this.layerVariables(obj, child, layer);
    return obj;
  }

  /** A layer's own variables: named by the table's leaves; keys drawn in the table's order. */
  private layerVariables(layer: object, scope: Scope, info: LayerInfo): void {
    const vars = ownVariables(layer);
    for (const name of info.draws) {
      const v = vars.get(name);
      if (!v) continue;
      this.variables.set(v.variable, { ...this.pathOf(scope, info.leaves[name] ?? name, v.collection, info.keepdims?.includes(name)), ...this.key(scope, true) });
    }
    for (const [name, v] of vars) {
      if (this.variables.has(v.variable)) continue;
      this.variables.set(v.variable, { ...this.pathOf(scope, info.leaves[name] ?? name, v.collection, info.keepdims?.includes(name)) });
    }
    if (isDropout(layer)) this.dropouts.push({ layer, scope: scope.path });
  }

  private pathOf(scope: Scope, leaf: string, collection: string, keepdims?: boolean): RecordedVariable {
    // Haiku files variables made outside any module (in the transformed function) under `~`.
    const segments = scope.transparent && !scope.path.length && this.framework === "haiku" ? ["~"] : scope.path;
    const path = [...segments, leaf].join("/");
    return keepdims ? { path, collection, keepdims: true } : { path, collection };
  }

  private key(scope: Scope, draws: boolean | "unknown"): Partial<RecordedVariable> {
    if (draws === "unknown") {
      this.incomplete ??= "a parameter's initializer may or may not draw a key";
      return { unknownKey: true };
    }
    if (!draws) return {};
    if (this.framework === "linen") return { linen: { scope: scope.path, counter: ++scope.paramCount } };
    return { haiku: { draw: this.draws++ } };
  }

  variable<T extends object>(self: object, name: string, collection: string, draws: boolean | "unknown", factory: () => T): T {
    const scope = this.scopeOf(self);
    const v = factory();
    // Linen counts every self.param's make_rng; self.variable draws none itself.
    this.variables.set(v, { ...this.pathOf(scope, name, collection), ...this.key(scope, draws) });
    return v;
  }

  draw(self: object, count: number): void {
    this.scopeOf(self);
    if (this.framework === "haiku") this.draws += count;
  }

  keysMember<T extends object>(self: object, stream: string, factory: () => T): T {
    const scope = this.scopeOf(self);
    const obj = factory();
    this.keys.push({ owner: obj, scope: scope.path, stream });
    return obj;
  }
}

interface VariableLike {
  variable: object;
  collection: string;
}

/** The variables a layer holds directly or in its submodules, by dotted attribute path. */
function ownVariables(layer: object): Map<string, VariableLike> {
  const out = new Map<string, VariableLike>();
  const visit = (obj: object, prefix: string[], depth: number) => {
    if (depth > 6) return;
    for (const [k, v] of Object.entries(obj)) {
      if (!v || typeof v !== "object") continue;
      const ctor = (v as object).constructor?.name ?? "";
      if (isVariable(v)) {
        if (/^Rng/.test(ctor)) continue;
        out.set([...prefix, k].join("."), { variable: v, collection: collectionOf(v) });
      } else if (isModuleLike(v)) visit(v, [...prefix, k], depth + 1);
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
