"""A Linen MLP whose layers are built in setup() with a list comprehension, as
many users write it, with a config dataclass and a plain optax loop."""
from dataclasses import dataclass, field
from typing import Sequence

import flax.linen as nn
import jax
import jax.numpy as jnp
import optax


@dataclass
class Config:
    features: Sequence[int] = field(default_factory=lambda: [64, 32])
    num_classes: int = 10
    learning_rate: float = 0.01


class MLP(nn.Module):
    features: Sequence[int]
    num_classes: int

    def setup(self):
        self.layers = [nn.Dense(f) for f in self.features]
        self.classifier = nn.Dense(self.num_classes)

    def __call__(self, x):
        for layer in self.layers:
            x = nn.relu(layer(x))
        return self.classifier(x)


config = Config()
model = MLP(config.features, config.num_classes)
params = model.init(jax.random.key(0), jnp.ones((8, 20)))["params"]
tx = optax.sgd(config.learning_rate)
opt_state = tx.init(params)


def loss_fn(params, x, y):
    logits = model.apply({"params": params}, x)
    return optax.softmax_cross_entropy_with_integer_labels(logits, y).mean()


@jax.jit
def train_step(params, opt_state, x, y):
    loss, grads = jax.value_and_grad(loss_fn)(params, x, y)
    updates, opt_state = tx.update(grads, opt_state)
    params = optax.apply_updates(params, updates)
    return params, opt_state, loss
