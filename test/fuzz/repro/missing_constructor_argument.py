# The entry builds the model without a required field (Python raises TypeError).
import flax.linen as nn
import jax
import jax.numpy as jnp


class MLP(nn.Module):
    features: int

    @nn.compact
    def __call__(self, x):
        return nn.Dense(self.features)(x)


model = MLP()
params = model.init(jax.random.key(0), jnp.ones((1, 4)))
