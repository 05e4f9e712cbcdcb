# hk.multi_transform whose init lambda calls a module that has no __call__.
import haiku as hk
import jax
import jax.numpy as jnp


class AutoEncoder(hk.Module):
    def __init__(self, embed_dim: int, output_dim: int, name=None):
        super().__init__(name=name)
        self.encoder = hk.Linear(embed_dim, name="encoder")
        self.decoder = hk.Linear(output_dim, name="decoder")

    def encode(self, x):
        return self.encoder(x)

    def decode(self, x):
        return self.decoder(x)

    def run(self, x):
        return self.decode(self.encode(x))


def forward():
    module = AutoEncoder(8, 4)
    init = lambda x: module(x)  # noqa: E731
    return init, (module.encode, module.decode)


model = hk.multi_transform(forward)
params = model.init(jax.random.key(0), x=jnp.ones((1, 4)))
