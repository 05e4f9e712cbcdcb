// A module chosen in a branch on a config value (`norm = nn.LayerNorm if c else nn.RMSNorm`,
// `if kind == 'a': m = A(...) else: m = B(...)`): the branch goes on with the rest of the
// block in each arm, every source construction built into one member, and verifies.
import { describe, expect, it } from "vitest";
import { entry, translateText, verifyText } from "../../helpers/verify-text.js";

const errors = (ds: Array<{ severity: string }>) => ds.filter((d) => d.severity === "error");

const LINEN = `
from typing import Literal

import flax.linen as nn
import jax.numpy as jnp


class Scale(nn.Module):
    size: int

    @nn.compact
    def __call__(self):
        return self.param('scale', nn.initializers.ones, (self.size,))


class LogShift(nn.Module):
    size: int
    start: float = 0.5

    @nn.compact
    def __call__(self):
        v = self.param('log_shift', lambda key: jnp.full((self.size,), jnp.log(self.start)))
        return jnp.exp(v)


class Head(nn.Module):
    features: int
    kind: Literal['scale', 'log'] = 'scale'
    norm: bool = True

    @nn.compact
    def __call__(self, x):
        y = nn.Dense(self.features)(x)
        norm = nn.LayerNorm if self.norm else nn.RMSNorm
        y = norm()(y)
        if self.kind == 'scale':
            extra = Scale(self.features, name='extra_scale')
        elif self.kind == 'log':
            extra = LogShift(self.features, name='extra_shift')
        else:
            raise ValueError(f'unknown kind {self.kind}')
        offset = self.param('offset', nn.initializers.normal(0.1), (self.features,))
        return y * extra() + offset, y
`;

const HAIKU = `
import haiku as hk
import jax
import jax.numpy as jnp


class Head(hk.Module):
    def __init__(self, features, gated=False, name=None):
        super().__init__(name=name)
        self.features = features
        self.gated = gated

    def __call__(self, x):
        if self.gated:
            proj = hk.Linear(2 * self.features, name='gate_proj')
        else:
            proj = hk.Linear(self.features, name='proj')
        h = proj(x)
        if self.gated:
            a, b = jnp.split(h, 2, axis=-1)
            h = a * jax.nn.sigmoid(b)
        return hk.Linear(3)(h)


def gated(x):
    return Head(5, gated=True)(x)


def plain(x):
    return Head(5)(x)
`;

describe("a module chosen in a branch", () => {
  for (const expr of ["Head(features=4)", "Head(features=4, kind='log')", "Head(features=4, norm=False)", "Head(features=4, kind='log', norm=False)"]) {
    it(`Linen: ${expr} verifies`, async () => {
      const r = await verifyText("head.py", LINEN, entry(expr, ["x=float32[2,3]"]));
      expect(errors(r.diagnostics ?? [])).toEqual([]);
      expect(r.checks.length).toBeGreaterThan(0);
      expect(r.ok).toBe(true);
    }, 120_000);
  }

  it("Linen: each construction is one member, made in whichever branch runs", async () => {
    const t = await translateText("head.py", LINEN, entry("Head(features=4)", ["x=float32[2,3]"]));
    expect(errors(t.diagnostics.items)).toEqual([]);
    expect(t.code).toContain("readonly extraScale: Scale | null;");
    expect(t.code).toContain("readonly extraShift: LogShift | null;");
    expect(t.code).not.toMatch(/extraScale1|extraShift1|offset1/);
    expect(t.code).toMatch(/if \(norm\) \{/);
    // Literal['scale', 'log'] is a string.
    expect(t.code).toContain("readonly kind: string;");
  }, 120_000);

  for (const fn of ["gated", "plain"]) {
    it(`Haiku: ${fn} verifies`, async () => {
      const r = await verifyText("head.py", HAIKU, entry(fn, ["x=float32[2,4]"]));
      expect(errors(r.diagnostics ?? [])).toEqual([]);
      expect(r.checks.length).toBeGreaterThan(0);
      expect(r.ok).toBe(true);
    }, 120_000);
  }
});
