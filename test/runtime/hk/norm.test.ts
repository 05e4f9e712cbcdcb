// hk.Embed, hk.LayerNorm, hk.InstanceNorm, hk.RMSNorm, hk.GroupNorm,
// hk.ExponentialMovingAverage, hk.BatchNorm and hk.SpectralNorm against live
// dm-haiku: init bit-exact from the same key, outputs, gradients, and state
// after each call.
import { beforeAll, describe, expect, it } from "vitest";
import { hk, nnx, tf } from "../../../runtime/index.js";
import {
  type HkReference,
  decode,
  decodeNest,
  expectClose,
  expectGradsClose,
  expectNestClose,
  expectNoLeak,
  expectSameTree,
  hkReference,
  load,
} from "../../helpers/haiku.js";

type Stateless = {
  py: string;
  ts: (rngs: nnx.Rngs) => { call(x: tf.Tensor): tf.Tensor };
  /** Python expression for the input. */
  x: string;
};

const STATELESS: Stateless[] = [
  { py: "hk.Embed(7, 4)", ts: (rngs) => new hk.Embed(7, 4, { rngs }), x: "jnp.array([[0, 3, 6], [-1, 9, -9]])" },
  {
    py: "hk.Embed(7, 4, lookup_style='ONE_HOT', w_init=hk.initializers.RandomUniform())",
    ts: (rngs) => new hk.Embed(7, 4, { lookupStyle: "ONE_HOT", wInit: hk.initializers.RandomUniform(), rngs }),
    x: "jnp.array([[0, 3, 6], [2, 9, -1]])",
  },
  {
    py: "hk.Embed(embedding_matrix=jnp.arange(12.).reshape(4, 3) * 0.25 - 1)",
    ts: (rngs) => new hk.Embed(null, null, { embeddingMatrix: tf.sub(tf.mul(tf.range(0, 12).reshape([4, 3]), 0.25), 1), rngs }),
    x: "jnp.array([3, 1, 1, 0])",
  },
  { py: "hk.LayerNorm(-1, True, True)", ts: (rngs) => new hk.LayerNorm([2, 3, 6], -1, true, true, { rngs }), x: "jax.random.normal(jax.random.key(1), (2, 3, 6)) * 2 + 1" },
  {
    py: "hk.LayerNorm([1, 2], True, True, eps=1e-3, use_fast_variance=True, scale_init=hk.initializers.RandomNormal(), offset_init=hk.initializers.RandomUniform())",
    ts: (rngs) =>
      new hk.LayerNorm([2, 3, 6], [1, 2], true, true, {
        eps: 1e-3,
        useFastVariance: true,
        scaleInit: hk.initializers.RandomNormal(),
        offsetInit: hk.initializers.RandomUniform(),
        rngs,
      }),
    x: "jax.random.normal(jax.random.key(1), (2, 3, 6)) + 3",
  },
  {
    py: "hk.LayerNorm(slice(1, None), True, False, param_axis=(1, 2), scale_init=hk.initializers.RandomNormal())",
    ts: (rngs) =>
      new hk.LayerNorm([4, 3, 5], { start: 1 }, true, false, { paramAxis: [1, 2], scaleInit: hk.initializers.RandomNormal(), rngs }),
    x: "jax.random.normal(jax.random.key(2), (4, 3, 5))",
  },
  {
    py: "hk.LayerNorm(0, False, True, param_axis=0, offset_init=hk.initializers.RandomNormal())",
    ts: (rngs) => new hk.LayerNorm([4, 3], 0, false, true, { paramAxis: 0, offsetInit: hk.initializers.RandomNormal(), rngs }),
    x: "jax.random.normal(jax.random.key(3), (4, 3))",
  },
  {
    py: "hk.InstanceNorm(True, True, scale_init=hk.initializers.RandomNormal(1., 1.))",
    ts: (rngs) => new hk.InstanceNorm([2, 4, 5, 3], true, true, { scaleInit: hk.initializers.RandomNormal(1, 1), rngs }),
    x: "jax.random.normal(jax.random.key(4), (2, 4, 5, 3))",
  },
  {
    py: "hk.InstanceNorm(True, False, data_format='NCHW', scale_init=hk.initializers.RandomNormal(1., 1.))",
    ts: (rngs) =>
      new hk.InstanceNorm([2, 3, 4, 5], true, false, { dataFormat: "NCHW", scaleInit: hk.initializers.RandomNormal(1, 1), rngs }),
    x: "jax.random.normal(jax.random.key(4), (2, 3, 4, 5))",
  },
  { py: "hk.RMSNorm(-1)", ts: (rngs) => new hk.RMSNorm([3, 8], -1, { rngs }), x: "jax.random.normal(jax.random.key(5), (3, 8))" },
  {
    py: "hk.RMSNorm(slice(1, None), eps=1e-2, param_axis=(1, 2), scale_init=hk.initializers.RandomNormal())",
    ts: (rngs) => new hk.RMSNorm([2, 3, 4], { start: 1 }, { eps: 1e-2, paramAxis: [1, 2], scaleInit: hk.initializers.RandomNormal(), rngs }),
    x: "jax.random.normal(jax.random.key(6), (2, 3, 4))",
  },
  { py: "hk.RMSNorm([0, -1], create_scale=False)", ts: (rngs) => new hk.RMSNorm([5, 4], [0, -1], { createScale: false, rngs }), x: "jax.random.normal(jax.random.key(7), (5, 4))" },
  {
    py: "hk.GroupNorm(2, scale_init=hk.initializers.RandomNormal(), offset_init=hk.initializers.RandomNormal())",
    ts: (rngs) => new hk.GroupNorm([2, 4, 5, 6], 2, { scaleInit: hk.initializers.RandomNormal(), offsetInit: hk.initializers.RandomNormal(), rngs }),
    x: "jax.random.normal(jax.random.key(8), (2, 4, 5, 6)) * 3",
  },
  {
    py: "hk.GroupNorm(3, data_format='NCHW', create_offset=False, scale_init=hk.initializers.RandomNormal())",
    ts: (rngs) => new hk.GroupNorm([2, 6, 4, 5], 3, { dataFormat: "NCHW", createOffset: false, scaleInit: hk.initializers.RandomNormal(), rngs }),
    x: "jax.random.normal(jax.random.key(9), (2, 6, 4, 5))",
  },
  {
    py: "hk.GroupNorm(2, axis=slice(2, None), offset_init=hk.initializers.RandomNormal())",
    ts: (rngs) => new hk.GroupNorm([3, 5, 4], 2, { axis: { start: 2 }, offsetInit: hk.initializers.RandomNormal(), rngs }),
    x: "jax.random.normal(jax.random.key(10), (3, 5, 4))",
  },
  {
    py: "hk.GroupNorm(4, axis=[-1], create_scale=False)",
    ts: (rngs) => new hk.GroupNorm([3, 2, 8], 4, { axis: [-1], createScale: false, rngs }),
    x: "jax.random.normal(jax.random.key(11), (3, 2, 8))",
  },
];

