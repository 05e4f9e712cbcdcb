// runtime/random/linen.ts and runtime/random/haiku.ts against live flax Linen and
// dm-haiku: from the same seed, a TS program that draws keys the way generated
// code will (scope path + per-scope counter for Linen; one global sequence in
// program order for Haiku) must produce bit-identical initial params and
// dropout masks.
//
// test/runtime/python/keys_reference.py runs the Python models once and records
// every param (as uint32 bit patterns) and every jax.random.bernoulli call.
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { beforeAll, describe, expect, it } from "vitest";
import * as init from "../../runtime/nn/initializers.js";
import type { Initializer } from "../../runtime/nn/initializers.js";
import * as random from "../../runtime/random/index.js";
import type { Key } from "../../runtime/random/index.js";
import { HaikuKeySequence, haikuLinearWInit } from "../../runtime/random/haiku.js";
import { foldInStatic, LinenRngs, linenKey, staticFoldHash } from "../../runtime/random/linen.js";
import type { StaticFoldable } from "../../runtime/random/linen.js";
import { pythonJson } from "../helpers/python.js";

const SCRIPT = readFileSync(fileURLToPath(new URL("./python/keys_reference.py", import.meta.url)), "utf8");

// [init seed, apply seed]: 0, small, large, and the largest uint32 seed.
const SEEDS: [number, number][] = [
  [0, 1],
  [42, 0],
  [2 ** 31 - 1, 3],
  [4294967295, 7],
];

type Bits = { shape: number[]; bits: number[] };
type Mask = { key: number[]; p: number; shape: number[]; mask: number[] };
type Case = {
  seed: number;
  applySeed: number;
  params: Record<string, Bits>;
  initMasks: Mask[];
  applyMasks: Mask[];
  rawKeySame: boolean;
  jitSame: boolean;
  evalInitSame?: boolean;
};
type SeqOp = "next" | ["reserve" | "take", number];
type Reference = {
  linenNested: Case[];
  linenFlat: Case[];
  haiku: Case[];
  haikuSequence: { seed: number; reserveSize: number; ops: SeqOp[]; keys: number[][] }[];
  linenNestedSeparator: { seed: number; params: Record<string, Bits> };
};

let ref: Reference;
beforeAll(() => {
  ref = pythonJson<Reference>(SCRIPT, JSON.stringify({ seeds: SEEDS }));
}, 180_000);

const words = (k: Key) => Array.from(k);

/** A param drawn by the TS program: its key, initializer and shape. */
type Draw = { key: Key; init: Initializer; shape: number[] };

function bitsOf({ key, init: fn, shape }: Draw): Bits {
  const t = fn(key, shape);
  const v = Float32Array.from(t.dataSync() as Float32Array);
  t.dispose();
  return { shape, bits: Array.from(new Uint32Array(v.buffer)) };
}

function expectParams(actual: Record<string, Draw>, expected: Record<string, Bits>): void {
  expect(Object.keys(actual).sort()).toEqual(Object.keys(expected).sort());
  for (const [path, draw] of Object.entries(actual)) {
    expect({ path, ...bitsOf(draw) }).toEqual({ path, ...expected[path] });
  }
}

/** A dropout mask as nn.Dropout / hk.dropout draw it: bernoulli(key, 1 - rate, shape). */
function expectMasks(actual: { key: Key; rate: number; shape: number[] }[], expected: Mask[]): void {
  expect(actual.length).toBe(expected.length);
  actual.forEach(({ key, rate, shape }, i) => {
    const p = 1 - rate; // float64, as Python computes keep_prob; bernoulli rounds it to float32
    expect({ key: words(key), p, shape, mask: Array.from(random.bernoulliValues(key, p, shape)) }).toEqual(
      expected[i],
    );
  });
}

describe("Linen: flax.core.scope._fold_in_static", () => {
  // Edge data straight through flax: empty suffix, counters needing 0, 1, 2 and 3
  // bytes, non-ASCII names, and the non-default separator.
  const DATA: StaticFoldable[][] = [
    [],
    [1],
    ["Dense_0", 255],
    ["Block_0", "Dense_0", 256],
    ["a", "bc", 65536],
    ["ab", "c", 65536],
    ["résumé_0", "層", 7],
  ];

  it("hashes names and counters exactly as flax, with and without the separator", () => {
    const root = random.key(2024);
    const expected = pythonJson<{ plain: number[][]; sep: number[][] }>(`
import json, flax, jax, numpy as np
from flax.core.scope import _fold_in_static
data = json.loads(${JSON.stringify(JSON.stringify(DATA))})
root = jax.random.key(2024)
w = lambda k: np.asarray(jax.random.key_data(k)).astype(np.uint32).tolist()
plain = [w(_fold_in_static(root, d)) for d in data]
flax.config.update("flax_fix_rng_separator", True)
sep = [w(_fold_in_static(root, d)) for d in data]
print(json.dumps({"plain": plain, "sep": sep}))
`);
    expect(DATA.map((d) => words(foldInStatic(root, d)))).toEqual(expected.plain);
    expect(DATA.map((d) => words(foldInStatic(root, d, { fixRngSeparator: true })))).toEqual(expected.sep);
  });

  it("needs no separator by default, so names can collide", () => {
    expect(staticFoldHash(["a", "bc", 1])).toBe(staticFoldHash(["ab", "c", 1]));
    expect(staticFoldHash(["a", "bc", 1], { fixRngSeparator: true })).not.toBe(
      staticFoldHash(["ab", "c", 1], { fixRngSeparator: true }),
    );
  });

  it("rejects what Python rejects", () => {
    expect(() => staticFoldHash([-1])).toThrow(RangeError);
    expect(() => staticFoldHash([1.5])).toThrow(RangeError);
    expect(() => linenKey(random.key(0), ["Dense_0"], 0)).toThrow(RangeError);
    expect(() => new LinenRngs({ dropout: random.key(0) }).makeRng([], "noise")).toThrow(/needs PRNG for "noise"/);
  });
});

