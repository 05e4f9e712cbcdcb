// Framework-neutral array ops that method bodies may call. Frontends map their
// spellings (jax.nn.relu, nn.relu, ...) onto these names; the emitter maps them
// onto the runtime.

export interface OpSpec {
  arity: number;
  /**
   * How the result's trailing shape follows from the arguments: like the first
   * (`elementwise`, and `swapaxes` of leading axes), the sum of the last sizes
   * of a list (`concatenate` on the last axis), the given shape (`create`), or
   * a new last axis of the given size (`oneHot`).
   */
  shape: "elementwise" | "swapaxes" | "concatenate" | "create" | "reduce" | "oneHot";
  /** Keyword arguments it takes (`axis`). */
  attrs?: string[];
  /** Its arguments' names, so they may be given by keyword (`labels=...`). */
  names?: string[];
}

export const OPS: Record<string, OpSpec> = {
  relu: { arity: 1, shape: "elementwise" },
  gelu: { arity: 1, shape: "elementwise" },
  sigmoid: { arity: 1, shape: "elementwise" },
  tanh: { arity: 1, shape: "elementwise" },
  silu: { arity: 1, shape: "elementwise" },
  elu: { arity: 1, shape: "elementwise" },
  softmax: { arity: 1, shape: "elementwise" },
  logSoftmax: { arity: 1, shape: "elementwise" },
  concatenate: { arity: 1, shape: "concatenate", attrs: ["axis"] },
  swapaxes: { arity: 3, shape: "swapaxes" },
  mean: { arity: 1, shape: "reduce", attrs: ["axis"] },
  sum: { arity: 1, shape: "reduce", attrs: ["axis"] },
  // Losses (optax), per example: the class axis is reduced away.
  softmaxCrossEntropyWithIntegerLabels: { arity: 2, shape: "reduce", names: ["logits", "labels"] },
  softmaxCrossEntropy: { arity: 2, shape: "reduce", names: ["logits", "labels"] },
  l2Loss: { arity: 2, shape: "elementwise", names: ["predictions", "targets"] },
  squaredError: { arity: 2, shape: "elementwise", names: ["predictions", "targets"] },
  zeros: { arity: 1, shape: "create" },
  ones: { arity: 1, shape: "create" },
  oneHot: { arity: 2, shape: "oneHot", names: ["x", "num_classes"] },
};
