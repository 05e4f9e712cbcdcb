// nnx.Module (flax/nnx/module.py). Subclasses assign their sub-Modules and
// Variables as plain properties in the constructor; graph traversal finds them.
//
//   class Block extends nnx.Module {
//     readonly linear: nnx.Linear;
//     constructor({ rngs }: { rngs: nnx.Rngs }) {
//       super();
//       this.linear = new nnx.Linear(2, 3, { rngs });
//     }
//     call(x: nnx.Array) { return this.linear.call(x); }   // NNX __call__
//   }
//
// Keep state in ordinary properties (not #private fields): nnx.merge/clone
// rebuild instances without running the constructor.

import { tf } from "./tf.js";
import { Pytree, iterGraph } from "./graph.js";
import { type Filter, type PathParts, toPredicate } from "./filters.js";
import { Variable, createVariable, type VariableType } from "./variables.js";

/** How Module.sow combines what it stores (NNX `reduce_fn` / `init_fn`). */
export interface SowOptions<A, B> {
  /** Combines the value stored so far with the new one. Default: append to a tuple (an array). */
  reduceFn?: (prev: B, value: A) => B;
  /** The value the first reduce starts from. Default: an empty tuple. */
  initFn?: () => B;
}

/** NNX tuple_reduce / tuple_init: collect every value sown under a name, in call order. */
const tupleReduce = <A, B>(prev: B, value: A): B => [...(prev as unknown as A[]), value] as unknown as B;
const tupleInit = <B>(): B => [] as unknown as B;

/** Every tensor in a value (a tensor, or arrays of them). */
function tensorsIn(x: unknown, out: tf.Tensor[] = []): tf.Tensor[] {
  if (x instanceof tf.Tensor) out.push(x);
  else if (Array.isArray(x)) for (const item of x) tensorsIn(item, out);
  return out;
}

/** The value with each tensor tf.clone'd: the Variable owns its own handles, whatever the caller frees. */
function ownCopy<A>(x: A): A {
  if (x instanceof tf.Tensor) return tf.clone(x) as A;
  if (Array.isArray(x)) return x.map(ownCopy) as A;
  return x;
}

// Every live Module, weakly held: nnx.jit looks here for the Modules a jitted
// closure captures, because their structure and train/eval mode decide which
// compiled graph may run (see runtime/jit/structure.ts).
const live = new Set<WeakRef<Module>>();
const collected = new FinalizationRegistry<WeakRef<Module>>((ref) => live.delete(ref));

/** The Modules constructed so far and not yet garbage-collected. */
export function* liveModules(): Generator<Module> {
  for (const ref of live) {
    const m = ref.deref();
    if (m) yield m;
  }
}

export class Module extends Pytree {
  constructor() {
    super();
    const ref = new WeakRef(this);
    live.add(ref);
    collected.register(this, ref);
  }

  /**
   * Sets `attributes` on this Module and every nested Module that already has
   * them (NNX set_attributes). `filters` restrict which Modules are touched; by
   * default an attribute found nowhere is an error.
   */
  setAttributes(
    attributes: Record<string, unknown>,
    { filters = [true], raiseIfNotFound = true }: { filters?: Filter[]; raiseIfNotFound?: boolean } = {},
  ): void {
    const remaining = new Set(Object.keys(attributes));
    const predicates = filters.map(toPredicate);
    for (const [path, module] of iterModules(this)) {
      if (!predicates.some((p) => p(path, module))) continue;
      for (const [name, value] of Object.entries(attributes)) {
        if (name in module) {
          remaining.delete(name);
          (module as unknown as Record<string, unknown>)[name] = value;
        }
      }
    }
    if (remaining.size > 0 && raiseIfNotFound) {
      throw new Error(`Could not find at least one instance of the following attributes: ${[...remaining].sort().join(", ")}`);
    }
  }

  /**
   * The value a layer computes with for its parameter `name`: the parameter's
   * own value, unless a subclass says otherwise — as a Linen layer subclass that
   * overrides `self.param` does (weight standardization). Layers read their
   * parameters through it.
   */
  paramValue(name: string, value: tf.Tensor): tf.Tensor {
    void name;
    return value;
  }

  /**
   * Training mode: `deterministic = false` (Dropout) and `useRunningAverage =
   * false` (BatchNorm) on every nested Module that has them. Returns this.
   */
  train(attributes: Record<string, unknown> = {}): this {
    this.setAttributes({ deterministic: false, useRunningAverage: false, ...attributes }, { raiseIfNotFound: false });
    return this;
  }

  /** Evaluation mode: `deterministic = true`, `useRunningAverage = true`. Returns this. */
  eval(attributes: Record<string, unknown> = {}): this {
    this.setAttributes({ deterministic: true, useRunningAverage: true, ...attributes }, { raiseIfNotFound: false });
    return this;
  }

  /**
   * NNX Module.sow: stores `value` under `name` in a Variable of `variableType`
   * (usually nnx.Intermediate), combined with what is already there by
   * `reduceFn` (default: appended to an array, NNX's tuple); the first value is
   * reduced onto `initFn()`. Returns true, as NNX does outside nnx.capture.
   * The Variable owns the tensors it keeps (clones of the ones given): take them
   * out with nnx.pop(model, nnx.Intermediate) and dispose them when read.
   */
  sow<A, B = A[]>(variableType: VariableType<B>, name: string, value: A, options: SowOptions<A, B> = {}): boolean {
    const { reduceFn = tupleReduce<A, B>, initFn = tupleInit<B> } = options;
    const rec = this as unknown as Record<string, unknown>;
    const held = rec[name];
    const own = ownCopy(value);
    let next: B;
    if (held !== undefined && held !== null) {
      if (!(held instanceof Variable)) throw new Error(`Expected '${name}' to be a Variable, got ${typeof held === "object" ? held.constructor.name : typeof held}`);
      if (Object.getPrototypeOf(held) !== variableType.prototype) throw new Error(`Expected '${name}' to be of type '${variableType.name}', got '${held.constructor.name}'`);
      next = reduceFn(held.value as B, own);
      held.value = next;
    } else {
      next = reduceFn(initFn(), own);
      rec[name] = createVariable(variableType, next);
    }
    // A reduce that keeps a value computed from the new one (a sum) does not keep the copy itself.
    const kept = new Set(tensorsIn(next));
    for (const t of tensorsIn(own)) if (!kept.has(t)) t.dispose();
    return true;
  }

  /** All nested Modules including this one, children first (see nnx.iterModules). */
  iterModules(): Generator<[PathParts, Module]> {
    return iterModules(this);
  }

  /** The direct child Modules. */
  iterChildren(): Generator<[PathParts[number], Module]> {
    return iterChildren(this);
  }
}

/**
 * [path, Module] for every Module reachable from `module` (itself last, with
 * path []), in NNX order: sorted attribute names, children before parents.
 */
export function* iterModules(module: object): Generator<[PathParts, Module]> {
  for (const [path, value] of iterGraph(module)) {
    if (value instanceof Module) yield [path, value];
  }
}

/** Direct child Modules: attributes of `module` that are Modules. */
export function* iterChildren(module: object): Generator<[PathParts[number], Module]> {
  for (const [path, value] of iterGraph(module)) {
    if (value instanceof Module && path.length === 1) yield [path[0], value];
  }
}

/** NNX first_from: the first argument that is not null/undefined. */
export function firstFrom<T>(args: (T | null | undefined)[], errorMsg: string): T {
  for (const a of args) if (a !== null && a !== undefined) return a;
  throw new Error(errorMsg);
}
