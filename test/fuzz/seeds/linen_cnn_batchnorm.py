"""A small CNN in Flax Linen with BatchNorm and Dropout, trained with a
TrainState that carries batch_stats (as in the Flax ImageNet example)."""
from typing import Any

import flax.linen as nn
import jax
import jax.numpy as jnp
import optax
from flax.training import train_state


class ConvBlock(nn.Module):
    features: int
    strides: int = 1

    @nn.compact
    def __call__(self, x, train: bool):
        x = nn.Conv(self.features, kernel_size=(3, 3), strides=(self.strides, self.strides), padding="SAME", use_bias=False)(x)
        x = nn.BatchNorm(use_running_average=not train, momentum=0.9, epsilon=1e-5)(x)
        return nn.relu(x)


class CNN(nn.Module):
    num_classes: int = 10
    widths: tuple = (16, 32)
    dropout_rate: float = 0.25

    @nn.compact
    def __call__(self, x, train: bool = False):
        for i, width in enumerate(self.widths):
            x = ConvBlock(width, strides=1 if i == 0 else 2)(x, train)
        x = jnp.mean(x, axis=(1, 2))
        x = nn.Dropout(self.dropout_rate, deterministic=not train)(x)
        x = nn.Dense(64)(x)
        x = nn.relu(x)
        return nn.Dense(self.num_classes)(x)


class TrainState(train_state.TrainState):
    batch_stats: Any


model = CNN()
variables = model.init(jax.random.key(0), jnp.ones((4, 16, 16, 3)), train=False)
state = TrainState.create(
    apply_fn=model.apply,
    params=variables["params"],
    batch_stats=variables["batch_stats"],
    tx=optax.sgd(0.1, momentum=0.9),
)


@jax.jit
def train_step(state, images, labels, dropout_key):
    def loss_fn(params):
        logits, updates = state.apply_fn(
            {"params": params, "batch_stats": state.batch_stats},
            images,
            train=True,
            mutable=["batch_stats"],
            rngs={"dropout": dropout_key},
        )
        loss = optax.softmax_cross_entropy_with_integer_labels(logits, labels).mean()
        return loss, updates

    (loss, updates), grads = jax.value_and_grad(loss_fn, has_aux=True)(state.params)
    state = state.apply_gradients(grads=grads)
    state = state.replace(batch_stats=updates["batch_stats"])
    return state, loss
