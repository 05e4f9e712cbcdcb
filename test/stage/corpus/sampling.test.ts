// Sampling in a model's own code, as a VAE's decoder does: hk.next_rng_key()
// and hk.dropout drawn in a forward pass without a train/eval flag (the
// reference's apply key is used in eval mode too), and jax.random.bernoulli with an array of
// probabilities (`bernoulli(key, p)`: p's shape) next to a fixed one with a shape.
import { describe, expect, it } from "vitest";
import { entry, translateText, verifyText } from "../../helpers/verify-text.js";

const errors = (ds: Array<{ severity: string }>) => ds.filter((d) => d.severity === "error");

const SAMPLER = `import haiku as hk
import jax
import jax.numpy as jnp


class Sampler(hk.Module):
  def __call__(self, x):
    h = hk.Linear(6)(x)
    h = hk.dropout(hk.next_rng_key(), 0.25, h)
    z = h + jax.random.normal(hk.next_rng_key(), h.shape)
    p = jax.nn.sigmoid(hk.Linear(4)(z))
    sample = jax.random.bernoulli(hk.next_rng_key(), p)
    coins = jax.random.bernoulli(hk.next_rng_key(), 0.3, (2, 3))
    return sample.astype(jnp.float32) * p, coins
`;

describe("sampling in the forward pass", () => {
  it("verifies hk.next_rng_key draws and bernoulli with an array p", async () => {
    const e = entry("Sampler()", ["x=float32[3,5]"]);
    const t = await translateText("sampler.py", SAMPLER, e);
    expect(errors(t.diagnostics.items)).toEqual([]);
    expect(t.code).toMatch(/random\.bernoulli\(this\.\w+\(\), p\)/);
    const r = await verifyText("sampler.py", SAMPLER, e);
    expect(errors(r.diagnostics)).toEqual([]);
    expect(r.ok).toBe(true);
  });
});
