// Variables made with a key the module draws itself (`self.variable(col, name, init,
// self.make_rng(s), shape)`): the constructor draws it from its rngs, and the seeded
// factory redraws it with Linen's key (the scope's make_rng(s) count). A hand-written
// spectral-normalized dense layer (power iteration, its vector updated by every call,
// init's own call included) verifies, its init state compared after replaying init's call.
import { describe, expect, it } from "vitest";
import { entry, translateText, verifyText } from "../../helpers/verify-text.js";

const errors = (ds: Array<{ severity: string }>) => ds.filter((d) => d.severity === "error");

const SPECTRAL = `
import flax.linen as nn
import jax
import jax.numpy as jnp


def _normalize(v, eps=1e-12):
    return v / jnp.sqrt(jnp.sum(v * v) + eps)


def scaled_normal(key, shape, dtype=jnp.float32):
    return 0.5 * jax.random.normal(key, shape)


class SpectralLinear(nn.Module):
    features: int
    iterations: int = 2

    @nn.compact
    def __call__(self, x):
        w = self.param('w', nn.initializers.lecun_normal(), (x.shape[-1], self.features))
        noise = self.make_rng('power')
        u_var = self.variable('power', 'u', jax.random.normal, noise, (1, self.features))
        u = u_var.value
        for _ in range(self.iterations):
            v = _normalize(u @ w.T)
            u = _normalize(v @ w)
        u = jax.lax.stop_gradient(u)
        v = jax.lax.stop_gradient(v)
        sigma = (v @ w @ u.T)[0, 0]
        u_var.value = u
        shift = self.param('shift', scaled_normal, (self.features,))
        w_shape = w.shape
        w = jnp.reshape(w / sigma, (-1,))
        return x @ w.reshape(w_shape) + shift


class Net(nn.Module):
    @nn.compact
    def __call__(self, x):
        h = nn.relu(SpectralLinear(6)(x))
        return SpectralLinear(3, iterations=1)(h)


model = Net()
variables = model.init({'params': jax.random.PRNGKey(0), 'power': jax.random.PRNGKey(1)}, jnp.ones((2, 4)))
`;

const KEYED = `
import flax.linen as nn
import jax
import jax.numpy as jnp


class Noisy(nn.Module):
    features: int

    @nn.compact
    def __call__(self, x):
        w = self.param('w', nn.initializers.lecun_normal(), (x.shape[-1], self.features))
        offset = self.variable('consts', 'offset', jax.random.uniform, self.make_rng('noise'), (self.features,))
        b = self.param('b', nn.initializers.normal(0.2), (self.features,))
        z = self.variable('noise', 'z', jax.random.normal, self.make_rng('noise'), (1, self.features))
        z2 = self.variable('noise', 'z2', jax.random.normal, self.make_rng('noise'), (self.features,))
        return x @ w + b + offset.value + z.value * z2.value


class Guarded(nn.Module):
    @nn.compact
    def __call__(self, x):
        u = self.variable('power', 'u', jax.random.normal, self.make_rng('power'), (1, x.shape[-1]))
        if not self.is_initializing():
            u.value = u.value * 0.5 + jnp.mean(x, axis=0, keepdims=True)
        return Noisy(3)(x * u.value)


model = Guarded()
variables = model.init({'params': jax.random.PRNGKey(0), 'noise': jax.random.PRNGKey(1), 'power': jax.random.PRNGKey(2)}, jnp.ones((2, 4)))
`;

