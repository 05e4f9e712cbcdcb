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
  it("a module whose call builds and calls its own class in a loop is NNX201, not a stack overflow", async () => {
    const text = `import flax.linen as nn
import jax
import jax.numpy as jnp


class Block(nn.Module):
    depth: int

    @nn.compact
    def __call__(self, x):
        for i in range(self.depth):
            x = Block(self.depth)(nn.Dense(4)(x))
        return x


params = Block(2).init(jax.random.key(0), jnp.ones((1, 4)))
`;
    const t = await translateText("self.py", text);
    const e = errors(t.diagnostics.items);
    expect(e.length).toBeGreaterThan(0);
    expect(e.every((d) => d.code === "NNX201" && d.span && d.span.line >= 12 && d.span.line <= 16)).toBe(true);
  }, 60_000);

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

describe("options for input sizes", () => {
  it("two methods whose inputs share a name give two options", async () => {
    const text = `import flax.linen as nn


class AutoEncoder(nn.Module):
    embed_dim: int
    output_dim: int

    def setup(self):
        self.encoder = nn.Dense(self.embed_dim)
        self.decoder = nn.Dense(self.output_dim)

    def encode(self, x):
        return self.encoder(x)

    def decode(self, x):
        return self.decoder(x)
`;
    const t = await translateText("ae.py", text);
    expect(errors(t.diagnostics.items)).toEqual([]);
    expect(t.code).toContain("xFeatures: number;");
    expect(t.code).toContain("decodeXFeatures: number;");
  }, 60_000);
});

describe("a module called without a __call__", () => {
  it("is NNX201 at the call (Haiku, applied by the transformed function or by multi_transform's init)", async () => {
    const text = `import haiku as hk
import jax
import jax.numpy as jnp


class Model(hk.Module):
    def __init__(self, dout: int, name=None):
        super().__init__(name=name)
        self.dout = dout

    def encode(self, x):
        return hk.Linear(self.dout)(x)


def forward(x):
    return Model(10)(x)


model = hk.transform(forward)
params = model.init(jax.random.key(0), jnp.ones((4, 8)))
`;
    const t = await translateText("nocall.py", text);
    expect(errors(t.diagnostics.items).map((d) => [d.code, d.span?.line, d.message])).toEqual([["NNX201", 16, "unsupported construct: Model has no method '__call__'"]]);
    const multi = text.replace(/def forward[\s\S]*/, `def f():
    m = Model(4)
    return (lambda x: m(x)), (m.encode,)


model = hk.multi_transform(f)
params = model.init(jax.random.key(0), jnp.ones((4, 8)))
`);
    const tm = await translateText("nocall.py", multi);
    expect(errors(tm.diagnostics.items).map((d) => [d.code, d.span?.line])).toEqual([["NNX201", 17]]);
  }, 60_000);
});

describe("a field annotated twice is one field, as dataclasses make it", () => {
  it("the last default holds, in the first place; it verifies", async () => {
    const text = `import flax.linen as nn
import jax
import jax.numpy as jnp


class MLP(nn.Module):
    hidden: int = 8
    out: int = 2
    hidden: int = 5

    @nn.compact
    def __call__(self, x):
        return nn.Dense(self.out)(nn.relu(nn.Dense(self.hidden)(x)))


model = MLP()
params = model.init(jax.random.key(0), jnp.ones((2, 3)))
`;
    const t = await translateText("twice.py", text);
    expect(errors(t.diagnostics.items)).toEqual([]);
    expect(t.code).toContain("hidden = 5");
    const r = await verifyText("twice.py", text);
    expect(r.ok, JSON.stringify(r.checks.filter((c) => !c.ok)).slice(0, 1500)).toBe(true);
  }, 120_000);
});
