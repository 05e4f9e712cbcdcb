# Haiku state named "" and "2nd scale" (the fuzzer emptied a name): TypeScript names made from what they have, and it verifies.
import haiku as hk
import jax
import jax.numpy as jnp


def forward(x):
    counter = hk.get_state("", shape=[], dtype=jnp.int32, init=jnp.ones)
    scale = hk.get_state("2nd scale", shape=[], dtype=jnp.float32, init=jnp.ones)
    multiplier = hk.get_parameter("multiplier", shape=[1], dtype=x.dtype, init=jnp.ones)
    output = x + multiplier * counter * scale
    hk.set_state("", 5)
    hk.set_state("2nd scale", 0.5)
    return output


model = hk.transform_with_state(forward)
params, state = model.init(jax.random.key(0), jnp.ones((2, 8)))
