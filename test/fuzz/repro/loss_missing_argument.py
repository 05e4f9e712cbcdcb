# An optax loss called without its labels (`logits=labels` where `logits, labels` was meant): NNX201 at the call; the step is left out.
import flax.linen as nn
import jax, jax.numpy as jnp
import optax

class M(nn.Module):
    @nn.compact
    def __call__(self, x):
        return nn.Dense(4)(x)

model = M()
params = model.init(jax.random.key(0), jnp.ones((2, 3)))["params"]
tx = optax.sgd(0.1)
opt_state = tx.init(params)

def train_step(params, opt_state, x, labels):
    def loss_fn(p):
        logits = model.apply({"params": p}, x)
        return optax.softmax_cross_entropy_with_integer_labels(logits=labels).mean()
    grads = jax.grad(loss_fn)(params)
    updates, opt_state = tx.update(grads, opt_state)
    return optax.apply_updates(params, updates), opt_state