describe("hk.Embed and the stateless normalizations", () => {
  let refs: HkReference[];
  beforeAll(() => {
    refs = hkReference<HkReference[]>(`
cases = [${STATELESS.map((c) => `(lambda: ${c.py}, lambda: ${c.x})`).join(",\n  ")}]
emit([reference(lambda x, make=make: make()(x), [x()], seed=20 + i) for i, (make, x) in enumerate(cases)])
`);
  });
  STATELESS.forEach((c, i) => {
    it(`${c.py}: init bit-exact, output, gradients, memory`, () => {
      const ref = refs[i];
      const m = c.ts(hk.haikuRngs(20 + i));
      expectSameTree(m, nnx.Param, ref.params);
      const x = decodeNest(ref.inputs[0]) as tf.Tensor;
      expectClose(m.call(x), ref.out as never, "out");
      expectGradsClose(m, (xi) => m.call(xi), ref);
      expectNoLeak(() => m.call(x));
    });
  });

  it("passes call-time scale and offset when the module creates none", () => {
    const ref = hkReference<{ ln: never; gn: never }>(`
x = jax.random.normal(jax.random.key(0), (3, 4))
s, o = jnp.arange(4.) / 3, jnp.ones(4) * 0.5
ln = hk.transform(lambda x: hk.LayerNorm(-1, False, False)(x, s, o))
gn = hk.transform(lambda x: hk.GroupNorm(2, create_scale=False, create_offset=False)(x, s, o))
print(json.dumps({"x": enc(x), "ln": enc(ln.apply({}, None, x)), "gn": enc(gn.apply({}, None, x))}))
`);
    const x = decode((ref as unknown as { x: never }).x);
    const [s, o] = [tf.div(tf.range(0, 4), 3), tf.mul(tf.ones([4]), 0.5)];
    const rngs = new nnx.Rngs(0);
    expectClose(new hk.LayerNorm([3, 4], -1, false, false, { rngs }).call(x, s, o), ref.ln, "LayerNorm");
    expectClose(new hk.GroupNorm([3, 4], 2, { createScale: false, createOffset: false, rngs }).call(x, s, o), ref.gn, "GroupNorm");
    expect(() => new hk.LayerNorm([3, 4], -1, true, false, { rngs }).call(x, s)).toThrow(/Cannot pass `scale`/);
  });
});

