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

const LIMITS = `import math
import jax
import jax.numpy as jnp
import numpy as np
import flax.linen as nn


class Masked(nn.Module):
    features: tuple = (4, 6, 3)

    @nn.compact
    def __call__(self, x):
        # x: [B, T, D]
        b, t, d = x.shape
        q = nn.Dense(max(self.features))(x)
        att = jnp.einsum("...qd,...kd->...qk", q, q) / math.sqrt(q.shape[-1])
        causal = jnp.tril(jnp.ones((t, t), dtype=jnp.bool_))
        big_neg = jnp.finfo(jnp.float32).min
        att = jnp.where(causal[None], att, big_neg)
        att = jax.nn.softmax(att, axis=None) + jax.nn.softmax(att, axis=-1, where=causal[None])
        pos = jnp.arange(t)[None, :] - jnp.arange(t)[:, None]
        bias = jnp.clip(pos, -2, 2).astype(jnp.float32) * 0.1
        y = att + bias
        big = jnp.iinfo(jnp.int32).max
        m = jnp.minimum(pos, big) * 1.0
        return nn.Dense(min(self.features) + math.ceil(d / 3))(y), m, math.floor(2.5) * x


model = Masked()
params = model.init(jax.random.key(0), jnp.ones((2, 5, 4)))
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

  it("takes max/min of a config tuple, math.ceil/floor as ints, jnp.finfo/iinfo limits, and softmax over all axes", async () => {
    await verified("limits.py", LIMITS, 6);
    const code = await codeOf("limits.py", LIMITS);
    expect(code).toContain("new nnx.Linear(xShape.at(-1)!, Math.max(...features), { rngs })");
    expect(code).toContain("Math.min(...features) + Math.ceil(xShape.at(-1)! / 3)");
    expect(code).toContain('const bigNeg = jnp.finfo("float32").min;');
    expect(code).toContain("nnx.softmax(att, null)");
    expect(code).toContain("nnx.softmax(att, { axis: -1, where: jnp.index(causal, jnp.newaxis) })");
    expect(code).toContain("jnp.multiply(2, x)");
  }, 180_000);
});
