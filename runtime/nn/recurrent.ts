// Recurrence (flax/nnx/nn/recurrent.py): the cells nnx.LSTMCell,
// OptimizedLSTMCell, GRUCell and SimpleCell; Linen's MGUCell and ConvLSTMCell
// (which NNX lacks) with Linen's math and parameter layout, and LinenGRUCell
// (Linen's GRUCell, which NNX's GRUCell cannot represent); nnx.RNN and
// nnx.Bidirectional, run as an eager loop over time (gradients flow through it).
//
//   const rnn = new nnx.RNN(new nnx.LSTMCell(3, 16, { rngs }), { returnCarry: true });
//   const [[c, h], ys] = rnn.call(xs);                    // xs [batch, time, 3]
//
// Submodule attributes keep NNX's names (`if_`, `dense_i`, `forward_rnn`, ...)
// so state paths are NNX's; a Python keyword gets a trailing underscore there,
// and so Linen's MGUCell names `if`/`in` become `if_`/`in_` here.
//
// Carry keys: initializeCarry(inputShape, rngs) draws as NNX, one `rngs()` per
// carry part from the stream (a Rngs gives its `carry` stream, falling back to
// `default`). Given a raw key instead it derives Linen's keys: split(key) for
// two-part carries (c, h), the key itself for one-part carries.

import { tf } from "../tf.js";
import * as random from "../random/index.js";
import type { Key } from "../random/index.js";
import { Module } from "../module.js";
import { Rngs, RngStream } from "../rnglib.js";
import { type Initializer, lecunNormal, ones, orthogonal, zeros } from "./initializers.js";
import { Linear } from "./linear.js";
import { Conv, type ConvOptions } from "./conv.js";
import { sigmoid, tanh } from "./activations.js";
import { recordInit } from "./linear_general.js";

/** A cell's carry: one array or a tuple of carries (LSTM: [c, h]; Bidirectional: [forward, backward]). */
export type RNNCarry = tf.Tensor | readonly RNNCarry[];
export type Activation = (x: tf.Tensor) => tf.Tensor;
/** What initializeCarry draws its keys from (see the file comment). */
export type CarryRngs = Rngs | RngStream | Key | null;

/** Keys for a carry of `parts` arrays: NNX draws from a stream, Linen splits a key. */
function carryKeys(rngs: CarryRngs | undefined, own: RngStream | null, parts: 1 | 2): Key[] {
  if (rngs instanceof Uint32Array) return parts === 1 ? [rngs] : random.split(rngs, 2);
  const given = rngs ?? own;
  const stream = given instanceof Rngs ? given.stream("carry") : given;
  if (stream === null) throw new Error("RNGs must be provided to initialize the cell carry.");
  return Array.from({ length: parts }, () => stream.next());
}

export abstract class RNNCellBase<C extends RNNCarry = RNNCarry, Y extends RNNCarry = tf.Tensor> extends Module {
  /** One step: [new carry, output]; the output may be a tuple of arrays (RNN stacks each). `inputs` [batch..., features]. */
  abstract call(carry: C, inputs: tf.Tensor): [C, Y];
  /** The initial carry for inputs of `inputShape` (one time step, batch dims first). */
  abstract initializeCarry(inputShape: readonly number[], rngs?: CarryRngs, carryInit?: Initializer | null): C;
  /** Trailing feature axes of an input step (1, or spatial dims + 1 for ConvLSTMCell). */
  abstract get numFeatureAxes(): number;
}

interface CellCommon {
  kernelInit?: Initializer;
  recurrentKernelInit?: Initializer;
  /** Default initializer for initializeCarry (NNX warns that it belongs there instead). */
  carryInit?: Initializer | null;
  /** Deprecated in NNX: keep a fork of the `carry` stream for initializeCarry. */
  keepRngs?: boolean;
  rngs: Rngs;
  kernelMetadata?: Record<string, unknown>;
  recurrentKernelMetadata?: Record<string, unknown>;
  biasMetadata?: Record<string, unknown>;
}

export interface LSTMCellOptions extends CellCommon {
  gateFn?: Activation;
  activationFn?: Activation;
  biasInit?: Initializer;
}
export type OptimizedLSTMCellOptions = LSTMCellOptions;
export type GRUCellOptions = LSTMCellOptions;
export interface SimpleCellOptions extends CellCommon {
  activationFn?: Activation;
  biasInit?: Initializer;
  /** h' = act(W_i x + b + W_h h + h). */
  residual?: boolean;
}

