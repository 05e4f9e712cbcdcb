import { afterAll, describe, expect, it } from "vitest";
import { nnx, tf } from "../../runtime/index.js";
import { einsum } from "../../runtime/nn/einsum.js";
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

describe("nnx.LinearGeneral", () => {
  it("initialises bit-for-bit like nnx.LinearGeneral (flat kernel draw, reshaped), drawing the same keys", () => {
    const ref = pythonJson<{ layers: Record<string, number[]>[]; shapes: Record<string, number[]>[]; next: number[] }>(`${PY_PRELUDE}
r = nnx.Rngs(0)
ls = [
  nnx.LinearGeneral(3, 4, rngs=r),
  nnx.LinearGeneral(3, (4, 5), rngs=r),
  nnx.LinearGeneral((2, 3), (4, 5), axis=(1, -1), rngs=r),
  nnx.LinearGeneral((2, 3), 5, axis=(-2, -1), batch_axis={0: 4}, bias_init=nnx.initializers.normal(0.5), rngs=r),
  nnx.LinearGeneral(6, (2, 2), use_bias=False, kernel_init=nnx.initializers.glorot_uniform(), rngs=r),
  nnx.LinearGeneral((4, 2), 3, axis=(-2, -1), batch_axis={0: 2, 1: 3}, kernel_init=nnx.initializers.orthogonal(), rngs=r),
]
print(json.dumps({"layers": [flatbits(l) for l in ls], "shapes": [shapes(l) for l in ls], "next": keydata(r.params())}))
`);
    const r = new nnx.Rngs(0);
    const ls = [
      new nnx.LinearGeneral(3, 4, { rngs: r }),
      new nnx.LinearGeneral(3, [4, 5], { rngs: r }),
      new nnx.LinearGeneral([2, 3], [4, 5], { axis: [1, -1], rngs: r }),
      new nnx.LinearGeneral([2, 3], 5, { axis: [-2, -1], batchAxis: { 0: 4 }, biasInit: nnx.initializers.normal(0.5), rngs: r }),
      new nnx.LinearGeneral(6, [2, 2], { useBias: false, kernelInit: nnx.initializers.glorotUniform(), rngs: r }),
      new nnx.LinearGeneral([4, 2], 3, { axis: [-2, -1], batchAxis: { 0: 2, 1: 3 }, kernelInit: nnx.initializers.orthogonal(), rngs: r }),
    ];
    ls.forEach((l, i) => {
      expect(paramShapes(l)).toEqual(ref.shapes[i]);
      const got = paramBits(l);
      for (const [p, b] of Object.entries(ref.layers[i])) {
        if (i === 5 && p === "kernel") {
          // orthogonal: LAPACK QR in JAX vs float64 Householder here (within 1e-6, see initializers.test.ts).
          const v = flatVariables(l).find(([q]) => q === p)![1].value;
          const e = Array.from(new Float32Array(new Uint32Array(b).buffer));
          v.dataSync().forEach((x, j) => expect(Math.abs(x - e[j])).toBeLessThanOrEqual(1e-6));
        } else {
          expect(got[p], `layer ${i} ${p}`).toEqual(b);
        }
      }
    });
    expect(Array.from(r.params())).toEqual(ref.next);
    expectInitsReproduce(
      ls.map((l) => [l, l.bias ? ["kernel", "bias"] : ["kernel"]]),
      0,
    );
  });

  it("matches nnx.LinearGeneral's outputs and gradients (axes, batch axes, bias broadcast)", () => {
    type Case = { params: Record<string, Nested>; x: Nested; c: Nested; y: Nested; gp: Record<string, Nested>; gx: Nested };
    const ref = pythonJson<Case[]>(`${PY_PRELUDE}
def case(layer, xshape, seed):
  randomize(layer, seed)
  x = rnd(seed + 100, xshape)
  y = layer(x)
  c = rnd(seed + 200, y.shape)
  gp, gx = nnx.jit(nnx.grad(lambda m, x: jnp.sum(m(x) * c), argnums=(0, 1)))(layer, x)
  return {"params": flat(layer), "x": tl(x), "c": tl(c), "y": tl(y), "gp": flat(gp), "gx": tl(gx)}
r = nnx.Rngs(1)
print(json.dumps([
  case(nnx.LinearGeneral(3, 4, rngs=r), (2, 5, 3), 0),
  case(nnx.LinearGeneral(3, (4, 5), rngs=r), (7, 3), 1),
  case(nnx.LinearGeneral((2, 3), (4, 5), axis=(1, -1), rngs=r), (6, 2, 3), 2),
  case(nnx.LinearGeneral((2, 3), 5, axis=(-2, -1), batch_axis={0: 4}, rngs=r), (4, 2, 3), 3),
  case(nnx.LinearGeneral((3, 2), 5, axis=(1, 3), batch_axis={0: 2}, rngs=r), (2, 3, 4, 2), 4),
  case(nnx.LinearGeneral(3, 2, axis=0, use_bias=False, rngs=r), (3, 4, 2), 5),
]))
`);
    const r = new nnx.Rngs(1);
    const layers = [
      new nnx.LinearGeneral(3, 4, { rngs: r }),
      new nnx.LinearGeneral(3, [4, 5], { rngs: r }),
      new nnx.LinearGeneral([2, 3], [4, 5], { axis: [1, -1], rngs: r }),
      new nnx.LinearGeneral([2, 3], 5, { axis: [-2, -1], batchAxis: { 0: 4 }, rngs: r }),
      new nnx.LinearGeneral([3, 2], 5, { axis: [1, 3], batchAxis: { 0: 2 }, rngs: r }),
      new nnx.LinearGeneral(3, 2, { axis: 0, useBias: false, rngs: r }),
    ];
    layers.forEach((layer, i) => {
      const c = ref[i];
      loadParams(layer, c.params);
      const x = tf.tensor(c.x as number[]);
      const ct = tf.tensor(c.c as number[]);
      expectClose(layer.call(x), c.y, `case ${i} y`);
      const [gp, gx] = nnx.grad((m: nnx.LinearGeneral, xx: tf.Tensor) => tf.sum(tf.mul(m.call(xx), ct)) as tf.Scalar, {
        argnums: [0, 1],
      })(layer, x);
      expectGradsClose(gp, c.gp, `case ${i}`);
      expectClose(gx, c.gx, `case ${i} gx`);
    });
  });

  it("keeps tf.memory() flat over repeated calls and gradients", () => {
    const layer = new nnx.LinearGeneral([2, 3], [4, 5], { axis: [-2, -1], batchAxis: { 0: 2 }, rngs: new nnx.Rngs(0) });
    const x = tf.randomNormal([2, 7, 2, 3]);
    expectFlatMemory(() => {
      tf.dispose(layer.call(x));
      nnx.dispose(nnx.grad((m: nnx.LinearGeneral) => tf.sum(m.call(x)) as tf.Scalar)(layer));
    });
  });
});

