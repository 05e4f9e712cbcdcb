# Sizes that are no whole number of at least 0 (a field `latent: int = 2.5`, `kernel_size=(3 == 3)`): NNX201 at the layer or NNX305 at the entry, never NNX403.
import flax.linen as nn
import jax, jax.numpy as jnp

class M(nn.Module):
    latent: int = 2.5

    @nn.compact
    def __call__(self, x):
        return nn.Dense(self.latent)(x)

class C(nn.Module):
    @nn.compact
    def __call__(self, x):
        return nn.Conv(4, kernel_size=(3 == 3))(x)

m = M()
v = m.init(jax.random.key(0), jnp.ones((2, 3)))
