// jax.nn (and its re-exports in flax.linen, flax.nnx, haiku) as runtime calls.
// The runtime's activations take `(x, axis)` or `(x, { axis, ...options })`.
import { broadcast, dimAt, materialize, type SymShape, unknownShape, withDim } from "../shapes.js";
import { num } from "../../ts/ast.js";
import { createdDtype, divideExact, float, knownOf, oneHot, reduce, shapeOf, unary, type OpArgs, type OpSpec } from "./rules.js";

const withParam = (rt: string, param: string): OpSpec => ({ rt, sig: `x: A, ${param}: F`, shape: (a) => shapeOf(a.get("x")), dtype: float });

/** glu halves `axis` (default -1): x1 * sigmoid(x2) of its two halves. */
function gluShape(a: OpArgs): SymShape {
  const axis = a.get("axis") === undefined ? -1 : knownOf(a.get("axis"));
  if (typeof axis !== "number") return unknownShape;
  const x = shapeOf(a.get("x"));
  return withDim(x, axis, divideExact(dimAt(x, axis), num(2)));
}

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

// The mask helpers' dtype is the mask's (`mask.astype(dtype)`): float32 by default (float64
// is float32 with x64 off), `jnp.bool_` for code that builds boolean masks. combine_masks
// takes its masks as rest arguments in the runtime, so its dtype stays float32.
const FLOAT32_MASK = "dtype!='float32': D";
const MASK_DTYPE = "dtype?: D";

/** Linen's attention functions and mask helpers (flax/linen/attention.py). */
const LINEN_ATTENTION: Record<string, OpSpec> = {
  "flax.linen.dot_product_attention": {
    rt: "nnx.dotProductAttention",
    sig: "query: A, key: A, value: A, bias?, mask?, broadcast_dropout?, dropout_rng?, dropout_rate?: F, deterministic?, dtype!, precision~, module!, force_fp32_for_softmax!=False",
    shape: attentionOut,
    dtype: float,
  },
  "flax.linen.dot_product_attention_weights": {
    rt: "nnx.dotProductAttentionWeights",
    sig: "query: A, key: A, bias?, mask?, broadcast_dropout?, dropout_rng?, dropout_rate?: F, deterministic?, dtype!, precision~, module!, force_fp32_for_softmax!=False",
    shape: attentionWeights,
    dtype: float,
  },
  "flax.linen.make_attention_mask": {
    rt: "nnx.makeAttentionMask",
    sig: `query_input: A, key_input: A, pairwise_fn?, extra_batch_dims?: F, ${MASK_DTYPE}`,
    shape: attentionMask,
    dtype: createdDtype("float32"),
  },
  "flax.linen.make_causal_mask": {
    rt: "nnx.makeCausalMask",
    sig: `x: A, extra_batch_dims?: F, ${MASK_DTYPE}`,
    shape: causalMask,
    dtype: createdDtype("float32"),
  },
  "flax.linen.combine_masks": {
    rt: "nnx.combineMasks",
    sig: `*masks: A, ${FLOAT32_MASK}`,
    shape: (a) => {
      const shapes = a.rest.filter((v) => v.kind === "array").map(shapeOf);
      return shapes.length ? shapes.reduce((x, y) => broadcast(x, y)) : unknownShape;
    },
    // None only when every mask is None.
    notNull: (a) => a.rest.some((v) => v.kind === "array"),
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
  "jax.nn.elu": withParam("nnx.elu", "alpha"),
  "jax.nn.selu": unary("nnx.selu"),
  "jax.nn.celu": withParam("nnx.celu", "alpha"),
  "jax.nn.softplus": unary("nnx.softplus"),
  "jax.nn.soft_sign": unary("nnx.softSign"),
  "jax.nn.log_sigmoid": unary("nnx.logSigmoid"),
  "jax.nn.mish": unary("nnx.mish"),
  "jax.nn.hard_tanh": unary("nnx.hardTanh"),
  "jax.nn.hard_sigmoid": unary("nnx.hardSigmoid"),
  "jax.nn.hard_silu": unary("nnx.hardSilu"),
  "jax.nn.hard_swish": unary("nnx.hardSilu"),
  "jax.nn.tanh": unary("nnx.tanh"),
  "jax.nn.glu": { rt: "nnx.glu", sig: "x: A, axis: F", shape: gluShape, dtype: float },
  "jax.nn.gelu": { rt: "nnx.gelu", sig: "x: A, approximate", shape: (a) => shapeOf(a.get("x")), dtype: float },
  "jax.nn.leaky_relu": withParam("nnx.leakyRelu", "negative_slope"),
  "jax.nn.softmax": { rt: "nnx.softmax", sig: "x: A, axis=null, where?: A, initial!", axisOrOptions: "axis", shape: (a) => shapeOf(a.get("x")), dtype: float },
  "jax.nn.log_softmax": { rt: "nnx.logSoftmax", sig: "x: A, axis=null, where?: A, initial!", axisOrOptions: "axis", shape: (a) => shapeOf(a.get("x")), dtype: float },
  "jax.nn.standardize": {
    rt: "nnx.standardize",
    sig: "x: A, axis=null, mean?: A, variance?: A, epsilon?: F, where?: A, *, algorithm?",
    axisOrOptions: "axis",
    shape: (a) => shapeOf(a.get("x")),
    dtype: float,
  },
  // jax.nn's other functions (jax/_src/nn/functions.py), as the runtime has them.
  "jax.nn.identity": unary("nnx.identity", true),
  "jax.nn.squareplus": withParam("nnx.squareplus", "b"),
  "jax.nn.sparse_plus": unary("nnx.sparsePlus"),
  "jax.nn.sparse_sigmoid": unary("nnx.sparseSigmoid"),
  "jax.nn.log1mexp": unary("nnx.log1mexp"),
  "jax.nn.logmeanexp": { rt: "nnx.logmeanexp", sig: "x: A, axis=null, where?: A, keepdims?", axisOrOptions: "axis", shape: reduce("x"), dtype: float },
  "jax.nn.one_hot": { rt: "nnx.oneHot", sig: "x: A, num_classes, *, dtype?: D, axis?", shape: oneHot, dtype: createdDtype("float32") },
};
