// hk.Linear, hk.Bias, hk.Sequential, hk.BatchApply, hk.one_hot, hk.dropout and
// hk.initializers against live dm-haiku.
import { describe, expect, it } from "vitest";
import { hk, nnx, random, tf } from "../../../runtime/index.js";
import {
  type HkReference,
  bitsOf,
  decode,
  decodeNest,
  expectClose,
  expectGradsClose,
  expectNoLeak,
  expectSameTree,
  hkReference,
  load,
} from "../../helpers/haiku.js";

describe("hk.initializers", () => {
  it("are bit-exact with Haiku's given the key hk.next_rng_key() returns (Orthogonal within float32 rounding)", () => {
    const cases: [string, string, (a: number[]) => hk.initializers.Initializer, number[]][] = [
      ["Constant(0.3)", "hk.initializers.Constant(0.3)", () => hk.initializers.Constant(0.3), [3, 4]],
      ["RandomNormal()", "hk.initializers.RandomNormal()", () => hk.initializers.RandomNormal(), [7, 5]],
      ["RandomNormal(0.3, 1.5)", "hk.initializers.RandomNormal(0.3, 1.5)", () => hk.initializers.RandomNormal(0.3, 1.5), [300]],
      ["TruncatedNormal()", "hk.initializers.TruncatedNormal()", () => hk.initializers.TruncatedNormal(), [64, 33]],
      ["TruncatedNormal(0.2, -1, -1, 3)", "hk.initializers.TruncatedNormal(0.2, -1., -1., 3.)", () => hk.initializers.TruncatedNormal(0.2, -1, -1, 3), [40, 3]],
      ["RandomUniform(-2, 5)", "hk.initializers.RandomUniform(-2., 5.)", () => hk.initializers.RandomUniform(-2, 5), [5, 6, 7]],
      ["VarianceScaling()", "hk.initializers.VarianceScaling()", () => hk.initializers.VarianceScaling(), [3, 3, 8, 16]],
      ["VarianceScaling(2, fan_out, normal)", "hk.initializers.VarianceScaling(2.0, 'fan_out', 'normal')", () => hk.initializers.VarianceScaling(2, "fan_out", "normal"), [5, 9]],
      ["VarianceScaling(0.5, fan_avg, uniform)", "hk.initializers.VarianceScaling(0.5, 'fan_avg', 'uniform')", () => hk.initializers.VarianceScaling(0.5, "fan_avg", "uniform"), [4, 6, 10]],
      ["VarianceScaling(fan_in_axes)", "hk.initializers.VarianceScaling(1.0, 'fan_in', 'truncated_normal', fan_in_axes=[0, 1])", () => hk.initializers.VarianceScaling(1, "fan_in", "truncated_normal", [0, 1]), [4, 6, 10]],
      ["UniformScaling()", "hk.initializers.UniformScaling()", () => hk.initializers.UniformScaling(), [12, 7]],
      ["UniformScaling(3)", "hk.initializers.UniformScaling(3.0)", () => hk.initializers.UniformScaling(3), [2, 3, 5]],
      ["Identity()", "hk.initializers.Identity()", () => hk.initializers.Identity(), [4, 4]],
      ["Identity(-2.5)", "hk.initializers.Identity(-2.5)", () => hk.initializers.Identity(-2.5), [2, 3, 5]],
    ];
    const ref = hkReference<{ bits: number[][]; keysAfter: number[][] }>(`
cases = [${cases.map(([, py, , shape]) => `(${py}, ${JSON.stringify(shape)})`).join(", ")}]
out, after = [], []
for i, (init, shape) in enumerate(cases):
  def f():
    hk.get_parameter("p", shape, jnp.float32, init=init)
    # The key the next parameter would get: shows whether the initializer drew one.
    hk.set_state("k", jax.random.key_data(hk.next_rng_key()))
  params, state = hk.transform_with_state(f).init(jax.random.key(i))
  out.append(enc(params["~"]["p"])["data"])
  after.append([int(v) for v in state["~"]["k"]])
print(json.dumps({"bits": out, "keysAfter": after}))
`);
    cases.forEach(([name, , make, shape], i) => {
      const rngs = hk.haikuRngs(i);
      const init = make(shape);
      const key = hk.drawsKey(init) ? rngs.params() : Uint32Array.of(0, 0);
      const t = init(key, shape);
      expect(t.shape, name).toEqual(shape);
      expect({ name, bits: bitsOf(t) }).toEqual({ name, bits: ref.bits[i] });
      // Keyless initializers (Constant, Identity) leave the sequence where Haiku's does.
      expect({ name, next: Array.from(rngs.params()) }).toEqual({ name, next: ref.keysAfter[i] });
      t.dispose();
    });
  });

  it("Orthogonal matches Haiku's to float32 rounding of the QR, for every axis and aspect", () => {
    const cases: [number, number, number[]][] = [
      [1, -1, [6, 6]],
      [1, -1, [10, 4]],
      [2, -1, [4, 10]],
      [1, 0, [3, 3, 5]],
      [0.5, 1, [3, 8, 2]],
    ];
    const ref = hkReference<{ vals: Record<string, never>[] }>(`
cases = ${JSON.stringify(cases)}
vals = []
for i, (scale, axis, shape) in enumerate(cases):
  f = lambda: hk.get_parameter("p", shape, jnp.float32, init=hk.initializers.Orthogonal(scale, axis))
  vals.append(enc(hk.transform(f).init(jax.random.key(i))["~"]["p"]))
print(json.dumps({"vals": vals}))
`);
    cases.forEach(([scale, axis, shape], i) => {
      const t = hk.initializers.Orthogonal(scale, axis)(hk.haikuRngs(i).params(), shape);
      // LAPACK float32 vs a float64 QR rounded once: a few float32 ulps.
      expectClose(t, ref.vals[i] as never, `Orthogonal ${i}`, 2e-6, 0);
      t.dispose();
    });
  });
});

