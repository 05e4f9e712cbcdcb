// Array creation, reductions (axis, keepdims, where, initial, ddof), cumulative
// ops, elementwise math, where/select/clip and astype, translated from Haiku
// and verified (values and dtypes) against live JAX.
import { describe, expect, it } from "vitest";
import { codeOf, errorsOf, verified } from "./verified.js";
import { REDUCE } from "./programs.js";

describe("creation, reductions and elementwise functions", () => {
  it("verifies", async () => {
    await verified("reduce.py", REDUCE, 80);
  }, 180_000);

  it("learns a computed input's shape through hk.without_apply_rng (the harness's stand-in init keeps _original_fn)", async () => {
    await verified(
      "norapply.py",
      `import haiku as hk
import jax
import jax.numpy as jnp


def forward(x):
    h = hk.Linear(4)(x)
    return jnp.var(h, axis=0, ddof=1) + h.std(axis=-1, keepdims=True)


f = hk.without_apply_rng(hk.transform(forward))
x = jnp.linspace(-1.0, 1.0, 12).reshape(4, 3)
params = f.init(jax.random.key(0), x)
`,
      4,
    );
  }, 120_000);

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
    expect(await bad("jnp.where(x > 0)")).toEqual([expect.stringMatching(/^9:16 NNX201 unsupported construct: jnp\.where: the one-argument form/)]);
    expect(await bad('jnp.pad(x, 1, mode="linear_ramp")')).toEqual([expect.stringMatching(/^9:16 NNX201 unsupported construct: jnp\.pad: mode="linear_ramp"/)]);
    expect(await bad('jnp.einsum("ij,jk->ik", x, x, preferred_element_type=jnp.float32)')).toEqual([expect.stringMatching(/^9:16 NNX201 unsupported construct: jnp\.einsum\(preferred_element_type="float32"\): the runtime has no/)]);
    expect(await bad("jnp.sum(x, promote_integers=False)")).toEqual([expect.stringMatching(/^9:16 NNX201 unsupported construct: jnp\.sum\(promote_integers=false\)/)]);
    expect(await bad("jnp.mean(x, axis=0, bogus=1)")).toEqual([expect.stringMatching(/^9:16 NNX201 unsupported construct: jnp\.mean has no parameter 'bogus'/)]);
    expect(await bad("jnp.nonzero(x)")).toEqual([expect.stringMatching(/^9:16 NNX201 .*jax\.numpy\.nonzero/)]);
    expect(await bad("jax.random.normal(jax.random.key(0), (2,), jnp.int32)")).toEqual([expect.stringMatching(/^9:16 NNX201 unsupported construct: jax\.random\.normal\(dtype="int32"\)/)]);
  }, 120_000);
});
