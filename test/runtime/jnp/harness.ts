// Table-driven comparison of the jnp/lax facade with live JAX. A table is a
// list of [python expression, TypeScript thunk] pairs; the Python side runs
// once per file (inputs defined by a snippet, every expression evaluated,
// results or the exception encoded as JSON), and each pair becomes a test that
// compares dtype, shape and values (NaN and infinities included), expects a
// throw where JAX raises, and checks that repeated calls leave
// tf.memory().numTensors flat.
import path from "node:path";
import { fileURLToPath } from "node:url";
import { expect, test } from "vitest";
import { tf } from "../../../runtime/index.js";
import { pythonJson } from "../../helpers/python.js";

type Value = number | boolean | string;
export type Encoded = { dtype: string; shape: number[]; data: Value[] } | { list: Encoded[] } | { error: string };
export type Out = tf.Tensor | readonly Out[];
export type Inputs = Record<string, tf.Tensor>;

export interface CaseOptions {
  /** Floats must match bit for bit (data movement, rounding, exact kernels). */
  exact?: boolean;
  /** Relative tolerance for floats (default 1e-4, with atol 1e-5). */
  rtol?: number;
  atol?: number;
  /** Skip the memory check (the thunk itself builds tensors it does not free). */
  noMemoryCheck?: boolean;
}

export type Case = readonly [py: string, ts: (v: Inputs) => Out, options?: CaseOptions];

// Every distinct op JAX runs eagerly is an XLA compilation (~40 ms); a table of
// a thousand expressions would take most of a minute, so compilations are
// cached across runs in the checkout's (git-ignored) .cache folder.
const CACHE = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../../../.cache/jax-compilation");

const PRELUDE = `
import json, math, numpy as np, jax, jax.numpy as jnp
from jax import lax
jax.config.update("jax_compilation_cache_dir", ${JSON.stringify(CACHE)})
jax.config.update("jax_persistent_cache_min_compile_time_secs", 0)
jax.config.update("jax_persistent_cache_min_entry_size_bytes", -1)
def enc(v):
    if isinstance(v, (list, tuple)): return {"list": [enc(e) for e in v]}
    a = np.asarray(v)
    data = [x if not (isinstance(x, float) and not math.isfinite(x)) else str(x) for x in a.ravel().tolist()]
    return {"dtype": str(a.dtype), "shape": list(a.shape), "data": data}
def cot(shape):
    n = int(np.prod(shape)) if len(shape) else 1
    return jnp.asarray(((np.arange(n) % 7) - 3) * 0.25, jnp.float32).reshape(shape)
def G(f, *args, argnums=0):
    """The gradient of sum(f(*args) * c) for a fixed cotangent c."""
    c = cot(jnp.shape(f(*args)))
    return jax.grad(lambda *a: jnp.sum(f(*a) * c), argnums=argnums)(*args)
`;

/** The fixed cotangent of PRELUDE's cot(): ((i % 7) - 3) / 4, exact in float32. */
export function cot(shape: number[]): tf.Tensor {
  const n = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(Float32Array.from({ length: n }, (_, i) => ((i % 7) - 3) * 0.25), shape);
}

/** tf's gradient of sum(f(...args) * c) w.r.t. args[argnums], as PRELUDE's G. */
export function G(f: (...xs: tf.Tensor[]) => tf.Tensor, args: tf.Tensor[], argnums: number | number[] = 0): Out {
  return tf.tidy(() => {
    const nums = typeof argnums === "number" ? [argnums] : argnums;
    const c = cot(f(...args).shape);
    // Fresh tensors to differentiate, so a function that also closes over an input treats that use as a constant (as Python's G).
    const g = tf.grads((...ws: tf.Tensor[]) => {
      const all = args.map((a, i) => (nums.includes(i) ? ws[nums.indexOf(i)] : a));
      return tf.sum(tf.mul(f(...all), c));
    })(nums.map((i) => args[i].clone()));
    return typeof argnums === "number" ? g[0] : g;
  });
}