function dense(
  inF: number,
  outF: number,
  useBias: boolean,
  kernelInit: Initializer,
  biasInit: Initializer,
  rngs: Rngs,
  kernelMetadata?: Record<string, unknown>,
  biasMetadata?: Record<string, unknown>,
): Linear {
  const l = new Linear(inF, outF, { useBias, kernelInit, biasInit, rngs, kernelMetadata, biasMetadata });
  recordInit(l.kernel, kernelInit);
  if (l.bias !== null) recordInit(l.bias, biasInit);
  return l;
}

function initFor(carryInit: Initializer | null | undefined, own: Initializer | null): Initializer {
  return carryInit ?? own ?? zeros;
}

/** An int32 scalar: tfjs would make a bare number float32 and promote the int32 operand to it. */
function i32(n: number): tf.Scalar {
  return tf.scalar(n, "int32");
}

function splitLast(x: tf.Tensor, n: number): tf.Tensor[] {
  return tf.split(x, n, x.rank - 1);
}

/** State shared by the cells: sizes, carry init and the optional kept carry stream. */
abstract class Cell<C extends RNNCarry> extends RNNCellBase<C> {
  readonly inFeatures: number;
  readonly hiddenFeatures: number;
  carryInit: Initializer | null;
  rngs: RngStream | null;

  constructor(inFeatures: number, hiddenFeatures: number, options: CellCommon) {
    super();
    this.inFeatures = inFeatures;
    this.hiddenFeatures = hiddenFeatures;
    this.carryInit = options.carryInit ?? null;
    // NNX forks before creating any parameter (the fork may draw from the same default stream).
    this.rngs = options.keepRngs ? options.rngs.stream("carry").fork() : null;
  }

  get numFeatureAxes(): number {
    return 1;
  }

  protected memShape(inputShape: readonly number[]): number[] {
    return [...inputShape.slice(0, -1), this.hiddenFeatures];
  }
}

/** A cell whose carry is one array (SimpleCell, GRUCell, MGUCell): one key, one `carryInit` draw. */
abstract class TensorCell extends Cell<tf.Tensor> {
  initializeCarry(inputShape: readonly number[], rngs?: CarryRngs, carryInit?: Initializer | null): tf.Tensor {
    const [k] = carryKeys(rngs, this.rngs, 1);
    return initFor(carryInit, this.carryInit)(k, this.memShape(inputShape), "float32");
  }
}

/** nnx.LSTMCell: eight Linear layers, ii/if_/ig/io (no bias) and hi/hf/hg/ho (bias). */
export class LSTMCell extends Cell<[tf.Tensor, tf.Tensor]> {
  gateFn: Activation;
  activationFn: Activation;
  readonly ii: Linear;
  readonly if_: Linear;
  readonly ig: Linear;
  readonly io: Linear;
  readonly hi: Linear;
  readonly hf: Linear;
  readonly hg: Linear;
  readonly ho: Linear;

  constructor(inFeatures: number, hiddenFeatures: number, options: LSTMCellOptions) {
    super(inFeatures, hiddenFeatures, options);
    const {
      gateFn = sigmoid,
      activationFn = tanh,
      kernelInit = lecunNormal(),
      recurrentKernelInit = orthogonal(),
      biasInit = zeros,
      rngs,
    } = options;
    this.gateFn = gateFn;
    this.activationFn = activationFn;
    const denseI = () => dense(inFeatures, hiddenFeatures, false, kernelInit, zeros, rngs, options.kernelMetadata);
    const denseH = () =>
      dense(
        hiddenFeatures,
        hiddenFeatures,
        true,
        recurrentKernelInit,
        biasInit,
        rngs,
        options.recurrentKernelMetadata,
        options.biasMetadata,
      );
    this.ii = denseI();
    this.if_ = denseI();
    this.ig = denseI();
    this.io = denseI();
    this.hi = denseH();
    this.hf = denseH();
    this.hg = denseH();
    this.ho = denseH();
  }

  call([c, h]: [tf.Tensor, tf.Tensor], inputs: tf.Tensor): [[tf.Tensor, tf.Tensor], tf.Tensor] {
    return tf.tidy(() => {
      const i = this.gateFn(tf.add(this.ii.call(inputs), this.hi.call(h)));
      const f = this.gateFn(tf.add(this.if_.call(inputs), this.hf.call(h)));
      const g = this.activationFn(tf.add(this.ig.call(inputs), this.hg.call(h)));
      const o = this.gateFn(tf.add(this.io.call(inputs), this.ho.call(h)));
      const newC = tf.add(tf.mul(f, c), tf.mul(i, g));
      const newH = tf.mul(o, this.activationFn(newC));
      return [[newC, newH], newH];
    });
  }

