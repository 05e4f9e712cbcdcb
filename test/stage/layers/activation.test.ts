// Activations with learned parameters: Linen nn.PReLU → nnx.PReLU (its
// negative_slope drawn in its own scope, as Linen's self.param does), and
// jax.nn.glu, the one activation function that changes its input's shape.
import { describe, it } from "vitest";
import { entry, expectVerifies, SLOW } from "./helpers.js";

const LINEN = `
import jax, jax.numpy as jnp
import flax.linen as nn

class Block(nn.Module):
    def setup(self):
        self.dense = nn.Dense(6)
        self.act = nn.PReLU(negative_slope_init=0.2)

    def __call__(self, x):
        return self.act(self.dense(x))

class Model(nn.Module):
    @nn.compact
    def __call__(self, x):
        h = nn.PReLU(param_dtype=jnp.float32)(nn.Dense(6)(x))
        g = nn.glu(nn.Dense(12)(x))
        return Block()(x) * h - nn.PReLU()(x).sum(-1, keepdims=True) + g
`;

describe.concurrent("activation layers", SLOW, () => {
  it("Linen nn.PReLU in setup and @nn.compact, next to nn.glu (a function halving its axis)", () =>
    expectVerifies({
      name: "linen_prelu",
      py: LINEN,
      entry: entry("Model()", ["x=float32[3,4]"]),
      reads: ["new nnx.PReLU(0.2)", "new nnx.PReLU()", "this.act.call("],
    }));
});
