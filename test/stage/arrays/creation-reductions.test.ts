// Array creation, reductions (axis, keepdims, where, initial, ddof), cumulative
// ops, elementwise math, where/select/clip and astype, translated from Haiku
// and verified (values and dtypes) against live JAX.
import { describe, expect, it } from "vitest";
import { codeOf, errorsOf, verified } from "./verified.js";

const REDUCE = `import haiku as hk
import jax
import jax.numpy as jnp
import numpy as np


class Reduce(hk.Module):
    def __call__(self, x):
        # x: [B, T, D]
        h = hk.Linear(4)(x)
        b, t, d = h.shape
        valid = jnp.arange(t)[None, :, None] < 3
        z = jnp.zeros((b, 2)) + jnp.ones((b, 2), dtype=jnp.int32) + jnp.full((b, 2), 1.0) + jnp.full((b, 2), 2)
        zl = jnp.zeros_like(h) + jnp.ones_like(h, dtype=jnp.int32) + jnp.full_like(h, 0.5) + jnp.empty_like(h) * 0
        ar = jnp.arange(1, 9, 2) + jnp.arange(4.0) + jnp.arange(0, 1, 0.25)
        ls = jnp.linspace(0.0, 1.0, 4) + jnp.linspace(0, 1, 4, endpoint=False)
        ey = jnp.eye(4) + jnp.eye(4, 4, 1) + jnp.tri(4) + jnp.identity(4, dtype=jnp.int32) + jnp.tril(h[0, :4]) + jnp.triu(h[1, 1:], 1)
        arr = jnp.array([[1.0, 2], [3, 4]]) + jnp.array([1, 2]) + jnp.asarray([0.5, 1.5]) + np.array([1.0, 2.0])
        sums = (
            h.sum(), h.sum(axis=-1), h.sum(axis=(0, 2), keepdims=True), jnp.sum(h, axis=1, where=valid),
            jnp.mean(h, axis=-1, keepdims=True), h.mean(axis=1, where=valid), jnp.var(h, axis=-1), h.std(axis=0, ddof=1),
            jnp.max(h, axis=-1), h.min(axis=(1, 2)), jnp.max(h, axis=1, where=valid, initial=-1.0), jnp.prod(h[..., :2], axis=-1),
            jnp.argmax(h, axis=-1), h.argmin(axis=1), jnp.argmax(h), jnp.argmax(h, axis=-1, keepdims=True),
            jnp.cumsum(h, axis=1), h.cumprod(axis=-1), jnp.cumsum(h), jnp.cumsum(valid, axis=1),
            jax.nn.logsumexp(h, axis=-1), jax.scipy.special.logsumexp(h, axis=1, keepdims=True), jnp.all(h > -1.0, axis=-1), jnp.any(h > 1.0),
            jnp.sum(valid), jnp.mean(jnp.arange(5)), jnp.linalg.norm(h, axis=-1), jnp.count_nonzero(h > 0, axis=1),
        )
        u = jnp.abs(h) + 0.5
        ew = (
            jnp.exp(h), jnp.log(u), jnp.log1p(u), jnp.expm1(h), jnp.log2(u), jnp.log10(u), jnp.sqrt(u), jax.lax.rsqrt(u),
            jnp.sin(h), jnp.cos(h), jnp.tan(h * 0.3), jnp.arctan(h), jnp.arcsin(jnp.tanh(h)), jnp.arctan2(h, u),
            jnp.sinh(h), jnp.cosh(h), jnp.tanh(h), jnp.arcsinh(h), jnp.sign(h), jnp.floor(h), jnp.ceil(h), jnp.round(h, 1),
            jnp.square(h), jnp.reciprocal(u), jnp.maximum(h, 0.0), jnp.minimum(h, -h), jnp.clip(h, -0.5, 0.5), h.clip(max=0.2),
            jnp.where(h > 0, h, 0.1 * h), jnp.where(h > 0, 1.0, 0.0), jnp.select([h > 0.5, h < -0.5], [h, -h], 0.0),
            jnp.logical_and(h > 0, valid), jnp.logical_not(h > 0), jnp.logical_or(h > 0.5, h < -0.5), jnp.isnan(h), jnp.isfinite(h),
            h.astype(jnp.int32), (h > 0).astype(jnp.float32), jnp.astype(h, jnp.int32), jnp.power(u, 3), jnp.float_power(u, 2),
        )
        y = hk.Linear(3)(jnp.concatenate([h, zl, jnp.broadcast_to(z[:, None, :1], (b, t, 1))], axis=-1))
        return y, ar, ls, ey, arr, sums, ew


def forward(x):
    return Reduce()(x)


f = hk.transform(forward)
params = f.init(jax.random.key(0), jnp.ones((2, 5, 3)))
`;

