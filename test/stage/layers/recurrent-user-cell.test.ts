// nn.RNN over a cell class of the file. nn.RNN is nn.scan of the cell over the
// time axis (parameters shared by the steps); a cell constructed in a compact
// method is bound to the module that made it, so its parameters are
// `Cell_0/...` whatever the RNN is named. The translation builds the cell as
// that module's child and scans its call (nnx.scan), stacking every output
// array on the time axis. Each program is verified against live Flax; what is
// not translated is reported at its line.
import { describe, it } from "vitest";
import { entry, expectUnsupported, expectVerifies, SLOW } from "./helpers.js";

const ORTHOGONAL = /compared within \de-\d, not bit for bit: its QR factorisation/;

// Gates from the input only, the (c, h) carry mixed elementwise; a tuple output.
const FORGET = `
import flax.linen as nn
import jax
import jax.numpy as jnp


class ForgetCell(nn.Module):
  features: int

  @nn.compact
  def __call__(self, carry, x):
    c, h = carry
    z, f, o = jnp.split(nn.Dense(3 * self.features, name='gates')(x), 3, axis=-1)
    c = jax.nn.sigmoid(f) * c + (1 - jax.nn.sigmoid(f)) * jnp.tanh(z)
    h = jax.nn.sigmoid(o) * c + 0.5 * h
    return (c, h), (h, nn.Dense(2)(h))

  @property
  def num_feature_axes(self) -> int:
    return 1


class Net(nn.Module):
  hidden: int = 6

  @nn.compact
  def __call__(self, xs):
    carry = (jnp.zeros((xs.shape[0], self.hidden)), jnp.ones((xs.shape[0], self.hidden)))
    (c, h), (hs, ys) = nn.RNN(ForgetCell(self.hidden), return_carry=True)(xs, initial_carry=carry)
    zs = nn.RNN(ForgetCell(self.hidden), name='second')(hs, initial_carry=(c, h))
    return h, ys, zs[0]
`;

// A decoder cell around a framework LSTMCell (its carry nested in the cell's),
// fed the encoder's final carry: an encoder-decoder without sampling.
const DECODER = `
import flax.linen as nn
import jax
import jax.numpy as jnp


class DecoderCell(nn.RNNCellBase):
  features: int
  vocab: int

  @nn.compact
  def __call__(self, carry, x):
    lstm_state, last = carry
    lstm_state, y = nn.LSTMCell(self.features)(lstm_state, x)
    logits = nn.Dense(features=self.vocab)(y)
    probs = jax.nn.softmax(logits)
    return (lstm_state, probs), (logits, probs)

  @property
  def num_feature_axes(self) -> int:
    return 1


class Seq(nn.Module):
  hidden: int = 5
  vocab: int = 4

  @nn.compact
  def __call__(self, src, tgt):
    encoder = nn.RNN(nn.LSTMCell(self.hidden), return_carry=True, name='encoder')
    decoder = nn.RNN(DecoderCell(self.hidden, self.vocab), name='decoder')
    state, _ = encoder(src)
    logits, probs = decoder(tgt[:, :-1], initial_carry=(state, tgt[:, 0]))
    return logits, probs
`;

// A layer on an array of the carry (`h`): sized by that array (a constructor option).
const PEEPHOLE = `
import flax.linen as nn
import jax
import jax.numpy as jnp


class PeepholeCell(nn.Module):
  features: int

  @nn.compact
  def __call__(self, carry, x):
    c, h = carry
    gates = nn.Dense(4 * self.features, name='ih')(x) + nn.Dense(4 * self.features, use_bias=False, name='hh')(h)
    i, f, g, o = jnp.split(gates, 4, axis=-1)
    c = jax.nn.sigmoid(f + c) * c + jax.nn.sigmoid(i) * jnp.tanh(g)
    h = jax.nn.sigmoid(o) * jnp.tanh(c)
    return (c, h), h

  @property
  def num_feature_axes(self) -> int:
    return 1


class Net(nn.Module):
  hidden: int = 6

  @nn.compact
  def __call__(self, xs):
    carry = (jnp.zeros((xs.shape[0], self.hidden)), jnp.ones((xs.shape[0], self.hidden)))
    return nn.RNN(PeepholeCell(self.hidden))(xs, initial_carry=carry)
`;

// A sampling decoder: its LSTM is sized by the carry it is given (Linen's cells
// read h.shape[-1]; its size field is only initialize_carry's), fed back its own
// one-hot samples when asked, one categorical key per step.
const SAMPLER = `
import flax.linen as nn
import jax
import jax.numpy as jnp


class Sampler(nn.RNNCellBase):
  size: int
  feed_back: bool
  classes: int

  @nn.compact
  def __call__(self, carry, x):
    state, prev = carry
    if self.feed_back:
      x = prev
    state, y = nn.OptimizedLSTMCell(self.size)(state, x)
    scores = nn.Dense(self.classes)(y)
    token = jax.random.categorical(self.make_rng('sample'), scores)
    onehot = jax.nn.one_hot(token, self.classes)
    return (state, onehot), (scores, onehot)

  @property
  def num_feature_axes(self) -> int:
    return 1


class Model(nn.Module):
  feed_back: bool

  @nn.compact
  def __call__(self, src, tgt):
    h, _ = nn.RNN(nn.GRUCell(10), return_carry=True)(src)
    state = (jnp.zeros_like(h), h)
    decoder = nn.RNN(Sampler(tgt.shape[-1], self.feed_back, tgt.shape[-1]), split_rngs={'params': False, 'sample': True})
    return decoder(tgt[:, 1:], initial_carry=(state, tgt[:, 0]))
`;

