// Live comparison of hk.* runtime modules with dm-haiku: the Python side
// (test/runtime/python/hk_reference.py) runs a Haiku function under
// hk.transform_with_state; these helpers decode its arrays bit-exactly, map
// Haiku's parameter paths onto the module's attribute paths, and compare.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { expect } from "vitest";
import { nnx, tf } from "../../runtime/index.js";
import type { Variable } from "../../runtime/variables.js";
import { pythonJson } from "./python.js";

const PRELUDE = readFileSync(fileURLToPath(new URL("../runtime/python/hk_reference.py", import.meta.url)), "utf8");

export type Encoded = { shape: number[]; dtype: "float32" | "int32" | "bool"; data: number[] };
export type EncodedNest = Encoded | null | EncodedNest[] | { [k: string]: EncodedNest };
export type Nest = tf.Tensor | null | Nest[] | { [k: string]: Nest };

export interface HkReference {
  inputs: EncodedNest[];
  params: Record<string, Encoded>;
  state: Record<string, Encoded>;
  out: EncodedNest;
  newState: Record<string, Encoded>;
  cot?: EncodedNest;
  gradParams?: Record<string, Encoded>;
  gradInputs?: Record<string, Encoded>;
  extra?: unknown;
}

/** Runs `snippet` after the prelude; it must end with `emit(reference(...))` (or print JSON itself). */
export function hkReference<T = HkReference>(snippet: string): T {
  return pythonJson<T>(`${PRELUDE}\n${snippet}`);
}

function isEncoded(x: unknown): x is Encoded {
  return typeof x === "object" && x !== null && "dtype" in x && "data" in x && "shape" in x;
}

/** The array, bit for bit. */
export function decode(e: Encoded): tf.Tensor {
  if (e.dtype === "float32") return tf.tensor(new Float32Array(Uint32Array.from(e.data).buffer), e.shape, "float32");
  if (e.dtype === "int32") return tf.tensor(Int32Array.from(e.data), e.shape, "int32");
  return tf.tensor(Uint8Array.from(e.data), e.shape, "bool");
}

export function decodeNest(e: EncodedNest): Nest {
  if (e === null) return null;
  if (isEncoded(e)) return decode(e);
  if (Array.isArray(e)) return e.map(decodeNest);
  return Object.fromEntries(Object.entries(e).map(([k, v]) => [k, decodeNest(v)]));
}

/** Haiku "top/~/sub/name" → "sub.name": the top module's name and "~" dropped. */
export function defaultPath(haikuPath: string): string {
  return haikuPath
    .split("/")
    .slice(1)
    .filter((c) => c !== "~")
    .join(".");
}

export type PathMap = (haikuPath: string) => string;

/** [dotted path, Variable] of a module's Variables of `type`. */
export function variablesOf(module: object, type: nnx.Filter = nnx.Everything): Map<string, Variable> {
  const out = new Map<string, Variable>();
  for (const [path, v] of nnx.toFlatState(nnx.state(module, type))) out.set(path.join("."), v as Variable);
  return out;
}

function mapped(record: Record<string, Encoded>, map: PathMap): Map<string, Encoded> {
  return new Map(Object.entries(record).map(([k, v]) => [map(k), v]));
}

export const bitsOf = (t: tf.Tensor): number[] =>
  t.dtype === "float32" ? Array.from(new Uint32Array(Float32Array.from(t.dataSync() as Float32Array).buffer)) : Array.from(t.dataSync());

/** The module's Variables of `type` have exactly Haiku's paths and shapes (and, if `exact`, its values bit for bit). */
export function expectSameTree(
  module: object,
  type: nnx.Filter,
  record: Record<string, Encoded>,
  { map = defaultPath, exact = true }: { map?: PathMap; exact?: boolean } = {},
): void {
  const ours = variablesOf(module, type);
  const theirs = mapped(record, map);
  expect([...ours.keys()].sort()).toEqual([...theirs.keys()].sort());
  for (const [path, e] of theirs) {
    const v = ours.get(path)!;
    expect({ path, shape: v.shape }).toEqual({ path, shape: e.shape });
    if (exact) expect({ path, bits: bitsOf(v.value) }).toEqual({ path, bits: e.data });
  }
}

/** Copies Haiku's values into the module's Variables (params and state). */
export function load(module: object, record: Record<string, Encoded>, map: PathMap = defaultPath): void {
  const ours = variablesOf(module);
  for (const [path, e] of mapped(record, map)) {
    const v = ours.get(path);
    if (!v) throw new Error(`load: the module has no variable at ${path}`);
    v.value = decode(e);
  }
}

const ATOL = 1e-5;
const RTOL = 1e-4;

