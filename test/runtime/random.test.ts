// runtime/random against live jax.random (pinned .venv), bit for bit.
//
// One case table drives both sides: test/runtime/python/random_vectors.py
// draws JAX's numbers for every case into a binary file, and each test
// recomputes the same case in JS and counts differing uint32 words.
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as random from "../../runtime/random/index.js";
import { xlaMath } from "../../runtime/random/index.js";
import { erf32, erfInv32, log1p32, log32 } from "../../runtime/random/xla_math.js";
import { tf } from "../../runtime/tf.js";
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import { pythonExecutable } from "../../src/verify/python-env.js";

const SCRIPT_PATH = fileURLToPath(new URL("./python/random_vectors.py", import.meta.url));

type Case = { op: string; [k: string]: unknown };

const u32 = (a: Float32Array | Int32Array) => new Uint32Array(a.buffer, a.byteOffset, a.length);
const raw = (k: Uint32Array) => [k[0], k[1]];

/** Number of positions where the two uint32 arrays differ (lengths must match). */
function differing(a: Uint32Array, b: Uint32Array): number {
  expect(a.length).toBe(b.length);
  let n = 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) n++;
  return n;
}

/**
 * Runs the generator on `cases` and returns one Uint32Array per case. Async
 * (unlike helpers/python.ts's runPython) so the FMA and no-FMA runs overlap.
 */
async function jaxVectors(dir: string, name: string, cases: Case[], xlaFlags: string | null = null) {
  const out = join(dir, `${name}.bin`);
  const spec = join(dir, `${name}.json`);
  writeFileSync(spec, JSON.stringify({ out, xla_flags: xlaFlags, cases }));
  await promisify(execFile)(pythonExecutable(), [SCRIPT_PATH, spec], {
    env: { ...process.env, JAX_PLATFORMS: "cpu" },
    maxBuffer: 1 << 26,
  });
  const buf = readFileSync(out);
  const words = new Uint32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4);
  const records: Uint32Array[] = [];
  for (let at = 0; at < words.length;) {
    const n = words[at];
    records.push(words.slice(at + 1, at + 1 + n));
    at += 1 + n;
  }
  expect(records.length).toBe(cases.length);
  return records;
}

// ---------------------------------------------------------------------------
// The case table.

// Keys with k0 = 0 (fresh) and k0 != 0 (derived), so both key words matter.
const KEYS: Uint32Array[] = [
  random.key(0),
  random.key(42),
  random.key(2 ** 31 + 5),
  random.split(random.key(7), 3)[2],
  random.foldIn(random.key(1), 99),
];
// Odd sizes, size 1, scalars, and sizes over 2^16.
const SHAPES: number[][] = [
  [],
  [1],
  [2],
  [7],
  [8],
  [9],
  [3, 5],
  [2, 3, 4],
  [1000],
  [65537],
  [70001],
  [256, 257],
];
const SMALL_SHAPES = SHAPES.filter((s) => s.reduce((a, b) => a * b, 1) <= 1000);

const SEEDS = [0, 1, 42, 2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1, 2 ** 32, 2 ** 40 + 5, -1, -123456, -(2 ** 31)];
const FOLD_DATA = [0, 1, 7, 12345, 2 ** 31 - 1, 2 ** 31, 2 ** 32 - 1];
const UNIFORM_RANGES: [number, number][] = [
  [0, 1],
  [-3, 5],
  [-1, 1],
  [0.1, 0.2],
  [-1e-3, 1e6],
  [2, 2.5],
  [-7.25, -7],
];
const TN_BOUNDS: [number, number][] = [
  [-2, 2],
  [-1, 3],
  [-3.8, 3.8],
  [0.5, 1.5],
  [-0.1, 0.1],
  [-10, 10],
  [1, 8],
  [-5.35, 5.35],
];
const BERNOULLI_P = [0, 0.1, 0.5, 0.9, 1, 1 / 3];

