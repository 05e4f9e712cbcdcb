# A size that defaults to None and is never given.
import haiku as hk
import jax
import jax.numpy as jnp


class Block(hk.Module):
    def __init__(self, features=None, name=None):
        super().__init__(name=name)
        self.features = features

    def __call__(self, x):
        return hk.Linear(self.features)(x)


def forward(x):
    return Block()(x)


model = hk.transform(forward)
params = model.init(jax.random.key(0), jnp.ones((1, 4)))
