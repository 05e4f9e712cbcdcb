// nnx.State (flax/nnx/statelib.py): a nested mapping from attribute names (and
// list indices) to Variables, mirroring the Module tree it came from.
//
//   const params = nnx.state(model, nnx.Param);
//   params.linear.kernel          // the very Variable object held by the model
//   params.flatState()            // [["linear","bias"], Param], [["linear","kernel"], Param]
//
// Entries are own enumerable properties, so `state.linear.kernel`, Object.keys()
// and console.log all work. The convenience methods live on the prototype; an
// entry with the same name as a method shadows it on that State, which is why
// every method also exists as a free function (nnx.toFlatState, nnx.mapState, ...).
//
// Memory: States returned by nnx.state/split share the model's Variables (as in
// flax 0.12). States made by transforms (grad, treeMap) hold fresh tensors owned
// by the caller: free them with tf.tidy or nnx.dispose(state).

import { tf } from "./tf.js";
import {
  type Filter,
  type Key,
  type PathParts,
  comparePaths,
  compareKeys,
  filtersToPredicates,
  pathString,
} from "./filters.js";
import { Variable, createVariable } from "./variables.js";

export type FlatState<V = unknown> = [PathParts, V][];

// Integer keys (list indices) are stored as property names; this remembers which
// ones were numbers so paths round-trip as numbers.
const INT_KEYS = Symbol("nnx.State.intKeys");

export class State {
  [key: string]: any;
  declare [INT_KEYS]: Set<string>;

  constructor(entries: Iterable<readonly [Key, unknown]> | Record<string, unknown> = {}) {
    Object.defineProperty(this, INT_KEYS, { value: new Set<string>(), enumerable: false });
    const items =
      Symbol.iterator in Object(entries)
        ? Array.from(entries as Iterable<readonly [Key, unknown]>)
        : Object.entries(entries as Record<string, unknown>);
    items.sort((a, b) => compareKeys(a[0], b[0]));
    for (const [k, v] of items) setEntry(this, k, v);
  }

  /** Sorted [path, leaf] pairs (NNX State.flat_state / nnx.to_flat_state). */
  flatState(): FlatState<any> {
    return toFlatState(this);
  }

  /** The leaves in flatState order. */
  leaves(): any[] {
    return toFlatState(this).map(([, v]) => v);
  }

  /** The paths in flatState order. */
  paths(): PathParts[] {
    return toFlatState(this).map(([p]) => p);
  }

  /** NNX map_state: a new State with f(path, leaf) as each leaf. */
  map(f: (path: PathParts, leaf: any) => unknown): State {
    return mapState(this, f);
  }

  /** NNX filter_state: one State per filter; non-matching leaves are dropped. */
  filter(first: Filter, ...rest: Filter[]): any {
    return filterState(this, first, ...rest);
  }

  /** NNX split_state: like filter, but throws if some leaf matches no filter. */
  split(first: Filter, ...rest: Filter[]): any {
    return splitState(this, first, ...rest);
  }

  /** Nested plain object of raw values (tensors), like nnx.to_pure_dict. */
  toPureDict(): Record<string, any> {
    return toPureDict(this);
  }

  /** Frees the tensors of all leaves. Only for States you own (e.g. grads). */
  dispose(): void {
    disposeState(this);
  }
}

export function isState(x: unknown): x is State {
  return x instanceof State;
}

export function setEntry(state: State, key: Key, value: unknown): void {
  const name = String(key);
  if (typeof key === "number") state[INT_KEYS].add(name);
  else state[INT_KEYS].delete(name);
  Object.defineProperty(state, name, { value, enumerable: true, writable: true, configurable: true });
}

/** The entries of one level, with integer keys restored as numbers, sorted. */
export function stateEntries(state: State): [Key, unknown][] {
  const ints = state[INT_KEYS];
  const out: [Key, unknown][] = Object.keys(state).map((k) => [ints.has(k) ? Number(k) : k, state[k]]);
  return out.sort((a, b) => compareKeys(a[0], b[0]));
}

function isMappingNode(x: unknown): x is State | Record<string, unknown> {
  if (x instanceof State) return true;
  if (typeof x !== "object" || x === null) return false;
  const proto = Object.getPrototypeOf(x);
  return proto === Object.prototype || proto === null;
}

function entriesOf(x: State | Record<string, unknown>): [Key, unknown][] {
  return x instanceof State ? stateEntries(x) : Object.entries(x).sort((a, b) => compareKeys(a[0], b[0]));
}

/** Flattens a State (or nested plain object) to sorted [path, leaf] pairs. */
export function toFlatState(state: State | Record<string, unknown>): FlatState<any> {
  const out: FlatState<any> = [];
  const walk = (prefix: Key[], node: State | Record<string, unknown>) => {
    for (const [k, v] of entriesOf(node)) {
      if (isMappingNode(v)) walk([...prefix, k], v);
      else out.push([[...prefix, k], v]);
    }
  };
  walk([], state);
  return out.sort((a, b) => comparePaths(a[0], b[0]));
}

/** Builds a nested State from [path, leaf] pairs. */
export function fromFlatState(flat: Iterable<readonly [PathParts, unknown]>): State {
  const root = new State();
  for (const [path, leaf] of flat) {
    if (path.length === 0) throw new Error("fromFlatState: empty path");
    let node = root;
    for (const k of path.slice(0, -1)) {
      let child = node[String(k)];
      if (!(child instanceof State)) {
        child = new State();
        setEntry(node, k, child);
      }
      node = child;
    }
    setEntry(node, path[path.length - 1], leaf);
  }
  return root;
}