const keyCases: Case[] = SEEDS.map((seed) => ({ op: "key", seed }));
const splitCases: Case[] = KEYS.flatMap((k) => [2, 3, 7].map((num) => ({ op: "split", key: raw(k), num })));
const foldCases: Case[] = KEYS.flatMap((k) =>
  FOLD_DATA.map((data) => ({ op: "fold_in", key: raw(k), data })),
);
const bitsCases: Case[] = KEYS.slice(0, 3).flatMap((k) =>
  SHAPES.map((shape) => ({ op: "bits", key: raw(k), shape })),
);
const uniformCases: Case[] = [
  ...SHAPES.map((shape, i) => ({
    op: "uniform",
    key: raw(KEYS[i % KEYS.length]),
    shape,
    minval: 0,
    maxval: 1,
  })),
  ...KEYS.flatMap((k) =>
    UNIFORM_RANGES.map(([minval, maxval]) => ({ op: "uniform", key: raw(k), shape: [4099], minval, maxval })),
  ),
];
const normalCases: Case[] = [
  ...SHAPES.map((shape) => ({ op: "normal", key: raw(KEYS[0]), shape })),
  ...SHAPES.map((shape) => ({ op: "normal", key: raw(KEYS[3]), shape })),
  ...KEYS.map((k) => ({ op: "normal", key: raw(k), shape: [70001] })),
];
const tnCases: Case[] = [
  ...SMALL_SHAPES.map((shape) => ({ op: "truncated_normal", key: raw(KEYS[1]), lower: -2, upper: 2, shape })),
  ...KEYS.slice(0, 3).flatMap((k) =>
    TN_BOUNDS.map(([lower, upper]) => ({
      op: "truncated_normal",
      key: raw(k),
      lower,
      upper,
      shape: [20001],
    })),
  ),
];
// Bounds as jit constants: XLA constant-folds erf(bound / sqrt2) in float64.
const tnConstCases: Case[] = TN_BOUNDS.map(([lower, upper]) => ({
  op: "truncated_normal",
  key: raw(KEYS[4]),
  lower,
  upper,
  shape: [20001],
  bounds: "constant",
}));
const bernoulliCases: Case[] = BERNOULLI_P.flatMap((p) =>
  [[], [9], [65537]].map((shape, i) => ({ op: "bernoulli", key: raw(KEYS[i]), p, shape })),
);
const gumbelCases: Case[] = [[1], [7], [3, 5], [70001]].map((shape, i) => ({
  op: "gumbel",
  key: raw(KEYS[i]),
  shape,
}));

function logitsOf(shape: number[], seed: number): (number | "-inf")[] {
  // Deterministic, varied float32 logits with one -inf ("-inf": JSON has no infinities).
  const n = shape.reduce((a, b) => a * b, 1);
  return Array.from({ length: n }, (_, i) =>
    i === 1 ? "-inf" : Math.fround(Math.sin(i * 12.9898 + seed) * 3),
  );
}
const CATEGORICAL: { logits_shape: number[]; axis: number; sample_shape?: number[] }[] = [
  { logits_shape: [10], axis: -1 },
  { logits_shape: [10], axis: 0, sample_shape: [5000] },
  { logits_shape: [4, 6], axis: -1 },
  { logits_shape: [4, 6], axis: 0 },
  { logits_shape: [4, 6], axis: 1, sample_shape: [3, 4] },
  { logits_shape: [1, 6], axis: -1, sample_shape: [2, 5] }, // broadcast batch axis
  { logits_shape: [2, 3, 5], axis: 1, sample_shape: [7, 2, 5] },
];
const categoricalCases: Case[] = CATEGORICAL.map((c, i) => ({
  op: "categorical",
  key: raw(KEYS[i % KEYS.length]),
  logits: logitsOf(c.logits_shape, i),
  ...c,
}));
const permutationCases: Case[] = [
  ...[0, 1, 2, 10, 1000, 70001].map((n, i) => ({ op: "permutation", key: raw(KEYS[i % KEYS.length]), n })),
  { op: "permutation", key: raw(KEYS[2]), x_shape: [5, 3], axis: 0 },
  { op: "permutation", key: raw(KEYS[3]), x_shape: [5, 3], axis: 1 },
  { op: "permutation", key: raw(KEYS[4]), x_shape: [2, 4, 3], axis: -2 },
];
// The XLA float32 special functions themselves, on inputs Python generates.
const PRIM_N = 1 << 18;
const primCases: Case[] = [
  { op: "prim", fn: "erf_inv", n: PRIM_N, seed: 1 },
  { op: "prim", fn: "log", n: PRIM_N, seed: 2 },
  { op: "prim", fn: "log1p", n: PRIM_N, seed: 3 },
  { op: "prim", fn: "erf", n: PRIM_N, seed: 4 },
  { op: "prim", fn: "erf_scalar", n: PRIM_N, seed: 5, scalar_n: 600 },
];

