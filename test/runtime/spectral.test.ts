import { describe, expect, it } from "vitest";
import { nnx, tf } from "../../runtime/index.js";
import { pythonJson } from "../helpers/python.js";
import { PY_PRELUDE, bits, expectClose, expectNoLeak, tensor, type Nested } from "../helpers/layers.js";

// nnx.SpectralNorm and nnx.WeightNorm rewrite the wrapped layer's Params in
// place on every call, as flax.nnx does; the tests follow the layer's state
// through calls in both modes and through nnx.grad. State paths: NNX keys its
// dicts by path tuples (("kernel", "u")); here the key is "kernel/u", so both
// flatten to ".../kernel/u" below.

interface Step {
  y: Nested;
  state: Record<string, Nested>;
}
interface Ref {
  init: Record<string, number[]>;
  next: number[];
  x: Nested;
  c: Nested;
  steps: Step[];
  gx: Nested;
  gm: Record<string, Nested>;
  after: Record<string, Nested>;
}

const PY_HELPERS = `${PY_PRELUDE}
def key(p): return "/".join("/".join(map(str, k)) if isinstance(k, tuple) else str(k) for k in p)
def flat(m, *f): return {key(p): (v[...] if hasattr(v, "get_value") else v) for p, v in nnx.to_flat_state(nnx.state(m, *f))}
def run(m, x, calls):
  steps = []
  for kw in calls:
    y = m(x, **kw)
    steps.append({"y": tl(y), "state": {k: tl(v) for k, v in flat(m).items()}})
  return steps
`;

const camel = (k: string) => k.replace("layer_instance", "layerInstance").replace("batch_stats", "batchStats");
function flatState(m: nnx.Module): Record<string, tf.Tensor> {
  return Object.fromEntries(nnx.state(m).flatState().map(([p, v]) => [p.join("/"), v.value as tf.Tensor]));
}
function expectState(m: nnx.Module, ref: Record<string, Nested>, what: string) {
  const mine = flatState(m);
  expect(Object.keys(mine).sort()).toEqual(Object.keys(ref).map(camel).sort());
  for (const [k, v] of Object.entries(ref)) expectClose(mine[camel(k)], v, `${what} ${k}`);
}

describe("nnx.SpectralNorm against flax.nnx", { timeout: 600_000 }, () => {
  it.each([
    ["Linear(4, 3)", "nnx.Linear(4, 3, rngs=r)", "n_steps=1", [5, 4]],
    ["Conv(2, 3, (3, 3)), 2 power steps", "nnx.Conv(2, 3, (3, 3), rngs=r)", "n_steps=2", [2, 5, 5, 2]],
  ] as const)("%s: init, in-place normalization, u/sigma updates (train and eval), gradients", (_n, layer, kw, xshape) => {
    const ref = pythonJson<Ref>(`${PY_HELPERS}
r = nnx.Rngs(params=3)
m = nnx.SpectralNorm(${layer}, ${kw}, rngs=r)
init = {k: u32(v) for k, v in flat(m).items()}
next_key = [int(v) for v in jax.random.key_data(r.params())]
x = jax.random.normal(jax.random.key(1), ${JSON.stringify(xshape)})
steps = run(m, x, [{}, {}, {"update_stats": False}])
m.eval()
steps += run(m, x, [{}])
m.train()
c = jax.random.normal(jax.random.key(2), m(x).shape)
gm, gx = nnx.grad(lambda m, x: jnp.sum(m(x) * c), argnums=(0, 1))(m, x)
print(json.dumps({"init": init, "next": next_key, "x": tl(x), "c": tl(c), "steps": steps, "gx": tl(gx),
  "gm": {k: tl(v) for k, v in flat(gm).items()}, "after": {k: tl(v) for k, v in flat(m).items()}}))
`);
    const r = new nnx.Rngs({ params: 3 });
    const layerTs = layer.startsWith("nnx.Linear") ? new nnx.Linear(4, 3, { rngs: r }) : new nnx.Conv(2, 3, [3, 3], { rngs: r });
    const m = new nnx.SpectralNorm(layerTs, { nSteps: kw === "n_steps=2" ? 2 : 1, rngs: r });
    const init = Object.fromEntries(Object.entries(flatState(m)).map(([k, v]) => [k, bits(v)]));
    expect(init).toEqual(Object.fromEntries(Object.entries(ref.init).map(([k, v]) => [camel(k), v])));
    expect(Array.from(r.params()), "keys drawn").toEqual(ref.next);
    const x = tensor(ref.x);
    const calls: (() => tf.Tensor)[] = [() => m.call(x), () => m.call(x), () => m.call(x, false)];
    ref.steps.forEach((step, i) => {
      if (i === 3) m.eval();
      tf.tidy(() => {
        expectClose(i < 3 ? calls[i]() : m.call(x), step.y, `y after call ${i}`);
      });
      expectState(m, step.state, `call ${i}`);
    });
    m.train();
    expect(m.useRunningAverage).toBe(false);
    tf.tidy(() => {
      m.call(x); // the Python side calls m(x) once more for the cotangent's shape
    });
    const c = tensor(ref.c);
    const g = nnx.grad((mm: nnx.SpectralNorm, xx: tf.Tensor) => tf.sum(tf.mul(mm.call(xx), c)) as tf.Scalar, { argnums: [0, 1] })(m, x);
    expectClose(g[1] as tf.Tensor, ref.gx, "dx");
    const gm = Object.fromEntries((g[0] as nnx.State).flatState().map(([p, v]) => [p.join("/"), v.value as tf.Tensor]));
    expect(Object.keys(gm).sort()).toEqual(Object.keys(ref.gm).map(camel).sort());
    for (const [k, v] of Object.entries(ref.gm)) expectClose(gm[camel(k)], v, `d ${k}`);
    expectState(m, ref.after, "after grad");
  });

  it("keeps numTensors flat", () => {
    const r = new nnx.Rngs(0);
    const m = new nnx.SpectralNorm(new nnx.Linear(4, 3, { rngs: r }), { rngs: r });
    const x = tf.randomNormal([2, 4]);
    expectNoLeak(() => {
      tf.tidy(() => {
        m.call(x);
      });
      nnx.dispose(nnx.grad((mm: nnx.SpectralNorm) => tf.sum(mm.call(x)) as tf.Scalar)(m));
    });
  });
});

