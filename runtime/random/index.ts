// jax.random, reimplemented to draw exactly JAX's numbers (default threefry2x32
// PRNG, jax_threefry_partitionable=True, jax_enable_x64=False, float32).
//
// Keys are plain Uint32Array [k0, k1] (what jax.random.key_data returns).
// Every sampler has a `...Values` variant returning a typed array, which the
// tensor-returning function wraps.
//
// Guarantee (checked by test/runtime/random.test.ts against live JAX 0.10.2):
// key/split/fold_in/bits/permutation are integer-exact everywhere; the float
// samplers are bit-identical to XLA:CPU on x86-64, which contracts a*b+c into
// FMAs on any FMA-capable CPU. For XLA without FMA (XLA_FLAGS=
// --xla_cpu_max_isa=AVX, or a CPU lacking FMA) set `xlaMath.fma = false`; that
// mode is bit-identical to such a JAX too. Not modelled: XLA's flush-to-zero of
// subnormal intermediates (only reachable with subnormal-scale min/max/bounds).

import { tf } from "../tf.js";
import { threefry2x32, hashOut } from "./threefry.js";
import { erf32, erf64, erfInv32, log32, madd, f32FromBits, bitsOfF32 } from "./xla_math.js";
import { jitHooks, samplerDepth, type SampleKind } from "../jit/hooks.js";
import { PyFloat } from "../jnp/dtypes.js";

export { xlaMath } from "./xla_math.js";

/** One threefry key: [k0, k1]. */
export type Key = Uint32Array;

const f = Math.fround;
const TWO32 = 4294967296;

function size(shape: number[]): number {
  let n = 1;
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0) throw new Error(`invalid shape [${shape}]`);
    n *= d;
  }
  return n;
}

/**
 * Runs a tensor sampler and tells nnx.jit's tracer (if one listens) how the
 * tensor was made, so a compiled step can draw it again from the next key.
 */
function sampled(kind: SampleKind, k: Key, shape: number[], params: readonly unknown[], make: () => tf.Tensor): tf.Tensor {
  const hook = jitHooks.sample;
  if (!hook) return make();
  samplerDepth.value++;
  try {
    const t = make();
    hook(kind, k, shape, params, t);
    return t;
  } finally {
    samplerDepth.value--;
  }
}

function checkKey(k: Key): void {
  if (!(k instanceof Uint32Array) || k.length !== 2) {
    throw new TypeError("a random Key is a Uint32Array of length 2");
  }
}

/**
 * jax.random.key(seed) with x64 off: [0, seed mod 2^32]. JAX takes the seed as
 * int32/uint32, so -1 becomes [0, 0xffffffff].
 */
export function key(seed: number | bigint): Key {
  if (typeof seed !== "bigint" && !Number.isInteger(seed)) throw new TypeError(`seed must be an integer, got ${seed}`);
  const out = Uint32Array.of(0, Number(BigInt.asUintN(32, BigInt(seed))));
  jitHooks.derive?.("key", null, [], out);
  return out;
}

/** Hashes counter i (a row-major flat index, split hi/lo) into hashOut. */
function hashIndex(k: Key, i: number): void {
  threefry2x32(k[0], k[1], Math.floor(i / TWO32), i >>> 0);
}

/** jax.random.split(key, num): key i is the hash of counter (hi32(i), lo32(i)). */
export function split(k: Key, num = 2): Key[] {
  checkKey(k);
  const out: Key[] = [];
  for (let i = 0; i < num; i++) {
    hashIndex(k, i);
    out.push(Uint32Array.of(hashOut[0], hashOut[1]));
  }
  if (jitHooks.derive) out.forEach((o, i) => jitHooks.derive!("split", k, [num, i], o));
  return out;
}

/** jax.random.fold_in(key, data): hash of (0, uint32(data)). */
export function foldIn(k: Key, data: number): Key {
  checkKey(k);
  // JAX converts data with jnp.asarray(data, dtype='uint32'), which raises
  // OverflowError outside [0, 2^32).
  if (!Number.isInteger(data) || data < 0 || data >= TWO32) {
    throw new RangeError(`fold_in data must be an integer in [0, 2^32), got ${data}`);
  }
  threefry2x32(k[0], k[1], 0, data >>> 0);
  const out = Uint32Array.of(hashOut[0], hashOut[1]);
  jitHooks.derive?.("foldIn", k, [data], out);
  return out;
}

/** jax.random.bits(key, shape) for uint32: element i = y0 ^ y1 of hash(i). */
export function bits(k: Key, shape: number[]): Uint32Array {
  checkKey(k);
  if (samplerDepth.value === 0) jitHooks.rawBits?.(k);
  const n = size(shape);
  const out = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    hashIndex(k, i);
    out[i] = hashOut[0] ^ hashOut[1];
  }
  return out;
}

