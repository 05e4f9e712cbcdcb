// Embeddings: Linen nn.Embed (call, attend, the embedding table) and hk.Embed
// (both lookup styles, the embeddings matrix).
import { describe, it } from "vitest";
import { entry, expectUnsupported, expectVerifies, SLOW } from "./helpers.js";

const LINEN = `
import jax, jax.numpy as jnp
import flax.linen as nn

class TiedLM(nn.Module):
    vocab: int = 50
    dim: int = 16

    def setup(self):
        self.embed = nn.Embed(num_embeddings=self.vocab, features=self.dim, dtype=jnp.float32)
        self.proj = nn.Dense(self.dim)

    def __call__(self, ids):
        x = self.proj(self.embed(ids))
        return self.embed.attend(x)

class Model(nn.Module):
    @nn.compact
    def __call__(self, ids, pos):
        tok = nn.Embed(50, 16, embedding_init=nn.initializers.normal(stddev=0.02), name="tok")
        x = tok(ids) + nn.Embed(7, 16, name="pos")(pos)
        logits = TiedLM()(ids)
        tied = nn.Dense(16)(x) @ tok.embedding.T
        return logits + tied
`;

const HAIKU = `
import jax, jax.numpy as jnp
import numpy as np
import haiku as hk

TABLE = np.arange(400, dtype=np.float32).reshape(50, 8) * 0.01 - 1.5

class Model(hk.Module):
    def __call__(self, ids):
        e = hk.Embed(vocab_size=50, embed_dim=16)
        x = e(ids)
        y = hk.Embed(50, 8, lookup_style="ONE_HOT", name="onehot")(ids)
        t = hk.Embed(embedding_matrix=TABLE, name="pretrained")(ids)
        z = hk.Embed(50, 8, lookup_style=hk.EmbedLookupStyle.ONE_HOT, w_init=hk.initializers.RandomNormal(0.1))(ids)
        w = hk.Embed(50, 8, w_init=hk.initializers.Constant(0.5))(ids, lookup_style="ARRAY_INDEX")
        logits = hk.Linear(16)(x) @ e.embeddings.T
        return logits, y + z + w * t

def forward(ids):
    return Model()(ids)
`;

describe.concurrent("embeddings", SLOW, () => {
  it("Linen nn.Embed: call, attend, the embedding table, setup and compact", () =>
    expectVerifies({
      name: "linen_embed",
      py: LINEN,
      entry: entry("Model()", ["ids=int32[2,7]<50", "pos=int32[2,7]<7"]),
      reads: ["new nnx.Embed(vocab, dim, { rngs })", "this.embed.attend(", "this.tok.embedding.value", "embeddingInit: nnx.initializers.normal(0.02)"],
    }));

  it("hk.Embed: ARRAY_INDEX and ONE_HOT lookups, w_init, a fixed embedding_matrix (it draws no key), the embeddings matrix", () =>
    expectVerifies({
      name: "haiku_embed",
      py: HAIKU,
      entry: entry("forward", ["ids=int32[2,7]<50"]),
      reads: ["new hk.Embed(50, 16, { rngs })", "embeddingMatrix: ", 'lookupStyle: "ONE_HOT"', "this.embed.embeddings.value", 'call(ids, "ARRAY_INDEX")'],
    }));

  it("hk.Embed(embedding_matrix=...) of an array the call computes is reported", () =>
    expectUnsupported(
      `
import jax.numpy as jnp
import haiku as hk

def forward(ids):
    return hk.Embed(embedding_matrix=jnp.ones((10, 4)) * ids[0, 0])(ids)
`,
      6,
      /embedding_matrix/,
      entry("forward", ["ids=int32[2,3]<10"]),
    ));
});
