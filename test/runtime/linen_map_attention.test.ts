// The Linen → runtime mapping for attention, recurrence, DenseGeneral and
// Einsum, verified against live Linen: for each Linen layer, its parameter
// tree (paths, shapes) maps one-to-one onto the runtime layer's; each Linen
// parameter is the Linen default initializer applied to
// linenKey(init key, its scope, its make_rng count in that scope) and so is the
// runtime parameter's "init" metadata applied to that key; and with Linen's
// (randomized) weights loaded the runtime layer computes Linen's outputs.
import { afterAll, describe, expect, it } from "vitest";
import { nnx, random, tf } from "../../runtime/index.js";
import { linenKey } from "../../runtime/random/linen.js";
import { pythonJson } from "../helpers/python.js";
import { PY_PRELUDE, bits, closeStats, expectClose, flatVariables, loadParams, maxAbsDiff, type Nested } from "../helpers/flat-params.js";

afterAll(() =>
  console.log(
    `compared ${closeStats.compared} values; worst |ts - ref| / tolerance = ${closeStats.worst.toFixed(3)} (${closeStats.where})`,
  ),
);

const { lecunNormal, orthogonal, zeros, ones, normal } = nnx.initializers;
type Init = nnx.Initializer;
const prod = (xs: number[]) => xs.reduce((a, b) => a * b, 1);

/** Linen DenseGeneral's kernel_init_wrap / bias_init_wrap: the initializer on the flat 2-D (or 1-D) shape, reshaped. */
const flat =
  (nBatch: number, nIn: number, nOut: number, init: Init = lecunNormal()): Init =>
  (key, shape) =>
    tf.tidy(() => {
      const s = nIn === 0 ? [prod(shape)] : [prod(shape.slice(0, nBatch + nIn)), prod(shape.slice(shape.length - nOut))];
      return tf.reshape(init(key, s, "float32"), shape);
    });
const flatBias: Init = flat(0, 0, 0, zeros);

type Ins = tf.Tensor[][];
interface Spec {
  name: string;
  /** Python: the Linen module, its inputs (a list), apply/init keyword arguments; `seed` is the init key. */
  module: string;
  inputs: string;
  kw?: string;
  initkw?: string;
  seed: number;
  /** The runtime layer, and a function applying it to the inputs (each input as its leaves). */
  make: () => [object, (ins: Ins) => nnx.RNNCarry];
  /** [Linen path, runtime path, Linen's default initializer, orthogonal?] in Linen's creation order within each scope. */
  params: [string, string, Init, boolean?][];
}

const rngs = () => new nnx.Rngs(0);
/** Dense layers of a cell: [Linen name, runtime attribute, has bias]; input layers i* lecun_normal, hidden h* orthogonal. */
const cellParams = (lin: string, names: [string, string, boolean][], run = ""): [string, string, Init, boolean?][] =>
  names.flatMap(([l, r, bias]): [string, string, Init, boolean?][] => {
    const recurrent = l.startsWith("h");
    const kernel: [string, string, Init, boolean?] = [
      `${lin}${l}/kernel`,
      `${run}${r}.kernel`,
      recurrent ? orthogonal() : lecunNormal(),
      recurrent,
    ];
    return bias ? [kernel, [`${lin}${l}/bias`, `${run}${r}.bias`, zeros]] : [kernel];
  });

