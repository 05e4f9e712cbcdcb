import { describe, expect, it } from "vitest";
import { nnx, tf } from "../../runtime/index.js";
import { pythonJson } from "../helpers/python.js";

const bits = (t: tf.Tensor) => Array.from(new Uint32Array(new Float32Array(t.dataSync()).buffer));

type Nested = number | Nested[];

function expectClose(actual: tf.Tensor, expected: Nested[], rtol = 1e-5, atol = 1e-6) {
  expect(actual.shape).toEqual(tf.tensor(expected as number[]).shape);
  const fa = Array.from(actual.dataSync());
  const fe = expected.flat(Infinity as 1) as number[];
  fa.forEach((v, i) => expect(Math.abs(v - fe[i])).toBeLessThanOrEqual(atol + rtol * Math.abs(fe[i])));
}

describe("nnx.Linear", () => {
  it("initialises bit-for-bit like nnx.Linear(..., rngs=nnx.Rngs(0))", () => {
    const expected = pythonJson<{ kernel: number[]; bias: number[]; k2: number[]; next: number[] }>(`
import json, jax, numpy as np
from flax import nnx
r = nnx.Rngs(0)
m = nnx.Linear(5, 7, rngs=r)
m2 = nnx.Linear(7, 3, use_bias=False, kernel_init=nnx.initializers.normal(0.3), rngs=r)
u32 = lambda a: np.asarray(a, np.float32).view(np.uint32).ravel().tolist()
print(json.dumps({"kernel": u32(m.kernel[...]), "bias": u32(m.bias[...]), "k2": u32(m2.kernel[...]),
                  "next": [int(v) for v in jax.random.key_data(r.params())]}))
`);
    const r = new nnx.Rngs(0);
    const m = new nnx.Linear(5, 7, { rngs: r });
    const m2 = new nnx.Linear(7, 3, { useBias: false, kernelInit: nnx.initializers.normal(0.3), rngs: r });
    expect(m.kernel.shape).toEqual([5, 7]);
    expect(bits(m.kernel.value)).toEqual(expected.kernel);
    expect(bits(m.bias!.value)).toEqual(expected.bias);
    expect(m2.bias).toBeNull();
    expect(bits(m2.kernel.value)).toEqual(expected.k2);
    // Same number of params keys drawn as NNX.
    expect(Array.from(r.params())).toEqual(expected.next);
    expect(nnx.state(m2).paths()).toEqual([["kernel"]]);
  });

  it("computes the same forward as nnx.Linear on the same weights (2-D and N-D inputs)", () => {
    const ref = pythonJson<{ kernel: number[][]; bias: number[]; x: number[][][]; y: number[][][]; y2: number[][] }>(`
import json, jax, jax.numpy as jnp
from flax import nnx
m = nnx.Linear(4, 3, rngs=nnx.Rngs(42))
m.bias[...] = jax.random.normal(jax.random.key(1), (3,))
x = jax.random.normal(jax.random.key(2), (2, 5, 4))
print(json.dumps({"kernel": m.kernel[...].tolist(), "bias": m.bias[...].tolist(), "x": x.tolist(),
                  "y": m(x).tolist(), "y2": m(x[0]).tolist()}))
`);
    const m = new nnx.Linear(4, 3, { rngs: new nnx.Rngs(0) });
    nnx.update(m, { kernel: tf.tensor(ref.kernel), bias: tf.tensor(ref.bias) });
    const x = tf.tensor(ref.x);
    expectClose(m.call(x), ref.y);
    expectClose(m.call(tf.tensor(ref.x[0])), ref.y2);
  });
});

describe("activations (jax.nn semantics)", () => {
  it("match jax.nn values and gradients", () => {
    const ref = pythonJson<{ x: number[][]; out: Record<string, { y: number[][]; g: number[][] }> }>(`
import json, jax, jax.numpy as jnp
x = jnp.concatenate([jax.random.normal(jax.random.key(0), (3, 5)) * 3, jnp.array([[0., -0., 1e-3, -1e-3, 20.]])])
fns = {
  "relu": jax.nn.relu, "gelu": jax.nn.gelu, "geluExact": lambda v: jax.nn.gelu(v, approximate=False),
  "sigmoid": jax.nn.sigmoid, "tanh": jnp.tanh, "silu": jax.nn.silu, "elu": jax.nn.elu,
  "leakyRelu": jax.nn.leaky_relu, "leakyRelu2": lambda v: jax.nn.leaky_relu(v, 0.2), "softplus": jax.nn.softplus,
  "softmax": jax.nn.softmax, "softmax0": lambda v: jax.nn.softmax(v, axis=0), "logSoftmax": jax.nn.log_softmax,
  "logsumexp": lambda v: jax.nn.logsumexp(v, axis=-1, keepdims=True),
}
w = jnp.arange(20.).reshape(4, 5) / 10 - 1  # weights so softmax grads are not trivially zero
out = {k: {"y": f(x).tolist(), "g": jax.jit(jax.grad(lambda v: jnp.sum(f(v) * w[:, :f(v).shape[1]])))(x).tolist()} for k, f in fns.items()}
print(json.dumps({"x": x.tolist(), "out": out}))
`);
    const fns: Record<string, (v: tf.Tensor) => tf.Tensor> = {
      relu: nnx.relu,
      gelu: (v) => nnx.gelu(v),
      geluExact: (v) => nnx.gelu(v, false),
      sigmoid: nnx.sigmoid,
      tanh: nnx.tanh,
      silu: nnx.silu,
      elu: (v) => nnx.elu(v),
      leakyRelu: (v) => nnx.leakyRelu(v),
      leakyRelu2: (v) => nnx.leakyRelu(v, 0.2),
      softplus: nnx.softplus,
      softmax: (v) => nnx.softmax(v),
      softmax0: (v) => nnx.softmax(v, 0),
      logSoftmax: (v) => nnx.logSoftmax(v),
      logsumexp: (v) => nnx.logsumexp(v, { axis: -1, keepdims: true }),
    };
    const x = tf.tensor(ref.x);
    const w = tf.sub(tf.div(tf.range(0, 20).reshape([4, 5]), 10), 1);
    for (const [name, f] of Object.entries(fns)) {
      const y = f(x);
      expectClose(y, ref.out[name].y, 2e-5, 2e-6);
      const g = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(f(v), tf.slice(w, [0, 0], [-1, y.shape[1]!]))))(x);
      expectClose(g, ref.out[name].g, 2e-4, 2e-5);
    }
  });
});
