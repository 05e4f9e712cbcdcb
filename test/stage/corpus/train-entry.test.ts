// An entry that asks for train mode (`--kwarg deterministic=False --rng dropout`),
// as a real file's training entry does: the reference records the main call in
// eval mode and the train-mode call apart, and both are compared (dropout in the
// module and in a child, each drawing its source key).
import { describe, expect, it } from "vitest";
import { entry, verifyText } from "../../helpers/verify-text.js";

const errors = (ds: Array<{ severity: string }>) => ds.filter((d) => d.severity === "error");

const BLOCK = `import flax.linen as nn


class Mlp(nn.Module):
  rate: float = 0.1

  @nn.compact
  def __call__(self, x, *, deterministic):
    x = nn.Dense(8)(x)
    x = nn.Dropout(rate=self.rate)(x, deterministic=deterministic)
    return nn.Dense(4)(x)


class Block(nn.Module):
  rate: float = 0.1

  @nn.compact
  def __call__(self, inputs, *, deterministic):
    x = nn.LayerNorm()(inputs)
    x = nn.Dropout(rate=self.rate)(x, deterministic=deterministic)
    x = x + inputs
    return Mlp(rate=self.rate)(x, deterministic=deterministic)
`;

describe("an entry in train mode", () => {
  it("verifies eval and train mode when the entry gives deterministic=False", async () => {
    const r = await verifyText("block.py", BLOCK, entry("Block()", ["inputs=float32[2,5,4]"], { kwargs: { deterministic: "False" }, rngs: ["dropout"] }));
    expect(errors(r.diagnostics)).toEqual([]);
    expect(r.ok).toBe(true);
    expect(r.checks.some((c) => c.name === "output (train mode)")).toBe(true);
    expect(r.checks.some((c) => c.name === "output (eval mode)")).toBe(true);
  });
});
