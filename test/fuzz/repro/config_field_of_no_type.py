# `eps: float == 1e-6` (a doubled `=`) declares a config field of no type; given to a layer it is NNX201 at the call, not `unknown` in the output.
import flax.linen as nn
from flax import struct
import jax, jax.numpy as jnp

@struct.dataclass
class Config:
    hidden: int = 8
    eps: float == 1e-6

class M(nn.Module):
    config: Config

    @nn.compact
    def __call__(self, x):
        x = nn.Dense(self.config.hidden)(x)
        return nn.LayerNorm(epsilon=self.config.eps)(x)

m = M(Config(eps=1e-5))
v = m.init(jax.random.key(0), jnp.ones((2, 3)))
