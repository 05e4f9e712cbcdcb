"""A Linen MLP with a struct config, a train flag with a default, dropout and
LayerNorm, unrolled hidden layers, and a value_and_grad step with optax.adam."""
import flax.linen as nn
import jax
import jax.numpy as jnp
import optax
from flax import struct


@struct.dataclass
class MLPConfig:
    hidden: int = 64
    out: int = 10
    dropout_rate: float = 0.2
    eps: float = 1e-6


class Layer(nn.Module):
    config: MLPConfig

    @nn.compact
    def __call__(self, x, train: bool = False):
        x = nn.Dense(self.config.hidden, kernel_init=nn.initializers.xavier_uniform())(x)
        x = nn.LayerNorm(epsilon=self.config.eps)(x)
        x = nn.gelu(x)
        return nn.Dropout(rate=self.config.dropout_rate, deterministic=not train)(x)


class Classifier(nn.Module):
    config: MLPConfig

    @nn.compact
    def __call__(self, x, train: bool = False):
        x = Layer(self.config, name="layer_0")(x, train)
        x = Layer(self.config, name="layer_1")(x, train)
        logits = nn.Dense(self.config.out, name="logits")(x)
        return jax.nn.log_softmax(logits)


config = MLPConfig()
model = Classifier(config)
params = model.init(jax.random.key(0), jnp.ones((16, 32)))["params"]
tx = optax.adam(3e-4)
opt_state = tx.init(params)


@jax.jit
def step(params, opt_state, x, y, key):
    def loss_fn(params):
        logp = model.apply({"params": params}, x, train=True, rngs={"dropout": key})
        return -jnp.mean(jnp.sum(jax.nn.one_hot(y, 10) * logp, axis=-1))

    loss, grads = jax.value_and_grad(loss_fn)(params)
    updates, opt_state = tx.update(grads, opt_state, params)
    params = optax.apply_updates(params, updates)
    return params, opt_state, loss
