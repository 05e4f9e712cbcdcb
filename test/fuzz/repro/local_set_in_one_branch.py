# A local set in one branch of an `if` on a config flag and read after it (Python raises when the flag is off): declared `let bias!:`, not "used before being assigned".
import flax.linen as nn
import jax, jax.numpy as jnp

class M(nn.Module):
    features: int
    use_bias: bool = True

    @nn.compact
    def __call__(self, x):
        y = nn.Dense(self.features, use_bias=False)(x)
        if self.use_bias:
            bias = self.param("bias", nn.initializers.zeros, (self.features,))
        y = y + bias
        return y

m = M(4)
v = m.init(jax.random.key(0), jnp.ones((2, 3)))
