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
  maxAbsDiff,
  paramShapes,
  type Nested,
} from "../helpers/flat-params.js";

afterAll(() =>
  console.log(
    `compared ${closeStats.compared} values; worst |ts - ref| / tolerance = ${closeStats.worst.toFixed(3)} (${closeStats.where})`,
  ),
);

const T = (v: Nested) => tf.tensor(v as number[]);
type Cell = nnx.RNNCellBase<nnx.RNNCarry>;

/** Flattens a carry/output tree in JAX's leaf order. */
const leaves = (c: nnx.RNNCarry): tf.Tensor[] => (c instanceof tf.Tensor ? [c] : c.flatMap(leaves));
/** Rebuilds a cell's carry from its leaves (two-part carries are [c, h]). */
const asCarry = (ls: tf.Tensor[]): nnx.RNNCarry => (ls.length === 2 ? [ls[0], ls[1]] : ls[0]);

/** Every Param equals the Python one bit for bit, except orthogonal-initialised ones (within 1e-6); returns their max |diff|. */
function expectInitBits(model: object, ref: Record<string, number[]>, orthogonal: string[], what: string): number {
  let worst = 0;
  const vars = flatVariables(model);
  expect(vars.map(([p]) => p).sort(), what).toEqual(Object.keys(ref).sort());
  for (const [p, v] of vars) {
    if (orthogonal.includes(p)) {
      const d = maxAbsDiff(v.value, Array.from(new Float32Array(new Uint32Array(ref[p]).buffer)));
      expect(d, `${what} ${p}`).toBeLessThanOrEqual(1e-6);
      worst = Math.max(worst, d);
    } else {
      expect(bits(v.value), `${what} ${p}`).toEqual(ref[p]);
    }
  }
  return worst;
}

