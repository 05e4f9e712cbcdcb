# A config class that lost its @dataclass (the fuzzer deleted the decorator): reading its fields is NNX201 at the read, not `unknown` in the output.
import flax.linen as nn
import jax, jax.numpy as jnp

class Config:
    hidden: int = 8

class M(nn.Module):
    config: Config

    @nn.compact
    def __call__(self, x):
        cfg = self.config
        return nn.Dense(cfg.hidden)(x)

m = M(Config())
v = m.init(jax.random.key(0), jnp.ones((2, 3)))
