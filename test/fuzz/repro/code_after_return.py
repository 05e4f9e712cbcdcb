# A `return` copied into the middle of a method (the fuzzer copied a line): what follows it never runs and is not staged, so the method has one return type.
import haiku as hk
import jax, jax.numpy as jnp

class M(hk.Module):
    def __call__(self, x):
        y = hk.Linear(4)(x)
        return y, y
        y = jnp.swapaxes(y, 0, 1)
        return y

f = hk.transform(lambda x: M()(x))
params = f.init(jax.random.key(0), jnp.ones((2, 3)))
