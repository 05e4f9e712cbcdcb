"""A Haiku convolutional classifier: two Conv2D layers, a flatten to a known
size, dropout when training, and a Linear head; transformed and initialized."""
import haiku as hk
import jax
import jax.numpy as jnp


class ConvNet(hk.Module):
    def __init__(self, num_classes: int = 10, name=None):
        super().__init__(name=name)
        self.num_classes = num_classes

    def __call__(self, x, is_training: bool):
        x = hk.Conv2D(8, kernel_shape=3, stride=2, padding="SAME")(x)
        x = jax.nn.relu(x)
        x = hk.Conv2D(16, kernel_shape=3, stride=2, padding="SAME")(x)
        x = jax.nn.relu(x)
        x = jnp.reshape(x, (x.shape[0], 7 * 7 * 16))
        x = hk.dropout(hk.next_rng_key(), 0.3 if is_training else 0.0, x)
        return hk.Linear(self.num_classes)(x)


def forward(images, is_training: bool):
    return ConvNet()(images, is_training)


model = hk.transform(forward)
params = model.init(jax.random.key(7), jnp.ones((2, 28, 28, 1)), is_training=False)
logits = model.apply(params, jax.random.key(8), jnp.ones((2, 28, 28, 1)), is_training=True)
assert logits.shape == (2, 10)
