# model.apply with variables and mutable= but no inputs, in a has_aux loss.
import flax.linen as nn
import jax
import jax.numpy as jnp
import optax


class Model(nn.Module):
    @nn.compact
    def __call__(self, x, training: bool):
        x = nn.Dense(10)(x)
        return nn.BatchNorm(use_running_average=not training)(x)


model = Model()
variables = model.init(jax.random.key(0), jnp.ones((8, 16)), training=False)


def train_step(params, batch_stats, inputs, labels):
    def loss_fn(params, batch_stats):
        logits, updates = model.apply({"params": params, "batch_stats": batch_stats}, mutable=["batch_stats"])
        loss = optax.softmax_cross_entropy_with_integer_labels(logits, labels).mean()
        return loss, updates["batch_stats"]

    grads, batch_stats = jax.grad(loss_fn, has_aux=True)(params, batch_stats)
    params = jax.tree_util.tree_map(lambda p, g: p - 0.1 * g, params, grads)
    return params, batch_stats
