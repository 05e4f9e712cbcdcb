// Recurrent code as Linen files write it beyond the layers themselves: a cell
// made detached (`Cell(features, parent=None)`) only to build the initial
// carry, a scanned `__call__` threading an LSTM's (c, h) carry, and nn.RNN over
// a cell class of the file. Each verified against live Flax.
import { describe, it } from "vitest";
import { entry, expectUnsupported, expectVerifies, SLOW } from "./helpers.js";

const ORTHOGONAL = /compared within 1e-6, not bit for bit: its QR factorisation/;

// A detached cell has no parameters: with the default (zeros) carry_init its
// carry is zeros of input_shape[:-1] + (features,), whatever the key.
const DETACHED = `
import functools
import jax, jax.numpy as jnp
import flax.linen as nn


class Gru(nn.Module):
  hidden: int

  @functools.partial(nn.transforms.scan, variable_broadcast='params', in_axes=1, out_axes=1, split_rngs={'params': False})
  @nn.compact
  def __call__(self, carry, x):
    return nn.GRUCell(self.hidden)(carry, x)


class Net(nn.Module):
  hidden: int = 6

  @nn.compact
  def __call__(self, xs):
    carry = nn.GRUCell(self.hidden, parent=None).initialize_carry(jax.random.key(0), xs[:, 0].shape)
    h, ys = Gru(self.hidden)(carry, xs)
    lstm = nn.OptimizedLSTMCell(4)
    c = nn.OptimizedLSTMCell(4, parent=None, carry_init=nn.initializers.zeros_init()).initialize_carry(jax.random.key(1), ys[:, 0].shape)
    c, y0 = lstm(c, ys[:, 0])
    c, y1 = lstm(c, ys[:, 1])
    return ys, h, y1, c[0]
`;

describe.concurrent("recurrent code of Linen files", SLOW, () => {
  it("a detached cell's initialize_carry: zeros of the carry's shape, no parameters", () =>
    expectVerifies({
      name: "detached_carry",
      py: DETACHED,
      entry: entry("Net()", ["xs=float32[2,5,3]"]),
      note: ORTHOGONAL,
      reads: ["const carry = jnp.zeros([", "let c: [nnx.Array, nnx.Array] = ["],
    }));

  it("a detached cell whose carry_init is not zeros is reported at its line", () =>
    expectUnsupported(DETACHED.replace("carry_init=nn.initializers.zeros_init()", "carry_init=nn.initializers.ones"), 24, /parent=None whose carry_init is not zeros/, entry("Net()", ["xs=float32[2,5,3]"])));

  it("a detached module's other methods are reported at their line", () =>
    expectUnsupported(DETACHED.replace("c, y0 = lstm(c, ys[:, 0])", "c, y0 = nn.OptimizedLSTMCell(4, parent=None)(c, ys[:, 0])"), 25, /__call__\(\.\.\.\) of a cell made with parent=None/, entry("Net()", ["xs=float32[2,5,3]"])));
});
