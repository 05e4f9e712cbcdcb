# `nn.gelu(train)` (the fuzzer replaced `x` with `train`): the module's train/eval flag used as an array is NNX201 at the call (not translated; JAX would compute on the bool).
import flax.linen as nn
import jax, jax.numpy as jnp

class M(nn.Module):
    @nn.compact
    def __call__(self, x, train: bool = False):
        x = nn.Dense(4)(x)
        x = nn.gelu(train)
        return nn.Dropout(0.1, deterministic=not train)(x)

m = M()
v = m.init(jax.random.key(0), jnp.ones((2, 3)))
