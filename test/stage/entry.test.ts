// A library file (no init call) verifies from an entry given as on the command line.
import { describe, expect, it } from "vitest";
import { entry, verifyText } from "../helpers/verify-text.js";

const MLP = `
import flax.linen as nn

class MLP(nn.Module):
    features: tuple = (8, 4)

    @nn.compact
    def __call__(self, x):
        for i, f in enumerate(self.features):
            x = nn.Dense(f, use_bias=i > 0)(x)
            if i < len(self.features) - 1:
                x = nn.relu(x)
        return x
`;

describe("entry from the command line", () => {
  it("verifies a Linen library file with --entry and --input", async () => {
    const r = await verifyText("mlp.py", MLP, entry("MLP(features=(6, 3))", ["x=float32[2,5]"]));
    expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    expect(r.ok).toBe(true);
    expect(r.checks.length).toBeGreaterThan(2);
  }, 120_000);

  it("verifies a Haiku function whose input the module names differently (the file's own init call)", async () => {
    const py = `
import haiku as hk
import jax
import jax.numpy as jnp

class Tower(hk.Module):
    def __call__(self, x):
        return hk.Linear(3)(jax.nn.relu(hk.Linear(8)(x)))

def forward(images):
    return Tower()(images)

f = hk.transform(forward)
images = jnp.ones((2, 5))
params = f.init(jax.random.PRNGKey(42), images)
`;
    const r = await verifyText("renamed.py", py);
    expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    expect(r.ok).toBe(true);
    expect(r.checks.some((c) => c.kind === "output")).toBe(true);
  }, 120_000);

  it("verifies hk.transform of a lambda (the file's own init call)", async () => {
    const py = `
import haiku as hk
import jax
import jax.numpy as jnp

class Tower(hk.Module):
    def __call__(self, x):
        return hk.Linear(3)(jax.nn.relu(hk.Linear(8)(x)))

f = hk.without_apply_rng(hk.transform(lambda x, y: Tower()(x) + hk.Linear(3, name="side")(y)))
x = jnp.ones((2, 5))
params = f.init(jax.random.PRNGKey(0), x, jnp.ones((2, 4)))
`;
    const r = await verifyText("lambda.py", py);
    expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    expect(r.ok).toBe(true);
    expect(r.checks.filter((c) => c.kind === "init").length).toBe(6);
  }, 120_000);

  it("verifies a framework layer that is the model itself (nn.Dense, nn.Sequential, nn.Dropout, nn.BatchNorm, nn.RNN, nn.Bidirectional, method=)", async () => {
    const head = "import jax\nimport jax.numpy as jnp\nfrom flax import linen as nn\n";
    const programs: Array<{ name: string; py: string; init: string[]; train?: boolean; code?: string }> = [
      {
        // Assigned and initialized inside a function, with initializer arguments.
        name: "dense.py",
        py: `${head}
def main():
    layer = nn.Dense(features=5, kernel_init=nn.initializers.xavier_uniform(), bias_init=nn.initializers.normal(0.1))
    x = jnp.ones((2, 3))
    params = layer.init(jax.random.PRNGKey(3), x)
    return layer.apply(params, x)
`,
        init: ["init params/kernel → kernel", "init params/bias → bias"],
        code: "return new nnx.Linear(3, 5, {",
      },
      {
        // Built by a factory function of the file.
        name: "sequential.py",
        py: `${head}
def make_mlp(hidden):
    return nn.Sequential([nn.Dense(hidden), nn.relu, nn.Dense(3)])

model = make_mlp(8)
params = model.init(jax.random.PRNGKey(1), jnp.ones((4, 6)))
`,
        init: ["init params/layers_0/kernel → layers.0.kernel", "init params/layers_2/bias → layers.2.bias"],
      },
      {
        name: "dropout.py",
        py: `${head}
drop = nn.Dropout(rate=0.3)
x = jnp.ones((4, 8))
variables = drop.init(jax.random.PRNGKey(0), x, deterministic=False)
y = drop.apply(variables, x, deterministic=False, rngs={"dropout": jax.random.PRNGKey(1)})
`,
        init: [],
        train: true,
      },
      {
        name: "batchnorm.py",
        py: `${head}
bn = nn.BatchNorm(momentum=0.8)
x = jax.random.normal(jax.random.PRNGKey(3), (8, 5))
variables = bn.init(jax.random.PRNGKey(0), x, use_running_average=False)
y, updates = bn.apply(variables, x, use_running_average=False, mutable=["batch_stats"])
`,
        init: ["init params/scale → scale", "init state batch_stats/var → var"],
        train: true,
      },
      {
        name: "rnn.py",
        py: `${head}
rnn = nn.RNN(nn.LSTMCell(6))
variables = rnn.init(jax.random.PRNGKey(0), jnp.ones((2, 4, 3)))
`,
        init: ["init params/cell/ii/kernel → cell.ii.kernel", "init params/cell/hf/bias → cell.hf.bias"],
      },
      {
        // Layers given layers: each named in its adopter's scope.
        name: "bidirectional.py",
        py: `${head}
model = nn.Bidirectional(nn.RNN(nn.GRUCell(5)), nn.RNN(nn.GRUCell(5)))
params = model.init(jax.random.PRNGKey(2), jnp.ones((2, 4, 3)))
`,
        init: ["init params/forward_rnn/cell/ir/kernel → forward_rnn.cell.ir.kernel", "init params/backward_rnn/cell/hn/bias → backward_rnn.cell.hn.bias"],
      },
      {
        name: "attend.py",
        py: `${head}
embed = nn.Embed(num_embeddings=20, features=8)
params = embed.init(jax.random.PRNGKey(0), jnp.ones((2, 8)), method=embed.attend)
`,
        init: ["init params/embedding → embedding"],
      },
    ];
    for (const p of programs) {
      const r = await verifyText(p.name, p.py);
      expect(r.diagnostics.filter((d) => d.severity === "error"), p.name).toEqual([]);
      expect(r.ok, p.name).toBe(true);
      const names = r.checks.map((c) => c.name);
      for (const n of p.init) expect(names, p.name).toContain(n);
      expect(r.checks.some((c) => c.kind === "output" && (!p.train || c.name.includes("train mode"))), p.name).toBe(true);
      expect(r.code, p.name).toContain("export type Layer = nnx.");
      if (p.code) expect(r.code, p.name).toContain(p.code);
    }
  }, 400_000);
});
