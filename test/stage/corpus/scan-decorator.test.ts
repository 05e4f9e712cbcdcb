// `@functools.partial(nn.scan, variable_broadcast='params', split_rngs={'params': False},
// in_axes=1, out_axes=1)` on a module's `__call__` (how Flax examples write a
// recurrent layer over time): building the class builds `nn.scan(Cls, ...)`,
// named as the class (Step_0, or its given name). Verified against live Flax;
// another lifted decorator is still reported at its line.
import { describe, expect, it } from "vitest";
import { entry, translateText, verifyText } from "../../helpers/verify-text.js";

const errors = (ds: Array<{ severity: string }>) => ds.filter((d) => d.severity === "error");

const SCANNED = `import functools
import flax.linen as nn
import jax.numpy as jnp


class Step(nn.Module):
  hidden: int

  @functools.partial(nn.transforms.scan, variable_broadcast='params', in_axes=1, out_axes=1, split_rngs={'params': False})
  @nn.compact
  def __call__(self, carry, x):
    return nn.GRUCell(self.hidden)(carry, x)


class Net(nn.Module):
  hidden: int = 8

  @nn.compact
  def __call__(self, xs):
    carry = jnp.zeros((xs.shape[0], self.hidden))
    _, ys = Step(self.hidden)(carry, xs)
    c2, ys2 = Step(self.hidden, name='second')(carry, ys)
    return ys2, c2


class Pair(nn.Module):
  def setup(self):
    self.fwd = Step(6)

  def __call__(self, xs):
    return self.fwd(jnp.ones((xs.shape[0], 6)), xs)
`;

describe("a scanned __call__ (decorator form of nn.scan)", () => {
  it("verifies scanned modules built in a compact method and in setup", async () => {
    for (const e of [entry("Net()", ["xs=float32[2,5,3]"]), entry("Pair()", ["xs=float32[3,4,2]"])]) {
      const r = await verifyText("scanned.py", SCANNED, e);
      expect(errors(r.diagnostics)).toEqual([]);
      expect(r.ok).toBe(true);
    }
    const t = await translateText("scanned.py", SCANNED, entry("Net()", ["xs=float32[2,5,3]"]));
    expect(t.code).toContain("nnx.scan(");
    expect(t.code).toContain("outAxes: [nnx.Carry, 1]");
  });

  it("still reports another lifted decorator at its line", async () => {
    const text = SCANNED.replace("nn.transforms.scan, variable_broadcast='params', in_axes=1, out_axes=1, split_rngs={'params': False}", "nn.vmap, variable_axes={'params': 0}, split_rngs={'params': True}");
    const t = await translateText("vmapped.py", text, entry("Net()", ["xs=float32[2,5,3]"]));
    const errs = errors(t.diagnostics.items);
    expect(errs.some((d) => d.code === "NNX201" && d.span?.line === 9 && d.message.includes("decorator"))).toBe(true);
  });
});