/** Floats in [0, 1): 23 random mantissa bits under exponent 0, minus 1 (exact). */
function unitFloats(k: Key, n: number): Float32Array {
  const b = bits(k, [n]);
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = f32FromBits((b[i] >>> 9) | 0x3f800000) - 1;
  return out;
}

/**
 * Uniform float32 in [minval, maxval): max(min, u*(max-min) + min), where XLA
 * fuses the multiply-add. min and max are first rounded to float32.
 */
export function uniformValues(
  k: Key,
  shape: number[],
  opts: { minval?: number; maxval?: number } = {},
): Float32Array {
  const lo = f(opts.minval ?? 0);
  const hi = f(opts.maxval ?? 1);
  const range = f(hi - lo);
  const out = unitFloats(k, size(shape));
  for (let i = 0; i < out.length; i++) out[i] = Math.max(lo, madd(out[i], range, lo));
  return out;
}

export function uniform(k: Key, shape: number[], opts: { minval?: number; maxval?: number } = {}): tf.Tensor {
  return sampled("uniform", k, shape, [opts.minval ?? 0, opts.maxval ?? 1], () =>
    tf.tensor(uniformValues(k, shape, opts), shape, "float32"),
  );
}

const SQRT2 = f(Math.SQRT2);
// nextafter(-1, 0) in float32.
const ALMOST_MINUS_ONE = f(-1 + 2 ** -24);

/** Standard normal float32: sqrt2 * erf_inv(u), u uniform in [nextafter(-1, 0), 1). */
export function normalValues(k: Key, shape: number[]): Float32Array {
  const out = uniformValues(k, shape, { minval: ALMOST_MINUS_ONE, maxval: 1 });
  for (let i = 0; i < out.length; i++) out[i] = f(SQRT2 * erfInv32(out[i]));
  return out;
}

export function normal(k: Key, shape: number[]): tf.Tensor {
  return sampled("normal", k, shape, [], () => tf.tensor(normalValues(k, shape), shape, "float32"));
}

// Inside the compiled kernel XLA rewrites `x / sqrt2` into `x * f32(1/sqrt2)`.
const INV_SQRT2 = f32FromBits(0x3f3504f3);

/** The next float32 after x toward `to` (lax.nextafter). */
function nextAfter32(x: number, to: number): number {
  if (Number.isNaN(x) || Number.isNaN(to)) return NaN;
  if (x === to) return to;
  if (x === 0) return to > 0 ? f32FromBits(1) : -f32FromBits(1);
  const b = bitsOfF32(x);
  // Away from zero means +1 on the magnitude bits, whatever the sign.
  return f32FromBits(x < to === x > 0 ? b + 1 : b - 1);
}

export interface TruncatedNormalOpts {
  /**
   * How JAX evaluated erf(bound / sqrt2). "traced" (default): the bounds reach
   * the compiled kernel as values (any eager call, e.g. an initializer outside
   * jit), and XLA's float32 scalar erf runs. "constant": the call sat inside an
   * enclosing jax.jit with Python-number bounds, so XLA constant-folded erf in
   * float64. Both agree for the bounds +-2 the initializers use.
   */
  bounds?: "traced" | "constant";
}

/**
 * jax.random.truncated_normal: u uniform in [erf(lower/√2), erf(upper/√2)),
 * out = √2 * erf_inv(u), clipped to the open interval (lower, upper).
 */
export function truncatedNormalValues(
  k: Key,
  lower: number,
  upper: number,
  shape: number[],
  opts: TruncatedNormalOpts = {},
): Float32Array {
  const lo32 = f(lower);
  const hi32 = f(upper);
  const erfBound =
    opts.bounds === "constant"
      ? (v: number) => f(erf64(f(v / SQRT2)))
      : (v: number) => erf32(f(v * INV_SQRT2), "scalar");
  const out = uniformValues(k, shape, { minval: erfBound(lo32), maxval: erfBound(hi32) });
  const clipLo = nextAfter32(lo32, Infinity);
  const clipHi = nextAfter32(hi32, -Infinity);
  for (let i = 0; i < out.length; i++) {
    const v = f(SQRT2 * erfInv32(out[i]));
    // jnp.clip(x, lo, hi) = min(max(x, lo), hi).
    out[i] = Math.min(Math.max(v, clipLo), clipHi);
  }
  return out;
}

export function truncatedNormal(
  k: Key,
  lower: number,
  upper: number,
  shape: number[],
  opts: TruncatedNormalOpts = {},
): tf.Tensor {
  return sampled("truncatedNormal", k, shape, [lower, upper, opts.bounds ?? "traced"], () =>
    tf.tensor(truncatedNormalValues(k, lower, upper, shape, opts), shape, "float32"),
  );
}

