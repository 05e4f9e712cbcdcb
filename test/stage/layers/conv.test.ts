// Convolutions: Linen Conv (1-3 spatial axes, padding forms, dilations,
// groups), ConvTranspose, ConvLocal; Haiku Conv1D/2D/3D/ConvND (NHWC on
// nnx.Conv, NCHW on hk.Conv2D), Conv*Transpose, DepthwiseConv2D (NHWC, NCHW),
// SeparableDepthwiseConv2D; Haiku's padding forms (pairs, hk.pad functions, lambdas).
import { describe, it } from "vitest";
import { entry, expectVerifies, SLOW } from "./helpers.js";

const LINEN = `
import jax, jax.numpy as jnp
import flax.linen as nn

class Net(nn.Module):
    @nn.compact
    def __call__(self, x1, x2, x3):
        a = nn.Conv(4, kernel_size=3, strides=2, padding="VALID")(x1)
        b = nn.Conv(features=6, kernel_size=(3, 3), strides=(1, 1), padding="SAME", kernel_dilation=2, use_bias=False,
                    kernel_init=nn.initializers.he_normal())(x2)
        c = nn.Conv(4, (2, 2, 2), padding=((1, 0), (0, 1), (1, 1)))(x3)
        d = nn.Conv(4, (3,), padding="CAUSAL")(x1)
        e = nn.Conv(8, (3, 3), feature_group_count=2, padding="CIRCULAR")(x2)
        f = nn.ConvTranspose(5, (3, 3), strides=(2, 2))(x2)
        g = nn.ConvTranspose(5, (3, 3), strides=(2, 2), padding="VALID")(x2)
        h = nn.ConvLocal(3, (3, 3), strides=2)(x2)
        i = nn.Conv(4, (2, 2), input_dilation=2, padding=((1, 1), (0, 1)))(x2)
        return a, b, c, d, e, nn.Dense(3)(f.reshape((f.shape[0], -1))), g, h, nn.Dense(2)(i.reshape((i.shape[0], -1)))
`;

const HAIKU = `
import jax, jax.numpy as jnp
import haiku as hk

def forward(x1, x2, x3, xc):
    a = hk.Conv1D(4, kernel_shape=3, stride=2, padding="VALID")(x1)
    b = hk.Conv2D(output_channels=6, kernel_shape=3, rate=2, with_bias=False, w_init=hk.initializers.VarianceScaling(2.0))(x2)
    c = hk.Conv3D(4, (2, 2, 2), padding=((1, 0), (0, 1), (1, 1)))(x3)
    d = hk.ConvND(2, 5, 3, b_init=hk.initializers.RandomNormal(0.1))(x2)
    e = hk.Conv2D(6, 3, data_format="NCHW")(xc)
    f = hk.Conv2DTranspose(5, kernel_shape=3, stride=2)(x2)
    g = hk.Conv1DTranspose(3, 4, stride=2, padding="VALID", output_shape=20)(x1)
    h = hk.DepthwiseConv2D(channel_multiplier=2, kernel_shape=3)(x2)
    i = hk.SeparableDepthwiseConv2D(2, (3, 3), stride=2)(x2)
    j = hk.Conv2D(4, 3, feature_group_count=2)(x2)
    k = hk.DepthwiseConv2D(2, 3, data_format="NCHW")(xc)
    # Haiku's padding forms: one (low, high) pair for every axis, pad functions of the effective kernel size.
    l = hk.Conv2D(4, 3, padding=(1, 2))(x2)
    m = hk.Conv2D(4, (3, 2), padding=hk.pad.causal, rate=2)(x2)
    n = hk.Conv1D(3, 4, padding=lambda k: (k // 2, (k - 1) // 2))(x1)
    o = hk.Conv2D(4, 3, padding=(hk.pad.full, hk.pad.valid), data_format="NCHW")(xc)
    return a, b, c, d, e, hk.Linear(3)(hk.Flatten()(f)), g, h, hk.Linear(2)(hk.Flatten()(i)), j, k, l, m, n, o
`;

describe.concurrent("convolutions", SLOW, () => {
  it("Linen Conv, ConvTranspose, ConvLocal", () =>
    expectVerifies({
      name: "linen_conv",
      py: LINEN,
      entry: entry("Net()", ["x1=float32[2,9,3]", "x2=float32[2,6,6,4]", "x3=float32[2,4,5,6,2]"]),
      reads: ['padding: "CAUSAL"', "new nnx.ConvTranspose(", "new nnx.ConvLocal(", "inputShape: [", "inputDilation: 2"],
    }));

  it("Haiku convolutions", () =>
    expectVerifies({
      name: "haiku_conv",
      py: HAIKU,
      entry: entry("forward", ["x1=float32[2,9,3]", "x2=float32[2,6,6,4]", "x3=float32[2,4,5,6,2]", "xc=float32[2,3,6,6]"]),
      reads: ["new nnx.Conv(x1Features, 4, [3], {", 'dataFormat: "NCHW"', "new hk.Conv2DTranspose(", "new hk.DepthwiseConv2D(", "new hk.SeparableDepthwiseConv2D("],
    }));
});
