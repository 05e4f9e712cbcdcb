// nnx.grad / nnx.valueAndGrad (flax/nnx/transforms/autodiff.py).
//
//   const grads = nnx.grad((m: Model) => loss(m.call(x)))(model);       // State of Param grads
//   const [loss, grads] = nnx.valueAndGrad(lossFn)(model, x, y);
//   const [[loss, aux], grads] = nnx.valueAndGrad(lossFn, { hasAux: true })(model, x);
//
// Arguments at `argnums` (default 0) are differentiated: for a Module (or any
// graph node) w.r.t. its Variables matching the filter (default nnx.Param; set
// one per argument with nnx.DiffState(argnum, filter), or for all with `wrt`),
// giving a State with the same paths; for a Variable, a Variable of the same
// type; for a tensor, a tensor. A list `argnums` gives a list of gradients.
// Everything else the function does to the model (BatchNorm statistics, RNG
// counts, ...) stays done, as in NNX.
//
// Memory: the loss, the gradients and any aux tensors are new tensors owned by
// the caller. They belong to the enclosing tf.tidy scope if there is one;
// otherwise free them (nnx.dispose(grads), loss.dispose()). Intermediate
// tensors of the forward and backward passes are freed here.

import { tf } from "./tf.js";
import { type Filter, type PathParts, toPredicate } from "./filters.js";
import { flatten, isGraphNode } from "./graph.js";
import { State, fromFlatState } from "./state.js";
import { Param, Variable, createVariable } from "./variables.js";

/** Differentiate argument `argnum` w.r.t. the Variables matching `filter` (NNX DiffState). */
export class DiffState {
  constructor(
    readonly argnum: number,
    readonly filter: Filter,
  ) {}
}

export interface GradOptions {
  /** Which positional argument(s) to differentiate (default 0). */
  argnums?: number | DiffState | readonly (number | DiffState)[];
  /** The function returns [loss, aux]; aux is passed through. */
  hasAux?: boolean;
  /** Filter of Variables to differentiate for plain-number argnums (default nnx.Param). */
  wrt?: Filter;
}

/** The gradient of one argument: State for graph nodes, Variable for a Variable, tensor for a tensor. */
export type GradOf<A> = A extends tf.Tensor ? tf.Tensor : A extends Variable<any> ? A : State;

type Fn = (...args: any[]) => any;
type ArgAt<F extends Fn, N> = N extends number ? Parameters<F>[N] : never;
type Grads<F extends Fn, O> = O extends { argnums: readonly (number | DiffState)[] }
  ? any[]
  : O extends { argnums: infer N extends number }
    ? GradOf<ArgAt<F, N>>
    : GradOf<ArgAt<F, 0>>;
type Aux<F extends Fn> = ReturnType<F> extends readonly [unknown, infer X] ? X : unknown;
type Value<F extends Fn, O> = O extends { hasAux: true } ? ReturnType<F> extends readonly [infer L, unknown] ? L : tf.Scalar : tf.Scalar;

export type GradFn<F extends Fn, O extends GradOptions> = (
  ...args: Parameters<F>
) => O extends { hasAux: true } ? [Grads<F, O>, Aux<F>] : Grads<F, O>;

export type ValueAndGradFn<F extends Fn, O extends GradOptions> = (
  ...args: Parameters<F>
) => O extends { hasAux: true } ? [[Value<F, O>, Aux<F>], Grads<F, O>] : [tf.Scalar, Grads<F, O>];

/** Gradient of a scalar-valued function w.r.t. Modules/Variables/tensors among its arguments. */
export function grad<F extends Fn, const O extends GradOptions = {}>(fn: F, options?: O): GradFn<F, O> {
  const run = gradGeneral(fn, options ?? {});
  return ((...args: unknown[]) => {
    const { value, grads, aux, hasAux } = run(args);
    value.dispose();
    return hasAux ? [grads, aux] : grads;
  }) as unknown as GradFn<F, O>;
}

/** Like grad, but also returns the function's value: [loss, grads] (or [[loss, aux], grads]). */
export function valueAndGrad<F extends Fn, const O extends GradOptions = {}>(fn: F, options?: O): ValueAndGradFn<F, O> {
  const run = gradGeneral(fn, options ?? {});
  return ((...args: unknown[]) => {
    const { value, grads, aux, hasAux } = run(args);
    return hasAux ? [[value, aux], grads] : [value, grads];
  }) as unknown as ValueAndGradFn<F, O>;
}

interface Target {
  argnum: number;
  kind: "node" | "variable" | "tensor";
  /** For nodes: [path, variable] of the differentiated Variables. */
  leaves: [PathParts, Variable<any>][];
  /** Index into xs for a tensor argument. */
  tensorIndex: number;
}

function tensorsIn(x: unknown, out: tf.Tensor[] = []): tf.Tensor[] {
  if (x instanceof tf.Tensor) out.push(x);
  else if (x instanceof Variable) tensorsIn(x.value, out);
  else if (x instanceof State) for (const v of x.leaves()) tensorsIn(v, out);
  else if (Array.isArray(x)) for (const v of x) tensorsIn(v, out);
  else if (typeof x === "object" && x !== null && Object.getPrototypeOf(x) === Object.prototype) {
    for (const v of Object.values(x)) tensorsIn(v, out);
  }
  return out;
}

/**
 * If the function throws, tfjs leaves the recorded tape (and the tensors it
 * saved for the backward pass) behind; release them so errors don't leak.
 */
function discardTape(): void {
  const state = (tf.engine() as unknown as { state: EngineState }).state;
  if (state.gradientDepth === 0 && state.activeTape) {
    for (const node of state.activeTape) for (const t of node.saved ?? []) t.dispose();
    state.activeTape = null;
  }
}

