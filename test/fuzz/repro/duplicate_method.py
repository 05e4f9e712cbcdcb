# Two methods of one name (Python keeps the last).
import haiku as hk


class Block(hk.Module):
    def __call__(self, x):
        return x

    def __call__(self, x):
        return hk.Linear(4)(x)
