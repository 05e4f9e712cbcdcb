// Recurrent code as Linen files write it beyond the layers themselves: a cell
// made detached (`Cell(features, parent=None)`) only to build the initial
// carry, a scanned `__call__` threading an LSTM's (c, h) carry, and nn.RNN over
// a cell class of the file. Each verified against live Flax.
import { describe, expect, it } from "vitest";
import { entry, expectUnsupported, expectVerifies, SLOW } from "./helpers.js";
import { translateText } from "../../helpers/verify-text.js";

const ORTHOGONAL = /compared within \de-\d, not bit for bit: its QR factorisation/;

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
    # The cell stepped over the remaining steps, its outputs collected.
    outs = []
    for t in range(2, ys.shape[1]):
      c, y = lstm(c, ys[:, t])
      outs.append(y * 2.0)
    return ys, h, y1, c[0], jnp.stack(outs, axis=1)
`;

// A scanned __call__ threading an LSTM's (c, h) carry, and a method given a
// shape (`x[:, 0].shape`) that builds the initial carry, called before the
// scanned call: the class takes its parameters' forms from its users.
const TUPLE_CARRY = `
import functools
import jax, jax.numpy as jnp
import flax.linen as nn


@jax.jit
def last_step(ys):
  return ys[:, -1]


class Lstm(nn.Module):
  hidden: int

  @functools.partial(nn.transforms.scan, variable_broadcast='params', in_axes=1, out_axes=1, split_rngs={'params': False})
  @nn.compact
  def __call__(self, carry, x):
    (c, h), y = nn.LSTMCell(self.hidden)(carry, x)
    return (c, h), y * 2.0

  def initialize_carry(self, input_shape):
    return nn.LSTMCell(self.hidden, parent=None).initialize_carry(jax.random.key(0), input_shape)


class Net(nn.Module):
  hidden: int = 5

  def setup(self):
    self.fwd = Lstm(self.hidden)
    self.bwd = Lstm(self.hidden)

  def __call__(self, xs):
    carry = self.fwd.initialize_carry(xs[:, 0].shape)
    (c, h), ys = self.fwd(carry, xs)
    _, zs = self.bwd(self.bwd.initialize_carry(ys[:, 0].shape), jnp.flip(ys, 1))
    return jnp.concatenate([ys, zs], -1), h, last_step(zs)
`;

// nn.RNN given scan's settings at their defaults (split_rngs={'params': False}).
const RNN_SPLIT = `
import jax, jax.numpy as jnp
import flax.linen as nn


class Net(nn.Module):
  @nn.compact
  def __call__(self, xs):
    ys = nn.RNN(nn.GRUCell(5), split_rngs={'params': False}, variable_broadcast='params')(xs)
    return nn.RNN(nn.LSTMCell(4), split_rngs={'params': False}, name='top')(ys)
`;

// A per-example sequence helper under @jax.vmap (each sequence rolled by its
// own length), as bidirectional models reverse their padded inputs.
const VMAPPED = `
import functools
import jax, jax.numpy as jnp
import flax.linen as nn


@jax.vmap
def shift_back(seq, n):
  width = seq.shape[0]
  return jnp.roll(seq, width - n, axis=0) * 2.0


class Net(nn.Module):
  @nn.compact
  def __call__(self, xs, lengths):
    ys = nn.RNN(nn.GRUCell(4))(xs)
    return shift_back(ys, lengths) + nn.Dense(4)(xs)
`;

// A cell whose carry is annotated as a tuple (through the file's aliases),
// translated with no user giving it one: the annotation is the carry's form.
const ANNOTATED = `
import jax
import jax.numpy as jnp
import flax.linen as nn

Array = jax.Array
Pair = tuple[Array, Array]


class Mix(nn.Module):
  @nn.compact
  def __call__(self, carry: tuple[Pair, Array], x: Array):
    (c, h), last = carry
    return ((c + x, h * x), last - x), c - h


class Net(nn.Module):
  @nn.compact
  def __call__(self, x):
    (pair, last), y = Mix()(((x, x * 2.0), x), nn.Dense(4)(x))
    return pair[0], pair[1], last, y
