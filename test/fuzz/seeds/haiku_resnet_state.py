"""A residual network in Haiku with BatchNorm state (hk.transform_with_state),
blocks made in a loop, and an SGD step that threads the state through."""
import haiku as hk
import jax
import jax.numpy as jnp
import optax


class ResidualBlock(hk.Module):
    def __init__(self, channels: int, name=None):
        super().__init__(name=name)
        self.channels = channels

    def __call__(self, x, is_training: bool):
        shortcut = x
        x = hk.Conv2D(self.channels, kernel_shape=3, padding="SAME", with_bias=False)(x)
        x = hk.BatchNorm(create_scale=True, create_offset=True, decay_rate=0.9)(x, is_training)
        x = jax.nn.relu(x)
        x = hk.Conv2D(self.channels, kernel_shape=3, padding="SAME", with_bias=False)(x)
        x = hk.BatchNorm(create_scale=True, create_offset=True, decay_rate=0.9)(x, is_training)
        return jax.nn.relu(x + shortcut)


class ResNet(hk.Module):
    def __init__(self, channels: int = 8, num_blocks: int = 2, num_classes: int = 10, name=None):
        super().__init__(name=name)
        self.channels = channels
        self.num_blocks = num_blocks
        self.num_classes = num_classes

    def __call__(self, x, is_training: bool):
        x = hk.Conv2D(self.channels, kernel_shape=3, padding="SAME")(x)
        for _ in range(self.num_blocks):
            x = ResidualBlock(self.channels)(x, is_training)
        x = jnp.mean(x, axis=(1, 2))
        return hk.Linear(self.num_classes)(x)


def forward(images, is_training: bool):
    return ResNet()(images, is_training)


model = hk.transform_with_state(forward)
sample = jnp.ones((2, 8, 8, 3))
params, state = model.init(jax.random.key(1), sample, is_training=True)
optimizer = optax.sgd(0.05)
opt_state = optimizer.init(params)


@jax.jit
def train_step(params, state, opt_state, images, labels):
    def loss_fn(params, state):
        logits, state = model.apply(params, state, None, images, is_training=True)
        loss = optax.softmax_cross_entropy_with_integer_labels(logits, labels).mean()
        return loss, state

    (loss, state), grads = jax.value_and_grad(loss_fn, has_aux=True)(params, state)
    updates, opt_state = optimizer.update(grads, opt_state)
    params = optax.apply_updates(params, updates)
    return params, state, opt_state, loss