describe("recurrent cells (NNX)", () => {
  it("initialise like nnx.LSTMCell / OptimizedLSTMCell / GRUCell / SimpleCell, in NNX's draw order", () => {
    const ref = pythonJson<{ cells: Record<string, number[]>[]; next: number[]; keep: (number[] | number)[] }>(`${PY_PRELUDE}
r = nnx.Rngs(0)
cells = [
  nnx.LSTMCell(3, 4, rngs=r),
  nnx.OptimizedLSTMCell(3, 4, rngs=r),
  nnx.GRUCell(3, 4, rngs=r),
  nnx.SimpleCell(3, 4, rngs=r),
  nnx.GRUCell(2, 3, kernel_init=nnx.initializers.normal(0.5), recurrent_kernel_init=nnx.initializers.lecun_normal(),
              bias_init=nnx.initializers.uniform(), rngs=r),
  nnx.LSTMCell(2, 3, keep_rngs=True, rngs=r),
]
print(json.dumps({"cells": [flatbits(c) for c in cells], "next": keydata(r.params()),
  "keep": [keydata(cells[5].rngs.key[...]), int(cells[5].rngs.count[...])]}))
`);
    const r = new nnx.Rngs(0);
    const cells = [
      new nnx.LSTMCell(3, 4, { rngs: r }),
      new nnx.OptimizedLSTMCell(3, 4, { rngs: r }),
      new nnx.GRUCell(3, 4, { rngs: r }),
      new nnx.SimpleCell(3, 4, { rngs: r }),
      new nnx.GRUCell(2, 3, {
        kernelInit: nnx.initializers.normal(0.5),
        recurrentKernelInit: nnx.initializers.lecunNormal(),
        biasInit: nnx.initializers.uniform(),
        rngs: r,
      }),
      new nnx.LSTMCell(2, 3, { keepRngs: true, rngs: r }),
    ];
    const lstmOrder = ["ii", "if_", "ig", "io"]
      .map((n) => `${n}.kernel`)
      .concat(["hi", "hf", "hg", "ho"].flatMap((n) => [`${n}.kernel`, `${n}.bias`]));
    const orders = [
      lstmOrder,
      ["dense_i.kernel", "dense_h.kernel", "dense_h.bias"],
      ["dense_i.kernel", "dense_i.bias", "dense_h.kernel"],
      ["dense_h.kernel", "dense_i.kernel", "dense_i.bias"],
      ["dense_i.kernel", "dense_i.bias", "dense_h.kernel"],
      lstmOrder,
    ];
    const ortho = [
      ["hi", "hf", "hg", "ho"].map((n) => `${n}.kernel`),
      ["dense_h.kernel"],
      ["dense_h.kernel"],
      ["dense_h.kernel"],
      [],
      ["hi", "hf", "hg", "ho"].map((n) => `${n}.kernel`),
    ];
    let worst = 0;
    cells.forEach((c, i) => (worst = Math.max(worst, expectInitBits(c, ref.cells[i], ortho[i], `cell ${i}`))));
    console.log(`orthogonal recurrent kernels: max |ts - jax| = ${worst.toExponential(2)}`);
    expect(Array.from(r.params())).toEqual(ref.next);
    const kept = cells[5] as nnx.LSTMCell;
    expect([Array.from(kept.rngs!.key.value), kept.rngs!.count.value]).toEqual(ref.keep);
    // The keep_rngs fork came from the default stream before cell 5's parameters.
    expectInitsReproduce(
      cells.slice(0, 5).map((c, i) => [c, orders[i]]),
      0,
    );
    expectInitsReproduce([[cells[5], orders[5]]], 0, cells.slice(0, 5).reduce((n, _, i) => n + orders[i].length, 0) + 1);
  });

  it("match each NNX cell's step (outputs; gradients w.r.t. parameters, carry and input), with custom gates", () => {
    type Case = {
      params: Record<string, Nested>;
      carry: Nested[];
      x: Nested;
      out: Nested[];
      cs: Nested[];
      gp: Record<string, Nested>;
      gc: Nested[];
      gx: Nested;
    };
    const ref = pythonJson<Case[]>(`${PY_PRELUDE}
def case(cell, carry_shape, xshape, seed):
  randomize(cell, seed, 0.5)
  carry = cell.initialize_carry(xshape, nnx.Rngs(0), carry_init=nnx.initializers.normal(1.0))
  x = rnd(seed + 100, xshape)
  outs = jax.tree.leaves(cell(carry, x))
  cs = [rnd(seed * 10 + i, o.shape) for i, o in enumerate(outs)]
  loss = lambda cell, carry, x: sum(jnp.sum(o * c) for o, c in zip(jax.tree.leaves(cell(carry, x)), cs))
  gp, gc, gx = nnx.grad(loss, argnums=(0, 1, 2))(cell, carry, x)
  return {"params": flat(cell), "carry": [tl(l) for l in jax.tree.leaves(carry)], "x": tl(x), "out": [tl(o) for o in outs],
          "cs": [tl(c) for c in cs], "gp": flat(gp), "gc": [tl(l) for l in jax.tree.leaves(gc)], "gx": tl(gx)}
r = nnx.Rngs(1)
print(json.dumps([
  case(nnx.LSTMCell(3, 4, rngs=r), None, (2, 3), 1),
  case(nnx.OptimizedLSTMCell(3, 4, rngs=r), None, (2, 5, 3), 2),
  case(nnx.GRUCell(3, 4, rngs=r), None, (2, 3), 3),
  case(nnx.SimpleCell(3, 4, rngs=r), None, (2, 3), 4),
  case(nnx.SimpleCell(3, 4, residual=True, activation_fn=nnx.relu, rngs=r), None, (2, 3), 5),
  case(nnx.LSTMCell(3, 4, gate_fn=nnx.hard_sigmoid if hasattr(nnx, 'hard_sigmoid') else jax.nn.hard_sigmoid, activation_fn=nnx.gelu, rngs=r), None, (2, 3), 6),
]))
`);
    const r = new nnx.Rngs(1);
    const hardSigmoid = (x: tf.Tensor) => tf.tidy(() => tf.div(tf.relu6(tf.add(x, 3)), 6));
    const cells: [Cell, number[]][] = [
      [new nnx.LSTMCell(3, 4, { rngs: r }), [2, 3]],
      [new nnx.OptimizedLSTMCell(3, 4, { rngs: r }), [2, 5, 3]],
      [new nnx.GRUCell(3, 4, { rngs: r }), [2, 3]],
      [new nnx.SimpleCell(3, 4, { rngs: r }), [2, 3]],
      [new nnx.SimpleCell(3, 4, { residual: true, activationFn: nnx.relu, rngs: r }), [2, 3]],
      [new nnx.LSTMCell(3, 4, { gateFn: hardSigmoid, activationFn: (x) => nnx.gelu(x), rngs: r }), [2, 3]],
    ];
    cells.forEach(([cell, xshape], i) => {
      const c = ref[i];
      loadParams(cell, c.params);
      // The carry NNX drew with normal(1.0) from Rngs(0)'s carry (= default) stream.
      const carry = cell.initializeCarry(xshape, new nnx.Rngs(0), nnx.initializers.normal(1.0));
      leaves(carry).forEach((l, j) => expect(bits(l), `case ${i} carry ${j}`).toEqual(bits(T(c.carry[j]))));
      const x = T(c.x);
      leaves(cell.call(carry, x) as unknown as nnx.RNNCarry).forEach((o, j) => expectClose(o, c.out[j], `case ${i} out ${j}`));
      const cs = c.cs.map(T);
      const n = c.carry.length;
      const loss = (m: Cell, ...a: tf.Tensor[]) =>
        tf.addN(
          leaves(m.call(asCarry(a.slice(0, n)), a[n]) as unknown as nnx.RNNCarry).map((o, j) => tf.sum(tf.mul(o, cs[j]))),
        ) as tf.Scalar;
      const [gp, ...gin] = nnx.grad(loss, { argnums: Array.from({ length: n + 2 }, (_, j) => j) })(cell, ...leaves(carry), x) as [
        nnx.State,
        ...tf.Tensor[],
      ];
      expectGradsClose(gp, c.gp, `case ${i}`);
      gin.slice(0, n).forEach((g, j) => expectClose(g, c.gc[j], `case ${i} d carry ${j}`));
      expectClose(gin[n], c.gx, `case ${i} dx`);
    });
  });

  it("initializeCarry draws as NNX from a stream, the cell's kept stream or a Rngs' carry stream, and as Linen from a key", () => {
    const ref = pythonJson<Record<string, Nested[]>>(`${PY_PRELUDE}
import flax.linen as nn
n = nnx.initializers.normal(1.0)
out = {}
c = nnx.LSTMCell(3, 4, rngs=nnx.Rngs(0), carry_init=n)
out["lstm_rngs"] = [tl(a) for a in c.initialize_carry((2, 3), nnx.Rngs(carry=5))]
out["lstm_stream"] = [tl(a) for a in c.initialize_carry((2, 3), nnx.RngStream(7, tag='carry'))]
k = nnx.GRUCell(3, 4, rngs=nnx.Rngs(0), keep_rngs=True)
out["gru_kept"] = [tl(k.initialize_carry((5, 3), carry_init=n)), tl(k.initialize_carry((5, 3), carry_init=n))]
out["zeros"] = [tl(nnx.SimpleCell(3, 4, rngs=nnx.Rngs(0)).initialize_carry((2, 6, 3), nnx.Rngs(0)))]
# Linen: split(key) for (c, h), the key itself for one-part carries.
out["linen_lstm"] = [tl(a) for a in nn.LSTMCell(4, carry_init=n).initialize_carry(jax.random.key(3), (2, 3))]
out["linen_mgu"] = [tl(nn.MGUCell(4, carry_init=n).initialize_carry(jax.random.key(3), (2, 3)))]
out["linen_conv"] = [tl(a) for a in nn.ConvLSTMCell(4, (3, 3), carry_init=n).initialize_carry(jax.random.key(3), (2, 5, 6, 3))]
print(json.dumps(out))
`);
    const n = nnx.initializers.normal(1.0);
    const same = (got: nnx.RNNCarry, exp: Nested[], what: string) => {
      const ls = leaves(got);
      expect(ls.length, what).toBe(exp.length);
      ls.forEach((l, i) => expect(bits(l), `${what} ${i}`).toEqual(bits(T(exp[i]))));
    };
    const c = new nnx.LSTMCell(3, 4, { rngs: new nnx.Rngs(0), carryInit: n });
    same(c.initializeCarry([2, 3], new nnx.Rngs({ carry: 5 })), ref.lstm_rngs, "lstm rngs");
    same(c.initializeCarry([2, 3], new nnx.RngStream(7, { tag: "carry" })), ref.lstm_stream, "lstm stream");
    expect(() => c.initializeCarry([2, 3])).toThrow(/RNGs must be provided/);
    const k = new nnx.GRUCell(3, 4, { rngs: new nnx.Rngs(0), keepRngs: true });
    same([k.initializeCarry([5, 3], null, n), k.initializeCarry([5, 3], null, n)], ref.gru_kept, "gru kept");
    const z = new nnx.SimpleCell(3, 4, { rngs: new nnx.Rngs(0) }).initializeCarry([2, 6, 3], new nnx.Rngs(0));
    expect(z.shape).toEqual([2, 6, 4]);
    same(z, ref.zeros, "zeros");
    same(
      new nnx.LSTMCell(3, 4, { rngs: new nnx.Rngs(0), carryInit: n }).initializeCarry([2, 3], random.key(3)),
      ref.linen_lstm,
      "linen lstm",
    );
    same(new nnx.MGUCell(3, 4, { rngs: new nnx.Rngs(0), carryInit: n }).initializeCarry([2, 3], random.key(3)), ref.linen_mgu, "linen mgu");
    const conv = new nnx.ConvLSTMCell(3, 4, [3, 3], { rngs: new nnx.Rngs(0), carryInit: n });
    expect(conv.numFeatureAxes).toBe(3);
    same(conv.initializeCarry([2, 5, 6, 3], random.key(3)), ref.linen_conv, "linen conv");
  });
});

