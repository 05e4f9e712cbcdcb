// nn.Sequential / hk.Sequential → nnx.Sequential (modules and framework
// functions; Linen's setup-made layers named inside the Sequential, compact
// ones in the parent; Haiku's named where they are constructed).
import { describe, it } from "vitest";
import { entry, expectVerifies } from "./helpers.js";

const LINEN = `
import jax, jax.numpy as jnp
import flax.linen as nn

class Setup(nn.Module):
    def setup(self):
        self.mlp = nn.Sequential([nn.Dense(8), nn.relu, nn.Dense(4)])

    def __call__(self, x):
        return self.mlp(x)

class Model(nn.Module):
    @nn.compact
    def __call__(self, x):
        y = nn.Sequential([nn.Dense(8), nn.gelu, nn.LayerNorm(), nn.Dense(4)])(x)
        return y + Setup()(x)
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

describe.concurrent("containers", () => {
  it("Linen nn.Sequential in setup and in @nn.compact", () =>
    expectVerifies({
      name: "linen_sequential",
      py: LINEN,
      entry: entry("Model()", ["x=float32[2,3]"]),
      reads: ["new nnx.Sequential(\n      new nnx.Linear(inFeatures, 8, { rngs }),\n      nnx.relu,", "this.mlp.call(x)"],
    }));

  it("hk.Sequential in __init__ and __call__", () =>
    expectVerifies({ name: "haiku_sequential", py: HAIKU, entry: entry("forward", ["x=float32[2,3]"]), reads: ["new nnx.Sequential(", "nnx.gelu,", "this.head.call(x)"] }));
});
