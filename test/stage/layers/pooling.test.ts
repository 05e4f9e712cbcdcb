// Pooling: Linen avg_pool / max_pool / pooling.min_pool / pool (padding
// forms, count_include_pad, a reduce function), Haiku max_pool / avg_pool
// and MaxPool / AvgPool, and hk.Flatten / hk.Reshape.
import { describe, it } from "vitest";
import { entry, expectVerifies } from "./helpers.js";

const LINEN = `
import jax, jax.numpy as jnp
import flax.linen as nn

class Net(nn.Module):
    @nn.compact
    def __call__(self, x):
        a = nn.avg_pool(x, window_shape=(2, 2), strides=(2, 2))
        b = nn.max_pool(x, (3, 3), strides=(1, 1), padding="SAME")
        c = nn.avg_pool(x, (3, 3), padding="SAME", count_include_pad=False)
        d = nn.pooling.min_pool(x, (2, 2), padding=((1, 1), (0, 0)))
        e = nn.pool(x, 0., jax.lax.add, (2, 2), (2, 2), "VALID")
        y = nn.Dense(4)(b.reshape((b.shape[0], -1)))
        return a + e, y, c.mean(axis=(1, 2)), d
`;

const HAIKU = `
import jax, jax.numpy as jnp
import haiku as hk

class Net(hk.Module):
    def __call__(self, x):
        b = hk.avg_pool(x, window_shape=(1, 3, 3, 1), strides=(1, 1, 1, 1), padding="SAME")
        c = hk.MaxPool(window_shape=(1, 3, 3, 1), strides=(1, 2, 2, 1), padding="SAME")(x)
        y = hk.Linear(4)(hk.Flatten()(c))
        return y, b

def forward(x):
    a = hk.max_pool(x, window_shape=2, strides=2, padding="VALID")
    d = hk.AvgPool(2, 2, "VALID", channel_axis=-1)(x)
    z = hk.Reshape((-1, 3))(d)
    y, b = Net()(x)
    return y, b, hk.Linear(5)(hk.Flatten(preserve_dims=2)(a)), z
`;

describe.concurrent("pooling", () => {
  it("Linen pooling functions", () =>
    expectVerifies({
      name: "linen_pool",
      py: LINEN,
      entry: entry("Net()", ["x=float32[2,6,6,3]"]),
      reads: ["nnx.avgPool(x, [2, 2], { strides: [2, 2] })", 'nnx.maxPool(x, [3, 3], { strides: [1, 1], padding: "SAME" })', "countIncludePad: false", "nnx.minPool(", "nnx.pool(x, 0, lax.add, [2, 2], [2, 2], \"VALID\")"],
    }));

  it("Haiku pooling functions and layers, Flatten and Reshape", () =>
    expectVerifies({
      name: "haiku_pool",
      py: HAIKU,
      entry: entry("forward", ["x=float32[2,6,6,3]"]),
      reads: ['new hk.MaxPool([1, 3, 3, 1], [1, 2, 2, 1], "SAME")', 'hk.avgPool(x, [1, 3, 3, 1], [1, 1, 1, 1], "SAME")', "new hk.Flatten(2)", "new hk.Reshape([-1, 3])", 'hk.maxPool(x, 2, 2, "VALID")'],
    }));
});
