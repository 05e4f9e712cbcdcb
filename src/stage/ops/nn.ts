// jax.nn (and its re-exports in flax.linen, flax.nnx, haiku) as runtime calls.
import { broadcast, materialize, type SymShape, unknownShape } from "../shapes.js";
import { num } from "../../ts/ast.js";
import {
  knownOf,
  shapeOf,
  createdDtype,
  float,
  oneHot,
  reduce,
  same,
  unary,
  where,
  type OpArgs,
  type OpSpec,
} from "./rules.js";

/** Attention's query/key/value: [batch..., length, heads, depth]; the result takes the values' depth. */
function attentionOut(a: OpArgs): SymShape {
  const q = shapeOf(a.get("query"));
  const v = shapeOf(a.get("value"));
  if (q.rank === undefined || v.rank === undefined) return unknownShape;
  return { rank: q.rank, dims: [...materialize(q).slice(0, -1), materialize(v)[v.rank - 1]] };
}

/** Attention weights: [batch..., heads, q_length, kv_length]. */
function attentionWeights(a: OpArgs): SymShape {
  const q = shapeOf(a.get("query"));
  const k = shapeOf(a.get("key"));
  if (q.rank === undefined || k.rank === undefined || q.rank < 3) return unknownShape;
  const [dq, dk] = [materialize(q), materialize(k)];
  return { rank: q.rank, dims: [...dq.slice(0, -3), dq[q.rank - 2], dq[q.rank - 3], dk[k.rank - 3]] };
}

/** make_attention_mask(q [batch..., q_len], k [batch..., kv_len]): [1 × extra, batch..., 1, q_len, kv_len]. */
function attentionMask(a: OpArgs): SymShape {
  const q = shapeOf(a.get("query_input"));
  const k = shapeOf(a.get("key_input"));
  const extra = knownOf(a.get("extra_batch_dims")) ?? 0;
  if (q.rank === undefined || k.rank === undefined || typeof extra !== "number") return unknownShape;
  const [dq, dk] = [materialize(q), materialize(k)];
  return { rank: q.rank + 2 + extra, dims: [...Array(extra).fill(num(1)), ...dq.slice(0, -1), num(1), dq[q.rank - 1], dk[k.rank - 1]] };
}

/** make_causal_mask(x [batch..., len]): [1 × extra, batch..., 1, len, len]. */
function causalMask(a: OpArgs): SymShape {
  const x = shapeOf(a.get("x"));
  const extra = knownOf(a.get("extra_batch_dims")) ?? 0;
  if (x.rank === undefined || typeof extra !== "number") return unknownShape;
  const d = materialize(x);
  return { rank: x.rank + 2 + extra, dims: [...Array(extra).fill(num(1)), ...d.slice(0, -1), num(1), d[x.rank - 1], d[x.rank - 1]] };
}

const MASKS = ["mask0", "mask1", "mask2", "mask3", "mask4", "mask5"];

