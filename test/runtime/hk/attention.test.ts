// hk.MultiHeadAttention against live dm-haiku: init bit-exact from the same
// key, outputs and gradients (query, key, value and parameters), masks.
import { beforeAll, describe, it } from "vitest";
import { hk, nnx, tf } from "../../../runtime/index.js";
import {
  type HkReference,
  decodeNest,
  expectClose,
  expectGradsClose,
  expectNoLeak,
  expectSameTree,
  hkReference,
} from "../../helpers/haiku.js";

const CASES = [
  {
    name: "self-attention, batched, w_init given",
    py: "lambda q: hk.MultiHeadAttention(2, 3, w_init=hk.initializers.VarianceScaling())(q, q, q)",
    inputs: "[jax.random.normal(jax.random.key(1), (2, 5, 6))]",
    ts: (rngs: nnx.Rngs) => {
      const m = new hk.MultiHeadAttention(6, 2, 3, { wInit: hk.initializers.VarianceScaling(), rngs });
      return { m, forward: (q: tf.Tensor) => m.call(q, q, q) };
    },
  },
  {
    name: "cross-attention, unbatched, own value/model sizes, no bias, deprecated w_init_scale",
    py: "lambda q, k, v: hk.MultiHeadAttention(3, 2, 2.0, value_size=4, model_size=8, with_bias=False)(q, k, v)",
    inputs: "[jax.random.normal(jax.random.key(2), (4, 6)), jax.random.normal(jax.random.key(3), (7, 5)), jax.random.normal(jax.random.key(4), (7, 3))]",
    ts: (rngs: nnx.Rngs) => {
      const m = new hk.MultiHeadAttention([6, 5, 3], 3, 2, { wInitScale: 2, valueSize: 4, modelSize: 8, withBias: false, rngs });
      return { m, forward: (q: tf.Tensor, k: tf.Tensor, v: tf.Tensor) => m.call(q, k, v) };
    },
  },
  {
    name: "causal mask broadcast over heads, b_init drawing keys, two leading axes",
    py: "lambda q, mask: hk.MultiHeadAttention(2, 4, w_init=hk.initializers.RandomNormal(0.3), b_init=hk.initializers.RandomNormal())(q, q, q, mask)",
    inputs: "[jax.random.normal(jax.random.key(5), (2, 3, 5, 6)), jnp.broadcast_to(jnp.tril(jnp.ones((5, 5), bool)), (2, 3, 1, 5, 5))]",
    ts: (rngs: nnx.Rngs) => {
      const m = new hk.MultiHeadAttention(6, 2, 4, { wInit: hk.initializers.RandomNormal(0.3), bInit: hk.initializers.RandomNormal(), rngs });
      return { m, forward: (q: tf.Tensor, mask: tf.Tensor) => m.call(q, q, q, mask) };
    },
  },
];

describe("hk.MultiHeadAttention", () => {
  let refs: HkReference[];
  beforeAll(() => {
    refs = hkReference<HkReference[]>(`
cases = [${CASES.map((c) => `(${c.py}, lambda: ${c.inputs})`).join(",\n  ")}]
emit([reference(f, xs(), seed=70 + i) for i, (f, xs) in enumerate(cases)])
`);
  });
  CASES.forEach((c, i) => {
    it(`${c.name}: init bit-exact (query, key, value, linear), output, gradients, memory`, () => {
      const ref = refs[i];
      const { m, forward } = c.ts(hk.haikuRngs(70 + i));
      expectSameTree(m, nnx.Param, ref.params);
      const xs = ref.inputs.map(decodeNest) as tf.Tensor[];
      const run = forward as (...a: tf.Tensor[]) => tf.Tensor;
      expectClose(run(...xs), ref.out as never, "out");
      expectGradsClose(m, run, ref);
      expectNoLeak(() => run(...xs));
    });
  });
});