describe("Linen-only cells (nnx.MGUCell, nnx.ConvLSTMCell, nnx.LinenGRUCell) against Linen", () => {
  it("match nn.MGUCell, nn.ConvLSTMCell and nn.GRUCell steps (outputs and gradients) on the same weights", () => {
    type Case = {
      params: Record<string, Nested>;
      carry: Nested[];
      x: Nested;
      out: Nested[];
      cs: Nested[];
      gp: Record<string, Nested>;
      gc: Nested[];
      gx: Nested;
    };
    const ref = pythonJson<Case[]>(`${PY_PRELUDE}
import flax.linen as nn
from flax.traverse_util import flatten_dict, unflatten_dict
def case(cell, xshape, seed):
  x = rnd(seed + 100, xshape)
  carry = cell.initialize_carry(jax.random.key(seed), xshape)
  carry = jax.tree.map(lambda a: rnd(seed + 200, a.shape), carry)
  params = cell.init(jax.random.key(0), carry, x)["params"]
  fl = flatten_dict(params)
  params = unflatten_dict({k: rnd(seed * 1000 + i, v.shape) * 0.5 for i, (k, v) in enumerate(sorted(fl.items()))})
  apply = lambda p, carry, x: cell.apply({"params": p}, carry, x)
  outs = jax.tree.leaves(apply(params, carry, x))
  cs = [rnd(seed * 10 + i, o.shape) for i, o in enumerate(outs)]
  loss = lambda p, carry, x: sum(jnp.sum(o * c) for o, c in zip(jax.tree.leaves(apply(p, carry, x)), cs))
  gp, gc, gx = jax.grad(loss, argnums=(0, 1, 2))(params, carry, x)
  dotted = lambda t: {'.'.join(k): tl(v) for k, v in flatten_dict(t).items()}
  return {"params": dotted(params), "carry": [tl(l) for l in jax.tree.leaves(carry)], "x": tl(x), "out": [tl(o) for o in outs],
          "cs": [tl(c) for c in cs], "gp": dotted(gp), "gc": [tl(l) for l in jax.tree.leaves(gc)], "gx": tl(gx)}
print(json.dumps([
  case(nn.MGUCell(4), (2, 3), 1),
  case(nn.MGUCell(4, reset_gate=False, forget_bias_init=nn.initializers.zeros), (2, 3), 2),
  case(nn.ConvLSTMCell(4, (3, 3)), (2, 5, 6, 3), 3),
  case(nn.ConvLSTMCell(2, (3,), use_bias=False), (2, 7, 3), 4),
  case(nn.GRUCell(4), (2, 3), 5),
]))
`);
    // Linen's keyword-named layers `if`/`in` are `if_`/`in_` here.
    const rename = (p: string) => p.replace(/^if\./, "if_.").replace(/^in\./, "in_.");
    const renamed = (d: Record<string, Nested>) => Object.fromEntries(Object.entries(d).map(([k, v]) => [rename(k), v]));
    const r = new nnx.Rngs(0);
    const cells: Cell[] = [
      new nnx.MGUCell(3, 4, { rngs: r }),
      new nnx.MGUCell(3, 4, { resetGate: false, forgetBiasInit: nnx.initializers.zeros, rngs: r }),
      new nnx.ConvLSTMCell(3, 4, [3, 3], { rngs: r }),
      new nnx.ConvLSTMCell(3, 2, [3], { useBias: false, rngs: r }),
      new nnx.LinenGRUCell(3, 4, { rngs: r }),
    ];
    cells.forEach((cell, i) => {
      const c = ref[i];
      loadParams(cell, renamed(c.params));
      const carry = asCarry(c.carry.map(T));
      const x = T(c.x);
      leaves(cell.call(carry, x) as unknown as nnx.RNNCarry).forEach((o, j) => expectClose(o, c.out[j], `case ${i} out ${j}`));
      const cs = c.cs.map(T);
      const n = c.carry.length;
      const loss = (m: Cell, ...a: tf.Tensor[]) =>
        tf.addN(
          leaves(m.call(asCarry(a.slice(0, n)), a[n]) as unknown as nnx.RNNCarry).map((o, j) => tf.sum(tf.mul(o, cs[j]))),
        ) as tf.Scalar;
      const [gp, ...gin] = nnx.grad(loss, { argnums: Array.from({ length: n + 2 }, (_, j) => j) })(cell, ...leaves(carry), x) as [
        nnx.State,
        ...tf.Tensor[],
      ];
      expectGradsClose(gp, renamed(c.gp), `case ${i}`);
      gin.slice(0, n).forEach((g, j) => expectClose(g, c.gc[j], `case ${i} d carry ${j}`));
      expectClose(gin[n], c.gx, `case ${i} dx`);
    });
    expect(paramShapes(cells[1])).toEqual({
      "hf.kernel": [4, 4],
      "hn.kernel": [4, 4],
      "if_.bias": [4],
      "if_.kernel": [3, 4],
      "in_.bias": [4],
      "in_.kernel": [3, 4],
    });
  });
});