/** |a - ref| <= atol + rtol |ref| element-wise (same shape); integer/bool arrays exactly. */
export function expectClose(actual: tf.Tensor, expected: tf.Tensor | Encoded, what = "", atol = ATOL, rtol = RTOL): void {
  const ref = expected instanceof tf.Tensor ? expected : decode(expected);
  expect(actual.shape, `${what} shape`).toEqual(ref.shape);
  const a = actual.dataSync();
  const e = ref.dataSync();
  if (ref.dtype !== "float32") {
    expect(Array.from(a), what).toEqual(Array.from(e));
    return;
  }
  let worst = -1;
  let worstExcess = 0;
  for (let i = 0; i < e.length; i++) {
    const excess = Math.abs(a[i] - e[i]) - (atol + rtol * Math.abs(e[i]));
    if (!(excess <= 0) && (worst < 0 || !(excess <= worstExcess))) {
      worst = i;
      worstExcess = excess;
    }
  }
  expect(worst < 0 ? "ok" : `${what}[${worst}]: ${a[worst]} vs ${e[worst]}`).toBe("ok");
}

/** expectClose over matching nests (reference leaves may be Encoded). */
export function expectNestClose(actual: Nest, expected: EncodedNest, what = "out", atol = ATOL, rtol = RTOL): void {
  if (expected === null) return;
  if (isEncoded(expected)) {
    expect(actual instanceof tf.Tensor, `${what} is an array`).toBe(true);
    expectClose(actual as tf.Tensor, expected, what, atol, rtol);
    return;
  }
  if (Array.isArray(expected)) {
    expect(Array.isArray(actual), `${what} is a list`).toBe(true);
    expect((actual as Nest[]).length, `${what} length`).toBe(expected.length);
    expected.forEach((e, i) => expectNestClose((actual as Nest[])[i], e, `${what}[${i}]`, atol, rtol));
    return;
  }
  const rec = actual as Record<string, Nest>;
  expect(Object.keys(rec).sort(), `${what} keys`).toEqual(Object.keys(expected).sort());
  for (const [k, e] of Object.entries(expected)) expectNestClose(rec[k], e, `${what}.${k}`, atol, rtol);
}

/** Σ sum(out ⊙ cot) over matching leaves (cot null = not differentiated). */
export function dotWith(out: Nest, cot: Nest): tf.Scalar {
  const terms: tf.Tensor[] = [];
  const walk = (o: Nest, c: Nest) => {
    if (c === null || o === null) return;
    if (c instanceof tf.Tensor) terms.push(tf.sum(tf.mul(o as tf.Tensor, c)));
    else if (Array.isArray(c)) c.forEach((ci, i) => walk((o as Nest[])[i], ci));
    else for (const k of Object.keys(c)) walk((o as Record<string, Nest>)[k], (c as Record<string, Nest>)[k]);
  };
  walk(out, cot);
  return tf.addN(terms) as tf.Scalar;
}

/**
 * Gradients of Σ out ⊙ cot w.r.t. the module's Params and the float inputs,
 * compared with Haiku's.
 */
export function expectGradsClose(
  module: object,
  forward: (...xs: tf.Tensor[]) => Nest,
  ref: HkReference,
  { map = defaultPath, atol = ATOL, rtol = RTOL }: { map?: PathMap; atol?: number; rtol?: number } = {},
): void {
  const cot = decodeNest(ref.cot!);
  const inputs = ref.inputs.map(decodeNest) as tf.Tensor[];
  const floatIdx = Object.keys(ref.gradInputs ?? {}).map(Number);
  const loss = (m: object, ...fx: tf.Tensor[]) => {
    const xs = [...inputs];
    floatIdx.forEach((i, j) => (xs[i] = fx[j]));
    return dotWith(forward(...xs), cot);
  };
  const argnums = [0, ...floatIdx.map((_, j) => j + 1)];
  const grads = nnx.grad(loss, { argnums }) as unknown as (m: object, ...fx: tf.Tensor[]) => [nnx.State, ...tf.Tensor[]];
  const [gp, ...gx] = grads(module, ...floatIdx.map((i) => inputs[i]));
  const ours = new Map(nnx.toFlatState(gp).map(([p, v]) => [p.join("."), (v as Variable).value as tf.Tensor]));
  const theirs = mapped(ref.gradParams ?? {}, map);
  expect([...ours.keys()].sort()).toEqual([...theirs.keys()].sort());
  for (const [path, e] of theirs) expectClose(ours.get(path)!, e, `grad ${path}`, atol, rtol);
  floatIdx.forEach((i, j) => expectClose(gx[j], ref.gradInputs![String(i)], `grad input ${i}`, atol, rtol));
  nnx.dispose(gp);
  tf.dispose(gx);
}

/** Calls `run` many times (disposing what it returns) and checks the live tensor count stays flat. */
export function expectNoLeak(run: () => Nest | void, times = 20): void {
  const free = (x: Nest | void) => {
    if (x === undefined || x === null) return;
    if (x instanceof tf.Tensor) x.dispose();
    else if (Array.isArray(x)) x.forEach(free);
    else Object.values(x).forEach(free);
  };
  free(run()); // first call may create lazily cached tensors
  const before = tf.memory().numTensors;
  for (let i = 0; i < times; i++) free(run());
  expect(tf.memory().numTensors).toBe(before);
}
