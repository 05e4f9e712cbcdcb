# optax.sgd given a keyword it does not take (the fuzzer renamed `momentum`): the optimizer factory is left out with NNX210 at the call; the step still translates.
import flax.linen as nn
import jax, jax.numpy as jnp
import optax
from flax.training import train_state

class M(nn.Module):
    @nn.compact
    def __call__(self, x):
        return nn.Dense(4)(x)

model = M()
params = model.init(jax.random.key(0), jnp.ones((2, 3)))["params"]
state = train_state.TrainState.create(apply_fn=model.apply, params=params, tx=optax.sgd(0.1, training=0.9))

@jax.jit
def train_step(state, x, labels):
    def loss_fn(p):
        logits = state.apply_fn({"params": p}, x)
        return optax.softmax_cross_entropy_with_integer_labels(logits, labels).mean()
    grads = jax.grad(loss_fn)(state.params)
    return state.apply_gradients(grads=grads)