  initializeCarry(inputShape: readonly number[], rngs?: CarryRngs, carryInit?: Initializer | null): [tf.Tensor, tf.Tensor] {
    const [k1, k2] = carryKeys(rngs, this.rngs, 2);
    const init = initFor(carryInit, this.carryInit);
    const shape = this.memShape(inputShape);
    return [init(k1, shape, "float32"), init(k2, shape, "float32")];
  }
}

/** nnx.OptimizedLSTMCell: one input and one hidden Linear of 4·hidden outputs (gates i, f, g, o). */
export class OptimizedLSTMCell extends Cell<[tf.Tensor, tf.Tensor]> {
  gateFn: Activation;
  activationFn: Activation;
  readonly dense_i: Linear;
  readonly dense_h: Linear;

  constructor(inFeatures: number, hiddenFeatures: number, options: OptimizedLSTMCellOptions) {
    super(inFeatures, hiddenFeatures, options);
    const {
      gateFn = sigmoid,
      activationFn = tanh,
      kernelInit = lecunNormal(),
      recurrentKernelInit = orthogonal(),
      biasInit = zeros,
      rngs,
    } = options;
    this.gateFn = gateFn;
    this.activationFn = activationFn;
    this.dense_i = dense(inFeatures, 4 * hiddenFeatures, false, kernelInit, zeros, rngs, options.kernelMetadata);
    this.dense_h = dense(
      hiddenFeatures,
      4 * hiddenFeatures,
      true,
      recurrentKernelInit,
      biasInit,
      rngs,
      options.recurrentKernelMetadata,
      options.biasMetadata,
    );
  }

  call([c, h]: [tf.Tensor, tf.Tensor], inputs: tf.Tensor): [[tf.Tensor, tf.Tensor], tf.Tensor] {
    return tf.tidy(() => {
      const [i, f, g, o] = splitLast(tf.add(this.dense_i.call(inputs), this.dense_h.call(h)), 4);
      const newC = tf.add(tf.mul(this.gateFn(f), c), tf.mul(this.gateFn(i), this.activationFn(g)));
      const newH = tf.mul(this.gateFn(o), this.activationFn(newC));
      return [[newC, newH], newH];
    });
  }

  initializeCarry(inputShape: readonly number[], rngs?: CarryRngs, carryInit?: Initializer | null): [tf.Tensor, tf.Tensor] {
    const [k1, k2] = carryKeys(rngs, this.rngs, 2);
    const init = initFor(carryInit, this.carryInit);
    const shape = this.memShape(inputShape);
    return [init(k1, shape, "float32"), init(k2, shape, "float32")];
  }
}

/** nnx.SimpleCell: h' = act(W_i x + b + W_h h [+ h]); dense_h (no bias) is made before dense_i. */
export class SimpleCell extends TensorCell {
  activationFn: Activation;
  readonly residual: boolean;
  readonly dense_h: Linear;
  readonly dense_i: Linear;

  constructor(inFeatures: number, hiddenFeatures: number, options: SimpleCellOptions) {
    super(inFeatures, hiddenFeatures, options);
    const {
      activationFn = tanh,
      kernelInit = lecunNormal(),
      recurrentKernelInit = orthogonal(),
      biasInit = zeros,
      residual = false,
      rngs,
    } = options;
    this.activationFn = activationFn;
    this.residual = residual;
    this.dense_h = dense(hiddenFeatures, hiddenFeatures, false, recurrentKernelInit, zeros, rngs, options.recurrentKernelMetadata);
    this.dense_i = dense(inFeatures, hiddenFeatures, true, kernelInit, biasInit, rngs, options.kernelMetadata, options.biasMetadata);
  }

  call(carry: tf.Tensor, inputs: tf.Tensor): [tf.Tensor, tf.Tensor] {
    return tf.tidy(() => {
      let next = tf.add(this.dense_i.call(inputs), this.dense_h.call(carry));
      if (this.residual) next = tf.add(next, carry);
      next = this.activationFn(next);
      return [next, next];
    });
  }
}

/**
 * nnx.GRUCell: dense_i (3·hidden, bias) and dense_h (3·hidden, no bias), gates
 * r, z, n; n = act(x_n + r * h_n) has no hidden bias, unlike Linen's GRUCell.
 */
export class GRUCell extends TensorCell {
  gateFn: Activation;
  activationFn: Activation;
  readonly dense_i: Linear;
  readonly dense_h: Linear;