describe("hk.ExponentialMovingAverage", () => {
  it("matches Haiku's state and averages call after call (zero-debiased and with warmup)", () => {
    const ref = hkReference<{ steps: { out: never; counter: never; hidden: never; average: never }[][] }>(`
xs = [jax.random.normal(jax.random.key(i), (3, 2)) for i in range(6)]
runs = []
for kw in [dict(decay=0.9), dict(decay=0.5, zero_debias=False, warmup_length=2)]:
  f = hk.transform_with_state(lambda x, u=True: hk.ExponentialMovingAverage(**kw)(x, update_stats=u))
  _, state = f.init(None, xs[0])
  state = jax.tree.map(jnp.zeros_like, state)
  state = {k: dict(v, counter=jnp.array(-kw.get("warmup_length", 0), jnp.int32)) for k, v in state.items()}
  steps = []
  for i, x in enumerate(xs):
    out, new = f.apply({}, state, None, x, i != 3)
    s = new["exponential_moving_average"]
    steps.append({"out": enc(out), "counter": enc(s["counter"]), "hidden": enc(s["hidden"]), "average": enc(s["average"])})
    state = new
  runs.append(steps)
print(json.dumps({"steps": runs}))
`);
    const xs = Array.from({ length: 6 }, () => null);
    const inputs = hkReference<{ xs: never[] }>(`print(json.dumps({"xs": [enc(jax.random.normal(jax.random.key(i), (3, 2))) for i in range(6)]}))`).xs.map(decode);
    const emas = [
      new hk.ExponentialMovingAverage([3, 2], 0.9),
      new hk.ExponentialMovingAverage([3, 2], 0.5, { zeroDebias: false, warmupLength: 2 }),
    ];
    emas.forEach((ema, r) => {
      xs.forEach((_, i) => {
        const step = ref.steps[r][i];
        const out = ema.call(inputs[i], i !== 3);
        expectClose(out, step.out, `run ${r} step ${i} out`, 0, 0);
        expectClose(ema.counter.value, step.counter, `counter ${i}`);
        expectClose(ema.hidden.value, step.hidden, `hidden ${i}`, 0, 0);
        if (i !== 3) expectClose(ema.average.value, step.average, `average ${i}`, 0, 0);
      });
      expect(nnx.state(ema, nnx.BatchStat).paths()).toEqual([["average"], ["counter"], ["hidden"]]);
    });
    expectNoLeak(() => emas[0].call(inputs[0]));
    expect(hk.ExponentialMovingAverage).toBeDefined();
  });
});

