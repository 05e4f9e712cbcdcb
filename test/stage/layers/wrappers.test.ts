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

const SPECTRAL_NORM = `
import jax, jax.numpy as jnp
import flax.linen as nn

class Head(nn.Module):
    def setup(self):
        self.out = nn.SpectralNorm(nn.Dense(3), n_steps=2, epsilon=1e-6)

    def __call__(self, x, train):
        return self.out(x, update_stats=train)

class Net(nn.Module):
    @nn.compact
    def __call__(self, x, train: bool = False):
        x = nn.SpectralNorm(nn.Conv(4, (3, 3), padding="VALID"))(x, update_stats=train)
        x = nn.relu(x).mean(axis=(1, 2))
        x = nn.SpectralNorm(nn.Dense(6))(x, update_stats=train)
        return Head()(nn.tanh(x), train)
`;

describe.concurrent("weight wrappers", SLOW, () => {
  it("nn.SpectralNorm around Conv and Dense, in compact and setup; n_steps, epsilon; u and sigma over train and eval calls", () =>
    expectVerifies({
      name: "linen_spectral_norm",
      py: SPECTRAL_NORM,
      entry: entry("Net()", ["x=float32[2,6,6,3]"]),
      note: /compared within 1e-6, not bit for bit: Linen's init keeps the spectrally normalized value/,
      reads: [
        "readonly out: nnx.LinenSpectralNorm<nnx.Linear>;",
        "new nnx.LinenSpectralNorm(new nnx.Linear(inFeatures, 3, { rngs }), {\n      nSteps: 2,",
        "this.out.call(x, !this.deterministic)",
      ],
    }));

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