  constructor(inFeatures: number, hiddenFeatures: number, options: GRUCellOptions) {
    super(inFeatures, hiddenFeatures, options);
    const {
      gateFn = sigmoid,
      activationFn = tanh,
      kernelInit = lecunNormal(),
      recurrentKernelInit = orthogonal(),
      biasInit = zeros,
      rngs,
    } = options;
    this.gateFn = gateFn;
    this.activationFn = activationFn;
    this.dense_i = dense(inFeatures, 3 * hiddenFeatures, true, kernelInit, biasInit, rngs, options.kernelMetadata, options.biasMetadata);
    this.dense_h = dense(hiddenFeatures, 3 * hiddenFeatures, false, recurrentKernelInit, zeros, rngs, options.recurrentKernelMetadata);
  }

  call(h: tf.Tensor, inputs: tf.Tensor): [tf.Tensor, tf.Tensor] {
    return tf.tidy(() => {
      const [xr, xz, xn] = splitLast(this.dense_i.call(inputs), 3);
      const [hr, hz, hn] = splitLast(this.dense_h.call(h), 3);
      const r = this.gateFn(tf.add(xr, hr));
      const z = this.gateFn(tf.add(xz, hz));
      const n = this.activationFn(tf.add(xn, tf.mul(r, hn)));
      const newH = tf.add(tf.mul(tf.sub(1, z), n), tf.mul(z, h));
      return [newH, newH];
    });
  }
}

/**
 * Linen's nn.GRUCell, NNX-style, for programs that come from Linen: NNX's
 * GRUCell fuses the gates' kernels and has no bias inside r * (W_hn h + b_hn),
 * so it cannot hold Linen's weights. Linear layers ir, hr, iz, hz, in_, hn
 * (made in that order; the input ones and hn have a bias):
 *   r = gate(W_ir x + b_ir + W_hr h); z = gate(W_iz x + b_iz + W_hz h)
 *   n = act(W_in x + b_in + r * (W_hn h + b_hn)); h' = (1 - z) n + z h
 */
export class LinenGRUCell extends TensorCell {
  gateFn: Activation;
  activationFn: Activation;
  readonly ir: Linear;
  readonly hr: Linear;
  readonly iz: Linear;
  readonly hz: Linear;
  readonly in_: Linear;
  readonly hn: Linear;

  constructor(inFeatures: number, hiddenFeatures: number, options: GRUCellOptions) {
    super(inFeatures, hiddenFeatures, options);
    const {
      gateFn = sigmoid,
      activationFn = tanh,
      kernelInit = lecunNormal(),
      recurrentKernelInit = orthogonal(),
      biasInit = zeros,
      rngs,
    } = options;
    this.gateFn = gateFn;
    this.activationFn = activationFn;
    const denseI = () => dense(inFeatures, hiddenFeatures, true, kernelInit, biasInit, rngs, options.kernelMetadata, options.biasMetadata);
    const denseH = (useBias: boolean) =>
      dense(
        hiddenFeatures,
        hiddenFeatures,
        useBias,
        recurrentKernelInit,
        biasInit,
        rngs,
        options.recurrentKernelMetadata,
        options.biasMetadata,
      );
    this.ir = denseI();
    this.hr = denseH(false);
    this.iz = denseI();
    this.hz = denseH(false);
    this.in_ = denseI();
    this.hn = denseH(true);
  }

  call(h: tf.Tensor, inputs: tf.Tensor): [tf.Tensor, tf.Tensor] {
    return tf.tidy(() => {
      const r = this.gateFn(tf.add(this.ir.call(inputs), this.hr.call(h)));
      const z = this.gateFn(tf.add(this.iz.call(inputs), this.hz.call(h)));
      const n = this.activationFn(tf.add(this.in_.call(inputs), tf.mul(r, this.hn.call(h))));
      const newH = tf.add(tf.mul(tf.sub(1, z), n), tf.mul(z, h));
      return [newH, newH];
    });
  }
}

export interface MGUCellOptions extends CellCommon {
  gateFn?: Activation;
  activationFn?: Activation;
  /** Bias of the forget gate's input layer `if_` (default ones). */
  forgetBiasInit?: Initializer;
  /** Bias of `in_` and (with the reset gate) `hn` (default zeros). */
  activationBiasInit?: Initializer;
  /** Gate the hidden contribution to n by f (and give `hn` a bias). Default true. */
  resetGate?: boolean;
}

/**
 * Linen's nn.MGUCell (minimal gated unit), NNX-style: Linear layers if_ (bias),
 * hf, hn (bias with the reset gate), in_ (bias), made in that order.
 *   f = gate(W_if x + b_if + W_hf h); n = act(W_in x + b_in + f * (W_hn h + b_hn)); h' = (1 - f) n + f h
 */
export class MGUCell extends TensorCell {
  gateFn: Activation;
  activationFn: Activation;
  readonly resetGate: boolean;
  readonly if_: Linear;
  readonly hf: Linear;
  readonly hn: Linear;
  readonly in_: Linear;