describe("hk.Linear", () => {
  const cases = [
    { py: "hk.Linear(5)", ts: (rngs: nnx.Rngs) => new hk.Linear(4, 5, { rngs }), shape: [2, 3, 4] },
    { py: "hk.Linear(3, with_bias=False)", ts: (rngs: nnx.Rngs) => new hk.Linear(4, 3, { withBias: false, rngs }), shape: [6, 4] },
    {
      py: "hk.Linear(3, w_init=hk.initializers.RandomUniform(-1., 1.), b_init=hk.initializers.RandomNormal(0.5))",
      ts: (rngs: nnx.Rngs) =>
        new hk.Linear(4, 3, { wInit: hk.initializers.RandomUniform(-1, 1), bInit: hk.initializers.RandomNormal(0.5), rngs }),
      shape: [4],
    },
  ];
  for (const c of cases) {
    it(`${c.py}: init bit-exact, output, gradients, memory`, () => {
      const ref = hkReference<HkReference>(`
x = jax.random.normal(jax.random.key(7), ${JSON.stringify(c.shape)})
emit(reference(lambda x: ${c.py}(x), [x], seed=3))
`);
      const m = c.ts(hk.haikuRngs(3));
      expectSameTree(m, nnx.Param, ref.params);
      expect(nnx.state(m, nnx.Param).paths().length).toBe(Object.keys(ref.params).length);
      const x = decodeNest(ref.inputs[0]) as tf.Tensor;
      expectClose(m.call(x), ref.out as never, "out");
      expectGradsClose(m, (xi) => m.call(xi), ref);
      expect(m.w.getMetadata("init")).toBeTypeOf("function");
      expectNoLeak(() => m.call(x));
    });
  }
});