/** jax.random.bernoulli (mode "low"): uniform < float32(p). */
export function bernoulliValues(k: Key, p: number, shape: number[]): Uint8Array {
  const p32 = f(p);
  const u = uniformValues(k, shape);
  const out = new Uint8Array(u.length);
  for (let i = 0; i < u.length; i++) out[i] = u[i] < p32 ? 1 : 0;
  return out;
}

/**
 * jax.random.bernoulli(key, p, shape): `uniform(key, shape) < p`. `p` may be an array (a
 * probability per element, broadcast against `shape`); without `shape` the draw has p's shape.
 */
export function bernoulli(k: Key, p: number | PyFloat | tf.Tensor = 0.5, shape?: number[] | null): tf.Tensor {
  // A Python float (translated code marks them): the probability itself.
  if (p instanceof PyFloat) p = p.value;
  if (typeof p === "number") {
    const s = shape ?? [];
    return sampled("bernoulli", k, s, [p], () => tf.tensor(bernoulliValues(k, p, s), s, "bool"));
  }
  const s = shape ?? p.shape;
  return tf.tidy(() => tf.less(uniform(k, s), p));
}

const TINY = f32FromBits(0x00800000); // finfo(float32).tiny

/** jax.random.gumbel (mode "low"): -log(-log(uniform(tiny, 1))), XLA's logf. */
export function gumbelValues(k: Key, shape: number[]): Float32Array {
  const out = uniformValues(k, shape, { minval: TINY, maxval: 1 });
  for (let i = 0; i < out.length; i++) out[i] = -log32(-log32(out[i]));
  return out;
}

export function gumbel(k: Key, shape: number[]): tf.Tensor {
  return sampled("gumbel", k, shape, [], () => tf.tensor(gumbelValues(k, shape), shape, "float32"));
}

/** Row-major strides of `shape`, with 0 for size-1 (broadcast) axes. */
function broadcastStrides(shape: number[]): number[] {
  const strides = new Array<number>(shape.length);
  let s = 1;
  for (let d = shape.length - 1; d >= 0; d--) {
    strides[d] = shape[d] === 1 ? 0 : s;
    s *= shape[d];
  }
  return strides;
}

/**
 * jax.random.categorical (replace=True, mode "low"): argmax over `axis` of
 * gumbel(key, G) + logits, G = [...prefix, ...shape's batch part with the
 * category axis inserted]; logits broadcast against G. First index on ties.
 */
export function categoricalValues(
  k: Key,
  logits: Float32Array,
  logitsShape: number[],
  opts: { axis?: number; shape?: number[] } = {},
): { values: Int32Array; shape: number[] } {
  const rank = logitsShape.length;
  if (rank === 0) throw new Error("categorical: logits must have rank >= 1");
  let axis = opts.axis ?? -1;
  if (axis < -rank || axis >= rank) throw new Error(`categorical: axis ${axis} out of range`);
  if (axis >= 0) axis -= rank; // JAX counts the axis from the end
  const batchShape = logitsShape.filter((_, d) => d !== rank + axis);
  const shape = opts.shape ?? batchShape;
  const prefixLen = shape.length - batchShape.length;
  const bcastOk = batchShape.every((d, i) => d === 1 || d === shape[prefixLen + i]);
  if (prefixLen < 0 || !bcastOk) {
    throw new Error(`categorical: shape [${shape}] is not compatible with batch shape [${batchShape}]`);
  }
  const gShape = [...shape];
  gShape.splice(gShape.length + 1 + axis, 0, logitsShape[rank + axis]);
  const g = gumbelValues(k, gShape);
  // Strides of the logits, aligned to the trailing axes of gShape.
  const lStrides = [...new Array<number>(prefixLen).fill(0), ...broadcastStrides(logitsShape)];
  const gAxis = gShape.length + axis;
  const nCat = gShape[gAxis];
  const inner = size(gShape.slice(gAxis + 1));
  const outer = size(gShape.slice(0, gAxis));
  const values = new Int32Array(outer * inner);
  const idx = new Array<number>(gShape.length).fill(0);
  for (let o = 0; o < outer; o++) {
    for (let b = 0; b < inner; b++) {
      // Multi-index of (o, category 0, b) in gShape, to address the logits.
      let rem = o * nCat * inner + b;
      for (let d = gShape.length - 1; d >= 0; d--) {
        idx[d] = rem % gShape[d];
        rem = Math.floor(rem / gShape[d]);
      }
      let lBase = 0;
      for (let d = 0; d < gShape.length; d++) lBase += idx[d] * lStrides[d];
      let best = -Infinity;
      let arg = 0;
      for (let c = 0; c < nCat; c++) {
        const v = f(g[(o * nCat + c) * inner + b] + logits[lBase + c * lStrides[gAxis]]);
        // jnp.argmax: the first maximum; a NaN counts as the maximum.
        if (Number.isNaN(v)) {
          arg = c;
          break;
        }
        if (v > best || c === 0) {
          best = v;
          arg = c;
        }
      }
      values[o * inner + b] = arg;
    }
  }
  return { values, shape };
}