type Mode = { initializing: boolean; train: boolean };

/**
 * Linen's self.param: when initializing, make_rng('params') in the param's own
 * scope (its path minus the last name), then the initializer; in apply the param
 * exists and nothing is drawn.
 */
function paramDrawer(rngs: LinenRngs, initializing: boolean) {
  const params: Record<string, Draw> = {};
  const param = (path: string, fn: Initializer, shape: number[]) => {
    if (initializing) params[path] = { key: rngs.makeRng(path.split("/").slice(0, -1)), init: fn, shape };
  };
  return { params, param };
}

/**
 * Nested: Block_0/{Dense_0 (5→4), Dropout_0(0.5)}, then Dense_0 (4→3). The TS
 * program draws in the Python program's order, one LinenRngs per init/apply.
 */
function linenNested(rngs: LinenRngs, { initializing, train }: Mode) {
  const { params, param } = paramDrawer(rngs, initializing);
  param("Block_0/Dense_0/kernel", init.lecunNormal(), [5, 4]);
  param("Block_0/Dense_0/bias", init.zeros, [4]);
  const masks = train ? [{ key: rngs.makeRng(["Block_0", "Dropout_0"], "dropout"), rate: 0.5, shape: [2, 4] }] : [];
  param("Dense_0/kernel", init.lecunNormal(), [4, 3]);
  param("Dense_0/bias", init.zeros, [3]);
  return { params, masks };
}

/**
 * Flat: a root param `scale` (normal(1.0), scope []), Dense_0 (4→6) and Dense_1
 * (6→7) in the root scope, then Pair(name="pair") whose setup() children are
 * enc (7→5), drop (Dropout(0.3, broadcast_dims=(0,)), called twice) and dec
 * (5→3, no bias). Only the order within a scope matters (drop's two calls are
 * its counters 1 and 2); the order across scopes does not.
 */
function linenFlat(rngs: LinenRngs, { initializing, train }: Mode) {
  const { params, param } = paramDrawer(rngs, initializing);
  param("scale", init.normal(1.0), [4]);
  param("Dense_0/kernel", init.lecunNormal(), [4, 6]);
  param("Dense_0/bias", init.zeros, [6]);
  param("Dense_1/kernel", init.lecunNormal(), [6, 7]);
  param("Dense_1/bias", init.zeros, [7]);
  param("pair/enc/kernel", init.lecunNormal(), [7, 5]);
  param("pair/enc/bias", init.zeros, [5]);
  // broadcast_dims=(0,): the mask is drawn at [1, 5] and broadcast over the batch.
  const masks = train
    ? [0, 1].map(() => ({ key: rngs.makeRng(["pair", "drop"], "dropout"), rate: 0.3, shape: [1, 5] }))
    : [];
  param("pair/dec/kernel", init.lecunNormal(), [5, 3]);
  return { params, masks };
}

describe.each([
  ["nested compact modules", "linenNested", linenNested],
  ["root param, two Dense in one scope, setup() children", "linenFlat", linenFlat],
] as const)("Linen: %s", (_title, field, program) => {
  it.each(SEEDS.map((s, i) => [s[0], i]))("init(key(%i), x) params, bit-exact", (_seed, i) => {
    const c = ref[field][i];
    // train=True in init: make_rng('dropout') falls back to the 'params' stream.
    const { params, masks } = program(new LinenRngs(random.key(c.seed)), { initializing: true, train: true });
    expectParams(params, c.params);
    expectMasks(masks, c.initMasks);
    // jax.random.PRNGKey(s) and jit(init) give the same params as key(s), eager.
    expect([c.rawKeySame, c.jitSame]).toEqual([true, true]);
  });

  it.each(SEEDS.map((s, i) => [s[1], i]))("apply(..., rngs={'dropout': key(%i)}) masks", (_seed, i) => {
    const c = ref[field][i];
    const rngs = new LinenRngs({ dropout: random.key(c.applySeed) });
    // In apply the params exist, so no 'params' keys are drawn at all (and there
    // is no 'params' stream); only the dropout scopes count.
    const { params, masks } = program(rngs, { initializing: false, train: true });
    expect(params).toEqual({});
    expectMasks(masks, c.applyMasks);
  });
});

