// A field annotated as a sequence but given (and used) as a number, as real
// files have them (`block_size: Sequence[int]` given 2, read by range(1, n)):
// Python does not check annotations, so the value's type is the field's; and a
// residual unit whose output size comes from a projection under a branch, seen
// from its parent (the child's own locals are not the parent's). Verified
// against live Flax.
import { describe, expect, it } from "vitest";
import { entry, translateText, verifyText } from "../../helpers/verify-text.js";

const errors = (ds: Array<{ severity: string }>) => ds.filter((d) => d.severity === "error");

const STAGE = `from typing import Sequence
import flax.linen as nn


class Unit(nn.Module):
  features: int
  strides: Sequence[int] = (1, 1)

  @nn.compact
  def __call__(self, x):
    needs_proj = x.shape[-1] != self.features * 2 or self.strides != (1, 1)
    residual = x
    if needs_proj:
      residual = nn.Conv(self.features * 2, (1, 1), self.strides, name='proj')(residual)
    y = nn.Conv(self.features, (3, 3), self.strides)(x)
    y = nn.Conv(self.features * 2, (1, 1))(y)
    return nn.relu(residual + y)


class Stage(nn.Module):
  count: Sequence[int]
  features: int

  @nn.compact
  def __call__(self, x):
    x = Unit(self.features, strides=(2, 2), name='unit1')(x)
    for i in range(1, self.count):
      x = Unit(self.features, name=f'unit{i + 1}')(x)
    return nn.Dense(3)(x)
`;

describe("annotations real files contradict", () => {
  it("types a Sequence[int] field given an int as a number, and sizes the parent after a branch in the child", async () => {
    const e = entry("Stage(count=3, features=4)", ["x=float32[2,8,8,5]"]);
    const t = await translateText("stage.py", STAGE, e);
    expect(errors(t.diagnostics.items)).toEqual([]);
    expect(t.code).toMatch(/StageOptions \{[^}]*count: number;/);
    const r = await verifyText("stage.py", STAGE, e);
    expect(errors(r.diagnostics)).toEqual([]);
    expect(r.ok).toBe(true);
  });
});
