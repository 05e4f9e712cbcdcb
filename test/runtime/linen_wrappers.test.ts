import { describe, expect, it } from "vitest";
import { nnx, tf } from "../../runtime/index.js";
import { pythonJson } from "../helpers/python.js";
import { PY_PRELUDE, bits, expectClose, expectNoLeak, tensor, type Nested } from "../helpers/layers.js";

// Linen's nn.WeightNorm / nn.SpectralNorm (nnx.LinenWeightNorm / nnx.LinenSpectralNorm):
// the wrapped Dense/Conv keeps its stored weights, each call sees a normalized
// view; Linen's init keeps the view of its own forward pass. The Python side is
// live Linen; the layer's drawn (raw) weights come from the same Dense without
// the wrapper (Linen draws them with the same keys, checked below).

const PY = `${PY_PRELUDE}
import flax.linen as nn
from flax.traverse_util import flatten_dict
def flat(t): return {k: v for k, v in flatten_dict(t, sep="/").items()}
`;

interface Dense { kernel: Nested; bias: Nested }
const set = (layer: { kernel: nnx.Param; bias: nnx.Param | null }, raw: Dense) => {
  layer.kernel.value = tensor(raw.kernel);
  if (layer.bias) layer.bias.value = tensor(raw.bias);
};

/**
 * Drawn values (scales, u, sigma, weights the wrapper leaves alone) bit-exact;
 * the weights Linen's init normalized within a few ulps: they are computed
 * (XLA's rsqrt / matmul vs TensorFlow's differ in the last bit on some
 * elements), not drawn.
 */
function expectInit(mine: Record<string, tf.Tensor>, ref: Record<string, number[]>, normalized: string[]): void {
  expect(Object.keys(mine).sort()).toEqual(Object.keys(ref).sort());
  for (const [k, b] of Object.entries(ref)) {
    if (!normalized.includes(k)) expect(bits(mine[k]), k).toEqual(b);
    else tf.tidy(() => void expectClose(tf.reshape(mine[k], [-1]), Array.from(new Float32Array(new Uint32Array(b).buffer)), `init ${k}`, 0, 1e-6));
  }
}

interface WnRef {
  raw: Dense;
  init: Record<string, number[]>;
  x: Nested;
  y: Nested;
  c: Nested;
  gx: Nested;
  gp: Record<string, Nested>;
}

describe("nnx.LinenWeightNorm against flax.linen.WeightNorm", { timeout: 600_000 }, () => {
  it.each([
    ["Dense(4), defaults", "", {}],
    ["every variable (bias too), epsilon", "variable_filter=None, epsilon=1e-6", { variableFilter: null, epsilon: 1e-6 }],
    ["filter on the layer's name, feature_axes None, scale_init constant", "variable_filter={'Dense'}, feature_axes=None, scale_init=nn.initializers.constant(2.0)", { variableFilter: ["Dense"], featureAxes: null, scaleInit: nnx.initializers.constant(2) }],
    ["no scale", "use_scale=False", { useScale: false }],
  ] as const)("%s: init keeps the view, outputs, gradients", (_n, kw, options) => {
    const ref = pythonJson<WnRef>(`${PY}
class M(nn.Module):
  @nn.compact
  def __call__(self, x):
    return nn.WeightNorm(nn.Dense(4), ${kw})(x)
class P(nn.Module):
  @nn.compact
  def __call__(self, x):
    return nn.Dense(4)(x)
x = jax.random.normal(jax.random.key(1), (5, 3))
raw = P().init(jax.random.key(0), x)["params"]["Dense_0"]
v = M().init(jax.random.key(0), x)
y = M().apply(v, x)
c = jax.random.normal(jax.random.key(2), y.shape)
gp, gx = jax.grad(lambda p, x: jnp.sum(M().apply({"params": p}, x) * c), argnums=(0, 1))(v["params"], x)
print(json.dumps({"raw": {k: tl(a) for k, a in raw.items()}, "init": {k: u32(a) for k, a in flat(v).items()}, "x": tl(x), "y": tl(y), "c": tl(c),
  "gx": tl(gx), "gp": {k: tl(a) for k, a in flat(gp).items()}}))
`);
    const rngs = new nnx.Rngs(0);
    const dense = new nnx.Linear(3, 4, { rngs });
    set(dense, ref.raw);
    const m = new nnx.LinenWeightNorm(dense, { ...options, layerName: "Dense_0", rngs });
    // Linen's paths: params/Dense_0/<leaf>, params/WeightNorm_0/Dense_0/<leaf>/scale.
    const linenPath = (p: string) => (p.startsWith("layerInstance/") ? `params/Dense_0/${p.slice(14)}` : `params/WeightNorm_0/Dense_0/${p.slice(7)}/scale`);
    const mine = Object.fromEntries(nnx.state(m).flatState().map(([p, v]) => [linenPath(p.join("/")), v.value as tf.Tensor]));
    expectInit(mine, ref.init, Object.keys(m.scales).length || options.useScale === false ? ["params/Dense_0/kernel", ...(options.variableFilter !== undefined ? ["params/Dense_0/bias"] : [])] : []);
    const x = tensor(ref.x);
    for (let i = 0; i < 2; i++) tf.tidy(() => void expectClose(m.call(x), ref.y, `y, call ${i}`));
    const before = bits(dense.kernel.value);
    const c = tensor(ref.c);
    const g = nnx.grad((mm: nnx.LinenWeightNorm, xx: tf.Tensor) => tf.sum(tf.mul(mm.call(xx), c)) as tf.Scalar, { argnums: [0, 1] })(m, x);
    expectClose(g[1] as tf.Tensor, ref.gx, "dx");
    const gp = Object.fromEntries((g[0] as nnx.State).flatState().map(([p, v]) => [linenPath(p.join("/")).slice(7), v.value as tf.Tensor]));
    expect(Object.keys(gp).sort()).toEqual(Object.keys(ref.gp).sort());
    for (const [k, v] of Object.entries(ref.gp)) expectClose(gp[k], v, `d ${k}`);
    expect(bits(dense.kernel.value), "the stored kernel is not rewritten by calls").toEqual(before);
    nnx.dispose(g);
  });

  it("keeps numTensors flat", () => {
    const rngs = new nnx.Rngs(0);
    const m = new nnx.LinenWeightNorm(new nnx.Linear(3, 4, { rngs }), { rngs });
    const x = tf.randomNormal([2, 3]);
    expectNoLeak(() => {
      tf.tidy(() => void m.call(x));
      nnx.dispose(nnx.grad((mm: nnx.LinenWeightNorm) => tf.sum(mm.call(x)) as tf.Scalar)(m));
    });
  });
});

