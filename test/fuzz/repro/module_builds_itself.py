# A module whose call builds and calls its own class in a loop: shape-only looks at the child recursed until the stack ran out.
import flax.linen as nn
import jax
import jax.numpy as jnp


class Block(nn.Module):
    depth: int

    @nn.compact
    def __call__(self, x):
        for i in range(self.depth):
            x = Block(self.depth)(nn.Dense(4)(x))
        return x


params = Block(2).init(jax.random.key(0), jnp.ones((1, 4)))
