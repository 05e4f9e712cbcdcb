import { beforeAll, describe, expect, it } from "vitest";
import { nnx, tf } from "../../runtime/index.js";
import { pythonJson } from "../helpers/python.js";

type Flat = [string[], number[]][];

class MLP extends nnx.Module {
  readonly l1: nnx.Linear;
  readonly bn: nnx.BatchNorm;
  readonly drop: nnx.Dropout;
  readonly l2: nnx.Linear;
  readonly unused: nnx.Linear;
  constructor(rngs: nnx.Rngs) {
    super();
    this.l1 = new nnx.Linear(4, 8, { rngs });
    this.bn = new nnx.BatchNorm(8, { rngs });
    this.drop = new nnx.Dropout(0.2, { rngs });
    this.l2 = new nnx.Linear(8, 3, { rngs });
    this.unused = new nnx.Linear(2, 2, { rngs });
  }
  call(x: nnx.Array): nnx.Array {
    return this.l2.call(this.drop.call(nnx.gelu(this.bn.call(this.l1.call(x)))));
  }
}

const PY = `
import json, jax, jax.numpy as jnp, numpy as np, optax
from flax import nnx
class MLP(nnx.Module):
  def __init__(self, rngs):
    self.l1 = nnx.Linear(4, 8, rngs=rngs)
    self.bn = nnx.BatchNorm(8, rngs=rngs)
    self.drop = nnx.Dropout(0.2, rngs=rngs)
    self.l2 = nnx.Linear(8, 3, rngs=rngs)
    self.unused = nnx.Linear(2, 2, rngs=rngs)
  def __call__(self, x):
    return self.l2(self.drop(nnx.gelu(self.bn(self.l1(x)))))
flat = lambda s: [[[str(k) for k in p], np.ravel(v[...]).tolist()] for p, v in nnx.to_flat_state(s)]
x = jax.random.normal(jax.random.key(10), (6, 4))
y = jnp.array([0, 2, 1, 1, 0, 2])
def loss_fn(m, x, y):
  return optax.softmax_cross_entropy_with_integer_labels(m(x), y).mean()
m = MLP(nnx.Rngs(0))
out = {"x": x.tolist(), "y": y.tolist()}
grads = nnx.grad(loss_fn)(m, x, y)
out["grads"] = flat(grads)
out["mean"] = m.bn.mean[...].tolist()
out["count"] = int(m.drop.rngs.count[...])
def aux_fn(m, x, y):
  logits = m(x)
  return optax.softmax_cross_entropy_with_integer_labels(logits, y).mean(), logits
(loss, logits), grads2 = nnx.value_and_grad(aux_fn, has_aux=True)(m, x, y)
out["loss2"] = float(loss); out["logits2"] = logits.tolist(); out["grads2"] = flat(grads2)
kgrads = nnx.grad(loss_fn, argnums=nnx.DiffState(0, nnx.PathContains('kernel')))(m, x, y)
out["kgrads"] = flat(kgrads)
gm, gx = nnx.grad(loss_fn, argnums=(0, 1))(m, x, y)
out["gx"] = gx.tolist(); out["gm"] = flat(gm)
print(json.dumps(out))
`;

function expectFlatClose(actual: nnx.State, expected: Flat, rtol = 2e-4, atol = 2e-6) {
  const flat = actual.flatState();
  expect(flat.map(([p]) => p.map(String))).toEqual(expected.map(([p]) => p));
  flat.forEach(([p, v], i) => {
    const a = Array.from((v as nnx.Variable).value.dataSync());
    const e = expected[i][1];
    a.forEach((x, j) =>
      expect(Math.abs(x - e[j]), `${p.join("/")}[${j}]: ${x} vs ${e[j]}`).toBeLessThanOrEqual(atol + rtol * Math.abs(e[j])),
    );
  });
}

const lossFn = (m: MLP, x: tf.Tensor, y: tf.Tensor) =>
  tf.mean(nnx.optax.softmaxCrossEntropyWithIntegerLabels(m.call(x), y)) as tf.Scalar;

