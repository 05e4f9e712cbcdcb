// How translated modules create their own variables, NNX style: the value an
// initializer gives, in a Param (or another Variable type) that remembers the
// initializer and its arguments, so a translated program can redraw it with
// the key its source framework would use (see source-init.ts).
import type { tf } from "./tf.js";
import { Param, Variable, type VariableType } from "./variables.js";
import type { Key } from "./random/index.js";

/** A function of a key and further arguments that makes a variable's value. */
export type InitFn = (key: Key, ...args: never[]) => tf.Tensor;

/** `nnx.Param(init(key, ...args))`, remembering how it was made. */
export function param<A extends unknown[]>(init: (key: Key, ...args: A) => tf.Tensor, key: Key, ...args: A): Param {
  return new Param(init(key, ...args), { init, initArgs: args });
}

/**
 * A Variable of `type` holding `init(key, ...args)`, remembering how it was made
 * (Linen's `self.variable(col, name, init, self.make_rng(s), ...)`: redrawn with the source's key).
 */
export function keyedVariable<A extends unknown[]>(type: VariableType<tf.Tensor>, init: (key: Key, ...args: A) => tf.Tensor, key: Key, ...args: A): Variable<tf.Tensor> {
  const ctor = type as unknown as new (value: tf.Tensor, metadata?: Record<string, unknown>) => Variable<tf.Tensor>;
  return new ctor(init(key, ...args), { init, initArgs: args });
}

/** A Variable of `type` holding `init(...args)` (Linen's `self.variable`: no key unless passed). */
export function variable<A extends unknown[]>(type: VariableType<tf.Tensor>, init: (...args: A) => tf.Tensor, ...args: A): Variable<tf.Tensor> {
  const ctor = type as unknown as new (value: tf.Tensor, metadata?: Record<string, unknown>) => Variable<tf.Tensor>;
  return new ctor(init(...args), { init, initArgs: args, keyless: true });
}
