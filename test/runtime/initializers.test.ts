// runtime/nn/initializers against live jax.nn.initializers, flax.nnx.initializers,
// haiku initializers and the default weights of nnx/Linen/Haiku layers.
//
// test/runtime/python/initializer_vectors.py draws every case from the pinned
// Python; JS recomputes it from the same key and we count differing bits.
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as init from "../../runtime/nn/initializers.js";
import type { Initializer } from "../../runtime/nn/initializers.js";
import * as random from "../../runtime/random/index.js";
import { pythonExecutable } from "../../src/verify/python-env.js";

const SCRIPT_PATH = fileURLToPath(new URL("./python/initializer_vectors.py", import.meta.url));

type Kw = Record<string, unknown>;
type Case = {
  op: string;
  name?: string;
  args?: unknown[];
  kwargs?: Kw;
  key?: number[];
  shape?: number[];
  [k: string]: unknown;
};

const raw = (k: Uint32Array) => [k[0], k[1]];
const KEYS = [random.key(0), random.key(1234), random.split(random.key(5))[1]];

// Dense, odd, size-1 and conv-like (HWIO, 3-D) shapes.
const SHAPES = [
  [3, 5],
  [64, 32],
  [1, 1],
  [300, 70],
  [3, 3, 16, 32],
  [5, 7, 3],
  [2, 3, 4, 5],
];
// Non-default axis layouts (jax's in_axis / out_axis / batch_axis).
const AXES: { shape: number[]; kwargs: Kw }[] = [
  { shape: [32, 16, 3, 3], kwargs: { in_axis: 1, out_axis: 0 } }, // OIHW conv kernel
  { shape: [4, 8, 16], kwargs: { batch_axis: 0 } },
  { shape: [4, 8, 16], kwargs: { batch_axis: [0] } },
  { shape: [6, 5, 4, 3], kwargs: { in_axis: [0, 1], out_axis: -1 } },
  { shape: [6, 5, 4, 3], kwargs: { in_axis: -3, out_axis: [-2, -1] } },
];
const NAMED = ["lecun_normal", "lecun_uniform", "glorot_normal", "glorot_uniform", "he_normal", "he_uniform"];

const jaxCases: Case[] = [
  ...NAMED.flatMap((name, n) =>
    SHAPES.map((shape, i) => ({ op: "jax", name, key: raw(KEYS[(n + i) % 3]), shape })),
  ),
  ...NAMED.flatMap((name, n) =>
    AXES.map(({ shape, kwargs }, i) => ({ op: "jax", name, kwargs, key: raw(KEYS[(n + i) % 3]), shape })),
  ),
  ...["fan_in", "fan_out", "fan_avg", "fan_geo_avg"].flatMap((mode, m) =>
    ["truncated_normal", "normal", "uniform"].flatMap((dist, d) => [
      {
        op: "jax",
        name: "variance_scaling",
        args: [0.5 + m + d, mode, dist],
        key: raw(KEYS[(m + d) % 3]),
        shape: [3, 3, 16, 32],
      },
      {
        op: "jax",
        name: "variance_scaling",
        args: [2, mode, dist],
        kwargs: { in_axis: 1, out_axis: 0 },
        key: raw(KEYS[m % 3]),
        shape: [7, 5, 2],
      },
    ]),
  ),
  { op: "jax", name: "normal", kwargs: { stddev: 0.02 }, key: raw(KEYS[0]), shape: [65, 33] },
  { op: "jax", name: "normal", kwargs: {}, key: raw(KEYS[1]), shape: [7] },
  { op: "jax", name: "uniform", kwargs: { scale: 0.1 }, key: raw(KEYS[2]), shape: [65, 33] },
  { op: "jax", name: "truncated_normal", kwargs: { stddev: 0.5 }, key: raw(KEYS[0]), shape: [70001] },
  {
    op: "jax",
    name: "truncated_normal",
    kwargs: { stddev: 1, lower: -1, upper: 3 },
    key: raw(KEYS[1]),
    shape: [999],
  },
  { op: "jax", name: "zeros", key: raw(KEYS[0]), shape: [3, 4] },
  { op: "jax", name: "ones", key: raw(KEYS[0]), shape: [5] },
  { op: "jax", name: "constant", args: [-7.25], key: raw(KEYS[0]), shape: [2, 3] },
  { op: "jax", name: "constant", args: [0.1], key: raw(KEYS[0]), shape: [4] },
  // flax.nnx.initializers re-exports jax's; check through flax's names too.
  { op: "jax", lib: "nnx", name: "lecun_normal", key: raw(KEYS[2]), shape: [300, 70] },
  {
    op: "jax",
    lib: "nnx",
    name: "variance_scaling",
    args: [1, "fan_avg", "uniform"],
    key: raw(KEYS[1]),
    shape: [3, 3, 8, 4],
  },
];

