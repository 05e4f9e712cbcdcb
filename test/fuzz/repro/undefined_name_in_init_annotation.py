# `,` replaced by `&` in a Haiku __init__ makes `size: int & name=None`, whose annotation names an undefined `name` (NameError): NNX201 at the name.
import haiku as hk
import jax, jax.numpy as jnp

class H(hk.Module):
    def __init__(self, size: int & name=None):
        super().__init__(name=name)
        self.size = size

    def __call__(self, x):
        return hk.Linear(self.size)(x)

f = hk.transform(lambda x: H(3)(x))
params = f.init(jax.random.key(0), jnp.ones((2, 3)))
