# A config field whose default calls a name the file never imports (Python raises NameError): the field was left unset.
from dataclasses import dataclass
from typing import Sequence

import flax.linen as nn
import jax
import jax.numpy as jnp


@dataclass
class Config:
    features: Sequence[int] = field(default_factory=lambda: [8, 4])


class MLP(nn.Module):
    features: Sequence[int]

    @nn.compact
    def __call__(self, x):
        for f in self.features:
            x = nn.Dense(f)(x)
        return x


config = Config()
params = MLP(config.features).init(jax.random.key(0), jnp.ones((1, 4)))
