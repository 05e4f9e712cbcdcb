// A small GPT in the idioms real Flax code uses (`B, T, C = x.shape` in a
// submodule, jnp.split into q/k/v, reshape/transpose to heads, `@`,
// swapaxes, a causal mask with float("-inf"), embedding gathers, tied output
// weights), translated and verified against live Flax.
import { describe, expect, it } from "vitest";
import { codeOf, verified } from "./verified.js";
import { GPT } from "./programs.js";

describe("a small GPT", () => {
  it("verifies", async () => {
    await verified("gpt.py", GPT, 10);
  }, 180_000);

  it("sizes the attention's output layer from its heads, and reads like the source", async () => {
    const code = await codeOf("gpt.py", GPT);
    // B, T, C = x.shape in a submodule fixes x's rank, so reshape(B, T, -1) has heads * head_dim features.
    expect(code).toContain("this.dense1 = new nnx.Linear(numHeads * headDim, inFeatures, { rngs });");
    expect(code).toContain("let [q, k, v] = jnp.split(qkv, 3, -1);");
    expect(code).toContain("jnp.transpose(jnp.reshape(q, [B, T, this.numHeads, headDim]), [0, 2, 1, 3])");
    expect(code).toContain("jnp.where(jnp.equal(jnp.index(causal, jnp.newaxis, jnp.newaxis), 0), -Infinity, att)");
    expect(code).toContain("jnp.add(jnp.index(wte, ids), jnp.index(wpe, pos))");
    expect(code).toContain("jnp.matmul(x, jnp.transpose(wte))");
  }, 120_000);
});