export function categorical(
  k: Key,
  logits: tf.Tensor,
  opts: { axis?: number; shape?: number[] } = {},
): tf.Tensor {
  if (logits.dtype !== "float32") throw new Error("categorical: logits must be float32");
  const { values, shape } = categoricalValues(k, logits.dataSync() as Float32Array, logits.shape, opts);
  return tf.tensor(values, shape, "int32");
}

/**
 * The order jax.random.permutation puts n items in: `rounds` stable sorts by
 * fresh random uint32 keys, rounds = ceil(3 ln n / ln(2^32 - 1)), each round
 * using a new subkey from split(key).
 */
export function permutationIndices(k: Key, n: number): Int32Array {
  let idx = new Int32Array(n);
  for (let i = 0; i < n; i++) idx[i] = i;
  const rounds = Math.ceil((3 * Math.log(Math.max(1, n))) / Math.log(4294967295));
  // Stable sort by key: sort key * 2^s + position as float64, exact while
  // n <= 2^21 (32 + 21 bits); a comparator sort (also stable) beyond that.
  const packed = n <= 1 << 21 ? new Float64Array(n) : null;
  let cur = k;
  for (let r = 0; r < rounds; r++) {
    const [next, sub] = split(cur);
    cur = next;
    const sortKeys = bits(sub, [n]);
    const order = new Int32Array(n);
    if (packed) {
      for (let i = 0; i < n; i++) packed[i] = sortKeys[i] * 2097152 + i;
      packed.sort();
      for (let i = 0; i < n; i++) order[i] = packed[i] % 2097152;
    } else {
      const o = Array.from({ length: n }, (_, i) => i).sort((x, y) => sortKeys[x] - sortKeys[y] || x - y);
      order.set(o);
    }
    const nextIdx = new Int32Array(n);
    for (let i = 0; i < n; i++) nextIdx[i] = idx[order[i]];
    idx = nextIdx;
  }
  return idx;
}

/**
 * jax.random.randint(key, shape, minval, maxval) for int32 (x64 off) and fixed
 * bounds, as jax/_src/random/core.py's _randint: two 32-bit draws (split keys)
 * combined modulo the span, in uint32 arithmetic that wraps as XLA's does.
 */
export function randintValues(k: Key, shape: number[], minval: number, maxval: number): Int32Array {
  if (!Number.isInteger(minval) || !Number.isInteger(maxval)) throw new TypeError("randint: minval and maxval must be integers");
  const INT32_MAX = 2147483647;
  const INT32_MIN = -2147483648;
  const outOfRange = maxval > INT32_MAX;
  const lo = Math.min(Math.max(minval, INT32_MIN), INT32_MAX);
  const hi = Math.min(Math.max(maxval, INT32_MIN), INT32_MAX);
  const [k1, k2] = split(k);
  const higher = bits(k1, shape);
  const lower = bits(k2, shape);
  let span = ((hi - lo) | 0) >>> 0;
  if (hi <= lo) span = 1;
  if (outOfRange && hi > lo) span = (span + 1) >>> 0;
  // XLA's unsigned remainder by zero is the dividend.
  const rem = (x: number) => (span === 0 ? x : x % span);
  let multiplier = rem(65536);
  multiplier = rem(Math.imul(multiplier, multiplier) >>> 0);
  const out = new Int32Array(higher.length);
  for (let i = 0; i < out.length; i++) {
    const offset = rem(((Math.imul(rem(higher[i]), multiplier) >>> 0) + rem(lower[i])) >>> 0);
    out[i] = (lo + offset) | 0;
  }
  return out;
}

/** jax.random.randint(key, shape, minval, maxval): int32. */
export function randint(k: Key, shape: number[], minval: number, maxval: number): tf.Tensor {
  return tf.tensor(randintValues(k, shape, minval, maxval), shape, "int32");
}

/**
 * jax.random.permutation(key, x, axis) (independent=False): an integer n gives
 * a shuffled arange(n) (int32); a tensor is shuffled along `axis`.
 */
export function permutation(k: Key, x: number | tf.Tensor, opts: { axis?: number } = {}): tf.Tensor {
  if (typeof x === "number") {
    if (!Number.isInteger(x) || x < 0) throw new Error("permutation: x must be a non-negative integer");
    return sampled("permutation", k, [x], [], () => tf.tensor(permutationIndices(k, x), [x], "int32"));
  }
  if (x.rank === 0) throw new Error("permutation: x must be an integer or at least 1-dimensional");
  const axis = (((opts.axis ?? 0) % x.rank) + x.rank) % x.rank;
  return tf.tidy(() => tf.gather(x, permutation(k, x.shape[axis]), axis));
}
