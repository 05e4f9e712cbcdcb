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
});
