# A scanned cell only asked for its initial state, never called: the member named for it was never built.
import flax.linen as nn
import jax
import jax.numpy as jnp


class RNNCell(nn.Module):
    hidden_size: int

    @nn.compact
    def __call__(self, carry, x):
        x = nn.Dense(self.hidden_size)(jnp.concatenate([carry, x], axis=-1))
        return x, x

    def initial_state(self, batch_size: int):
        return jnp.zeros((batch_size, self.hidden_size))


class RNN(nn.Module):
    hidden_size: int

    @nn.compact
    def __call__(self, x):
        rnn = nn.scan(RNNCell, variable_broadcast="params", split_rngs={"params": False}, in_axes=1, out_axes=1)(self.hidden_size)
        carry = rnn.initial_state(x.shape[0])
        return carry


params = RNN(8).init(jax.random.key(0), jnp.ones((3, 5, 4)))
