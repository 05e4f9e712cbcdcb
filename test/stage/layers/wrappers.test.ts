// Linen's weight wrappers: nn.WeightNorm(layer) on nnx.LinenWeightNorm. The
// wrapped layer keeps the path Linen gives it (where it was made: the parent's
// `Dense_1`, or `layer_instance` under the wrapper when made in setup), the
// scales are the wrapper's Params (`WeightNorm_0/Dense_1/kernel/scale`), and
// Linen's init keeps the normalized weights (compared within a stated bound:
// computed, not drawn).
import { describe, it } from "vitest";
import { entry, expectUnsupported, expectVerifies, SLOW } from "./helpers.js";

const WEIGHT_NORM = `
import jax, jax.numpy as jnp
import flax.linen as nn

class Block(nn.Module):
    features: int = 4

    def setup(self):
        self.proj = nn.WeightNorm(nn.Dense(self.features), epsilon=1e-6)

    def __call__(self, x):
        return nn.gelu(self.proj(x))

class Net(nn.Module):
    @nn.compact
    def __call__(self, x):
        x = nn.WeightNorm(nn.Conv(3, (3, 3)), feature_axes=None, scale_init=nn.initializers.normal(1.0))(x)
        x = x.reshape((x.shape[0], -1))
        x = nn.Dense(7)(x)
        x = Block(6)(x)
        x = nn.WeightNorm(nn.Dense(5, use_bias=False), use_scale=False)(x)
        x = nn.WeightNorm(nn.Dense(3))(nn.relu(x))
        return nn.Dense(2)(x)
`;

describe.concurrent("weight wrappers", SLOW, () => {
  it("nn.WeightNorm around Dense and Conv, in compact and setup; scale_init keyed, feature_axes None, use_scale False", () =>
    expectVerifies({
      name: "linen_weight_norm",
      py: WEIGHT_NORM,
      entry: entry("Net()", ["x=float32[2,4,4,2]"]),
      note: /compared within 1e-6, not bit for bit: Linen's init keeps the weight-normalized value/,
      reads: [
        "readonly proj: nnx.LinenWeightNorm<nnx.Linear>;",
        "new nnx.LinenWeightNorm(new nnx.Linear(inFeatures, features, { rngs }), {\n      epsilon: 0.000001,",
        "scaleInit: nnx.initializers.normal(1),\n      featureAxes: null,",
        "this.proj.call(x)",
      ],
    }));

  it("nn.WeightNorm's variable_filter is not translated: NNX201 at the call", () =>
    expectUnsupported(
      `
import flax.linen as nn

class Net(nn.Module):
    @nn.compact
    def __call__(self, x):
        return nn.WeightNorm(nn.Dense(3), variable_filter=("kernel", "bias"))(x)
`,
      7,
      /variable_filter/,
      entry("Net()", ["x=float32[2,5]"]),
    ));
});