describe("creation, reductions and elementwise functions", () => {
  it("verifies", async () => {
    await verified("reduce.py", REDUCE, 80);
  }, 180_000);

  it("passes keyword arguments in one options object, as the runtime takes them", async () => {
    const code = await codeOf("reduce.py", REDUCE);
    expect(code).toContain("jnp.mean(h, -1, { keepdims: true })");
    expect(code).toContain("jnp.sum(h, [0, 2], { keepdims: true })");
    expect(code).toContain("jnp.sum(h, 1, { where: valid })");
    expect(code).toContain("jnp.std(h, 0, { ddof: 1 })");
    expect(code).toContain("jnp.max(h, 1, { initial: -1, where: valid })");
    expect(code).toContain("jnp.linspace(0, 1, 4, { endpoint: false })");
    expect(code).toContain("jnp.full([b, 2], jnp.pyFloat(1))"); // full(..., 1.0) is float32, full(..., 2) int32
    expect(code).toContain("jnp.clip(h, null, 0.2)");
  }, 120_000);

  it("reports arguments the runtime does not take at the call", async () => {
    const head = `
import jax
import jax.numpy as jnp
import flax.linen as nn


class Bad(nn.Module):
    @nn.compact
    def __call__(self, x):
`;
    const tail = `

model = Bad()
params = model.init(jax.random.key(0), jnp.ones((4, 4)))
`;
    const bad = async (line: string) => errorsOf("bad.py", `${head}        return ${line}${tail}`);
    expect(await bad("jnp.where(x > 0)")).toEqual([expect.stringMatching(/^10:16 NNX201 unsupported construct: jnp\.where: the one-argument form/)]);
    expect(await bad('jnp.pad(x, 1, mode="linear_ramp")')).toEqual([expect.stringMatching(/^10:16 NNX201 unsupported construct: jnp\.pad: mode="linear_ramp"/)]);
    expect(await bad('jnp.einsum("ij,jk->ik", x, x, preferred_element_type=jnp.float32)')).toEqual([expect.stringMatching(/^10:16 NNX201 unsupported construct: jnp\.einsum\(preferred_element_type="float32"\): the runtime has no/)]);
    expect(await bad("jnp.sum(x, promote_integers=False)")).toEqual([expect.stringMatching(/^10:16 NNX201 unsupported construct: jnp\.sum\(promote_integers=false\)/)]);
    expect(await bad("jnp.mean(x, axis=0, bogus=1)")).toEqual([expect.stringMatching(/^10:16 NNX201 unsupported construct: jnp\.mean has no parameter 'bogus'/)]);
    expect(await bad("jnp.nonzero(x)")).toEqual([expect.stringMatching(/^10:16 NNX201 .*jax\.numpy\.nonzero/)]);
    expect(await bad("jax.random.normal(jax.random.key(0), (2,), jnp.int32)")).toEqual([expect.stringMatching(/^10:16 NNX201 unsupported construct: jax\.random\.normal\(dtype="int32"\)/)]);
  }, 120_000);
});