describe("Linen: linenKey", () => {
  it("is one fold_in of the root key with sha1(path ‖ counter), root name not hashed", () => {
    const root = random.key(0);
    const rngs = new LinenRngs(root);
    expect(words(rngs.makeRng(["Block_0", "Dense_0"]))).toEqual(words(linenKey(root, ["Block_0", "Dense_0"], 1)));
    expect(words(rngs.makeRng(["Block_0", "Dense_0"]))).toEqual(words(linenKey(root, ["Block_0", "Dense_0"], 2)));
    // Other scopes keep their own counters.
    expect(words(rngs.makeRng(["Dense_0"]))).toEqual(words(linenKey(root, ["Dense_0"], 1)));
  });

  it("matches flax_fix_rng_separator=True when asked", () => {
    const c = ref.linenNestedSeparator;
    const { params } = linenNested(new LinenRngs(random.key(c.seed), { fixRngSeparator: true }), {
      initializing: true,
      train: false,
    });
    expectParams(params, c.params);
  });
});

/**
 * Haiku: Net(8, 3) on x [2, 300]: linear (300→8), hk.dropout(hk.next_rng_key(),
 * 0.5 if train else 0.0), relu, linear_1 (8→8), linear_2 (8→3, no bias). One
 * HaikuKeySequence per init/apply, drawn in program order.
 */
function haikuNet(seq: HaikuKeySequence, train: boolean) {
  const params: Record<string, Draw> = {};
  params["net/linear/w"] = { key: seq.next(), init: haikuLinearWInit(300), shape: [300, 8] };
  params["net/linear/b"] = { key: random.key(0), init: init.zeros, shape: [8] }; // draws nothing
  // next_rng_key() is evaluated before hk.dropout sees rate 0: eval still draws.
  const dropKey = seq.next();
  const masks = train ? [{ key: dropKey, rate: 0.5, shape: [2, 8] }] : [];
  params["net/linear_1/w"] = { key: seq.next(), init: haikuLinearWInit(8), shape: [8, 8] };
  params["net/linear_1/b"] = { key: random.key(0), init: init.zeros, shape: [8] };
  params["net/linear_2/w"] = { key: seq.next(), init: haikuLinearWInit(8), shape: [8, 3] };
  return { params, masks };
}

describe("Haiku: transform(forward)", () => {
  it.each(SEEDS.map((s, i) => [s[0], i]))("init(key(%i), x) params and dropout mask, bit-exact", (_seed, i) => {
    const c = ref.haiku[i];
    const { params, masks } = haikuNet(new HaikuKeySequence(random.key(c.seed)), true);
    expectParams(params, c.params);
    expectMasks(masks, c.initMasks);
    // init with train=False gives the same params: the dropout key is drawn anyway.
    expectParams(haikuNet(new HaikuKeySequence(random.key(c.seed)), false).params, c.params);
    expect([c.evalInitSame, c.rawKeySame, c.jitSame]).toEqual([true, true, true]);
  });

  it.each(SEEDS.map((s, i) => [s[1], i]))("apply(params, key(%i), x) mask", (_seed, i) => {
    const c = ref.haiku[i];
    // In apply get_parameter draws nothing: the dropout key is the first one.
    const seq = new HaikuKeySequence(random.key(c.applySeed));
    expectMasks([{ key: seq.next(), rate: 0.5, shape: [2, 8] }], c.applyMasks);
  });

  it("an int seed means jax.random.PRNGKey(seed)", () => {
    expect(words(new HaikuKeySequence(5).next())).toEqual(words(new HaikuKeySequence(random.key(5)).next()));
  });
});

describe("Haiku: PRNGSequence with reserve_rng_keys / next_rng_keys / rng_reserve_size", () => {
  it("replays the same keys", () => {
    expect(ref.haikuSequence.length).toBe(SEEDS.length * 2);
    for (const { seed, reserveSize, ops, keys } of ref.haikuSequence) {
      const seq = new HaikuKeySequence(random.key(seed), { reserveSize });
      const out: Key[] = [];
      for (const op of ops) {
        if (op === "next") out.push(seq.next());
        else if (op[0] === "reserve") seq.reserve(op[1]);
        else out.push(...seq.take(op[1]));
      }
      expect({ seed, reserveSize, keys: out.map(words) }).toEqual({ seed, reserveSize, keys });
    }
  });

  it("reserve changes the keys (partitionable threefry: split(k, n)[i] ignores n)", () => {
    const a = new HaikuKeySequence(random.key(0));
    const b = new HaikuKeySequence(random.key(0));
    b.reserve(2);
    const first = words(a.next());
    expect(words(b.next())).toEqual(first); // split(k, 3)[1] == split(k, 2)[1]
    expect(words(b.next())).not.toEqual(words(a.next())); // split(k, 3)[2] vs split(split(k)[0])[1]
  });
});
