// Shape ops, translated: layers after a flatten, a pool, a concat, an einsum,
// a split, a gather or a pad are sized by the shape rules, and the whole
// program verifies against live Flax.
import { describe, expect, it } from "vitest";
import { codeOf, verified } from "./verified.js";
import { LAYOUT } from "./programs.js";

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
