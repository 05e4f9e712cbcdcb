"""Self-attention and a feed-forward block in Haiku with a config dataclass,
LayerNorm, dropout keys from hk.next_rng_key(), and a parameter made with
hk.get_parameter (a learned positional embedding)."""
import dataclasses

import haiku as hk
import jax
import jax.numpy as jnp


@dataclasses.dataclass
class AttentionConfig:
    model_dim: int = 32
    num_heads: int = 4
    seq_len: int = 8
    ff_dim: int = 64
    dropout: float = 0.1


class Attention(hk.Module):
    def __init__(self, config: AttentionConfig, name=None):
        super().__init__(name=name)
        self.config = config

    def __call__(self, x, training: bool):
        cfg = self.config
        head = cfg.model_dim // cfg.num_heads
        b, t, _ = x.shape
        q = hk.Linear(cfg.model_dim, name="q")(x).reshape(b, t, cfg.num_heads, head)
        k = hk.Linear(cfg.model_dim, name="k")(x).reshape(b, t, cfg.num_heads, head)
        v = hk.Linear(cfg.model_dim, name="v")(x).reshape(b, t, cfg.num_heads, head)
        q, k, v = q.swapaxes(1, 2), k.swapaxes(1, 2), v.swapaxes(1, 2)
        logits = jnp.matmul(q, k.swapaxes(2, 3)) * (head ** -0.5)
        weights = jax.nn.softmax(logits)
        if training:
            weights = hk.dropout(hk.next_rng_key(), cfg.dropout, weights)
        out = jnp.matmul(weights, v).swapaxes(1, 2).reshape(b, t, cfg.model_dim)
        return hk.Linear(cfg.model_dim, name="o")(out)


class TransformerLayer(hk.Module):
    def __init__(self, config: AttentionConfig, name=None):
        super().__init__(name=name)
        self.config = config

    def __call__(self, x, training: bool):
        cfg = self.config
        pos = hk.get_parameter("pos_embedding", [cfg.seq_len, cfg.model_dim], init=hk.initializers.TruncatedNormal(0.02))
        x = x + pos
        h = hk.LayerNorm(axis=-1, create_scale=True, create_offset=True)(x)
        x = x + Attention(cfg)(h, training)
        h = hk.LayerNorm(axis=-1, create_scale=True, create_offset=True)(x)
        h = hk.Linear(cfg.ff_dim)(h)
        h = jax.nn.gelu(h)
        h = hk.Linear(cfg.model_dim)(h)
        return x + h


def forward(x, training: bool):
    return TransformerLayer(AttentionConfig())(x, training)


model = hk.transform(forward)
sample = jnp.ones((2, 8, 32))
params = model.init(jax.random.key(0), sample, training=False)
out = model.apply(params, jax.random.key(1), sample, training=True)
assert out.shape == (2, 8, 32)
