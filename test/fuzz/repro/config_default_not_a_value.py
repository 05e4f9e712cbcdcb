# A dataclass default that is a function, not a value (the fuzzer truncated `field(default_factory=...)` to `field`): NNX201 at the default.
from dataclasses import dataclass, field
from typing import Sequence
import flax.linen as nn
import jax, jax.numpy as jnp

@dataclass
class Config:
    features: Sequence[int] = field

class M(nn.Module):
    config: Config

    @nn.compact
    def __call__(self, x):
        return nn.Dense(self.config.features[0])(x)

m = M(Config())
v = m.init(jax.random.key(0), jnp.ones((2, 3)))
