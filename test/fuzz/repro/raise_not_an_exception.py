# `raise` of an array (the fuzzer replaced `return` with `raise`): the generated code throws with the exception's name, and type-checks.
import flax.linen as nn
import jax, jax.numpy as jnp

class M(nn.Module):
    @nn.compact
    def __call__(self, x):
        return nn.Dense(4)(x)

    def initial_state(self, batch_size: int):
        raise jnp.zeros((batch_size, 4))

m = M()
v = m.init(jax.random.key(0), jnp.ones((2, 3)))