`;

describe.concurrent("recurrent code of Linen files", SLOW, () => {
  it("a cell's carry annotated as a tuple of arrays (through aliases) is a tuple", async () => {
    await expectVerifies({ name: "annotated_carry", py: ANNOTATED, entry: entry("Net()", ["x=float32[2,4]"]) });
    // Translated on its own (no user gives it a carry): the annotation says what the carry is.
    const t = await translateText("annotated_carry.py", ANNOTATED.replace(/\nclass Net[\s\S]*$/, "\n"));
    expect(t.diagnostics.items.filter((d) => d.severity === "error").map((d) => d.message)).toEqual([]);
    expect(t.code).toMatch(/call\(\s*carry: \[\[nnx\.Array, nnx\.Array\], nnx\.Array\],\s*x: nnx\.Array,?\s*\)/);
  });

  it("a file function under @jax.vmap, run per example", () =>
    expectVerifies({
      name: "vmapped",
      py: VMAPPED,
      entry: entry("Net()", ["xs=float32[3,5,2]", "lengths=int32[3]>=1<6"]),
      note: ORTHOGONAL,
      reads: ["nnx.vmap((seq: nnx.Array, n: nnx.Array) => {", "const width = seq.shape[0]!;"],
    }));

  it("jax.vmap with an axis_name (collectives over the mapped axis) is reported at the decorator", () =>
    expectUnsupported(VMAPPED.replace("@jax.vmap", "@functools.partial(jax.vmap, in_axes=(0, 0), axis_name='batch')"), 7, /jax\.vmap with axis_name=/, entry("Net()", ["xs=float32[3,5,2]", "lengths=int32[3]>=1<6"])));

  it("nn.RNN with split_rngs={'params': False} (the default)", () =>
    expectVerifies({ name: "rnn_split", py: RNN_SPLIT, entry: entry("Net()", ["xs=float32[2,6,3]"]), note: ORTHOGONAL, reads: ["new nnx.RNN(new nnx.LSTMCell(5, 4, { rngs }))"] }));

  it("nn.RNN splitting another stream's keys per step is reported at its line", () =>
    expectUnsupported(RNN_SPLIT.replace("split_rngs={'params': False}, name", "split_rngs={'params': False, 'dropout': True}, name"), 10, /split_rngs=.*dropout/, entry("Net()", ["xs=float32[2,6,3]"])));

  it("a scanned call with a (c, h) carry, and a method given a shape", () =>
    expectVerifies({
      name: "tuple_carry",
      py: TUPLE_CARRY,
      entry: entry("Net()", ["xs=float32[2,6,3]"]),
      note: ORTHOGONAL,
      reads: ["call(carry: [nnx.Array, nnx.Array], x: nnx.Array)", "initializeCarry(inputShape: number[])", "jnp.zeros([inputShape[0]!, this.hidden])"],
    }));

  it("a file function under a decorator other than jax.jit is reported at the decorator", () =>
    expectUnsupported(TUPLE_CARRY.replace("@jax.jit", "@jax.custom_jvp"), 7, /jax\.custom_jvp/, entry("Net()", ["xs=float32[2,6,3]"])));

  it("a detached cell's initialize_carry: zeros of the carry's shape, no parameters; a loop stepping the cell appending its outputs", () =>
    expectVerifies({
      name: "detached_carry",
      py: DETACHED,
      entry: entry("Net()", ["xs=float32[2,5,3]"]),
      note: ORTHOGONAL,
      reads: ["const carry = jnp.zeros([", "let c: [nnx.Array, nnx.Array] = [", "const outs: nnx.Array[] = [];", "outs.push("],
    }));

  it("a detached cell whose carry_init is not zeros is reported at its line", () =>
    expectUnsupported(DETACHED.replace("carry_init=nn.initializers.zeros_init()", "carry_init=nn.initializers.ones"), 24, /parent=None whose carry_init is not zeros/, entry("Net()", ["xs=float32[2,5,3]"])));

  it("a detached module's other methods are reported at their line", () =>
    expectUnsupported(DETACHED.replace("c, y0 = lstm(c, ys[:, 0])", "c, y0 = nn.OptimizedLSTMCell(4, parent=None)(c, ys[:, 0])"), 25, /__call__\(\.\.\.\) of a cell made with parent=None/, entry("Net()", ["xs=float32[2,5,3]"])));
});