// The cell made in setup: Linen names its parameters under the RNN (`rnn/cell/...`).
const IN_SETUP = `
import flax.linen as nn
import jax.numpy as jnp


class Cell(nn.Module):
  features: int

  @nn.compact
  def __call__(self, carry, x):
    h = jnp.tanh(nn.Dense(self.features)(x)) + carry
    return h, h

  @property
  def num_feature_axes(self) -> int:
    return 1


class Net(nn.Module):
  def setup(self):
    self.rnn = nn.RNN(Cell(4))

  def __call__(self, xs):
    return self.rnn(xs, initial_carry=jnp.zeros((xs.shape[0], 4)))
`;

// Keys drawn in the cell each step from a stream nn.scan splits per step
// (split_rngs): step t's j-th key is make_rng's from split(key, steps)[t],
// counted from (draws per step) + j since nn.scan traces the step twice.
const SAMPLING = `
import flax.linen as nn
import jax
import jax.numpy as jnp


class Cell(nn.Module):
  features: int

  @nn.compact
  def __call__(self, carry, x):
    h = jnp.tanh(nn.Dense(self.features)(x)) + carry
    noise = jax.random.normal(self.make_rng('noise'), h.shape)
    more = jax.random.uniform(self.make_rng('noise'), h.shape)
    return h, h + noise * more

  @property
  def num_feature_axes(self) -> int:
    return 1


class Net(nn.Module):
  @nn.compact
  def __call__(self, xs):
    return nn.RNN(Cell(4), split_rngs={'params': False, 'noise': True})(xs, initial_carry=jnp.zeros((xs.shape[0], 4)))
`;

describe("nn.RNN over a cell class of the file", () => {
  it("a cell with a (c, h) carry and a tuple output, two RNNs (return_carry, a given name)", SLOW, () =>
    expectVerifies({ name: "rnn_user_cell", py: FORGET, entry: entry("Net()", ["xs=float32[2,5,3]"]), reads: ["nnx.scan(", "outAxes: [nnx.Carry, 1]"] }));

  it("a decoder cell around nn.LSTMCell, given the encoder's final carry", SLOW, () =>
    expectVerifies({ name: "rnn_decoder_cell", py: DECODER, entry: entry("Seq()", ["src=float32[2,6,4]", "tgt=float32[2,5,4]"]), note: ORTHOGONAL, reads: ["nnx.scan("] }));

  it("a layer on an array of the carry is sized by it", SLOW, () =>
    expectVerifies({ name: "rnn_peephole_cell", py: PEEPHOLE, entry: entry("Net()", ["xs=float32[2,5,3]"]), reads: ["new nnx.Linear(carry1Features, 4 * features", "Size of the last axis of `carry[1]`"] }));

  it("a sampling decoder (a framework cell sized by its carry, a fed-back sample, a key per step), both ways", SLOW, async () => {
    for (const feed of ["True", "False"]) {
      await expectVerifies({ name: `rnn_sampler_${feed}`, py: SAMPLER, entry: entry(`Model(feed_back=${feed})`, ["src=float32[2,6,3]", "tgt=float32[2,5,4]"], { rngs: ["sample"] }), note: ORTHOGONAL, reads: ["random.categorical(this.sampleRngs()"] });
    }
  });

  it("a cell made in setup is reported at the call", () =>
    expectUnsupported(IN_SETUP, 24, /made in setup/, entry("Net()", ["xs=float32[2,5,3]"])));

  it("without initial_carry it is reported at the call (Linen draws it with initialize_carry)", () =>
    expectUnsupported(FORGET.replace("(xs, initial_carry=carry)", "(xs)"), 29, /without initial_carry/, entry("Net()", ["xs=float32[2,5,3]"])));

  it("per-step keys of a stream split_rngs splits are the source's (two draws a step)", SLOW, () =>
    expectVerifies({ name: "rnn_cell_keys", py: SAMPLING, entry: entry("Net()", ["xs=float32[2,5,3]"], { rngs: ["noise"] }), reads: ["this.noiseRngs()"] }));

  it("a key drawn each step of a stream nn.RNN does not split is reported (Linen's would be the same each step)", async () => {
    await expectUnsupported(SAMPLING.replace(", split_rngs={'params': False, 'noise': True}", ""), 25, /draws a key each step \(make_rng\('noise'\)\)/, entry("Net()", ["xs=float32[2,5,3]"], { rngs: ["noise"] }));
    await expectUnsupported(SAMPLING.replace("'noise': True", "'other': True"), 25, /draws a key each step \(make_rng\('noise'\)\)/, entry("Net()", ["xs=float32[2,5,3]"], { rngs: ["noise"] }));
  });
});
