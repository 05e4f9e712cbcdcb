// Sizes a child's loop carries from one iteration to the next (a strided conv's spatial
// size), or takes from a loop target the last item cannot name (`for i, (f, s) in
// enumerate(zip(...))`), seen from the parent's constructor: a fold of the same loop
// (`[...xs].reduce((size, item) => step, init)`), so a layer after a flatten is sized.
import { describe, expect, it } from "vitest";
import { entry, translateText, verifyText } from "../../helpers/verify-text.js";

const errors = (ds: Array<{ severity: string }>) => ds.filter((d) => d.severity === "error");

const FLAT = `from typing import Sequence
import flax.linen as nn
import jax.numpy as jnp


class Tower(nn.Module):
    filters: Sequence[int]
    strides: Sequence[int]

    @nn.compact
    def __call__(self, x):
        for i, (f, s) in enumerate(zip(self.filters, self.strides)):
            x = nn.relu(nn.Conv(f, kernel_size=(3, 3), strides=s, name=f'conv_{i}')(x))
        return x


class Flat(nn.Module):
    filters: Sequence[int] = (4, 5)
    strides: Sequence[int] = (2, 1)
    pool: str = 'flat'

    @nn.compact
    def __call__(self, x):
        h = Tower(self.filters, self.strides)(x)
        if self.pool == 'mean':
            h = h.mean(axis=(1, 2))
        else:
            h = h.reshape(h.shape[0], -1)
        return nn.Dense(3)(h)
`;

// The child's loop halves the size again under a flag its parent gives: seen from the parent,
// the flag's test (the parent's own option) chooses between the two sizes.
const POOLED = `from typing import Sequence
import flax.linen as nn
import jax.numpy as jnp


class Blocks(nn.Module):
    filters: Sequence[int]
    pool: bool = False

    @nn.compact
    def __call__(self, x):
        for f in self.filters:
            x = nn.relu(nn.Conv(f, kernel_size=(3, 3))(x))
            if self.pool:
                x = nn.max_pool(x, window_shape=(2, 2), strides=(2, 2), padding='SAME')
        return x


class Encoder(nn.Module):
    filters: Sequence[int] = (3, 4)
    pool: bool = True

    @nn.compact
    def __call__(self, x):
        h = Blocks(self.filters, pool=self.pool)(x)
        return nn.Dense(2)(h.reshape(h.shape[0], -1))
`;

describe("a child's loop-carried sizes seen from its parent", () => {
  it("a size the child's loop changes under a flag the parent gives: verifies with the flag on and off", async () => {
    for (const expr of ["Encoder()", "Encoder(pool=False)"]) {
      const r = await verifyText("pooled.py", POOLED, entry(expr, ["x=float32[2,9,8,3]"]));
      expect(errors(r.diagnostics)).toEqual([]);
      expect(r.ok).toBe(true);
    }
  }, 180_000);

  it("a strided tower then a flatten or a mean: verifies for either arm and other strides", async () => {
    for (const expr of ["Flat()", "Flat(pool='mean', strides=(3, 2))", "Flat(filters=(2, 3, 4), strides=(1, 2, 2))"]) {
      const r = await verifyText("flat.py", FLAT, entry(expr, ["x=float32[2,7,6,3]"]));
      expect(errors(r.diagnostics)).toEqual([]);
      expect(r.checks.filter((c) => c.kind === "output").length).toBe(1);
      expect(r.ok).toBe(true);
    }
    const t = await translateText("flat.py", FLAT, entry("Flat()", ["x=float32[2,7,6,3]"]));
    expect(t.code).toContain("(xSize1, [i, [f, s]]) => Math.ceil(xSize1 / s)");
    // The loop target never leaks into the parent (its last item, by a fold).
    expect(t.code).toContain("reduce((_size, [i, [f, s]]) => f, xShape.at(-1)!)");
  }, 180_000);
});
