// Moving parameters between a runtime model and a Python NNX/Linen model by
// flat dotted path, and comparing arrays within tolerance or bit for bit.
import { expect } from "vitest";
import { nnx, random, tf } from "../../runtime/index.js";
import { toFlatState } from "../../runtime/state.js";

export type Nested = number | boolean | Nested[];

/**
 * Python helpers for snippets: flat Param dicts (`flat(m)`), float32 bits
 * (`u32(a)`), lists (`tl(a)`), and NumPy-drawn test data (`rnd`, `randomize`):
 * jax.random compiles once per shape, which costs about a second each.
 */
export const PY_PRELUDE = `
import json, jax, jax.numpy as jnp, numpy as np
from flax import nnx
def tl(a): return np.asarray(a).tolist()
def u32(a): return np.asarray(a, np.float32).view(np.uint32).ravel().tolist()
def flat(m, f=nnx.Param): return {'.'.join(map(str, p)): tl(v[...]) for p, v in nnx.to_flat_state(nnx.state(m, f))}
def flatbits(m, f=nnx.Param): return {'.'.join(map(str, p)): u32(v[...]) for p, v in nnx.to_flat_state(nnx.state(m, f))}
def shapes(m, f=nnx.Param): return {'.'.join(map(str, p)): list(v[...].shape) for p, v in nnx.to_flat_state(nnx.state(m, f))}
def keydata(k): return [int(v) for v in jax.random.key_data(k)]
def rnd(seed, shape): return jnp.asarray(np.random.default_rng(seed).standard_normal(shape), jnp.float32)
def randomize(m, seed, scale=1.0, f=nnx.Param):
  for i, (p, v) in enumerate(nnx.to_flat_state(nnx.state(m, f))): v[...] = rnd(seed * 1000 + i, v[...].shape) * scale
`;

export const bits = (t: tf.Tensor): number[] => Array.from(new Uint32Array(new Float32Array(t.dataSync()).buffer));

/** [dotted path, Variable] of the model's Variables matching `filter` (default Param). */
export function flatVariables(model: object, filter: nnx.Filter = nnx.Param): [string, nnx.Variable][] {
  return toFlatState(nnx.state(model, filter)).map(([p, v]) => [p.join("."), v as nnx.Variable]);
}

/** Sets each Param at a dotted path to the given values; every Param must be given. */
export function loadParams(model: object, flat: Record<string, Nested>): void {
  const vars = flatVariables(model);
  expect(vars.map(([p]) => p).sort()).toEqual(Object.keys(flat).sort());
  for (const [p, v] of vars) {
    const value = tf.tensor(flat[p] as number[], v.shape, "float32");
    expect(value.shape).toEqual(v.shape);
    v.value = value;
  }
}

/** Float32 bits of each Param, by dotted path. */
export function paramBits(model: object): Record<string, number[]> {
  return Object.fromEntries(flatVariables(model).map(([p, v]) => [p, bits(v.value)]));
}

export function paramShapes(model: object): Record<string, number[]> {
  return Object.fromEntries(flatVariables(model).map(([p, v]) => [p, v.shape]));
}

/** The largest |actual - expected| / (atol + rtol·|expected|) any expectClose saw in this file (1 = at the tolerance). */
export const closeStats = { worst: 0, where: "", compared: 0 };

/** |actual - expected| <= atol + rtol * |expected| element-wise, same shape. */
export function expectClose(actual: tf.Tensor, expected: Nested, what = "", rtol = 1e-4, atol = 1e-5): void {
  const e = [expected].flat(Infinity as 1) as number[];
  const shape = tf.tidy(() => tf.tensor(expected as number[]).shape);
  if (Array.isArray(expected)) expect(actual.shape, `${what} shape`).toEqual(shape);
  else expect(actual.size, `${what} size`).toBe(1);
  const a = Array.from(actual.dataSync());
  expect(a.length, `${what} size`).toBe(e.length);
  expect(e.length, `${what}: nothing compared`).toBeGreaterThan(0);
  let worst = -1;
  let worstExcess = 0;
  a.forEach((v, i) => {
    const bound = atol + rtol * Math.abs(e[i]);
    const excess = Math.abs(v - e[i]) - bound;
    if (!(excess <= 0) && (worst < 0 || !(excess <= worstExcess))) [worst, worstExcess] = [i, excess];
    const ratio = Math.abs(v - e[i]) / bound;
    if (ratio > closeStats.worst) [closeStats.worst, closeStats.where] = [ratio, what];
  });
  closeStats.compared += a.length;
  expect(worst, worst < 0 ? "" : `${what} index ${worst}: ${a[worst]} vs ${e[worst]}`).toBe(-1);
}

/** Largest |actual - expected| (for reporting measured bounds). */
export function maxAbsDiff(actual: tf.Tensor, expected: Nested): number {
  const e = [expected].flat(Infinity as 1) as number[];
  const a = actual.dataSync();
  let m = 0;
  for (let i = 0; i < e.length; i++) m = Math.max(m, Math.abs(a[i] - e[i]));
  return m;
}

/**
 * Compares a State of gradients with a flat {path: values} dict from Python.
 * `zeroPaths`: Params whose exact gradient is 0 (e.g. attention's key bias:
 * softmax is shift-invariant per row), where both sides hold float32 rounding
 * noise of the other terms; those are checked to be noise (|g| <= 1e-4) on both
 * sides instead of equal to each other.
 */
export function expectGradsClose(grads: nnx.State, expected: Record<string, Nested>, what = "grad", zeroPaths: string[] = []): void {
  const flat = toFlatState(grads).map(([p, v]) => [p.join("."), v] as const);
  expect(flat.map(([p]) => p).sort()).toEqual(Object.keys(expected).sort());
  for (const [p, v] of flat) {
    const t = v instanceof nnx.Variable ? (v.value as tf.Tensor) : (v as tf.Tensor);
    if (zeroPaths.includes(p)) {
      const e = [expected[p]].flat(Infinity as 1) as number[];
      expect(e.length).toBe(t.size);
      for (const x of [...t.dataSync(), ...e]) expect(Math.abs(x), `${what} ${p} should be ~0`).toBeLessThanOrEqual(1e-4);
    } else {
      expectClose(t, expected[p], `${what} ${p}`);
    }
  }
}

/**
 * Every Param's "init" metadata redraws its value from the key it was made
 * with: the layers were built in order from `nnx.Rngs(seed)` (params falling
 * back to the default stream), drawing the Params at `order` (dotted paths per
 * layer, in draw order), so draw i used foldIn(key(seed), i).
 */
export function expectInitsReproduce(layers: [object, string[]][], seed: number, firstDraw = 0): void {
  let draw = firstDraw;
  for (const [layer, order] of layers) {
    const vars = new Map(flatVariables(layer));
    expect([...vars.keys()].sort()).toEqual([...order].sort());
    for (const path of order) {
      const v = vars.get(path)!;
      const init = v.getMetadata("init") as nnx.Initializer;
      expect(typeof init, path).toBe("function");
      const again = init(random.foldIn(random.key(seed), draw++), v.shape, "float32");
      expect(bits(again), path).toEqual(bits(v.value));
      again.dispose();
    }
  }
}

/** Calls `run` `times` times (after one warm-up call) and checks the live tensor count does not grow. */
export function expectFlatMemory(run: () => void, times = 30): void {
  run();
  const before = tf.memory().numTensors;
  for (let i = 0; i < times; i++) run();
  expect(tf.memory().numTensors).toBe(before);
}