const ALL = {
  keyCases,
  splitCases,
  foldCases,
  bitsCases,
  uniformCases,
  normalCases,
  tnCases,
  tnConstCases,
  bernoulliCases,
  gumbelCases,
  categoricalCases,
  permutationCases,
  primCases,
};
// A smaller set of everything whose float arithmetic can contract into FMAs,
// for the run without FMA.
const NOFMA = {
  uniformCases: uniformCases.filter((c) => (c.shape as number[])[0] === 4099).slice(0, 14),
  normalCases: normalCases.filter((c) => [7, 9, 1000, 70001].includes((c.shape as number[])[0])),
  tnCases: tnCases.filter((c) => (c.shape as number[])[0] === 20001).slice(0, 8),
  gumbelCases,
  primCases,
};

// ---------------------------------------------------------------------------
// JS side of each case.

function jsCase(c: Case): Uint32Array {
  const k = c.key ? Uint32Array.from(c.key as number[]) : new Uint32Array(2);
  const shape = (c.shape as number[]) ?? [];
  switch (c.op) {
    case "key":
      return random.key(c.seed as number);
    case "split":
      return Uint32Array.from(random.split(k, c.num as number).flatMap((s) => [...s]));
    case "fold_in":
      return random.foldIn(k, c.data as number);
    case "bits":
      return random.bits(k, shape);
    case "uniform":
      return u32(random.uniformValues(k, shape, { minval: c.minval as number, maxval: c.maxval as number }));
    case "normal":
      return u32(random.normalValues(k, shape));
    case "truncated_normal":
      return u32(
        random.truncatedNormalValues(k, c.lower as number, c.upper as number, shape, {
          bounds: c.bounds as "constant" | undefined,
        }),
      );
    case "bernoulli":
      return Uint32Array.from(random.bernoulliValues(k, c.p as number, shape));
    case "gumbel":
      return u32(random.gumbelValues(k, shape));
    case "categorical": {
      const logits = Float32Array.from(c.logits as (number | "-inf")[], (v) =>
        v === "-inf" ? -Infinity : v,
      );
      const r = random.categoricalValues(k, logits, c.logits_shape as number[], {
        axis: c.axis as number,
        shape: c.sample_shape as number[] | undefined,
      });
      return u32(r.values);
    }
    case "permutation":
      return jsPermutation(k, c);
    default:
      throw new Error(`no JS for ${c.op}`);
  }
}

function jsPermutation(k: Uint32Array, c: Case): Uint32Array {
  if (c.n !== undefined) return u32(random.permutationIndices(k, c.n as number));
  // x = arange(size).reshape(x_shape), shuffled along axis, via the tensor API.
  const xShape = c.x_shape as number[];
  const n = xShape.reduce((a, b) => a * b, 1);
  const x = random.permutation(k, tfRange(n, xShape), { axis: c.axis as number });
  const v = Int32Array.from(x.dataSync());
  x.dispose();
  return u32(v);
}

const tfRange = (n: number, shape: number[]) => tf.reshape(tf.range(0, n, 1, "int32"), shape);

/** JS value of a prim case: [inputs..., outputs...] like the Python side. */
function jsPrim(jax: Uint32Array, fn: string): Uint32Array {
  const n = jax.length / 2;
  const x = new Float32Array(jax.buffer, jax.byteOffset, n);
  const y = new Float32Array(2 * n);
  y.set(x);
  const f: (v: number) => number =
    fn === "erf_inv"
      ? erfInv32
      : fn === "log"
        ? log32
        : fn === "log1p"
          ? log1p32
          : fn === "erf"
            ? (v) => erf32(v, "vector")
            : (v) => erf32(v, "scalar");
  for (let i = 0; i < n; i++) y[n + i] = f(x[i]);
  return u32(y);
}

function jsOf(c: Case, jax: Uint32Array): Uint32Array {
  return c.op === "prim" ? jsPrim(jax, c.fn as string) : jsCase(c);
}

// ---------------------------------------------------------------------------

let dir: string;
const jax: Record<string, Uint32Array[]> = {};
const jaxNoFma: Record<string, Uint32Array[]> = {};

/** Splits the records of one run back into the named groups. */
function regroup(groups: Record<string, Case[]>, recs: Uint32Array[], into: Record<string, Uint32Array[]>) {
  let at = 0;
  for (const [name, cs] of Object.entries(groups)) {
    into[name] = recs.slice(at, at + cs.length);
    at += cs.length;
  }
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "nnxport-random-"));
  const [recs, recsNo] = await Promise.all([
    jaxVectors(dir, "fma", Object.values(ALL).flat()),
    // XLA without FMA instructions: LLVM cannot contract a*b+c.
    jaxVectors(dir, "nofma", Object.values(NOFMA).flat(), "--xla_cpu_max_isa=AVX"),
  ]);
  regroup(ALL, recs, jax);
  regroup(NOFMA, recsNo, jaxNoFma);
});

