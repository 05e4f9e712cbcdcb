// A child whose train/eval flag its caller fixes (`Block()(x)` with
// `train: bool = False`, `Block()(x, False)`) does not follow the model's
// mode in Python; the translation's modules do (train()/eval()), so the call
// is reported, never translated to a model that drops out where the source
// does not. Passing the caller's own flag on translates and verifies.
import { describe, expect, it } from "vitest";
import { translateText, verifyText } from "../../helpers/verify-text.js";

const TEXT = `import jax
import jax.numpy as jnp
import flax.linen as nn


class Block(nn.Module):
    @nn.compact
    def __call__(self, x, train: bool = False):
        x = nn.Dense(8)(x)
        return nn.Dropout(0.5, deterministic=not train)(x)


class Net(nn.Module):
    @nn.compact
    def __call__(self, x, train: bool = True):
        x = Block()(x, train=train)
        x = nn.Dropout(0.1, deterministic=not train)(x)
        y = Block()(x, not train)
        return nn.Dense(2)(x + y)


model = Net()
x = jnp.ones((2, 4))
params = model.init({"params": jax.random.PRNGKey(0), "dropout": jax.random.PRNGKey(1)}, x)
`;

const messages = (ds: Array<{ severity: string; code: string; message: string; span?: { line: number } }>) =>
  ds.filter((d) => d.severity === "error").map((d) => `${d.span?.line}:${d.code} ${d.message}`);

describe("a child's train/eval flag", () => {
  it("passed on from the caller: translates and verifies in both modes", async () => {
    const ok = TEXT.replace("y = Block()(x, not train)", "y = Block()(x, train)");
    const r = await verifyText("child_mode.py", ok);
    expect(r.ok, JSON.stringify(r.checks.filter((c) => !c.ok)).slice(0, 1500)).toBe(true);
    expect(r.checks.some((c) => /train mode/.test(c.name ?? ""))).toBe(true);
  }, 180_000);

  it("fixed at the call, by its default, or inverted: NNX201 at the call", async () => {
    for (const [call, what] of [
      ["Block()(x)", "its default False"],
      ["Block()(x, False)", "False"],
      ["Block()(x, not train)", "'train' fixed to"],
    ] as const) {
      const text = TEXT.replace("y = Block()(x, not train)", `y = ${call}`);
      const t = await translateText("child_mode.py", text);
      const errs = messages(t.diagnostics.items);
      expect(errs.length, call).toBe(1);
      expect(errs[0]).toContain("18:NNX201");
      expect(errs[0]).toContain(what);
    }
  }, 180_000);
});
