"""Linen modules with hand-made parameters (self.param with initializers), a
counter in a custom collection (self.variable), and several methods called
through apply(method=...), like the Flax guides' autoencoder and counter."""
import flax.linen as nn
import jax
import jax.numpy as jnp


class ScaledDense(nn.Module):
    features: int
    use_bias: bool = True

    @nn.compact
    def __call__(self, x):
        kernel = self.param("kernel", nn.initializers.lecun_normal(), (x.shape[-1], self.features))
        scale = self.param("scale", nn.initializers.ones, (self.features,))
        y = jnp.matmul(x, kernel) * scale
        if self.use_bias:
            bias = self.param("bias", nn.initializers.zeros, (self.features,))
            y = y + bias
        return y


class Counter(nn.Module):
    @nn.compact
    def __call__(self, x):
        count = self.variable("counter", "count", lambda: jnp.zeros((), jnp.int32))
        if not self.is_initializing():
            count.value += 1
        return x


class AutoEncoder(nn.Module):
    latent: int = 8
    out: int = 32

    def setup(self):
        self.encoder = ScaledDense(self.latent)
        self.decoder = ScaledDense(self.out, use_bias=False)
        self.norm = nn.LayerNorm(epsilon=1e-6)
        self.counter = Counter()

    def encode(self, x):
        return jax.nn.tanh(self.encoder(self.norm(x)))

    def decode(self, z):
        return jax.nn.sigmoid(self.decoder(z))

    def __call__(self, x):
        x = self.counter(x)
        return self.decode(self.encode(x))


model = AutoEncoder()
x = jnp.ones((4, 32))
variables = model.init(jax.random.key(0), x)
z = model.apply(variables, x, method=AutoEncoder.encode)
y, updated = model.apply(variables, x, mutable=["counter"])
assert z.shape == (4, 8) and y.shape == (4, 32)
