# An annotation naming nothing the file defines (NameError where Python defines the method): NNX201 at the name.
import flax.linen as nn
import jax, jax.numpy as jnp

class M(nn.Module):
    @nn.compact
    def __call__(self, x, training: labels):
        return nn.Dense(4)(x)

m = M()
v = m.init(jax.random.key(0), jnp.ones((2, 3)), training=False)