const LSTM: [string, string, boolean][] = [
  ["ii", "ii", false],
  ["hi", "hi", true],
  ["if", "if_", false],
  ["hf", "hf", true],
  ["ig", "ig", false],
  ["hg", "hg", true],
  ["io", "io", false],
  ["ho", "ho", true],
];
const GRU: [string, string, boolean][] = [
  ["ir", "ir", true],
  ["hr", "hr", false],
  ["iz", "iz", true],
  ["hz", "hz", false],
  ["in", "in_", true],
  ["hn", "hn", true],
];
const mhaParams = (nIn: number, qkv: string[], ln: boolean, bias = true): [string, string, Init, boolean?][] => [
  ...qkv.flatMap((n): [string, string, Init][] =>
    bias
      ? [
          [`${n}/kernel`, `${n}.kernel`, flat(0, nIn, 2)],
          [`${n}/bias`, `${n}.bias`, flatBias],
        ]
      : [[`${n}/kernel`, `${n}.kernel`, flat(0, nIn, 2)]],
  ),
  ...(ln
    ? ([
        ["query_ln/scale", "query_ln.scale", ones],
        ["key_ln/scale", "key_ln.scale", ones],
      ] as [string, string, Init][])
    : []),
  ["out/kernel", "out.kernel", flat(0, 2, 1)],
  ...(bias ? ([["out/bias", "out.bias", flatBias]] as [string, string, Init][]) : []),
];
const QKV = ["query", "key", "value"];

/** A key source drawing Linen's make_rng('dropout') keys in the root module's scope. */
const linenDropout = (seed: number) => {
  let count = 0;
  return { next: () => linenKey(random.key(seed), [], ++count) };
};

