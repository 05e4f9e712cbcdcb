// hk.nets → the runtime's hk.nets classes (their attribute paths are Haiku's
// parameter paths): MLP with initializers, activation, bias-free, dropout with
// the caller's key; built in __init__ or in a function.
import { describe, it } from "vitest";
import { entry, expectVerifies, SLOW } from "./helpers.js";

const MLP = `
import jax, jax.numpy as jnp
import haiku as hk

class Encoder(hk.Module):
    def __init__(self, hidden, name=None):
        super().__init__(name=name)
        self.mlp = hk.nets.MLP([hidden, hidden, 3], with_bias=False, activation=jax.nn.gelu)

    def __call__(self, x):
        return self.mlp(x, dropout_rate=0.1, rng=hk.next_rng_key())

def forward(x):
    head = hk.nets.MLP([8, 4], w_init=hk.initializers.VarianceScaling(2.0),
                       b_init=hk.initializers.RandomNormal(0.1), activate_final=True, name="head")
    return Encoder(16)(x) + hk.nets.MLP([6, 3], activation=jnp.tanh)(head(x))
`;

describe.concurrent("nets", SLOW, () => {
  it("hk.nets.MLP: initializers, activation, with_bias, activate_final, dropout with a key", () =>
    expectVerifies({
      name: "haiku_mlp",
      py: MLP,
      entry: entry("forward", ["x=float32[2,5]"]),
      reads: [/new hk\.nets\.MLP\(inFeatures, \[hidden, hidden, 3\], \{\s*withBias: false,\s*activation: nnx\.gelu,\s*rngs,?\s*\}\)/, "this.mlp.call(x, 0.1, this.rngs1())", "activateFinal: true"],
    }));
});