const ORTHO: { shape: number[]; kwargs: Kw; name?: string }[] = [
  { shape: [3, 4, 6], kwargs: {}, name: "delta_orthogonal" },
  { shape: [3, 3, 5, 5], kwargs: { scale: 0.5 }, name: "delta_orthogonal" },
  { shape: [2, 3, 3, 2, 4], kwargs: {}, name: "delta_orthogonal" },
  { shape: [5, 3], kwargs: {} },
  { shape: [3, 5], kwargs: {} },
  { shape: [16, 16], kwargs: { scale: 2 } },
  { shape: [3, 3, 4, 6], kwargs: {} },
  { shape: [6, 4], kwargs: { column_axis: 0 } },
  { shape: [64, 300], kwargs: {} },
];
const orthoCases: Case[] = ORTHO.map(({ shape, kwargs, name }, i) => ({
  op: "jax",
  name: name ?? "orthogonal",
  kwargs,
  key: raw(KEYS[i % 3]),
  shape,
}));

const haikuCases: Case[] = [
  { op: "haiku", name: "TruncatedNormal", kwargs: { stddev: 0.1 }, key: raw(KEYS[0]), shape: [64, 32] },
  {
    op: "haiku",
    name: "TruncatedNormal",
    kwargs: { stddev: 1 / Math.sqrt(300) },
    key: raw(KEYS[1]),
    shape: [300, 70],
  },
  {
    op: "haiku",
    name: "TruncatedNormal",
    kwargs: { stddev: 2, mean: 0.5 },
    key: raw(KEYS[2]),
    shape: [1001],
  },
  {
    op: "haiku",
    name: "TruncatedNormal",
    kwargs: { stddev: 1, lower: -1, upper: 3 },
    key: raw(KEYS[0]),
    shape: [999],
  },
  { op: "haiku", name: "VarianceScaling", key: raw(KEYS[0]), shape: [300, 70] },
  {
    op: "haiku",
    name: "VarianceScaling",
    args: [2, "fan_out", "normal"],
    key: raw(KEYS[1]),
    shape: [3, 3, 16, 32],
  },
  {
    op: "haiku",
    name: "VarianceScaling",
    args: [1, "fan_avg", "uniform"],
    key: raw(KEYS[2]),
    shape: [3, 3, 16, 32],
  },
  {
    op: "haiku",
    name: "VarianceScaling",
    args: [1, "fan_in", "truncated_normal"],
    key: raw(KEYS[0]),
    shape: [7],
  },
  {
    op: "haiku",
    name: "VarianceScaling",
    args: [1, "fan_in", "truncated_normal"],
    kwargs: { fan_in_axes: [0, 1] },
    key: raw(KEYS[1]),
    shape: [4, 5, 6],
  },
  // Fans where Haiku's float64 stddev rounds differently from a float32 chain.
  ...[
    [5, 9],
    [6, 6],
    [17, 3],
    [3, 3, 6, 8],
  ].map((shape, i) => ({ op: "haiku", name: "VarianceScaling", key: raw(KEYS[i % 3]), shape })),
  { op: "haiku", name: "RandomNormal", kwargs: { stddev: 0.5, mean: 1 }, key: raw(KEYS[2]), shape: [33, 7] },
  {
    op: "haiku",
    name: "RandomUniform",
    kwargs: { minval: -0.3, maxval: 0.7 },
    key: raw(KEYS[0]),
    shape: [33, 7],
  },
  { op: "haiku", name: "Constant", args: [3], key: raw(KEYS[0]), shape: [2, 2] },
];

