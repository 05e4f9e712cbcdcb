// An entry applied through another method than __call__ (Linen's
// `apply(..., method='decode')`): Linen builds only what that method uses, so
// the translation builds from the method's own inputs what it uses, and what
// only the other methods use only when their inputs' sizes are given (their
// options optional, those members nullable). Verified against live Flax.
import { describe, expect, it } from "vitest";
import { entry, translateText, verifyText } from "../../helpers/verify-text.js";

const errors = (ds: Array<{ severity: string }>) => ds.filter((d) => d.severity === "error");

const FILE = `import flax.linen as nn
import jax.numpy as jnp


class AutoEncoder(nn.Module):
  code: int = 3

  def setup(self):
    self.enc = nn.Dense(self.code)
    self.hidden = nn.Dense(6)
    self.out = nn.Dense(5)
    self.scale = self.param('scale', nn.initializers.ones, (5,))

  def __call__(self, x):
    return self.decode(nn.relu(self.enc(x)))

  def decode(self, z):
    return jnp.tanh(self.out(nn.relu(self.hidden(z)))) * self.scale
`;

describe("an entry applied through another method", () => {
  it("builds only what the method uses from its inputs; the whole model when __call__ is the entry", async () => {
    const e = entry("AutoEncoder(code=3)", ["z=float32[2,3]"], { method: "decode" });
    const r = await verifyText("autoencoder.py", FILE, e);
    expect(errors(r.diagnostics)).toEqual([]);
    expect(r.ok).toBe(true);
    const t = await translateText("autoencoder.py", FILE, e);
    expect(t.code).toContain("inFeatures?: number;");
    expect(t.code).toContain("readonly enc: nnx.Linear | null;");
    expect(t.code).toContain("if (inFeatures !== undefined) {");
    expect(t.code).toContain("return new AutoEncoder({ code: 3, zFeatures: 3, rngs });");
    expect(t.paramMap!.params.map((p) => p.source).sort()).toEqual(["params/hidden/bias", "params/hidden/kernel", "params/out/bias", "params/out/kernel", "params/scale"]);
    const whole = await verifyText("autoencoder.py", FILE, entry("AutoEncoder(code=3)", ["x=float32[2,7]"]));
    expect(errors(whole.diagnostics)).toEqual([]);
    expect(whole.ok).toBe(true);
  }, 120_000);

  // Only the entry's class builds so: a child its parent first calls through another method
  // (a carry's initializer before the step) is built with the sizes of its later __call__.
  it("builds a child first called through another method with its __call__'s input sizes", async () => {
    const r = await verifyText("first-other-method.py", CHILD_FIRST, entry("Model()", ["x=float32[2,5]"]));
    expect(errors(r.diagnostics)).toEqual([]);
    expect(r.ok).toBe(true);
  }, 120_000);
});

const CHILD_FIRST = `import flax.linen as nn
import jax.numpy as jnp


class Step(nn.Module):
  features: int

  def start(self, shape):
    return jnp.zeros(shape[:-1] + (self.features,))

  @nn.compact
  def __call__(self, h, x):
    return jnp.tanh(h + nn.Dense(self.features)(x))


class Model(nn.Module):
  def setup(self):
    self.step = Step(4)

  def __call__(self, x):
    h = self.step.start(x.shape)
    return self.step(h, x)
`;
