# A config dataclass given as a module field: the field's type is lost (the config's fields read as unknown).
import dataclasses

import flax.linen as nn
import jax
import jax.numpy as jnp


@dataclasses.dataclass
class Config:
    hidden: int = 64


class MLP(nn.Module):
    config: Config

    @nn.compact
    def __call__(self, x):
        return nn.Dense(self.config.hidden)(x)


model = MLP(Config())
params = model.init(jax.random.key(0), jnp.ones((1, 8)))
