// jnp.meshgrid: 'xy' and 'ij' indexing, sparse grids, and grids sized by an input
// (a spatial softmax's keypoint coordinates) in a function of the file.
import { describe, expect, it } from "vitest";
import { entry, translateText, verifyText } from "../../helpers/verify-text.js";

const errors = (ds: Array<{ severity: string }>) => ds.filter((d) => d.severity === "error");

const POINTS = `
import flax.linen as nn
import jax
import jax.numpy as jnp


def keypoints(fmap):
    h, w, c = fmap.shape[-3], fmap.shape[-2], fmap.shape[-1]
    gx, gy = jnp.meshgrid(jnp.linspace(-1.0, 1.0, h), jnp.linspace(-1.0, 1.0, w), indexing='ij')
    flat = fmap.reshape(fmap.shape[:-3] + (h * w, c))
    att = jax.nn.softmax(flat, axis=-2)
    ex = jnp.sum(att * gx.reshape(-1)[..., None], axis=-2)
    ey = jnp.sum(att * gy.reshape(-1)[..., None], axis=-2)
    return jnp.concatenate([ex, ey], axis=-1)


class Points(nn.Module):
    @nn.compact
    def __call__(self, x):
        f = nn.Conv(4, kernel_size=(3, 3))(x)
        u, v = jnp.meshgrid(jnp.arange(3.0), jnp.arange(2.0) * 2.0)
        s, t = jnp.meshgrid(jnp.arange(3.0), jnp.arange(2.0), sparse=True)
        return nn.Dense(3)(keypoints(f)), u * v + s + t
`;

describe("jnp.meshgrid", () => {
  it("xy, ij and sparse grids, one sized by an input, verify", async () => {
    const e = entry("Points()", ["x=float32[2,5,6,3]"]);
    const r = await verifyText("points.py", POINTS, e);
    expect(errors(r.diagnostics)).toEqual([]);
    expect(r.checks.filter((c) => c.kind === "output").length).toBe(2);
    expect(r.ok).toBe(true);
    const t = await translateText("points.py", POINTS, e);
    expect(t.code).toContain("const [gx, gy] = jnp.meshgrid(");
    expect(t.code).toContain('indexing: "ij"');
    expect(t.code).toContain("sparse: true");
  }, 180_000);
});
