// Inputs that used to reach an nnxport bug (NNX4xx) or a crash: each now
// translates and verifies against live Flax, or gets NNX201 at its line.
import { describe, expect, it } from "vitest";
import { translateText, verifyText } from "../../helpers/verify-text.js";

const errors = (ds: Array<{ severity: string }>) => ds.filter((d) => d.severity === "error");

describe("generated names never clash with the program's", () => {
  it("a class named like a collection's Variable subclass (class Counter, collection 'counter') verifies", async () => {
    const text = `import flax.linen as nn
import jax
import jax.numpy as jnp


class Counter(nn.Module):
    @nn.compact
    def __call__(self, x):
        scale = self.variable("counter", "scale", lambda: jnp.full((), 2.0))
        return nn.Dense(3)(x) * scale.value


model = Counter()
variables = model.init(jax.random.key(0), jnp.ones((2, 4)))
`;
    const t = await translateText("counter.py", text);
    expect(errors(t.diagnostics.items)).toEqual([]);
    expect(t.code).toContain("export class CounterVariable extends nnx.Variable");
    expect(t.code).toContain("export class Counter extends nnx.Module");
    const r = await verifyText("counter.py", text);
    expect(r.ok, JSON.stringify(r, null, 1).slice(0, 2000)).toBe(true);
  }, 120_000);
});

describe("recursion", () => {
  it("a method that calls itself is NNX201 at the call", async () => {
    const text = `import flax.linen as nn


class AutoEncoder(nn.Module):
    @nn.compact
    def __call__(self, x):
        return self.decode(nn.Dense(3)(x))

    def decode(self, x):
        return self.decode(x)
`;
    const t = await translateText("rec.py", text);
    const e = errors(t.diagnostics.items);
    expect(e.map((d) => [d.code, d.span?.line])).toContainEqual(["NNX201", 10]);
    expect(e.find((d) => d.span?.line === 10)?.message).toContain("calls itself");
  }, 60_000);
});

describe("a class body binding a name twice keeps the last, as Python does", () => {
  it("two __call__ methods: the second is the module's (Haiku), and it verifies", async () => {
    const text = `import haiku as hk
import jax
import jax.numpy as jnp


class Block(hk.Module):
    def __call__(self, x):
        return x

    def __call__(self, x):
        return jax.nn.relu(hk.Linear(4)(x))


def forward(x):
    return Block()(x)


f = hk.transform(forward)
params = f.init(jax.random.PRNGKey(0), jnp.ones((2, 3)))
`;
    const t = await translateText("dup.py", text);
    expect(errors(t.diagnostics.items)).toEqual([]);
    expect(t.code).toContain("relu");
    const r = await verifyText("dup.py", text);
    expect(r.ok, JSON.stringify(r, null, 1).slice(0, 2000)).toBe(true);
  }, 120_000);
});
