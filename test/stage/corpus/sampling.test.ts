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

// hk.next_rng_keys(n) takes its keys together (PRNGSequence.take: split(key, n + 1)), which is not n
// next_rng_key() calls; hk.maybe_next_rng_key() with a key given; hk.dropout with a key drawn before.
const KEYS = `import haiku as hk
import jax
import jax.numpy as jnp


class Noisy(hk.Module):
  def __call__(self, x, is_training=True):
    keys = hk.next_rng_keys(3)
    h = jax.nn.gelu(hk.Linear(8)(x))
    h = hk.dropout(keys[0], 0.2, h)
    if is_training:
      k1, k2 = hk.next_rng_keys(2)
      h = hk.dropout(k1, 0.1, h) + 0.01 * jax.random.normal(k2, h.shape)
    key = hk.maybe_next_rng_key()
    if key is not None:
      h = hk.dropout(key, 0.3, h)
    h = h + jax.random.uniform(keys[2], h.shape, minval=-0.1, maxval=0.1)
    return hk.Linear(3)(hk.dropout(keys[1], 0.25, h))


def forward(x, is_training=True):
  return Noisy()(x, is_training)


f = hk.transform(forward)
params = f.init(jax.random.PRNGKey(3), jnp.ones((2, 5)))
`;

// Under hk.without_apply_rng only init has a key: maybe_next_rng_key() draws one there (the next
// Linear's key moves on) and is None in apply, so the dropout is skipped.
const MAYBE = `import haiku as hk
import jax
import jax.numpy as jnp


class Block(hk.Module):
  def __call__(self, x):
    h = hk.Linear(6)(x)
    key = hk.maybe_next_rng_key()
    if key is not None:
      h = hk.dropout(key, 0.5, h)
    return hk.Linear(2)(jax.nn.relu(h))


f = hk.without_apply_rng(hk.transform(lambda x: Block()(x)))
params = f.init(jax.random.PRNGKey(0), jnp.ones((3, 4)))
`;

describe("several keys at once", () => {
  it("hk.next_rng_keys (unpacked, indexed, under a train flag) and hk.maybe_next_rng_key (with and without an apply key) replay Haiku's keys", async () => {
    const r = await verifyText("keys.py", KEYS);
    expect(errors(r.diagnostics)).toEqual([]);
    expect(r.code).toContain("const keys = hk.nextRngKeys(this.");
    expect(r.code).toMatch(/const \[k1, k2\] = hk\.nextRngKeys\(this\.\w+, 2\);/);
    expect(r.checks.filter((c) => c.name.startsWith("output")).length).toBe(2);
    expect(r.checks.filter((c) => c.name.startsWith("init")).every((c) => c.maxAbsError === 0)).toBe(true);
    expect(r.ok).toBe(true);
    const m = await verifyText("maybe.py", MAYBE);
    expect(errors(m.diagnostics)).toEqual([]);
    expect(m.code).not.toContain("hk.dropout");
    expect(m.code).toMatch(/draw: 2 \}/);
    expect(m.ok).toBe(true);
  }, 180_000);
});
