// The rest of a real file: a module with an unsupported construct fails alone
// (with the modules that use it), every other module is still emitted, and
// the file's other code (data, training, main) is left out with one warning each.
import { describe, expect, it } from "vitest";
import { entry, translateText, verifyText } from "../../helpers/verify-text.js";

const FILE = `import flax.linen as nn
import jax
import jax.numpy as jnp
import optax
from absl import logging


def load_batches(n):
  import numpy as np
  return [np.ones((2, 4)) for _ in range(n)]


class Good(nn.Module):
  features: int = 4

  @nn.compact
  def __call__(self, x):
    return nn.Dense(self.features)(x)


class Bad(nn.Module):
  @nn.compact
  def __call__(self, x):
    while x.sum() > 0:
      x = x - 1
    return x


class UsesBad(nn.Module):
  @nn.compact
  def __call__(self, x):
    return Bad()(Good()(x))


def train_step(params, x):
  loss = lambda p: jnp.mean(Good().apply(p, x) ** 2)
  grads = jax.grad(loss)(params)
  return optax.sgd(0.1).update(grads, None)


def main():
  logging.info("training")
  for batch in load_batches(3):
    print(train_step(None, batch))


if __name__ == "__main__":
  main()
`;

describe("a real file's other code", () => {
  it("fails only the module with an unsupported construct and what uses it; leaves the rest out with one warning each", async () => {
    const t = await translateText("train.py", FILE, entry("Good()", ["x=float32[2,3]"]));
    expect([...t.failed.keys()].sort()).toEqual(["Bad", "UsesBad"]);
    expect(t.code).toContain("export class Good extends nnx.Module");
    expect(t.code).not.toContain("class Bad");
    const errors = t.diagnostics.items.filter((d) => d.severity === "error").map((d) => `${d.code} ${d.span?.line}:${d.span?.column}`);
    expect(errors).toEqual(["NNX201 24:5", "NNX201 32:12"]);
    const leftOut = t.diagnostics.items.filter((d) => d.code === "NNX210").map((d) => d.message);
    expect(leftOut).toEqual([
      "left out: the function 'load_batches' (not model code: no translated module runs it)",
      "left out: the function 'train_step' (training code)",
      "left out: the function 'main' (the program's main())",
      "left out: the script's `if __name__ == '__main__':` block",
    ]);
    expect(t.diagnostics.items.some((d) => /^NNX4/.test(d.code))).toBe(false);
    // The entry's module verifies though the file has a broken one.
    const r = await verifyText("train.py", FILE, entry("Good()", ["x=float32[2,3]"]));
    expect(r.ok).toBe(true);
    expect(r.notes.join(" ")).toContain("not translated (the entry does not use them): Bad, UsesBad");
  }, 120_000);
});