describe("hk.BatchNorm", () => {
  const cases = [
    {
      py: "hk.BatchNorm(True, True, 0.9)",
      ts: (rngs: nnx.Rngs) => new hk.BatchNorm([6, 5], true, true, 0.9, { rngs }),
      x: "jax.random.normal(jax.random.key(1), (6, 5)) * 2 + 1",
    },
    {
      py: "hk.BatchNorm(True, False, 0.5, eps=1e-3, data_format='NCHW', scale_init=hk.initializers.RandomNormal(1., 1.))",
      ts: (rngs: nnx.Rngs) =>
        new hk.BatchNorm([4, 3, 2, 5], true, false, 0.5, { eps: 1e-3, dataFormat: "NCHW", scaleInit: hk.initializers.RandomNormal(1, 1), rngs }),
      x: "jax.random.normal(jax.random.key(2), (4, 3, 2, 5))",
    },
    {
      py: "hk.BatchNorm(False, True, 0.99, axis=[0, 1], offset_init=hk.initializers.RandomNormal())",
      ts: (rngs: nnx.Rngs) => new hk.BatchNorm([4, 3, 5], false, true, 0.99, { axis: [0, 1], offsetInit: hk.initializers.RandomNormal(), rngs }),
      x: "jax.random.normal(jax.random.key(3), (4, 3, 5)) - 2",
    },
  ];
  let refs: HkReference[];
  beforeAll(() => {
    refs = hkReference<HkReference[]>(`
cases = [${cases.map((c) => `(lambda: ${c.py}, lambda: ${c.x})`).join(",\n  ")}]
def run(make):
  def f(x):
    bn = make()
    return bn(x, True), bn(x * 0.5 + 1, False), bn(x, False, test_local_stats=True)
  return f
emit([reference(run(make), [x()], seed=40 + i) for i, (make, x) in enumerate(cases)])
`);
  });
  cases.forEach((c, i) => {
    it(`${c.py}: train, eval, test_local_stats; state after each apply; gradients; memory`, () => {
      const ref = refs[i];
      const m = c.ts(hk.haikuRngs(40 + i));
      expectSameTree(m, nnx.Param, ref.params);
      // Haiku's init returns get_state's initial values (counter 0, hidden 0) and, for
      // `average`, which set_state creates, the value its forward pass set.
      const initial = Object.fromEntries(Object.entries(ref.state).filter(([k]) => !k.endsWith("/average")));
      const averages = Object.fromEntries(Object.entries(ref.state).filter(([k]) => k.endsWith("/average")));
      expectSameTree(m, (p: nnx.PathParts, v: unknown) => v instanceof nnx.BatchStat && p[p.length - 1] !== "average", initial);
      const x = decodeNest(ref.inputs[0]) as tf.Tensor;
      const forward = (xi: tf.Tensor) =>
        tf.tidy(() => [m.call(xi, true), m.call(tf.add(tf.mul(xi, 0.5), 1), false), m.call(xi, false, true)]);
      forward(x);
      for (const [path, e] of Object.entries(averages)) {
        expectClose((m as unknown as Record<string, hk.ExponentialMovingAverage>)[path.split("/")[2]].average.value, e, path);
      }
      load(m, ref.state);
      expectNestClose(forward(x), ref.out, "out");
      for (const [path, v] of nnx.toFlatState(nnx.state(m, nnx.BatchStat))) {
        expectClose((v as nnx.Variable).value, ref.newState[`batch_norm/~/${path.join("/")}`], `state ${path.join(".")}`);
      }
      load(m, ref.state);
      expectGradsClose(m, (xi) => forward(xi), ref);
      expectNoLeak(() => forward(x));
    });
  });

  it("follows Module.train()/eval() when is_training is not given", () => {
    const m = new hk.BatchNorm([4, 2], true, true, 0.9, { rngs: new nnx.Rngs(0) });
    const x = tf.randomNormal([4, 2]);
    m.call(x);
    expect(m.mean_ema.counter.value.dataSync()[0]).toBe(1);
    m.eval();
    m.call(x);
    expect(m.mean_ema.counter.value.dataSync()[0]).toBe(1);
    m.train();
    m.call(x);
    expect(m.mean_ema.counter.value.dataSync()[0]).toBe(2);
  });
});

describe("hk.SpectralNorm", () => {
  it("matches Haiku: u0's initial draw, the normalized value, u0 and sigma after each call, gradients", () => {
    const ref = hkReference<{ runs: HkReference[] }>(`
shapes = [(4, 6), (2, 3, 5)]
runs = [reference(lambda w, n=n: hk.SpectralNorm(n_steps=n)(w), [jax.random.normal(jax.random.key(i), s)], seed=60 + i) for i, (s, n) in enumerate(zip(shapes, [1, 3]))]
print(json.dumps({"runs": runs}))
`);
    [
      [6, 1],
      [5, 3],
    ].forEach(([n, steps], i) => {
      const r = ref.runs[i];
      const m = new hk.SpectralNorm(n, { nSteps: steps, rngs: hk.haikuRngs(60 + i) });
      // Haiku's init keeps u0's initial draw (get_state) and the sigma its call set (set_state).
      expectClose(m.u0.value, r.state["spectral_norm/u0"], "initial u0", 0, 0);
      const w = decodeNest(r.inputs[0]) as tf.Tensor;
      m.call(w);
      expectClose(m.sigma.value, r.state["spectral_norm/sigma"], "sigma after init's call");
      load(m, r.state);
      expectClose(m.call(w), r.out as never, "out");
      expectClose(m.u0.value, r.newState["spectral_norm/u0"], "u0");
      expectClose(m.sigma.value, r.newState["spectral_norm/sigma"], "sigma");
      load(m, r.state);
      expectGradsClose(m, (wi) => m.call(wi, false), r);
      expectNoLeak(() => m.call(w));
      const before = m.u0.value;
      m.call(w, false);
      expect(m.u0.value).toBe(before);
    });
  });
});
