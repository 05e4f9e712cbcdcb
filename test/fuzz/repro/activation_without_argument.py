# An activation called without its argument (Python raises TypeError).
import haiku as hk
import jax
import jax.numpy as jnp


def forward(x):
    x = hk.Linear(4)(x)
    return jax.nn.relu()


model = hk.transform(forward)
params = model.init(jax.random.key(0), jnp.ones((1, 4)))