describe("hk.Bias", () => {
  const cases: { py: string; opts: Partial<hk.BiasOptions>; shape: number[]; mult?: number }[] = [
    { py: "hk.Bias()", opts: {}, shape: [2, 3, 4] },
    { py: "hk.Bias(bias_dims=[])", opts: { biasDims: [] }, shape: [2, 3, 4] },
    { py: "hk.Bias(bias_dims=[-1])", opts: { biasDims: [-1] }, shape: [2, 3, 4] },
    { py: "hk.Bias(bias_dims=[1])", opts: { biasDims: [1] }, shape: [2, 3, 4, 5] },
    { py: "hk.Bias(bias_dims=[1, 3], b_init=hk.initializers.RandomNormal())", opts: { biasDims: [1, 3], bInit: hk.initializers.RandomNormal() }, shape: [2, 3, 4, 5] },
    { py: "hk.Bias(output_size=(3, 4), b_init=hk.initializers.RandomUniform())", opts: { outputSize: [3, 4], bInit: hk.initializers.RandomUniform() }, shape: [2, 3, 4], mult: -1 },
  ];
  for (const c of cases) {
    it(`${c.py}${c.mult ? " with multiplier" : ""}`, () => {
      const ref = hkReference<HkReference>(`
x = jax.random.normal(jax.random.key(1), ${JSON.stringify(c.shape)})
emit(reference(lambda x: ${c.py}(x${c.mult ? `, multiplier=${c.mult}` : ""}), [x], seed=5))
`);
      const m = new hk.Bias(c.shape.slice(1), { ...c.opts, rngs: hk.haikuRngs(5) });
      expectSameTree(m, nnx.Param, ref.params);
      const x = decodeNest(ref.inputs[0]) as tf.Tensor;
      expectClose(m.call(x, c.mult), ref.out as never, "out");
      expectGradsClose(m, (xi) => m.call(xi, c.mult), ref);
      expectNoLeak(() => m.call(x, c.mult));
    });
  }
});

