// Sizes set under a branch of the constructor and read after it (`if cfg is not
// None: ... stages ...` then a layer sized by what came out), where a child's
// loop has the same loop variable as its parent's (`for i ...` in both): the
// child's `i` is not the parent's, a size a child's loop sets is its only when
// the loop runs, and a Python local assigned inside the branch is the one read
// after it (not a block-scoped copy). Verified against live Flax.
import { describe, expect, it } from "vitest";
import { entry, translateText, verifyText } from "../../helpers/verify-text.js";

const errors = (ds: Array<{ severity: string }>) => ds.filter((d) => d.severity === "error");

const FILE = `from typing import Any, Optional
import flax.linen as nn


class Stage(nn.Module):
  depth: int
  nout: int

  @nn.compact
  def __call__(self, x):
    x = nn.Dense(self.nout)(x)
    for i in range(1, self.depth):
      x = nn.Dense(self.nout * 2, name=f'unit{i}')(x)
    return x


class Net(nn.Module):
  cfg: Optional[Any] = None

  @nn.compact
  def __call__(self, x):
    if self.cfg is not None:
      w = int(8 * self.cfg['scale'])
      x = nn.Dense(w)(x)
      if self.cfg['depths']:
        x = Stage(self.cfg['depths'][0], w)(x)
        for i, d in enumerate(self.cfg['depths'][1:], 1):
          x = Stage(d, w * 2 ** i)(x)
    return nn.Dense(3)(x)
`;

// A size unpacked from a shape (`h, w, c = f.shape[-3], ...`) in a function called under one
// arm of a config string's choice, read by the layer after the choice.
const POOLS = `from typing import Sequence
import flax.linen as nn
import jax
import jax.numpy as jnp


def corners(fmap):
    h, w, c = fmap.shape[-3], fmap.shape[-2], fmap.shape[-1]
    flat = fmap.reshape(fmap.shape[:-3] + (h * w, c))
    return jnp.concatenate([flat[..., 0, :], flat[..., -1, :]], axis=-1)


class Tower(nn.Module):
    filters: Sequence[int]

    @nn.compact
    def __call__(self, x):
        for f in self.filters:
            x = nn.relu(nn.Conv(f, kernel_size=(3, 3))(x))
        return x


class Pool(nn.Module):
    pool: str = 'avg'
    filters: Sequence[int] = (4, 5)

    @nn.compact
    def __call__(self, x):
        h = Tower(filters=self.filters)(x)
        if self.pool == 'avg':
            h = jnp.mean(h, axis=(-3, -2))
        elif self.pool == 'corners':
            h = corners(h)
        return nn.Dense(3)(h)
`;

describe("sizes set under a constructor branch, through children with loops", () => {
  it("verifies for stages of one unit (the child's loop does not run) and of several", async () => {
    for (const depths of ["(1, 2)", "(2, 1, 3)"]) {
      const e = entry(`Net(cfg=dict(scale=0.5, depths=${depths}))`, ["x=float32[2,5]"]);
      const r = await verifyText("branch_sizes.py", FILE, e);
      expect(errors(r.diagnostics)).toEqual([]);
      expect(r.ok).toBe(true);
    }
    const t = await translateText("branch_sizes.py", FILE, entry("Net(cfg=dict(scale=0.5, depths=(1, 2)))", ["x=float32[2,5]"]));
    // The child's output size is its loop's only if the loop runs, and reads the parent's `i`, not the child's.
    expect(t.code).toContain("xFeatures = d > 1 ? w * 2 ** i * 2 : w * 2 ** i;");
    expect(t.code).toContain("let xFeatures!: number;");
    expect(t.code).toContain("xFeatures = cfg.depths[0] > 1 ? w * 2 : w;");
  }, 120_000);

  it("a size unpacked from a shape under one arm of a config choice: a number local of the constructor, verifies for each arm", async () => {
    for (const pool of ["avg", "corners"]) {
      const r = await verifyText("pools.py", POOLS, entry(`Pool(pool='${pool}')`, ["x=float32[2,5,6,3]"]));
      expect(errors(r.diagnostics)).toEqual([]);
      expect(r.ok).toBe(true);
    }
    const t = await translateText("pools.py", POOLS, entry("Pool()", ["x=float32[2,5,6,3]"]));
    expect(t.code).toContain("let c!: number;");
  }, 120_000);
});