describe("nnx.RNN and nnx.Bidirectional", () => {
  it("match NNX: batch/time-major, reverse, keep_order, seq_lengths with return_carry, initial carry, carry keys; gradients through time", () => {
    type Case = { out: Nested[]; cs: Nested[]; gp: Record<string, Nested>; gx: Nested; count: number };
    const ref = pythonJson<{
      params: Record<string, Record<string, Nested>>;
      inputs: Record<string, Nested>;
      cases: Record<string, Case>;
    }>(`${PY_PRELUDE}
normal = nnx.initializers.normal(1.0)
cells = {
  "lstm": nnx.LSTMCell(3, 4, rngs=nnx.Rngs(0), carry_init=normal),
  "gru": nnx.GRUCell(3, 4, rngs=nnx.Rngs(1), carry_init=normal),
  "opt": nnx.OptimizedLSTMCell(3, 4, rngs=nnx.Rngs(2)),
}
for i, c in enumerate(cells.values()): randomize(c, i + 1, 0.5)
rnns = {
  "lstm": nnx.RNN(cells["lstm"]),
  "lstm_tm": nnx.RNN(cells["lstm"], time_major=True, rngs=nnx.Rngs(carry=4)),
  "gru_rev": nnx.RNN(cells["gru"], reverse=True, return_carry=True, rngs=nnx.Rngs(9)),
  "gru_rev_keep": nnx.RNN(cells["gru"], reverse=True, keep_order=True),
  "opt": nnx.RNN(cells["opt"], return_carry=True, rngs=False),
}
x = rnd(0, (3, 5, 3))
xt = jnp.swapaxes(x, 0, 1)
x4 = rnd(1, (2, 3, 5, 3))
lengths = jnp.array([5, 2, 0], jnp.int32)
init_h = rnd(2, (3, 4))
# Call-time streams are made inside each call (NNX cannot mutate one from outside nnx.grad's trace).
calls = {
  "lstm": ("lstm", x, lambda: {}),
  "lstm_batch2": ("lstm", x4, lambda: {}),
  "lstm_tm": ("lstm_tm", xt, lambda: {}),
  "lstm_tm_len": ("lstm_tm", xt, lambda: dict(seq_lengths=lengths, return_carry=True, reverse=True, keep_order=True)),
  "gru_rev": ("gru_rev", x, lambda: {}),
  "gru_rev_len": ("gru_rev", x, lambda: dict(seq_lengths=lengths)),
  "gru_rev_keep": ("gru_rev_keep", x, lambda: dict(seq_lengths=lengths)),
  "gru_init": ("gru_rev_keep", x, lambda: dict(initial_carry=init_h, return_carry=True)),
  "gru_call_rngs": ("gru_rev_keep", x, lambda: dict(rngs=nnx.Rngs(carry=21), reverse=False)),
  "opt": ("opt", x, lambda: dict(rngs=nnx.RngStream(3, tag='carry'))),
  "opt_len": ("opt", x, lambda: dict(rngs=nnx.RngStream(3, tag='carry'), seq_lengths=lengths)),
}
cases = {}
for name, (rn, xx, kw) in calls.items():
  m = rnns[rn]
  outs = jax.tree.leaves(m(xx, **kw()))
  cs = [rnd(len(cases) * 10 + i + 50, o.shape) for i, o in enumerate(outs)]
  loss = lambda m, xx: sum(jnp.sum(o * c) for o, c in zip(jax.tree.leaves(m(xx, **kw())), cs))
  gp, gx = nnx.grad(loss, argnums=(0, 1))(m, xx)
  count = int(m.rngs.count[...]) if m.rngs is not None else -1
  cases[name] = {"out": [tl(o) for o in outs], "cs": [tl(c) for c in cs], "gp": flat(gp), "gx": tl(gx), "count": count}
print(json.dumps({"params": {n: flat(c) for n, c in cells.items()}, "cases": cases,
  "inputs": {"x": tl(x), "xt": tl(xt), "x4": tl(x4), "lengths": tl(lengths), "init_h": tl(init_h)}}))
`);
    const normal = nnx.initializers.normal(1.0);
    const cells = {
      lstm: new nnx.LSTMCell(3, 4, { rngs: new nnx.Rngs(0), carryInit: normal }),
      gru: new nnx.GRUCell(3, 4, { rngs: new nnx.Rngs(1), carryInit: normal }),
      opt: new nnx.OptimizedLSTMCell(3, 4, { rngs: new nnx.Rngs(2) }),
    };
    for (const [n, c] of Object.entries(cells)) loadParams(c, ref.params[n]);
    const rnns: Record<string, nnx.RNN> = {
      lstm: new nnx.RNN(cells.lstm),
      lstm_tm: new nnx.RNN(cells.lstm, { timeMajor: true, rngs: new nnx.Rngs({ carry: 4 }) }),
      gru_rev: new nnx.RNN(cells.gru, { reverse: true, returnCarry: true, rngs: new nnx.Rngs(9) }),
      gru_rev_keep: new nnx.RNN(cells.gru, { reverse: true, keepOrder: true }),
      opt: new nnx.RNN(cells.opt, { returnCarry: true, rngs: false }),
    };
    const inp = ref.inputs;
    const [x, xt, x4, initH] = [inp.x, inp.xt, inp.x4, inp.init_h].map(T);
    const lengths = tf.cast(T(inp.lengths), "int32");
    const calls: Record<string, [string, tf.Tensor, () => nnx.RNNCallOptions]> = {
      lstm: ["lstm", x, () => ({})],
      lstm_batch2: ["lstm", x4, () => ({})],
      lstm_tm: ["lstm_tm", xt, () => ({})],
      lstm_tm_len: ["lstm_tm", xt, () => ({ seqLengths: lengths, returnCarry: true, reverse: true, keepOrder: true })],
      gru_rev: ["gru_rev", x, () => ({})],
      gru_rev_len: ["gru_rev", x, () => ({ seqLengths: lengths })],
      gru_rev_keep: ["gru_rev_keep", x, () => ({ seqLengths: lengths })],
      gru_init: ["gru_rev_keep", x, () => ({ initialCarry: initH, returnCarry: true })],
      gru_call_rngs: ["gru_rev_keep", x, () => ({ rngs: new nnx.Rngs({ carry: 21 }), reverse: false })],
      opt: ["opt", x, () => ({ rngs: new nnx.RngStream(3, { tag: "carry" }) })],
      opt_len: ["opt", x, () => ({ rngs: new nnx.RngStream(3, { tag: "carry" }), seqLengths: lengths })],
    };
    expect(Object.keys(calls)).toEqual(Object.keys(ref.cases));
    for (const [name, [rn, xx, kw]] of Object.entries(calls)) {
      const c = ref.cases[name];
      const m = rnns[rn];
      const outs = leaves(m.call(xx, kw()) as nnx.RNNCarry);
      expect(outs.length, name).toBe(c.out.length);
      outs.forEach((o, j) => expectClose(o, c.out[j], `${name} out ${j}`));
      const cs = c.cs.map(T);
      const loss = (mm: nnx.RNN, a: tf.Tensor) =>
        tf.addN(leaves(mm.call(a, kw()) as nnx.RNNCarry).map((o, j) => tf.sum(tf.mul(o, cs[j])))) as tf.Scalar;
      const [gp, gx] = nnx.grad(loss, { argnums: [0, 1] })(m, xx) as [nnx.State, tf.Tensor];
      expectGradsClose(gp, c.gp, name);
      expectClose(gx, c.gx, `${name} dx`);
      expect(m.rngs === null ? -1 : m.rngs.count.value, `${name} carry stream count`).toBe(c.count);
    }
  });

  it("selects a sequence's last valid carry as jnp indexing does (length 0 wraps to the end, too long is clamped)", () => {
    const ref = pythonJson<{ carry: Nested; flip: Nested; flipTm: Nested; params: Record<string, Nested>; x: Nested }>(`${PY_PRELUDE}
from flax.nnx.nn.recurrent import flip_sequences
cell = nnx.SimpleCell(2, 3, rngs=nnx.Rngs(0))
x = rnd(0, (4, 3, 2))  # batch 4, time 3: lengths 4 and 7 run past the end
carry, _ = nnx.RNN(cell, return_carry=True)(x, seq_lengths=jnp.array([3, 0, 4, 7], jnp.int32))
flip = flip_sequences(x, jnp.array([3, 0, 4, 7], jnp.int32), 1, False)
flip_tm = flip_sequences(jnp.swapaxes(x, 0, 1), jnp.array([3, 0, 4, 7], jnp.int32), 1, True)
print(json.dumps({"carry": tl(carry), "flip": tl(flip), "flipTm": tl(flip_tm), "params": flat(cell), "x": tl(x)}))
`);
    const cell = new nnx.SimpleCell(2, 3, { rngs: new nnx.Rngs(0) });
    loadParams(cell, ref.params);
    const x = T(ref.x);
    const lengths = tf.tensor([3, 0, 4, 7], [4], "int32");
    const [carry] = new nnx.RNN(cell).call(x, { seqLengths: lengths, returnCarry: true });
    expectClose(carry as tf.Tensor, ref.carry, "last carry");
    expect(bits(nnx.flipSequences(x, lengths, 1, false))).toEqual(bits(T(ref.flip)));
    expect(bits(nnx.flipSequences(tf.transpose(x, [1, 0, 2]), lengths, 1, true))).toEqual(bits(T(ref.flipTm)));
  });

  it("Bidirectional matches NNX (merge, carries, seq_lengths, time-major, one carry stream for both directions)", () => {
    type Case = { out: Nested[]; cs: Nested[]; gp: Record<string, Nested>; gx: Nested; count: number };
    const ref = pythonJson<{ params: Record<string, Nested>; x: Nested; cases: Record<string, Case> }>(`${PY_PRELUDE}
normal = nnx.initializers.normal(1.0)
fw = nnx.RNN(nnx.LSTMCell(3, 4, rngs=nnx.Rngs(0), carry_init=normal))
bw = nnx.RNN(nnx.LSTMCell(3, 4, rngs=nnx.Rngs(1), carry_init=normal))
bi = nnx.Bidirectional(fw, bw, rngs=nnx.Rngs(carry=3))
randomize(bi, 1, 0.5)
x = rnd(0, (3, 5, 3))
lengths = jnp.array([5, 2, 1], jnp.int32)
bi_add = nnx.Bidirectional(fw, bw, merge_fn=lambda a, b: a + b, time_major=True, return_carry=True)
calls = {
  "plain": (bi, x, lambda: {}),
  "carry_len": (bi, x, lambda: dict(seq_lengths=lengths, return_carry=True)),
  "stream": (bi, x, lambda: dict(rngs=nnx.RngStream(8, tag='carry'))),
  "add_tm": (bi_add, jnp.swapaxes(x, 0, 1), lambda: {}),
}
cases = {}
for name, (m, xx, kw) in calls.items():
  outs = jax.tree.leaves(m(xx, **kw()))
  cs = [rnd(len(cases) * 10 + i + 50, o.shape) for i, o in enumerate(outs)]
  loss = lambda m, xx: sum(jnp.sum(o * c) for o, c in zip(jax.tree.leaves(m(xx, **kw())), cs))
  gp, gx = nnx.grad(loss, argnums=(0, 1))(m, xx)
  cases[name] = {"out": [tl(o) for o in outs], "cs": [tl(c) for c in cs], "gp": flat(gp), "gx": tl(gx), "count": int(m.rngs.count[...])}
print(json.dumps({"params": flat(bi), "x": tl(x), "cases": cases}))
`);
    const normal = nnx.initializers.normal(1.0);
    const fw = new nnx.RNN(new nnx.LSTMCell(3, 4, { rngs: new nnx.Rngs(0), carryInit: normal }));
    const bw = new nnx.RNN(new nnx.LSTMCell(3, 4, { rngs: new nnx.Rngs(1), carryInit: normal }));
    const bi = new nnx.Bidirectional(fw, bw, { rngs: new nnx.Rngs({ carry: 3 }) });
    loadParams(bi, ref.params);
    const x = T(ref.x);
    const lengths = tf.tensor([5, 2, 1], [3], "int32");
    const biAdd = new nnx.Bidirectional(fw, bw, { mergeFn: (a, b) => tf.add(a, b), timeMajor: true, returnCarry: true });
    const calls: Record<string, [nnx.Bidirectional, tf.Tensor, () => nnx.BidirectionalCallOptions]> = {
      plain: [bi, x, () => ({})],
      carry_len: [bi, x, () => ({ seqLengths: lengths, returnCarry: true })],
      stream: [bi, x, () => ({ rngs: new nnx.RngStream(8, { tag: "carry" }) })],
      add_tm: [biAdd, tf.transpose(x, [1, 0, 2]), () => ({})],
    };
    for (const [name, [m, xx, kw]] of Object.entries(calls)) {
      const c = ref.cases[name];
      const outs = leaves(m.call(xx, kw()) as nnx.RNNCarry);
      expect(outs.length, name).toBe(c.out.length);
      outs.forEach((o, j) => expectClose(o, c.out[j], `${name} out ${j}`));
      const cs = c.cs.map(T);
      const loss = (mm: nnx.Bidirectional, a: tf.Tensor) =>
        tf.addN(leaves(mm.call(a, kw()) as nnx.RNNCarry).map((o, j) => tf.sum(tf.mul(o, cs[j])))) as tf.Scalar;
      const [gp, gx] = nnx.grad(loss, { argnums: [0, 1] })(m, xx) as [nnx.State, tf.Tensor];
      expectGradsClose(gp, c.gp, name);
      expectClose(gx, c.gx, `${name} dx`);
      expect(m.rngs!.count.value, `${name} carry stream count`).toBe(c.count);
    }
  });

  it("keep tf.memory() flat over calls and gradients (all cells under RNN, Bidirectional)", () => {
    const r = new nnx.Rngs(0);
    const x = tf.randomNormal([2, 6, 3]);
    const lengths = tf.tensor([6, 3], [2], "int32");
    const models: [string, (xx: tf.Tensor) => unknown][] = [];
    for (const cell of [
      new nnx.LSTMCell(3, 4, { rngs: r }),
      new nnx.OptimizedLSTMCell(3, 4, { rngs: r }),
      new nnx.GRUCell(3, 4, { rngs: r }),
      new nnx.SimpleCell(3, 4, { rngs: r }),
      new nnx.MGUCell(3, 4, { rngs: r }),
      new nnx.LinenGRUCell(3, 4, { rngs: r }),
    ] as Cell[]) {
      const rnn = new nnx.RNN(cell, { returnCarry: true });
      models.push([cell.constructor.name, (xx) => rnn.call(xx, { seqLengths: lengths, reverse: true, keepOrder: true })]);
      models.push([
        `${cell.constructor.name} grad`,
        (xx) => nnx.grad((m: nnx.RNN) => tf.sum(m.call(xx, { returnCarry: false })) as tf.Scalar)(rnn),
      ]);
    }
    const conv = new nnx.RNN(new nnx.ConvLSTMCell(3, 2, [3], { rngs: r }));
    const x4 = tf.reshape(x, [1, 2, 6, 3]);
    models.push(["ConvLSTMCell", () => conv.call(x4)]);
    const bi = new nnx.Bidirectional(new nnx.RNN(new nnx.GRUCell(3, 4, { rngs: r })), new nnx.RNN(new nnx.GRUCell(3, 4, { rngs: r })));
    models.push(["Bidirectional", (xx) => bi.call(xx, { seqLengths: lengths })]);
    models.push(["Bidirectional carry", (xx) => bi.call(xx, { returnCarry: true })]);
    for (const [name, run] of models) {
      nnx.dispose(leavesOrState(run(x)));
      const before = tf.memory().numTensors;
      for (let i = 0; i < 10; i++) nnx.dispose(leavesOrState(run(x)));
      expect(tf.memory().numTensors, name).toBe(before);
    }
    expectFlatMemory(() => nnx.dispose(leavesOrState(models[0][1](x))));
  });
});

/** Everything a call returned, as something nnx.dispose takes. */
function leavesOrState(out: unknown): (tf.Tensor | nnx.State)[] {
  if (out instanceof tf.Tensor || out instanceof nnx.State) return [out];
  if (Array.isArray(out)) return out.flatMap(leavesOrState);
  throw new Error(`unexpected output ${String(out)}`);
}
