import { afterAll, describe, expect, it } from "vitest";
import { nnx, random, tf } from "../../runtime/index.js";
import { pythonJson } from "../helpers/python.js";
import {
  PY_PRELUDE,
  bits,
  closeStats,
  expectClose,
  expectFlatMemory,
  expectGradsClose,
  expectInitsReproduce,
  flatVariables,
  loadParams,
  paramBits,
  paramShapes,
  type Nested,
} from "../helpers/flat-params.js";

afterAll(() =>
  console.log(
    `compared ${closeStats.compared} values; worst |ts - ref| / tolerance = ${closeStats.worst.toFixed(3)} (${closeStats.where})`,
  ),
);

const T = (v: Nested) => tf.tensor(v as number[]);

describe("attention functions", () => {
  type FnCase = { out: Nested; gq: Nested; gk: Nested; gv: Nested };
  it("dotProductAttention / dotProductAttentionWeights match NNX (masks, bias, causal, GQA, batch ranks, dropout masks bit-exact)", () => {
    const ref = pythonJson<{
      inputs: Record<string, Nested>;
      cases: Record<string, FnCase>;
      weights: Record<string, Nested>;
      masks: Record<string, Nested>;
    }>(`${PY_PRELUDE}
from flax.nnx.nn.attention import dot_product_attention_weights as dpaw
# jax.nn.dot_product_attention (NNX's path without dropout) needs value depth == key depth; the weights path does not.
q, k, v = rnd(0, (2, 5, 3, 4)), rnd(1, (2, 6, 3, 4)), rnd(2, (2, 6, 3, 4))
v_d2 = rnd(16, (2, 6, 3, 2))
q4 = rnd(3, (2, 5, 4, 4))            # 4 query heads over the 2 key/value heads of k2/v2
k2, v2 = rnd(4, (2, 6, 2, 4)), rnd(5, (2, 6, 2, 4))
q5, k5, v5 = rnd(6, (2, 2, 5, 3, 4)), rnd(7, (2, 2, 6, 3, 4)), rnd(8, (2, 2, 6, 3, 4))
q3, k3, v3 = rnd(9, (5, 3, 4)), rnd(10, (6, 3, 4)), rnd(11, (6, 3, 4))
qs, ks_, vs = rnd(12, (2, 5, 3, 4)), rnd(13, (2, 5, 3, 4)), rnd(14, (2, 5, 3, 4))
bias = rnd(15, (2, 3, 5, 6))
pad_q = jnp.array([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1]], jnp.int32)
pad_k = jnp.array([[1, 1, 0, 0, 0, 0], [1, 1, 1, 1, 1, 0]], jnp.int32)
mask = nnx.make_attention_mask(pad_q, pad_k)          # (2, 1, 5, 6); query rows 3,4 of batch 0 fully masked
causal = nnx.make_causal_mask(jnp.ones((2, 5)))
key = jax.random.key(7)
def run(name, f, args):
  out, vjp = jax.vjp(f, *args)
  c = rnd(100 + len(cases), out.shape)
  gq, gk, gv = vjp(c)
  cases[name] = {"out": tl(out), "c": tl(c), "gq": tl(gq), "gk": tl(gk), "gv": tl(gv)}
cases = {}
dpa = nnx.dot_product_attention
run("plain", lambda a, b, c: dpa(a, b, c), (q, k, v))
run("mask", lambda a, b, c: dpa(a, b, c, mask=mask), (q, k, v))
run("bias_mask", lambda a, b, c: dpa(a, b, c, bias=bias, mask=mask), (q, k, v))
run("causal", lambda a, b, c: dpa(a, b, c, is_causal=True), (qs, ks_, vs))
run("causal_mask", lambda a, b, c: dpa(a, b, c, mask=causal, is_causal=True), (qs, ks_, vs))
run("gqa", lambda a, b, c: dpa(a, b, c, mask=mask), (q4, k2, v2))
run("rank5", lambda a, b, c: dpa(a, b, c), (q5, k5, v5))
run("rank3", lambda a, b, c: dpa(a, b, c), (q3, k3, v3))
run("drop_bcast", lambda a, b, c: dpa(a, b, c, mask=mask, dropout_rng=key, dropout_rate=0.3), (q, k, v_d2))
run("drop_full", lambda a, b, c: dpa(a, b, c, bias=bias, dropout_rng=key, dropout_rate=0.5, broadcast_dropout=False), (q, k, v))
run("drop_det", lambda a, b, c: dpa(a, b, c, mask=mask, dropout_rng=key, dropout_rate=0.3, deterministic=True), (q, k, v))
run("drop_gqa", lambda a, b, c: dpa(a, b, c, mask=mask, dropout_rng=key, dropout_rate=0.25), (q4, k2, v2))
run("drop_causal", lambda a, b, c: dpa(a, b, c, dropout_rng=key, dropout_rate=0.25, is_causal=True), (qs, ks_, vs))
weights = {
  "w": tl(dpaw(q, k, bias=bias, mask=mask)),
  "w_drop": tl(dpaw(q, k, mask=mask, dropout_rng=key, dropout_rate=0.4)),
  "w_drop_full": tl(dpaw(q4, k2, dropout_rng=key, dropout_rate=0.4, broadcast_dropout=False)),
}
masks = {
  "mask": tl(mask), "causal": tl(causal),
  "causal_extra": tl(nnx.make_causal_mask(jnp.ones((3,)), extra_batch_dims=2)),
  "bool_pair": tl(nnx.make_attention_mask(pad_q > 0, pad_q > 0)),
  "ge": tl(nnx.make_attention_mask(pad_q, pad_k[:, :5] * 2, pairwise_fn=jnp.greater_equal)),
  "causal_bool": tl(nnx.make_causal_mask(jnp.ones((2, 4)), dtype=jnp.bool_).astype(jnp.float32)),
  "pad_int": tl(nnx.make_attention_mask(pad_q, pad_k, dtype=jnp.int32).astype(jnp.float32)),
  "combined": tl(nnx.combine_masks(mask, None, mask * 0.5 + (mask == 0) * 0.25)),
  "single": tl(nnx.combine_masks(None, mask * 0.5)),
}
inputs = {n: tl(a) for n, a in dict(q=q, k=k, v=v, v_d2=v_d2, q4=q4, k2=k2, v2=v2, q5=q5, k5=k5, v5=v5, q3=q3, k3=k3, v3=v3, qs=qs, ks=ks_, vs=vs, bias=bias, pad_q=pad_q, pad_k=pad_k).items()}
print(json.dumps({"inputs": inputs, "cases": cases, "weights": weights, "masks": masks}))
`);
    const x = Object.fromEntries(Object.entries(ref.inputs).map(([k, v]) => [k, T(v)]));
    const padQ = tf.cast(x.pad_q, "int32");
    const padK = tf.cast(x.pad_k, "int32");
    const mask = nnx.makeAttentionMask(padQ, padK);
    const causal = nnx.makeCausalMask(tf.ones([2, 5]));
    const key = random.key(7);
    const dpa = nnx.dotProductAttention;
    const cases: Record<string, [(a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) => tf.Tensor, tf.Tensor[]]> = {
      plain: [(a, b, c) => dpa(a, b, c), [x.q, x.k, x.v]],
      mask: [(a, b, c) => dpa(a, b, c, { mask }), [x.q, x.k, x.v]],
      bias_mask: [(a, b, c) => dpa(a, b, c, { bias: x.bias, mask }), [x.q, x.k, x.v]],
      causal: [(a, b, c) => dpa(a, b, c, { isCausal: true }), [x.qs, x.ks, x.vs]],
      causal_mask: [(a, b, c) => dpa(a, b, c, { mask: causal, isCausal: true }), [x.qs, x.ks, x.vs]],
      gqa: [(a, b, c) => dpa(a, b, c, { mask }), [x.q4, x.k2, x.v2]],
      rank5: [(a, b, c) => dpa(a, b, c), [x.q5, x.k5, x.v5]],
      rank3: [(a, b, c) => dpa(a, b, c), [x.q3, x.k3, x.v3]],
      drop_bcast: [(a, b, c) => dpa(a, b, c, { mask, dropoutRng: key, dropoutRate: 0.3 }), [x.q, x.k, x.v_d2]],
      drop_full: [(a, b, c) => dpa(a, b, c, { bias: x.bias, dropoutRng: key, dropoutRate: 0.5, broadcastDropout: false }), [x.q, x.k, x.v]],
      drop_det: [(a, b, c) => dpa(a, b, c, { mask, dropoutRng: key, dropoutRate: 0.3, deterministic: true }), [x.q, x.k, x.v]],
      drop_gqa: [(a, b, c) => dpa(a, b, c, { mask, dropoutRng: key, dropoutRate: 0.25 }), [x.q4, x.k2, x.v2]],
      drop_causal: [(a, b, c) => dpa(a, b, c, { dropoutRng: key, dropoutRate: 0.25, isCausal: true }), [x.qs, x.ks, x.vs]],
    };
    expect(Object.keys(cases).sort()).toEqual(Object.keys(ref.cases).sort());
    for (const [name, [fn, args]] of Object.entries(cases)) {
      const r = ref.cases[name] as FnCase & { c: Nested };
      expectClose(fn(args[0], args[1], args[2]), r.out, `${name} out`);
      const c = T(r.c);
      const [gq, gk, gv] = tf.grads((a: tf.Tensor, b: tf.Tensor, v: tf.Tensor) => tf.sum(tf.mul(fn(a, b, v), c)))(args);
      expectClose(gq, r.gq, `${name} dq`);
      expectClose(gk, r.gk, `${name} dk`);
      expectClose(gv, r.gv, `${name} dv`);
    }
    const w = nnx.dotProductAttentionWeights;
    expectClose(w(x.q, x.k, { bias: x.bias, mask }), ref.weights.w, "weights");
    const wd = w(x.q, x.k, { mask, dropoutRng: key, dropoutRate: 0.4 });
    expectClose(wd, ref.weights.w_drop, "weights with dropout");
    // Dropped entries are JAX's exactly: a kept weight is 0 only where masked (fully masked rows are 1/6).
    const zerosOf = (t: tf.Tensor) => Array.from(t.dataSync()).map((v) => v === 0);
    expect(zerosOf(wd)).toEqual(([ref.weights.w_drop].flat(Infinity as 1) as number[]).map((v) => v === 0));
    const wf = w(x.q4, x.k2, { dropoutRng: key, dropoutRate: 0.4, broadcastDropout: false });
    expect(zerosOf(wf)).toEqual(([ref.weights.w_drop_full].flat(Infinity as 1) as number[]).map((v) => v === 0));
    expectClose(wf, ref.weights.w_drop_full, "weights full dropout");

    expect(bits(mask)).toEqual(bits(T(ref.masks.mask)));
    expect(bits(causal)).toEqual(bits(T(ref.masks.causal)));
    const causalExtra = nnx.makeCausalMask(tf.ones([3]), { extraBatchDims: 2 });
    expect(causalExtra.shape).toEqual([1, 1, 1, 3, 3]);
    expect(bits(causalExtra)).toEqual(bits(T(ref.masks.causal_extra)));
    expect(bits(nnx.makeAttentionMask(tf.greater(padQ, 0), tf.greater(padQ, 0)))).toEqual(bits(T(ref.masks.bool_pair)));
    const ge = nnx.makeAttentionMask(padQ, tf.mul(tf.slice(padK, [0, 0], [-1, 5]), 2), { pairwiseFn: tf.greaterEqual });
    expect(bits(ge)).toEqual(bits(T(ref.masks.ge)));
    const causalBool = nnx.makeCausalMask(tf.ones([2, 4]), { dtype: "bool" });
    expect(causalBool.dtype).toBe("bool");
    expect(bits(tf.cast(causalBool, "float32"))).toEqual(bits(T(ref.masks.causal_bool)));
    const padInt = nnx.makeAttentionMask(padQ, padK, { dtype: "int32" });
    expect(padInt.dtype).toBe("int32");
    expect(bits(tf.cast(padInt, "float32"))).toEqual(bits(T(ref.masks.pad_int)));
    // A boolean mask masks as the float one does.
    expectClose(dpa(x.qs, x.ks, x.vs, { mask: nnx.makeCausalMask(tf.ones([2, 5]), { dtype: "bool" }) }), ref.cases.causal.out, "bool causal mask");
    const other = tf.add(tf.mul(mask, 0.5), tf.mul(tf.cast(tf.equal(mask, 0), "float32"), 0.25));
    expect(bits(nnx.combineMasks(mask, null, other)!)).toEqual(bits(T(ref.masks.combined)));
    expect(bits(nnx.combineMasks(undefined, tf.mul(mask, 0.5))!)).toEqual(bits(T(ref.masks.single)));
    expect(nnx.combineMasks(null, undefined)).toBeNull();
    expect(() => nnx.combineMasks(mask, causalExtra)).toThrow(/same rank/);
  });
});

