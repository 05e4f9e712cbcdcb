// The training code around a model, framework-neutral: a step function that
// takes the gradient of a loss over one application of the model, and then
// either maps an update over the parameters or hands the gradients to an
// optimizer (optax's transforms by name). Frontends build it from Haiku's or
// Linen's `train_step`; the emitter prints it against the runtime's
// nnx.grad / nnx.Optimizer.
import type { Expr, Stmt } from "./model.js";
import type { Span } from "./span.js";

/** What one of the step's parameters is. */
export type StepRole =
  /** An input of the model's method, by the method's parameter name. */
  | { kind: "input"; param: string }
  /** Loss targets: integer class ids (`classes`) or arrays shaped like the output. */
  | { kind: "labels"; classes: boolean }
  /** The key the source passes for dropout; the model's own Rngs draw it instead. */
  | { kind: "key" }
  /** The model's parameters, which the model owns now. */
  | { kind: "params" }
  /** One of the model's other variable collections (batch statistics), which it updates in place now. */
  | { kind: "state"; collection: string }
  /** A bundle of parameters and optimizer state (flax's TrainState): the optimizer now. */
  | { kind: "trainState" }
  /** An optax transform's state (`opt_state`): the optimizer now. */
  | { kind: "optState" };

export interface StepParam {
  name: string;
  role: StepRole;
  span: Span;
}

/** What the source's step returns, item by item. */
export type StepResult = "params" | "state" | "trainState" | "optState" | "loss";

export interface TrainStep {
  /** The source's name, e.g. `train_step`. */
  name: string;
  params: StepParam[];
  /**
   * The loss function's body. The model's application is an `apply`
   * expression; the final `return` gives the scalar loss.
   */
  loss: Stmt[];
  /** The method applied, and the mode flags as the application passes them. */
  method: string;
  modeArgs: Record<string, boolean>;
  /** How the gradients change the parameters. */
  update: { kind: "map"; params: [string, string]; value: Expr; span: Span } | { kind: "optimizer" };
  returns: StepResult[];
  /** The TrainState's own fields the step reads, and the variable collection each holds. */
  trainStateFields: Record<string, string>;
  span: Span;
}

/** An optax optimizer, by name, with its arguments as optax spells them. */
export interface OptimizerDef {
  /** The top-level name the source binds its TrainState or its optax transform to. */
  object: string;
  /** A flax TrainState bundles it, or the step calls the transform's update itself. */
  via: "trainState" | "transform";
  transform: "sgd" | "adam" | "adamw";
  learningRate: Expr;
  options: Record<string, Expr>;
  /** Fields a TrainState subclass adds (`batch_stats`), which the model holds itself now. */
  fields: string[];
  span: Span;
}

export interface Training {
  steps: TrainStep[];
  optimizer?: OptimizerDef;
}

/** The optax keyword arguments each transform takes (beside the learning rate). */
export const OPTIMIZER_OPTIONS: Record<OptimizerDef["transform"], string[]> = {
  sgd: ["momentum", "nesterov"],
  adam: ["b1", "b2", "eps", "eps_root", "nesterov"],
  adamw: ["b1", "b2", "eps", "eps_root", "weight_decay", "nesterov"],
};
