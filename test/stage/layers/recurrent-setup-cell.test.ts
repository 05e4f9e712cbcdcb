// Linen's nn.RNN over a cell that setup assigned to an attribute first
// (`self.cell = nn.LSTMCell(h)`, then `nn.RNN(self.cell)`): Linen binds and
// names that cell in the module itself (params/cell/...), it is not adopted by
// the RNN (params/rnn/cell/...) as a cell made inline is. nn.RNN called without
// initial_carry (the carry from cell.initialize_carry at the first step's
// shape) and with one, return_carry, reverse with keep_order and seq_lengths,
// set at construction or per call; nn.Bidirectional over RNNs that are setup
// attributes; and a list of modules assigned in setup given to nn.Sequential.
// Each verified against live Flax.
import { describe, it } from "vitest";
import { entry, expectVerifies, SLOW } from "./helpers.js";

const ORTHOGONAL = /compared within \de-\d, not bit for bit: its QR factorisation/;

// The cell is only reached through the RNN.
const THROUGH_RNN = `
import jax, jax.numpy as jnp
import flax.linen as nn


class Net(nn.Module):
    hidden: int = 6

    def setup(self):
        self.cell = nn.LSTMCell(self.hidden)
        self.rnn = nn.RNN(self.cell)
        self.gru = nn.RNN(nn.GRUCell(4), return_carry=True, reverse=True, keep_order=True)
        self.head = nn.Dense(3)

    def __call__(self, x, lengths):
        y = self.rnn(x)
        carry, z = self.gru(y, seq_lengths=lengths)
        return self.head(z), carry
`;

// The cell also builds the initial carry; the Bidirectional's RNNs are attributes too.
const CALLED_TOO = `
import jax, jax.numpy as jnp
import flax.linen as nn


class Net(nn.Module):
    hidden: int = 6

    def setup(self):
        self.cell = nn.LSTMCell(self.hidden)
        self.rnn = nn.RNN(self.cell, return_carry=True)
        self.fwd = nn.RNN(nn.GRUCell(4))
        self.bwd = nn.RNN(nn.GRUCell(4), reverse=True, keep_order=True)
        self.bi = nn.Bidirectional(self.fwd, self.bwd)
        self.head = nn.Dense(3)

    def __call__(self, x, lengths):
        carry = self.cell.initialize_carry(jax.random.key(0), x[:, 0].shape)
        (c, h), y = self.rnn(x, initial_carry=carry, seq_lengths=lengths)
        z = self.bi(y, seq_lengths=lengths)
        return self.head(z), h
`;

// The same rule for a list assigned in setup: its modules are layers_0, layers_1 of the module, not of the Sequential;
// a comprehension of RNNs: each RNN is rnns_i, its cell the RNN's 'cell'.
const SETUP_LIST = `
import flax.linen as nn


class Net(nn.Module):
    def setup(self):
        self.layers = [nn.Dense(4), nn.Dense(3)]
        self.seq = nn.Sequential(self.layers)
        self.rnns = [nn.RNN(nn.GRUCell(3, recurrent_kernel_init=nn.initializers.lecun_normal())) for _ in range(2)]

    def __call__(self, x, xs):
        for rnn in self.rnns:
            xs = rnn(xs)
        return self.seq(x), xs
`;

describe.concurrent("nn.RNN over a cell assigned in setup", SLOW, () => {
  it("a cell only reached through the RNN keeps the module's own name", () =>
    expectVerifies({
      name: "setup_cell_through_rnn",
      py: THROUGH_RNN,
      entry: entry("Net()", ["x=float32[2,5,3]", "lengths=int32[2]>=1<6"]),
      note: ORTHOGONAL,
      reads: ["this.rnn = new nnx.RNN(new nnx.LSTMCell(xFeatures, hidden, { rngs }));", "{ seqLengths: lengths, returnCarry: true }"],
    }));

  it("a cell that also builds the initial carry, and a Bidirectional of attribute RNNs", () =>
    expectVerifies({
      name: "setup_cell_called_too",
      py: CALLED_TOO,
      entry: entry("Net()", ["x=float32[2,5,3]", "lengths=int32[2]>=1<6"]),
      note: ORTHOGONAL,
      reads: ["this.cell = new nnx.LSTMCell(xFeatures, hidden, { rngs });", "this.rnn = new nnx.RNN(this.cell, { returnCarry: true });", "this.cell.initializeCarry("],
    }));

  it("a list of modules assigned in setup, given to nn.Sequential; a list of RNNs over cells made in its comprehension", () =>
    expectVerifies({ name: "setup_list_sequential", py: SETUP_LIST, entry: entry("Net()", ["x=float32[2,5]", "xs=float32[2,4,3]"]), reads: ["new nnx.Sequential(", "this.rnns.push("] }));
});
