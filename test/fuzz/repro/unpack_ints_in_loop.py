# `for i, size in self.sizes:` (the fuzzer deleted `enumerate`): Python cannot unpack an int; NNX201 at the loop target.
import haiku as hk
import jax, jax.numpy as jnp

class MLP(hk.Module):
    def __init__(self, sizes, name=None):
        super().__init__(name=name)
        self.sizes = sizes

    def __call__(self, x):
        for i, size in (self.sizes):
            x = hk.Linear(size, name=f"hidden_{i}")(x)
        return x

f = hk.transform(lambda x: MLP([8, 4])(x))
params = f.init(jax.random.key(0), jnp.ones((2, 3)))
