// Python operators on arrays and Python scalars, translated: every result's
// dtype and values against live JAX (int32 - 3.0 is float32; int32 - 3 stays
// int32; x ** 2.0 is lax.pow, x ** 2 integer_pow), and the TypeScript keeps
// a Python float a float only where that decides something.
import { describe, expect, it } from "vitest";
import { codeOf, errorsOf, verified } from "./verified.js";
import { MIXED } from "./programs.js";

describe("operators on arrays and Python scalars", () => {
  it("gives JAX's dtype and values for each operator on int32, float32 and bool arrays against Python ints, floats and bools", async () => {
    const r = await verified("mixed.py", MIXED, 70);
    // Every output is compared, dtype included.
    expect(r.checks.filter((c) => c.kind === "output").length).toBe(68);
  }, 180_000);

  it("writes a Python float as jnp.pyFloat only where it decides the dtype or the kernel", async () => {
    const code = await codeOf("mixed.py", MIXED);
    expect(code).toContain("jnp.subtract(i, jnp.pyFloat(3))"); // int32 - 3.0 is float32
    expect(code).toContain("jnp.subtract(i, 3)"); // int32 - 3 stays int32
    expect(code).toContain("jnp.power(f, jnp.pyFloat(2))"); // lax.pow, not integer_pow
    expect(code).toContain("jnp.power(f, 2)");
    expect(code).toContain("jnp.subtract(f, 3)"); // float32 - 3.0: the float changes nothing
    expect(code).toContain("jnp.divide(i, 2)"); // true division is float32 anyway
    expect(code).toContain("jnp.add(i, jnp.pyFloat(k))"); // a float the translator cannot see
    expect(code).toContain("jnp.bitwiseNot(b)");
    expect(code).toContain("jnp.greater(i, true)");
  }, 120_000);

  it("reports a chained comparison of arrays (Python asks an array for its truth value) at its line", async () => {
    const errors = await errorsOf(
      "chained.py",
      `
import jax
import jax.numpy as jnp
import flax.linen as nn

class Chained(nn.Module):
    @nn.compact
    def __call__(self, x):
        return 0.0 < x < 1.0

model = Chained()
params = model.init(jax.random.key(0), jnp.ones((2, 4)))
`,
    );
    expect(errors).toEqual([expect.stringMatching(/^9:16 NNX201 .*chained comparison of arrays/)]);
  }, 120_000);
});