// Whole layers: the weights each library builds by default, from the key it
// hands its initializer (recorded on the Python side).
const moduleCases: Case[] = [
  { op: "nnx_module", kind: "linear", in: 300, out: 70, seed: 0 },
  { op: "nnx_module", kind: "conv", in: 3, out: 16, kernel_size: [3, 3], seed: 1 },
  { op: "linen_module", kind: "dense", in: 300, out: 70, seed: 2 },
  { op: "linen_module", kind: "conv", in: 3, out: 16, kernel_size: [3, 3], seed: 3 },
  { op: "haiku_module", kind: "linear", in: 300, out: 70, seed: 4 },
  { op: "haiku_module", kind: "conv", in: 3, out: 16, kernel_size: [5, 3], seed: 5 },
];

const ALL = { jaxCases, orthoCases, haikuCases, moduleCases };

// ---------------------------------------------------------------------------

function axes(kw: Kw): init.AxisOpts {
  return {
    inAxis: kw.in_axis as number | number[] | undefined,
    outAxis: kw.out_axis as number | number[] | undefined,
    batchAxis: kw.batch_axis as number | number[] | undefined,
  };
}

const JAX: Record<string, (args: unknown[], kw: Kw) => Initializer> = {
  lecun_normal: (_, kw) => init.lecunNormal(axes(kw)),
  lecun_uniform: (_, kw) => init.lecunUniform(axes(kw)),
  glorot_normal: (_, kw) => init.glorotNormal(axes(kw)),
  glorot_uniform: (_, kw) => init.glorotUniform(axes(kw)),
  he_normal: (_, kw) => init.heNormal(axes(kw)),
  he_uniform: (_, kw) => init.heUniform(axes(kw)),
  variance_scaling: ([scale, mode, dist], kw) =>
    init.varianceScaling(scale as number, mode as init.FanMode, dist as init.Distribution, axes(kw)),
  normal: (_, kw) => init.normal(kw.stddev as number | undefined),
  uniform: (_, kw) => init.uniform(kw.scale as number | undefined),
  truncated_normal: (_, kw) =>
    init.truncatedNormal(
      kw.stddev as number | undefined,
      kw.lower as number | undefined,
      kw.upper as number | undefined,
    ),
  zeros: () => init.zeros,
  ones: () => init.ones,
  constant: ([v]) => init.constant(v as number),
  delta_orthogonal: (_, kw) => init.deltaOrthogonal(kw.scale as number | undefined, kw.column_axis as number | undefined),
  orthogonal: (_, kw) =>
    init.orthogonal(kw.scale as number | undefined, kw.column_axis as number | undefined),
};

const HAIKU: Record<string, (args: unknown[], kw: Kw) => Initializer> = {
  TruncatedNormal: (_, kw) =>
    init.haikuTruncatedNormal(
      kw.stddev as number,
      kw.mean as number | undefined,
      kw.lower as number | undefined,
      kw.upper as number | undefined,
    ),
  VarianceScaling: ([scale, mode, dist], kw) =>
    init.haikuVarianceScaling(
      scale as number | undefined,
      mode as "fan_in" | undefined,
      dist as init.Distribution | undefined,
      kw.fan_in_axes as number[] | undefined,
    ),
  RandomNormal: (_, kw) => init.haikuRandomNormal(kw.stddev as number, kw.mean as number),
  RandomUniform: (_, kw) => init.haikuRandomUniform(kw.minval as number, kw.maxval as number),
  Constant: ([v]) => init.haikuConstant(v as number),
};

/** Float32 values of a tensor, then disposes it. */
function values(
  t: { dataSync(): ArrayLike<number>; dispose(): void; shape: number[] },
  shape?: number[],
): Float32Array {
  if (shape) expect(t.shape).toEqual(shape);
  const v = Float32Array.from(t.dataSync());
  t.dispose();
  return v;
}

function jsCase(c: Case, want: Uint32Array): Float32Array {
  const kw = c.kwargs ?? {};
  if (c.op === "jax")
    return values(JAX[c.name!](c.args ?? [], kw)(Uint32Array.from(c.key!), c.shape!), c.shape);
  if (c.op === "haiku")
    return values(HAIKU[c.name!](c.args ?? [], kw)(Uint32Array.from(c.key!), c.shape!), c.shape);
  // Module cases: [k0, k1, weights...]; rebuild the library's default initializer.
  const k = want.slice(0, 2);
  const ks = c.kernel_size as number[] | undefined;
  const shape = ks ? [...ks, c.in as number, c.out as number] : [c.in as number, c.out as number];
  let w: Initializer;
  if (c.op === "haiku_module") {
    // hk.Linear / hk.ConvND: TruncatedNormal(1 / sqrt(prod(w_shape[:-1]))).
    const fanIn = shape.slice(0, -1).reduce((a, b) => a * b, 1);
    w = init.haikuTruncatedNormal(1 / Math.sqrt(fanIn));
  } else {
    w = init.lecunNormal(); // nnx and Linen default kernel_init
  }
  return values(w(k, shape), shape);
}