describe("nnx.MultiHeadAttention", () => {
  const ORDER = (m: nnx.MultiHeadAttention): string[] => [
    ...["query", "key", "value"].flatMap((n) => (m.useBias ? [`${n}.kernel`, `${n}.bias`] : [`${n}.kernel`])),
    ...(m.normalizeQk ? ["query_ln.scale", "key_ln.scale"] : []),
    ...(m.useBias ? ["out.kernel", "out.bias"] : ["out.kernel"]),
  ];

  it("initialises bit-for-bit like nnx.MultiHeadAttention, with the same draws from params and dropout streams", () => {
    const ref = pythonJson<{
      params: Record<string, number[]>[];
      shapes: Record<string, number[]>[];
      rngs: (number[] | number)[][];
      next: number[][];
    }>(`${PY_PRELUDE}
r0 = nnx.Rngs(0)
r1 = nnx.Rngs(params=1, dropout=2)
ms = [
  nnx.MultiHeadAttention(2, 6, decode=False, rngs=r0),
  nnx.MultiHeadAttention(4, 8, qkv_features=16, out_features=5, in_kv_features=3, dropout_rate=0.2, rngs=r1),
  nnx.MultiHeadAttention(4, 8, num_kv_heads=2, normalize_qk=True, use_bias=False, out_kernel_init=nnx.initializers.normal(0.1), rngs=r0),
  nnx.MultiHeadAttention(2, 4, dropout_rate=0.1, bias_init=nnx.initializers.uniform(), out_bias_init=nnx.initializers.ones, rngs=r0),
]
rng_states = [[keydata(m.rngs.key[...]), int(m.rngs.count[...])] if m.rngs is not None else [] for m in ms]
print(json.dumps({"params": [flatbits(m) for m in ms], "shapes": [shapes(m) for m in ms], "rngs": rng_states,
  "next": [keydata(r0.params()), keydata(r1.params()), keydata(r1.dropout())]}))
`);
    const r0 = new nnx.Rngs(0);
    const r1 = new nnx.Rngs({ params: 1, dropout: 2 });
    const ms = [
      new nnx.MultiHeadAttention(2, 6, { decode: false, rngs: r0 }),
      new nnx.MultiHeadAttention(4, 8, { qkvFeatures: 16, outFeatures: 5, inKvFeatures: 3, dropoutRate: 0.2, rngs: r1 }),
      new nnx.MultiHeadAttention(4, 8, {
        numKvHeads: 2,
        normalizeQk: true,
        useBias: false,
        outKernelInit: nnx.initializers.normal(0.1),
        rngs: r0,
      }),
      new nnx.MultiHeadAttention(2, 4, {
        dropoutRate: 0.1,
        biasInit: nnx.initializers.uniform(),
        outBiasInit: nnx.initializers.ones,
        rngs: r0,
      }),
    ];
    ms.forEach((m, i) => {
      expect(paramShapes(m)).toEqual(ref.shapes[i]);
      expect(paramBits(m), `model ${i}`).toEqual(ref.params[i]);
      const s = m.rngs as nnx.RngStream | null;
      expect(s === null ? [] : [Array.from(s.key.value), s.count.value]).toEqual(ref.rngs[i]);
    });
    expect([Array.from(r0.params()), Array.from(r1.params()), Array.from(r1.dropout())]).toEqual(ref.next);
    // Model 0, 2, 3 drew from Rngs(0)'s default stream in order; model 3 then forked it for dropout.
    expectInitsReproduce(
      [ms[0], ms[2], ms[3]].map((m) => [m, ORDER(m)]),
      0,
    );
    expect(() => new nnx.MultiHeadAttention(3, 8, { rngs: r0 })).toThrow(/divisible/);
    expect(() => new nnx.MultiHeadAttention(4, 8, { numKvHeads: 3, rngs: r0 })).toThrow(/divisible/);
  });

  it("matches NNX outputs and parameter/input gradients: self, cross, GQA + normalize_qk, masks, causal, sown weights", () => {
    type Case = { out: Nested; c: Nested; gp: Record<string, Nested>; gx: Nested[] };
    const ref = pythonJson<{
      params: Record<string, Record<string, Nested>>;
      inputs: Record<string, Nested>;
      cases: Record<string, Case>;
      sown: Nested[];
    }>(`${PY_PRELUDE}
ms = {
  "self": nnx.MultiHeadAttention(2, 6, decode=False, rngs=nnx.Rngs(0)),
  "cross": nnx.MultiHeadAttention(4, 8, qkv_features=16, out_features=5, in_kv_features=3, decode=False, rngs=nnx.Rngs(1)),
  "gqa": nnx.MultiHeadAttention(4, 8, qkv_features=16, num_kv_heads=2, normalize_qk=True, decode=False, rngs=nnx.Rngs(2)),
}
# Weights of scale 0.5 keep the softmax unsaturated, so gradients are not float32 cancellation noise.
for i, m in enumerate(ms.values()): randomize(m, i + 1, 0.5)
xq, xkv, xv = rnd(0, (2, 5, 6)), rnd(1, (2, 7, 3)), rnd(2, (2, 7, 3))
x8 = rnd(3, (2, 5, 8))
pad = jnp.array([[1, 1, 1, 1, 0], [1, 1, 1, 1, 1]], jnp.int32)
mask = nnx.make_attention_mask(pad, pad)
cases = {}
def run(name, m, f, args):
  out = f(m, *args)
  c = rnd(50 + len(cases), out.shape)
  gp, *gx = nnx.grad(lambda m, *a: jnp.sum(f(m, *a) * c), argnums=tuple(range(len(args) + 1)))(m, *args)
  cases[name] = {"out": tl(out), "c": tl(c), "gp": flat(gp), "gx": [tl(g) for g in gx]}
run("self", ms["self"], lambda m, x: m(x), (xq,))
run("self_mask", ms["self"], lambda m, x: m(x, mask=mask), (xq,))
run("self_causal", ms["self"], lambda m, x: m(x, x, x, is_causal=True), (xq,))
run("cross", ms["cross"], lambda m, q, kv: m(q, kv), (x8, xkv))
run("cross_kv", ms["cross"], lambda m, q, k, v: m(q, k, v), (x8, xkv, xv))
run("gqa", ms["gqa"], lambda m, x: m(x, mask=mask), (x8,))
sm = ms["self"]
sm(xq, sow_weights=True); sm(xq, mask=mask, sow_weights=True)
sown = [tl(w) for w in sm.attention_weights.get_value()]
print(json.dumps({"params": {n: flat(m) for n, m in ms.items()}, "inputs": {n: tl(a) for n, a in dict(xq=xq, xkv=xkv, xv=xv, x8=x8, pad=pad).items()},
  "cases": cases, "sown": sown}))
`);
    const ms = {
      self: new nnx.MultiHeadAttention(2, 6, { decode: false, rngs: new nnx.Rngs(0) }),
      cross: new nnx.MultiHeadAttention(4, 8, { qkvFeatures: 16, outFeatures: 5, inKvFeatures: 3, decode: false, rngs: new nnx.Rngs(1) }),
      gqa: new nnx.MultiHeadAttention(4, 8, { qkvFeatures: 16, numKvHeads: 2, normalizeQk: true, decode: false, rngs: new nnx.Rngs(2) }),
    };
    for (const [n, m] of Object.entries(ms)) loadParams(m, ref.params[n]);
    const x = Object.fromEntries(Object.entries(ref.inputs).map(([k, v]) => [k, T(v)]));
    const pad = tf.cast(x.pad, "int32");
    const mask = nnx.makeAttentionMask(pad, pad);
    type M = nnx.MultiHeadAttention;
    const cases: Record<string, [M, (m: M, ...a: tf.Tensor[]) => tf.Tensor, tf.Tensor[]]> = {
      self: [ms.self, (m, a) => m.call(a), [x.xq]],
      self_mask: [ms.self, (m, a) => m.call(a, { mask }), [x.xq]],
      self_causal: [ms.self, (m, a) => m.call(a, a, a, { isCausal: true }), [x.xq]],
      cross: [ms.cross, (m, q, kv) => m.call(q, kv), [x.x8, x.xkv]],
      cross_kv: [ms.cross, (m, q, k, v) => m.call(q, k, v), [x.x8, x.xkv, x.xv]],
      gqa: [ms.gqa, (m, a) => m.call(a, { mask }), [x.x8]],
    };
    for (const [name, [m, fn, args]] of Object.entries(cases)) {
      const r = ref.cases[name];
      expectClose(fn(m, ...args), r.out, `${name} out`);
      const c = T(r.c);
      const [gp, ...gx] = nnx.grad((mm: M, ...a: tf.Tensor[]) => tf.sum(tf.mul(fn(mm, ...a), c)) as tf.Scalar, {
        argnums: args.map((_, i) => i).concat(args.length),
      })(m, ...args) as [nnx.State, ...tf.Tensor[]];
      // Without query/key LayerNorm the key bias shifts each query's logits by a constant: exact gradient 0.
      expectGradsClose(gp, r.gp, name, m.normalizeQk ? [] : ["key.bias"]);
      gx.forEach((g, i) => expectClose(g, r.gx[i], `${name} dx${i}`));
    }
    ms.self.call(x.xq, { sowWeights: true });
    ms.self.call(x.xq, { mask, sowWeights: true });
    const sown = (ms.self as unknown as { attention_weights: nnx.Intermediate<tf.Tensor[]> }).attention_weights;
    expect(sown).toBeInstanceOf(nnx.Intermediate);
    expect(sown.value.length).toBe(2);
    sown.value.forEach((w, i) => expectClose(w, ref.sown[i], `sown ${i}`));
    expect(() => ms.self.call(x.x8)).toThrow(/Incompatible input dimension/);
    expect(() => ms.self.call(x.xq, null, x.xq)).toThrow(/inputs_k/);
  });

  it("draws dropout masks from a fork of the dropout stream exactly as NNX (train/eval, call-time rngs)", () => {
    const ref = pythonJson<{
      params: Record<string, Nested>;
      x: Nested;
      outs: Nested[];
      c: Nested;
      gp: Record<string, Nested>;
      rng: (number | number[])[];
    }>(`${PY_PRELUDE}
m = nnx.MultiHeadAttention(2, 6, dropout_rate=0.3, decode=False, rngs=nnx.Rngs(params=0, dropout=5))
randomize(m, 3, 0.5)
x = rnd(0, (2, 5, 6))
outs = []
outs.append(m(x, deterministic=False))
outs.append(m(x, deterministic=False))
m.eval(); outs.append(m(x))
m.train(); outs.append(m(x))
outs.append(m(x, rngs=nnx.Rngs(dropout=9)))
m2 = nnx.MultiHeadAttention(2, 6, dropout_rate=0.3, broadcast_dropout=False, keep_rngs=False, deterministic=False, decode=False, rngs=nnx.Rngs(0))
randomize(m2, 3, 0.5)
outs.append(m2(x, rngs=nnx.Rngs(11)))
c = rnd(1, outs[0].shape)
gp = nnx.grad(lambda m: jnp.sum(m(x) * c))(m)
print(json.dumps({"params": flat(m), "x": tl(x), "outs": [tl(o) for o in outs], "c": tl(c), "gp": flat(gp),
  "rng": [keydata(m.rngs.key[...]), int(m.rngs.count[...])]}))
`);
    const m = new nnx.MultiHeadAttention(2, 6, { dropoutRate: 0.3, decode: false, rngs: new nnx.Rngs({ params: 0, dropout: 5 }) });
    loadParams(m, ref.params);
    const x = T(ref.x);
    const outs: tf.Tensor[] = [];
    outs.push(m.call(x, { deterministic: false }));
    outs.push(m.call(x, { deterministic: false }));
    m.eval();
    outs.push(m.call(x));
    m.train();
    outs.push(m.call(x));
    outs.push(m.call(x, { rngs: new nnx.Rngs({ dropout: 9 }) }));
    const m2 = new nnx.MultiHeadAttention(2, 6, {
      dropoutRate: 0.3,
      broadcastDropout: false,
      keepRngs: false,
      deterministic: false,
      decode: false,
      rngs: new nnx.Rngs(0),
    });
    expect(m2.rngs).toBeNull();
    loadParams(m2, ref.params);
    expect(() => m2.call(x)).toThrow(/'rngs' must be provided/);
    outs.push(m2.call(x, { rngs: new nnx.Rngs(11) }));
    outs.forEach((o, i) => expectClose(o, ref.outs[i], `call ${i}`));
    const gp = nnx.grad((mm: nnx.MultiHeadAttention) => tf.sum(tf.mul(mm.call(x), T(ref.c))) as tf.Scalar)(m);
    expectGradsClose(gp, ref.gp, "train-mode grad", ["key.bias"]);
    const stream = m.rngs as nnx.RngStream;
    expect([Array.from(stream.key.value), stream.count.value]).toEqual(ref.rng);
  });

  it("decodes autoregressively with the cache as NNX (init_cache, per-step mask, index clamped past the end)", () => {
    const ref = pythonJson<{
      params: Record<string, Nested>;
      xs: Nested;
      outs: Nested[];
      cache: Record<string, Nested>;
      full: Nested;
    }>(`${PY_PRELUDE}
m = nnx.MultiHeadAttention(2, 6, qkv_features=4, decode=True, rngs=nnx.Rngs(0))
randomize(m, 4, 0.5)
xs = rnd(0, (2, 5, 6))
m.init_cache((2, 4, 6))
outs = [m(xs[:, i:i + 1]) for i in range(5)]
cache = {"cached_key": tl(m.cached_key[...]), "cached_value": tl(m.cached_value[...]), "cache_index": int(m.cache_index[...])}
full = m(xs[:, :4], decode=False, mask=nnx.make_causal_mask(jnp.ones((2, 4))))
print(json.dumps({"params": flat(m), "xs": tl(xs), "outs": [tl(o) for o in outs], "cache": cache, "full": tl(full)}))
`);
    const m = new nnx.MultiHeadAttention(2, 6, { qkvFeatures: 4, decode: true, rngs: new nnx.Rngs(0) });
    loadParams(m, ref.params);
    const xs = T(ref.xs);
    expect(() => m.call(tf.slice(xs, [0, 0, 0], [-1, 1, -1]))).toThrow(/init_cache/);
    m.initCache([2, 4, 6]);
    expect(flatVariables(m, nnx.Cache).map(([p]) => p)).toEqual(["cache_index", "cached_key", "cached_value"]);
    for (let i = 0; i < 5; i++) expectClose(m.call(tf.slice(xs, [0, i, 0], [-1, 1, -1])), ref.outs[i], `step ${i}`);
    expectClose(m.cached_key!.value, ref.cache.cached_key, "cached_key");
    expectClose(m.cached_value!.value, ref.cache.cached_value, "cached_value");
    expect(m.cache_index!.value.dtype).toBe("int32");
    expect(m.cache_index!.value.arraySync()).toBe(ref.cache.cache_index);
    // Decoding step by step equals causal attention over the whole sequence.
    expectClose(
      m.call(tf.slice(xs, [0, 0, 0], [-1, 4, -1]), { decode: false, mask: nnx.makeCausalMask(tf.ones([2, 4])) }),
      ref.full,
      "full",
    );
    expect(() => m.call(tf.slice(xs, [0, 0, 0], [-1, 2, -1]))).toThrow(/cache shape/);
  });

  it("keeps tf.memory() flat: train-mode calls with dropout, gradients, the functions, decode steps", () => {
    const m = new nnx.MultiHeadAttention(4, 8, {
      numKvHeads: 2,
      normalizeQk: true,
      dropoutRate: 0.2,
      decode: false,
      rngs: new nnx.Rngs(0),
    });
    m.train();
    const x = tf.randomNormal([2, 5, 8]);
    const mask = nnx.makeCausalMask(tf.ones([2, 5]));
    expectFlatMemory(() => {
      tf.dispose(m.call(x, { mask }));
      nnx.dispose(nnx.grad((mm: nnx.MultiHeadAttention) => tf.sum(mm.call(x, { mask })) as tf.Scalar)(m));
    });
    const [q, k, v] = [tf.randomNormal([2, 5, 4, 8]), tf.randomNormal([2, 7, 2, 8]), tf.randomNormal([2, 7, 2, 8])];
    const key = random.key(3);
    expectFlatMemory(() => {
      tf.dispose(nnx.dotProductAttention(q, k, v, { isCausal: true }));
      tf.dispose(nnx.dotProductAttention(q, k, v, { dropoutRng: key, dropoutRate: 0.5, broadcastDropout: false }));
      tf.dispose(
        tf.grads((a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) =>
          tf.sum(nnx.dotProductAttention(a, b, c, { dropoutRng: key, dropoutRate: 0.5 })),
        )([q, k, v]),
      );
    });
    const d = new nnx.MultiHeadAttention(2, 8, { decode: true, rngs: new nnx.Rngs(1) });
    d.initCache([2, 40, 8]);
    const step = tf.randomNormal([2, 1, 8]);
    expectFlatMemory(() => tf.dispose(d.call(step)));
  });
});
