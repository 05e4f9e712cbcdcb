# A Haiku module whose __call__ lost its `return`: the model returns None; its result used as logits is NNX201 at the use, not a type error.
import haiku as hk
import jax, jax.numpy as jnp
import optax

class MLP(hk.Module):
    def __init__(self, size: int, name=None):
        super().__init__(name=name)
        self.size = size

    def __call__(self, x):
        x = hk.Linear(self.size)(x)

def forward(x):
    y = MLP(8)(x)
    return y

model = hk.without_apply_rng(hk.transform(forward))
params = model.init(jax.random.key(0), jnp.ones((2, 3)))

def loss_fn(params, x, labels):
    logits = model.apply(params, x)
    return optax.softmax_cross_entropy(logits, jax.nn.one_hot(labels, 8)).mean()