describe("hk.Sequential and hk.BatchApply", () => {
  it("Sequential([Linear, relu, Linear]) passes extra args to the first layer only", () => {
    const ref = hkReference<HkReference>(`
x = jax.random.normal(jax.random.key(1), (5, 4))
def f(x):
  return hk.Sequential([hk.Linear(6), jax.nn.relu, hk.Linear(2)])(x)
emit(reference(f, [x], seed=2))
`);
    const rngs = hk.haikuRngs(2);
    const m = new hk.Sequential([new hk.Linear(4, 6, { rngs }), nnx.relu, new hk.Linear(6, 2, { rngs })]);
    // Haiku names the layers where they are built (outside the Sequential).
    const map = (p: string) => p.replace(/^linear_1\//, "layers.2.").replace(/^linear\//, "layers.0.");
    expectSameTree(m, nnx.Param, ref.params, { map });
    const x = decodeNest(ref.inputs[0]) as tf.Tensor;
    expectClose(m.call(x), ref.out as never);
    expectGradsClose(m, (xi) => m.call(xi), ref, { map });
    expectNoLeak(() => m.call(x));
    const first = new hk.Sequential([(v: tf.Tensor, s: number) => tf.mul(v, s), nnx.relu]);
    expect(Array.from(first.call(tf.tensor([1, -1]), 3 as never).dataSync())).toEqual([3, 0]);
  });

  it("BatchApply(Linear) merges and splits the leading axes", () => {
    const ref = hkReference<HkReference>(`
x = jax.random.normal(jax.random.key(1), (3, 2, 5, 4))
def f(x):
  return hk.BatchApply(hk.Linear(6), num_dims=3)(x)
emit(reference(f, [x], seed=2))
`);
    const lin = new hk.Linear(4, 6, { rngs: hk.haikuRngs(2) });
    const map = (p: string) => p.replace(/^linear\//, "");
    expectSameTree(lin, nnx.Param, ref.params, { map });
    const apply = new hk.BatchApply((v: tf.Tensor) => lin.call(v), 3);
    const x = decodeNest(ref.inputs[0]) as tf.Tensor;
    expectClose(apply.call(x), ref.out as never);
    expectGradsClose(lin, (xi) => apply.call(xi), ref, { map });
    expectNoLeak(() => tf.tidy(() => apply.call(x)));
    expect(() => new hk.BatchApply((v: tf.Tensor) => v, 3).call(tf.ones([2, 2]))).toThrow(/ndim >= 3/);
  });

  it("BatchApply(module) holds the module as its child f", () => {
    const ref = hkReference<HkReference>(`
x = jax.random.normal(jax.random.key(1), (3, 2, 4))
def f(x):
  return hk.BatchApply(hk.Linear(6))(x)
emit(reference(f, [x], seed=2))
`);
    const apply = new hk.BatchApply(new hk.Linear(4, 6, { rngs: hk.haikuRngs(2) }));
    const map = (p: string) => p.replace(/^linear\//, "f.");
    expectSameTree(apply, nnx.Param, ref.params, { map });
    const x = decodeNest(ref.inputs[0]) as tf.Tensor;
    expectClose(apply.call(x), ref.out as never);
    expectGradsClose(apply, (xi) => apply.call(xi), ref, { map });
    expectNoLeak(() => apply.call(x));
  });
});

describe("hk.expand_apply", () => {
  it("adds and removes a unit axis around f (axis 0 and -1)", () => {
    const ref = hkReference<{ x: never; y0: never; y1: never }>(`
x = jax.random.normal(jax.random.key(0), (3, 4))
f = lambda v: jax.nn.softmax(v, axis=0) if v.shape[0] == 1 else v * 2
g = lambda v: jnp.cumsum(v, axis=-2)
print(json.dumps({"x": enc(x), "y0": enc(hk.expand_apply(f)(x)), "y1": enc(hk.expand_apply(g, axis=-1)(x))}))
`);
    const x = decode(ref.x);
    const f = (v: tf.Tensor) => (v.shape[0] === 1 ? nnx.softmax(v, 0) : tf.mul(v, 2));
    const g = (v: tf.Tensor) => tf.cumsum(v, v.rank - 2);
    expectClose(hk.expandApply(f)(x) as tf.Tensor, ref.y0, "axis 0");
    expectClose(hk.expandApply(g, -1)(x) as tf.Tensor, ref.y1, "axis -1");
  });
});

describe("hk.one_hot and hk.dropout", () => {
  it("one_hot matches jax.nn.one_hot, out-of-range ids included", () => {
    const ids = [[0, 3, 4], [-1, 5, 2]];
    const ref = hkReference<{ y: never }>(`
print(json.dumps({"y": enc(hk.one_hot(jnp.array(${JSON.stringify(ids)}), 5))}))
`);
    expectClose(hk.oneHot(tf.tensor(ids, undefined, "int32"), 5), ref.y, "one_hot", 0, 0);
  });

  it("dropout draws Haiku's mask and scales as keep * x / keep_rate", () => {
    const ref = hkReference<{ x: never; y: never; y2: never }>(`
x = jax.random.normal(jax.random.key(0), (4, 3, 5))
k = jax.random.key(9)
print(json.dumps({"x": enc(x), "y": enc(hk.dropout(k, 0.3, x)), "y2": enc(hk.dropout(k, 0.6, x, broadcast_dims=(0, -1)))}))
`);
    const x = decode(ref.x);
    const k = random.key(9);
    // Same mask bits and XLA's x * f32(1 / keep_rate): bit for bit.
    expectClose(hk.dropout(k, 0.3, x), ref.y, "dropout", 0, 0);
    expectClose(hk.dropout(k, 0.6, x, [0, -1]), ref.y2, "dropout broadcast", 0, 0);
    expect(hk.dropout(k, 0, x)).toBe(x);
    expectNoLeak(() => hk.dropout(k, 0.3, x));
  });
});
