// Shared by the layer tests (test/runtime/{conv,pooling,normalization,...}.test.ts):
// comparisons against live Python and a leak check.
import { expect } from "vitest";
import { nnx, tf } from "../../runtime/index.js";

export type Nested = number | null | Nested[];

/** float32 bit patterns, for bit-exact init comparisons (Python side: u32() of PY_PRELUDE). */
export function bits(t: tf.Tensor): number[] {
  return Array.from(new Uint32Array(new Float32Array(t.dataSync()).buffer));
}

/** Flattens a nested JSON array; null stands for NaN (PY_PRELUDE's tolist writes NaN/inf as strings). */
function flat(x: Nested | string): number[] {
  if (typeof x === "string") return [Number(x)];
  if (x === null) return [NaN];
  if (typeof x === "number") return [x];
  return x.flatMap((e) => flat(e as Nested | string));
}

function shapeOf(x: Nested | string): number[] {
  return Array.isArray(x) ? [x.length, ...(x.length > 0 ? shapeOf(x[0]) : [])] : [];
}

/** A tensor from a nested JSON array (as written by PY_PRELUDE's tolist). */
export function tensor(x: Nested | string, dtype: "float32" | "int32" = "float32"): tf.Tensor {
  return tf.tensor(flat(x), shapeOf(x), dtype);
}

/**
 * |actual - expected| <= atol + rtol * |expected| element-wise, same shape; NaN
 * must meet NaN and infinities must be equal. Defaults: the shared tolerance
 * (common.md). Returns the largest |difference| for reports.
 */
export function expectClose(actual: tf.Tensor, expected: Nested | string, what = "", atol = 1e-5, rtol = 1e-4): number {
  expect(actual.shape, `${what} shape`).toEqual(shapeOf(expected));
  const a = Array.from(actual.dataSync());
  const e = flat(expected);
  let worst = 0;
  a.forEach((v, i) => {
    const r = e[i];
    if (Number.isNaN(r) || !Number.isFinite(r)) {
      expect(Object.is(v, r) || (Number.isNaN(v) && Number.isNaN(r)), `${what}[${i}]: ${v} vs ${r}`).toBe(true);
      return;
    }
    const d = Math.abs(v - r);
    worst = Math.max(worst, d);
    expect(d, `${what}[${i}]: ${v} vs ${r}`).toBeLessThanOrEqual(atol + rtol * Math.abs(r));
  });
  return worst;
}

/** Calls `f` many times and checks the number of live tensors does not grow. */
export function expectNoLeak(f: () => void, times = 50): void {
  f(); // warm-up: lazily created constants
  const before = tf.memory().numTensors;
  for (let i = 0; i < times; i++) f();
  expect(tf.memory().numTensors).toBe(before);
}

/** sum(f(...) * c) for a fixed cotangent c: what the tests differentiate. */
export function dot(y: tf.Tensor, c: tf.Tensor): tf.Scalar {
  return tf.sum(tf.mul(y, c)) as tf.Scalar;
}

/** Gradients of sum(model.call(x) * c) w.r.t. the model's Params and x, as nnx.grad(..., argnums=(0, 1)). */
export function modelAndInputGrads<M extends { call(x: tf.Tensor): tf.Tensor }>(
  model: M,
  x: tf.Tensor,
  c: tf.Tensor,
): [nnx.State, tf.Tensor] {
  const g = nnx.grad((m: M, xx: tf.Tensor) => dot(m.call(xx), c), { argnums: [0, 1] })(model, x);
  return [g[0] as nnx.State, g[1] as tf.Tensor];
}

/**
 * Python helpers for the snippets: u32(a) gives float32 bit patterns, tl(a)
 * nested lists with NaN/inf as strings (JSON has no NaN), and grads(model, x, c)
 * the gradients of sum(model(x) * c) w.r.t. the model's Params and x.
 */
export const PY_PRELUDE = `
import json, sys, math
import numpy as np
import jax, jax.numpy as jnp
from flax import nnx
def u32(a): return np.asarray(a, np.float32).view(np.uint32).ravel().tolist()
def _fix(v):
  if isinstance(v, list): return [_fix(e) for e in v]
  if isinstance(v, float) and not math.isfinite(v): return "NaN" if math.isnan(v) else ("Infinity" if v > 0 else "-Infinity")
  return v
def tl(a): return _fix(np.asarray(a).tolist())
def grads(model, x, c):
  # One compiled gradient (much faster than op-by-op in eager mode).
  gm, gx = nnx.jit(lambda m, x, c: nnx.grad(lambda m, x: jnp.sum(m(x) * c), argnums=(0, 1))(m, x))(model, x, c)
  return {"/".join(map(str, p)): tl(v[...]) for p, v in nnx.to_flat_state(gm)}, tl(gx)
`;
