// nn.Sequential / hk.Sequential → nnx.Sequential (modules, framework
// functions, functions of the file and partials, staged on their input; Linen's setup-made layers named inside the Sequential, compact
// ones in the parent; Haiku's named where they are constructed); hk.BatchApply
// (the module it wraps held as its child `f`, named where Haiku built it).
import { describe, it } from "vitest";
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
});
