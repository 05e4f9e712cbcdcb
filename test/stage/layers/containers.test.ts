// nn.Sequential / hk.Sequential → nnx.Sequential (modules, framework
// functions, functions of the file and partials, staged on their input; Linen's setup-made layers named inside the Sequential, compact
// ones in the parent; Haiku's named where they are constructed); hk.BatchApply
// (the module it wraps held as its child `f`, named where Haiku built it).
import { describe, expect, it } from "vitest";
import { entry, expectVerifies, SLOW } from "./helpers.js";

const LINEN = `
import functools
import jax, jax.numpy as jnp
import flax.linen as nn

class Setup(nn.Module):
    def setup(self):
        self.mlp = nn.Sequential([nn.Dense(8), nn.relu, nn.Dense(4)])

    def __call__(self, x):
        return self.mlp(x)

def merge(h):
    return h.reshape((h.shape[0], -1))

class Model(nn.Module):
    @nn.compact
    def __call__(self, x):
        y = nn.Sequential([nn.Dense(8), nn.gelu, nn.LayerNorm(), nn.Dense(4)])(x)
        # Functions of the file (a lambda, a def) and a partial of a framework function, sizing what follows.
        z = nn.Sequential([nn.Dense(6), lambda h: nn.leaky_relu(h, 0.1).reshape((h.shape[0], 2, 3)), merge,
                           nn.Dense(4), functools.partial(nn.softmax, axis=-1)])(x)
        return y + Setup()(x) + z
`;

const HAIKU = `
import jax, jax.numpy as jnp
import haiku as hk

class Model(hk.Module):
    def __init__(self, name=None):
        super().__init__(name=name)
        self.head = hk.Sequential([hk.Linear(8), jax.nn.relu, hk.Linear(4)], name="head")

    def __call__(self, x):
        y = hk.Sequential([hk.Linear(8, name="a"), jax.nn.gelu,
                           hk.LayerNorm(axis=-1, create_scale=True, create_offset=True), hk.Linear(4)])(x)
        return y + self.head(x)

def forward(x):
    return Model()(x)
`;

const BATCH_APPLY = `
import jax, jax.numpy as jnp
import haiku as hk

class Torso(hk.Module):
    def __init__(self, name=None):
        super().__init__(name=name)
        self.head = hk.Linear(3, name="head")

    def __call__(self, x):
        h = hk.BatchApply(hk.Linear(8))(x)
        m = hk.BatchApply(hk.nets.MLP([6, 5]), num_dims=3)(jnp.tanh(h)[:, :, None])
        return hk.BatchApply(self.head)(h), m

def forward(x):
    return Torso()(x)
`;

// The file's own modules inside Sequential: built by their classes with the sizes the chain
// gives them (Linen: setup's named `layers_<i>` inside the Sequential, nested; compact's
// `Block_0` in the parent; Haiku: named where they are constructed, `name=` kept).
const OWN_LINEN = `import flax.linen as nn
import jax.numpy as jnp


class Block(nn.Module):
    features: int
    act: bool = True

    @nn.compact
    def __call__(self, x):
        x = nn.LayerNorm()(nn.Dense(self.features)(x))
        return nn.gelu(x) if self.act else x


class Residual(nn.Module):
    width: int

    def setup(self):
        self.inner = nn.Sequential([nn.Dense(self.width), nn.relu, Block(self.width, act=False)])

    def __call__(self, x):
        return x + self.inner(x)


class DropBlock(nn.Module):
    features: int

    @nn.compact
    def __call__(self, x, deterministic: bool = True):
        return nn.Dropout(0.3)(nn.Dense(self.features)(x), deterministic=deterministic)


class Head(nn.Module):
    @nn.compact
    def __call__(self, h, train: bool = False):
        # Sequential gives its call's other arguments to its first layer only.
        return nn.Sequential([DropBlock(6), nn.relu, Block(4)])(h, deterministic=not train)


class Net(nn.Module):
    hidden: int = 16

    def setup(self):
        self.body = nn.Sequential([Block(self.hidden), Residual(self.hidden), lambda y: y * 2.0])
        self.head = nn.Dense(3)
        self.aux = Head()

    def __call__(self, x, train: bool = False):
        h = self.body(x)
        return self.head(h), self.aux(h, train)
`;

const OWN_HAIKU = `import haiku as hk
import jax
import jax.numpy as jnp


class MyBlock(hk.Module):
    def __init__(self, width=16, name=None):
        super().__init__(name=name)
        self.width = width

    def __call__(self, x):
        h = hk.Linear(self.width)(x)
        return hk.LayerNorm(axis=-1, create_scale=True, create_offset=True)(h)


class Net(hk.Module):
    def __init__(self, name=None):
        super().__init__(name=name)
        self.trunk = hk.Sequential([MyBlock(12, name="first"), jax.nn.relu, MyBlock(6)])

    def __call__(self, x):
        return hk.Sequential([MyBlock(4), jnp.tanh])(self.trunk(x))


def forward(x):
    return Net()(x)
`;

