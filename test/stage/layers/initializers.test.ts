// Initializers with their arguments: jax.nn / flax initializers given to
// layers and to self.param (Linen), hk.initializers and functions of
// (shape, dtype) given to hk.get_parameter and layers (Haiku). Every
// parameter starts bit-exact from the source's seed, except the QR-based
// ones (orthogonal, delta_orthogonal), within the bound verify states.
import { describe, it } from "vitest";
import { entry, expectVerifies } from "./helpers.js";

const LINEN = `
import jax, jax.numpy as jnp
import flax.linen as nn
from flax.linen import initializers as init

class Model(nn.Module):
    @nn.compact
    def __call__(self, x, img):
        n = x.shape[-1]
        y = (
            nn.Dense(4, kernel_init=nn.initializers.normal(stddev=0.02), bias_init=nn.initializers.constant(0.1))(x) +
            nn.Dense(4, kernel_init=nn.initializers.truncated_normal(0.02, lower=-3.0, upper=3.0))(x) +
            nn.Dense(4, kernel_init=nn.initializers.variance_scaling(2.0, "fan_out", "uniform"))(x) +
            nn.Dense(4, kernel_init=nn.initializers.variance_scaling(0.5, mode="fan_avg", distribution="normal", in_axis=-2, out_axis=-1))(x) +
            nn.Dense(4, kernel_init=nn.initializers.glorot_uniform(), bias_init=nn.initializers.uniform(scale=0.5))(x) +
            nn.Dense(4, kernel_init=init.he_normal())(x) +
            nn.Dense(4, kernel_init=jax.nn.initializers.lecun_uniform())(x) +
            nn.Dense(4, kernel_init=nn.initializers.xavier_normal(), bias_init=nn.initializers.ones_init())(x) +
            nn.Dense(4, kernel_init=nn.initializers.kaiming_uniform(), bias_init=nn.initializers.zeros)(x) +
            nn.Dense(4, kernel_init=nn.initializers.orthogonal(scale=2.0))(x) +
            nn.Dense(4, kernel_init=nn.initializers.he_uniform(in_axis=0, out_axis=1))(x)
        )
        w = self.param("w", nn.initializers.lecun_normal(), (n, 4))
        b = self.param("b", nn.initializers.constant(-1.0), (4,))
        c = nn.Conv(6, (3, 3), kernel_init=nn.initializers.delta_orthogonal(scale=0.5))(img)
        return y + x @ w + b, c
`;

const HAIKU = `
import jax, jax.numpy as jnp
import haiku as hk

class Model(hk.Module):
    def __call__(self, x):
        n = x.shape[-1]
        w1 = hk.get_parameter("w1", [n, 4], init=hk.initializers.TruncatedNormal(stddev=0.02, mean=0.1))
        w2 = hk.get_parameter("w2", [n, 4], jnp.float32, hk.initializers.RandomNormal(0.5, 1.0))
        w3 = hk.get_parameter("w3", [n, 4], init=hk.initializers.RandomUniform(-0.1, 0.1))
        w4 = hk.get_parameter("w4", [n, 4], init=hk.initializers.VarianceScaling(2.0, "fan_avg", "uniform"))
        w5 = hk.get_parameter("w5", [n, 4], init=hk.initializers.UniformScaling(0.5))
        w6 = hk.get_parameter("w6", [n, 4], init=hk.initializers.Orthogonal(scale=1.5))
        w7 = hk.get_parameter("w7", [n, n], init=hk.initializers.Identity(2.0))
        b1 = hk.get_parameter("b1", [4], init=hk.initializers.Constant(0.3))
        b2 = hk.get_parameter("b2", [4], init=jnp.ones)
        b3 = hk.get_parameter("b3", [4], init=lambda shape, dtype: 0.5 * jnp.ones(shape, dtype))
        y = x @ w1 + x @ w2 + x @ w3 + x @ w4 + x @ w5 + x @ w6 + (x @ w7) @ w1
        lin = hk.Linear(4, w_init=hk.initializers.VarianceScaling(1.0, "fan_in", "truncated_normal"),
                        b_init=hk.initializers.RandomNormal())
        return y + b1 + b2 + b3 + lin(x)

def forward(x):
    return Model()(x)
`;

const QR = /compared within \de-\d, not bit for bit: its QR factorisation/;

describe.concurrent("initializers", () => {
  it("jax.nn / flax initializers with arguments", () =>
    expectVerifies({
      name: "linen_initializers",
      py: LINEN,
      entry: entry("Model()", ["x=float32[2,6]", "img=float32[2,5,5,3]"]),
      note: QR,
      reads: ["nnx.initializers.truncatedNormal(0.02, -3, 3)", 'nnx.initializers.varianceScaling(0.5, "fan_avg", "normal", {', "nnx.initializers.deltaOrthogonal(0.5)", "nnx.param(nnx.initializers.lecunNormal(), rngs.params(), [n, 4])"],
    }));

  it("hk.initializers with arguments and a function of (shape, dtype)", () =>
    expectVerifies({
      name: "haiku_initializers",
      py: HAIKU,
      entry: entry("forward", ["x=float32[2,6]"]),
      note: QR,
      reads: ["hk.initializers.TruncatedNormal(0.02, 0.1)", "hk.initializers.Identity(2)", "new nnx.Param(jnp.ones([4]))", "(shape: number[], dtype: jnp.DTypeLike) =>"],
    }));
});
