// jax.lax's functions and jax.random's samplers in module code, translated:
// keys are split and folded as JAX does, samples are bit-exact, and the
// lax slicing/dot_general/select family verifies against live Flax.
import { describe, expect, it } from "vitest";
import { codeOf, verified } from "./verified.js";

const LAX_RANDOM = `import jax
import jax.numpy as jnp
from jax import lax
import flax.linen as nn


class LaxRandom(nn.Module):
    @nn.compact
    def __call__(self, x):
        # x: [B, T, D]
        h = nn.Dense(6)(x)
        sg = lax.stop_gradient(h)
        r = lax.rsqrt(jnp.abs(h) + 1.0)
        ds = lax.dynamic_slice(h, (0, 1, 2), (2, 3, 4))
        dsi = lax.dynamic_slice_in_dim(h, 2, 2, axis=1)
        du = lax.dynamic_update_slice(h, jnp.zeros((2, 1, 6)), (0, 1, 0))
        sl = lax.slice(h, (0, 0, 1), (2, 4, 6), (1, 2, 2))
        dg = lax.dot_general(h, h, (((2,), (2,)), ((0,), (0,))))
        cl = lax.clamp(-0.5, h, 0.5)
        se = lax.select(h > 0, h, -h)
        er = lax.erf(h) + lax.logistic(h) + lax.square(h) + lax.integer_pow(h, 3)
        cv = lax.convert_element_type(h > 0, jnp.float32)
        bi = lax.broadcast_in_dim(h[:, 0], (2, 3, 6), (0, 2))
        key = jax.random.key(3)
        k1, k2 = jax.random.split(key)
        k3 = jax.random.fold_in(key, 7)
        n = jax.random.normal(k1, (2, 6))
        u = jax.random.uniform(k2, (2, 6), minval=-1.0, maxval=2.0)
        tn = jax.random.truncated_normal(k3, -2.0, 2.0, (2, 6))
        be = jax.random.bernoulli(k1, 0.3, (2, 6))
        ca = jax.random.categorical(k2, h[:, 0])
        gu = jax.random.gumbel(k3, (6,))
        pe = jax.random.permutation(k1, 6)
        y = nn.Dense(3)(sg + r + ds.sum() + dsi.mean() + du + sl.max() + dg.sum(-1, keepdims=True) + cl + se + er + cv + bi.mean(1, keepdims=True))
        return y, n * h[:, 0] + u + tn + be + gu, ca, pe


model = LaxRandom()
params = model.init(jax.random.key(0), jnp.ones((2, 4, 5)))
`;

describe("jax.lax and jax.random", () => {
  it("verifies stop_gradient, rsqrt, dynamic_slice, dynamic_update_slice, slice, dot_general, clamp, select, erf, broadcast_in_dim and every sampler", async () => {
    await verified("laxrand.py", LAX_RANDOM, 8);
  }, 180_000);

  it("binds keys to locals and passes samplers' options as the runtime takes them", async () => {
    const code = await codeOf("laxrand.py", LAX_RANDOM);
    expect(code).toContain("const [k1, k2] = random.split(key, 2);");
    expect(code).toContain("random.uniform(k2, [2, 6], { minval: -1, maxval: 2 })");
    expect(code).toContain("random.truncatedNormal(k3, -2, 2, [2, 6])");
    expect(code).toContain("lax.dynamicSlice(h, [0, 1, 2], [2, 3, 4])");
  }, 120_000);
});