describe("einsum (two operands, as jnp.einsum)", () => {
  it("matches jnp.einsum values and gradients: batch, contraction, ellipsis broadcast, summed-out labels", () => {
    const cases: [string, number[], number[]][] = [
      ["ab,bc->ac", [3, 4], [4, 5]],
      ["...qhd,...khd->...hqk", [2, 3, 5, 2, 4], [2, 3, 6, 2, 4]],
      ["...hqk,...khd->...qhd", [2, 2, 5, 6], [2, 6, 2, 3]],
      ["...qhgd,...kh1d->...hgqk", [2, 5, 2, 3, 4], [2, 6, 2, 1, 4]],
      ["nta,hab->nthb", [2, 3, 4], [5, 4, 6]],
      ["...a,ab->...b", [2, 1, 3, 4], [4, 2]],
      ["bij,j->bi", [2, 3, 4], [4]],
      ["ij,kl->ijkl", [2, 3], [4, 1]],
      ["abc,bd->ad", [2, 3, 4], [3, 5]],
      ["...ij,...jk->...ik", [1, 3, 2, 4], [5, 1, 4, 2]],
      ["a b, b c -> c a", [3, 4], [4, 2]],
    ];
    const ref = pythonJson<{ y: Nested; ga: Nested; gb: Nested; a: Nested; b: Nested; c: Nested }[]>(`${PY_PRELUDE}
cases = json.loads(${JSON.stringify(JSON.stringify(cases))})
out = []
for i, (eq, sa, sb) in enumerate(cases):
  a, b = rnd(3 * i, sa), rnd(3 * i + 1, sb)
  y = jnp.einsum(eq, a, b)
  c = rnd(3 * i + 2, y.shape)
  ga, gb = jax.jit(jax.grad(lambda a, b: jnp.sum(jnp.einsum(eq, a, b) * c), argnums=(0, 1)))(a, b)
  out.append({"a": tl(a), "b": tl(b), "c": tl(c), "y": tl(y), "ga": tl(ga), "gb": tl(gb)})
print(json.dumps(out))
`);
    cases.forEach(([eq], i) => {
      const [a, b, c] = [ref[i].a, ref[i].b, ref[i].c].map((v) => tf.tensor(v as number[]));
      expectClose(einsum(eq, a, b), ref[i].y, `${eq} y`);
      const [ga, gb] = tf.grads((x: tf.Tensor, y: tf.Tensor) => tf.sum(tf.mul(einsum(eq, x, y), c)))([a, b]);
      expectClose(ga, ref[i].ga, `${eq} ga`);
      expectClose(gb, ref[i].gb, `${eq} gb`);
    });
  });

  it("rejects what it does not support instead of guessing", () => {
    const a = tf.ones([2, 2]);
    expect(() => einsum("ii,ij->j", a, a)).toThrow(/repeated/);
    expect(() => einsum("ij,jk", a, a)).toThrow(/explicit/);
    expect(() => einsum("ij,jk->iz", a, a)).toThrow(/not in any input/);
    expect(() => einsum("ij,jk->ik", a, tf.ones([3, 2]))).toThrow(/differs/);
  });
});

