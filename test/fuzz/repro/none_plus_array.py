# A submodule whose __call__ lost its `return` gives None, which is then added to an array (TypeError in Python): NNX201 at the `+`.
import flax.linen as nn
import jax, jax.numpy as jnp

class Inner(nn.Module):
    @nn.compact
    def __call__(self, x):
        y = nn.Dense(3)(x)

class M(nn.Module):
    def setup(self):
        self.inner = Inner()

    def __call__(self, x):
        return x + self.inner(x)

m = M()
v = m.init(jax.random.key(0), jnp.ones((2, 3)))
