// Attention: Linen MultiHeadDotProductAttention / MultiHeadAttention /
// SelfAttention (masks, cross-attention, dropout with Linen's keys,
// normalize_qk), the attention functions and mask helpers, and
// hk.MultiHeadAttention.
import { describe, expect, it } from "vitest";
import { entry, expectUnsupported, expectVerifies, SLOW } from "./helpers.js";

const LINEN_LAYERS = `
import jax, jax.numpy as jnp
import flax.linen as nn

class Block(nn.Module):
    heads: int = 4

    @nn.compact
    def __call__(self, x, ctx, train: bool = False):
        causal = nn.make_causal_mask(jnp.ones(x.shape[:2]))
        y = nn.SelfAttention(num_heads=self.heads, dropout_rate=0.1, deterministic=not train)(x, mask=causal)
        pad = nn.make_attention_mask(jnp.ones(x.shape[:2]), jnp.ones(ctx.shape[:2]))
        z = nn.MultiHeadDotProductAttention(num_heads=2, qkv_features=16, out_features=8,
                                            kernel_init=nn.initializers.xavier_uniform(),
                                            dtype=jnp.float32)(y, ctx, mask=pad)
        w = nn.MultiHeadAttention(num_heads=2, normalize_qk=True, use_bias=False)(x, x, x, deterministic=True)
        v = nn.MultiHeadDotProductAttention(2, broadcast_dropout=False, dropout_rate=0.2)(x, inputs_kv=x, deterministic=not train)
        return z + w + v
`;

const LINEN_SETUP = `
import jax, jax.numpy as jnp
import flax.linen as nn

class Encoder(nn.Module):
    def setup(self):
        self.attn = nn.MultiHeadDotProductAttention(num_heads=2, out_kernel_init=nn.initializers.zeros_init(),
                                                    bias_init=nn.initializers.normal(0.5))
        self.norm = nn.LayerNorm()

    def __call__(self, x, pad):
        mask = nn.make_attention_mask(pad > 0, pad > 0)
        return self.norm(x + self.attn(x, mask=mask, sow_weights=True))
`;

const LINEN_FUNCTIONS = `
import jax, jax.numpy as jnp
import flax.linen as nn

class Attn(nn.Module):
    @nn.compact
    def __call__(self, x, pad, train: bool = False):
        q = nn.DenseGeneral((2, 8), name="query")(x)
        k = nn.DenseGeneral((2, 8), name="key")(x)
        v = nn.DenseGeneral((2, 8), name="value")(x)
        mask = nn.combine_masks(nn.make_attention_mask(pad > 0, pad > 0), nn.make_causal_mask(pad))
        y = nn.dot_product_attention(q, k, v, mask=mask, dropout_rate=0.2,
                                     dropout_rng=self.make_rng("dropout"), deterministic=not train)
        rng = None if not train else self.make_rng("dropout")
        w = nn.dot_product_attention_weights(q, k, mask=mask, broadcast_dropout=False, dropout_rng=rng, dropout_rate=0.1, deterministic=not train)
        return nn.DenseGeneral(8, axis=(-2, -1), name="out")(y), w
`;

const HAIKU = `
import jax, jax.numpy as jnp
import haiku as hk

class Block(hk.Module):
    def __call__(self, x, ctx, mask):
        attn = hk.MultiHeadAttention(num_heads=4, key_size=8, w_init=hk.initializers.VarianceScaling(1.0))
        y = attn(x, x, x, mask=mask)
        z = hk.MultiHeadAttention(2, 4, w_init_scale=2.0, model_size=8, value_size=6, name="cross")(y, ctx, ctx)
        u = hk.MultiHeadAttention(2, 4, w_init=hk.initializers.TruncatedNormal(0.02), with_bias=False,
                                  b_init=hk.initializers.RandomNormal())(query=x, key=ctx, value=ctx)
        return z, u

def forward(x, ctx, mask):
    return Block()(x, ctx, mask)
`;

describe.concurrent("attention", SLOW, () => {
  it("Linen SelfAttention / MultiHeadDotProductAttention / MultiHeadAttention in @nn.compact", () =>
    expectVerifies({
      name: "linen_mha",
      py: LINEN_LAYERS,
      entry: entry("Block()", ["x=float32[2,5,8]", "ctx=float32[2,3,6]"]),
      reads: ["new nnx.MultiHeadAttention(heads, xFeatures, {", "inKvFeatures: ctxFeatures", "this.selfAttention.call(x, { mask: causal })", "nnx.makeCausalMask(", "normalizeQk: true"],
    }));

  it("Linen attention built in setup with initializers; sow_weights=True, its weights compared where the apply keeps 'intermediates'", async () => {
    const r = await expectVerifies({
      name: "linen_mha_setup",
      py: LINEN_SETUP,
      entry: entry("Encoder()", ["x=float32[2,6,8]", "pad=int32[2,6]<2"], { mutable: ["intermediates"] }),
      reads: ["this.attn.call(x, { mask, sowWeights: true })"],
    });
    // Eval and train mode (the layer has a deterministic switch).
    expect(r.checks.filter((c) => c.name.startsWith("sown intermediates/attn/attention_weights/0 → attn.attention_weights[0]")).map((c) => c.ok)).toEqual([true, true]);
  });

  it("Linen dot_product_attention(_weights), combine_masks, make_rng('dropout'), a key drawn only in train mode (None if not train else make_rng)", () =>
    expectVerifies({
      name: "linen_attention_fns",
      py: LINEN_FUNCTIONS,
      entry: entry("Attn()", ["x=float32[2,5,8]", "pad=int32[2,5]<2"]),
      reads: ["nnx.dotProductAttention(q, k, v, {", "nnx.dotProductAttentionWeights(q, k, {", "(this.deterministic ? null : this.dropoutRngs())!", "nnx.combineMasks("],
    }));

  it("hk.MultiHeadAttention: self and cross attention, masks, initializers", () =>
    expectVerifies({
      name: "haiku_mha",
      py: HAIKU,
      entry: entry("forward", ["x=float32[2,5,8]", "ctx=float32[2,3,6]", "mask=bool[2,1,5,5]"]),
      reads: ["new hk.MultiHeadAttention(xFeatures, 4, 8, {", "this.multiHeadAttention.call(x, x, x, mask)"],
    }));

  it("reports what it does not translate", async () => {
    await expectUnsupported(
      `
import flax.linen as nn

class M(nn.Module):
    @nn.compact
    def __call__(self, x):
        return nn.SelfAttention(num_heads=2, decode=True)(x)
`,
      7,
      /decode/,
      entry("M()", ["x=float32[1,3,4]"]),
    );
    await expectUnsupported(
      `
import jax
import flax.linen as nn

class M(nn.Module):
    @nn.compact
    def __call__(self, x):
        return nn.SelfAttention(num_heads=2, dropout_rate=0.1)(x, deterministic=False, dropout_rng=jax.random.key(0))
`,
      8,
      /dropout_rng/,
      entry("M()", ["x=float32[1,3,4]"]),
    );
  });
});
