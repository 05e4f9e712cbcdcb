"""An MLP classifier in Haiku trained with optax, in the style of the Haiku
examples: layer sizes from a loop, hk.transform, and an init/update loop."""
import haiku as hk
import jax
import jax.numpy as jnp
import optax


class MLP(hk.Module):
    def __init__(self, hidden_sizes, num_classes: int, name=None):
        super().__init__(name=name)
        self.hidden_sizes = hidden_sizes
        self.num_classes = num_classes

    def __call__(self, x):
        for i, size in enumerate(self.hidden_sizes):
            x = hk.Linear(size, name=f"hidden_{i}")(x)
            x = jax.nn.relu(x)
        return hk.Linear(self.num_classes, name="logits")(x)


def forward(images):
    return MLP([128, 64], 10)(images)


model = hk.without_apply_rng(hk.transform(forward))
optimizer = optax.adam(1e-3)

sample = jnp.ones((4, 784))
params = model.init(jax.random.key(42), sample)
opt_state = optimizer.init(params)


def loss_fn(params, images, labels):
    logits = model.apply(params, images)
    one_hot = jax.nn.one_hot(labels, 10)
    return optax.softmax_cross_entropy(logits, one_hot).mean()


@jax.jit
def update(params, opt_state, images, labels):
    loss, grads = jax.value_and_grad(loss_fn)(params, images, labels)
    updates, opt_state = optimizer.update(grads, opt_state, params)
    params = optax.apply_updates(params, updates)
    return params, opt_state, loss