describe("nnx.Einsum", () => {
  it("initialises like nnx.Einsum and matches its outputs and gradients (bias broadcast, call-time equation)", () => {
    const ref = pythonJson<{
      init: Record<string, number[]>[];
      next: number[];
      cases: { params: Record<string, Nested>; x: Nested; c: Nested; y: Nested; gp: Record<string, Nested>; gx: Nested }[];
    }>(`${PY_PRELUDE}
r = nnx.Rngs(0)
ls = [
  nnx.Einsum('nta,hab->nthb', (8, 2, 4), (8, 4), rngs=r),
  nnx.Einsum('...a,ab->...b', (3, 5), rngs=r),
  nnx.Einsum('btd,dhk->bthk', (4, 2, 3), (2, 3), kernel_init=nnx.initializers.normal(1.0), bias_init=nnx.initializers.uniform(), rngs=r),
]
init = [flatbits(l) for l in ls]
nxt = keydata(r.params())
def case(layer, xshape, seed, eq=None):
  randomize(layer, seed)
  x = rnd(seed + 100, xshape)
  f = (lambda m, x: m(x)) if eq is None else (lambda m, x: m(x, eq))
  y = f(layer, x)
  c = rnd(seed + 200, y.shape)
  gp, gx = nnx.jit(nnx.grad(lambda m, x: jnp.sum(f(m, x) * c), argnums=(0, 1)))(layer, x)
  return {"params": flat(layer), "x": tl(x), "c": tl(c), "y": tl(y), "gp": flat(gp), "gx": tl(gx)}
cases = [case(ls[0], (3, 5, 2), 0), case(ls[1], (2, 4, 3), 1), case(ls[2], (2, 6, 4), 2), case(ls[0], (3, 5, 2), 3, 'nta,hab->thnb')]
print(json.dumps({"init": init, "next": nxt, "cases": cases}))
`);
    const r = new nnx.Rngs(0);
    const ls = [
      new nnx.Einsum("nta,hab->nthb", [8, 2, 4], [8, 4], { rngs: r }),
      new nnx.Einsum("...a,ab->...b", [3, 5], null, { rngs: r }),
      new nnx.Einsum("btd,dhk->bthk", [4, 2, 3], [2, 3], {
        kernelInit: nnx.initializers.normal(1.0),
        biasInit: nnx.initializers.uniform(),
        rngs: r,
      }),
    ];
    ls.forEach((l, i) => expect(paramBits(l), `layer ${i}`).toEqual(ref.init[i]));
    expect(Array.from(r.params())).toEqual(ref.next);
    expectInitsReproduce(
      ls.map((l) => [l, l.bias ? ["kernel", "bias"] : ["kernel"]]),
      0,
    );
    const eqs = [undefined, undefined, undefined, "nta,hab->thnb"];
    [0, 1, 2, 0].forEach((li, i) => {
      const c = ref.cases[i];
      const layer = ls[li];
      loadParams(layer, c.params);
      const x = tf.tensor(c.x as number[]);
      const ct = tf.tensor(c.c as number[]);
      expectClose(layer.call(x, eqs[i]), c.y, `case ${i} y`);
      const [gp, gx] = nnx.grad((m: nnx.Einsum, xx: tf.Tensor) => tf.sum(tf.mul(m.call(xx, eqs[i]), ct)) as tf.Scalar, {
        argnums: [0, 1],
      })(layer, x);
      expectGradsClose(gp, c.gp, `case ${i}`);
      expectClose(gx, c.gx, `case ${i} gx`);
    });
    expect(() => new nnx.Einsum("ab,bc", [2, 2], null, { rngs: r })).toThrow(/explicit/);
    expect(() => new nnx.Einsum("ab,bc,cd->ad", [2, 2], null, { rngs: r })).toThrow(/exactly two operands/);
  });

  it("keeps tf.memory() flat over repeated calls and gradients", () => {
    const layer = new nnx.Einsum("btd,dhk->bthk", [4, 2, 3], [2, 3], { rngs: new nnx.Rngs(0) });
    const x = tf.randomNormal([2, 5, 4]);
    expectFlatMemory(() => {
      tf.dispose(layer.call(x));
      nnx.dispose(nnx.grad((m: nnx.Einsum) => tf.sum(m.call(x)) as tf.Scalar)(layer));
    });
  });
});