interface SnStep {
  y: Nested;
  stats: Record<string, Nested>;
}
interface SnRef {
  raw: Dense;
  sameAsInit: boolean;
  init: Record<string, number[]>;
  x: Nested;
  steps: SnStep[];
  c: Nested;
  gx: Nested;
  gp: Record<string, Nested>;
  after: Record<string, Nested>;
}

describe("nnx.LinenSpectralNorm against flax.linen.SpectralNorm", { timeout: 600_000 }, () => {
  it.each([
    ["Dense(4), init in eval mode", "nn.Dense(4)", "", false, [5, 3]],
    ["Dense(4), 3 power steps, init in train mode", "nn.Dense(4)", "n_steps=3, epsilon=1e-6", true, [5, 3]],
    ["Conv(3, (2, 2)): a rank-4 kernel", "nn.Conv(3, (2, 2))", "", false, [2, 4, 4, 2]],
  ] as const)("%s: init keeps the view, u/sigma over train/eval calls, gradients", (name, layer, kw, initTrain, xshape) => {
    const py = initTrain ? "True" : "False";
    const ref = pythonJson<SnRef>(`${PY}
class M(nn.Module):
  @nn.compact
  def __call__(self, x, train):
    return nn.SpectralNorm(${layer}, ${kw})(x, update_stats=train)
class P(nn.Module):
  @nn.compact
  def __call__(self, x):
    return ${layer}(x)
x = jax.random.normal(jax.random.key(1), ${JSON.stringify(xshape)})
raw = P().init(jax.random.key(0), x)["params"]
name = list(raw)[0]
raw = raw[name]
v = M().init(jax.random.key(0), x, train=${py})
# Linen's init = applying the wrapper with params mutable to the drawn weights and u:
# checked here with Linen's own u, then done with the u the TypeScript Rngs(params=3) draws.
def init_from(u):
  st = {"SpectralNorm_0": {f"{name}/kernel/u": u, f"{name}/kernel/sigma": jnp.ones(())}}
  return M().apply({"params": {name: raw}, "batch_stats": st}, x, train=${py}, mutable=True)[1]
from flax.core.scope import LazyRng
u_linen = jax.random.normal(LazyRng.create(jax.random.key(0), "SpectralNorm_0", 1).as_jax_rng(), (1, raw["kernel"].shape[-1]))
same = all(bool((a == b).all()) for a, b in zip(jax.tree_util.tree_leaves(init_from(u_linen)), jax.tree_util.tree_leaves(v)))
u_ts = jax.random.normal(nnx.Rngs(params=3).params(), (1, raw["kernel"].shape[-1]))
s0 = init_from(u_ts)
s = s0
steps = []
for t in [True, True, False, True]:
  y, upd = M().apply(s, x, train=t, mutable=["batch_stats"])
  s = {"params": s["params"], "batch_stats": upd["batch_stats"]}
  steps.append({"y": tl(y), "stats": {k: tl(a) for k, a in flat(s["batch_stats"]).items()}})
c = jax.random.normal(jax.random.key(2), y.shape)
def loss(p, x):
  y, upd = M().apply({"params": p, "batch_stats": s["batch_stats"]}, x, train=True, mutable=["batch_stats"])
  return jnp.sum(y * c), upd
(gp, gx), upd = jax.grad(loss, argnums=(0, 1), has_aux=True)(s["params"], x)
print(json.dumps({"raw": {k: tl(a) for k, a in raw.items()}, "sameAsInit": same, "init": {k: u32(a) for k, a in flat(s0).items()}, "x": tl(x),
  "steps": steps, "c": tl(c), "gx": tl(gx), "gp": {k: tl(a) for k, a in flat(gp).items()}, "after": {k: tl(a) for k, a in flat(upd["batch_stats"]).items()}}))
`);
    expect(ref.sameAsInit, "Linen's init is the mutable apply on the drawn weights").toBe(true);
    const conv = name.startsWith("Conv");
    const l = conv ? "Conv_0" : "Dense_0";
    const rngs = new nnx.Rngs({ params: 3 });
    const inner = conv ? new nnx.Conv(2, 3, [2, 2], { rngs: new nnx.Rngs(0) }) : new nnx.Linear(3, 4, { rngs: new nnx.Rngs(0) });
    set(inner, ref.raw);
    const m = new nnx.LinenSpectralNorm(inner, { ...(kw ? { nSteps: 3, epsilon: 1e-6 } : {}), updateStatsAtInit: initTrain, rngs });
    const linenPath = (p: string) => (p.startsWith("layerInstance/") ? `params/${l}/${p.slice(14)}` : `batch_stats/SpectralNorm_0/${l}/${p.slice(11)}`);
    const state = () => Object.fromEntries(nnx.state(m).flatState().map(([p, v]) => [linenPath(p.join("/")), v.value as tf.Tensor]));
    // With update_stats at init, u and sigma are that pass's (computed) values too.
    expectInit(state(), ref.init, [`params/${l}/kernel`, ...(initTrain ? [`batch_stats/SpectralNorm_0/${l}/kernel/u`, `batch_stats/SpectralNorm_0/${l}/kernel/sigma`] : [])]);
    const x = tensor(ref.x);
    ref.steps.forEach((step, i) => {
      tf.tidy(() => void expectClose(m.call(x, [true, true, false, true][i]), step.y, `y, call ${i}`));
      for (const [k, v] of Object.entries(step.stats)) expectClose(state()[`batch_stats/${k}`], v, `call ${i}: ${k}`);
    });
    const c = tensor(ref.c);
    const g = nnx.grad((mm: nnx.LinenSpectralNorm, xx: tf.Tensor) => tf.sum(tf.mul(mm.call(xx, true), c)) as tf.Scalar, { argnums: [0, 1] })(m, x);
    expectClose(g[1] as tf.Tensor, ref.gx, "dx");
    const gp = Object.fromEntries((g[0] as nnx.State).flatState().map(([p, v]) => [linenPath(p.join("/")).slice(7), v.value as tf.Tensor]));
    expect(Object.keys(gp).sort()).toEqual(Object.keys(ref.gp).sort());
    for (const [k, v] of Object.entries(ref.gp)) expectClose(gp[k], v, `d ${k}`);
    for (const [k, v] of Object.entries(ref.after)) expectClose(state()[`batch_stats/${k}`], v, `after grad: ${k}`);
    nnx.dispose(g);
  });

  it("keeps numTensors flat", () => {
    const rngs = new nnx.Rngs(0);
    const m = new nnx.LinenSpectralNorm(new nnx.Linear(3, 4, { rngs }), { rngs });
    const x = tf.randomNormal([2, 3]);
    expectNoLeak(() => {
      tf.tidy(() => void m.call(x, true));
      tf.tidy(() => void m.call(x, false));
      nnx.dispose(nnx.grad((mm: nnx.LinenSpectralNorm) => tf.sum(mm.call(x, true)) as tf.Scalar)(m));
    });
  });
});
