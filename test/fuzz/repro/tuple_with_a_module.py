# `x = jax,nn.relu(x)` (a `.` became `,`) makes a tuple holding the jax module; returning it is NNX201, not an undefined local in the output.
import flax.linen as nn
import jax, jax.numpy as jnp

class M(nn.Module):
    @nn.compact
    def __call__(self, x):
        x = nn.Dense(4)(x)
        x = jax,nn.relu(x)
        return x, x

m = M()
v = m.init(jax.random.key(0), jnp.ones((2, 3)))
