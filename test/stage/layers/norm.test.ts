// Normalization: Linen LayerNorm (several feature axes), RMSNorm (mask),
// GroupNorm (num_groups / group_size), InstanceNorm, BatchNorm (one and
// several axes) and Haiku's LayerNorm (any axes, param_axis), RMSNorm,
// GroupNorm, InstanceNorm on the NNX layers.
import { describe, it } from "vitest";
import { entry, expectVerifies } from "./helpers.js";

const LINEN = `
import jax, jax.numpy as jnp
import flax.linen as nn

class Model(nn.Module):
    @nn.compact
    def __call__(self, x, mask, train: bool = False):
        a = nn.LayerNorm(epsilon=1e-5, use_fast_variance=False)(x)
        b = nn.LayerNorm(reduction_axes=(-2, -1), feature_axes=(-2, -1), scale_init=nn.initializers.normal(0.5))(x)
        c = nn.RMSNorm(use_scale=True)(x, mask=mask)
        d = nn.GroupNorm(num_groups=2, bias_init=nn.initializers.uniform())(x)
        e = nn.GroupNorm(num_groups=None, group_size=2)(x)
        f = nn.InstanceNorm(use_bias=False, dtype=jnp.float32)(x)
        g = nn.BatchNorm(use_running_average=not train, momentum=0.9, axis=-1)(x)
        h = nn.BatchNorm(use_running_average=not train, axis=(1, 2))(x)
        return a, b, c, d, e, f, g, h
`;

const HAIKU = `
import jax, jax.numpy as jnp
import haiku as hk

def forward(x):
    a = hk.LayerNorm(axis=-1, create_scale=True, create_offset=True)(x)
    b = hk.LayerNorm(axis=(1, 2, 3), create_scale=True, create_offset=False, param_axis=-1, eps=1e-3,
                     scale_init=hk.initializers.RandomNormal(0.5))(x)
    c = hk.RMSNorm(axis=-1)(x)
    d = hk.GroupNorm(groups=2)(x)
    e = hk.InstanceNorm(create_scale=True, create_offset=True)(x)
    return a, b, c, d, e
`;

describe.concurrent("normalization", () => {
  it("Linen norms", () =>
    expectVerifies({
      name: "linen_norms",
      py: LINEN,
      entry: entry("Model()", ["x=float32[3,5,4,6]", "mask=bool[3,5,4,6]"]),
      reads: ["new nnx.RMSNorm(", "this.rmsNorm.call(x, { mask })", "{ numGroups: null, groupSize: 2, rngs }", "new nnx.InstanceNorm(", "{ axis: [1, 2], rngs }", "featureAxes: [-2, -1]"],
    }));

  it("Haiku norms on the NNX layers", () =>
    expectVerifies({
      name: "haiku_norms",
      py: HAIKU,
      entry: entry("forward", ["x=float32[3,5,4,6]"]),
      reads: ["reductionAxes: [1, 2, 3]", "new nnx.GroupNorm(inFeatures, {\n      numGroups: 2,", "useFastVariance: false"],
    }));
});
