"""A small Transformer encoder in Flax Linen, in the style of the Flax examples:
a frozen config dataclass, attention written out with Dense projections, blocks
built in setup() from a loop, and an optax training step on a TrainState."""
import dataclasses

import flax.linen as nn
import jax
import jax.numpy as jnp
import optax
from flax.training import train_state


@dataclasses.dataclass(frozen=True)
class TransformerConfig:
    vocab_size: int = 32
    emb_dim: int = 32
    num_heads: int = 4
    num_layers: int = 2
    mlp_dim: int = 64
    dropout_rate: float = 0.1


class SelfAttention(nn.Module):
    config: TransformerConfig

    @nn.compact
    def __call__(self, x, deterministic: bool = True):
        cfg = self.config
        head_dim = cfg.emb_dim // cfg.num_heads
        q = nn.Dense(cfg.emb_dim, name="query")(x)
        k = nn.Dense(cfg.emb_dim, name="key")(x)
        v = nn.Dense(cfg.emb_dim, name="value")(x)
        b, t = x.shape[0], x.shape[1]
        q = q.reshape(b, t, cfg.num_heads, head_dim).swapaxes(1, 2)
        k = k.reshape(b, t, cfg.num_heads, head_dim).swapaxes(1, 2)
        v = v.reshape(b, t, cfg.num_heads, head_dim).swapaxes(1, 2)
        scores = jnp.matmul(q, k.swapaxes(-1, -2)) / jnp.sqrt(head_dim)
        weights = jax.nn.softmax(scores, axis=-1)
        weights = nn.Dropout(cfg.dropout_rate, deterministic=deterministic)(weights)
        out = jnp.matmul(weights, v).swapaxes(1, 2).reshape(b, t, cfg.emb_dim)
        return nn.Dense(cfg.emb_dim, name="out")(out)


class MlpBlock(nn.Module):
    config: TransformerConfig

    @nn.compact
    def __call__(self, x, deterministic: bool = True):
        cfg = self.config
        y = nn.Dense(cfg.mlp_dim)(x)
        y = jax.nn.gelu(y)
        y = nn.Dropout(cfg.dropout_rate, deterministic=deterministic)(y)
        return nn.Dense(x.shape[-1])(y)


class EncoderBlock(nn.Module):
    config: TransformerConfig

    def setup(self):
        self.ln1 = nn.LayerNorm()
        self.attn = SelfAttention(self.config)
        self.ln2 = nn.LayerNorm()
        self.mlp = MlpBlock(self.config)

    def __call__(self, x, deterministic: bool = True):
        x = x + self.attn(self.ln1(x), deterministic)
        x = x + self.mlp(self.ln2(x), deterministic)
        return x


class Encoder(nn.Module):
    config: TransformerConfig

    @nn.compact
    def __call__(self, x, deterministic: bool = True):
        cfg = self.config
        x = nn.Dense(cfg.emb_dim, name="embed")(x)
        for layer in range(cfg.num_layers):
            x = EncoderBlock(cfg, name=f"encoderblock_{layer}")(x, deterministic)
        x = nn.LayerNorm(name="encoder_norm")(x)
        return nn.Dense(cfg.vocab_size, name="head")(x.mean(axis=1))


config = TransformerConfig()
model = Encoder(config)
sample = jnp.ones((2, 8, 16))
variables = model.init(jax.random.key(0), sample)

state = train_state.TrainState.create(apply_fn=model.apply, params=variables["params"], tx=optax.adamw(1e-3))


@jax.jit
def train_step(state, inputs, labels, dropout_key):
    def loss_fn(params):
        logits = state.apply_fn({"params": params}, inputs, deterministic=False, rngs={"dropout": dropout_key})
        return optax.softmax_cross_entropy_with_integer_labels(logits, labels).mean()

    loss, grads = jax.value_and_grad(loss_fn)(state.params)
    state = state.apply_gradients(grads=grads)
    return state, loss