// Sequential of a comprehension over a sequence only the config knows: an nnx.Sequential the
// constructor fills in a loop, each item sized by the one before (Linen setup: `layers_<i>`
// inside it; compact: the parent's `Block_0`, `Dense_0`; Haiku: names as constructed).
const LIST_LINEN = `from typing import Sequence

import flax.linen as nn
import jax.numpy as jnp


class Block(nn.Module):
    features: int

    @nn.compact
    def __call__(self, x):
        return nn.gelu(nn.Dense(self.features)(x))


class Net(nn.Module):
    features: Sequence[int] = (16, 12)

    def setup(self):
        self.body = nn.Sequential([Block(f) for f in self.features])
        self.proj = nn.Sequential([nn.Dense(f) for f in (8, 6)])

    def __call__(self, x):
        return self.body(self.proj(x))


class Compact(nn.Module):
    widths: Sequence[int] = (10, 5)

    @nn.compact
    def __call__(self, x):
        y = nn.Sequential([Block(w) for w in self.widths])(x)
        # Net's output size (its last Sequential's last item's) sizes the Dense after it.
        return nn.Sequential([nn.Dense(w) for w in self.widths])(y) + nn.Dense(5)(Net(features=(9, 7))(x))
`;

const LIST_HAIKU = `import haiku as hk
import jax
import jax.numpy as jnp


class MyBlock(hk.Module):
    def __init__(self, width, name=None):
        super().__init__(name=name)
        self.width = width

    def __call__(self, x):
        return jax.nn.relu(hk.Linear(self.width)(x))


def forward(x):
    sizes = [12, 6]
    h = hk.Sequential([MyBlock(s) for s in sizes])(x)
    return hk.Sequential([hk.Linear(s, name=f"out_{i}") for i, s in enumerate(sizes)])(h)
`;

describe.concurrent("containers", SLOW, () => {
  it("Linen nn.Sequential in setup and in @nn.compact, with functions of the file and partials", () =>
    expectVerifies({
      name: "linen_sequential",
      py: LINEN,
      entry: entry("Model()", ["x=float32[2,3]"]),
      reads: ["new nnx.Sequential(\n      new nnx.Linear(inFeatures, 8, { rngs }),\n      nnx.relu,", "this.mlp.call(x)", "(h: tf.Tensor) =>", "(x: tf.Tensor) => nnx.softmax(x, -1),"],
    }));

  it("hk.Sequential in __init__ and __call__", () =>
    expectVerifies({ name: "haiku_sequential", py: HAIKU, entry: entry("forward", ["x=float32[2,3]"]), reads: ["new nnx.Sequential(", "nnx.gelu,", "this.head.call(x)"] }));

  it("hk.BatchApply of a layer built in place or in __init__, num_dims", () =>
    expectVerifies({
      name: "haiku_batch_apply",
      py: BATCH_APPLY,
      entry: entry("forward", ["x=float32[4,2,5]"]),
      reads: [/new hk\.BatchApply\(\s*new nnx\.Linear\(inFeatures, 8,/, "new hk.BatchApply(new hk.nets.MLP(8, [6, 5], { rngs }), 3)", "this.batchApply.call(x)"],
    }));
  it("the file's own modules inside nn.Sequential (setup, nested, compact) and hk.Sequential", async () => {
    const l = await expectVerifies({
      name: "own_linen",
      py: OWN_LINEN,
      entry: entry("Net()", ["x=float32[2,7]"], { kwargs: { train: "True" }, rngs: ["dropout"] }),
      reads: ["new Block({ features: width, act: false, inFeatures: width, rngs }),", "new Block({ features: hidden, inFeatures, rngs }),"],
    });
    const paths = l.checks.map((c) => c.name.split(" ")[1]);
    for (const p of ["body/layers_0/Dense_0/kernel", "body/layers_1/inner/layers_2/LayerNorm_0/scale", "aux/DropBlock_0/Dense_0/kernel", "aux/Block_0/Dense_0/kernel"]) expect(paths).toContain(`params/${p}`);
    expect(l.checks.filter((c) => /^output\/\d \(train mode\)$/.test(c.name)).length).toBe(2);
    const h = await expectVerifies({ name: "own_haiku", py: OWN_HAIKU, entry: entry("forward", ["x=float32[2,5]"]), reads: ["new MyBlock({ width: 12, inFeatures, rngs }),", "new MyBlock({ width: 6, inFeatures: 12, rngs }),"] });
    const hp = h.checks.map((c) => c.name.split(" ")[1]);
    for (const p of ["net/~/first/linear/w", "net/~/my_block/linear/w", "net/my_block/layer_norm/scale"]) expect(hp).toContain(p);
  });
  it("nn.Sequential / hk.Sequential of a comprehension (the file's modules and layers; setup, compact, Haiku)", async () => {
    const l = await expectVerifies({
      name: "list_linen",
      py: LIST_LINEN,
      entry: entry("Compact()", ["x=float32[2,7]"]),
      reads: ["this.body = new nnx.Sequential();", "this.body.layers.push(new Block({ features: f, inFeatures: xFeatures, rngs }));"],
    });
    const paths = l.checks.map((c) => c.name.split(" ")[1]);
    for (const p of ["Net_0/body/layers_1/Dense_0/kernel", "Block_1/Dense_0/kernel", "Dense_2/kernel"]) expect(paths).toContain(`params/${p}`);
    const h = await expectVerifies({ name: "list_haiku", py: LIST_HAIKU, entry: entry("forward", ["x=float32[2,5]"]), reads: [".layers.push(new MyBlock({ width: s, inFeatures: xFeatures, rngs }));"] });
    const hp = h.checks.map((c) => c.name.split(" ")[1]);
    for (const p of ["my_block_1/linear/w", "out_1/w"]) expect(hp).toContain(p);
  });
});