describe("nnx.grad / nnx.valueAndGrad", () => {
  let ref: {
    x: number[][];
    y: number[];
    grads: Flat;
    mean: number[];
    count: number;
    loss2: number;
    logits2: number[][];
    grads2: Flat;
    kgrads: Flat;
    gx: number[][];
    gm: Flat;
  };
  beforeAll(() => {
    ref = pythonJson(PY);
  });

  it("matches nnx.grad on an MLP with BatchNorm and Dropout, keeping the state updates", () => {
    const m = new MLP(new nnx.Rngs(0));
    const x = tf.tensor(ref.x);
    const y = tf.tensor(ref.y, undefined, "int32");
    const kernel = m.l1.kernel.value;
    const grads = nnx.grad(lossFn)(m, x, y);
    expect(grads).toBeInstanceOf(nnx.State);
    expect(grads.l1.kernel).toBeInstanceOf(nnx.Param);
    expectFlatClose(grads, ref.grads); // includes zeros for the unused layer
    // BatchNorm statistics and the dropout RNG count advanced, as in NNX.
    Array.from(m.bn.mean.value.dataSync()).forEach((v, i) => expect(v).toBeCloseTo(ref.mean[i], 5));
    expect(m.drop.rngs!.count.value).toBe(ref.count);
    // The model's parameter tensors are untouched (same tensor, not disposed).
    expect(m.l1.kernel.value).toBe(kernel);
    expect(kernel.isDisposed).toBe(false);

    // hasAux, and a second call continuing the same RNG / statistics sequence.
    const auxFn = (mm: MLP, xx: tf.Tensor, yy: tf.Tensor): [tf.Scalar, tf.Tensor] => {
      const logits = mm.call(xx);
      return [tf.mean(nnx.optax.softmaxCrossEntropyWithIntegerLabels(logits, yy)) as tf.Scalar, logits];
    };
    const [[loss, logits], grads2] = nnx.valueAndGrad(auxFn, { hasAux: true })(m, x, y);
    expect(loss.rank).toBe(0);
    expect(loss.dataSync()[0]).toBeCloseTo(ref.loss2, 5);
    (logits.arraySync() as number[][]).flat().forEach((v, i) => expect(v).toBeCloseTo(ref.logits2.flat()[i], 4));
    expectFlatClose(grads2, ref.grads2);
  });

  it("supports DiffState / wrt filters and tensor argnums", () => {
    const x = tf.tensor(ref.x);
    const y = tf.tensor(ref.y, undefined, "int32");
    const m = new MLP(new nnx.Rngs(0));
    // Replay the two calls of the first test so RNG counts and stats line up.
    nnx.dispose(nnx.grad(lossFn)(m, x, y));
    nnx.dispose(nnx.grad(lossFn)(m, x, y));
    const kgrads = nnx.grad(lossFn, { argnums: new nnx.DiffState(0, nnx.PathContains("kernel")) })(m, x, y);
    expectFlatClose(kgrads, ref.kgrads);
    const [gm, gx] = nnx.grad(lossFn, { argnums: [0, 1] })(m, x, y);
    expectFlatClose(gm as nnx.State, ref.gm);
    ((gx as tf.Tensor).arraySync() as number[][]).flat().forEach((v, i) => expect(v).toBeCloseTo(ref.gx.flat()[i], 5));

    const viaWrt = nnx.grad(lossFn, { wrt: nnx.PathContains("bias") })(m, x, y);
    expect(viaWrt.paths().every((p) => p[p.length - 1] === "bias")).toBe(true);
  });

  it("returns caller-owned tensors and frees everything else", () => {
    const m = new MLP(new nnx.Rngs(1)).eval();
    const x = tf.randomNormal([5, 4]);
    const y = tf.tensor([0, 1, 2, 0, 1], undefined, "int32");
    const before = tf.memory().numTensors;
    const [loss, grads] = nnx.valueAndGrad(lossFn)(m, x, y);
    const numParams = nnx.state(m, nnx.Param).leaves().length;
    expect(tf.memory().numTensors).toBe(before + 1 + numParams);
    loss.dispose();
    nnx.dispose(grads);
    expect(tf.memory().numTensors).toBe(before);
    // Inside tf.tidy the results are freed with the scope.
    tf.tidy(() => {
      nnx.grad(lossFn)(m, x, y);
    });
    expect(tf.memory().numTensors).toBe(before);
    // hasAux: aux tensors are handed to the caller's scope too.
    const withAux = (mm: MLP): [tf.Scalar, { logits: tf.Tensor }] => {
      const logits = mm.call(x);
      return [tf.sum(logits) as tf.Scalar, { logits }];
    };
    const kept = tf.tidy(() => {
      const [[, aux], g] = nnx.valueAndGrad(withAux, { hasAux: true })(m);
      expect(aux.logits.shape).toEqual([5, 3]);
      expect(g.l2.kernel).toBeInstanceOf(nnx.Param);
      return aux.logits;
    });
    expect(tf.memory().numTensors).toBe(before + 1);
    kept.dispose();
    expect(() => nnx.grad((mm: MLP) => mm.call(x))(m)).toThrow(/scalar/);
    expect(tf.memory().numTensors).toBe(before);
  });
});
