// Subscripts, translated from Haiku: basic indexing (ints, slices with
// steps, None, ...), integer-array gathers (an embedding table indexed by
// ids), NumPy's advanced-index placement, bool masks, .at[] updates, and
// unpacking an array along its first axis, verified against live JAX.
import { describe, expect, it } from "vitest";
import { codeOf, errorsOf, verified } from "./verified.js";
import { SUBS } from "./programs.js";
import { entry } from "../../helpers/verify-text.js";

// Full slices after an ellipsis keep their axes: `x[..., 0, :]` indexes the last axis but one.
const ELLIPSIS_TAIL = `import flax.linen as nn
import jax.numpy as jnp


class Tail(nn.Module):
    @nn.compact
    def __call__(self, x):
        a = x[..., 0, :]
        b = x[..., 1:, :]
        return nn.Dense(2)(a), b.sum(axis=-2), x[0, ..., -1, :]
`;

describe("subscripts", () => {
  it("verifies x[..., 0, :] and x[..., 1:, :] (trailing ':' after an ellipsis kept)", async () => {
    await verified("tail.py", ELLIPSIS_TAIL, 3, entry("Tail()", ["x=float32[2,4,3]"]));
  }, 180_000);

  it("verifies x[:, -1, :], mask[:, None, None, :], x[..., ::2], emb[ids], advanced indices, bool masks, .at[] and unpacking", async () => {
    await verified("subs.py", SUBS, 12);
  }, 180_000);

  it("writes jnp.index / jnp.at with jnp.slice, jnp.newaxis and jnp.ellipsis", async () => {
    const code = await codeOf("subs.py", SUBS);
    expect(code).toContain("jnp.index(x, jnp.slice(), -1)");
    expect(code).toContain("jnp.index(mask, jnp.slice(), jnp.newaxis, jnp.newaxis)");
    expect(code).toContain("jnp.index(x, jnp.ellipsis, jnp.slice(null, null, 2))");
    expect(code).toContain("jnp.index(emb, ids)");
    expect(code).toContain("jnp.at(x, jnp.slice(), 0).set(");
    expect(code).toContain("const [first, second] = tf.unstack(x);");
    expect(code).toContain("for (const row of tf.unstack(x)) {");
    // The embedding's rows are the gather's rows: the concatenation's width is dim + 2 x's.
    expect(code).toContain("new nnx.Linear(dim + xFeatures + Math.ceil(xFeatures / 2), 3");
  }, 120_000);

  it("reports what JAX rejects or the translator cannot size, at the item's line and column", async () => {
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
    expect(await errorsOf("bad.py", `${head}        return x[[0, 1]]${tail}`)).toEqual([expect.stringMatching(/^9:18 NNX201 .*a list must be written jnp\.array/)]);
    expect(await errorsOf("bad.py", `${head}        return x[x.sum().astype(jnp.int32):]${tail}`)).toEqual([expect.stringMatching(/^9:18 NNX201 .*slice bound that is an array/)]);
    expect(await errorsOf("bad.py", `${head}        return x[jnp.ones((2,))]${tail}`)).toEqual([expect.stringMatching(/^9:18 NNX201 .*float array/)]);
    expect(await errorsOf("bad.py", `${head}        a, b, c = x[:3]${tail.replace("\n\n", "\n        return a\n\n")}`)).toEqual([]);
  }, 120_000);
});