describe("nnx.WeightNorm against flax.nnx", { timeout: 600_000 }, () => {
  it.each([
    ["Linear(4, 3)", "nnx.Linear(4, 3, rngs=r)", "", [5, 4]],
    ["Conv(2, 3, (2, 2)), feature_axes None, scale init", "nnx.Conv(2, 3, (2, 2), rngs=r)", "feature_axes=None, scale_init=nnx.initializers.constant(2.0), epsilon=1e-6,", [2, 4, 4, 2]],
    ["Linear, feature axes (0, 1): one scale per weight", "nnx.Linear(3, 2, rngs=r)", "feature_axes=(0, 1),", [5, 3]],
    ["Linear, every Param (bias too)", "nnx.Linear(3, 2, rngs=r)", "variable_filter=nnx.Param, feature_axes=-1,", [5, 3]],
  ] as const)("%s: scales, in-place rewrite over calls, gradients", (name, layer, kw, xshape) => {
    const ref = pythonJson<Ref>(`${PY_HELPERS}
r = nnx.Rngs(params=5)
m = nnx.WeightNorm(${layer}, ${kw} rngs=r)
init = {k: u32(v) for k, v in flat(m).items()}
next_key = [int(v) for v in jax.random.key_data(r.params())]
x = jax.random.normal(jax.random.key(1), ${JSON.stringify(xshape)})
steps = run(m, x, [{}, {}])
c = jax.random.normal(jax.random.key(2), m(x).shape)
gm, gx = nnx.grad(lambda m, x: jnp.sum(m(x) * c), argnums=(0, 1))(m, x)
print(json.dumps({"init": init, "next": next_key, "x": tl(x), "c": tl(c), "steps": steps, "gx": tl(gx),
  "gm": {k: tl(v) for k, v in flat(gm).items()}, "after": {k: tl(v) for k, v in flat(m).items()}}))
`);
    const r = new nnx.Rngs({ params: 5 });
    const layerTs = layer.startsWith("nnx.Linear(4") ? new nnx.Linear(4, 3, { rngs: r }) : layer.startsWith("nnx.Linear(3") ? new nnx.Linear(3, 2, { rngs: r }) : new nnx.Conv(2, 3, [2, 2], { rngs: r });
    const options: nnx.WeightNormOptions =
      kw === ""
        ? { rngs: r }
        : kw.startsWith("feature_axes=None")
          ? { featureAxes: null, scaleInit: nnx.initializers.constant(2), epsilon: 1e-6, rngs: r }
          : kw.startsWith("feature_axes=(0, 1)")
            ? { featureAxes: [0, 1], rngs: r }
            : { variableFilter: nnx.Param, featureAxes: -1, rngs: r };
    const m = new nnx.WeightNorm(layerTs, options);
    const init = Object.fromEntries(Object.entries(flatState(m)).map(([k, v]) => [k, bits(v)]));
    expect(init, name).toEqual(Object.fromEntries(Object.entries(ref.init).map(([k, v]) => [camel(k), v])));
    expect(Array.from(r.params()), "keys drawn").toEqual(ref.next);
    const x = tensor(ref.x);
    ref.steps.forEach((step, i) => {
      tf.tidy(() => {
        expectClose(m.call(x), step.y, `y after call ${i}`);
      });
      expectState(m, step.state, `call ${i}`);
    });
    tf.tidy(() => {
      m.call(x); // the Python side calls m(x) once more for the cotangent's shape
    });
    const c = tensor(ref.c);
    const g = nnx.grad((mm: nnx.WeightNorm, xx: tf.Tensor) => tf.sum(tf.mul(mm.call(xx), c)) as tf.Scalar, { argnums: [0, 1] })(m, x);
    expectClose(g[1] as tf.Tensor, ref.gx, "dx");
    const gm = Object.fromEntries((g[0] as nnx.State).flatState().map(([p, v]) => [p.join("/"), v.value as tf.Tensor]));
    expect(Object.keys(gm).sort()).toEqual(Object.keys(ref.gm).map(camel).sort());
    for (const [k, v] of Object.entries(ref.gm)) expectClose(gm[camel(k)], v, `d ${k}`);
    expectState(m, ref.after, "after grad");
  });

  it("keeps numTensors flat", () => {
    const r = new nnx.Rngs(0);
    const m = new nnx.WeightNorm(new nnx.Linear(4, 3, { rngs: r }), { rngs: r });
    const x = tf.randomNormal([2, 4]);
    expectNoLeak(() => {
      tf.tidy(() => {
        m.call(x);
      });
      nnx.dispose(nnx.grad((mm: nnx.WeightNorm) => tf.sum(mm.call(x)) as tf.Scalar)(m));
    });
  });
});
