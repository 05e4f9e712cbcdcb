// Math on sizes when the model is built: int(np.sqrt(n)), math.prod,
// np.prod(shape), x.shape[-1] // heads, max(...), tuples of sizes, len(x.shape).
import { describe, expect, it } from "vitest";
import { codeOf, verified } from "./verified.js";
import { STATIC_MATH, LIMITS } from "./programs.js";

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

  it("takes max/min of a config tuple, math.ceil/floor as ints, jnp.finfo/iinfo limits, dtypes from config and arrays, and softmax over all axes", async () => {
    await verified("limits.py", LIMITS, 6);
    const code = await codeOf("limits.py", LIMITS);
    expect(code).toContain("new nnx.Linear(xShape.at(-1)!, Math.max(...features), { rngs })");
    expect(code).toContain("Math.min(...features) + Math.ceil(xShape.at(-1)! / 3)");
    expect(code).toContain('const bigNeg = jnp.finfo("float32").min;');
    expect(code).toContain("nnx.softmax(att, null)");
    expect(code).toContain("nnx.softmax(att, { axis: -1, where: jnp.index(causal, jnp.newaxis) })");
    expect(code).toContain("jnp.multiply(2, x)");
    expect(code).toContain("jnp.asarray(x, this.dtype)");
    expect(code).toContain("jnp.zerosLike(x, x.dtype as jnp.DType)");
  }, 180_000);
});
