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

describe("a config class no module uses", () => {
  const file = (uses: boolean) => `import enum
import flax.linen as nn
import jax
import jax.numpy as jnp
from flax import struct


class Mode(enum.IntEnum):
    FAST = 0
    SLOW = 1


@struct.dataclass
class RunState:
    count: int
    mode: int = Mode.FAST


class Net(nn.Module):
    @nn.compact
    def __call__(self, x${uses ? ", state: RunState = None" : ""}):
        return nn.Dense(3)(x)


variables = Net().init(jax.random.key(0), jnp.ones((2, 4)))
`;

  it("is left out with NNX210 when a default of it cannot be translated, and the file still verifies", async () => {
    const t = await translateText("lib.py", file(false));
    const d = t.diagnostics.items.find((x) => x.message.includes("'RunState'"));
    expect(d?.code).toBe("NNX210");
    expect(d?.severity).toBe("warning");
    expect(d?.message).toContain("no module of the file uses it, and the default of RunState.mode cannot be translated");
    expect(t.code).not.toContain("RunState");
    const r = await verifyText("lib.py", file(false));
    expect(r.ok).toBe(true);
  }, 300_000);

  it("still stops at its default (NNX201) when a module uses it", async () => {
    let codes: string[] = [];
    try {
      const t = await translateText("lib.py", file(true));
      codes = t.diagnostics.items.filter((x) => x.severity === "error").map((x) => x.code);
    } catch (e) {
      codes = (e as { diagnostics: Array<{ code: string }> }).diagnostics.map((x) => x.code);
    }
    expect(codes).toContain("NNX201");
  }, 300_000);
});
