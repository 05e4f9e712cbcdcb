import { describe, expect, it } from "vitest";
import { nnx, tf } from "../../runtime/index.js";
import { pythonJson } from "../helpers/python.js";
import { PY_PRELUDE, bits, expectClose, expectNoLeak, tensor, type Nested } from "../helpers/layers.js";

// Every activation against jax.nn (flax.nnx / flax.linen re-export them):
// values and gradients of sum(f(x) * w) on random inputs plus the points where
// the functions switch branches or have ties (0, ±1, ±3, 6, log 2) and large |x|.

const SPECIAL = [0, -0, 1, -1, 3, -3, 6, -6, 0.6931471805599453, 20, -20, 100, -100, 1e-3, -1e-3, 2.5];

/** [TypeScript, Python] for each function; the Python name is evaluated with x (and m, a boolean mask). */
const FNS: Record<string, [(x: tf.Tensor, m: tf.Tensor) => tf.Tensor, string]> = {
  identity: [nnx.identity, "jax.nn.identity(x)"],
  relu: [nnx.relu, "jax.nn.relu(x)"],
  relu6: [nnx.relu6, "jax.nn.relu6(x)"],
  sigmoid: [nnx.sigmoid, "jax.nn.sigmoid(x)"],
  tanh: [nnx.tanh, "nnx.tanh(x)"],
  silu: [nnx.silu, "jax.nn.silu(x)"],
  swish: [nnx.swish, "jax.nn.swish(x)"],
  softplus: [nnx.softplus, "jax.nn.softplus(x)"],
  logSigmoid: [nnx.logSigmoid, "jax.nn.log_sigmoid(x)"],
  mish: [nnx.mish, "jax.nn.mish(x)"],
  squareplus: [(x) => nnx.squareplus(x), "jax.nn.squareplus(x)"],
  squareplusB: [(x) => nnx.squareplus(x, { b: 1 }), "jax.nn.squareplus(x, b=1)"],
  sparsePlus: [nnx.sparsePlus, "jax.nn.sparse_plus(x)"],
  softSign: [nnx.softSign, "jax.nn.soft_sign(x)"],
  sparseSigmoid: [nnx.sparseSigmoid, "jax.nn.sparse_sigmoid(x)"],
  elu: [(x) => nnx.elu(x), "jax.nn.elu(x)"],
  elu05: [(x) => nnx.elu(x, 0.5), "jax.nn.elu(x, 0.5)"],
  leakyRelu: [(x) => nnx.leakyRelu(x), "jax.nn.leaky_relu(x)"],
  leakyRelu02: [(x) => nnx.leakyRelu(x, { negativeSlope: 0.2 }), "jax.nn.leaky_relu(x, negative_slope=0.2)"],
  hardTanh: [nnx.hardTanh, "jax.nn.hard_tanh(x)"],
  celu: [(x) => nnx.celu(x), "jax.nn.celu(x)"],
  celu2: [(x) => nnx.celu(x, { alpha: 2 }), "jax.nn.celu(x, alpha=2.0)"],
  selu: [nnx.selu, "jax.nn.selu(x)"],
  gelu: [(x) => nnx.gelu(x), "jax.nn.gelu(x)"],
  geluExact: [(x) => nnx.gelu(x, false), "jax.nn.gelu(x, approximate=False)"],
  geluExactOpt: [(x) => nnx.gelu(x, { approximate: false }), "jax.nn.gelu(x, approximate=False)"],
  hardSigmoid: [nnx.hardSigmoid, "jax.nn.hard_sigmoid(x)"],
  hardSilu: [nnx.hardSilu, "jax.nn.hard_silu(x)"],
  hardSwish: [nnx.hardSwish, "jax.nn.hard_swish(x)"],
  log1mexp: [(x) => nnx.log1mexp(tf.add(tf.square(x), 0.05)), "jax.nn.log1mexp(jnp.square(x) + 0.05)"],
  glu: [(x) => nnx.glu(x), "jax.nn.glu(x)"],
  glu0: [(x) => nnx.glu(x, 0), "jax.nn.glu(x, axis=0)"],
  softmax: [(x) => nnx.softmax(x), "jax.nn.softmax(x)"],
  softmax0: [(x) => nnx.softmax(x, 0), "jax.nn.softmax(x, axis=0)"],
  softmaxAll: [(x) => nnx.softmax(x, null), "jax.nn.softmax(x, axis=None)"],
  softmaxWhere: [(x, m) => nnx.softmax(x, { axis: -1, where: m }), "jax.nn.softmax(x, axis=-1, where=m)"],
  logSoftmax: [(x) => nnx.logSoftmax(x), "jax.nn.log_softmax(x)"],
  logSoftmax01: [(x) => nnx.logSoftmax(x, [0, 1]), "jax.nn.log_softmax(x, axis=(0, 1))"],
  logSoftmaxWhere: [(x, m) => nnx.logSoftmax(x, { where: m }), "jax.nn.log_softmax(x, where=m)"],
  logsumexp: [(x) => nnx.logsumexp(x), "jax.nn.logsumexp(x)"],
  logsumexpKeep: [(x) => nnx.logsumexp(x, { axis: -1, keepdims: true }), "jax.nn.logsumexp(x, axis=-1, keepdims=True)"],
  logsumexp0: [(x) => nnx.logsumexp(x, 0), "jax.nn.logsumexp(x, 0)"],
  logsumexpB: [(x) => nnx.logsumexp(x, { axis: 1, b: tf.linspace(0.1, 2, x.shape[1]!) }), "jax.nn.logsumexp(x, axis=1, b=jnp.linspace(0.1, 2, x.shape[1]))"],
  logsumexpNegB: [
    (x) => nnx.logsumexp(tf.div(x, 10), { axis: 1, b: tf.linspace(-1, 1, x.shape[1]!) }),
    "jax.nn.logsumexp(x / 10, axis=1, b=jnp.linspace(-1, 1, x.shape[1]))",
  ],
  logsumexpSign: [
    (x) => {
      const [v, s] = nnx.logsumexp(tf.div(x, 10), { axis: 1, b: tf.linspace(-1, 1, x.shape[1]!), returnSign: true });
      return tf.mul(v, s);
    },
    "(lambda r: r[0] * r[1])(jax.nn.logsumexp(x / 10, axis=1, b=jnp.linspace(-1, 1, x.shape[1]), return_sign=True))",
  ],
  logsumexpWhere: [(x, m) => nnx.logsumexp(x, { axis: -1, where: m }), "jax.nn.logsumexp(x, axis=-1, where=m)"],
  logmeanexp: [(x) => nnx.logmeanexp(x, 1), "jax.nn.logmeanexp(x, 1)"],
  logmeanexpWhere: [(x, m) => nnx.logmeanexp(x, { axis: -1, where: m, keepdims: true }), "jax.nn.logmeanexp(x, axis=-1, where=m, keepdims=True)"],
  standardize: [(x) => nnx.standardize(x), "jax.nn.standardize(x)"],
  standardizeStable0: [(x) => nnx.standardize(x, { axis: 0, algorithm: "stable" }), "jax.nn.standardize(x, axis=0, algorithm='stable')"],
  standardizeWhere: [(x, m) => nnx.standardize(x, { where: m, epsilon: 1e-3 }), "jax.nn.standardize(x, where=m, epsilon=1e-3)"],
  standardizeGiven: [
    (x) => nnx.standardize(x, { mean: tf.scalar(0.5), variance: tf.scalar(2) }),
    "jax.nn.standardize(x, mean=jnp.float32(0.5), variance=jnp.float32(2.0))",
  ],
  normalize: [(x) => nnx.normalize(x, [0, 1]), "flax.linen.normalize(x, (0, 1))"],
};

