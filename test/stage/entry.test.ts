// A library file (no init call) verifies from an entry given as on the command line.
import { describe, expect, it } from "vitest";
import { entry, verifyText } from "../helpers/verify-text.js";

const MLP = `
import flax.linen as nn

class MLP(nn.Module):
    features: tuple = (8, 4)

    @nn.compact
    def __call__(self, x):
        for i, f in enumerate(self.features):
            x = nn.Dense(f, use_bias=i > 0)(x)
            if i < len(self.features) - 1:
                x = nn.relu(x)
        return x
`;

describe("entry from the command line", () => {
  it("verifies a Linen library file with --entry and --input", async () => {
    const r = await verifyText("mlp.py", MLP, entry("MLP(features=(6, 3))", ["x=float32[2,5]"]));
    expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    expect(r.ok).toBe(true);
    expect(r.checks.length).toBeGreaterThan(2);
  }, 120_000);

  it("verifies a Haiku function whose input the module names differently (the file's own init call)", async () => {
    const py = `
import haiku as hk
import jax
import jax.numpy as jnp

class Tower(hk.Module):
    def __call__(self, x):
        return hk.Linear(3)(jax.nn.relu(hk.Linear(8)(x)))

def forward(images):
    return Tower()(images)

f = hk.transform(forward)
images = jnp.ones((2, 5))
params = f.init(jax.random.PRNGKey(42), images)
`;
    const r = await verifyText("renamed.py", py);
    expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    expect(r.ok).toBe(true);
    expect(r.checks.some((c) => c.kind === "output")).toBe(true);
  }, 120_000);

  it("verifies hk.transform of a lambda (the file's own init call)", async () => {
    const py = `
import haiku as hk
import jax
import jax.numpy as jnp

class Tower(hk.Module):
    def __call__(self, x):
        return hk.Linear(3)(jax.nn.relu(hk.Linear(8)(x)))

f = hk.without_apply_rng(hk.transform(lambda x, y: Tower()(x) + hk.Linear(3, name="side")(y)))
x = jnp.ones((2, 5))
params = f.init(jax.random.PRNGKey(0), x, jnp.ones((2, 4)))
`;
    const r = await verifyText("lambda.py", py);
    expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    expect(r.ok).toBe(true);
    expect(r.checks.filter((c) => c.kind === "init").length).toBe(6);
  }, 120_000);
});
