# A stray comma makes a tuple that jax.nn.relu is given (TypeError in JAX): NNX201 at the call, not a type error in the output.
import flax.linen as nn
import jax, jax.numpy as jnp

class M(nn.Module):
    @nn.compact
    def __call__(self, x):
        x = nn.Dense(4)(x),
        return jax.nn.relu(x)

m = M()
v = m.init(jax.random.key(0), jnp.ones((2, 3)))