  constructor(inFeatures: number, hiddenFeatures: number, options: MGUCellOptions) {
    super(inFeatures, hiddenFeatures, options);
    const {
      gateFn = sigmoid,
      activationFn = tanh,
      kernelInit = lecunNormal(),
      recurrentKernelInit = orthogonal(),
      forgetBiasInit = ones,
      activationBiasInit = zeros,
      resetGate = true,
      rngs,
    } = options;
    this.gateFn = gateFn;
    this.activationFn = activationFn;
    this.resetGate = resetGate;
    const km = options.kernelMetadata;
    const rkm = options.recurrentKernelMetadata;
    const bm = options.biasMetadata;
    this.if_ = dense(inFeatures, hiddenFeatures, true, kernelInit, forgetBiasInit, rngs, km, bm);
    this.hf = dense(hiddenFeatures, hiddenFeatures, false, recurrentKernelInit, zeros, rngs, rkm);
    this.hn = dense(hiddenFeatures, hiddenFeatures, resetGate, recurrentKernelInit, activationBiasInit, rngs, rkm, bm);
    this.in_ = dense(inFeatures, hiddenFeatures, true, kernelInit, activationBiasInit, rngs, km, bm);
  }

  call(h: tf.Tensor, inputs: tf.Tensor): [tf.Tensor, tf.Tensor] {
    return tf.tidy(() => {
      const f = this.gateFn(tf.add(this.if_.call(inputs), this.hf.call(h)));
      let x = this.hn.call(h);
      if (this.resetGate) x = tf.mul(x, f);
      const n = this.activationFn(tf.add(this.in_.call(inputs), x));
      const newH = tf.add(tf.mul(tf.sub(1, f), n), tf.mul(f, h));
      return [newH, newH];
    });
  }
}

export interface ConvLSTMCellOptions {
  strides?: ConvOptions["strides"];
  padding?: ConvOptions["padding"];
  useBias?: boolean;
  carryInit?: Initializer | null;
  keepRngs?: boolean;
  rngs: Rngs;
}

/**
 * Linen's nn.ConvLSTMCell, NNX-style: convolutions ih (input → 4·features) and
 * hh (hidden → 4·features) with Linen Conv's defaults, gates split as i, g, f, o:
 *   c' = sigmoid(f + 1) c + sigmoid(i) tanh(g); h' = sigmoid(o) tanh(c')
 * Inputs are channels-last [batch..., spatial..., features].
 */
export class ConvLSTMCell extends RNNCellBase<[tf.Tensor, tf.Tensor]> {
  readonly inFeatures: number;
  readonly features: number;
  readonly kernelSize: number[];
  carryInit: Initializer | null;
  rngs: RngStream | null;
  readonly ih: Conv;
  readonly hh: Conv;

  constructor(inFeatures: number, features: number, kernelSize: readonly number[], options: ConvLSTMCellOptions) {
    super();
    const { strides = 1, padding = "SAME", useBias = true, rngs } = options;
    this.inFeatures = inFeatures;
    this.features = features;
    this.kernelSize = [...kernelSize];
    this.carryInit = options.carryInit ?? null;
    this.rngs = options.keepRngs ? rngs.stream("carry").fork() : null;
    const conv = (inF: number) => {
      const kernelInit = lecunNormal();
      const c = new Conv(inF, 4 * features, [...kernelSize], { strides, padding, useBias, kernelInit, biasInit: zeros, rngs });
      recordInit(c.kernel, kernelInit);
      if (c.bias !== null) recordInit(c.bias, zeros);
      return c;
    };
    this.ih = conv(inFeatures);
    this.hh = conv(features);
  }

  get numFeatureAxes(): number {
    return this.kernelSize.length + 1;
  }

  call([c, h]: [tf.Tensor, tf.Tensor], inputs: tf.Tensor): [[tf.Tensor, tf.Tensor], tf.Tensor] {
    return tf.tidy(() => {
      const [i, g, f, o] = splitLast(tf.add(this.ih.call(inputs), this.hh.call(h)), 4);
      const newC = tf.add(tf.mul(sigmoid(tf.add(f, 1)), c), tf.mul(sigmoid(i), tf.tanh(g)));
      const newH = tf.mul(sigmoid(o), tf.tanh(newC));
      return [[newC, newH], newH];
    });
  }

