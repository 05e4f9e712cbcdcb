// Random numbers inside a compiled step: threefry2x32 and the uniform/bernoulli
// samplers as TensorFlow graph ops (runtime/jit/random.ts) must give JAX's bits,
// compared bitwise against live jax.random vectors from the same generator the eager
// random tests use (test/runtime/python/random_vectors.py), as a plain graph and
// under XLA.
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { nnx, random, tf } from "../../runtime/index.js";
import { xlaMath } from "../../runtime/random/index.js";
import { DT, Graph } from "../../runtime/jit/ir.js";
import { bitsGraph, keyWords } from "../../runtime/jit/random.js";
import { Session, xlaWrapped } from "../../runtime/jit/session.js";
import { pythonExecutable } from "../../src/verify/python-env.js";

const SCRIPT = fileURLToPath(new URL("./python/random_vectors.py", import.meta.url));
const XLA = nnx.xlaAvailable().available;

type Case = { op: string; key: number[]; shape: number[]; [k: string]: unknown };

const KEYS: Uint32Array[] = [random.key(0), random.key(42), random.split(random.key(7), 3)[2], random.foldIn(random.key(1), 99)];
const raw = (k: Uint32Array) => [k[0], k[1]];

const bitsCases: Case[] = KEYS.slice(0, 3).flatMap((k) => [[], [1], [7], [1000], [65537], [256, 257]].map((shape) => ({ op: "bits", key: raw(k), shape })));
const UNIFORM: [number, number][] = [
  [0, 1],
  [-3, 5],
  [-1, 1],
  [0.1, 0.2],
  [-1e-3, 1e6],
  [2, 2.5],
  [-7.25, -7],
];
const uniformCases: Case[] = [
  ...[[], [9], [65537]].map((shape, i) => ({ op: "uniform", key: raw(KEYS[i]), shape, minval: 0, maxval: 1 })),
  ...KEYS.slice(0, 2).flatMap((k) => UNIFORM.map(([minval, maxval]) => ({ op: "uniform", key: raw(k), shape: [4099], minval, maxval }))),
];
const bernoulliCases: Case[] = [0, 0.1, 0.5, 0.9, 1, 1 / 3].flatMap((p) => [[], [9], [65537]].map((shape, i) => ({ op: "bernoulli", key: raw(KEYS[i + 1]), p, shape })));

let dir: string;
let fma: Uint32Array[];
let nofma: Uint32Array[];
const NOFMA_CASES = uniformCases.filter((c) => c.shape[0] === 4099).slice(0, 7);

function jax(name: string, cases: Case[], xlaFlags: string | null = null): Uint32Array[] {
  const out = join(dir, `${name}.bin`);
  const spec = join(dir, `${name}.json`);
  writeFileSync(spec, JSON.stringify({ out, xla_flags: xlaFlags, cases }));
  execFileSync(pythonExecutable(), [SCRIPT, spec], { env: { ...process.env, JAX_PLATFORMS: "cpu" }, maxBuffer: 1 << 26 });
  const buf = readFileSync(out);
  const words = new Uint32Array(buf.buffer, buf.byteOffset, buf.byteLength / 4);
  const records: Uint32Array[] = [];
  for (let at = 0; at < words.length; ) {
    const n = words[at];
    records.push(words.slice(at + 1, at + 1 + n));
    at += 1 + n;
  }
  expect(records).toHaveLength(cases.length);
  return records;
}

function words(t: tf.Tensor): Uint32Array {
  const d = t.dataSync();
  if (t.dtype === "float32") return new Uint32Array(Float32Array.from(d as Float32Array).buffer);
  return Uint32Array.from(d as Int32Array | Uint8Array);
}

