# Blocks built in a loop over a tuple field, with a stride chosen per step.
import flax.linen as nn
import jax
import jax.numpy as jnp


class ConvBlock(nn.Module):
    features: int
    strides: int = 1

    @nn.compact
    def __call__(self, x):
        return nn.Conv(self.features, kernel_size=(3, 3), strides=(self.strides, self.strides))(x)


class CNN(nn.Module):
    widths: tuple = (16, 32)

    @nn.compact
    def __call__(self, x):
        for i, width in enumerate(self.widths):
            x = ConvBlock(width, strides=1 if i == 0 else 2)(x)
        return x


model = CNN()
params = model.init(jax.random.key(0), jnp.ones((1, 8, 8, 3)))
