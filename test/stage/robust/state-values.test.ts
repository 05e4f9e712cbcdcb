// A Python number set as a variable's value (`hk.set_state("count", 5)`) is an
// array of the variable's dtype, as JAX holds it: it type-checks and verifies.
import { describe, expect, it } from "vitest";
import { translateText, verifyText } from "../../helpers/verify-text.js";

const TEXT = `import haiku as hk
import jax
import jax.numpy as jnp


def forward(x):
    counter = hk.get_state("counter", shape=[], dtype=jnp.int32, init=jnp.ones)
    scale = hk.get_state("scale", shape=[], dtype=jnp.float32, init=jnp.ones)
    multiplier = hk.get_parameter("multiplier", shape=[1], dtype=x.dtype, init=jnp.ones)
    output = x + multiplier * counter * scale
    hk.set_state("counter", 5)
    hk.set_state("scale", 0.5)
    return output


model = hk.transform_with_state(forward)
params, state = model.init(jax.random.key(0), jnp.ones((2, 8)))
`;

describe("a Python number set as state", () => {
  it("is written as an array of the variable's dtype, and verifies", async () => {
    const t = await translateText("set_state.py", TEXT);
    expect(t.diagnostics.items.filter((d) => d.severity === "error")).toEqual([]);
    expect(t.code).toContain('jnp.asarray(5, "int32")');
    expect(t.code).toContain('jnp.asarray(0.5, "float32")');
    const r = await verifyText("set_state.py", TEXT);
    expect(r.ok, JSON.stringify(r.checks.filter((c) => !c.ok)).slice(0, 1500)).toBe(true);
    expect(r.checks.some((c) => c.name.includes("counter"))).toBe(true);
  }, 180_000);

  it("read, then set, then read again (JAX's old value stays): verifies", async () => {
    const text = `import haiku as hk
import jax
import jax.numpy as jnp


def forward(x):
    count = hk.get_state("count", [], jnp.float32, init=jnp.zeros)
    hk.set_state("count", count + 1)
    y = hk.Linear(4)(x)
    return y * count + y


f = hk.transform_with_state(forward)
params, state = f.init(jax.random.PRNGKey(0), jnp.ones((2, 3)))
`;
    const r = await verifyText("count.py", text);
    expect(r.ok, JSON.stringify(r.checks.filter((c) => !c.ok)).slice(0, 1500)).toBe(true);
    expect(r.checks.some((c) => c.name.includes("count"))).toBe(true);
  }, 180_000);
});

// Linen's self.sow is NNX's Module.sow: the values are kept in the module's Intermediate (or the
// collection's Variable type), and verify compares them where the file's apply asks for them.
const SOW = `import flax.linen as nn
import jax
import jax.numpy as jnp


class Block(nn.Module):
    features: int

    @nn.compact
    def __call__(self, x):
        h = nn.Dense(self.features)(x)
        self.sow("intermediates", "features", h)
        h = nn.gelu(h)
        self.sow("intermediates", "act_sum", jnp.mean(h), reduce_fn=lambda a, b: a + b, init_fn=lambda: 0.0)
        return h


class Model(nn.Module):
    widths: tuple = (8, 6)

    @nn.compact
    def __call__(self, x):
        x = Block(8)(x)
        shared = Block(8)
        x = shared(x)
        x = shared(x)
        for i, w in enumerate(self.widths):
            x = nn.Dense(w, name=f"proj_{i}")(x)
            self.sow("intermediates", f"out_{i}", x)
        self.sow("intermediates", "hidden", x)
        self.sow("losses", "l2", 1e-3 * jnp.sum(x ** 2), reduce_fn=lambda old, new: new)
        return nn.Dense(3)(x)


model = Model()
x = jnp.ones((2, 5))
variables = model.init(jax.random.PRNGKey(0), x)
y, state = model.apply(variables, x, mutable=["intermediates", "losses"])
`;

