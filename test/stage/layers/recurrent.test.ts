// Recurrence: Linen's cells (LSTMCell, OptimizedLSTMCell, GRUCell, MGUCell,
// SimpleCell, ConvLSTMCell: called step by step and initialize_carry),
// nn.RNN (return_carry, reverse, keep_order, seq_lengths, time_major) and
// nn.Bidirectional, in setup and in @nn.compact; Haiku's cores (LSTM, GRU,
// VanillaRNN, DeepRNN, ResetCore, IdentityCore) with dynamic_unroll and
// static_unroll.
import { describe, it } from "vitest";
import { entry, expectUnsupported, expectVerifies, SLOW } from "./helpers.js";

const ORTHOGONAL = /compared within \de-\d, not bit for bit: its QR factorisation/;

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
        b = nn.Bidirectional(nn.RNN(nn.SimpleCell(4)), nn.RNN(nn.MGUCell(4, reset_gate=False)),
                             merge_fn=lambda a, c: jnp.concatenate([a, a * c], axis=-1))(r)
        return z, h, y0 + y1, t, conv, last, b
`;

const HAIKU = `
import jax, jax.numpy as jnp
import haiku as hk

class Model(hk.Module):
    def __call__(self, xs, xs_bt):
        core = hk.LSTM(8)
        state = core.initial_state(xs.shape[1])
        ys, final = hk.dynamic_unroll(core, xs, state)
        gru = hk.GRU(6, w_i_init=hk.initializers.RandomNormal(0.1))
        zs, h = hk.static_unroll(gru, ys, gru.initial_state(xs.shape[1]))
        ws, last = hk.dynamic_unroll(hk.VanillaRNN(4), xs_bt, jnp.zeros((xs.shape[1], 4)), time_major=False, reverse=True)
        deep = hk.DeepRNN([hk.LSTM(6), jax.nn.relu, hk.GRU(4)])
        ds, deep_state = hk.dynamic_unroll(deep, xs, deep.initial_state(2), return_all_states=True)
        ident = hk.IdentityCore()
        es, _ = hk.static_unroll(ident, ds, ident.initial_state(2))
        return ys, final.hidden, final.cell, zs, ws, last, es, deep_state[0].cell

def forward(xs):
    rnn = hk.VanillaRNN(5, double_bias=False)
    out, s = rnn(xs[0], rnn.initial_state(xs.shape[1]))
    return Model()(xs, jnp.swapaxes(xs, 0, 1)), out + s
`;

const HAIKU_CONV_LSTM = `
import jax, jax.numpy as jnp
import haiku as hk

def forward(xs, img):
    core = hk.Conv2DLSTM(input_shape=(5, 4), output_channels=3, kernel_shape=3)
    ys, final = hk.dynamic_unroll(core, xs, core.initial_state(2))
    c1 = hk.Conv1DLSTM((6,), 4, kernel_shape=(3,))
    h, s = c1(img, c1.initial_state(img.shape[0]))
    return ys, final.cell, h, s.hidden
`;

describe.concurrent("recurrent", SLOW, () => {
  it("Haiku cores with dynamic_unroll / static_unroll, DeepRNN, IdentityCore, a core called directly", () =>
    expectVerifies({
      name: "haiku_rnn",
      py: HAIKU,
      entry: entry("forward", ["xs=float32[5,2,3]"]),
      reads: [
        "new hk.LSTM(xsFeatures, 8, { rngs })",
        "const state = this.lstm.initialState(xs.shape[1]!);", "hk.dynamicUnroll(this.lstm, xs, state)",
        "final.hidden",
        "hk.staticUnroll(this.gru, ys,",
        /timeMajor: false,\s*reverse: true/,
        "new hk.DeepRNN([",
        "this.vanillaRnn.initialState(xs.shape[1]!)",
      ],
    }));

  it("hk.Conv1DLSTM / Conv2DLSTM: unrolled and called directly", () =>
    expectVerifies({
      name: "haiku_conv_lstm",
      py: HAIKU_CONV_LSTM,
      entry: entry("forward", ["xs=float32[3,2,5,4,2]", "img=float32[2,6,3]"]),
      reads: ["new hk.Conv2DLSTM(xsFeatures, [5, 4], 3, 3, { rngs })", "new hk.Conv1DLSTM(imgFeatures, [6], 4, [3], { rngs })", "this.conv1Dlstm.initialState(img.shape[0]!)"],
    }));

  it("Linen cells, nn.RNN and nn.Bidirectional (a merge_fn of the file)", () =>
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
        "mergeFn: (a: tf.Tensor, c: tf.Tensor) =>",
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