  initializeCarry(inputShape: readonly number[], rngs?: CarryRngs, carryInit?: Initializer | null): [tf.Tensor, tf.Tensor] {
    const n = this.numFeatureAxes;
    const shape = [...inputShape.slice(0, inputShape.length - n), ...inputShape.slice(inputShape.length - n, -1), this.features];
    const [k1, k2] = carryKeys(rngs, this.rngs, 2);
    const init = initFor(carryInit, this.carryInit);
    return [init(k1, shape, "float32"), init(k2, shape, "float32")];
  }
}

// ---------------------------------------------------------------------------
// Sequences

function mapCarry(c: RNNCarry, fn: (t: tf.Tensor, i: number) => tf.Tensor, counter = { i: 0 }): RNNCarry {
  return c instanceof tf.Tensor ? fn(c, counter.i++) : c.map((x) => mapCarry(x, fn, counter));
}

function carryLeaves(c: RNNCarry): tf.Tensor[] {
  return c instanceof tf.Tensor ? [c] : c.flatMap(carryLeaves);
}

/**
 * jnp.take_along_axis(x, idx, axis) for in-range int32 indices that broadcast
 * against x (as flip_sequences makes them), as one differentiable gather.
 */
function takeAlongAxis(x: tf.Tensor, idx: tf.Tensor, axis: number): tf.Tensor {
  return tf.tidy(() => {
    const n = x.shape[axis];
    // Move `axis` first and flatten the rest: out[t, r] = x[idx[t, r], r].
    const perm = [axis, ...x.shape.map((_, d) => d).filter((d) => d !== axis)];
    const xt = tf.transpose(x, perm);
    const rest = xt.shape.slice(1);
    const r = rest.reduce((a, b) => a * b, 1);
    const it = tf.transpose(tf.broadcastTo(idx, x.shape), perm);
    const flatIdx = tf.add(tf.mul(tf.reshape(it, [n, r]), i32(r)), tf.range(0, r, 1, "int32"));
    const gathered = tf.reshape(tf.gather(tf.reshape(xt, [n * r]), tf.reshape(flatIdx, [n * r])), xt.shape);
    const inverse = perm.map((_, d) => perm.indexOf(d));
    return tf.transpose(gathered, inverse);
  });
}

/**
 * nnx.recurrent.flip_sequences: reverses each sequence along the time axis,
 * keeping padding at the end when `seqLengths` ([batch...] int) is given.
 */
export function flipSequences(
  inputs: tf.Tensor,
  seqLengths: tf.Tensor | null | undefined,
  numBatchDims: number,
  timeMajor: boolean,
): tf.Tensor {
  const timeAxis = timeMajor ? 0 : numBatchDims;
  const maxSteps = inputs.shape[timeAxis];
  if (seqLengths === null || seqLengths === undefined) return tf.reverse(inputs, timeAxis);
  return tf.tidy(() => {
    const lengths = tf.expandDims(tf.cast(seqLengths, "int32"), timeAxis);
    const unit = Array<number>(numBatchDims).fill(1);
    let idxs = tf.reshape(tf.range(maxSteps - 1, -1, -1, "int32"), timeMajor ? [maxSteps, ...unit] : [...unit, maxSteps]);
    idxs = tf.mod(tf.add(idxs, lengths), i32(maxSteps)); // floor mod, as Python's %
    idxs = tf.reshape(idxs, [...idxs.shape, ...Array<number>(inputs.rank - idxs.rank).fill(1)]);
    return takeAlongAxis(inputs, idxs, timeAxis);
  });
}

/**
 * nnx.recurrent._select_last_carry: x[seq_lengths - 1, arange(batch)] of each
 * carry array stacked over time (one batch axis). As jnp indexing does: a
 * negative index counts from the end, then indices are clamped into range.
 */
function selectLastCarry<C extends RNNCarry>(carries: C[], seqLengths: tf.Tensor): C {
  if (seqLengths.rank !== 1) throw new Error("RNN: seq_lengths with return_carry must have one batch axis ([batch]), as in Flax");
  const steps = carries.length;
  const leavesPerStep = carries.map(carryLeaves);
  return mapCarry(carries[0], (_leaf, k) =>
    tf.tidy(() => {
      const stacked = tf.stack(leavesPerStep.map((ls) => ls[k])); // [T, B, ...]
      const [, batch, ...rest] = stacked.shape as number[];
      let last = tf.sub(tf.cast(seqLengths, "int32"), i32(1));
      last = tf.where(tf.less(last, i32(0)), tf.add(last, i32(steps)), last);
      const clamped = tf.minimum(tf.maximum(last, i32(0)), i32(steps - 1));
      const flat = tf.add(tf.mul(clamped, i32(batch)), tf.range(0, batch, 1, "int32"));
      return tf.gather(tf.reshape(stacked, [steps * batch, ...rest]), flat);
    }),
  ) as C;
}