const SPECS: Spec[] = [
  {
    name: "DenseGeneral",
    module: "nn.DenseGeneral(features=(4, 5))",
    inputs: "[rnd(1, (2, 3))]",
    seed: 0,
    make: () => {
      const m = new nnx.LinearGeneral(3, [4, 5], { rngs: rngs() });
      return [m, ([[x]]: Ins) => m.call(x)];
    },
    params: [
      ["kernel", "kernel", flat(0, 1, 2)],
      ["bias", "bias", flatBias],
    ],
  },
  {
    name: "DenseGeneral axes/batch_dims",
    module: "nn.DenseGeneral(features=5, axis=(-1, 1), batch_dims=(0,))",
    inputs: "[rnd(2, (4, 2, 3))]",
    seed: 1,
    // Linen sorts `axis`; inFeatures follow the sorted axes.
    make: () => {
      const m = new nnx.LinearGeneral([2, 3], 5, { axis: [1, -1], batchAxis: { 0: 4 }, rngs: rngs() });
      return [m, ([[x]]: Ins) => m.call(x)];
    },
    params: [
      ["kernel", "kernel", flat(1, 2, 1)],
      ["bias", "bias", flat(1, 0, 1, zeros)],
    ],
  },
  {
    name: "Einsum",
    module: "nn.Einsum((3, 4, 5), 'bta,ahk->bthk')",
    inputs: "[rnd(3, (2, 6, 3))]",
    seed: 2,
    make: () => {
      const m = new nnx.Einsum("bta,ahk->bthk", [3, 4, 5], [4, 5], { rngs: rngs() });
      return [m, ([[x]]: Ins) => m.call(x)];
    },
    params: [
      ["kernel", "kernel", lecunNormal()],
      ["bias", "bias", zeros],
    ],
  },
  {
    name: "MultiHeadDotProductAttention (cross, mask)",
    module: "nn.MultiHeadDotProductAttention(num_heads=2, qkv_features=4, out_features=5)",
    inputs: "[rnd(4, (2, 5, 6)), rnd(5, (2, 7, 3))]",
    kw: "dict(mask=nn.make_attention_mask(jnp.ones((2, 5)), jnp.array([[1] * 7, [1] * 4 + [0] * 3])))",
    seed: 3,
    make: () => {
      const m = new nnx.MultiHeadAttention(2, 6, { qkvFeatures: 4, outFeatures: 5, inKvFeatures: 3, decode: false, rngs: rngs() });
      return [
        m,
        ([[q], [kv]]: Ins) =>
          m.call(q, kv, null, {
            mask: nnx.makeAttentionMask(
              tf.ones([2, 5]),
              tf.tensor([
                [1, 1, 1, 1, 1, 1, 1],
                [1, 1, 1, 1, 0, 0, 0],
              ]),
            ),
          }),
      ];
    },
    params: [
      ["query/kernel", "query.kernel", flat(0, 1, 2)],
      ["query/bias", "query.bias", flatBias],
      ["key/kernel", "key.kernel", flat(0, 1, 2)],
      ["key/bias", "key.bias", flatBias],
      ["value/kernel", "value.kernel", flat(0, 1, 2)],
      ["value/bias", "value.bias", flatBias],
      ["out/kernel", "out.kernel", flat(0, 2, 1)],
      ["out/bias", "out.bias", flatBias],
    ],
  },
  {
    name: "MultiHeadAttention (normalize_qk, dropout with Linen's keys)",
    // head_dim 8: LayerNorm over very few features amplifies float32 rounding (both sides) past the tolerance.
    module: "nn.MultiHeadAttention(num_heads=2, qkv_features=16, normalize_qk=True, dropout_rate=0.3)",
    inputs: "[rnd(6, (2, 5, 8))]",
    kw: "dict(deterministic=False, rngs={'dropout': jax.random.key(9)})",
    initkw: "dict(deterministic=True)",
    seed: 4,
    make: () => {
      const m = new nnx.MultiHeadAttention(2, 8, { qkvFeatures: 16, normalizeQk: true, dropoutRate: 0.3, decode: false, rngs: rngs() });
      return [m, ([[x]]: Ins) => m.call(x, { deterministic: false, rngs: linenDropout(9) })];
    },
    params: mhaParams(1, QKV, true),
  },
  {
    name: "SelfAttention (causal mask, no bias)",
    module: "nn.SelfAttention(num_heads=3, qkv_features=6, use_bias=False)",
    inputs: "[rnd(7, (2, 4, 6))]",
    kw: "dict(mask=nn.make_causal_mask(jnp.ones((2, 4))))",
    seed: 5,
    make: () => {
      const m = new nnx.MultiHeadAttention(3, 6, { qkvFeatures: 6, useBias: false, decode: false, rngs: rngs() });
      return [m, ([[x]]: Ins) => m.call(x, { mask: nnx.makeCausalMask(tf.ones([2, 4])) })];
    },
    params: mhaParams(1, QKV, false, false),
  },
  {
    name: "LSTMCell",
    module: "nn.LSTMCell(4)",
    inputs: "[(rnd(8, (2, 4)), rnd(9, (2, 4))), rnd(10, (2, 3))]",
    seed: 6,
    make: () => {
      const m = new nnx.LSTMCell(3, 4, { rngs: rngs() });
      return [m, ([[c, h], [x]]: Ins) => m.call([c, h], x) as unknown as nnx.RNNCarry];
    },
    params: cellParams("", LSTM),
  },
  {
    name: "OptimizedLSTMCell (as nnx.LSTMCell)",
    module: "nn.OptimizedLSTMCell(4)",
    inputs: "[(rnd(11, (2, 4)), rnd(12, (2, 4))), rnd(13, (2, 3))]",
    seed: 7,
    make: () => {
      const m = new nnx.LSTMCell(3, 4, { rngs: rngs() });
      return [m, ([[c, h], [x]]: Ins) => m.call([c, h], x) as unknown as nnx.RNNCarry];
    },
    params: cellParams("", LSTM),
  },
  {
    name: "GRUCell (as nnx.LinenGRUCell)",
    module: "nn.GRUCell(4)",
    inputs: "[rnd(14, (2, 4)), rnd(15, (2, 3))]",
    seed: 8,
    make: () => {
      const m = new nnx.LinenGRUCell(3, 4, { rngs: rngs() });
      return [m, ([[h], [x]]: Ins) => m.call(h, x) as unknown as nnx.RNNCarry];
    },
    params: cellParams("", GRU),
  },
  {
    name: "MGUCell",
    module: "nn.MGUCell(4)",
    inputs: "[rnd(16, (2, 4)), rnd(17, (2, 3))]",
    seed: 9,
    make: () => {
      const m = new nnx.MGUCell(3, 4, { rngs: rngs() });
      return [m, ([[h], [x]]: Ins) => m.call(h, x) as unknown as nnx.RNNCarry];
    },
    params: [
      ["if/kernel", "if_.kernel", lecunNormal()],
      ["if/bias", "if_.bias", ones],
      ["hf/kernel", "hf.kernel", orthogonal(), true],
      ["hn/kernel", "hn.kernel", orthogonal(), true],
      ["hn/bias", "hn.bias", zeros],
      ["in/kernel", "in_.kernel", lecunNormal()],
      ["in/bias", "in_.bias", zeros],
    ],
  },
  {
    name: "SimpleCell",
    module: "nn.SimpleCell(4)",
    inputs: "[rnd(18, (2, 4)), rnd(19, (2, 3))]",
    seed: 10,
    make: () => {
      const m = new nnx.SimpleCell(3, 4, { rngs: rngs() });
      return [m, ([[h], [x]]: Ins) => m.call(h, x) as unknown as nnx.RNNCarry];
    },
    params: [
      ["i/kernel", "dense_i.kernel", lecunNormal()],
      ["i/bias", "dense_i.bias", zeros],
      ["h/kernel", "dense_h.kernel", orthogonal(), true],
    ],
  },
  {
    name: "ConvLSTMCell",
    module: "nn.ConvLSTMCell(2, (3, 3))",
    inputs: "[(rnd(20, (2, 5, 6, 2)), rnd(21, (2, 5, 6, 2))), rnd(22, (2, 5, 6, 3))]",
    seed: 11,
    make: () => {
      const m = new nnx.ConvLSTMCell(3, 2, [3, 3], { rngs: rngs() });
      return [m, ([[c, h], [x]]: Ins) => m.call([c, h], x) as unknown as nnx.RNNCarry];
    },
    params: [
      ["ih/kernel", "ih.kernel", lecunNormal()],
      ["ih/bias", "ih.bias", zeros],
      ["hh/kernel", "hh.kernel", lecunNormal()],
      ["hh/bias", "hh.bias", zeros],
    ],
  },
  {
    name: "RNN (LSTMCell, random carry_init: Linen's init_key = key(0), split)",
    module: "nn.RNN(nn.LSTMCell(4, carry_init=nn.initializers.normal(1.0)), return_carry=True)",
    inputs: "[rnd(23, (2, 5, 3))]",
    seed: 12,
    make: () => {
      const m = new nnx.RNN(new nnx.LSTMCell(3, 4, { carryInit: normal(1.0), rngs: rngs() }), { returnCarry: true });
      return [
        m,
        ([[x]]: Ins) =>
          m.call(x, { initialCarry: m.cell.initializeCarry([2, 3], random.key(0)), returnCarry: true }) as unknown as nnx.RNNCarry,
      ];
    },
    params: cellParams("cell/", LSTM, "cell."),
  },
  {
    name: "RNN (GRUCell, reverse, keep_order, seq_lengths)",
    module: "nn.RNN(nn.GRUCell(4), reverse=True, keep_order=True, return_carry=True)",
    inputs: "[rnd(24, (3, 5, 3))]",
    kw: "dict(seq_lengths=jnp.array([5, 2, 3]))",
    seed: 13,
    make: () => {
      const m = new nnx.RNN(new nnx.LinenGRUCell(3, 4, { rngs: rngs() }), { reverse: true, keepOrder: true, returnCarry: true });
      return [
        m,
        ([[x]]: Ins) => m.call(x, { seqLengths: tf.tensor([5, 2, 3], [3], "int32"), returnCarry: true }) as unknown as nnx.RNNCarry,
      ];
    },
    params: cellParams("cell/", GRU, "cell."),
  },
  {
    name: "Bidirectional (init_key split between the directions)",
    module:
      "nn.Bidirectional(nn.RNN(nn.LSTMCell(4, carry_init=nn.initializers.normal(1.0))), nn.RNN(nn.GRUCell(4, carry_init=nn.initializers.normal(1.0))), return_carry=True)",
    inputs: "[rnd(25, (2, 5, 3))]",
    kw: "dict(init_key=jax.random.key(5), seq_lengths=jnp.array([5, 3]))",
    seed: 14,
    make: () => {
      const m = new nnx.Bidirectional<nnx.RNNCarry>(
        new nnx.RNN<nnx.RNNCarry>(new nnx.LSTMCell(3, 4, { carryInit: normal(1.0), rngs: rngs() })),
        new nnx.RNN<nnx.RNNCarry>(new nnx.LinenGRUCell(3, 4, { carryInit: normal(1.0), rngs: rngs() })),
        { returnCarry: true },
      );
      return [
        m,
        ([[x]]: Ins) => {
          const [kf, kb] = random.split(random.key(5));
          const initialCarry: [nnx.RNNCarry, nnx.RNNCarry] = [
            m.forward_rnn.cell.initializeCarry([2, 3], kf),
            m.backward_rnn.cell.initializeCarry([2, 3], kb),
          ];
          return m.call(x, { initialCarry, seqLengths: tf.tensor([5, 3], [2], "int32"), returnCarry: true }) as unknown as nnx.RNNCarry;
        },
      ];
    },
    params: [...cellParams("forward_rnn/cell/", LSTM, "forward_rnn.cell."), ...cellParams("backward_rnn/cell/", GRU, "backward_rnn.cell.")],
  },
  {
    // Inside @nn.compact the cells are built in the parent's context, so Linen binds them to the parent
    // (LSTMCell_0, GRUCell_0, GRUCell_1) and nn.RNN / nn.Bidirectional add no scope of their own.
    name: "RNN and Bidirectional built inside @nn.compact",
    module: "CompactRNNs()",
    inputs: "[rnd(26, (2, 5, 3))]",
    seed: 15,
    make: () => {
      const m = new CompactRNNs(rngs());
      return [m, ([[x]]: Ins) => [m.rnn.call(x), m.bi.call(x)]];
    },
    params: [
      ...cellParams("LSTMCell_0/", LSTM, "rnn.cell."),
      ...cellParams("GRUCell_0/", GRU, "bi.forward_rnn.cell."),
      ...cellParams("GRUCell_1/", GRU, "bi.backward_rnn.cell."),
    ],
  },
];

