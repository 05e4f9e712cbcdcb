// A model's other method, compared on fresh inputs sampled like the entry's:
// integer inputs keep the range the entry gave them (lengths >= 1 stay >= 1),
// so a masked softmax over a sequence's valid steps stays finite.
import { describe, expect, it } from "vitest";
import { entry, verifyText } from "../../helpers/verify-text.js";

const errors = (ds: Array<{ severity: string }>) => ds.filter((d) => d.severity === "error");

const POOLED = `import jax
import jax.numpy as jnp
import flax.linen as nn


class Pool(nn.Module):
  def setup(self):
    self.score = nn.Dense(1)
    self.out = nn.Dense(3)

  def pool(self, xs, lengths):
    mask = jnp.arange(xs.shape[1])[None] < lengths[:, None]
    s = jnp.where(mask, self.score(xs)[..., 0], -jnp.inf)
    w = jax.nn.softmax(s, axis=-1)
    return self.out(jnp.einsum('bt,btf->bf', w, xs))

  def __call__(self, xs, lengths):
    return self.pool(jnp.tanh(xs), lengths)
`;

describe("another method's inputs", () => {
  it("keep the entry's integer range (no empty sequence where the entry has none)", async () => {
    const r = await verifyText("pooled.py", POOLED, entry("Pool()", ["xs=float32[16,2,4]", "lengths=int32[16]>=1<3"]));
    expect(errors(r.diagnostics)).toEqual([]);
    expect(r.checks.some((c) => c.name.includes("pool()"))).toBe(true);
    expect(r.checks.filter((c) => !c.ok).map((c) => c.name)).toEqual([]);
    expect(r.ok).toBe(true);
  });
});