export interface RNNOptions {
  timeMajor?: boolean;
  returnCarry?: boolean;
  reverse?: boolean;
  keepOrder?: boolean;
  /** Accepted for NNX compatibility; the loop always runs one step at a time. */
  unroll?: number;
  /** true: a `carry` stream of seed 0; a Rngs: a fork of its carry stream; false: none. */
  rngs?: Rngs | boolean;
}

export interface RNNCallOptions<C extends RNNCarry = RNNCarry> {
  initialCarry?: C | null;
  /** [batch...] int lengths; outputs past a length are not zeroed (as Flax). */
  seqLengths?: tf.Tensor | null;
  returnCarry?: boolean | null;
  timeMajor?: boolean | null;
  reverse?: boolean | null;
  keepOrder?: boolean | null;
  /** RNNCarry keys for this call: a stream, or a Rngs whose carry stream is forked. */
  rngs?: Rngs | RngStream | null;
}

/** nnx.RNN: runs `cell` over the time axis of [batch..., time, features...] (or time-major) inputs. */
export class RNN<C extends RNNCarry = RNNCarry, Y extends RNNCarry = tf.Tensor> extends Module {
  readonly cell: RNNCellBase<C, Y>;
  timeMajor: boolean;
  returnCarry: boolean;
  reverse: boolean;
  keepOrder: boolean;
  unroll: number;
  rngs: RngStream | null;

  constructor(cell: RNNCellBase<C, Y>, options: RNNOptions = {}) {
    super();
    const { timeMajor = false, returnCarry = false, reverse = false, keepOrder = false, unroll = 1, rngs = true } = options;
    this.cell = cell;
    this.timeMajor = timeMajor;
    this.returnCarry = returnCarry;
    this.reverse = reverse;
    this.keepOrder = keepOrder;
    this.unroll = unroll;
    if (rngs === true) this.rngs = new RngStream(0, { tag: "carry" });
    else if (rngs instanceof Rngs) this.rngs = rngs.stream("carry").fork();
    else if (rngs === false) this.rngs = null;
    else throw new Error(`Expected rngs to be a jax.Array, int, Rngs, or bool. Got ${String(rngs)}.`);
  }

  /**
   * Outputs stacked on the time axis, or [final carry, outputs] with
   * returnCarry. A cell whose output is a tuple of arrays gives that tuple,
   * each array stacked (as nn.scan stacks every leaf of its outputs).
   */
  call(inputs: tf.Tensor, options: RNNCallOptions<C> & { returnCarry: true }): [C, Y];
  call(inputs: tf.Tensor, options?: RNNCallOptions<C> & { returnCarry?: false }): Y;
  call(inputs: tf.Tensor, options?: RNNCallOptions<C>): Y | [C, Y];
  call(inputs: tf.Tensor, options: RNNCallOptions<C> = {}): Y | [C, Y] {
    const returnCarry = options.returnCarry ?? this.returnCarry;
    const timeMajor = options.timeMajor ?? this.timeMajor;
    const reverse = options.reverse ?? this.reverse;
    const keepOrder = options.keepOrder ?? this.keepOrder;
    const seqLengths = options.seqLengths ?? null;
    const nfa = this.cell.numFeatureAxes;
    let timeAxis = timeMajor ? 0 : inputs.rank - (nfa + 1);
    if (timeAxis < 0) timeAxis += inputs.rank;
    const numBatchDims = timeMajor ? inputs.rank - 1 - nfa : timeAxis;
    let rngs: RngStream | null = options.rngs instanceof Rngs ? null : (options.rngs ?? this.rngs);
    if (options.rngs instanceof Rngs) rngs = options.rngs.stream("carry").fork();

    const result = tf.tidy(() => {
      const xs = reverse ? flipSequences(inputs, seqLengths, numBatchDims, timeMajor) : inputs;
      const stepShape = xs.shape.filter((_, d) => d !== timeAxis);
      let carry: C = options.initialCarry ?? this.cell.initializeCarry(stepShape, rngs);
      const sliceCarry = seqLengths !== null && returnCarry;
      const ys: Y[] = [];
      const carries: C[] = [];
      for (const x of tf.unstack(xs, timeAxis)) {
        const [next, y] = this.cell.call(carry, x);
        carry = next;
        ys.push(y);
        if (sliceCarry) carries.push(carry);
      }
      const leavesPerStep = ys.map(carryLeaves);
      const outputs = mapCarry(ys[0], (_leaf, k) => {
        const stacked = tf.stack(leavesPerStep.map((ls) => ls[k]), timeAxis);
        return reverse && keepOrder ? flipSequences(stacked, seqLengths, numBatchDims, timeMajor) : stacked;
      });
      if (sliceCarry) carry = selectLastCarry(carries, seqLengths);
      // Only what is returned leaves the tidy scope (the final carry is freed otherwise).
      return (returnCarry ? [carry, outputs] : outputs) as unknown as tf.TensorContainer;
    });
    return result as unknown as Y | [C, Y];
  }
}

