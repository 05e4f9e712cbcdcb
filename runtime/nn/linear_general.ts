// nnx.LinearGeneral (flax/nnx/nn/linear.py): a linear map over several input
// axes at once, with optional leading batch axes that keep one kernel each.
//
//   new nnx.LinearGeneral(2, [4, 5], { rngs })                       // kernel (2, 4, 5)
//   new nnx.LinearGeneral([2, 3], [4, 5], { axis: [1, -1], rngs })  // kernel (2, 3, 4, 5)
//
// Also `dotGeneral`, lax.dot_general built from transpose/reshape/matMul (all
// with tfjs gradients), which LinearGeneral and the einsum here use.

import { tf } from "../tf.js";
import { Module } from "../module.js";
import { Param, type Variable } from "../variables.js";
import type { Rngs } from "../rnglib.js";
import { type Initializer, lecunNormal, sameBound, zeros } from "./initializers.js";

function prod(xs: readonly number[]): number {
  return xs.reduce((a, b) => a * b, 1);
}

function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

/** A tuple from an int or a sequence (flax _canonicalize_tuple). */
function canonicalizeTuple(x: number | readonly number[]): number[] {
  return typeof x === "number" ? [x] : [...x];
}

/** Non-negative, sorted (flax _normalize_axes sorts too: the kernel's axes follow the sorted input axes). */
function normalizeAxes(axes: readonly number[], ndim: number): number[] {
  return axes.map((a) => (a < 0 ? a + ndim : a)).sort((a, b) => a - b);
}

function transposeTo(x: tf.Tensor, perm: number[]): tf.Tensor {
  return perm.every((p, i) => p === i) ? x : tf.transpose(x, perm);
}

/**
 * jax.lax.dot_general(lhs, rhs, ((lhsContract, rhsContract), (lhsBatch, rhsBatch))):
 * the output axes are the batch axes, then lhs's free axes, then rhs's, each in order.
 */
export function dotGeneral(
  lhs: tf.Tensor,
  rhs: tf.Tensor,
  contracting: readonly [readonly number[], readonly number[]],
  batch: readonly [readonly number[], readonly number[]] = [[], []],
): tf.Tensor {
  const [lc, rc] = contracting;
  const [lb, rb] = batch;
  if (lc.length !== rc.length || lb.length !== rb.length) throw new Error("dot_general: contracting/batch dimension counts differ");
  for (let i = 0; i < lc.length; i++) {
    if (lhs.shape[lc[i]] !== rhs.shape[rc[i]]) {
      throw new Error(`dot_general: contracting dimensions differ: lhs [${lhs.shape}] axis ${lc[i]} vs rhs [${rhs.shape}] axis ${rc[i]}`);
    }
  }
  for (let i = 0; i < lb.length; i++) {
    if (lhs.shape[lb[i]] !== rhs.shape[rb[i]]) {
      throw new Error(`dot_general: batch dimensions differ: lhs [${lhs.shape}] axis ${lb[i]} vs rhs [${rhs.shape}] axis ${rb[i]}`);
    }
  }
  return tf.tidy(() => {
    const lFree = range(lhs.rank).filter((d) => !lc.includes(d) && !lb.includes(d));
    const rFree = range(rhs.rank).filter((d) => !rc.includes(d) && !rb.includes(d));
    const batchShape = lb.map((d) => lhs.shape[d]);
    const lFreeShape = lFree.map((d) => lhs.shape[d]);
    const rFreeShape = rFree.map((d) => rhs.shape[d]);
    const k = prod(lc.map((d) => lhs.shape[d]));
    const [m, n, b] = [prod(lFreeShape), prod(rFreeShape), prod(batchShape)];
    const a = transposeTo(lhs, [...lb, ...lFree, ...lc]);
    const c = transposeTo(rhs, [...rb, ...rc, ...rFree]);
    const y =
      lb.length === 0
        ? tf.matMul(tf.reshape(a, [m, k]) as tf.Tensor2D, tf.reshape(c, [k, n]) as tf.Tensor2D)
        : tf.matMul(tf.reshape(a, [b, m, k]) as tf.Tensor3D, tf.reshape(c, [b, k, n]) as tf.Tensor3D);
    return tf.reshape(y, [...batchShape, ...lFreeShape, ...rFreeShape]);
  });
}

/** Sets a Variable's "init" metadata unless the layer that made it already did (see common conventions). */
export function recordInit(variable: Variable, init: Initializer): void {
  if (!variable.hasMetadata("init")) variable.setMetadata("init", init);
}

