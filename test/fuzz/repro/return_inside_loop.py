# A `return` re-indented into a loop over setup's layers: NNX201 at the return (the constructor builds what the loop calls by running it).
import flax.linen as nn
import jax, jax.numpy as jnp

class MLP(nn.Module):
    def setup(self):
        self.layers = [nn.Dense(f) for f in (8, 4)]
        self.classifier = nn.Dense(2)

    def __call__(self, x):
        for layer in self.layers:
            x = nn.relu(layer(x))
            return self.classifier(x)

m = MLP()
v = m.init(jax.random.key(0), jnp.ones((2, 3)))
