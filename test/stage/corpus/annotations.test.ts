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

const STACKS = `from typing import Any, Sequence
import flax.linen as nn


class Stack(nn.Module):
  width: int
  depth: Sequence[int]

  @nn.compact
  def __call__(self, x):
    for i in range(self.depth - 1):
      x = nn.relu(nn.Dense(self.width, name=f'hidden{i}')(x))
    return nn.Dense(self.width, name='last')(x)


class Net(nn.Module):
  stages: Any
  head: Any

  @nn.compact
  def __call__(self, x):
    for i, d in enumerate(self.stages['depths']):
      x = Stack(4 * (i + 1), depth=d, name=f'stack{i}')(x)
    return Head(name='head', **self.head)(x)


class Head(nn.Module):
  hidden: int
  out: int

  @nn.compact
  def __call__(self, x):
    return nn.Dense(self.out)(nn.tanh(nn.Dense(self.hidden)(x)))
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

  it("types a Sequence[int] field the class uses in range() as a number, on its own and given an int read from a dict config", async () => {
    // No user: the use (range) decides; the file translates on its own.
    const own = await translateText("stacks.py", STACKS);
    // Only Net's `**self.head` stays unsupported there: no user says which keys the untyped field has.
    expect(errors(own.diagnostics.items).map((d) => (d as { code?: string; message?: string }).code + " " + (d as { message?: string }).message)).toEqual(["NNX201 unsupported construct: '**' of a any value"]);
    expect(own.code).toMatch(/StackOptions \{[^}]*depth: number;/);
    const e = entry("Net(stages=dict(depths=(3, 1)), head=dict(hidden=6, out=3))", ["x=float32[2,5]"]);
    const t = await translateText("stacks.py", STACKS, e);
    expect(errors(t.diagnostics.items)).toEqual([]);
    expect(t.code).toContain("for (let i = 0; i < this.depth - 1; i++) {");
    const r = await verifyText("stacks.py", STACKS, e);
    expect(errors(r.diagnostics)).toEqual([]);
    expect(r.ok).toBe(true);
  });
});

