// hk.ResetCore as agents use it: the state put back to the core's initial
// state wherever a bool should_reset [T, B] (here from an int step type) is
// true, unrolled with hk.dynamic_unroll / hk.static_unroll over the tuple
// (inputs, should_reset); made in a module's __init__, wrapping a DeepRNN,
// as a DeepRNN's first layer, time-major or not, and called directly. Each
// verified against live Haiku; and an agent whose methods take a batch size
// and the core's state.
import { describe, it } from "vitest";
import { entry, expectUnsupported, expectVerifies, SLOW } from "./helpers.js";

const AGENT = `
import jax, jax.numpy as jnp
import haiku as hk


class Agent(hk.Module):
    def __init__(self, num_actions, name=None):
        super().__init__(name=name)
        self._torso = hk.nets.MLP([8, 8])
        self._core = hk.ResetCore(hk.LSTM(6))
        self._head = hk.Linear(num_actions)

    def __call__(self, obs, step_type):
        emb = self._torso(obs)
        should_reset = jnp.equal(step_type, 0)
        state = self._core.initial_state(obs.shape[1])
        out, final = hk.dynamic_unroll(self._core, (emb, should_reset), state)
        return self._head(out), final.cell


def forward(obs, step_type):
    logits, cell = Agent(3)(obs, step_type)
    deep = hk.ResetCore(hk.DeepRNN([hk.LSTM(4), jax.nn.relu, hk.GRU(5)]))
    ds, deep_state = hk.static_unroll(deep, (logits, step_type == 0), deep.initial_state(obs.shape[1]))
    first = hk.DeepRNN([hk.ResetCore(hk.VanillaRNN(4)), jax.nn.tanh])
    fs, _first_state = hk.dynamic_unroll(first, (ds, step_type == 1), first.initial_state(obs.shape[1]), reverse=True)
    gru = hk.GRU(4)
    core = hk.ResetCore(gru)
    ws, _core_state = hk.dynamic_unroll(core, (jnp.swapaxes(obs, 0, 1), jnp.swapaxes(step_type, 0, 1) == 0), core.initial_state(obs.shape[1]), time_major=False)
    y, s = core((obs[0], step_type[0] == 2), core.initial_state(obs.shape[1]))
    return logits, cell, ds, deep_state[0].hidden, deep_state[1], fs, ws, y, s
`;

// An IMPALA-style agent: its methods take what its user gives, a batch size
// (initial_state(batch_size) → a number) and the core's state (a tuple of an
// LSTMState and an array → typed as such), stepped or unrolled.
const AGENT_METHODS = `
import jax, jax.numpy as jnp
import haiku as hk


class Agent(hk.Module):
    """Torso, a resettable recurrent core, and policy/value heads."""

    def __init__(self, num_actions, name=None):
        super().__init__(name=name)
        self._torso = hk.nets.MLP([8, 8], activate_final=True)
        self._core = hk.ResetCore(hk.DeepRNN([hk.LSTM(6), hk.GRU(5)]))
        self._policy = hk.Linear(num_actions)
        self._value = hk.Linear(1)

    def initial_state(self, batch_size):
        return self._core.initial_state(batch_size)

    def step(self, obs, first, state):
        out, state = self._core((self._torso(obs), first), state)
        return self._policy(out), state

    def unroll(self, obs, step_type, state):
        emb = self._torso(obs)
        should_reset = jnp.equal(step_type, 0)
        out, state = hk.dynamic_unroll(self._core, (emb, should_reset), state)
        return self._policy(out), jnp.squeeze(self._value(out), -1), state


def forward(obs, step_type):
    agent = Agent(3)
    state = agent.initial_state(obs.shape[1])
    logits, values, (lstm_state, gru_state) = agent.unroll(obs, step_type, state)
    step_logits, _ = agent.step(obs[0], step_type[0] == 0, (lstm_state, gru_state))
    return logits, values, lstm_state.cell, gru_state, step_logits
`;

// A core made only for its initial state (`hk.LSTM(6).initial_state(b)`, as
// agents write it): zeros, no member, though Haiku names it (the cores made
// after are lstm_1, gru_1).
const STATE_ONLY_CORE = `
import jax, jax.numpy as jnp
import haiku as hk


def forward(obs, step_type):
    state = hk.LSTM(6).initial_state(obs.shape[1])
    core = hk.ResetCore(hk.LSTM(6))
    out, state = hk.dynamic_unroll(core, (obs, step_type == 0), state)
    h0 = hk.GRU(4).initial_state(None)
    gru = hk.GRU(4)
    ys, h = hk.static_unroll(gru, out, jnp.broadcast_to(h0, (obs.shape[1], 4)))
    return out, state.cell, ys, h
`;

describe.concurrent("hk.ResetCore", SLOW, () => {
  it("unrolled over (inputs, should_reset), in a module, around and inside a DeepRNN, called directly", () =>
    expectVerifies({
      name: "haiku_reset_core",
      py: AGENT,
      entry: entry("forward", ["obs=float32[6,3,4]", "step_type=int32[6,3]<3"]),
      reads: [
        "readonly core: hk.ResetCore<hk.LSTMState, nnx.Array, nnx.Array>;",
        "this.core = new hk.ResetCore(new hk.LSTM(8, 6, { rngs }));",
        "hk.dynamicUnroll(this.core, [emb, shouldReset], state)",
        /new hk\.ResetCore\(\s*new hk\.DeepRNN\(\[new hk\.LSTM\(3, 4, \{ rngs \}\), nnx\.relu, new hk\.GRU\(4, 5, \{ rngs \}\)\]\),?\s*\)/,
        "new hk.DeepRNN([new hk.ResetCore(new hk.VanillaRNN(5, 4, { rngs })), nnx.tanh])",
        /\.call\(\s*\[jnp\.index\(obs, 0\), jnp\.equal\(jnp\.index\(stepType, 0\), 2\)\],/,
      ],
    }));

  it("an agent's methods given a batch size and the core's state (a tuple of an LSTMState and an array)", () =>
    expectVerifies({
      name: "haiku_reset_agent",
      py: AGENT_METHODS,
      entry: entry("forward", ["obs=float32[5,2,3]", "step_type=int32[5,2]<3"]),
      reads: [
        "initialState(batchSize: number): [{ hidden: nnx.Array; cell: nnx.Array }, nnx.Array]",
        /step\(\s*obs: nnx\.Array,\s*first: nnx\.Array,\s*state: \[\{ hidden: nnx\.Array; cell: nnx\.Array \}, nnx\.Array\],?\s*\)/,
        "hk.dynamicUnroll(this.core, [emb, shouldReset], state)",
      ],
    }));

  it("a core made only for its initial state", () =>
    expectVerifies({
      name: "haiku_state_only_core",
      py: STATE_ONLY_CORE,
      entry: entry("forward", ["obs=float32[5,2,3]", "step_type=int32[5,2]<3"]),
      reads: ["let state = { hidden: jnp.zeros([obs.shape[1]!, 6]), cell: jnp.zeros([obs.shape[1]!, 6]) };", "const h0 = jnp.zeros([4]);"],
    }));

  it("a ResetCore given its inputs without should_reset is reported at its line", () =>
    expectUnsupported(
      `
import jax, jax.numpy as jnp
import haiku as hk

def forward(xs):
    core = hk.ResetCore(hk.LSTM(4))
    ys, _ = hk.dynamic_unroll(core, xs, core.initial_state(2))
    return ys
`,
      7,
      /ResetCore takes \(inputs, should_reset\)/,
      entry("forward", ["xs=float32[5,2,3]"]),
    ));
});
