import { beforeAll, describe, expect, it } from "vitest";
import { nnx, tf } from "../../runtime/index.js";
import { pythonJson } from "../helpers/python.js";

class MLP extends nnx.Module {
  readonly l1: nnx.Linear;
  readonly l2: nnx.Linear;
  constructor(rngs: nnx.Rngs) {
    super();
    this.l1 = new nnx.Linear(3, 5, { rngs });
    this.l2 = new nnx.Linear(5, 2, { rngs });
  }
  call(x: nnx.Array): nnx.Array {
    return this.l2.call(nnx.relu(this.l1.call(x)));
  }
}

const PY = `
import json, jax, jax.numpy as jnp, numpy as np, optax
from flax import nnx
class MLP(nnx.Module):
  def __init__(self, rngs):
    self.l1 = nnx.Linear(3, 5, rngs=rngs)
    self.l2 = nnx.Linear(5, 2, rngs=rngs)
  def __call__(self, x):
    return self.l2(nnx.relu(self.l1(x)))
x = jax.random.normal(jax.random.key(1), (8, 3))
t = jax.random.normal(jax.random.key(2), (8, 2))
loss_fn = lambda m: jnp.mean((m(x) - t) ** 2)
txs = {
  "sgd": optax.sgd(0.1),
  "momentum": optax.sgd(0.05, momentum=0.9),
  "nesterov": optax.sgd(0.05, momentum=0.9, nesterov=True),
  "adam": optax.adam(1e-2),
  "adamw": optax.adamw(1e-2, b1=0.8, weight_decay=0.1),
  "adamw_masked": optax.adamw(1e-2, weight_decay=0.5, mask=lambda p: jax.tree.map(lambda a: a.ndim > 1, p)),
}
out = {"x": x.tolist(), "t": t.tolist(), "runs": {}}
for name, tx in txs.items():
  m = MLP(nnx.Rngs(0))
  opt = nnx.Optimizer(m, tx, wrt=nnx.Param)
  losses = []
  for _ in range(5):
    loss, grads = nnx.value_and_grad(loss_fn)(m)
    opt.update(m, grads)
    losses.append(float(loss))
  params = [np.ravel(v[...]).tolist() for _, v in nnx.to_flat_state(nnx.state(m, nnx.Param))]
  out["runs"][name] = {"losses": losses, "params": params, "step": int(opt.step[...])}
logits = jax.random.normal(jax.random.key(3), (4, 5)) * 3
labels = jnp.array([0, 4, 2, 2])
soft = jax.nn.softmax(jax.random.normal(jax.random.key(4), (4, 5)))
out["ce_int"] = optax.softmax_cross_entropy_with_integer_labels(logits, labels).tolist()
out["ce"] = optax.softmax_cross_entropy(logits, soft).tolist()
out["logits"] = logits.tolist(); out["soft"] = soft.tolist()
print(json.dumps(out))
`;

type Run = { losses: number[]; params: number[][]; step: number };

function close(a: number, e: number, rtol: number, atol: number, msg: string) {
  expect(Math.abs(a - e), `${msg}: ${a} vs ${e}`).toBeLessThanOrEqual(atol + rtol * Math.abs(e));
}

describe("nnx.Optimizer with nnx.optax", () => {
  let ref: { x: number[][]; t: number[][]; runs: Record<string, Run>; ce_int: number[]; ce: number[]; logits: number[][]; soft: number[][] };
  beforeAll(() => {
    ref = pythonJson(PY);
  });

  const txs: Record<string, () => nnx.optax.GradientTransformation<any>> = {
    sgd: () => nnx.optax.sgd(0.1),
    momentum: () => nnx.optax.sgd(0.05, { momentum: 0.9 }),
    nesterov: () => nnx.optax.sgd(0.05, { momentum: 0.9, nesterov: true }),
    adam: () => nnx.optax.adam(1e-2),
    adamw: () => nnx.optax.adamw(1e-2, { b1: 0.8, weightDecay: 0.1 }),
    adamw_masked: () =>
      nnx.optax.adamw(1e-2, { weightDecay: 0.5, mask: { l1: { kernel: true, bias: false }, l2: { kernel: true, bias: false } } }),
  };

  for (const name of Object.keys(txs)) {
    it(`${name}: 5 steps match nnx.Optimizer + optax`, () => {
      const x = tf.tensor(ref.x);
      const t = tf.tensor(ref.t);
      const m = new MLP(new nnx.Rngs(0));
      const opt = new nnx.Optimizer(m, txs[name](), { wrt: nnx.Param });
      const lossFn = (mm: MLP) => tf.mean(tf.square(tf.sub(mm.call(x), t))) as tf.Scalar;
      const losses: number[] = [];
      for (let i = 0; i < 5; i++) {
        const [loss, grads] = nnx.valueAndGrad(lossFn)(m);
        opt.update(m, grads);
        losses.push(loss.dataSync()[0]);
        loss.dispose();
        nnx.dispose(grads);
      }
      const run = ref.runs[name];
      losses.forEach((l, i) => close(l, run.losses[i], 1e-5, 1e-6, `loss ${i}`));
      const params = nnx.state(m, nnx.Param).leaves().map((v: nnx.Param) => Array.from(v.value.dataSync()));
      params.forEach((p, i) => p.forEach((v, j) => close(v, run.params[i][j], 1e-4, 1e-5, `param ${i}[${j}]`)));
      expect(opt.step.value.dataSync()[0]).toBe(run.step);
    });
  }

  it("keeps its step and optax state in OptState Variables and checks wrt", () => {
    const m = new MLP(new nnx.Rngs(0));
    const opt = new nnx.Optimizer(m, nnx.optax.adam(1e-3), { wrt: nnx.Param });
    const paths = nnx.state(opt).paths().map((p) => p.join("/"));
    expect(paths).toContain("step");
    expect(paths).toContain("optState/0/count");
    expect(paths).toContain("optState/0/mu/l1/kernel");
    expect(paths).toContain("optState/0/nu/l2/bias");
    expect(nnx.state(opt, nnx.OptState).leaves().length).toBe(paths.length);
    // @ts-expect-error wrt is required, as in flax >= 0.11
    expect(() => new nnx.Optimizer(m, nnx.optax.sgd(0.1), {})).toThrow(/wrt/);

    // Only the wrt Variables are updated; grads may contain more.
    const kOpt = new nnx.Optimizer(m, nnx.optax.sgd(0.1), { wrt: nnx.PathContains("kernel") });
    const bias = m.l1.bias!.value;
    const kernel = m.l1.kernel.value;
    const grads = nnx.grad((mm: MLP) => tf.sum(mm.call(tf.ones([1, 3]))) as tf.Scalar)(m);
    kOpt.update(m, grads);
    expect(m.l1.bias!.value).toBe(bias);
    expect(m.l1.kernel.value).not.toBe(kernel);
    expect(grads.l1.kernel.value.isDisposed).toBe(false); // grads stay the caller's
    nnx.dispose(grads);
  });

  it("losses match optax", () => {
    const ci = nnx.optax.softmaxCrossEntropyWithIntegerLabels(tf.tensor(ref.logits), tf.tensor([0, 4, 2, 2], undefined, "int32"));
    Array.from(ci.dataSync()).forEach((v, i) => close(v, ref.ce_int[i], 1e-5, 1e-6, "ce_int"));
    const c = nnx.optax.softmaxCrossEntropy(tf.tensor(ref.logits), tf.tensor(ref.soft));
    Array.from(c.dataSync()).forEach((v, i) => close(v, ref.ce[i], 1e-5, 1e-6, "ce"));
  });
});
