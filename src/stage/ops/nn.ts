// jax.nn (and its re-exports in flax.linen, flax.nnx, haiku) as runtime calls.
// The runtime's activations take `(x, axis)` or `(x, { axis, ...options })`.
import { oneHot, shapeOf, createdDtype, float, unary, type OpSpec } from "./rules.js";

const withParam = (rt: string, param: string): OpSpec => ({ rt, sig: `x: A, ${param}: F`, shape: (a) => shapeOf(a.get("x")), dtype: float });

export const NN_OPS: Record<string, OpSpec> = {
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
  "jax.nn.one_hot": { rt: "nnx.oneHot", sig: "x: A, num_classes, *, dtype?: D, axis?", shape: oneHot, dtype: createdDtype("float32") },
};
