# A string given to an optax loss where labels belong (the fuzzer replaced a name with "params"): NNX201 at the call; the step is left out.
import haiku as hk
import jax, jax.numpy as jnp
import optax

def forward(x):
    return hk.Linear(4)(x)

model = hk.without_apply_rng(hk.transform(forward))
params = model.init(jax.random.key(0), jnp.ones((2, 3)))
opt = optax.sgd(0.1)
opt_state = opt.init(params)

def loss_fn(params, x, labels):
    logits = model.apply(params, x)
    return optax.softmax_cross_entropy(logits, "params").mean()

@jax.jit
def update(params, opt_state, x, labels):
    grads = jax.grad(loss_fn)(params, x, labels)
    updates, opt_state = opt.update(grads, opt_state)
    return optax.apply_updates(params, updates), opt_state