interface EngineState {
  gradientDepth: number;
  activeTape: { saved?: tf.Tensor[] }[] | null;
}

function gradGeneral(fn: Fn, options: GradOptions) {
  const { argnums = 0, hasAux = false, wrt = Param } = options;
  const many = Array.isArray(argnums);
  const specs = (many ? argnums : [argnums]).map((a) =>
    a instanceof DiffState ? a : new DiffState(a as number, wrt),
  );
  const seenArgnums = new Set<number>();
  for (const s of specs) {
    if (seenArgnums.has(s.argnum)) throw new Error(`argnum ${s.argnum} is repeated in argnums`);
    seenArgnums.add(s.argnum);
  }

  return (args: unknown[]) => {
    // 1. Collect what to differentiate. A Variable reached twice is differentiated once.
    const vars: Variable<any>[] = [];
    const varIndex = new Map<Variable<any>, number>();
    const callArgs = [...args];
    const tensorArgs: tf.Tensor[] = [];
    const targets: Target[] = specs.map((spec) => {
      const arg = args[spec.argnum];
      const addVar = (v: Variable<any>) => {
        if (!(v.value instanceof tf.Tensor)) throw new TypeError("grad: can only differentiate Variables holding tensors");
        if (!varIndex.has(v)) {
          varIndex.set(v, vars.length);
          vars.push(v);
        }
      };
      if (arg instanceof tf.Tensor) {
        tensorArgs.push(arg);
        return { argnum: spec.argnum, kind: "tensor", leaves: [], tensorIndex: tensorArgs.length - 1 };
      }
      if (arg instanceof Variable) {
        addVar(arg);
        return { argnum: spec.argnum, kind: "variable", leaves: [[[], arg]], tensorIndex: -1 };
      }
      if (isGraphNode(arg)) {
        const predicate = toPredicate(spec.filter);
        const leaves = flatten(arg as object)[1].filter(([p, v]) => predicate(p, v));
        for (const [, v] of leaves) addVar(v);
        return { argnum: spec.argnum, kind: "node", leaves, tensorIndex: -1 };
      }
      throw new TypeError(`grad: argument ${spec.argnum} is not a Module, Variable or tensor`);
    });

    // 2. Swap each Variable's tensor for a clone (same data, new id) so the tape
    //    tracks exactly these xs, even if two Variables share one tensor.
    const originals = vars.map((v) => v.getRawValue() as tf.Tensor);
    const xsVars = originals.map((t) => tf.clone(t));
    const xsTensors = tensorArgs.map((t) => tf.clone(t));
    for (const t of targets) if (t.kind === "tensor") callArgs[t.argnum] = xsTensors[t.tensorIndex];
    vars.forEach((v, i) => v.setRawValue(xsVars[i]));
    const xs = [...xsVars, ...xsTensors];

    let aux: unknown = undefined;
    let auxTensors: tf.Tensor[] = [];
    let value: tf.Tensor;
    let rawGrads: (tf.Tensor | null)[];
    try {
      if (xs.length === 0) throw new Error("grad: nothing to differentiate (no matching Variables)");
      const f = () => {
        const out = fn(...callArgs);
        let loss: unknown = out;
        if (hasAux) {
          if (!Array.isArray(out) || out.length !== 2) throw new Error("grad with hasAux: the function must return [loss, aux]");
          [loss, aux] = out;
          // Keep aux tensors alive past the forward tidy; handed back to the caller's scope below.
          auxTensors = tensorsIn(aux).filter((t) => !t.kept);
          auxTensors.forEach((t) => tf.keep(t));
        }
        if (!(loss instanceof tf.Tensor) || loss.rank !== 0) {
          throw new Error("grad requires a function returning a scalar (rank-0) tensor");
        }
        return loss;
      };
      ({ value, grads: rawGrads } = tf.engine().gradients(f, xs, undefined, true) as {
        value: tf.Tensor;
        grads: (tf.Tensor | null)[];
      });
    } catch (e) {
      discardTape();
      for (const t of auxTensors) t.dispose();
      throw e;
    } finally {
      // 3. Restore the model's own tensors. If the function assigned a new value
      //    to a differentiated Variable, that value stays (the original is freed).
      vars.forEach((v, i) => {
        if (v.getRawValue() === xsVars[i]) v.setRawValue(originals[i]);
        else originals[i].dispose();
      });
      for (const x of xs) if (!x.isDisposed) x.dispose();
    }
    // Aux tensors were kept; make them ordinary tensors of the caller's scope again.
    for (const t of auxTensors) {
      (t as { kept: boolean }).kept = false;
      (tf.engine() as unknown as { track(t: tf.Tensor): void }).track(t);
    }

    // 4. Package gradients like the arguments (zeros where the loss doesn't depend on x, as JAX).
    const gradAt = (i: number): tf.Tensor => rawGrads[i] ?? tf.zeros(xs[i].shape, xs[i].dtype);
    const results = targets.map((t) => {
      if (t.kind === "tensor") return gradAt(vars.length + t.tensorIndex);
      if (t.kind === "variable") {
        const v = t.leaves[0][1];
        return createVariable(v.type, gradAt(varIndex.get(v)!), v.getMetadata(), { own: false });
      }
      return fromFlatState(
        t.leaves.map(([p, v]) => [p, createVariable(v.type, gradAt(varIndex.get(v)!), v.getMetadata(), { own: false })]),
      );
    });
    // The same Variable reached through several arguments shares one gradient tensor.
    return { value: value as tf.Scalar, grads: many ? results : results[0], aux, hasAux };
  };
}