/** The part of a Python record that holds the weights. */
const weightsOf = (c: Case, rec: Uint32Array) => (c.op.endsWith("_module") ? rec.slice(2) : rec);

// ---------------------------------------------------------------------------

let dir: string;
const py: Record<string, Uint32Array[]> = {};

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "nnxport-init-"));
  const cases = Object.values(ALL).flat();
  const out = join(dir, "init.bin");
  const spec = join(dir, "spec.json");
  writeFileSync(spec, JSON.stringify({ out, cases }));
  await promisify(execFile)(pythonExecutable(), [SCRIPT_PATH, spec], {
    env: { ...process.env, JAX_PLATFORMS: "cpu" },
    maxBuffer: 1 << 26,
  });
  const buf = readFileSync(out);
  const words = new Uint32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4);
  let at = 0;
  for (const [name, cs] of Object.entries(ALL)) {
    py[name] = cs.map(() => {
      const n = words[at];
      const rec = words.slice(at + 1, at + 1 + n);
      at += 1 + n;
      return rec;
    });
  }
  expect(at).toBe(words.length);
});

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** Bit-exact comparison of a group: total differing words across its cases. */
function bitDiffs(name: keyof typeof ALL): number {
  let diff = 0;
  ALL[name].forEach((c, i) => {
    const want = weightsOf(c, py[name][i]);
    const got = new Uint32Array(jsCase(c, py[name][i]).buffer);
    expect(got.length).toBe(want.length);
    let d = 0;
    for (let j = 0; j < want.length; j++) if (got[j] !== want[j]) d++;
    if (d) console.log(`${name}[${i}] ${JSON.stringify(c)}: ${d} of ${want.length} differ`);
    diff += d;
  });
  return diff;
}

describe("initializers match jax / flax / haiku bit for bit", () => {
  it("jax.nn.initializers and flax.nnx.initializers (named, variance_scaling, axes, normal, uniform, constants)", () => {
    expect(bitDiffs("jaxCases")).toBe(0);
  });
  it("haiku initializers (TruncatedNormal, VarianceScaling, RandomNormal, RandomUniform, Constant)", () => {
    expect(bitDiffs("haikuCases")).toBe(0);
  });
  it("default weights of nnx.Linear/Conv, linen.Dense/Conv, hk.Linear/Conv2D", () => {
    expect(bitDiffs("moduleCases")).toBe(0);
  });
});

describe("orthogonal", () => {
  // The normal draw is exact, but JAX's QR is LAPACK in float32 and ours is a
  // float64 Householder QR: entries agree to float32 rounding of the
  // factorisation, not bitwise. Each case is held to the bound the initializer
  // states for its shape (|scale|·max(1e-6, m·n·2^-24)), which verify uses.
  it("matches jax.nn.initializers.orthogonal and delta_orthogonal within the stated bound", () => {
    let worst = 0;
    ORTHO.forEach(({ kwargs, shape }, i) => {
      const c = orthoCases[i];
      const want = new Float32Array(py.orthoCases[i].buffer);
      const got = jsCase(c, py.orthoCases[i]);
      expect(got.length).toBe(want.length);
      const bound = init.initializerBound(JAX[c.name!](c.args ?? [], kwargs), shape);
      expect(bound).toBeDefined();
      let diff = 0;
      for (let j = 0; j < want.length; j++) diff = Math.max(diff, Math.abs(got[j] - want[j]));
      expect(diff, `${c.name} ${shape}`).toBeLessThanOrEqual(bound!.atol);
      worst = Math.max(worst, diff / bound!.atol);
    });
    console.log(`orthogonal: max |JS - JAX| / bound = ${worst.toFixed(3)}`);
  });
});
