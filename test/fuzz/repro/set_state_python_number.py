# hk.set_state given a Python number (the fuzzer deleted the name in `counter + 1`): the state becomes an array of its dtype, not a TypeScript number.
import haiku as hk
import jax, jax.numpy as jnp

def forward(x):
    counter = hk.get_state("counter", shape=[], dtype=jnp.int32, init=jnp.ones)
    hk.set_state("counter", + 1)
    return x * counter

model = hk.transform_with_state(forward)
params, state = model.init(jax.random.key(0), jnp.ones((1, 4)))