describe("activations against jax.nn", { timeout: 600_000 }, () => {
  it("values and gradients, at random points, branch points, ties and large |x|", () => {
    const names = Object.keys(FNS);
    const ref = pythonJson<{ x: Nested; m: Nested; w: Nested; out: Record<string, { y: Nested; g: Nested }> }>(`${PY_PRELUDE}
import flax.linen
special = jnp.array(${JSON.stringify(SPECIAL)}, jnp.float32)
x = jnp.concatenate([jax.random.normal(jax.random.key(0), (5, 16)) * 3, special[None],
                     jnp.round(jax.random.normal(jax.random.key(3), (2, 16)))])   # rows of ties
m = jax.random.uniform(jax.random.key(1), x.shape) > 0.3
m = m.at[:, 0].set(True)
w = jax.random.normal(jax.random.key(2), x.shape)
exprs = ${JSON.stringify(Object.fromEntries(names.map((n) => [n, FNS[n][1]])))}
out = {}
for name, expr in exprs.items():
  f = eval("lambda x: " + expr)
  shape = jax.eval_shape(f, x).shape
  ww = w[tuple(slice(0, d) for d in shape)] if len(shape) == w.ndim else jnp.ones(shape)
  # One compiled function per activation (value and gradient): much faster than op-by-op.
  y, g = jax.jit(lambda x: (f(x), jax.grad(lambda x: jnp.sum(jnp.where(jnp.isfinite(f(x)), f(x) * ww, 0.)))(x)))(x)
  out[name] = {"y": tl(y), "g": tl(g)}
print(json.dumps({"x": tl(x), "m": tl(m.astype(jnp.float32)), "w": tl(w), "out": out}))
`);
    const x = tensor(ref.x);
    const m = tf.cast(tensor(ref.m), "bool");
    const w = tensor(ref.w);
    for (const name of names) {
      tf.tidy(() => {
        const f = FNS[name][0];
        const y = f(x, m);
        expectClose(y, ref.out[name].y, `${name}(x)`);
        const ww = y.rank === w.rank ? tf.slice(w, y.shape.map(() => 0), y.shape) : tf.onesLike(y);
        const g = tf.grad((v: tf.Tensor) => {
          const fy = f(v, m);
          return tf.sum(tf.where(tf.isFinite(fy), tf.mul(fy, ww), tf.zerosLike(fy)));
        })(x);
        expectClose(g, ref.out[name].g, `d ${name}`);
      });
    }
  });

  it("oneHot: classes axis, dtypes, out-of-range, negative and non-integer labels", () => {
    const ref = pythonJson<Record<string, Nested>>(`${PY_PRELUDE}
import warnings
warnings.simplefilter("ignore")
x = jnp.array([[0, 2, 3], [-1, 1, 7]], jnp.int32)
xf = jnp.array([0., 1.5, 2., -1.])
print(json.dumps({"a": tl(jax.nn.one_hot(x, 4)), "b": tl(jax.nn.one_hot(x, 4, axis=0)), "c": tl(jax.nn.one_hot(x, 3, dtype=jnp.int32, axis=1)),
  "d": tl(jax.nn.one_hot(xf, 3))}))
`);
    const x = tf.tensor([[0, 2, 3], [-1, 1, 7]], undefined, "int32");
    expectClose(nnx.oneHot(x, 4), ref.a, "one_hot");
    expectClose(nnx.oneHot(x, 4, { axis: 0 }), ref.b, "axis 0");
    const c = nnx.oneHot(x, 3, { dtype: "int32", axis: 1 });
    expect(c.dtype).toBe("int32");
    expectClose(c, ref.c, "int32, axis 1");
    expectClose(nnx.oneHot(tf.tensor([0, 1.5, 2, -1]), 3), ref.d, "float labels");
  });

  it("keeps numTensors flat", () => {
    const x = tf.randomNormal([4, 6]);
    const m = tf.greater(x, -1);
    expectNoLeak(() => {
      for (const [f] of Object.values(FNS)) {
        tf.tidy(() => {
          f(x, m);
        });
        tf.grad((v: tf.Tensor) => {
          const fy = f(v, m);
          return tf.sum(tf.where(tf.isFinite(fy), fy, tf.zerosLike(fy)));
        })(x).dispose();
      }
    }, 5);
  });
});

