# A class named like the Variable type made for a custom collection ("counter" -> Counter).
import flax.linen as nn
import jax
import jax.numpy as jnp


class Counter(nn.Module):
    @nn.compact
    def __call__(self, x):
        count = self.variable("counter", "count", lambda: jnp.zeros((), jnp.int32))
        count.value += 1
        return x


model = Counter()
variables = model.init(jax.random.key(0), jnp.ones((1, 4)))