const PY_DEFS = `
class CompactRNNs(nn.Module):
  @nn.compact
  def __call__(self, x):
    return nn.RNN(nn.LSTMCell(4))(x), nn.Bidirectional(nn.RNN(nn.GRUCell(4)), nn.RNN(nn.GRUCell(4)))(x)
`;

class CompactRNNs extends nnx.Module {
  readonly rnn: nnx.RNN;
  readonly bi: nnx.Bidirectional;
  constructor(r: nnx.Rngs) {
    super();
    this.rnn = new nnx.RNN(new nnx.LSTMCell(3, 4, { rngs: r }));
    this.bi = new nnx.Bidirectional(
      new nnx.RNN(new nnx.LinenGRUCell(3, 4, { rngs: r })),
      new nnx.RNN(new nnx.LinenGRUCell(3, 4, { rngs: r })),
    );
  }
}

const leaves = (c: nnx.RNNCarry): tf.Tensor[] => (c instanceof tf.Tensor ? [c] : c.flatMap(leaves));

describe("Linen layers → runtime layers (attention, recurrence, DenseGeneral, Einsum)", () => {
  it("parameter trees, per-scope key derivation, default initializers and outputs match live Linen", () => {
    const pySpecs = SPECS.map(({ name, module, inputs, kw, initkw, seed }) => ({
      name,
      module,
      inputs,
      kw: kw ?? "{}",
      initkw: initkw ?? "{}",
      seed,
    }));
    const ref = pythonJson<
      Record<
        string,
        { init: Record<string, { shape: number[]; bits: number[] }>; params: Record<string, Nested>; inputs: Nested[][]; out: Nested[] }
      >
    >(`${PY_PRELUDE}
import warnings; warnings.simplefilter("ignore")
import flax.linen as nn
from flax.traverse_util import flatten_dict, unflatten_dict
${PY_DEFS}
out = {}
for sp in json.loads(${JSON.stringify(JSON.stringify(pySpecs))}):
  m, ins, kw, initkw = eval(sp["module"]), eval(sp["inputs"]), eval(sp["kw"]), eval(sp["initkw"])
  fl = flatten_dict(m.init(jax.random.key(sp["seed"]), *ins, **initkw)["params"])
  rp = {k: rnd(1000 * sp["seed"] + i, a.shape) * 0.5 for i, (k, a) in enumerate(sorted(fl.items()))}
  y = m.apply({"params": unflatten_dict(rp)}, *ins, **kw)
  out[sp["name"]] = {"init": {"/".join(k): {"shape": list(a.shape), "bits": u32(a)} for k, a in fl.items()},
    "params": {"/".join(k): tl(a) for k, a in rp.items()}, "inputs": [[tl(l) for l in jax.tree.leaves(i)] for i in ins],
    "out": [tl(l) for l in jax.tree.leaves(y)]}
print(json.dumps(out))
`);
    let orthoWorst = 0;
    for (const spec of SPECS) {
      const r = ref[spec.name];
      const what = spec.name;
      // 1. The trees: every Linen param maps to exactly one runtime Param of the same shape.
      expect(Object.keys(r.init).sort(), `${what}: Linen paths`).toEqual(spec.params.map(([l]) => l).sort());
      const [m, apply] = spec.make();
      const vars = new Map(flatVariables(m));
      expect([...vars.keys()].sort(), `${what}: runtime paths`).toEqual(spec.params.map(([, rt]) => rt).sort());
      // 2. Keys: count make_rng('params') per scope, in creation order.
      const counters = new Map<string, number>();
      for (const [lpath, rpath, linenInit, ortho] of spec.params) {
        const scope = lpath.split("/").slice(0, -1);
        const counter = (counters.get(scope.join("/")) ?? 0) + 1;
        counters.set(scope.join("/"), counter);
        const { shape, bits: expected } = r.init[lpath];
        const v = vars.get(rpath)!;
        expect(v.shape, `${what}: ${rpath} shape`).toEqual(shape);
        const key = linenKey(random.key(spec.seed), scope, counter);
        const redraws = [linenInit(key, shape, "float32"), (v.getMetadata("init") as Init)(key, shape, "float32")];
        for (const [i, t] of redraws.entries()) {
          const label = `${what}: ${lpath} from ${i === 0 ? "Linen's default initializer" : "the runtime's init metadata"}`;
          if (ortho) {
            const d = maxAbsDiff(t, Array.from(new Float32Array(new Uint32Array(expected).buffer)));
            expect(d, label).toBeLessThanOrEqual(1e-6);
            orthoWorst = Math.max(orthoWorst, d);
          } else {
            expect(bits(t), label).toEqual(expected);
          }
        }
        tf.dispose(redraws);
      }
      // 3. Semantics: Linen's weights give Linen's outputs.
      const byRuntime = Object.fromEntries(spec.params.map(([l, rt]) => [rt, r.params[l]]));
      loadParams(m, byRuntime);
      const ins = r.inputs.map((ls) => ls.map((l) => tf.tensor(l as number[])));
      const outs = leaves(apply(ins));
      expect(outs.length, `${what}: outputs`).toBe(r.out.length);
      outs.forEach((o, j) => expectClose(o, r.out[j], `${what}: output ${j}`));
    }
    console.log(`orthogonal (Linen recurrent kernels): max |ts - jax| = ${orthoWorst.toExponential(2)}`);
  });
});
