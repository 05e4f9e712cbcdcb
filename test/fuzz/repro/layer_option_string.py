# A string given where a layer takes a number (the fuzzer found nn.Dropout("")): NNX201 at the call, not a type error in the output.
import flax.linen as nn
import jax, jax.numpy as jnp

class M(nn.Module):
    @nn.compact
    def __call__(self, x, train: bool = False):
        x = nn.Dense(4)(x)
        return nn.Dropout("")(x, deterministic=not train)

m = M()
v = m.init(jax.random.key(0), jnp.ones((2, 3)))