function decode(e: Encoded & { dtype: string }): tf.Tensor {
  const vals = e.data.map((v) => (typeof v === "string" ? Number(v.replace("inf", "Infinity")) : v));
  if (e.dtype === "bool") return tf.tensor(vals as boolean[], e.shape, "bool");
  return tf.tensor(vals as number[], e.shape, e.dtype as "float32" | "int32");
}

function values(t: tf.Tensor): number[] {
  return Array.from(t.dataSync() as ArrayLike<number>);
}

function compare(actual: Out, expected: Encoded, opts: CaseOptions, where: string): void {
  if ("error" in expected) throw new Error(`${where}: JAX raised ${expected.error}`);
  if ("list" in expected) {
    expect(Array.isArray(actual), `${where}: JAX returns a sequence`).toBe(true);
    const list = actual as readonly Out[];
    expect(list.length, `${where}: length`).toBe(expected.list.length);
    expected.list.forEach((e, i) => compare(list[i], e, opts, `${where}[${i}]`));
    return;
  }
  expect(actual instanceof tf.Tensor, `${where}: a tensor`).toBe(true);
  const t = actual as tf.Tensor;
  expect(t.dtype, `${where}: dtype`).toBe(expected.dtype);
  expect(t.shape, `${where}: shape`).toEqual(expected.shape);
  const got = values(t);
  const want = expected.data.map((v) => (typeof v === "string" ? Number(v.replace("inf", "Infinity")) : Number(v)));
  const { rtol = 1e-4, atol = 1e-5 } = opts;
  const exact = opts.exact || t.dtype !== "float32";
  const bad: string[] = [];
  want.forEach((w, i) => {
    const g = got[i];
    const ok = Number.isNaN(w) ? Number.isNaN(g) : exact || !Number.isFinite(w) ? g === w : Math.abs(g - w) <= atol + rtol * Math.abs(w);
    if (!ok && bad.length < 5) bad.push(`[${i}] ${g} vs ${w}`);
  });
  expect(bad, `${where}: values (first mismatches)`).toEqual([]);
}

function dispose(o: Out): void {
  if (o instanceof tf.Tensor) o.dispose();
  else for (const e of o) dispose(e);
}

/**
 * Registers one test per case. `inputs` is Python code defining the arrays the
 * expressions use (every jax array it defines is passed to the thunks by name).
 */
export function compareWithJax(inputs: string, cases: readonly Case[]): void {
  let ref: { inputs: Record<string, Encoded & { dtype: string }>; results: Encoded[] } | undefined;
  let v: Inputs | undefined;
  const load = () => {
    if (!ref) {
      ref = pythonJson(`${PRELUDE}
${inputs}
_inputs = {k: enc(x) for k, x in list(globals().items()) if isinstance(x, jax.Array) and not k.startswith("_")}
_results = []
for _expr in json.loads(${JSON.stringify(JSON.stringify(cases.map((c) => c[0])))}):
    try:
        _results.append(enc(eval(_expr)))
    except Exception as _e:
        _results.append({"error": type(_e).__name__ + ": " + str(_e)})
print(json.dumps({"inputs": _inputs, "results": _results}))`);
      v = Object.fromEntries(Object.entries(ref.inputs).map(([k, e]) => [k, tf.keep(decode(e))]));
    }
    return { ref: ref!, v: v! };
  };
  cases.forEach(([py, ts, opts = {}], i) => {
    test(py, () => {
      const { ref: r, v: inputs } = load();
      const expected = r.results[i];
      if ("error" in expected) {
        expect(() => dispose(ts(inputs)), `JAX raised ${expected.error}`).toThrow();
        return;
      }
      const out = ts(inputs);
      compare(out, expected, opts, py);
      dispose(out);
      if (opts.noMemoryCheck) return;
      const before = tf.memory().numTensors;
      for (let k = 0; k < 3; k++) dispose(ts(inputs));
      expect(tf.memory().numTensors - before, `${py}: tensors left after 3 calls`).toBe(0);
    });
  });
}
