// Haiku's recurrent cores and unrolls (haiku/_src/recurrent.py): VanillaRNN,
// LSTM, GRU, Conv1D/2D/3DLSTM, IdentityCore, ResetCore, DeepRNN,
// deep_rnn_with_skip_connections, static_unroll and dynamic_unroll.

import { tf } from "../tf.js";
import { Module } from "../module.js";
import type { Param } from "../variables.js";
import type { Rngs } from "../rnglib.js";
import { type Initializer, zeros } from "../nn/initializers.js";
import { Linear } from "./basic.js";
import { ConvND } from "./conv.js";
import { VarianceScaling } from "./initializers.js";
import { initVariable } from "./keys.js";
import { type Nest, leaves, tidyNest, treeMap, treeStack } from "./tree.js";

/** hk.RNNCore: one step `call(inputs, prevState) → [output, nextState]` and `initialState(batchSize)`. */
export interface RNNCore<S extends Nest = Nest, I extends Nest = Nest, O extends Nest = Nest> {
  call(inputs: I, prevState: S): [O, S];
  initialState(batchSize: number | null): S;
}

export function isRNNCore(x: unknown): x is RNNCore {
  return typeof x === "object" && x !== null && typeof (x as RNNCore).call === "function" && typeof (x as RNNCore).initialState === "function";
}

/** recurrent.add_batch: zeros of `shape`, with a leading batch axis unless batchSize is null. */
function zerosState(shape: number[], batchSize: number | null): tf.Tensor {
  return tf.zeros(batchSize === null ? shape : [batchSize, ...shape]);
}

export interface VanillaRNNOptions {
  /** Bias in both Linears (default true). */
  doubleBias?: boolean;
  rngs: Rngs;
}

/**
 * hk.VanillaRNN(hidden_size): h = relu(linear(x) + linear_1(h_prev)); output
 * and state h. Haiku names the input and hidden Linears `linear` and
 * `linear_1`. Keys: linear.w, linear_1.w.
 */
export class VanillaRNN extends Module implements RNNCore<tf.Tensor, tf.Tensor, tf.Tensor> {
  readonly linear: Linear;
  readonly linear_1: Linear;
  readonly hiddenSize: number;

  constructor(inputSize: number, hiddenSize: number, options: VanillaRNNOptions) {
    super();
    const { doubleBias = true, rngs } = options;
    this.hiddenSize = hiddenSize;
    this.linear = new Linear(inputSize, hiddenSize, { rngs });
    this.linear_1 = new Linear(hiddenSize, hiddenSize, { withBias: doubleBias, rngs });
  }

  call(inputs: tf.Tensor, prevState: tf.Tensor): [tf.Tensor, tf.Tensor] {
    const out = tf.tidy(() => tf.relu(tf.add(this.linear.call(inputs), this.linear_1.call(prevState))));
    return [out, out];
  }

  initialState(batchSize: number | null): tf.Tensor {
    return zerosState([this.hiddenSize], batchSize);
  }
}

/** hk.LSTMState. */
export interface LSTMState {
  hidden: tf.Tensor;
  cell: tf.Tensor;
  [key: string]: tf.Tensor;
}

/** The gates shared by LSTM and ConvNDLSTM: i, g, f, o split from the last axis, forget bias +1. */
function lstmStep(gated: tf.Tensor, cell: tf.Tensor): [tf.Tensor, tf.Tensor] {
  const [i, g, f, o] = tf.split(gated, 4, -1);
  const c = tf.add(tf.mul(tf.sigmoid(tf.add(f, 1)), cell), tf.mul(tf.sigmoid(i), tf.tanh(g)));
  const h = tf.mul(tf.sigmoid(o), tf.tanh(c));
  return [h, c];
}

/**
 * hk.LSTM(hidden_size): one Linear `linear` [in + hidden, 4 * hidden] on
 * concat(x, h); gates i, g, f, o; f = sigmoid(f + 1). Inputs of rank 1 or 2.
 * Keys: linear.w.
 */
export class LSTM extends Module implements RNNCore<LSTMState, tf.Tensor, tf.Tensor> {
  readonly linear: Linear;
  readonly hiddenSize: number;

  constructor(inputSize: number, hiddenSize: number, options: { rngs: Rngs }) {
    super();
    this.hiddenSize = hiddenSize;
    this.linear = new Linear(inputSize + hiddenSize, 4 * hiddenSize, { rngs: options.rngs });
  }

  call(inputs: tf.Tensor, prevState: LSTMState): [tf.Tensor, LSTMState] {
    if (inputs.rank > 2 || inputs.rank === 0) throw new Error("LSTM input must be rank-1 or rank-2.");
    const [h, c] = tf.tidy(() => lstmStep(this.linear.call(tf.concat([inputs, prevState.hidden], -1)), prevState.cell));
    return [h, { hidden: h, cell: c }];
  }

