// Haiku's recurrent cores and unrolls against live dm-haiku: init bit-exact
// from the same key, outputs, final (or all) states and gradients.
import { beforeAll, describe, expect, it } from "vitest";
import { hk, nnx, tf } from "../../../runtime/index.js";
import {
  type HkReference,
  type Nest,
  decodeNest,
  expectGradsClose,
  expectNestClose,
  expectNoLeak,
  expectSameTree,
  hkReference,
} from "../../helpers/haiku.js";

type Case = {
  name: string;
  /** Python function of the inputs. */
  py: string;
  inputs: string;
  ts: (rngs: nnx.Rngs) => { m: object; forward: (...xs: tf.Tensor[]) => Nest };
  /** Haiku path → ours, when the cores are built outside the module that holds them. */
  map?: (p: string) => string;
};

const CASES: Case[] = [
  {
    name: "LSTM, dynamic_unroll, time-major",
    py: "def f(xs):\n  core = hk.LSTM(5)\n  return hk.dynamic_unroll(core, xs, core.initial_state(2))",
    inputs: "[jax.random.normal(jax.random.key(1), (4, 2, 3))]",
    ts: (rngs) => {
      const core = new hk.LSTM(3, 5, { rngs });
      return { m: core, forward: (xs) => hk.dynamicUnroll(core, xs, core.initialState(2)) as Nest };
    },
  },
  {
    name: "LSTM, static_unroll, unbatched",
    py: "def f(xs):\n  core = hk.LSTM(4)\n  return hk.static_unroll(core, xs, core.initial_state(None))",
    inputs: "[jax.random.normal(jax.random.key(2), (5, 3))]",
    ts: (rngs) => {
      const core = new hk.LSTM(3, 4, { rngs });
      return { m: core, forward: (xs) => hk.staticUnroll(core, xs, core.initialState(null)) as Nest };
    },
  },
  {
    name: "GRU, static_unroll, batch-major",
    py: "def f(xs):\n  core = hk.GRU(4)\n  return hk.static_unroll(core, xs, core.initial_state(2), time_major=False)",
    inputs: "[jax.random.normal(jax.random.key(3), (2, 5, 3))]",
    ts: (rngs) => {
      const core = new hk.GRU(3, 4, { rngs });
      return { m: core, forward: (xs) => hk.staticUnroll(core, xs, core.initialState(2), false) as Nest };
    },
  },
  {
    name: "GRU with drawing b_init, unbatched dynamic_unroll",
    py: "def f(xs):\n  core = hk.GRU(3, b_init=hk.initializers.RandomNormal(), w_h_init=hk.initializers.UniformScaling())\n  return hk.dynamic_unroll(core, xs, core.initial_state(None))",
    inputs: "[jax.random.normal(jax.random.key(3), (4, 2))]",
    ts: (rngs) => {
      const core = new hk.GRU(2, 3, { bInit: hk.initializers.RandomNormal(), wHInit: hk.initializers.UniformScaling(), rngs });
      return { m: core, forward: (xs) => hk.dynamicUnroll(core, xs, core.initialState(null)) as Nest };
    },
  },
  {
    name: "VanillaRNN without double bias, dynamic_unroll reverse with all states, batch-major",
    py: "def f(xs):\n  core = hk.VanillaRNN(4, double_bias=False)\n  return hk.dynamic_unroll(core, xs, core.initial_state(3), time_major=False, reverse=True, return_all_states=True)",
    inputs: "[jax.random.normal(jax.random.key(4), (3, 5, 2))]",
    ts: (rngs) => {
      const core = new hk.VanillaRNN(2, 4, { doubleBias: false, rngs });
      return {
        m: core,
        forward: (xs) => hk.dynamicUnroll(core, xs, core.initialState(3), { timeMajor: false, reverse: true, returnAllStates: true }) as Nest,
      };
    },
  },
  {
    name: "DeepRNN([LSTM, relu, GRU])",
    py: "def f(xs):\n  core = hk.DeepRNN([hk.LSTM(4), jax.nn.relu, hk.GRU(3)])\n  return hk.dynamic_unroll(core, xs, core.initial_state(2))",
    inputs: "[jax.random.normal(jax.random.key(5), (3, 2, 2))]",
    ts: (rngs) => {
      const core = new hk.DeepRNN([new hk.LSTM(2, 4, { rngs }), nnx.relu, new hk.GRU(4, 3, { rngs })]);
      return { m: core, forward: (xs) => hk.dynamicUnroll(core, xs, core.initialState(2)) as Nest };
    },
    map: (p) => p.replace(/^lstm\/linear\//, "layers.0.linear.").replace(/^gru\//, "layers.2."),
  },
  {
    name: "deep_rnn_with_skip_connections([LSTM, VanillaRNN])",
    py: "def f(xs):\n  core = hk.deep_rnn_with_skip_connections([hk.LSTM(4), hk.VanillaRNN(3)])\n  return hk.static_unroll(core, xs, core.initial_state(2))",
    inputs: "[jax.random.normal(jax.random.key(6), (3, 2, 2))]",
    ts: (rngs) => {
      const core = hk.deepRnnWithSkipConnections([new hk.LSTM(2, 4, { rngs }), new hk.VanillaRNN(6, 3, { rngs })]);
      return { m: core, forward: (xs) => hk.staticUnroll(core, xs, core.initialState(2)) as Nest };
    },
    map: (p) => p.replace(/^lstm\/linear\//, "layers.0.linear.").replace(/^vanilla_rnn\//, "layers.1.").replace("/", "."),
  },
  {
    name: "ResetCore(LSTM) with per-step, per-example resets",
    py: "def f(xs, resets):\n  core = hk.ResetCore(hk.LSTM(3))\n  return hk.dynamic_unroll(core, (xs, resets), core.initial_state(2))",
    inputs: "[jax.random.normal(jax.random.key(7), (4, 2, 2)), jnp.array([[False, False], [True, False], [False, True], [True, True]])]",
    ts: (rngs) => {
      const core = new hk.ResetCore(new hk.LSTM(2, 3, { rngs }));
      return { m: core, forward: (xs, resets) => hk.dynamicUnroll(core, [xs, resets], core.initialState(2)) as Nest };
    },
    map: (p) => p.replace(/^lstm\/linear\//, "core.linear."),
  },
  {
    name: "IdentityCore",
    py: "def f(xs):\n  core = hk.IdentityCore()\n  return hk.static_unroll(core, xs, core.initial_state(2))",
    inputs: "[jax.random.normal(jax.random.key(8), (3, 2, 2))]",
    ts: () => {
      const core = new hk.IdentityCore();
      return { m: core, forward: (xs) => hk.staticUnroll(core, xs, core.initialState(2)) as Nest };
    },
  },
  {
    name: "Conv2DLSTM, dynamic_unroll",
    py: "def f(xs):\n  core = hk.Conv2DLSTM((5, 4), 3, 3)\n  return hk.dynamic_unroll(core, xs, core.initial_state(2))",
    inputs: "[jax.random.normal(jax.random.key(9), (3, 2, 5, 4, 2))]",
    ts: (rngs) => {
      const core = new hk.Conv2DLSTM(2, [5, 4], 3, 3, { rngs });
      return { m: core, forward: (xs) => hk.dynamicUnroll(core, xs, core.initialState(2)) as Nest };
    },
  },
  {
    name: "Conv1DLSTM, unbatched static_unroll",
    py: "def f(xs):\n  core = hk.Conv1DLSTM((6,), 2, (3,))\n  return hk.static_unroll(core, xs, core.initial_state(None))",
    inputs: "[jax.random.normal(jax.random.key(10), (3, 6, 2))]",
    ts: (rngs) => {
      const core = new hk.Conv1DLSTM(2, [6], 2, [3], { rngs });
      return { m: core, forward: (xs) => hk.staticUnroll(core, xs, core.initialState(null)) as Nest };
    },
  },
  {
    name: "Conv3DLSTM, one step",
    py: "def f(x):\n  core = hk.Conv3DLSTM((3, 4, 2), 2, 2)\n  return core(x, core.initial_state(1))",
    inputs: "[jax.random.normal(jax.random.key(11), (1, 3, 4, 2, 3))]",
    ts: (rngs) => {
      const core = new hk.Conv3DLSTM(3, [3, 4, 2], 2, 2, { rngs });
      return { m: core, forward: (x) => core.call(x, core.initialState(1)) as Nest };
    },
  },
];

describe("hk recurrent cores and unrolls", () => {
  let refs: HkReference[];
  beforeAll(() => {
    refs = hkReference<HkReference[]>(`
fns = []
${CASES.map((c) => `${c.py}\nfns.append((f, lambda: ${c.inputs}))`).join("\n")}
emit([reference(f, xs(), seed=80 + i) for i, (f, xs) in enumerate(fns)])
`);
  });
  CASES.forEach((c, i) => {
    it(`${c.name}: init bit-exact, outputs and states, gradients, memory`, () => {
      const ref = refs[i];
      const { m, forward } = c.ts(hk.haikuRngs(80 + i));
      expectSameTree(m, nnx.Param, ref.params, c.map ? { map: c.map } : {});
      const xs = ref.inputs.map(decodeNest) as tf.Tensor[];
      expectNestClose(forward(...xs), ref.out, "out");
      if (Object.keys(ref.params).length > 0) expectGradsClose(m, forward, ref, c.map ? { map: c.map } : {});
      // The initial state made inside `forward` is freed by the tidy.
      expectNoLeak(() => tf.tidy(() => forward(...xs) as tf.TensorContainer) as Nest);
    });
  });

  it("single steps called outside a tidy free their intermediates", () => {
    const rngs = new nnx.Rngs(0);
    const x = tf.ones([4, 2]);
    const reset = new hk.ResetCore(new hk.LSTM(2, 3, { rngs }));
    const rs = reset.initialState(4);
    const flags = tf.tensor([true, false, true, false]);
    expectNoLeak(() => reset.call([x, flags], rs) as Nest);
    const deep = new hk.DeepRNN([new hk.LSTM(2, 3, { rngs }), nnx.relu, new hk.GRU(3, 2, { rngs })]);
    const ds = deep.initialState(4);
    expectNoLeak(() => deep.call(x, ds) as Nest);
    const skip = hk.deepRnnWithSkipConnections([new hk.LSTM(2, 3, { rngs }), new hk.VanillaRNN(5, 2, { rngs })]);
    const ss = skip.initialState(4);
    expectNoLeak(() => skip.call(x, ss) as Nest);
  });

  it("initial_state shapes follow Haiku's (batched and not)", () => {
    const rngs = new nnx.Rngs(0);
    const lstm = new hk.LSTM(2, 3, { rngs });
    expect(lstm.initialState(null).hidden.shape).toEqual([3]);
    expect(lstm.initialState(4).cell.shape).toEqual([4, 3]);
    const conv = new hk.Conv2DLSTM(2, [5, 4], 3, 3, { rngs });
    expect(conv.initialState(2).hidden.shape).toEqual([2, 5, 4, 3]);
    const deep = new hk.DeepRNN([lstm, nnx.relu, new hk.GRU(3, 2, { rngs })]);
    expect((deep.initialState(2) as tf.Tensor[]).length).toBe(2);
    expect(() => hk.deepRnnWithSkipConnections([lstm, nnx.relu as never])).toThrow(/RNNCore/);
  });
});
