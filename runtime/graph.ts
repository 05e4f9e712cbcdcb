// Graph traversal and the functional API (flax/nnx/graphlib.py):
// split / merge / state / update / graphdef / clone / iterGraph.
//
// A "graph node" is a Pytree instance (Module, Rngs, RngStream, Optimizer, ...),
// an Array, or a plain object. Its children are its own enumerable properties
// (array elements for arrays), visited in NNX order: sorted keys, integers first.
// Variables are the leaves that make up State; everything else (numbers,
// strings, functions, tensors stored directly on a Module, ...) is static and
// kept by reference in the GraphDef. As in NNX, an object reachable through two
// paths is visited once, at its first path, and merge() restores the sharing.

import { tf } from "./tf.js";
import { type Filter, type Key, type PathParts, compareKeys, comparePaths, pathString, toPredicate } from "./filters.js";
import { Variable, createVariable, type Metadata, type VariableType } from "./variables.js";
import {
  State,
  type FlatState,
  fromFlatState,
  isState,
  mergeState,
  splitFlatState,
  stateEntries,
  throwIfRemainder,
  toFlatState,
} from "./state.js";

/**
 * Base class of every object NNX treats as a graph node (NNX `Pytree`, formerly
 * `Object`). Module, Rngs, RngStream and Optimizer extend it.
 */
export class Pytree {
  /**
   * Attributes named by integers ("0", "1", ...) are path keys 0, 1, ... (NNX
   * `_pytree__has_int_keys`, set by nnx.List).
   */
  static _pytreeHasIntKeys = false;

  /**
   * Creates an uninitialised instance for merge(); attributes are then defined
   * on it. Override when instances are not plain objects (RngStream is callable).
   */
  static _createEmpty(proto: object): object {
    return Object.create(proto);
  }
}

type NodeKind = "pytree" | "array" | "object";

function nodeKind(x: unknown): NodeKind | null {
  if (x instanceof Pytree) return "pytree";
  if (Array.isArray(x)) return "array";
  if (typeof x === "object" && x !== null) {
    const proto = Object.getPrototypeOf(x);
    if (proto === Object.prototype || proto === null) return "object";
  }
  return null;
}

/** True for objects graph traversal descends into. */
export function isGraphNode(x: unknown): boolean {
  return nodeKind(x) !== null;
}

/** A node's children in NNX order. */
export function nodeEntries(x: object): [Key, unknown][] {
  if (Array.isArray(x)) return x.map((v, i) => [i, v]);
  const rec = x as Record<string, unknown>;
  const intKeys = x instanceof Pytree && (x.constructor as typeof Pytree)._pytreeHasIntKeys;
  return Object.keys(rec)
    .map((k): Key => (intKeys && /^(0|[1-9][0-9]*)$/.test(k) ? Number(k) : k))
    .sort(compareKeys)
    .map((k) => [k, rec[String(k)]]);
}

// ---------------------------------------------------------------------------
// GraphDef
// ---------------------------------------------------------------------------

export interface VariableDef {
  readonly kind: "variable";
  readonly index: number;
  readonly type: VariableType;
  readonly path: PathParts;
  readonly metadata: Metadata;
}

export interface NodeDef {
  readonly kind: "node";
  readonly index: number;
  readonly nodeKind: NodeKind;
  /** Prototype of a Pytree node (its class). */
  readonly proto: object | null;
  readonly attributes: readonly (readonly [Key, AttrDef])[];
}

export type AttrDef =
  | NodeDef
  | VariableDef
  | { readonly kind: "ref"; readonly index: number }
  | { readonly kind: "static"; readonly value: unknown };

/** The static structure of a graph (NNX GraphDef): everything but the Variables' values. */
export class GraphDef<T = unknown> {
  declare readonly _type?: T;
  constructor(
    readonly root: NodeDef,
    /** Paths of the Variables, in traversal order (one per distinct Variable). */
    readonly leafPaths: readonly PathParts[],
  ) {}

  get numLeaves(): number {
    return this.leafPaths.length;
  }

  toString(): string {
    const name = this.root.proto ? (this.root.proto.constructor as { name: string }).name : this.root.nodeKind;
    return `GraphDef(${name}, ${this.numLeaves} leaves)`;
  }
}

