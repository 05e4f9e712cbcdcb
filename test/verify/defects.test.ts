// Regression tests of the defects small independent programs found (issue "Four
// defects"): sample inputs built by any code, and hk.multi_transform as Haiku's
// documentation writes it. (The --json contract is test/cli/verify-json.test.ts.)
import { describe, expect, it } from "vitest";
import { translateText, verifyText } from "../helpers/verify-text.js";

const LINEN_ARANGE = `
import flax.linen as nn
import jax
import jax.numpy as jnp

VOCAB = 50


class Tagger(nn.Module):
    vocab: int
    dim: int = 8

    @nn.compact
    def __call__(self, ids):
        x = jax.nn.one_hot(ids, self.vocab)
        x = nn.Dense(self.dim)(x)
        return nn.Dense(3)(nn.relu(x))


model = Tagger(VOCAB)
variables = model.init(jax.random.key(0), jnp.arange(16).reshape(2, 8) % VOCAB)
`;

const HAIKU_DOC_MULTI = `
import haiku as hk
import jax
import jax.numpy as jnp


class AutoEncoder(hk.Module):
    def __init__(self, embed_dim: int, output_dim: int, name=None):
        super().__init__(name=name)
        self.encoder = hk.Linear(embed_dim, name="encoder")
        self.decoder = hk.Linear(output_dim, name="decoder")

    def encode(self, x):
        return self.encoder(x)

    def decode(self, x):
        return self.decoder(x)

    def __call__(self, x):
        return self.decode(self.encode(x))


def f():
    module = AutoEncoder(8, 12)

    def init(x):
        return module(x)

    return init, (module.encode, module.decode)


model = hk.multi_transform(f)
rng = jax.random.key(0)
params = model.init(rng, jax.random.normal(rng, (3, 12)) * 2.0)
`;

describe("sample inputs built by any code (verify learns them from the file's own init call)", () => {
  it("convert warns, with the line, and still converts the module", async () => {
    const t = await translateText("tagger.py", LINEN_ARANGE);
    expect(t.diagnostics.items.filter((d) => d.severity === "error")).toEqual([]);
    expect(t.diagnostics.items.filter((d) => d.code !== "NNX210")).toEqual([expect.objectContaining({ code: "NNX302", severity: "warning", span: expect.objectContaining({ line: 21 }) })]);
    expect(t.code).toContain("export class Tagger extends nnx.Module");
  }, 60_000);

  it("verify runs the file up to the init call, learns ids int32[2, 8] < 50, and verifies", async () => {
    const r = await verifyText("tagger.py", LINEN_ARANGE);
    expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    expect(r.notes).toContainEqual(expect.stringMatching(/learned from the file's own init call: ids int32\[2, 8\]/));
    expect(r.ok).toBe(true);
  }, 300_000);

  it("hk.multi_transform written as Haiku's documentation writes it: init, then (encode, decode); every method verified", async () => {
    const r = await verifyText("autoencoder.py", HAIKU_DOC_MULTI);
    expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    expect(r.checks.filter((c) => c.kind === "output").map((c) => c.name)).toEqual(["output", "output (encode())", "output (decode())"]);
    expect(r.ok).toBe(true);
  }, 300_000);

  it("a sample learned through hk.without_apply_rng(hk.transform(f)) (which reads f back from init)", async () => {
    const py = `
import haiku as hk
import jax
import jax.numpy as jnp

def forward(ids):
    return hk.Linear(3)(hk.Embed(20, 6)(ids).mean(axis=1))

f = hk.without_apply_rng(hk.transform(forward))
ids = jnp.array([[0, 3, 5], [19, 2, 2]])
params = f.init(jax.random.PRNGKey(0), ids)
`;
    const r = await verifyText("norng.py", py);
    expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    expect(r.notes).toContainEqual(expect.stringMatching(/learned from the file's own init call: ids int32\[2, 3\]/));
    expect(r.ok).toBe(true);
  }, 300_000);
});

