// A jitted function's result: which of its tensors are graph outputs, and how to
// rebuild the same arrays, objects, States and Variables around the outputs of
// each compiled call.

import { tf } from "../tf.js";
import { Variable, createVariable, type Metadata, type VariableType } from "../variables.js";
import { State, fromFlatState, toFlatState } from "../state.js";
import type { PathParts } from "../filters.js";
import type { ValueRef } from "./ir.js";
import type { Recorder } from "./record.js";

export type Template =
  | { kind: "tensor"; output: number }
  | { kind: "static"; value: unknown }
  | { kind: "same"; value: unknown }
  | { kind: "array"; items: Template[] }
  | { kind: "object"; entries: [string, Template][] }
  | { kind: "state"; leaves: [PathParts, Template][] }
  | { kind: "variable"; type: VariableType; metadata: Metadata; value: Template };

/** The result's tensors, in the order templateOf makes them outputs. */
export function* resultTensors(x: unknown): Generator<tf.Tensor> {
  if (x instanceof tf.Tensor) yield x;
  else if (x instanceof Variable) {
    /* a Variable handed back: its value is checked as a Variable */
  } else if (x instanceof State) for (const [, v] of toFlatState(x)) yield* resultTensors(v instanceof Variable ? v.getRawValue() : v);
  else if (Array.isArray(x)) for (const v of x) yield* resultTensors(v);
  else if (x !== null && typeof x === "object" && Object.getPrototypeOf(x) === Object.prototype) {
    for (const v of Object.values(x)) yield* resultTensors(v);
  }
}

/** How to rebuild the result from the graph's outputs (tensors become outputs, in resultTensors order). */
export function templateOf(x: unknown, rec: Recorder, refs: ValueRef[], own: Set<Variable<any>>): Template {
  if (x instanceof tf.Tensor) {
    const ref = rec.refOf(x);
    if (!ref) return { kind: "static", value: undefined };
    refs.push(ref);
    return { kind: "tensor", output: refs.length - 1 };
  }
  if (x instanceof Variable) {
    if (own.has(x)) return { kind: "same", value: x };
    rec.problem("returns a new Variable outside a State");
    return { kind: "static", value: undefined };
  }
  if (x instanceof State) {
    return {
      kind: "state",
      leaves: toFlatState(x).map(([p, v]) => {
        if (v instanceof Variable) {
          const inner = templateOf(v.getRawValue(), rec, refs, own);
          return [p, { kind: "variable", type: v.type, metadata: v.getMetadata(), value: inner }];
        }
        return [p, templateOf(v, rec, refs, own)];
      }),
    };
  }
  if (Array.isArray(x)) return { kind: "array", items: x.map((v) => templateOf(v, rec, refs, own)) };
  if (x !== null && typeof x === "object" && Object.getPrototypeOf(x) === Object.prototype) {
    return { kind: "object", entries: Object.entries(x).map(([k, v]) => [k, templateOf(v, rec, refs, own)]) };
  }
  if (x !== null && typeof x === "object") return { kind: "same", value: x };
  return { kind: "static", value: x };
}

export function instantiate(t: Template, outs: tf.Tensor[]): unknown {
  switch (t.kind) {
    case "tensor":
      return outs[t.output];
    case "static":
    case "same":
      return t.value;
    case "array":
      return t.items.map((i) => instantiate(i, outs));
    case "object":
      return Object.fromEntries(t.entries.map(([k, v]) => [k, instantiate(v, outs)]));
    case "state":
      return fromFlatState(t.leaves.map(([p, v]) => [p, instantiate(v, outs)] as const));
    case "variable":
      return createVariable(t.type, instantiate(t.value, outs), t.metadata, { own: false });
  }
}
