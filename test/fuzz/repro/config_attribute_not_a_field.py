# A config dataclass read for an attribute it does not have (Python raises AttributeError): the interface has its fields only.
from dataclasses import dataclass

import flax.linen as nn
import jax
import jax.numpy as jnp


@dataclass
class Config:
    features: int = 8


class MLP(nn.Module):
    config: Config

    @nn.compact
    def __call__(self, x):
        return nn.Dense(self.config.num_heads)(x)


model = MLP(Config())
params = model.init(jax.random.key(0), jnp.ones((1, 4)))
