# A Haiku module without __call__, called by the transformed function that a training step applies.
import haiku as hk
import jax
import jax.numpy as jnp
import optax


class Model(hk.Module):
    def __init__(self, dout: int, name=None):
        super().__init__(name=name)
        self.dout = dout


def forward(x):
    return Model(10)(x)


model = hk.transform(forward)
params = model.init(jax.random.key(0), jnp.ones((4, 8)))


@jax.jit
def train_step(key, params, inputs, labels):
    def loss_fn(params):
        logits = model.apply(params, key, inputs)
        return optax.softmax_cross_entropy_with_integer_labels(logits, labels).mean()

    grads = jax.grad(loss_fn)(params)
    return jax.tree_util.tree_map(lambda p, g: p - 0.1 * g, params, grads)