export function mapState(state: State, f: (path: PathParts, leaf: any) => unknown): State {
  return fromFlatState(toFlatState(state).map(([p, v]) => [p, f(p, v)] as const));
}

function splitFlat(flat: FlatState<any>, filters: readonly Filter[]): FlatState<any>[] {
  const predicates = filtersToPredicates(filters);
  const groups: FlatState<any>[] = predicates.map(() => []);
  const rest: FlatState<any> = [];
  for (const [path, v] of flat) {
    const i = predicates.findIndex((p) => p(path, v));
    (i >= 0 ? groups[i] : rest).push([path, v]);
  }
  groups.push(rest);
  return groups;
}

/** Splits a flat state into one group per filter plus the remainder (last). */
export function splitFlatState(flat: FlatState<any>, filters: readonly Filter[]): FlatState<any>[] {
  return splitFlat(flat, filters);
}

export function filterState(state: State, first: Filter, ...rest: Filter[]): any {
  const groups = splitFlat(toFlatState(state), [first, ...rest]).slice(0, -1).map(fromFlatState);
  return groups.length === 1 ? groups[0] : groups;
}

export function splitState(state: State, first: Filter, ...rest: Filter[]): any {
  const groups = splitFlat(toFlatState(state), [first, ...rest]);
  throwIfRemainder(groups[groups.length - 1]);
  const states = groups.slice(0, -1).map(fromFlatState);
  return states.length === 1 ? states[0] : states;
}

export function throwIfRemainder(rest: FlatState<any>): void {
  if (rest.length > 0) {
    const paths = rest.map(([p]) => p.join("/")).join(", ");
    throw new Error(
      `Non-exhaustive filters, got a non-empty remainder: ${paths}.\n` +
        "Use `nnx.Everything` as the last filter to match all remaining elements.",
    );
  }
}

/** NNX merge_state: later states win on equal paths. */
export function mergeState(...states: (State | Record<string, unknown>)[]): State {
  const merged = new Map<string, [PathParts, unknown]>();
  for (const s of states) for (const [p, v] of toFlatState(s)) merged.set(pathString(p), [p, v]);
  return fromFlatState(merged.values());
}

/** NNX diff: the entries of `state` whose paths are not in `other`. */
export function diffState(state: State, other: State): State {
  const seen = new Set(toFlatState(other).map(([p]) => pathString(p)));
  return fromFlatState(toFlatState(state).filter(([p]) => !seen.has(pathString(p))));
}

function rawLeaf(v: unknown): unknown {
  return v instanceof Variable ? v.value : v;
}

export function toPureDict(state: State): Record<string, any> {
  const out: Record<string, any> = {};
  for (const [path, v] of toFlatState(state)) {
    let node = out;
    for (const k of path.slice(0, -1)) node = node[String(k)] ??= {};
    node[String(path[path.length - 1])] = rawLeaf(v);
  }
  return out;
}

/**
 * Puts raw values from a nested plain object into the State's Variables
 * (NNX replace_by_pure_dict). Tensors are cloned: the State's Variables own theirs.
 */
export function replaceByPureDict(state: State, pure: Record<string, unknown>): void {
  // Pure dicts have string keys only (like a checkpoint), so match paths as strings.
  const leaves = new Map(toFlatState(state).map(([p, v]) => [pathString(p.map(String)), v]));
  for (const [path, value] of toFlatState(pure)) {
    const target = leaves.get(pathString(path.map(String)));
    if (!(target instanceof Variable)) throw new Error(`replaceByPureDict: no Variable at ${path.join("/")}`);
    target.value = value instanceof tf.Tensor ? tf.clone(value) : value;
  }
}

/**
 * jax.tree.map over States whose leaves are Variables: f gets the raw values
 * (one per state, matched by path) and the path; returns a State of new
 * Variables of the first state's types. The new tensors are not kept: they
 * belong to the current tf.tidy scope, or to you; f's intermediates are freed.
 */
export function treeMap(
  f: (...args: any[]) => unknown,
  state: State,
  ...rest: State[]
): State {
  const others = rest.map((s) => new Map(toFlatState(s).map(([p, v]) => [pathString(p), v])));
  return mapState(state, (path, leaf) => {
    const key = pathString(path);
    const args = [rawLeaf(leaf)];
    for (const o of others) {
      if (!o.has(key)) throw new Error(`treeMap: path ${path.join("/")} missing in one of the states`);
      args.push(rawLeaf(o.get(key)));
    }
    // Tensors f makes along the way (`p - 0.1 * g` makes two) are freed here.
    const out = tf.tidy(() => f(...args, path) as tf.TensorContainer);
    return leaf instanceof Variable ? createVariable(leaf.type, out, leaf.getMetadata(), { own: false }) : out;
  });
}

/** Disposes every tensor reachable from the State's leaves. */
export function disposeState(state: State): void {
  for (const [, v] of toFlatState(state)) {
    if (v instanceof Variable) v.dispose();
    else if (v instanceof tf.Tensor && !v.isDisposed) v.dispose();
  }
}
