// Shape ops, translated: layers after a flatten, a pool, a concat, an einsum,
// a split, a gather or a pad are sized by the shape rules, and the whole
// program verifies against live Flax.
import { describe, expect, it } from "vitest";
import { codeOf, verified } from "./verified.js";

const LAYOUT = `import jax
import jax.numpy as jnp
import flax.linen as nn


class Layout(nn.Module):
    heads: int = 2

    @nn.compact
    def __call__(self, x, img):
        # x: [B, T, D], img: [B, H, W, C]
        b, t, d = x.shape
        h = nn.Conv(4, (3, 3))(img)
        h = nn.avg_pool(h, (2, 2), strides=(2, 2))
        flat = h.reshape((h.shape[0], -1))
        y1 = nn.Dense(5)(flat)
        q = nn.Dense(8)(x).reshape(b, t, self.heads, -1)
        att = jnp.einsum("bthd,bshd->bhts", q, q)
        ctx = jnp.einsum("bhts,bshd->bthd", jax.nn.softmax(att, axis=-1), q).reshape(b, t, -1)
        y2 = nn.Dense(3)(ctx)
        z = jnp.concatenate([x, jnp.swapaxes(x, 1, 2).mean(axis=-1, keepdims=True).transpose(0, 2, 1)[:, :, :1].repeat(t, axis=1)], axis=-1)
        y3 = nn.Dense(2)(z)
        s1, s2 = jnp.split(x, 2, axis=-1)
        y4 = nn.Dense(2)(jnp.stack([s1, s2], axis=1).reshape(b, -1))
        idx = jnp.argmax(x, axis=-1)
        g = jnp.take_along_axis(x, idx[..., None], axis=-1)
        tk = jnp.take(x, jnp.array([0, 2]), axis=1)
        y5 = nn.Dense(3)(jnp.concatenate([g.squeeze(-1), tk.reshape(b, -1)], axis=1))
        p = jnp.pad(x, ((0, 0), (1, 2), (0, 0)))
        tl = jnp.tile(x[:, :1, :], (1, 2, 1))
        y6 = nn.Dense(2)(jnp.moveaxis(jnp.concatenate([p, tl], axis=1), 1, -1))
        e = jnp.expand_dims(x, 0)
        bt = jnp.broadcast_to(x[:, None, :, :], (b, 3, t, d))
        y7 = nn.Dense(2)(jnp.flip(jnp.roll(bt, 1, axis=2), axis=1).reshape(b, 3, -1))
        o = jnp.outer(x[0, 0], x[1, 1])
        td = jnp.tensordot(x, o, axes=1)
        dg = jax.lax.dot_general(x, o, (((2,), (0,)), ((), ())))
        y8 = nn.Dense(2)(td + dg + jnp.dot(x, o) + x @ o + jnp.matmul(x, o))
        return y1, y2, y3, y4, y5, y6, y7, y8, e.sum(axis=0), jnp.ravel(x).reshape(-1, d)


model = Layout()
params = model.init(jax.random.key(0), jnp.ones((2, 6, 4)), jnp.ones((2, 8, 8, 3)))
`;

describe("shape ops", () => {
  it("sizes layers after reshape(-1), pooling, einsum, concatenate, split/stack, gathers, pad, tile, moveaxis, broadcast_to, tensordot and dot_general", async () => {
    await verified("layout.py", LAYOUT, 26);
  }, 180_000);

  it("writes the runtime's calls as a person would, and sizes that cancel", async () => {
    const code = await codeOf("layout.py", LAYOUT);
    expect(code).toContain('jnp.einsum("bthd,bshd->bhts", q, q)');
    expect(code).toContain("nnx.avgPool(h, [2, 2], { strides: [2, 2] })");
    expect(code).toContain("jnp.mean(jnp.swapaxes(x, 1, 2), -1, { keepdims: true })");
    expect(code).toContain("const [s1, s2] = jnp.split(x, 2, -1);");
    expect(code).toContain("jnp.takeAlongAxis(x, jnp.index(idx, jnp.ellipsis, jnp.newaxis), -1)");
    // reshape(b, t, -1) after an einsum over heads: 8 features, whatever the input's sizes.
    expect(code).toContain("new nnx.Linear(8, 3, { rngs })");
    // flatten after conv (SAME) and a 2x2 average pool (VALID, stride 2).
    expect(code).toMatch(/new nnx\.Linear\(\s*\(Math\.floor\(\(imgShape\.at\(-3\)! - 2\) \/ 2\) \+ 1\) \*/);
  }, 120_000);
});
