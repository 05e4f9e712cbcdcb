// A Python number set as a variable's value (`hk.set_state("count", 5)`) is an
// array of the variable's dtype, as JAX holds it: it type-checks and verifies.
import { describe, expect, it } from "vitest";
import { translateText, verifyText } from "../../helpers/verify-text.js";

const TEXT = `import haiku as hk
import jax
import jax.numpy as jnp


def forward(x):
    counter = hk.get_state("counter", shape=[], dtype=jnp.int32, init=jnp.ones)
    scale = hk.get_state("scale", shape=[], dtype=jnp.float32, init=jnp.ones)
    multiplier = hk.get_parameter("multiplier", shape=[1], dtype=x.dtype, init=jnp.ones)
    output = x + multiplier * counter * scale
    hk.set_state("counter", 5)
    hk.set_state("scale", 0.5)
    return output


model = hk.transform_with_state(forward)
params, state = model.init(jax.random.key(0), jnp.ones((2, 8)))
`;

describe("a Python number set as state", () => {
  it("is written as an array of the variable's dtype, and verifies", async () => {
    const t = await translateText("set_state.py", TEXT);
    expect(t.diagnostics.items.filter((d) => d.severity === "error")).toEqual([]);
    expect(t.code).toContain('jnp.asarray(5, "int32")');
    expect(t.code).toContain('jnp.asarray(0.5, "float32")');
    const r = await verifyText("set_state.py", TEXT);
    expect(r.ok, JSON.stringify(r.checks.filter((c) => !c.ok)).slice(0, 1500)).toBe(true);
    expect(r.checks.some((c) => c.name.includes("counter"))).toBe(true);
  }, 180_000);

  it("read, then set, then read again (JAX's old value stays): verifies", async () => {
    const text = `import haiku as hk
import jax
import jax.numpy as jnp


def forward(x):
    count = hk.get_state("count", [], jnp.float32, init=jnp.zeros)
    hk.set_state("count", count + 1)
    y = hk.Linear(4)(x)
    return y * count + y


f = hk.transform_with_state(forward)
params, state = f.init(jax.random.PRNGKey(0), jnp.ones((2, 3)))
`;
    const r = await verifyText("count.py", text);
    expect(r.ok, JSON.stringify(r.checks.filter((c) => !c.ok)).slice(0, 1500)).toBe(true);
    expect(r.checks.some((c) => c.name.includes("count"))).toBe(true);
  }, 180_000);
});