afterAll(() => {
  xlaMath.fma = true;
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Compares every case of a group; returns [words compared, words differing]. */
function compareGroup(
  name: keyof typeof ALL,
  groups: Record<string, Case[]> = ALL,
  ref = jax,
): [number, number] {
  let words = 0;
  let diff = 0;
  groups[name].forEach((c, i) => {
    const want = ref[name][i];
    const got = jsOf(c, want);
    const d = differing(got, want);
    if (d)
      console.log(
        `${name}[${i}] ${JSON.stringify({ ...c, logits: undefined })}: ${d} of ${want.length} differ`,
      );
    words += want.length;
    diff += d;
  });
  return [words, diff];
}

describe("random: keys", () => {
  it("key(seed) = [0, seed mod 2^32], incl. negative and > 2^32 seeds", () => {
    expect(compareGroup("keyCases")).toEqual([SEEDS.length * 2, 0]);
  });
  it("split(key, n) for n in {2, 3, 7}", () => {
    expect(compareGroup("splitCases")[1]).toBe(0);
  });
  it("fold_in(key, data) incl. data >= 2^31; rejects data JAX rejects", () => {
    expect(compareGroup("foldCases")[1]).toBe(0);
    expect(() => random.foldIn(KEYS[0], -1)).toThrow(RangeError);
    expect(() => random.foldIn(KEYS[0], 2 ** 32)).toThrow(RangeError);
  });
});

describe("random: samplers are bit-exact with XLA:CPU (FMA)", () => {
  for (const name of [
    "bitsCases",
    "uniformCases",
    "normalCases",
    "tnCases",
    "tnConstCases",
    "bernoulliCases",
    "gumbelCases",
    "categoricalCases",
    "permutationCases",
  ] as const) {
    it(name.replace("Cases", ""), () => {
      const [words, diff] = compareGroup(name);
      expect(words).toBeGreaterThan(0);
      expect(diff).toBe(0);
    });
  }
  it("XLA's float32 erf_inv, log, log1p, erf (vector and scalar kernels)", () => {
    const [words, diff] = compareGroup("primCases");
    expect(words).toBeGreaterThan(4 * PRIM_N);
    expect(diff).toBe(0);
  });
  it("tensor wrappers carry the same values, shapes and dtypes", () => {
    const k = KEYS[3];
    const t = random.normal(k, [3, 5]);
    expect(t.shape).toEqual([3, 5]);
    expect(t.dtype).toBe("float32");
    expect(Array.from(t.dataSync())).toEqual(Array.from(random.normalValues(k, [3, 5])));
    const b = random.bernoulli(k, 0.5, [4]);
    expect(b.dtype).toBe("bool");
    const c = random.categorical(
      k,
      tf.tensor2d([
        [0, 1, 2],
        [2, 1, 0],
      ]),
    );
    expect(c.shape).toEqual([2]);
    expect(c.dtype).toBe("int32");
    tf.dispose([t, b, c]);
  });
});

describe("random: without FMA (xlaMath.fma = false vs XLA_FLAGS=--xla_cpu_max_isa=AVX)", () => {
  it("is bit-exact too, and the switch matters", () => {
    let diffNoFma = 0;
    let words = 0;
    xlaMath.fma = false;
    try {
      for (const name of Object.keys(NOFMA) as (keyof typeof NOFMA)[]) {
        const [w, d] = compareGroup(name, NOFMA, jaxNoFma);
        words += w;
        diffNoFma += d;
      }
    } finally {
      xlaMath.fma = true;
    }
    expect(diffNoFma).toBe(0);
    // JAX itself: how many normals change when FMA contraction is off (the
    // FMA results are JS's, which the FMA tests show equal JAX's).
    let changed = 0;
    let total = 0;
    NOFMA.normalCases.forEach((c, i) => {
      changed += differing(jsCase(c), jaxNoFma.normalCases[i]);
      total += jaxNoFma.normalCases[i].length;
    });
    console.log(
      `no-FMA: ${words} words bit-exact; JAX normals FMA vs no-FMA differ in ${changed} of ${total}`,
    );
    expect(changed).toBeGreaterThan(0);
  });
});
