// Recurrence: Linen's cells (LSTMCell, OptimizedLSTMCell, GRUCell, MGUCell,
// SimpleCell, ConvLSTMCell: called step by step and initialize_carry),
// nn.RNN (return_carry, reverse, keep_order, seq_lengths, time_major) and
// nn.Bidirectional, in setup and in @nn.compact; Haiku's cores (LSTM, GRU,
// VanillaRNN, DeepRNN, ResetCore, IdentityCore) with dynamic_unroll and
// static_unroll.
import { describe, it } from "vitest";
import { entry, expectUnsupported, expectVerifies } from "./helpers.js";

const ORTHOGONAL = /compared within 1e-6, not bit for bit: its QR factorisation/;

const LINEN = `
import jax, jax.numpy as jnp
import flax.linen as nn

class Setup(nn.Module):
    def setup(self):
        self.rnn = nn.RNN(nn.OptimizedLSTMCell(8), return_carry=True)
        self.bi = nn.Bidirectional(nn.RNN(nn.GRUCell(4)), nn.RNN(nn.GRUCell(4)), return_carry=True)

    def __call__(self, x):
        (c, h), y = self.rnn(x)
        carries, z = self.bi(y)
        return z, h

class Model(nn.Module):
    @nn.compact
    def __call__(self, x, img, lengths):
        z, h = Setup()(x)
        cell = nn.LSTMCell(features=6, kernel_init=nn.initializers.xavier_uniform())
        carry = cell.initialize_carry(jax.random.key(0), x[:, 0].shape)
        carry, y0 = cell(carry, x[:, 0])
        carry, y1 = cell(carry, x[:, 1])
        t = nn.RNN(nn.SimpleCell(5, residual=False), time_major=True)(jnp.swapaxes(x, 0, 1))
        conv = nn.RNN(nn.ConvLSTMCell(3, (3, 3)))(img)
        last, r = nn.RNN(nn.GRUCell(6), return_carry=True, reverse=True, keep_order=True)(x, seq_lengths=lengths)
        b = nn.Bidirectional(nn.RNN(nn.SimpleCell(4)), nn.RNN(nn.MGUCell(4, reset_gate=False)))(r)
        return z, h, y0 + y1, t, conv, last, b
`;

describe.concurrent("recurrent", () => {
  it("Linen cells, nn.RNN and nn.Bidirectional", () =>
    expectVerifies({
      name: "linen_rnn",
      py: LINEN,
      entry: entry("Model()", ["x=float32[2,5,3]", "img=float32[2,4,6,6,2]", "lengths=int32[2]<6"]),
      note: ORTHOGONAL,
      reads: [
        "readonly rnn: nnx.RNN<[nnx.Array, nnx.Array]>;",
        "new nnx.RNN(new nnx.LSTMCell(inFeatures, 8, { rngs }), { returnCarry: true })",
        "const [[c, h], y] = this.rnn.call(x, { returnCarry: true });",
        "this.lstmCell.initializeCarry(",
        "new nnx.LinenGRUCell(",
        "new nnx.ConvLSTMCell(imgFeatures, 3, [3, 3], { rngs })",
        "{ seqLengths: lengths, returnCarry: true }",
      ],
    }));

  it("reports Linen's init_key (a random default carry)", () =>
    expectUnsupported(
      `
import jax
import flax.linen as nn

class M(nn.Module):
    @nn.compact
    def __call__(self, x):
        return nn.RNN(nn.LSTMCell(4, carry_init=nn.initializers.normal()))(x, init_key=jax.random.key(1))
`,
      8,
      /init_key/,
      entry("M()", ["x=float32[2,3,4]"]),
    ));
});
