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
});
