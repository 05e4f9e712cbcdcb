// Python operators on arrays and Python scalars, translated: every result's
// dtype and values against live JAX (int32 - 3.0 is float32; int32 - 3 stays
// int32; x ** 2.0 is lax.pow, x ** 2 integer_pow), and the TypeScript keeps
// a Python float a float only where that decides something.
import { describe, expect, it } from "vitest";
import { codeOf, errorsOf, verified } from "./verified.js";

const MIXED = `
import jax
import jax.numpy as jnp
import flax.linen as nn


class Mixed(nn.Module):
    lo: int = 0

    @nn.compact
    def __call__(self, x):
        f = nn.Dense(3)(x)
        i = jnp.arange(6).reshape(2, 3) - 2
        j = i * 2 + 1
        b = f > 0.0
        n = i + 2
        k = 1.0 if self.lo <= 1 < 3 else 2.0
        return (
            i - 3.0, i - 3, i - True, i + 2.0, 3.0 - i, 2.5 * i, i * True, i / 2, i / 2.0,
            i // 2, i // -2.0, i % 3, i % 2.0, i ** 2, n ** 2.0, 2 ** n, f ** 2, f ** 2.0, jnp.abs(f) ** 0.5,
            f - 3.0, 3 - f, f * True, f / 4, f // 2.0, f % 1.5, -f, -i, ~i, ~b, -(i * 1.0), +i,
            b + 1, b * 2.5, b + b, b * b, b & True, b | False, b ^ True, i & 3, i | 4, i ^ 1, i << 1, n >> 1,
            i + f, i * b, f * b, j // i.clip(1, None), j % (i + 3), f // (f + 3.0), f % (f + 3.0),
            i < 1.5, i <= 1, i == 2, i != 2.0, i > True, f >= 0.0, f < i, b == True, b != False, 1 < i,
            i @ i.T, f @ f.T, (i - 3.0).astype(jnp.int32), jnp.float32(i), jnp.int32(f * 3),
            f + k, i + k, i * k,
        )


model = Mixed()
params = model.init(jax.random.key(0), jnp.ones((2, 4)))
`;

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
    expect(errors).toEqual([expect.stringMatching(/^10:16 NNX201 .*chained comparison of arrays/)]);
  }, 120_000);
});
