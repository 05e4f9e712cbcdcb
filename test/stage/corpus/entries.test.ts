// Constructs real model files use around their modules, each in a small program
// of its own verified against live Flax: variadic tuple annotations
// (`Sequence[Tuple[int, ...]]`), a framework re-export given in the entry
// (`activation=nn.swish`), and an entry argument the constructor cannot know
// (reported at its place, not a silent failure).
import { describe, expect, it } from "vitest";
import { entry, translateText, verifyText } from "../../helpers/verify-text.js";

const errors = (ds: Array<{ severity: string }>) => ds.filter((d) => d.severity === "error");

const CONV_STACK = `from typing import Callable, Sequence, Tuple
import flax.linen as nn
import jax
import jax.numpy as jnp


class ConvStack(nn.Module):
  channels: Sequence[int]
  kernels: Sequence[Tuple[int, ...]]
  strides: Sequence[Tuple[int, ...]]
  act: Callable = nn.relu

  @nn.compact
  def __call__(self, x):
    for c, k, s in zip(self.channels, self.kernels, self.strides):
      x = nn.Conv(c, kernel_size=k, strides=s, padding='SAME')(x)
      x = self.act(x)
    return x.reshape((x.shape[0], -1))


class Head(nn.Module):
  sizes: Sequence[int]
  act: Callable = nn.relu
  norm: bool = False

  @nn.compact
  def __call__(self, x):
    for i, n in enumerate(self.sizes):
      x = nn.Dense(n, name=f'dense_{i}')(x)
      x = self.act(x)
      if self.norm:
        x = nn.LayerNorm()(x)
    return x
`;

describe("entries and annotations of real files", () => {
  it("types Sequence[Tuple[int, ...]] as a list of int lists", async () => {
    const e = entry("ConvStack(channels=(4, 6), kernels=((3, 3), (2, 2)), strides=((1, 1), (2, 2)))", ["x=float32[2,8,8,3]"]);
    const t = await translateText("conv_stack.py", CONV_STACK, e);
    expect(errors(t.diagnostics.items)).toEqual([]);
    expect(t.code).toContain("kernels: number[][];");
    const r = await verifyText("conv_stack.py", CONV_STACK, e);
    expect(errors(r.diagnostics)).toEqual([]);
    expect(r.ok).toBe(true);
  });

  it("takes an activation the entry names through the framework's re-export (nn.swish, nn.gelu)", async () => {
    for (const act of ["nn.swish", "nn.gelu"]) {
      const r = await verifyText("head.py", CONV_STACK, entry(`Head(sizes=(8, 4), act=${act}, norm=True)`, ["x=float32[3,5]"]));
      expect(errors(r.diagnostics)).toEqual([]);
      expect(r.ok).toBe(true);
    }
  });

  it("reports an entry argument the constructor cannot know at the entry, with NNX201", async () => {
    const t = await translateText("head.py", CONV_STACK, entry("Head(sizes=(8, 4), act=jax.device_put)", ["x=float32[3,5]"]));
    const errs = errors(t.diagnostics.items);
    expect(errs.map((d) => [d.code, d.span?.line, d.message])).toEqual([["NNX201", 1, "unsupported construct: the entry's 'act' is 'jax.device_put', which the constructor cannot know"]]);
    expect(t.paramMap).toBeUndefined();
  });
});
