// nnx.RNN over a cell of the user's own (as a translated Linen cell is):
// tuple carries and tuple outputs, each output array stacked over time as
// nn.scan stacks every leaf of a Linen cell's outputs.
import { describe, expect, it } from "vitest";
import { nnx, tf } from "../../runtime/index.js";
import { pythonJson } from "../helpers/python.js";
import { expectClose, expectFlatMemory, loadParams, type Nested } from "../helpers/flat-params.js";

type Pair = [tf.Tensor, tf.Tensor];

/** A user cell: carry (c, h), output (h, 2c): the same math as the Python cell below. */
class PairCell extends nnx.RNNCellBase<Pair, Pair> {
  readonly ih: nnx.Linear;
  readonly hh: nnx.Linear;
  constructor(inFeatures: number, readonly features: number, rngs: nnx.Rngs) {
    super();
    this.ih = new nnx.Linear(inFeatures, features, { rngs });
    this.hh = new nnx.Linear(features, features, { useBias: false, rngs });
  }
  call([c, h]: Pair, x: tf.Tensor): [Pair, Pair] {
    return tf.tidy(() => {
      const z = tf.add(this.ih.call(x), this.hh.call(h));
      const c2 = tf.add(tf.tanh(z), tf.mul(c, 0.5));
      const h2 = tf.add(tf.mul(tf.sigmoid(c2), h), z);
      return [[c2, h2], [h2, tf.mul(c2, 2)]] as unknown as tf.TensorContainer;
    }) as unknown as [Pair, Pair];
  }
  initializeCarry(inputShape: readonly number[]): Pair {
    const s = [...inputShape.slice(0, -1), this.features];
    return [tf.zeros(s), tf.zeros(s)];
  }
  get numFeatureAxes(): number {
    return 1;
  }
}

interface Case {
  carry: Nested[];
  ys: Nested[];
}

describe("nnx.RNN over a user cell", () => {
  it("stacks each array of a tuple output and carries a tuple, as nn.RNN over the same Linen cell", () => {
    const ref = pythonJson<{ params: Record<string, Nested>; x: Nested; lens: number[]; cases: Record<string, Case> }>(`
import json, jax, jax.numpy as jnp, numpy as np
import flax.linen as nn
def tl(a): return np.asarray(a).tolist()
class PairCell(nn.Module):
  features: int
  @nn.compact
  def __call__(self, carry, x):
    c, h = carry
    z = nn.Dense(self.features, name='ih')(x) + nn.Dense(self.features, use_bias=False, name='hh')(h)
    c2 = jnp.tanh(z) + 0.5 * c
    h2 = jax.nn.sigmoid(c2) * h + z
    return (c2, h2), (h2, c2 * 2.0)
  @property
  def num_feature_axes(self):
    return 1
x = jax.random.normal(jax.random.key(1), (2, 5, 3))
lens = jnp.array([5, 3])
c0 = (jnp.full((2, 4), 0.1), jnp.full((2, 4), -0.2))
out = {}
params = None
for name, kw, call in [
    ('plain', {}, {}),
    ('reverse', {'reverse': True, 'keep_order': True}, {'seq_lengths': lens}),
    ('lengths', {}, {'seq_lengths': lens}),
]:
  rnn = nn.RNN(PairCell(4), return_carry=True, **kw)
  if params is None:
    params = rnn.init(jax.random.key(0), x, initial_carry=c0)
  carry, ys = rnn.apply(params, x, initial_carry=c0, **call)
  out[name] = {'carry': [tl(a) for a in carry], 'ys': [tl(a) for a in ys]}
p = params['params']['cell']
flat = {'ih.kernel': tl(p['ih']['kernel']), 'ih.bias': tl(p['ih']['bias']), 'hh.kernel': tl(p['hh']['kernel'])}
print(json.dumps({'params': flat, 'x': tl(x), 'lens': tl(lens), 'cases': out}))
`);
    const cell = new PairCell(3, 4, new nnx.Rngs(0));
    loadParams(cell, ref.params);
    const x = tf.tensor(ref.x as number[]);
    const lens = tf.tensor(ref.lens, undefined, "int32");
    const c0 = (): Pair => [tf.fill([2, 4], 0.1), tf.fill([2, 4], -0.2)];
    const runs: Record<string, { rnn: nnx.RNN<Pair, Pair>; seqLengths?: tf.Tensor }> = {
      plain: { rnn: new nnx.RNN(cell, { returnCarry: true }) },
      reverse: { rnn: new nnx.RNN(cell, { returnCarry: true, reverse: true, keepOrder: true }), seqLengths: lens },
      lengths: { rnn: new nnx.RNN(cell, { returnCarry: true }), seqLengths: lens },
    };
    for (const [name, { rnn, seqLengths }] of Object.entries(runs)) {
      const [carry, ys] = rnn.call(x, { initialCarry: c0(), seqLengths });
      expect(ys.length).toBe(2);
      ref.cases[name].ys.forEach((y, i) => expectClose(ys[i], y, `${name} ys[${i}]`));
      ref.cases[name].carry.forEach((c, i) => expectClose(carry[i], c, `${name} carry[${i}]`));
    }
    expectFlatMemory(() => {
      const init = c0();
      const [carry, ys] = runs.reverse.rnn.call(x, { initialCarry: init, seqLengths: lens });
      tf.dispose([...init, ...carry, ...ys]);
    });
  });
});
