# A Haiku module looping over a list it was given: the list's type is lost.
import haiku as hk
import jax
import jax.numpy as jnp


class MLP(hk.Module):
    def __init__(self, sizes, name=None):
        super().__init__(name=name)
        self.sizes = sizes

    def __call__(self, x):
        for i, size in enumerate(self.sizes):
            x = hk.Linear(size, name=f"hidden_{i}")(x)
        return x


def forward(x):
    return MLP([16, 8])(x)


model = hk.transform(forward)
params = model.init(jax.random.key(0), jnp.ones((1, 4)))
