// Zero gradients for tf kernels whose outputs are bools or indices. tfjs
// registers none, so a mask computed from a differentiated tensor (x < 0 in
// tf.where(x < 0, ...)) would stop tf.grad with "gradient function not found";
// JAX gives such ops zero tangents. Registered once, only where tfjs has none.
import { tf } from "../tf.js";

const KERNELS: [string, string[]][] = [
  ["Less", ["a", "b"]],
  ["LessEqual", ["a", "b"]],
  ["Greater", ["a", "b"]],
  ["Equal", ["a", "b"]],
  ["NotEqual", ["a", "b"]],
  ["LogicalAnd", ["a", "b"]],
  ["LogicalOr", ["a", "b"]],
  ["LogicalNot", ["x"]],
  ["All", ["x"]],
  ["Any", ["x"]],
];

for (const [kernelName, inputs] of KERNELS) {
  if (tf.getGradient(kernelName) != null) continue;
  tf.registerGradient({
    kernelName,
    inputsToSave: inputs,
    gradFunc: (_dy: tf.Tensor | tf.Tensor[], saved: tf.Tensor[]) =>
      Object.fromEntries(inputs.map((name, i) => [name, () => tf.zeros(saved[i].shape, "float32")])),
  });
}
