// An entry whose input is a dict of arrays (`batch={input=...,target=...}`,
// read as `batch['input']`): the method takes an object of arrays, each key an
// input whose sizes the constructor may need. Verified against live Haiku and Flax.
import { describe, expect, it } from "vitest";
import { entry, translateText, verifyText } from "../../helpers/verify-text.js";

const errors = (ds: Array<{ severity: string }>) => ds.filter((d) => d.severity === "error");

const HAIKU = `import haiku as hk
import jax
import jax.numpy as jnp


def loss_fn(batch):
  h = hk.Linear(6)(batch['features'])
  logits = hk.Linear(4)(jax.nn.relu(h))
  labels = jax.nn.one_hot(batch['label'], 4)
  return -jnp.mean(jnp.sum(labels * jax.nn.log_softmax(logits), axis=-1))
`;

const LINEN = `import flax.linen as nn


class Scorer(nn.Module):
  @nn.compact
  def __call__(self, batch):
    h = nn.Dense(4)(batch['image'].reshape((batch['image'].shape[0], -1)))
    e = nn.Embed(10, 4)(batch['tag'])
    return nn.Dense(2)(nn.relu(h + e))
`;

describe("dict inputs", () => {
  it("a Haiku function given a dict batch", async () => {
    const e = entry("loss_fn", ["batch={features=float32[3,5],label=int32[3]<4}"]);
    const r = await verifyText("dict_loss.py", HAIKU, e);
    expect(errors(r.diagnostics)).toEqual([]);
    expect(r.ok).toBe(true);
    const t = await translateText("dict_loss.py", HAIKU, e);
    expect(t.code).toContain("call(batch: { features: nnx.Array; label: nnx.Array }): nnx.Array {");
    expect(t.code).toContain("this.linear.call(batch.features)");
    expect(t.code).toContain("return new LossFn({ inFeatures: 5, rngs });");
  }, 120_000);

  it("a Linen module given a dict batch whose key's whole shape sizes a layer", async () => {
    const e = entry("Scorer()", ["batch={image=float32[2,3,3],tag=int32[2]<10}"]);
    const r = await verifyText("dict_scorer.py", LINEN, e);
    expect(errors(r.diagnostics)).toEqual([]);
    expect(r.ok).toBe(true);
    const t = await translateText("dict_scorer.py", LINEN, e);
    expect(t.code).toContain("batchImageShape: number[];");
  }, 120_000);
});