function concatenateLast(a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  return tf.concat([a, b], a.rank - 1);
}

export interface BidirectionalOptions {
  /** Combines forward and backward outputs (default: concatenate on the last axis). */
  mergeFn?: (forward: tf.Tensor, backward: tf.Tensor) => tf.Tensor;
  timeMajor?: boolean;
  returnCarry?: boolean;
  /** true: a `carry` stream of seed 0; a Rngs: a fork of its carry stream; a stream as is; false: none. */
  rngs?: Rngs | RngStream | boolean;
}

export interface BidirectionalCallOptions<C extends RNNCarry = RNNCarry> {
  initialCarry?: [C, C] | null;
  rngs?: Rngs | RngStream | null;
  seqLengths?: tf.Tensor | null;
  returnCarry?: boolean | null;
  timeMajor?: boolean | null;
}

/**
 * nnx.Bidirectional: `forward_rnn` over the sequence and `backward_rnn` over
 * it reversed (padding kept at the end, outputs put back in order), merged.
 * Both draw their carry keys from one stream, forward first.
 */
export class Bidirectional<C extends RNNCarry = RNNCarry> extends Module {
  readonly forward_rnn: RNN<C>;
  readonly backward_rnn: RNN<C>;
  mergeFn: (forward: tf.Tensor, backward: tf.Tensor) => tf.Tensor;
  timeMajor: boolean;
  returnCarry: boolean;
  rngs: RngStream | null;

  constructor(forwardRnn: RNN<C>, backwardRnn: RNN<C>, options: BidirectionalOptions = {}) {
    super();
    const { mergeFn = concatenateLast, timeMajor = false, returnCarry = false, rngs = true } = options;
    this.forward_rnn = forwardRnn;
    this.backward_rnn = backwardRnn;
    this.mergeFn = mergeFn;
    this.timeMajor = timeMajor;
    this.returnCarry = returnCarry;
    if (rngs === true) this.rngs = new RngStream(0, { tag: "carry" });
    else if (rngs === false) this.rngs = null;
    else if (rngs instanceof Rngs) this.rngs = rngs.stream("carry").fork();
    else if (rngs instanceof RngStream) this.rngs = rngs;
    else throw new TypeError(`rngs must be a Rngs, jax.Array, int, or bool, but got ${String(rngs)}.`);
  }

  /** Merged outputs, or [[forward carry, backward carry], outputs] with returnCarry. */
  call(inputs: tf.Tensor, options: BidirectionalCallOptions<C> & { returnCarry: true }): [[C, C], tf.Tensor];
  call(inputs: tf.Tensor, options?: BidirectionalCallOptions<C> & { returnCarry?: false }): tf.Tensor;
  call(inputs: tf.Tensor, options?: BidirectionalCallOptions<C>): tf.Tensor | [[C, C], tf.Tensor];
  call(inputs: tf.Tensor, options: BidirectionalCallOptions<C> = {}): tf.Tensor | [[C, C], tf.Tensor] {
    const timeMajor = options.timeMajor ?? this.timeMajor;
    const returnCarry = options.returnCarry ?? this.returnCarry;
    let rngs: RngStream | null = options.rngs instanceof Rngs ? options.rngs.stream("carry") : (options.rngs ?? this.rngs);
    if (rngs === undefined) rngs = null;
    const [initialForward, initialBackward] = options.initialCarry ?? [null, null];
    const seqLengths = options.seqLengths ?? null;
    const result = tf.tidy(() => {
      const [carryForward, outputsForward] = this.forward_rnn.call(inputs, {
        initialCarry: initialForward,
        rngs,
        seqLengths,
        returnCarry: true,
        timeMajor,
        reverse: false,
      });
      const [carryBackward, outputsBackward] = this.backward_rnn.call(inputs, {
        initialCarry: initialBackward,
        rngs,
        seqLengths,
        returnCarry: true,
        timeMajor,
        reverse: true,
        keepOrder: true,
      });
      const outputs = this.mergeFn(outputsForward, outputsBackward);
      return (returnCarry ? [[carryForward, carryBackward], outputs] : outputs) as unknown as tf.TensorContainer;
    });
    return result as unknown as tf.Tensor | [[C, C], tf.Tensor];
  }
}