describe("variables made with the module's own keys", () => {
  it("a hand-written spectral-normalized dense layer verifies, init state included", async () => {
    const r = await verifyText("spectral.py", SPECTRAL);
    expect(errors(r.diagnostics ?? [])).toEqual([]);
    const initState = r.checks.filter((c) => c.name.startsWith("init state"));
    expect(initState.map((c) => c.name)).toEqual(["init state power/SpectralLinear_0/u → spectralLinear.u", "init state power/SpectralLinear_1/u → spectralLinear1.u"]);
    expect(r.checks.some((c) => c.name.startsWith("state after"))).toBe(true);
    expect(r.ok).toBe(true);
  }, 180_000);

  it("the key comes from the constructor's rngs, the loop's last vector is read after it", async () => {
    const t = await translateText("spectral.py", SPECTRAL);
    expect(errors(t.diagnostics.items)).toEqual([]);
    expect(t.code).toContain('nnx.keyedVariable(Power, random.normal, rngs.stream("power")(), [1, features])');
    expect(t.code).toContain("let v!: nnx.Array;");
  }, 180_000);

  it("keys per stream and scope, and state set only after init, verify", async () => {
    const r = await verifyText("keyed.py", KEYED);
    expect(errors(r.diagnostics ?? [])).toEqual([]);
    expect(r.checks.filter((c) => c.name.startsWith("init state")).length).toBe(4);
    expect(r.ok).toBe(true);
  }, 180_000);

  it("the corpus's kind of entry (a random sample) verifies with init's state copied", async () => {
    const r = await verifyText("spectral.py", SPECTRAL, entry("SpectralLinear(5)", ["x=float32[2,4]"], { rngs: ["power"], mutable: ["power"] }));
    expect(errors(r.diagnostics ?? [])).toEqual([]);
    expect(r.notes.some((n) => n.startsWith("init not compared"))).toBe(true);
    expect(r.ok).toBe(true);
  }, 180_000);

  it("a key drawn inside a variable's init_fn (Linen's count there is not redone): NNX201 at the variable", async () => {
    const src = `import flax.linen as nn
import jax
import jax.numpy as jnp


class Codebook(nn.Module):
  @nn.compact
  def __call__(self, x):
    table = self.variable('state', 'table', lambda: nn.initializers.normal(1.0)(self.make_rng('params'), (4, x.shape[-1])))
    return x @ table.value.T
`;
    const t = await translateText("codebook.py", src, entry("Codebook()", ["x=float32[2,3]"]));
    const errs = errors(t.diagnostics.items) as Array<{ severity: string; code?: string; message?: string; span?: { line: number } }>;
    expect(errs.map((d) => [d.code, d.span?.line])).toEqual([["NNX201", 9]]);
    expect(errs[0].message).toMatch(/init_fn draws a random key/);
  }, 180_000);
  it("an init_fn reading the call's shapes (lambda: jnp.zeros(h.shape)) verifies; one reading its values is NNX201", async () => {
    const src = `import flax.linen as nn
import jax
import jax.numpy as jnp


class Tally(nn.Module):
  width: int = 6

  @nn.compact
  def __call__(self, x):
    h = nn.Dense(self.width)(x)
    total = self.variable('cache', 'total', lambda: jnp.zeros(h.shape))
    seen = self.variable('cache', 'seen', lambda: jnp.ones((x.shape[-1],), jnp.float32))
    steps = self.variable('cache', 'steps', jnp.zeros, (), jnp.int32)
    total.value = total.value + h
    steps.value = steps.value + 1
    return nn.Dense(3)(total.value / steps.value) + jnp.sum(seen.value)


model = Tally()
variables = model.init(jax.random.PRNGKey(0), jnp.ones((2, 5)))
`;
    const r = await verifyText("tally.py", src, entry("Tally()", ["x=float32[2,5]"], { mutable: ["cache"] }));
    expect(errors(r.diagnostics ?? [])).toEqual([]);
    expect(r.checks.filter((c) => c.name.startsWith("state after")).map((c) => c.name.split(" ").pop())).toEqual(["seen", "steps", "total"]);
    expect(r.ok).toBe(true);
    const held = src.replace("lambda: jnp.zeros(h.shape)", "lambda: h * 0.0");
    const t = await translateText("tally.py", held, entry("Tally()", ["x=float32[2,5]"]));
    const errs = errors(t.diagnostics.items) as Array<{ code?: string; message?: string; span?: { line: number } }>;
    expect(errs.map((d) => [d.code, d.span?.line])).toEqual([["NNX201", 12]]);
    expect(errs[0].message).toMatch(/reads the values of 'h'/);
    const typed = src.replace("lambda: jnp.zeros(h.shape)", "lambda: jnp.zeros(x.shape, x.dtype)");
    const u = await translateText("tally.py", typed, entry("Tally()", ["x=float32[2,5]"]));
    const uerrs = errors(u.diagnostics.items) as Array<{ code?: string; message?: string; span?: { line: number } }>;
    expect(uerrs.map((d) => [d.code, d.span?.line, /the dtype of an input/.test(d.message ?? "")])).toEqual([["NNX201", 12, true]]);
  }, 180_000);
});
