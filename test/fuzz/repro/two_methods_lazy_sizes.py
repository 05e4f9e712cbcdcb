# Two methods calling layers whose input size only a call tells: both synthesize the option 'xFeatures'.
import flax.linen as nn


class AutoEncoder(nn.Module):
    embed_dim: int
    output_dim: int

    def setup(self):
        self.encoder = nn.Dense(self.embed_dim)
        self.decoder = nn.Dense(self.output_dim)

    def encode(self, x):
        return self.encoder(x)

    def decode(self, x):
        return self.decoder(x)