export interface LinearGeneralOptions {
  /** Input axes to contract with the kernel's leading `inFeatures` axes (default -1). */
  axis?: number | readonly number[];
  /**
   * NNX `batch_axis`: leading input axes (0, 1, ...) mapped to their sizes; the
   * kernel and bias get one slice per batch index. Keys must be 0..n-1.
   */
  batchAxis?: Readonly<Record<number, number>>;
  useBias?: boolean;
  kernelInit?: Initializer;
  biasInit?: Initializer;
  rngs: Rngs;
  kernelMetadata?: Record<string, unknown>;
  biasMetadata?: Record<string, unknown>;
}

export class LinearGeneral extends Module {
  readonly kernel: Param;
  readonly bias: Param | null;
  readonly inFeatures: number[];
  readonly outFeatures: number[];
  readonly axis: number[];
  /** [axis, size] pairs, ascending. */
  readonly batchAxis: [number, number][];
  readonly useBias: boolean;

  constructor(inFeatures: number | readonly number[], outFeatures: number | readonly number[], options: LinearGeneralOptions) {
    super();
    const { axis = -1, batchAxis = {}, useBias = true, kernelInit = lecunNormal(), biasInit = zeros, rngs } = options;
    this.inFeatures = canonicalizeTuple(inFeatures);
    this.outFeatures = canonicalizeTuple(outFeatures);
    this.axis = canonicalizeTuple(axis);
    this.batchAxis = Object.entries(batchAxis)
      .map(([k, v]) => [Number(k), v] as [number, number])
      .sort((a, b) => a[0] - b[0]);
    this.useBias = useBias;
    if (this.inFeatures.length !== this.axis.length) {
      throw new Error(`in_features and axis must have the same length. Got [${this.inFeatures}] and [${this.axis}].`);
    }
    if (this.batchAxis.length > 0 && this.batchAxis.some(([k], i) => k !== i)) {
      throw new Error(`batch_dims [${this.batchAxis.map(([k]) => k)}] must be consecutive leading dimensions starting from 0.`);
    }
    const nBatch = this.batchAxis.length;
    const nIn = this.inFeatures.length;
    const nOut = this.outFeatures.length;
    // NNX draws the kernel as a 2-D (batch*in, out) matrix and reshapes it, so fans are the flat matrix's.
    const kernelInitWrap: Initializer = sameBound((key, shape, dtype) =>
      tf.tidy(() => {
        const flat = [prod(shape.slice(0, nBatch)) * prod(shape.slice(nBatch, nBatch + nIn)), prod(shape.slice(shape.length - nOut))];
        return tf.reshape(kernelInit(key, flat, dtype), shape);
      }), kernelInit);
    const batchShape = this.batchAxis.map(([, size]) => size);
    const kernelShape = [...batchShape, ...this.inFeatures, ...this.outFeatures];
    this.kernel = new Param(kernelInitWrap(rngs.params(), kernelShape, "float32"), { ...options.kernelMetadata, init: kernelInitWrap });
    if (useBias) {
      const biasInitWrap: Initializer = (key, shape, dtype) => tf.tidy(() => tf.reshape(biasInit(key, [prod(shape)], dtype), shape));
      const biasShape = [...batchShape, ...this.outFeatures];
      this.bias = new Param(biasInitWrap(rngs.params(), biasShape, "float32"), { ...options.biasMetadata, init: biasInitWrap });
    } else {
      this.bias = null;
    }
  }

  call(inputs: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const ndim = inputs.rank;
      const axis = normalizeAxes(this.axis, ndim);
      const batchAxis = normalizeAxes(
        this.batchAxis.map(([k]) => k),
        ndim,
      );
      const nBatch = batchAxis.length;
      // Batch and non-contracting dims of the input, with 1s for the batch dims' slot in the bias.
      const expandedBatchShape = range(ndim)
        .filter((ax) => !axis.includes(ax))
        .map((ax) => (batchAxis.includes(ax) ? inputs.shape[ax] : 1));
      const contractInd = range(axis.length).map((i) => i + nBatch);
      let out = dotGeneral(inputs, this.kernel.value, [axis, contractInd], [batchAxis, range(nBatch)]);
      if (this.bias !== null) out = tf.add(out, tf.reshape(this.bias.value, [...expandedBatchShape, ...this.outFeatures]));
      return out;
    });
  }
}