  initialState(batchSize: number | null): LSTMState {
    return { hidden: zerosState([this.hiddenSize], batchSize), cell: zerosState([this.hiddenSize], batchSize) };
  }
}

export interface GRUOptions {
  /** Default VarianceScaling(). */
  wIInit?: Initializer | null;
  /** Default VarianceScaling(). */
  wHInit?: Initializer | null;
  /** Default zeros. */
  bInit?: Initializer | null;
  rngs: Rngs;
}

/**
 * hk.GRU(hidden_size): parameters `w_i` [in, 3h], `w_h` [h, 3h], `b` [3h]
 * (gates z, r, then the candidate a). Keys: w_i, w_h, b (each if its
 * initializer draws).
 */
export class GRU extends Module implements RNNCore<tf.Tensor, tf.Tensor, tf.Tensor> {
  readonly w_i: Param;
  readonly w_h: Param;
  readonly b: Param;
  readonly hiddenSize: number;

  constructor(inputSize: number, hiddenSize: number, options: GRUOptions) {
    super();
    const { rngs } = options;
    this.hiddenSize = hiddenSize;
    this.w_i = initVariable(rngs, options.wIInit ?? VarianceScaling(), [inputSize, 3 * hiddenSize]);
    this.w_h = initVariable(rngs, options.wHInit ?? VarianceScaling(), [hiddenSize, 3 * hiddenSize]);
    this.b = initVariable(rngs, options.bInit ?? zeros, [3 * hiddenSize]);
  }

  call(inputs: tf.Tensor, state: tf.Tensor): [tf.Tensor, tf.Tensor] {
    if (inputs.rank !== 1 && inputs.rank !== 2) throw new Error("GRU input must be rank-1 or rank-2.");
    const next = tf.tidy(() => {
      const hs = this.hiddenSize;
      const mm = (a: tf.Tensor, w: tf.Tensor) =>
        a.rank === 1 ? tf.squeeze(tf.matMul(tf.expandDims(a, 0) as tf.Tensor2D, w as tf.Tensor2D), [0]) : tf.matMul(a as tf.Tensor2D, w as tf.Tensor2D);
      const [wHZ, wHA] = tf.split(this.w_h.value, [2 * hs, hs], 1);
      const [bZ, bA] = tf.split(this.b.value, [2 * hs, hs], 0);
      const [zrX, aX] = tf.split(mm(inputs, this.w_i.value), [2 * hs, hs], -1);
      const zrH = mm(state, wHZ);
      const zr = tf.add(tf.add(zrX, zrH), bZ);
      const [z, r] = tf.split(tf.sigmoid(zr), 2, -1);
      const aH = mm(tf.mul(r, state), wHA);
      const a = tf.tanh(tf.add(tf.add(aX, aH), bA));
      return tf.add(tf.mul(tf.sub(1, z), state), tf.mul(z, a));
    });
    return [next, next];
  }

  initialState(batchSize: number | null): tf.Tensor {
    return zerosState([this.hiddenSize], batchSize);
  }
}

/**
 * hk.ConvNDLSTM(num_spatial_dims, input_shape, output_channels, kernel_shape)
 * for channels-last inputs of `inputChannels` channels: ConvNDs
 * `input_to_hidden` (in → 4 * out) and `hidden_to_hidden` (out → 4 * out),
 * SAME padding. `inputShape` is the spatial shape (the state is
 * [...inputShape, out]). Keys: input_to_hidden.w, hidden_to_hidden.w.
 */
export class ConvNDLSTM extends Module implements RNNCore<LSTMState, tf.Tensor, tf.Tensor> {
  readonly input_to_hidden: ConvND;
  readonly hidden_to_hidden: ConvND;
  readonly numSpatialDims: number;
  readonly inputShape: number[];
  readonly outputChannels: number;

  constructor(
    numSpatialDims: number,
    inputChannels: number,
    inputShape: readonly number[],
    outputChannels: number,
    kernelShape: number | number[],
    options: { rngs: Rngs },
  ) {
    super();
    this.numSpatialDims = numSpatialDims;
    this.inputShape = [...inputShape];
    this.outputChannels = outputChannels;
    const { rngs } = options;
    this.input_to_hidden = new ConvND(numSpatialDims, inputChannels, 4 * outputChannels, kernelShape, { rngs });
    this.hidden_to_hidden = new ConvND(numSpatialDims, outputChannels, 4 * outputChannels, kernelShape, { rngs });
  }

