# A config field annotated `Sequence["Config"]` (the fuzzer renamed `int`; quoted, as Python would otherwise raise NameError) whose default is a list of ints: Python checks no annotation, so the default types it (number[]).
from dataclasses import dataclass, field
from typing import Sequence
import flax.linen as nn
import jax, jax.numpy as jnp

@dataclass
class Config:
    features: Sequence["Config"] = field(default_factory=lambda: [8, 4])

class MLP(nn.Module):
    features: Sequence[int]

    def setup(self):
        self.layers = [nn.Dense(f) for f in self.features]

    def __call__(self, x):
        for layer in self.layers:
            x = nn.relu(layer(x))
        return x

config = Config()
model = MLP(config.features)
v = model.init(jax.random.key(0), jnp.ones((2, 3)))
