// A variable made under a condition on config (`if self.use_bias: self.param(...)`)
// is `T | null`, null when the condition is false, read where the source reads it.
import { describe, expect, it } from "vitest";
import { entry, translateText, verifyText } from "../../helpers/verify-text.js";

const errors = (ds: Array<{ severity: string }>) => ds.filter((d) => d.severity === "error");

const TEXT = `import flax.linen as nn
import jax
import jax.numpy as jnp


class ScaledDense(nn.Module):
    features: int
    use_bias: bool = True

    @nn.compact
    def __call__(self, x):
        kernel = self.param("kernel", nn.initializers.lecun_normal(), (x.shape[-1], self.features))
        y = jnp.matmul(x, kernel)
        if self.use_bias:
            bias = self.param("bias", nn.initializers.normal(0.1), (self.features,))
            y = y + bias
        return y


model = ScaledDense(3)
params = model.init(jax.random.key(0), jnp.ones((2, 4)))
`;

describe("a variable made under a condition on config", () => {
  it("is optional, and verifies with the condition true and false", async () => {
    const t = await translateText("cond.py", TEXT);
    expect(errors(t.diagnostics.items)).toEqual([]);
    expect(t.code).toContain("readonly bias: nnx.Param | null;");
    expect(t.code).toContain("this.bias!.value");
    const on = await verifyText("cond.py", TEXT);
    expect(on.ok, JSON.stringify(on.checks.filter((c) => !c.ok)).slice(0, 1500)).toBe(true);
    const off = await verifyText("cond.py", TEXT, entry("ScaledDense(3, use_bias=False)", ["x=float32[2,4]"]));
    expect(off.ok, JSON.stringify(off.checks.filter((c) => !c.ok)).slice(0, 1500)).toBe(true);
  }, 180_000);
});

describe("a local set under a condition and read after it under the same condition", () => {
  it("is declared `let bias!:` (Python raises when it is unset), and verifies with the condition true and false", async () => {
    const text = TEXT.replace(
      "            y = y + bias\n",
      "        if self.use_bias:\n            y = y + bias\n",
    );
    expect(text).toContain("        if self.use_bias:\n            y = y + bias");
    const t = await translateText("cond2.py", text);
    expect(errors(t.diagnostics.items)).toEqual([]);
    expect(t.code).toContain("let bias!: nnx.Array;");
    const on = await verifyText("cond2.py", text);
    expect(on.ok, JSON.stringify(on.checks.filter((c) => !c.ok)).slice(0, 1500)).toBe(true);
    const off = await verifyText("cond2.py", text, entry("ScaledDense(3, use_bias=False)", ["x=float32[2,4]"]));
    expect(off.ok, JSON.stringify(off.checks.filter((c) => !c.ok)).slice(0, 1500)).toBe(true);
  }, 180_000);
});

describe("a size field that defaults to None", () => {
  it("given by its user, it reaches the layer as Python passes it (Haiku); it verifies", async () => {
    const text = `from typing import Optional
import haiku as hk
import jax
import jax.numpy as jnp


class Block(hk.Module):
    def __init__(self, features: Optional[int] = None, name=None):
        super().__init__(name=name)
        self.features = features

    def __call__(self, x):
        return jax.nn.relu(hk.Linear(self.features)(x))


def forward(x):
    return hk.Linear(2)(Block(6)(x))


model = hk.transform(forward)
params = model.init(jax.random.key(0), jnp.ones((3, 4)))
`;
    const t = await translateText("opt.py", text);
    expect(errors(t.diagnostics.items)).toEqual([]);
    expect(t.code).toContain("features?: number | null;");
    const r = await verifyText("opt.py", text);
    expect(r.ok, JSON.stringify(r.checks.filter((c) => !c.ok)).slice(0, 1500)).toBe(true);
  }, 120_000);
});