/**
 * Flattens a graph node into its GraphDef and a flat state of
 * [path, Variable] pairs sorted by path (NNX graphlib.flatten).
 */
export function flatten<T extends object>(node: T): [GraphDef<T>, FlatState<Variable<any>>] {
  if (nodeKind(node) === null) throw new TypeError(`nnx: not a graph node: ${String(node)}`);
  const seen = new Map<object, number>();
  const leaves: [PathParts, Variable<any>][] = [];
  let counter = 0;

  const visit = (path: Key[], x: unknown): AttrDef => {
    if (x instanceof Variable) {
      const prev = seen.get(x);
      if (prev !== undefined) return { kind: "ref", index: prev };
      const index = counter++;
      seen.set(x, index);
      leaves.push([path, x]);
      return { kind: "variable", index, type: x.type, path, metadata: x.getMetadata() };
    }
    const kind = nodeKind(x);
    if (kind === null) return { kind: "static", value: x };
    const obj = x as object;
    const prev = seen.get(obj);
    if (prev !== undefined) return { kind: "ref", index: prev };
    const index = counter++;
    seen.set(obj, index);
    const attributes = nodeEntries(obj).map(([k, v]) => [k, visit([...path, k], v)] as const);
    return { kind: "node", index, nodeKind: kind, proto: kind === "pytree" ? Object.getPrototypeOf(obj) : null, attributes };
  };

  const root = visit([], node) as NodeDef;
  // Traversal already yields sorted paths; sort anyway to be explicit about the contract.
  const sorted = [...leaves].sort((a, b) => comparePaths(a[0], b[0]));
  return [new GraphDef<T>(root, leaves.map(([p]) => p)), sorted];
}

/**
 * Rebuilds a graph from a GraphDef and a lookup from path to leaf. Leaves that
 * are Variables are used as they are (shared, as NNX merge does) unless `copy`;
 * raw values are wrapped in a Variable of the recorded type.
 */
export function unflatten<T>(
  graphdef: GraphDef<T>,
  leaves: Map<string, unknown>,
  { copy = false }: { copy?: boolean } = {},
): T {
  const byIndex = new Map<number, unknown>();
  const used = new Set<string>();

  const build = (def: AttrDef): unknown => {
    switch (def.kind) {
      case "static":
        return def.value;
      case "ref":
        if (!byIndex.has(def.index)) throw new Error(`nnx.merge: dangling reference ${def.index}`);
        return byIndex.get(def.index);
      case "variable": {
        const key = pathString(def.path);
        if (!leaves.has(key)) throw new Error(`nnx.merge: no value for Variable at '${def.path.join("/")}'`);
        used.add(key);
        const leaf = leaves.get(key);
        let variable: Variable<any>;
        if (leaf instanceof Variable) variable = copy ? leaf.copy() : leaf;
        else variable = createVariable(def.type, leaf instanceof tf.Tensor ? tf.clone(leaf) : leaf, def.metadata);
        byIndex.set(def.index, variable);
        return variable;
      }
      case "node": {
        let obj: Record<string | number, unknown>;
        if (def.nodeKind === "array") obj = [] as unknown as Record<number, unknown>;
        else if (def.nodeKind === "object") obj = {};
        else {
          const ctor = (def.proto as { constructor: typeof Pytree }).constructor;
          const create = typeof ctor._createEmpty === "function" ? ctor._createEmpty.bind(ctor) : Pytree._createEmpty;
          obj = create(def.proto!) as Record<string, unknown>;
        }
        // Register before children so reference cycles resolve (as NNX does).
        byIndex.set(def.index, obj);
        for (const [k, attr] of def.attributes) {
          Object.defineProperty(obj, String(k), { value: build(attr), enumerable: true, writable: true, configurable: true });
        }
        return obj;
      }
    }
  };

  const out = build(graphdef.root) as T;
  if (used.size !== leaves.size) {
    const extra = [...leaves.keys()].filter((k) => !used.has(k));
    throw new Error(`nnx.merge: state has paths not in the GraphDef: ${extra.join(", ")}`);
  }
  return out;
}

