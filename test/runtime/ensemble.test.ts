// An ensemble as Flax NNX builds and runs one: nnx.split_rngs(splits=n) +
// nnx.vmap(create, in_axes=0) for the members (params stacked on axis 0), and
// nnx.vmap(forward, in_axes=(0, None) or (0, 0)) over them. Init bit-exact,
// outputs and gradients against live Flax NNX, and no tensors left behind.
import { describe, expect, it } from "vitest";
import { nnx, tf } from "../../runtime/index.js";
import { expectClose, type Nested } from "../helpers/flat-params.js";
import { pythonJson } from "../helpers/python.js";

class MLP extends nnx.Module {
  readonly l1: nnx.Linear;
  readonly l2: nnx.Linear;
  constructor(din: number, dout: number, { rngs }: { rngs: nnx.Rngs }) {
    super();
    this.l1 = new nnx.Linear(din, 8, { rngs });
    this.l2 = new nnx.Linear(8, dout, { rngs });
  }
  call(x: tf.Tensor): tf.Tensor {
    return this.l2.call(nnx.relu(this.l1.call(x)));
  }
}

const REF = `
import json, jax, jax.numpy as jnp
from flax import nnx

class MLP(nnx.Module):
    def __init__(self, din, dout, *, rngs):
        self.l1 = nnx.Linear(din, 8, rngs=rngs)
        self.l2 = nnx.Linear(8, dout, rngs=rngs)
    def __call__(self, x):
        return self.l2(nnx.relu(self.l1(x)))

rngs = nnx.Rngs(0)
@nnx.split_rngs(splits=3)
@nnx.vmap(in_axes=(0,), out_axes=0)
def create(rngs):
    return MLP(5, 4, rngs=rngs)
ens = create(rngs)
after = nnx.Linear(2, 2, rngs=rngs).kernel[...]

@nnx.vmap(in_axes=(0, None), out_axes=0)
def shared(m, x):
    return m(x)
@nnx.vmap(in_axes=(0, 0), out_axes=1)
def each(m, x):
    return m(x)

x = jax.random.normal(jax.random.key(1), (2, 5))
xs = jax.random.normal(jax.random.key(2), (3, 2, 5))
loss = lambda m, x: jnp.sum(shared(m, x) ** 2) + jnp.sum(jnp.tanh(each(m, xs)))
g = nnx.grad(loss)(ens, x)
tolist = lambda t: jax.tree.map(lambda a: a.tolist(), nnx.to_pure_dict(t))
print(json.dumps({"params": tolist(nnx.state(ens, nnx.Param)), "after": after.tolist(), "x": x.tolist(), "xs": xs.tolist(),
                  "shared": shared(ens, x).tolist(), "each": each(ens, xs).tolist(), "grads": tolist(g)}))
`;

type Tree = Record<string, Record<string, Nested>>;

describe("an nnx.vmap ensemble (nnx.splitRngs + nnx.stack, nnx.vmap over the members)", () => {
  const ref = pythonJson<{ params: Tree; after: Nested; x: Nested; xs: Nested; shared: Nested; each: Nested; grads: Tree }>(REF);
  const build = () => {
    const rngs = new nnx.Rngs(0);
    const members = nnx.splitRngs(rngs, 3);
    const ens = nnx.stack(3, (i) => new MLP(5, 4, { rngs: members[i] }));
    return { rngs, ens };
  };
  const shared = nnx.vmap((m: MLP, x: tf.Tensor) => m.call(x), { inAxes: [0, null] });
  const each = nnx.vmap((m: MLP, x: tf.Tensor) => m.call(x), { inAxes: [0, 0], outAxes: 1 });

  it("draws the members' parameters bit-exactly as split_rngs + vmap(create) does, and the stream goes on as NNX's", () => {
    const { rngs, ens } = build();
    for (const layer of ["l1", "l2"] as const) {
      for (const leaf of ["kernel", "bias"] as const) {
        const v = ens[layer][leaf]!.value;
        expect(Array.from(v.dataSync())).toEqual([ref.params[layer][leaf]].flat(Infinity as 1));
        expect(v.shape[0]).toBe(3);
      }
    }
    const after = new nnx.Linear(2, 2, { rngs }).kernel.value;
    expect(Array.from(after.dataSync())).toEqual([ref.after].flat(Infinity as 1));
  });

  it("runs the members over a shared input (in_axes (0, None)) and over one input each (in_axes (0, 0), out_axes 1), with NNX's values and gradients", () => {
    const { ens } = build();
    const x = tf.tensor(ref.x as number[][]);
    const xs = tf.tensor(ref.xs as number[][][]);
    const ys = shared(ens, x);
    expect(ys.shape).toEqual([3, 2, 4]);
    expectClose(ys, ref.shared);
    const ye = each(ens, xs);
    expect(ye.shape).toEqual([2, 3, 4]);
    expectClose(ye, ref.each);
    // The stacked variables are whole again afterwards.
    expect(ens.l1.kernel.value.shape).toEqual([3, 5, 8]);
    const loss = (m: MLP, xx: tf.Tensor) => tf.add(tf.sum(tf.square(shared(m, xx))), tf.sum(tf.tanh(each(m, xs)))) as tf.Scalar;
    const grads = nnx.grad(loss)(ens, x) as unknown as Record<string, Record<string, { value: tf.Tensor }>>;
    for (const layer of ["l1", "l2"]) for (const leaf of ["kernel", "bias"]) expectClose(grads[layer][leaf].value, ref.grads[layer][leaf]);
  });

  it("runs under nnx.jit: a training step over the ensemble compiled gives the eager step's losses and parameters", () => {
    const make = () => {
      const { ens } = build();
      return [ens, new nnx.Optimizer(ens, nnx.optax.adam(1e-2), { wrt: nnx.Param })] as const;
    };
    const [m1, o1] = make();
    const [m2, o2] = make();
    const x = tf.tensor(ref.x as number[][]);
    const xs = tf.tensor(ref.xs as number[][][]);
    const stepFn = (m: MLP, o: nnx.Optimizer<MLP>, xx: nnx.Array) => {
      const [loss, grads] = nnx.valueAndGrad((mm: MLP) => tf.add(tf.sum(tf.square(shared(mm, xx))), tf.sum(tf.tanh(each(mm, xs)))) as tf.Scalar)(m);
      o.update(m, grads);
      return loss;
    };
    const step = nnx.jit(stepFn, { xla: false });
    for (let i = 0; i < 3; i++) {
      const eager = tf.tidy(() => stepFn(m1, o1, x).dataSync()[0]);
      const jitted = tf.tidy(() => (step(m2, o2, x) as tf.Tensor).dataSync()[0]);
      expect(Math.abs(jitted - eager)).toBeLessThanOrEqual(1e-5 + 1e-4 * Math.abs(eager));
    }
    for (const layer of ["l1", "l2"] as const) expectClose(m2[layer].kernel.value, m1[layer].kernel.value.arraySync() as Nested);
    expect(step.stats.traces[0].mode, step.stats.traces[0].reason).toBe("graph");
  });

  it("leaves no tensors behind over many calls", () => {
    const { ens } = build();
    const x = tf.tensor(ref.x as number[][]);
    const xs = tf.tensor(ref.xs as number[][][]);
    const run = () => tf.dispose([shared(ens, x), each(ens, xs)]);
    run();
    const before = tf.memory().numTensors;
    for (let i = 0; i < 30; i++) run();
    expect(tf.memory().numTensors).toBe(before);
  });
});
