// jax.random.bernoulli with a probability held in a Linen field (a float the
// translation marks as a Python float): word dropout, as text models write
// it (drop ids to an unknown id with make_rng('dropout')), verified in training;
// the unknown id passes through a field that may be None (`int | None`) into
// one typed `int`, as Python passes it on.
import { describe, expect, it } from "vitest";
import { entry, verifyText } from "../../helpers/verify-text.js";

const errors = (ds: Array<{ severity: string }>) => ds.filter((d) => d.severity === "error");

const WORD_DROP = `import jax
import jax.numpy as jnp
import flax.linen as nn


class DropIds(nn.Module):
  rate: float
  unknown: int = 1

  @nn.compact
  def __call__(self, ids, deterministic: bool = True):
    if deterministic or self.rate == 0.0:
      return ids
    mask = jax.random.bernoulli(self.make_rng('dropout'), p=self.rate, shape=ids.shape)
    return jnp.where(mask, jnp.array([self.unknown]), ids)


class Embedder(nn.Module):
  unknown: int | None = None

  @nn.compact
  def __call__(self, ids, deterministic: bool = True):
    ids = DropIds(0.4, unknown=self.unknown)(ids, deterministic=deterministic)
    return nn.Embed(12, 3)(ids)


class Net(nn.Module):
  unknown: int = 2

  @nn.compact
  def __call__(self, ids, deterministic: bool = True):
    return Embedder(unknown=self.unknown)(ids, deterministic=deterministic)
`;

describe("bernoulli with a field's probability", () => {
  it("verifies in training (drawn) and in eval", async () => {
    for (const train of [false, true]) {
      const e = entry("Net()", ["ids=int32[3,7]<12"], { kwargs: { deterministic: train ? "False" : "True" }, rngs: train ? ["dropout"] : [] });
      const r = await verifyText("drop_ids.py", WORD_DROP, e);
      expect(errors(r.diagnostics)).toEqual([]);
      expect(r.ok).toBe(true);
    }
  });
});