describe("Linen self.sow", () => {
  it("is Module.sow (tuple, custom reduce/init, own collection); verify compares what the apply keeps, and only that", async () => {
    const t = await translateText("sow.py", SOW);
    expect(t.diagnostics.items.filter((d) => d.severity === "error")).toEqual([]);
    // `features` is also the field: NNX keeps both on the module, so the sown one gets its own name.
    expect(t.code).toContain('this.sow(nnx.Intermediate, "features1", h);');
    expect(t.code).toContain("export class Losses extends nnx.Variable {}");
    expect(t.code).toContain("this.sow(nnx.Intermediate, `out_${i}`, x);");
    expect(t.code).toMatch(/this\.sow<nnx\.Array, nnx\.Array \| number>\(nnx\.Intermediate, "act_sum", jnp\.mean\(h\), \{\s*initFn: \(\) => 0,/);
    expect(t.paramMap?.sown?.map((s) => `${s.source} ${s.nnx}`)).toEqual(expect.arrayContaining(["intermediates/Block_1/features block1.features1", "losses/l2 l2"]));

    const r = await verifyText("sow.py", SOW);
    expect(r.ok, JSON.stringify(r.checks.filter((c) => !c.ok)).slice(0, 1500)).toBe(true);
    const sown = r.checks.filter((c) => c.name.startsWith("sown ")).map((c) => c.name);
    // Block_1 is called twice: two values; the custom reduces keep one array.
    expect(sown).toEqual(expect.arrayContaining([
      "sown intermediates/Block_1/features/1 → block1.features1[1]",
      "sown intermediates/Block_1/act_sum → block1.act_sum",
      "sown intermediates/hidden/0 → hidden[0]",
      "sown losses/l2 → l2",
      // A name computed in a loop the method runs (f"out_{i}") is the same string in NNX.
      "sown intermediates/out_1/0 → out_1[0]",
    ]));
    expect(sown.length).toBe(9);

    // A sown value the translation gets wrong fails its check (the output stays right).
    const wrong = await verifyText("sow.py", SOW, undefined, {
      tamper: (model, { nnx, tf }) => {
        const sow = nnx.Module.prototype.sow;
        Object.assign(model, { sow: (...a: Parameters<typeof sow>) => sow.call(model, a[0], a[1], a[1] === "hidden" ? tf.mul(a[2] as tf.Tensor, 1.01) : a[2], a[3]) });
      },
    });
    expect(wrong.ok).toBe(false);
    expect(wrong.checks.filter((c) => !c.ok).map((c) => c.name)).toEqual(["sown intermediates/hidden/0 → hidden[0]"]);

    // An apply that does not ask for the collections: Linen drops what is sown, NNX keeps it; nothing to compare.
    const plain = await verifyText("plain.py", SOW.replace('y, state = model.apply(variables, x, mutable=["intermediates", "losses"])', "y = model.apply(variables, x)"));
    expect(plain.ok, JSON.stringify(plain.checks.filter((c) => !c.ok)).slice(0, 1500)).toBe(true);
    expect(plain.checks.some((c) => c.name.startsWith("sown "))).toBe(false);

    // What sow returns (whether the caller made the collection mutable) is not known in the method.
    const used = await translateText("used.py", SOW.replace('        self.sow("intermediates", "hidden", x)\n', '        if self.sow("intermediates", "hidden", x):\n            x = x * 2\n'));
    expect(used.diagnostics.items.filter((d) => d.severity === "error").map((d) => [d.code, d.span?.line])).toEqual([["NNX201", 30]]);

    // nn.scan stacks what its step sows into 'intermediates' along the scan axis: not translated.
    const scanned = await translateText("scan.py", `import flax.linen as nn
import jax
import jax.numpy as jnp


class Cell(nn.Module):
    @nn.compact
    def __call__(self, c, x):
        h = nn.tanh(nn.Dense(4)(jnp.concatenate([c, x], -1)))
        self.sow("intermediates", "h", h)
        return h, h


class RNN(nn.Module):
    @nn.compact
    def __call__(self, xs):
        scan = nn.scan(Cell, variable_broadcast="params", split_rngs={"params": False}, variable_axes={"intermediates": 0}, in_axes=1, out_axes=1)
        return scan()(jnp.zeros((xs.shape[0], 4)), xs)[1]


model = RNN()
variables = model.init(jax.random.PRNGKey(0), jnp.ones((2, 5, 3)))
`);
    expect(scanned.diagnostics.items.filter((d) => d.severity === "error").map((d) => [d.code, d.span?.line, /variable_axes for 'intermediates'/.test(d.message)])).toContainEqual(["NNX201", 17, true]);
  }, 240_000);
});
