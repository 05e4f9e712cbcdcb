// Batch statistics over a named axis (`nn.BatchNorm(axis_name='batch')`), as
// data-parallel training code writes them: the translation runs on one device, and the reference runs the original
// with the axis bound to one device (as pmap on one device does), so train mode
// is compared too.
import { describe, expect, it } from "vitest";
import { entry, verifyText } from "../../helpers/verify-text.js";

const errors = (ds: Array<{ severity: string }>) => ds.filter((d) => d.severity === "error");

const LINEN = `from functools import partial
import flax.linen as nn
import jax.numpy as jnp


class Net(nn.Module):
  features: int = 6

  @nn.compact
  def __call__(self, x, train: bool = True):
    norm = partial(nn.BatchNorm, use_running_average=not train, momentum=0.9, epsilon=1e-5, axis_name='batch')
    x = nn.Conv(self.features, (3, 3))(x)
    x = norm(name='bn')(x)
    x = nn.relu(x)
    x = jnp.mean(x, axis=(1, 2))
    return nn.Dense(3)(x)
`;


describe("batch statistics over a named axis", () => {
  it("verifies a Linen BatchNorm with axis_name in eval and train mode", async () => {
    const r = await verifyText("bn_axis.py", LINEN, entry("Net()", ["x=float32[4,6,6,3]"], { kwargs: { train: "False" } }));
    expect(errors(r.diagnostics)).toEqual([]);
    expect(r.ok).toBe(true);
    expect(r.checks.some((c) => c.name.includes("train"))).toBe(true);
  });
});
