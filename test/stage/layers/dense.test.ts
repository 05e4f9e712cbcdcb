// Dense layers beyond nn.Dense: Linen DenseGeneral (features tuples, axes,
// batch_dims) and Einsum (equation in the constructor or at the call).
import { describe, it } from "vitest";
import { entry, expectVerifies } from "./helpers.js";

const LINEN = `
import jax, jax.numpy as jnp
import flax.linen as nn

class Heads(nn.Module):
    @nn.compact
    def __call__(self, x, y):
        q = nn.DenseGeneral(features=(2, 8), kernel_init=nn.initializers.normal(0.1), name="q")(x)
        o = nn.DenseGeneral(features=5, axis=(-2, -1), use_bias=False)(q)
        b = nn.DenseGeneral(4, axis=-1, batch_dims=(0,), bias_init=nn.initializers.uniform())(y)
        e = nn.Einsum((6, 2, 3), "bta,ahk->bthk")(x)
        f = nn.Einsum((6, 4), use_bias=False)(x, "bta,ak->btk")
        return o, b, e, f
`;

describe.concurrent("dense", () => {
  it("Linen DenseGeneral and Einsum", () =>
    expectVerifies({
      name: "linen_dense_general",
      py: LINEN,
      entry: entry("Heads()", ["x=float32[2,5,6]", "y=float32[3,4,6]"]),
      reads: ["new nnx.LinearGeneral(xFeatures, [2, 8], {", "axis: [-2, -1]", 'new nnx.Einsum("bta,ahk->bthk", [6, 2, 3], [2, 3], { rngs })', 'this.einsum1.call(x, "bta,ak->btk")'],
    }));
});
