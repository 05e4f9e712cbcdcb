// Normalization: Linen LayerNorm (several feature axes), RMSNorm (mask),
// GroupNorm (num_groups / group_size), InstanceNorm, BatchNorm (one and
// several axes; switched by a mode field of the entry module) and Haiku's LayerNorm (any axes, param_axis), RMSNorm,
// GroupNorm, InstanceNorm on the NNX layers.
import { describe, expect, it } from "vitest";
import { entry, expectVerifies, SLOW } from "./helpers.js";

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

// The entry module's own mode field (\`training: bool = True\`): the translation has
// train()/eval() instead; the original is compared with the field set for each mode.
const FIELD_MODE = `
import jax, jax.numpy as jnp
import flax.linen as nn

class Net(nn.Module):
    features: int = 4
    training: bool = True

    @nn.compact
    def __call__(self, x):
        x = nn.Dense(self.features)(x)
        x = nn.BatchNorm(use_running_average=not self.training, momentum=0.8)(x)
        x = nn.Dropout(0.5, deterministic=not self.training)(x)
        x = nn.Dropout(0.25, deterministic=not self.training, rng_collection='noise')(x)
        return nn.relu(x)
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

const HAIKU_EMA = `
import jax, jax.numpy as jnp
import haiku as hk

def forward(x):
    h = hk.Linear(4)(x)
    avg = hk.ExponentialMovingAverage(0.9)(h)
    slow = hk.ExponentialMovingAverage(0.99, zero_debias=False, warmup_length=2, name="slow")(jnp.mean(h), update_stats=True)
    return h - avg + slow

model = hk.transform_with_state(forward)
params, state = model.init(jax.random.key(0), jnp.ones((2, 3)))
`;

const HAIKU_SPECTRAL = `
import jax, jax.numpy as jnp
import haiku as hk

class SNLinear(hk.Module):
    def __init__(self, out, name=None):
        super().__init__(name=name)
        self.out = out

    def __call__(self, x):
        w = hk.get_parameter("w", [x.shape[-1], self.out], init=hk.initializers.TruncatedNormal(0.5))
        w = hk.SpectralNorm()(w)
        k = hk.get_parameter("k", [3, 3, x.shape[-1], 2], init=hk.initializers.RandomNormal())
        k = hk.SpectralNorm(eps=1e-3, n_steps=2, name="conv_sn")(k, update_stats=True)
        return x @ w, k.sum()

def forward(x):
    return SNLinear(4)(x)

model = hk.transform_with_state(forward)
params, state = model.init(jax.random.key(0), jnp.ones((2, 3)))
`;

describe.concurrent("normalization", SLOW, () => {
  it("Linen norms", () =>
    expectVerifies({
      name: "linen_norms",
      py: LINEN,
      entry: entry("Model()", ["x=float32[3,5,4,6]", "mask=bool[3,5,4,6]"]),
      reads: ["new nnx.RMSNorm(", "this.rmsNorm.call(x, { mask })", "{ numGroups: null, groupSize: 2, rngs }", "new nnx.InstanceNorm(", "{ axis: [1, 2], rngs }", "featureAxes: [-2, -1]"],
    }));

  it("a mode field the call also takes (`deterministic` merged with nn.merge_param): set by the call's flag, not cloned in", () =>
    expectVerifies({
      name: "linen_merged_mode",
      py: `
from typing import Optional
import jax, jax.numpy as jnp
import flax.linen as nn

class Net(nn.Module):
    deterministic: Optional[bool] = None

    @nn.compact
    def __call__(self, x, deterministic: Optional[bool] = None):
        deterministic = nn.merge_param("deterministic", self.deterministic, deterministic)
        x = nn.Dense(4)(x)
        return nn.Dropout(0.5)(x, deterministic=deterministic)
`,
      entry: entry("Net()", ["x=float32[4,3]"], { kwargs: { deterministic: "False" }, rngs: ["dropout"] }),
    }));

  it("a merged mode field the entry sets (`Net(train=False)`, init without the flag): the reference clears it, each mode is the call's", async () => {
    const r = await expectVerifies({
      name: "linen_merged_mode_field_set",
      py: `
from typing import Optional
import jax, jax.numpy as jnp
from flax import linen as nn

class Net(nn.Module):
    classes: int = 3
    train: Optional[bool] = None

    @nn.compact
    def __call__(self, x, train: Optional[bool] = None):
        train = nn.merge_param("train", self.train, train)
        x = nn.Dense(6)(x)
        x = nn.BatchNorm(use_running_average=not train, momentum=0.8)(x)
        x = nn.Dropout(0.25, deterministic=not train)(nn.relu(x))
        return nn.Dense(self.classes)(x)

model = Net(train=False)
variables = model.init(jax.random.PRNGKey(0), jnp.ones((4, 5)))
`,
    });
    expect(r.checks.filter((c) => c.name.startsWith("output")).map((c) => c.name)).toEqual(["output (eval mode)", "output (train mode)"]);
  });

  it("Linen BatchNorm and Dropout switched by the entry module's own training field; a Dropout's own rng_collection", () =>
    expectVerifies({ name: "linen_field_mode", py: FIELD_MODE, entry: entry("Net(training=False)", ["x=float32[4,3]"]), reads: ["readonly batchNorm: nnx.BatchNorm;", "momentum: 0.8", 'rngCollection: "noise"'] }));

  it("Haiku norms on the NNX layers", () =>
    expectVerifies({
      name: "haiku_norms",
      py: HAIKU,
      entry: entry("forward", ["x=float32[3,5,4,6]"]),
      reads: ["reductionAxes: [1, 2, 3]", "new nnx.GroupNorm(inFeatures, {\n      numGroups: 2,", "useFastVariance: false"],
    }));

  it("hk.ExponentialMovingAverage: zero_debias, warmup_length, update_stats; its average set by init's call", () =>
    expectVerifies({
      name: "haiku_ema",
      py: HAIKU_EMA,
      reads: ["new hk.ExponentialMovingAverage([xShape.at(-2)!, 4], 0.9)", "new hk.ExponentialMovingAverage([], 0.99, { zeroDebias: false, warmupLength: 2 })", "this.slow.call(jnp.mean(h), true)"],
    }));

  it("hk.SpectralNorm of parameters: eps, n_steps, update_stats; u0 keyed as Haiku draws it", () =>
    expectVerifies({
      name: "haiku_spectral_norm",
      py: HAIKU_SPECTRAL,
      reads: ["new hk.SpectralNorm(out, { rngs })", "new hk.SpectralNorm(2, { eps: 0.001, nSteps: 2, rngs })", "w = this.spectralNorm.call(w);"],
    }));
});
