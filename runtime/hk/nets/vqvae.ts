// hk.nets.VectorQuantizer and hk.nets.VectorQuantizerEMA
// (haiku/_src/nets/vqvae.py).

import { tf } from "../../tf.js";
import { Module } from "../../module.js";
import { BatchStat, type Param } from "../../variables.js";
import type { Rngs } from "../../rnglib.js";
import { stopGradient } from "../../ops.js";
import { VarianceScaling } from "../initializers.js";
import { initVariable } from "../keys.js";
import { ExponentialMovingAverage } from "../moving-averages.js";
import { jnpMean } from "../stats.js";

/** What both quantizers return (Haiku's dict keys). */
export interface VQOutput {
  quantize: tf.Tensor;
  loss: tf.Tensor;
  perplexity: tf.Tensor;
  encodings: tf.Tensor;
  encoding_indices: tf.Tensor;
  distances: tf.Tensor;
  [key: string]: tf.Tensor;
}

/** Distances to every embedding column, nearest indices, one-hot encodings. */
function nearest(inputs: tf.Tensor, embeddings: tf.Tensor, dim: number, num: number) {
  const flat = tf.reshape(inputs, [-1, dim]) as tf.Tensor2D;
  const distances = tf.add(
    tf.sub(tf.sum(tf.square(flat), 1, true), tf.mul(2, tf.matMul(flat, embeddings as tf.Tensor2D))),
    tf.sum(tf.square(embeddings), 0, true),
  );
  // Read back as a fresh tensor: integer indices have no gradient (as in JAX), and
  // tfjs would otherwise ask the gathers below for one.
  const nearestIdx = tf.argMax(tf.neg(distances), 1);
  const indices = tf.tensor(nearestIdx.dataSync() as Int32Array, nearestIdx.shape, "int32");
  const encodings = tf.cast(tf.oneHot(indices, num), "float32");
  return { flat, distances, encodings, indices: tf.reshape(indices, inputs.shape.slice(0, -1)) };
}

function perplexityOf(encodings: tf.Tensor): tf.Tensor {
  const avgProbs = jnpMean(encodings, [0]);
  return tf.exp(tf.neg(tf.sum(tf.mul(avgProbs, tf.log(tf.add(avgProbs, 1e-10))))));
}

/** embeddings[:, indices] as rows: w = embeddings.T; w[indices]. */
function lookup(embeddings: tf.Tensor, indices: tf.Tensor): tf.Tensor {
  return tf.gather(tf.transpose(embeddings), indices);
}

/**
 * hk.nets.VectorQuantizer(embedding_dim, num_embeddings, commitment_cost):
 * parameter `embeddings` [dim, num] (VarianceScaling(distribution="uniform"):
 * one key). call(inputs) returns Haiku's dict; `loss` is
 * q_latent + commitment_cost * e_latent, `quantize` the straight-through value.
 */
export class VectorQuantizer extends Module {
  readonly embeddings: Param;
  readonly embeddingDim: number;
  readonly numEmbeddings: number;
  readonly commitmentCost: number;

  constructor(embeddingDim: number, numEmbeddings: number, commitmentCost: number, options: { rngs: Rngs }) {
    super();
    this.embeddingDim = embeddingDim;
    this.numEmbeddings = numEmbeddings;
    this.commitmentCost = commitmentCost;
    this.embeddings = initVariable(options.rngs, VarianceScaling(1, "fan_in", "uniform"), [embeddingDim, numEmbeddings]);
  }

  /** `isTraining` is accepted for Haiku's signature; the quantizer behaves the same either way. */
  call(inputs: tf.Tensor, _isTraining?: boolean | null): VQOutput {
    return tf.tidy(() => {
      const { distances, encodings, indices } = nearest(inputs, this.embeddings.value, this.embeddingDim, this.numEmbeddings);
      let quantized = this.quantize(indices);
      const eLatent = jnpMean(tf.square(tf.sub(stopGradient(quantized), inputs)));
      const qLatent = jnpMean(tf.square(tf.sub(quantized, stopGradient(inputs))));
      const loss = tf.add(qLatent, tf.mul(this.commitmentCost, eLatent));
      quantized = tf.add(inputs, stopGradient(tf.sub(quantized, inputs)));
      return { quantize: quantized, loss, perplexity: perplexityOf(encodings), encodings, encoding_indices: indices, distances };
    });
  }

