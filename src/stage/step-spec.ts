// What verify needs to run a source training step and its translation side by
// side: what each of the step's parameters is, what it returns, and where its
// optimizer comes from. Framework-neutral; the Python harness threads the
// source's values through the steps with it.

/** What one of the step's parameters is, learned from how the step uses it. */
export type StepRole =
  /** The model's parameters (the translated model owns them). */
  | { kind: "params" }
  /** One of the model's variable collections (`batch_stats`); Haiku's whole state is `state`. */
  | { kind: "collection"; name: string }
  /** All the model's variables as one dict (`{'params': ..., 'batch_stats': ...}`). */
  | { kind: "variables" }
  /** A flax TrainState: the model and an optimizer now. */
  | { kind: "trainState" }
  /** An optax transform's state (`opt_state`): the optimizer now. */
  | { kind: "optState" }
  /** A PRNG key (dropout): the model's own Rngs draw it now. */
  | { kind: "key" }
  /** An input of the model's method, by the method's parameter name. */
  | { kind: "input"; param: string }
  /** Data the loss compares the output with: class ids (`classes`) or arrays shaped like the output. */
  | { kind: "labels"; classes: boolean }
  /** A dict of data (`batch['image']`, `batch['label']`). */
  | { kind: "batch"; entries: Record<string, StepRole> };

/** What the step returns, item by item, as a tree. */
export type StepOut =
  | { k: "params" }
  | { k: "collection"; name: string }
  | { k: "trainState" }
  | { k: "optState" }
  /** An array the translated step returns too (its loss, a metric), in return order. */
  | { k: "array" }
  | { k: "tuple"; items: StepOut[] }
  | { k: "dict"; entries: Array<[string, StepOut]> }
  | { k: "none" };

export interface StepSpec {
  /** The source's function. */
  function: string;
  /** The generated function. */
  tsFunction: string;
  /** The same step run op by op (`tsFunction` is it under nnx.jit). */
  tsEager: string;
  params: Array<{ name: string; role: StepRole }>;
  returns: StepOut;
  /** The top-level TrainState the step's state starts from (with fresh parameters and optimizer state). */
  trainState?: string;
  /** TrainState fields besides params/opt_state/step and the collection each holds (`batch_stats`). */
  trainStateFields: Record<string, string>;
  /** The top-level optax transform whose `init(params)` is the step's `opt_state`. */
  transform?: string;
  /** The optimizer's learning rate, when it is Adam-like and known (verify bounds near-eps noise with it). */
  adamLearningRate?: number;
  /** The key the step is given reaches the model's apply unchanged (verify can draw the same dropout masks). */
  keyToApply: boolean;
  /** The generated step takes the optimizer. */
  usesOptimizer: boolean;
}
