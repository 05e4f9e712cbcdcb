# The model's __call__ lost its return; a training step uses its output.
import flax.linen as nn
import jax
import jax.numpy as jnp
import optax
from flax.training import train_state


class Model(nn.Module):
    @nn.compact
    def __call__(self, x):
        x = nn.Dense(10)(x)


model = Model()
params = model.init(jax.random.key(0), jnp.ones((4, 8)))["params"]
state = train_state.TrainState.create(apply_fn=model.apply, params=params, tx=optax.adam(1e-3))


@jax.jit
def train_step(state, inputs, labels):
    def loss_fn(params):
        logits = state.apply_fn({"params": params}, inputs)
        return optax.softmax_cross_entropy_with_integer_labels(logits, labels).mean()

    grads = jax.grad(loss_fn)(state.params)
    return state.apply_gradients(grads=grads)
