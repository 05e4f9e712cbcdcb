// Module code as a language: statements, comprehensions, helpers and outputs of
// any structure, each program verified against live Flax / Haiku.
import { describe, expect, it } from "vitest";
import { entry, translateText, verifyText } from "../../helpers/verify-text.js";

const errors = <D extends { severity: string }>(ds: D[]) => ds.filter((d) => d.severity === "error");

const LINEN = `
from typing import Callable, Optional, Sequence
import flax.linen as nn
import jax
import jax.numpy as jnp


def scale(x, *, factor=2.0):
    return x * factor


def widths(features, mult=1):
    return [f * mult for f in features]


def clipped(x, limit=None):
    if limit is None:
        return x
    y = jnp.minimum(x, limit)
    return y


double = lambda v: v * 2


class Block(nn.Module):
    features: Sequence[int] = (8, 6)
    act: Callable = nn.relu
    use_norm: bool = True
    rate: Optional[float] = None

    @nn.compact
    def __call__(self, x):
        assert x.ndim == 2, f"expected a rank-2 input, got {x.ndim}"
        sizes = widths(self.features, mult=2)
        sizes = tuple(s // 2 for s in sizes)
        names = {f"h{i}": s for i, s in enumerate(sizes)}
        for name, size in names.items():
            x = nn.Dense(size, name=name)(x)
            x = self.act(x)
        if self.use_norm:
            x = nn.LayerNorm()(x)
        elif self.rate is not None:
            x = x * (1 - self.rate)
        else:
            x = scale(x, factor=0.5)
        total = 0
        for s in sizes:
            total += s
        x = x / total
        y = clipped(x, limit=0.5)
        z = clipped(x)
        shape = (*x.shape[:-1], -1)
        return x.reshape(shape), (double(y), z * sum(sizes))
`;

const HAIKU = `
from typing import Callable, Optional, Sequence
import haiku as hk
import jax
import jax.numpy as jnp


class MLP(hk.Module):
  """An MLP built in __init__."""

  expansion = 2

  def __init__(self, output_sizes: Sequence[int], *, activation: Callable = jax.nn.relu,
               activate_final: bool = False, name: Optional[str] = None, **kwargs):
    super().__init__(name=name)
    self.activation = activation
    self.activate_final = activate_final
    self.layers = [hk.Linear(size, name=f"linear_{i}") for i, size in enumerate(output_sizes)]

  @staticmethod
  def _scale(x, factor=1.0):
    return x * factor

  @property
  def depth(self):
    return len(self.layers)

  def __call__(self, x):
    num_layers = len(self.layers)
    for i, layer in enumerate(self.layers):
      x = layer(x)
      if i < num_layers - 1 or self.activate_final:
        x = self.activation(x)
    return {"out": self._scale(x, factor=self.expansion), "depth": jnp.ones((1,)) * self.depth}


def forward(x):
  out = MLP([8, 4], activation=jax.nn.gelu)(x)
  return out["out"], out
`;

const APPENDS = `import haiku as hk
import jax
import jax.numpy as jnp


class Tower(hk.Module):
  def __init__(self, sizes, name=None):
    super().__init__(name=name)
    self.layers = []
    for s in sizes:
      self.layers.append(hk.Linear(s))

  def __call__(self, x):
    outs = []
    for k in range(3):
      outs.append(x * (k + 1))
    x = sum(outs)
    for layer in self.layers:
      x = jax.nn.tanh(layer(x))
    return x


def forward(x):
  return Tower([6, 3])(x)
`;

const CHILD_LOOPS = `from typing import Sequence
import flax.linen as nn


class MLP(nn.Module):
  layer_sizes: Sequence[int]

  @nn.compact
  def __call__(self, x):
    for i, size in enumerate(self.layer_sizes):
      x = nn.Dense(size, name=f"hidden_{i}")(x)
      if i < len(self.layer_sizes) - 1:
        x = nn.relu(x)
    return x


class Deep(nn.Module):
  width: int
  depth: int = 2

  @nn.compact
  def __call__(self, x):
    for _ in range(self.depth):
      x = nn.tanh(nn.Dense(self.width)(x))
    return x


class Policy(nn.Module):
  hidden: Sequence[int]
  out: int = 3

  @nn.compact
  def __call__(self, obs):
    h = MLP(layer_sizes=list(self.hidden))(obs)
    h = Deep(width=5)(h)
    return nn.Dense(self.out)(h)
`;