  call(inputs: tf.Tensor, state: LSTMState): [tf.Tensor, LSTMState] {
    const [h, c] = tf.tidy(() =>
      lstmStep(tf.add(this.input_to_hidden.call(inputs), this.hidden_to_hidden.call(state.hidden)), state.cell),
    );
    return [h, { hidden: h, cell: c }];
  }

  initialState(batchSize: number | null): LSTMState {
    const shape = [...this.inputShape, this.outputChannels];
    return { hidden: zerosState(shape, batchSize), cell: zerosState(shape, batchSize) };
  }
}

/** hk.Conv1DLSTM. */
export class Conv1DLSTM extends ConvNDLSTM {
  constructor(inputChannels: number, inputShape: readonly number[], outputChannels: number, kernelShape: number | number[], options: { rngs: Rngs }) {
    super(1, inputChannels, inputShape, outputChannels, kernelShape, options);
  }
}

/** hk.Conv2DLSTM. */
export class Conv2DLSTM extends ConvNDLSTM {
  constructor(inputChannels: number, inputShape: readonly number[], outputChannels: number, kernelShape: number | number[], options: { rngs: Rngs }) {
    super(2, inputChannels, inputShape, outputChannels, kernelShape, options);
  }
}

/** hk.Conv3DLSTM. */
export class Conv3DLSTM extends ConvNDLSTM {
  constructor(inputChannels: number, inputShape: readonly number[], outputChannels: number, kernelShape: number | number[], options: { rngs: Rngs }) {
    super(3, inputChannels, inputShape, outputChannels, kernelShape, options);
  }
}

/** hk.IdentityCore: forwards the inputs and an empty state. */
export class IdentityCore extends Module implements RNNCore<Nest, Nest, Nest> {
  call(inputs: Nest, state: Nest): [Nest, Nest] {
    return [inputs, state];
  }

  initialState(_batchSize: number | null): Nest {
    return [];
  }
}

/** recurrent._validate_and_conform: should_reset reshaped to broadcast against a state leaf. */
function conform(shouldReset: tf.Tensor, state: tf.Tensor): tf.Tensor {
  const prefix = state.shape.slice(0, shouldReset.rank);
  if (shouldReset.shape.every((d, i) => d === prefix[i]) && shouldReset.rank <= state.rank) {
    return tf.reshape(shouldReset, [...shouldReset.shape, ...new Array<number>(state.rank - shouldReset.rank).fill(1)]);
  }
  throw new Error(`should_reset signal shape [${shouldReset.shape}] is not compatible with state shape [${state.shape}]`);
}

/**
 * hk.ResetCore(core): call([inputs, shouldReset], state) puts the core's
 * initial state wherever shouldReset (a tensor whose shape prefixes every
 * state leaf's, or a nest like the state) is true, then steps the core.
 */
export class ResetCore<S extends Nest = Nest, I extends Nest = Nest, O extends Nest = Nest> extends Module implements RNNCore<S, [I, Nest], O> {
  readonly core: RNNCore<S, I, O>;

  constructor(core: RNNCore<S, I, O>) {
    super();
    this.core = core;
  }

  call(inputs: [I, Nest], state: S): [O, S] {
    const [x, shouldReset] = inputs;
    return tidyNest(() => {
      const flags = shouldReset instanceof tf.Tensor ? treeMap(() => shouldReset, state) : shouldReset;
      const batchSize = this.isBatched(state) ? leaves(x)[0].shape[0] : null;
      const initial = this.initialState(batchSize);
      const reset = treeMap(
        (flag, init, s) => tf.where(tf.broadcastTo(tf.cast(conform(flag, s), "bool"), s.shape), tf.cast(init, s.dtype), s),
        flags as S,
        initial,
        state,
      );
      return this.core.call(x, reset);
    });
  }

  initialState(batchSize: number | null): S {
    return this.core.initialState(batchSize);
  }

  private isBatched(state: S): boolean {
    const stateLeaves = leaves(state);
    if (stateLeaves.length === 0) return false;
    const batched = leaves(this.initialState(1));
    const same = batched.every((b, i) => b.shape.slice(1).join() === stateLeaves[i].shape.slice(1).join());
    tf.dispose(batched);
    return same;
  }
}

/** A DeepRNN layer: a core, a module without state (hk.nets.MLP), or a function applied to the running output. */
export type DeepRNNLayer = RNNCore | { call(x: tf.Tensor): tf.Tensor } | ((x: tf.Tensor) => tf.Tensor);

/**
 * hk.DeepRNN(layers): the cores and functions applied in turn; the state is
 * an array with one entry per core. With skip connections
 * (deepRnnWithSkipConnections), layer i > 0 sees concat(inputs, output of
 * layer i - 1) and the output concatenates every core's output.
 */
export class DeepRNN extends Module implements RNNCore<Nest[], Nest, Nest> {
  readonly layers: DeepRNNLayer[];
  readonly skipConnections: boolean;

