// What a jitted call's arguments are made of: one walk over them gives the cache
// key (graph structure, static attribute values such as train/eval mode, tensor
// shapes and dtypes) and, in a fixed order, the Variables, tensors, raw keys and
// key sources the compiled graph reads and writes.

import { tf } from "../tf.js";
import { Pytree, nodeEntries } from "../graph.js";
import { RngStream, Rngs } from "../rnglib.js";
import { Variable } from "../variables.js";
import { State } from "../state.js";
import { iterGraph } from "../graph.js";
import { liveModules, type Module } from "../module.js";

/** An attribute holding a number, string, boolean or null: part of the key, and replayable. */
export interface StaticSlot {
  holder: Record<string | number, unknown>;
  key: string | number;
}

export interface Walk {
  key: string;
  variables: Variable<any>[];
  tensors: tf.Tensor[];
  /** Raw keys (Uint32Array [k0, k1]) passed in the arguments. */
  keys: Uint32Array[];
  /** RngStreams and other key sources (objects with a next() that hands out keys). */
  sources: object[];
  statics: StaticSlot[];
  statValues: unknown[];
}

const ids = new WeakMap<object, number>();
let nextId = 1;
/** A stable number for an object compared by identity (classes, functions, opaque objects). */
function identity(x: object): number {
  let id = ids.get(x);
  if (id === undefined) {
    id = nextId++;
    ids.set(x, id);
  }
  return id;
}

/** An object (not an RngStream/Rngs) that hands out keys with next(), like the key sources of source-init.ts. */
export function isKeySource(x: unknown): x is { next(): Uint32Array } {
  if (typeof x !== "object" && typeof x !== "function") return false;
  if (x === null || x instanceof RngStream || x instanceof Rngs || x instanceof Variable || x instanceof tf.Tensor) return false;
  if (Array.isArray(x) || x instanceof State) return false;
  return typeof (x as { next?: unknown }).next === "function";
}

function isPlainObject(x: object): boolean {
  const proto = Object.getPrototypeOf(x);
  return proto === Object.prototype || proto === null;
}

function isKey(x: unknown): x is Uint32Array {
  return x instanceof Uint32Array && x.length === 2;
}

/** Walks `values` (the arguments, or the Modules a function captures). */
export function walk(values: readonly unknown[]): Walk {
  const out: Walk = { key: "", variables: [], tensors: [], keys: [], sources: [], statics: [], statValues: [] };
  const seen = new Map<object, number>();
  const parts: string[] = [];

  const visitStatic = (x: unknown): string => {
    switch (typeof x) {
      case "number":
        return Object.is(x, -0) ? "n-0" : `n${x}`;
      case "string":
        return `s${JSON.stringify(x)}`;
      case "boolean":
        return x ? "T" : "F";
      case "undefined":
        return "u";
      case "bigint":
        return `b${x}`;
      case "symbol":
        return `y${String(x.description)}`;
      case "function":
        return `f${identity(x)}`;
      default:
        return x === null ? "0" : `o${identity(x as object)}`;
    }
  };

  const visit = (x: unknown, holder?: Record<string | number, unknown>, key?: string | number): void => {
    if (x === null || (typeof x !== "object" && typeof x !== "function")) {
      parts.push(visitStatic(x));
      if (holder && key !== undefined) {
        out.statics.push({ holder, key });
        out.statValues.push(x);
      }
      return;
    }
    const obj = x as object;
    const prev = seen.get(obj);
    if (prev !== undefined) {
      parts.push(`@${prev}`);
      return;
    }
    seen.set(obj, seen.size);
    if (obj instanceof tf.Tensor) {
      parts.push(`t${obj.dtype}[${obj.shape}]`);
      out.tensors.push(obj);
      return;
    }
    if (obj instanceof Variable) {
      const v = obj.getRawValue() as unknown;
      const what = v instanceof tf.Tensor ? `${v.dtype}[${v.shape}]` : isKey(v) ? "key" : typeof v === "number" ? "num" : `o${identity(Object(v))}`;
      parts.push(`V${identity(obj.constructor)}:${what}`);
      out.variables.push(obj);
      return;
    }
    if (isKey(obj)) {
      parts.push("K");
      out.keys.push(obj);
      return;
    }
    if (isKeySource(obj) && !(obj instanceof Pytree)) {
      // Its keys are replayed through next(), so what else it holds does not shape the graph.
      parts.push("S");
      out.sources.push(obj);
      return;
    }
    if (obj instanceof Pytree || Array.isArray(obj) || (typeof obj === "object" && isPlainObject(obj)) || obj instanceof State) {
      if (obj instanceof RngStream) out.sources.push(obj);
      const entries = obj instanceof State ? Object.keys(obj).sort().map((k) => [k, (obj as State)[k]] as const) : nodeEntries(obj);
      parts.push(obj instanceof Pytree ? `{${identity(Object.getPrototypeOf(obj))}` : Array.isArray(obj) ? "[" : "{");
      for (const [k, v] of entries) {
        parts.push(`${String(k)}=`);
        visit(v, obj as Record<string | number, unknown>, k);
      }
      parts.push("}");
      return;
    }
    parts.push(visitStatic(obj));
  };

  values.forEach((v) => visit(v));
  out.key = parts.join(",");
  return out;
}

// --- across calls: captured Modules and static attributes --------------------------------

/** A Variable's value, as much as the cache key needs (a captured Variable outside any Module). */
export function describe(v: unknown): string {
  return v instanceof tf.Tensor ? `${v.dtype}[${v.shape}]` : typeof v;
}

export function concat(a: Walk, b: Walk): Walk {
  return {
    key: `${a.key}|${b.key}`,
    variables: [...a.variables, ...b.variables],
    tensors: [...a.tensors, ...b.tensors],
    keys: [...a.keys, ...b.keys],
    sources: [...a.sources, ...b.sources],
    statics: [...a.statics, ...b.statics],
    statValues: [...a.statValues, ...b.statValues],
  };
}

/** The outermost live Modules holding the captured Variables (not reachable from the arguments). */
export function capturedRoots(captured: Variable<any>[], args: unknown[]): object[] {
  const wanted = new Set<unknown>(captured);
  const inArgs = new Set<unknown>();
  for (const [, x] of iterGraph(args)) inArgs.add(x);
  const candidates: Module[] = [];
  for (const m of liveModules()) {
    if (inArgs.has(m)) continue;
    for (const [, x] of iterGraph(m)) {
      if (wanted.has(x)) {
        candidates.push(m);
        break;
      }
    }
  }
  const inner = new Set<unknown>();
  for (const m of candidates) for (const [path, x] of iterGraph(m)) if (path.length > 0) inner.add(x);
  return candidates.filter((m) => !inner.has(m));
}

/** Static attribute changes between two walks of the same structure, or null if more changed. */
export function staticDiffs(before: Walk, after: Walk): [number, unknown][] | null {
  const same = <T>(a: T[], b: T[]) => a.length === b.length && a.every((x, i) => x === b[i]);
  if (!same(before.variables, after.variables) || !same(before.tensors, after.tensors) || !same(before.sources, after.sources)) return null;
  if (before.statics.length !== after.statics.length) return null;
  const diffs: [number, unknown][] = [];
  for (let i = 0; i < before.statics.length; i++) {
    const a = before.statics[i];
    const b = after.statics[i];
    if (a.holder !== b.holder || a.key !== b.key) return null;
    if (!Object.is(before.statValues[i], after.statValues[i])) diffs.push([i, after.statValues[i]]);
  }
  return diffs;
}
