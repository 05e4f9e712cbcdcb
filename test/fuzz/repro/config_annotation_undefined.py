# A config dataclass whose annotation names something undefined (NameError where the class is defined): NNX201 at the name.
from dataclasses import dataclass, field
from typing import Sequence
import flax.linen as nn
import jax, jax.numpy as jnp

@dataclass
class Config:
    features: Sequence[gelu] = field(default_factory=lambda: [8, 4])

class M(nn.Module):
    config: Config

    @nn.compact
    def __call__(self, x):
        for f in self.config.features:
            x = nn.Dense(f)(x)
        return x

m = M(Config())
v = m.init(jax.random.key(0), jnp.ones((2, 3)))