  /** The embedding vectors of a batch of indices. */
  quantize(encodingIndices: tf.Tensor): tf.Tensor {
    return lookup(this.embeddings.value, encodingIndices);
  }
}

export interface VectorQuantizerEMAOptions {
  epsilon?: number;
  /** NNX-style mode: false = training (the moving averages and embeddings update). */
  useRunningAverage?: boolean;
  rngs: Rngs;
}

/**
 * hk.nets.VectorQuantizerEMA(embedding_dim, num_embeddings, commitment_cost,
 * decay): state `embeddings` [dim, num] (VarianceScaling uniform: one key),
 * `ema_cluster_size` and `ema_dw` (hk.ExponentialMovingAverage). Training
 * updates both averages and sets the embeddings to their Laplace-smoothed
 * ratio; loss = commitment_cost * e_latent.
 */
export class VectorQuantizerEMA extends Module {
  readonly embeddings: BatchStat;
  readonly ema_cluster_size: ExponentialMovingAverage;
  readonly ema_dw: ExponentialMovingAverage;
  readonly embeddingDim: number;
  readonly numEmbeddings: number;
  readonly commitmentCost: number;
  readonly decay: number;
  readonly epsilon: number;
  useRunningAverage: boolean;

  constructor(embeddingDim: number, numEmbeddings: number, commitmentCost: number, decay: number, options: VectorQuantizerEMAOptions) {
    super();
    const { epsilon = 1e-5, useRunningAverage = false, rngs } = options;
    if (!(decay >= 0 && decay <= 1)) throw new Error("decay must be in range [0, 1]");
    this.embeddingDim = embeddingDim;
    this.numEmbeddings = numEmbeddings;
    this.commitmentCost = commitmentCost;
    this.decay = decay;
    this.epsilon = epsilon;
    this.useRunningAverage = useRunningAverage;
    this.ema_cluster_size = new ExponentialMovingAverage([numEmbeddings], decay);
    this.ema_dw = new ExponentialMovingAverage([embeddingDim, numEmbeddings], decay);
    this.embeddings = initVariable(rngs, VarianceScaling(1, "fan_in", "uniform"), [embeddingDim, numEmbeddings], BatchStat);
  }

  /** `isTraining` defaults to the module's mode (!useRunningAverage). */
  call(inputs: tf.Tensor, isTraining?: boolean | null): VQOutput {
    const training = isTraining ?? !this.useRunningAverage;
    return tf.tidy(() => {
      const embeddings = this.embeddings.value;
      const { flat, distances, encodings, indices } = nearest(inputs, embeddings, this.embeddingDim, this.numEmbeddings);
      let quantized = this.quantize(indices);
      const eLatent = jnpMean(tf.square(tf.sub(stopGradient(quantized), inputs)));
      if (training) {
        // The statistics are not on the path to the loss, so no stop_gradient is needed.
        let clusterSize = this.ema_cluster_size.call(tf.sum(encodings, 0));
        const dw = this.ema_dw.call(tf.matMul(flat, encodings as tf.Tensor2D, true, false));
        const n = tf.sum(clusterSize);
        // Array / scalar array: XLA multiplies by the reciprocal.
        clusterSize = tf.mul(tf.mul(tf.add(clusterSize, this.epsilon), tf.div(1, tf.add(n, this.numEmbeddings * this.epsilon))), n);
        this.embeddings.value = tf.keep(tf.div(dw, tf.reshape(clusterSize, [1, -1])));
      }
      const loss = tf.mul(this.commitmentCost, eLatent);
      quantized = tf.add(inputs, stopGradient(tf.sub(quantized, inputs)));
      return { quantize: quantized, loss, perplexity: perplexityOf(encodings), encodings, encoding_indices: indices, distances };
    });
  }

  /** The embedding vectors of a batch of indices. */
  quantize(encodingIndices: tf.Tensor): tf.Tensor {
    return lookup(this.embeddings.value, encodingIndices);
  }
}