// ---------------------------------------------------------------------------
// Functional API
// ---------------------------------------------------------------------------

/**
 * nnx.split: the GraphDef plus one State per filter. Without filters, one State
 * with everything. Like flax 0.12, filters must be exhaustive (end with
 * nnx.Everything to collect the rest), else an error is thrown.
 * The States hold the module's own Variables (no copies).
 */
export function split<T extends object>(node: T): [GraphDef<T>, State];
export function split<T extends object>(node: T, first: Filter): [GraphDef<T>, State];
export function split<T extends object>(node: T, first: Filter, second: Filter): [GraphDef<T>, State, State];
export function split<T extends object>(
  node: T,
  first: Filter,
  second: Filter,
  third: Filter,
): [GraphDef<T>, State, State, State];
export function split<T extends object>(node: T, ...filters: Filter[]): [GraphDef<T>, ...State[]];
export function split<T extends object>(node: T, ...filters: Filter[]): [GraphDef<T>, ...State[]] {
  const [graphdef, flat] = flatten(node);
  if (filters.length === 0) return [graphdef, fromFlatState(flat)];
  const groups = splitFlatState(flat, filters);
  throwIfRemainder(groups[groups.length - 1]);
  return [graphdef, ...groups.slice(0, -1).map(fromFlatState)];
}

/**
 * nnx.merge: a new instance of the graph with the given states' Variables in it.
 * The Variables are shared with the states (and so with the module they were
 * split from), exactly as flax 0.12's merge; pass `{ copy: true }` for clones.
 */
export function merge<T>(graphdef: GraphDef<T>, ...states: (State | MergeOptions)[]): T {
  let options: MergeOptions = {};
  const last = states[states.length - 1];
  if (last !== undefined && !isState(last) && isMergeOptions(last)) {
    options = last;
    states = states.slice(0, -1);
  }
  if (states.length === 0) throw new TypeError("nnx.merge: missing state argument");
  const leaves = new Map<string, unknown>();
  for (const s of states as State[]) for (const [p, v] of toFlatState(s)) leaves.set(pathString(p), v);
  return unflatten(graphdef, leaves, options);
}

export interface MergeOptions {
  copy?: boolean;
}

function isMergeOptions(x: unknown): x is MergeOptions {
  return typeof x === "object" && x !== null && Object.keys(x).every((k) => k === "copy");
}

/**
 * nnx.state: the node's Variables as a State (no copies). One filter -> one
 * State; several -> one State per filter (leaves matching none are dropped).
 */
export function state(node: object): State;
export function state(node: object, first: Filter): State;
export function state(node: object, first: Filter, second: Filter, ...rest: Filter[]): State[];
export function state(node: object, ...filters: Filter[]): State | State[] {
  const [, flat] = flatten(node);
  if (filters.length === 0) return fromFlatState(flat);
  const groups = splitFlatState(flat, filters)
    .slice(0, -1)
    .map(fromFlatState);
  return groups.length === 1 ? groups[0] : groups;
}

/** Alias, as in NNX. */
export const variables = state;

/** nnx.graphdef: just the GraphDef. */
export function graphdef<T extends object>(node: T): GraphDef<T> {
  return flatten(node)[0];
}

/**
 * nnx.update: writes the states' values into the node's Variables in place.
 * Values are tf.clone'd, so the node's Variables keep owning their own tensors
 * (updating from the node's own state is a no-op). Paths the node lacks are
 * added, as NNX does.
 */
export function update(node: object, ...states: (State | Record<string, unknown>)[]): void {
  if (states.length === 0) throw new TypeError("nnx.update: missing state argument");
  const s = states.length === 1 ? states[0] : mergeState(...states);
  updateNode(node, s);
}

function cloneLeaf(v: unknown): unknown {
  return v instanceof tf.Tensor ? tf.clone(v) : v;
}

function updateVariable(target: Variable<any>, value: unknown): void {
  if (value instanceof Variable) target.updateFromState(value);
  else if (isState(value) && Object.keys(value).length === 0) return;
  else target.value = cloneLeaf(value);
}