describe("module code as a language", () => {
  it("Linen: comprehensions, dict loops, helpers with defaults and early returns, elif, starred shapes, nested outputs", async () => {
    const e = entry("Block(features=(6, 4))", ["x=float32[2,5]"]);
    const r = await verifyText("block.py", LINEN, e);
    expect(errors(r.diagnostics)).toEqual([]);
    expect(r.ok).toBe(true);
    expect(r.checks.filter((c) => c.kind === "output").length).toBe(3);
    const t = await translateText("block.py", LINEN, e);
    // Loops stay loops, comprehensions over config stay maps, names follow the source.
    expect(t.code).toContain("features.map((f) => f * 2)");
    expect(t.code).toContain("for (const [name, size] of Object.entries(names))");
    expect(t.code).toContain("const shape: [number, number] = [x.shape[0]!, -1];");
    expect(t.code).toMatch(/} else if \(this\.rate !== null\) \{/);
    expect(t.code).toContain('throw new Error(`expected a rank-2 input, got ${x.rank}`)');
    expect(t.code).not.toMatch(/\bany\b/);
    expect(t.paramMap!.params.map((p) => p.source)).toContain("params/h1/kernel");
  }, 120_000);

  it("Haiku: super().__init__, keyword-only and **kwargs parameters, a list of layers, @staticmethod, @property, a class attribute, dict outputs", async () => {
    const r = await verifyText("mlp.py", HAIKU, entry("forward", ["x=float32[2,5]"]));
    expect(errors(r.diagnostics)).toEqual([]);
    expect(r.ok).toBe(true);
    expect(r.checks.filter((c) => c.kind === "output").map((c) => c.name).sort()).toEqual(["output/0", "output/1/depth", "output/1/out"]);
    const t = await translateText("mlp.py", HAIKU, entry("forward", ["x=float32[2,5]"]));
    expect(t.code).toContain("readonly layers: nnx.List<nnx.Linear>;");
    expect(t.code).toContain("for (const [i, size] of nnx.enumerate(outputSizes))");
    expect(t.code).toContain("for (const [i, layer] of nnx.enumerate(this.layers))");
    expect(t.code).toContain("call(x: nnx.Array): { out: nnx.Array; depth: nnx.Array }");
    expect(t.paramMap!.params.map((p) => p.source).sort()).toEqual(["mlp/~/linear_0/b", "mlp/~/linear_0/w", "mlp/~/linear_1/b", "mlp/~/linear_1/w"]);
  }, 120_000);

  it("lists built by append in a loop (layers in __init__, arrays in a method), del, an untyped field typed by its user", async () => {
    const e = entry("forward", ["x=float32[2,4]"]);
    const r = await verifyText("tower.py", APPENDS, e);
    expect(errors(r.diagnostics)).toEqual([]);
    expect(r.ok).toBe(true);
    const t = await translateText("tower.py", APPENDS, e);
    expect(t.code).toContain("sizes: number[];");
    expect(t.code).toContain("for (const s of sizes) {");
    expect(t.code).toContain("for (const layer of this.layers) {");
  }, 120_000);

  it("a child whose output size its own loop sets: its parent reads the last item's size", async () => {
    const e = entry("Policy(hidden=(8, 6))", ["obs=float32[2,4]"]);
    const r = await verifyText("policy.py", CHILD_LOOPS, e);
    expect(errors(r.diagnostics)).toEqual([]);
    expect(r.ok).toBe(true);
    const t = await translateText("policy.py", CHILD_LOOPS, e);
    expect(t.code).toContain("inFeatures: hidden.length > 0 ? hidden.at(-1)! : inFeatures");
  }, 120_000);

  it("setup members first called in a loop are built once, before it; a bare `tuple` field is typed by its default", async () => {
    const text = `import jax
import jax.numpy as jnp
import flax.linen as nn


class MLP(nn.Module):
    features: tuple = (16, 8)
    rate: float = 0.25

    def setup(self):
        self.layers = [nn.Dense(f) for f in self.features]
        self.dropout = nn.Dropout(self.rate)
        self.shared = nn.Dense(8)
        self.head = nn.Dense(1)

    def __call__(self, x, *, train: bool):
        for layer in self.layers:
            x = self.dropout(nn.relu(layer(x)), deterministic=not train)
        for _ in range(2):
            x = x + self.shared(x)
        return self.head(x)


variables = MLP().init(jax.random.PRNGKey(0), jnp.ones((4, 3)), train=False)
`;
    const r = await verifyText("shared.py", text);
    expect(errors(r.diagnostics)).toEqual([]);
    expect(r.ok).toBe(true);
    expect(r.checks.some((c) => c.name.includes("train mode"))).toBe(true);
    const t = await translateText("shared.py", text);
    expect(t.code).toContain("features?: number[];");
    // Built where the first iteration builds them: once, before the loops.
    expect(t.code.match(/new nnx\.Dropout\(/g)).toHaveLength(1);
    expect(t.code).toMatch(/this\.dropout = new nnx\.Dropout\(rate, \{ rngs \}\);\n\s*for \(const f of features\) \{/);
    expect(t.code).toMatch(/\n\s*\}\n\s*this\.shared = new nnx\.Linear\(xFeatures, 8, \{ rngs \}\);/);
  }, 120_000);

  it("`_` unpacked from calls that give it different types (a tuple carry, then an array) is a hole; reading it after is reported", async () => {
    const text = `import jax
import jax.numpy as jnp
import flax.linen as nn


class Net(nn.Module):
    @nn.compact
    def __call__(self, x):
        _, z = nn.RNN(nn.LSTMCell(8), return_carry=True)(x)
        y, _ = nn.RNN(nn.GRUCell(8), return_carry=True)(x)
        return nn.Dense(2)(y + z[:, 0])


params = Net().init(jax.random.PRNGKey(0), jnp.ones((2, 5, 3)))
`;
    const r = await verifyText("discard.py", text);
    expect(errors(r.diagnostics)).toEqual([]);
    expect(r.ok).toBe(true);
    const t = await translateText("discard.py", text);
    expect(t.code).toContain("const [, z] = this.rnn.call(x, { returnCarry: true });");
    const read = await translateText("discard.py", text.replace("y + z[:, 0]", "y + z[:, 0] + _"));
    expect(errors(read.diagnostics.items).map((d) => [d.code, d.span?.line])).toEqual([["NNX201", 11]]);
  }, 120_000);
});
