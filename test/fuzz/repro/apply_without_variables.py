# model.apply in a loss function without its variables argument.
import flax.linen as nn
import jax
import jax.numpy as jnp
import optax


class Model(nn.Module):
    @nn.compact
    def __call__(self, x):
        return nn.Dense(10)(x)


model = Model()
params = model.init(jax.random.key(0), jnp.ones((4, 8)))["params"]


@jax.jit
def train_step(params, inputs, labels):
    def loss_fn(params):
        logits = model.apply(inputs)
        return optax.softmax_cross_entropy_with_integer_labels(logits, labels).mean()

    grads = jax.grad(loss_fn)(params)
    return jax.tree_util.tree_map(lambda p, g: p - 0.1 * g, params, grads)