function updateNode(node: object, s: State | Record<string, unknown>): void {
  const entries: [Key, unknown][] = isState(s) ? stateEntries(s) : Object.entries(s);
  const rec = node as Record<string | number, unknown>;
  for (const [key, value] of entries) {
    const k = Array.isArray(node) ? Number(key) : String(key);
    if (!(k in rec)) {
      rec[k] = value instanceof Variable ? value.copy() : isState(value) ? buildFromState(value) : cloneLeaf(value);
      continue;
    }
    const current = rec[k];
    if (current instanceof Variable) updateVariable(current, value);
    else if (isGraphNode(current)) {
      if (!isState(value) && nodeKind(value) !== "object") {
        throw new Error(`nnx.update: expected a subtree for '${String(key)}', got ${String(value)}`);
      }
      updateNode(current as object, value as State);
    } else rec[k] = cloneLeaf(value);
  }
}

function buildFromState(s: State): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of stateEntries(s)) {
    out[String(k)] = v instanceof Variable ? v.copy() : isState(v) ? buildFromState(v) : cloneLeaf(v);
  }
  return out;
}

/** nnx.clone: a deep copy with fresh Variables (tensors tf.clone'd). You own it. */
export function clone<T extends object>(node: T): T {
  const [gd, s] = split(node);
  return merge(gd, s, { copy: true });
}

/**
 * nnx.pop: removes the Variables matching `filters` from the node (their
 * attributes are deleted) and returns them as a State, one per filter (a
 * Variable goes to the first filter it matches). The caller owns what is
 * popped: read it, then nnx.dispose it. Typical use, after a call that sowed:
 * `const intermediates = nnx.pop(model, nnx.Intermediate)`.
 */
export function pop(node: object, first: Filter): State;
export function pop(node: object, first: Filter, second: Filter, ...rest: Filter[]): State[];
export function pop(node: object, ...filters: Filter[]): State | State[] {
  if (filters.length === 0) throw new Error("Expected at least one filter");
  const predicates = filters.map(toPredicate);
  const flats: FlatState<Variable<any>>[] = predicates.map(() => []);
  const visited = new Set<object>();
  const walk = (x: object, path: Key[]) => {
    if (visited.has(x)) return;
    visited.add(x);
    for (const [k, v] of nodeEntries(x)) {
      if (isGraphNode(v)) walk(v as object, [...path, k]);
      else if (v instanceof Variable && !visited.has(v)) {
        const at = [...path, k];
        const i = predicates.findIndex((p) => p(at, v));
        if (i < 0) continue;
        if (Array.isArray(x)) throw new Error(`Cannot pop key ${String(k)} from an array`);
        visited.add(v);
        delete (x as Record<string, unknown>)[String(k)];
        flats[i].push([at, v]);
      }
    }
  };
  walk(node, []);
  const states = flats.map(fromFlatState);
  return states.length === 1 ? states[0] : states;
}

/**
 * Iterates over all nested nodes and leaves (including Variables and static
 * values), children before parents, each object once (NNX iter_graph).
 */
export function* iterGraph(node: unknown): Generator<[PathParts, unknown]> {
  const visited = new Set<object>();
  function* walk(path: Key[], x: unknown): Generator<[PathParts, unknown]> {
    const kind = nodeKind(x);
    if (kind !== null || x instanceof Variable) {
      if (visited.has(x as object)) return;
      visited.add(x as object);
      if (kind !== null) for (const [k, v] of nodeEntries(x as object)) yield* walk([...path, k], v);
    }
    yield [path, x];
  }
  yield* walk([], node);
}

/**
 * Frees every tensor held by Variables reachable from `x` (a Module or any graph
 * node, a State, a Variable, a tensor, or arrays of those). Use it for models
 * and states you own and no longer need.
 */
export function dispose(x: unknown): void {
  if (x instanceof tf.Tensor) {
    if (!x.isDisposed) x.dispose();
  } else if (x instanceof Variable) x.dispose();
  else if (isState(x)) x.dispose();
  else if (Array.isArray(x) && x.every((e) => isState(e) || e instanceof tf.Tensor)) x.forEach(dispose);
  else if (isGraphNode(x)) {
    for (const [, v] of iterGraph(x)) if (v instanceof Variable) v.dispose();
  }
}

export type { FlatState };
