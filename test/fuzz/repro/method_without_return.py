# A method that lost its return, whose result is used.
import flax.linen as nn
import jax
import jax.numpy as jnp


class AutoEncoder(nn.Module):
    def setup(self):
        self.encoder = nn.Dense(4)

    def encode(self, x):
        self.encoder(x)

    def __call__(self, x):
        x = self.encode(x)
        return x


model = AutoEncoder()
params = model.init(jax.random.key(0), jnp.ones((1, 4)))