/** Linen's attention functions and mask helpers (flax/linen/attention.py). */
const LINEN_ATTENTION: Record<string, OpSpec> = {
  "flax.linen.dot_product_attention": {
    rt: "nnx.dotProductAttention",
    params: ["query", "key", "value", "bias", "mask", "broadcast_dropout", "dropout_rng", "dropout_rate", "deterministic", "dtype", "precision", "module", "force_fp32_for_softmax"],
    positional: 3,
    options: ["bias", "mask", "broadcast_dropout", "dropout_rng", "dropout_rate", "deterministic"],
    shape: attentionOut,
    dtype: float,
  },
  "flax.linen.dot_product_attention_weights": {
    rt: "nnx.dotProductAttentionWeights",
    params: ["query", "key", "bias", "mask", "broadcast_dropout", "dropout_rng", "dropout_rate", "deterministic", "dtype", "precision", "module", "force_fp32_for_softmax"],
    positional: 2,
    options: ["bias", "mask", "broadcast_dropout", "dropout_rng", "dropout_rate", "deterministic"],
    shape: attentionWeights,
    dtype: float,
  },
  "flax.linen.make_attention_mask": {
    rt: "nnx.makeAttentionMask",
    params: ["query_input", "key_input", "pairwise_fn", "extra_batch_dims", "dtype"],
    positional: 2,
    options: ["pairwise_fn", "extra_batch_dims"],
    shape: attentionMask,
    dtype: float,
  },
  "flax.linen.make_causal_mask": {
    rt: "nnx.makeCausalMask",
    params: ["x", "extra_batch_dims", "dtype"],
    positional: 1,
    options: ["extra_batch_dims"],
    shape: causalMask,
    dtype: float,
  },
  "flax.linen.combine_masks": {
    rt: "nnx.combineMasks",
    params: [...MASKS, "dtype"],
    positional: MASKS.length,
    shape: (a) => {
      const shapes = MASKS.map((m) => a.get(m)).filter((v) => v?.kind === "array").map(shapeOf);
      return shapes.length ? shapes.reduce((x, y) => broadcast(x, y)) : unknownShape;
    },
    dtype: float,
  },
};
for (const [k, v] of Object.entries({ ...LINEN_ATTENTION })) {
  LINEN_ATTENTION[k.replace("flax.linen.", "flax.linen.attention.")] = v;
  LINEN_ATTENTION[k.replace("flax.linen.", "flax.nnx.")] = v;
}

export const NN_OPS: Record<string, OpSpec> = {
  ...LINEN_ATTENTION,
  "jax.nn.relu": unary("nnx.relu", true),
  "jax.nn.relu6": unary("nnx.relu6"),
  "jax.nn.sigmoid": unary("nnx.sigmoid"),
  "jax.nn.silu": unary("nnx.silu"),
  "jax.nn.swish": unary("nnx.silu"),
  "jax.nn.elu": unary("nnx.elu"),
  "jax.nn.selu": unary("nnx.selu"),
  "jax.nn.celu": unary("nnx.celu"),
  "jax.nn.softplus": unary("nnx.softplus"),
  "jax.nn.soft_sign": unary("nnx.softSign"),
  "jax.nn.log_sigmoid": unary("nnx.logSigmoid"),
  "jax.nn.mish": unary("nnx.mish"),
  "jax.nn.hard_tanh": unary("nnx.hardTanh"),
  "jax.nn.hard_sigmoid": unary("nnx.hardSigmoid"),
  "jax.nn.hard_silu": unary("nnx.hardSilu"),
  "jax.nn.hard_swish": unary("nnx.hardSilu"),
  "jax.nn.tanh": unary("nnx.tanh"),
  "jax.nn.gelu": {
    rt: "nnx.gelu",
    params: ["x", "approximate"],
    shape: same,
    dtype: float,
  },
  "jax.nn.leaky_relu": {
    rt: "nnx.leakyRelu",
    params: ["x", "negative_slope"],
    shape: same,
    dtype: float,
  },
  "jax.nn.softmax": {
    rt: "nnx.softmax",
    params: ["x", "axis", "where"],
    shape: same,
    dtype: float,
  },
  "jax.nn.log_softmax": {
    rt: "nnx.logSoftmax",
    params: ["x", "axis", "where"],
    shape: same,
    dtype: float,
  },
  "jax.nn.logsumexp": {
    rt: "nnx.logsumexp",
    params: ["a", "axis", "b", "keepdims"],
    shape: reduce("a"),
    dtype: float,
  },
  "jax.nn.standardize": {
    rt: "nnx.standardize",
    params: ["x", "axis", "mean", "variance", "epsilon", "where"],
    shape: same,
    dtype: float,
  },
  "jax.nn.one_hot": {
    rt: "nnx.oneHot",
    params: ["x", "num_classes", "dtype", "axis"],
    shape: oneHot,
    dtype: createdDtype("float32"),
  },
};