describe("nnx.PReLU against flax.nnx", { timeout: 600_000 }, () => {
  it("init (no key drawn), output and gradients (slope and x, at 0 too)", () => {
    const ref = pythonJson<{ init: number[]; init2: number[]; x: Nested; y: Nested; c: Nested; gs: Nested; gx: Nested }>(`${PY_PRELUDE}
m = nnx.PReLU()
m2 = nnx.PReLU(0.25)
x = jnp.concatenate([jax.random.normal(jax.random.key(0), (3, 4)), jnp.array([[0., -0., 1e-3, -1e-3]])])
c = jax.random.normal(jax.random.key(1), x.shape)
gm, gx = nnx.grad(lambda m, x: jnp.sum(m(x) * c), argnums=(0, 1))(m2, x)
print(json.dumps({"init": u32(m.negative_slope[...]), "init2": u32(m2.negative_slope[...]),
  "x": tl(x), "y": tl(m2(x)), "c": tl(c),
  "gs": tl(gm["negative_slope"][...]), "gx": tl(gx)}))
`);
    const m = new nnx.PReLU();
    const m2 = new nnx.PReLU(0.25);
    expect(bits(m.negativeSlope.value)).toEqual(ref.init);
    expect(bits(m2.negativeSlope.value)).toEqual(ref.init2);
    expect(m.negativeSlope.shape).toEqual([]);
    expect(bits((m2.negativeSlope.getMetadata("init") as nnx.Initializer)(new Uint32Array([0, 0]), []))).toEqual(ref.init2);
    const x = tensor(ref.x);
    expectClose(m2.call(x), ref.y, "y");
    const c = tensor(ref.c);
    const g = nnx.grad((mm: nnx.PReLU, xx: tf.Tensor) => tf.sum(tf.mul(mm.call(xx), c)) as tf.Scalar, { argnums: [0, 1] })(m2, x);
    expectClose((g[0] as nnx.State).negativeSlope.value, ref.gs, "d slope");
    expectClose(g[1] as tf.Tensor, ref.gx, "dx");
    expect(nnx.state(m2).paths()).toEqual([["negativeSlope"]]);
    expectNoLeak(() => {
      tf.tidy(() => {
        m2.call(x);
      });
      nnx.dispose(nnx.grad((mm: nnx.PReLU) => tf.sum(mm.call(x)) as tf.Scalar)(m2));
    });
  });
});
