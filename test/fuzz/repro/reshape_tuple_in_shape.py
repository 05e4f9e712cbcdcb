# A shape holding a tuple and a list where sizes belong (Python raises TypeError).
import flax.linen as nn
import jax
import jax.numpy as jnp


class Net(nn.Module):
    @nn.compact
    def __call__(self, x):
        x = jnp.reshape(x, (x.shape, [0], 16))
        return nn.Dense(3)(x)


params = Net().init(jax.random.key(0), jnp.ones((2, 4, 4)))
