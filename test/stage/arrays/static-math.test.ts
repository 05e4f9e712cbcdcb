// Math on sizes when the model is built: int(np.sqrt(n)), math.prod,
// np.prod(shape), x.shape[-1] // heads, max(...), tuples of sizes, len(x.shape).
import { describe, expect, it } from "vitest";
import { codeOf, verified } from "./verified.js";

const STATIC_MATH = `import math
import numpy as np
import jax
import jax.numpy as jnp
import flax.linen as nn


class StaticMath(nn.Module):
    num_heads: int = 2
    patch: int = 2

    @nn.compact
    def __call__(self, x):
        # x: [B, N, D] with N a square number of patches
        b, n, d = x.shape
        side = int(np.sqrt(n))
        head_dim = x.shape[-1] // self.num_heads
        grid = x.reshape(b, side, side, d)
        feats = math.prod(grid.shape[1:])
        total = np.prod(x.shape)
        rank = len(x.shape)
        widest = max(d, 2 * head_dim, 3)
        sizes = (head_dim, widest)
        h = nn.Dense(sizes[0] * self.num_heads)(x)
        flat = grid.reshape(b, feats)
        y = nn.Dense(widest)(flat)
        z = nn.Dense(sizes[-1] + rank)(h.reshape(b, n, self.num_heads, head_dim).mean(axis=2))
        scale = 1.0 / math.sqrt(head_dim)
        return y * scale + total, z


model = StaticMath()
params = model.init(jax.random.key(0), jnp.ones((2, 4, 6)))
`;

describe("static math on sizes", () => {
  it("sizes layers from math on the input's shape and config, and verifies", async () => {
    await verified("smath.py", STATIC_MATH, 8);
  }, 180_000);

  it("computes the sizes in the constructor from the input shape", async () => {
    const code = await codeOf("smath.py", STATIC_MATH);
    expect(code).toContain("const side = Math.trunc(Math.sqrt(xShape.at(-2)!));");
    expect(code).toContain("const headDim = Math.floor(xShape.at(-1)! / numHeads);");
    expect(code).toContain("const feats = side * side * xShape.at(-1)!;");
    expect(code).toContain("const rank = 3;");
    expect(code).toContain("const widest = Math.max(xShape.at(-1)!, 2 * headDim, 3);");
  }, 120_000);
});
