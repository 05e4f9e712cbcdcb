// Calls missing an argument Python requires (Python raises TypeError): NNX201
// at the call, never generated code that does not type-check.
import { describe, expect, it } from "vitest";
import { translateText } from "../../helpers/verify-text.js";

const errors = (ds: Array<{ severity: string }>) => ds.filter((d) => d.severity === "error");

describe("a call missing a required argument is NNX201 at the call", () => {
  it("an op of the catalog (jax.nn.relu())", async () => {
    const t = await translateText(
      "relu.py",
      `import haiku as hk
import jax
import jax.numpy as jnp


def forward(x):
    x = hk.Linear(4)(x)
    return jax.nn.relu()


model = hk.transform(forward)
params = model.init(jax.random.key(0), jnp.ones((1, 4)))
`,
    );
    expect(errors(t.diagnostics.items).map((d) => [d.code, d.span?.line, d.message])).toEqual([["NNX201", 8, "unsupported construct: jax.nn.relu is missing its required argument 'x'"]]);
  }, 60_000);

  it("a method of the file's own (self.block() without its input), and the model's apply in a training step", async () => {
    const own = await translateText(
      "own.py",
      `import flax.linen as nn
import jax
import jax.numpy as jnp


class Model(nn.Module):
    @nn.compact
    def __call__(self, x):
        return self.head()

    def head(self, y):
        return nn.Dense(3)(y)


params = Model().init(jax.random.key(0), jnp.ones((2, 4)))
`,
    );
    expect(errors(own.diagnostics.items).map((d) => [d.code, d.span?.line])).toEqual([["NNX201", 9]]);
    const step = await translateText(
      "step.py",
      `import flax.linen as nn
import jax
import jax.numpy as jnp
import optax


class Model(nn.Module):
    @nn.compact
    def __call__(self, x):
        return nn.Dense(10)(x)


model = Model()
params = model.init(jax.random.key(0), jnp.ones((4, 8)))["params"]


def train_step(params, inputs, labels):
    def loss_fn(params):
        logits = model.apply({"params": params})
        return optax.softmax_cross_entropy_with_integer_labels(logits, labels).mean()

    grads = jax.grad(loss_fn)(params)
    return jax.tree_util.tree_map(lambda p, g: p - 0.1 * g, params, grads)
`,
    );
    // Training code never fails the file: the step is left out with its NNX201 as a warning at the call.
    expect(errors(step.diagnostics.items)).toEqual([]);
    const e = step.diagnostics.items.filter((d) => d.code === "NNX201");
    expect(e.map((d) => [d.code, d.span?.line])).toEqual([["NNX201", 19]]);
    expect(e[0].message).toContain("'x'");
  }, 60_000);
});

describe("a method without a return statement", () => {
  it("called as a statement, its call is kept; its value used is NNX201 there", async () => {
    const text = `import flax.linen as nn
import jax
import jax.numpy as jnp


class Model(nn.Module):
    def setup(self):
        self.dense = nn.Dense(4)
        self.head = nn.Dense(2)

    def record(self, x):
        self.sow("intermediates", "features", x)

    def __call__(self, x):
        x = self.dense(x)
        self.record(x)
        return self.head(x)


model = Model()
params = model.init(jax.random.key(0), jnp.ones((3, 5)))
`;
    const t = await translateText("sow.py", text);
    expect(errors(t.diagnostics.items)).toEqual([]);
    expect(t.code).toContain("this.record(x);");
    const used = await translateText("used.py", text.replace("        self.record(x)\n", "        x = self.record(x)\n"));
    expect(errors(used.diagnostics.items).map((d) => [d.code, d.span?.line])).toEqual([["NNX201", 16]]);
  }, 60_000);
});

describe("the entry's construction is checked against the class's fields before building", () => {
  const MLP = `import flax.linen as nn
import jax
import jax.numpy as jnp


class MLP(nn.Module):
    features: int

    @nn.compact
    def __call__(self, x):
        return nn.Dense(self.features)(x)


model = MLP(ARGS)
params = model.init(jax.random.key(0), jnp.ones((1, 4)))
`;
  it.each([
    ["", "gives no value for MLP's field 'features'"],
    ['""', "gives MLP's field 'features' a string"],
    ["None", "gives MLP's field 'features' None"],
    ["2.5", "gives MLP's field 'features' a float"],
    ["4, 5", "gives MLP 2 positional arguments"],
    ["size=4", "gives MLP 'size', which is not one of its fields"],
  ])("MLP(%s) is NNX302 at the entry", async (args, message) => {
    const t = await translateText("mlp.py", MLP.replace("ARGS", args));
    const e = errors(t.diagnostics.items);
    expect(e.map((d) => [d.code, d.span?.line])).toEqual([["NNX302", 15]]);
    expect(e[0].message).toContain(message);
  }, 60_000);

  it("MLP(4, name='mlp') translates", async () => {
    const t = await translateText("mlp.py", MLP.replace("ARGS", "4, name='mlp'"));
    expect(errors(t.diagnostics.items)).toEqual([]);
  }, 60_000);
});

describe("a layer option whose type nothing tells is NNX201 at the layer", () => {
  it("a loop over an untyped field that no user gives (Haiku)", async () => {
    const t = await translateText(
      "loop.py",
      `import haiku as hk
import jax


class MLP(hk.Module):
    def __init__(self, hidden_sizes, name=None):
        super().__init__(name=name)
        self.hidden_sizes = hidden_sizes

    def __call__(self, x):
        for size in self.hidden_sizes:
            x = jax.nn.relu(hk.Linear(size)(x))
        return x
`,
    );
    expect(errors(t.diagnostics.items).map((d) => [d.code, d.span?.line])).toEqual([["NNX201", 11]]);
  }, 60_000);

  it("a field annotated Any that no user gives, used as a size", async () => {
    const t = await translateText(
      "head.py",
      `from typing import Any
import flax.linen as nn


class Head(nn.Module):
    classes: Any

    @nn.compact
    def __call__(self, x):
        return nn.Dense(self.classes)(x)
`,
    );
    const e = errors(t.diagnostics.items);
    expect(e.length).toBeGreaterThan(0);
    expect(e.every((d) => d.code === "NNX201" && d.span?.line === 10)).toBe(true);
  }, 60_000);
});
