# A field annotated with a type nnxport does not know, used as a size.
from typing import Any

import flax.linen as nn


class Head(nn.Module):
    classes: Any

    @nn.compact
    def __call__(self, x):
        return nn.Dense(self.classes)(x)
