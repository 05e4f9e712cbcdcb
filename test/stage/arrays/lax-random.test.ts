// jax.lax's functions and jax.random's samplers in module code, translated:
// keys are split and folded as JAX does, samples are bit-exact, and the
// lax slicing/dot_general/select family verifies against live Flax.
import { describe, expect, it } from "vitest";
import { codeOf, verified } from "./verified.js";
import { LAX_RANDOM } from "./programs.js";

// A VAE's reparameterization: the key is a call argument, given as a raw `jax.random.PRNGKey(n)` in the init call.
const REPARAM = `import jax
import jax.numpy as jnp
import flax.linen as nn


class VAE(nn.Module):
    latents: int = 4

    @nn.compact
    def __call__(self, x, z_rng):
        mean = nn.Dense(self.latents)(x)
        logvar = nn.Dense(self.latents)(x)
        z = mean + jnp.exp(0.5 * logvar) * jax.random.normal(z_rng, logvar.shape)
        return nn.Dense(x.shape[-1])(z), mean, logvar


params = VAE().init(jax.random.PRNGKey(0), jnp.ones((3, 6)), jax.random.PRNGKey(1))
`;

describe("jax.lax and jax.random", () => {
  it("takes a raw jax.random.PRNGKey given to the call as a key input", async () => {
    const r = await verified("vae.py", REPARAM, 6);
    expect(r.notes.join()).toMatch(/z_rng key\[\]/);
  }, 120_000);


  it("verifies stop_gradient, rsqrt, dynamic_slice, dynamic_update_slice, slice, dot_general, conv_general_dilated, reduce_window, scan, clamp, select, erf, broadcast_in_dim and every sampler", async () => {
    await verified("laxrand.py", LAX_RANDOM, 8);
  }, 180_000);

  it("binds keys to locals and passes samplers' options as the runtime takes them", async () => {
    const code = await codeOf("laxrand.py", LAX_RANDOM);
    expect(code).toContain("const [k1, k2] = random.split(key, 2);");
    expect(code).toContain("random.uniform(k2, [2, 6], { minval: -1, maxval: 2 })");
    expect(code).toContain("random.truncatedNormal(k3, -2, 2, [2, 6])");
    expect(code).toContain("lax.dynamicSlice(h, [0, 1, 2], [2, 3, 4])");
    expect(code).toContain("random.randint(k2, [2, 6], -3, 70000)");
    expect(code).toContain("{ reverse: true },");
    expect(code).toContain("{ length: 4 },");
    // A method's keyword default is Python's.
    expect(code).toContain("{ temperature = 2 }: { temperature?: number } = {}");
  }, 120_000);
});
