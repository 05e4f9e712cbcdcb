# `nn.gelu(train)` (the fuzzer replaced `x` with `train`): the module's train/eval flag where an array belongs is NNX201 at the call.
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