  constructor(layers: readonly DeepRNNLayer[], { skipConnections = false }: { skipConnections?: boolean } = {}) {
    super();
    if (skipConnections && !layers.every(isRNNCore)) {
      throw new Error("skip_connections requires for all layers to be `hk.RNNCore`s.");
    }
    this.layers = [...layers];
    this.skipConnections = skipConnections;
  }

  call(inputs: Nest, state: readonly Nest[]): [Nest, Nest[]] {
    return tidyNest(() => this.step(inputs, state));
  }

  private step(inputs: Nest, state: readonly Nest[]): [Nest, Nest[]] {
    let current: Nest = inputs;
    const nextStates: Nest[] = [];
    const outputs: Nest[] = [];
    let stateIdx = 0;
    this.layers.forEach((layer, idx) => {
      if (this.skipConnections && idx > 0) current = treeMap((x, y) => tf.concat([x, y], -1), inputs, current);
      if (isRNNCore(layer)) {
        const [out, next] = layer.call(current, state[stateIdx]);
        current = out;
        outputs.push(out);
        nextStates.push(next);
        stateIdx++;
      } else {
        current = typeof layer === "function" ? layer(current as tf.Tensor) : layer.call(current as tf.Tensor);
      }
    });
    const out = this.skipConnections ? treeStack(outputs, (xs) => tf.concat(xs, -1)) : current;
    return [out, nextStates];
  }

  initialState(batchSize: number | null): Nest[] {
    return this.layers.filter(isRNNCore).map((layer) => layer.initialState(batchSize));
  }
}

/** hk.deep_rnn_with_skip_connections(layers). */
export function deepRnnWithSkipConnections(layers: readonly RNNCore[]): DeepRNN {
  return new DeepRNN(layers, { skipConnections: true });
}

/** Leaves of every step stacked along `axis`. */
function stackSteps<T extends Nest>(steps: T[], axis: number): T {
  return treeStack(steps, (xs) => tf.stack(xs, axis));
}

/** Step `t` of a nested sequence (time along `axis`). */
function stepOf<T extends Nest>(seq: T, t: number, axis: number): T {
  return treeMap((x) => tf.squeeze(tf.slice(x, x.shape.map((_, i) => (i === axis ? t : 0)), x.shape.map((d, i) => (i === axis ? 1 : d))), [axis]), seq);
}

function numSteps(seq: Nest, axis: number): number {
  const first = leaves(seq)[0];
  if (first === undefined) throw new Error("unroll: the input sequence has no arrays");
  return first.shape[axis];
}

/**
 * hk.static_unroll(core, input_sequence, initial_state, time_major=True):
 * [outputs stacked along time, final state].
 */
export function staticUnroll<S extends Nest, I extends Nest, O extends Nest>(
  core: RNNCore<S, I, O>,
  inputSequence: I,
  initialState: S,
  timeMajor = true,
): [O, S] {
  const axis = timeMajor ? 0 : 1;
  return tidyNest(() => {
    let state = initialState;
    const outs: O[] = [];
    for (let t = 0; t < numSteps(inputSequence, axis); t++) {
      const [out, next] = core.call(stepOf(inputSequence, t, axis), state);
      outs.push(out);
      state = next;
    }
    return [stackSteps(outs, axis), state] as [O, S];
  });
}

export interface DynamicUnrollOptions {
  timeMajor?: boolean;
  /** Scan from the last step; outputs keep their time positions (jax.lax.scan reverse). */
  reverse?: boolean;
  /** Return every step's state (stacked like the outputs) instead of the last. */
  returnAllStates?: boolean;
}

/**
 * hk.dynamic_unroll(core, input_sequence, initial_state, ...): as a loop
 * (the same arithmetic as hk.scan / jax.lax.scan). [outputs, final state or
 * all states].
 */
export function dynamicUnroll<S extends Nest, I extends Nest, O extends Nest>(
  core: RNNCore<S, I, O>,
  inputSequence: I,
  initialState: S,
  options: DynamicUnrollOptions = {},
): [O, S] {
  const { timeMajor = true, reverse = false, returnAllStates = false } = options;
  const axis = timeMajor ? 0 : 1;
  return tidyNest(() => {
    const n = numSteps(inputSequence, axis);
    const outs: O[] = new Array(n);
    const states: S[] = new Array(n);
    let state = initialState;
    for (let i = 0; i < n; i++) {
      const t = reverse ? n - 1 - i : i;
      const [out, next] = core.call(stepOf(inputSequence, t, axis), state);
      outs[t] = out;
      states[t] = next;
      state = next;
    }
    const result = returnAllStates ? stackSteps(states, axis) : state;
    return [stackSteps(outs, axis), result] as [O, S];
  });
}
