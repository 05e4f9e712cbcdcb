// nnx.cond / nnx.switch against Flax NNX: Modules among the operands, a
// Variable a branch updates, the switch index clamped, and gradients through
// the chosen branch.
import { describe, expect, it } from "vitest";
import { nnx, tf } from "../../runtime/index.js";
import { expectClose, type Nested } from "../helpers/flat-params.js";
import { pythonJson } from "../helpers/python.js";

class Count extends nnx.Variable<tf.Tensor> {}

class Pair extends nnx.Module {
  readonly a: nnx.Linear;
  readonly b: nnx.Linear;
  readonly count: Count;
  constructor(rngs: nnx.Rngs) {
    super();
    this.a = new nnx.Linear(4, 3, { rngs });
    this.b = new nnx.Linear(4, 3, { rngs });
    this.count = new Count(tf.scalar(0));
  }
}

const REF = `
import json, jax, jax.numpy as jnp
from flax import nnx

class Count(nnx.Variable):
    pass

class Pair(nnx.Module):
    def __init__(self, rngs):
        self.a = nnx.Linear(4, 3, rngs=rngs)
        self.b = nnx.Linear(4, 3, rngs=rngs)
        self.count = Count(jnp.zeros(()))

def t(m, x):
    m.count[...] = m.count[...] + 1
    return m.a(x)

def f(m, x):
    return -m.b(x) * 2.0

def h(m, x):
    return jnp.tanh(m.a(x) + m.b(x))

m = Pair(nnx.Rngs(0))
x = jax.random.normal(jax.random.key(1), (2, 4))
y_true = nnx.cond(jnp.sum(x) > -100, t, f, m, x)
y_false = nnx.cond(jnp.sum(x) > 100, t, f, m, x)
switched = [nnx.switch(jnp.asarray(i), [t, f, h], m, x).tolist() for i in (0, 1, 2, 7, -3)]
count = float(m.count[...])
loss = lambda m, x, i: jnp.sum(nnx.switch(i, [t, f, h], m, x) ** 2)
grads = {str(i): jax.tree.map(lambda g: g.tolist(), nnx.to_pure_dict(nnx.grad(loss)(m, x, jnp.asarray(i)))) for i in (1, 2)}
print(json.dumps({"x": x.tolist(), "y_true": y_true.tolist(), "y_false": y_false.tolist(), "switched": switched, "count": count, "grads": grads}))
`;

type Grads = Record<string, Record<string, number[] | number[][]>>;

describe("nnx.cond / nnx.switch", () => {
  const ref = pythonJson<{ x: number[][]; y_true: number[][]; y_false: number[][]; switched: number[][][]; count: number; grads: Record<string, Grads> }>(REF);

  it("run the chosen branch on Module operands, keep a branch's Variable updates, clamp the index, and differentiate like NNX", () => {
    const m = new Pair(new nnx.Rngs(0));
    const x = tf.tensor(ref.x);
    const t = (mm: Pair, xx: tf.Tensor) => {
      mm.count.value = tf.add(mm.count.value, 1);
      return mm.a.call(xx);
    };
    const f = (mm: Pair, xx: tf.Tensor) => tf.mul(tf.neg(mm.b.call(xx)), 2);
    const h = (mm: Pair, xx: tf.Tensor) => tf.tanh(tf.add(mm.a.call(xx), mm.b.call(xx)));
    expectClose(nnx.cond(tf.greater(tf.sum(x), -100), t, f, m, x), ref.y_true);
    expectClose(nnx.cond(tf.greater(tf.sum(x), 100), t, f, m, x), ref.y_false);
    [0, 1, 2, 7, -3].forEach((i, k) => expectClose(nnx.switch(tf.scalar(i, "int32"), [t, f, h], m, x), ref.switched[k]));
    expect(m.count.value.dataSync()[0]).toBe(ref.count);
    for (const i of [1, 2]) {
      const loss = (mm: Pair, xx: tf.Tensor) => tf.sum(tf.square(nnx.switch(tf.scalar(i, "int32"), [t, f, h], mm, xx))) as tf.Scalar;
      const grads = nnx.grad(loss)(m, x) as unknown as Record<string, Record<string, { value: tf.Tensor }>>;
      for (const layer of ["a", "b"]) {
        expectClose(grads[layer].kernel.value, ref.grads[String(i)][layer].kernel);
        expectClose(grads[layer].bias.value, ref.grads[String(i)][layer].bias);
      }
    }
  });

  it("leaves no tensors behind over many calls", () => {
    const m = new Pair(new nnx.Rngs(0));
    const x = tf.tensor(ref.x);
    const f = (mm: Pair, xx: tf.Tensor) => mm.b.call(xx);
    const g = (mm: Pair, xx: tf.Tensor) => mm.a.call(xx);
    const pred = tf.scalar(true, "bool");
    const index = tf.scalar(1, "int32");
    const run = () => {
      tf.dispose(nnx.cond(pred, f, g, m, x));
      tf.dispose(nnx.switch(index, [f, g], m, x));
    };
    run();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 50; i++) run();
    expect(tf.memory().numTensors).toBe(before);
  });
});
