// Framework-neutral array ops that method bodies may call. Frontends map their
// spellings (jax.nn.relu, nn.relu, ...) onto these names; the emitter maps them
// onto the runtime.

export interface OpSpec {
  arity: number;
  /** How the result's shape follows from the first argument's. */
  shape: "elementwise";
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
};