function differing(a: Uint32Array, b: Uint32Array): number {
  expect(a.length).toBe(b.length);
  let n = 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) n++;
  return n;
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "nnxport-jit-random-"));
  fma = jax("fma", [...bitsCases, ...uniformCases, ...bernoulliCases]);
  nofma = jax("nofma", NOFMA_CASES, "--xla_cpu_max_isa=AVX");
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** jax.random.bits(key, shape) as a graph: key fed as int32 [2], bits returned bit-cast to int32. */
function bitsOnGraph(shape: number[], key: Uint32Array, xla: boolean): Uint32Array {
  const g = new Graph();
  const k = g.placeholder(DT.int32, [2]);
  const [k0, k1] = keyWords(g, k);
  const n = shape.reduce((a, b) => a * b, 1);
  const b = bitsGraph(g, k0, k1, n);
  g.outputs.push(g.op("Bitcast", [b], { T: { kind: "type", value: DT.uint32 }, type: { kind: "type", value: DT.int32 } }, { dtype: DT.int32, shape: [n] }));
  const { main, library } = xla ? xlaWrapped(g, []) : { main: g, library: [] };
  const s = Session.load(main, library);
  try {
    const input = tf.tensor1d(new Int32Array(key.buffer.slice(key.byteOffset, key.byteOffset + 8)), "int32");
    const [out] = s.run([input]);
    const w = words(out);
    tf.dispose([input, out]);
    return w;
  } finally {
    s.dispose();
  }
}

/** A sampler jitted with the key as an argument: traced on `other`, then compiled and run on `key`. */
function sampledOnGraph(c: Case, key: Uint32Array, xla: boolean): Uint32Array {
  const draw = (k: Uint32Array) =>
    c.op === "uniform"
      ? random.uniform(k, c.shape, { minval: c.minval as number, maxval: c.maxval as number })
      : random.bernoulli(k, c.p as number, c.shape);
  const f = nnx.jit(draw, { xla });
  const other = random.split(key)[0];
  tf.dispose(f(other) as tf.Tensor);
  const out = f(key) as tf.Tensor;
  const trace = f.stats.traces[0];
  expect(trace.mode, trace.reason).toBe(xla ? "xla" : "graph");
  expect(f.stats.compiledCalls).toBe(1);
  const w = words(out);
  out.dispose();
  f.dispose();
  return w;
}

describe("random numbers in a compiled graph = JAX, bit for bit", () => {
  const modes = XLA ? [false, true] : [false];
  for (const xla of modes) {
    const how = xla ? "XLA" : "plain graph";

    it(`threefry bits (${how})`, () => {
      bitsCases.forEach((c, i) => {
        expect(differing(bitsOnGraph(c.shape, Uint32Array.from(c.key), xla), fma[i]), JSON.stringify(c)).toBe(0);
      });
    });

    it(`uniform, with the fused multiply-add of a general range (${how})`, () => {
      const cases = xla ? uniformCases.filter((_, i) => i % 3 === 0) : uniformCases;
      for (const c of cases) {
        const i = bitsCases.length + uniformCases.indexOf(c);
        expect(differing(sampledOnGraph(c, Uint32Array.from(c.key), xla), fma[i]), JSON.stringify(c)).toBe(0);
      }
    });

    it(`bernoulli (dropout masks) (${how})`, () => {
      const cases = xla ? bernoulliCases.filter((_, i) => i % 4 === 1) : bernoulliCases;
      for (const c of cases) {
        const i = bitsCases.length + uniformCases.length + bernoulliCases.indexOf(c);
        expect(differing(sampledOnGraph(c, Uint32Array.from(c.key), xla), fma[i]), JSON.stringify(c)).toBe(0);
      }
    });
  }

  it("uniform without FMA (xlaMath.fma = false at trace time) = JAX with XLA_FLAGS=--xla_cpu_max_isa=AVX", () => {
    xlaMath.fma = false;
    try {
      NOFMA_CASES.forEach((c, i) => expect(differing(sampledOnGraph(c, Uint32Array.from(c.key), false), nofma[i]), JSON.stringify(c)).toBe(0));
    } finally {
      xlaMath.fma = true;
    }
  });

  it("the in-graph sampler agrees with the eager runtime's on a dropout mask drawn from an Rngs stream", () => {
    const rngs = new nnx.Rngs({ dropout: 3 });
    const eager = new nnx.Rngs({ dropout: 3 });
    const mask = nnx.jit((r: nnx.Rngs) => random.bernoulli(r.dropout(), 0.5, [256, 256]), { xla: false });
    for (let i = 0; i < 3; i++) {
      const got = mask(rngs) as tf.Tensor;
      const want = random.bernoulli(eager.dropout(), 0.5, [256, 256]);
      expect(differing(words(got), words(want))).toBe(0);
      tf.dispose([got, want]);
    }
    expect(rngs.dropout.count.value).toBe(3);
  });
});
