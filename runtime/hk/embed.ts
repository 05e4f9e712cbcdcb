// hk.Embed (haiku/_src/embed.py).

import { tf } from "../tf.js";
import { Module } from "../module.js";
import type { Param } from "../variables.js";
import type { Rngs } from "../rnglib.js";
import { type Initializer, haikuTruncatedNormal } from "../nn/initializers.js";
import { stopGradient } from "../ops.js";
import { initVariable, keyless } from "./keys.js";

export type EmbedLookupStyle = "ARRAY_INDEX" | "ONE_HOT";

export interface EmbedOptions {
  /** Initial [vocab, dim] values (copied); vocabSize / embedDim may then be null. */
  embeddingMatrix?: tf.Tensor | null;
  /** Default: TruncatedNormal() (stddev 1). */
  wInit?: Initializer | null;
  /** How ids map to rows (any case); call() can override it. */
  lookupStyle?: EmbedLookupStyle | Lowercase<EmbedLookupStyle>;
  rngs: Rngs;
}

/**
 * hk.Embed(vocab_size, embed_dim): parameter `embeddings` [vocab, dim]; one
 * key if its initializer draws (a given embedding_matrix draws none).
 * ARRAY_INDEX looks rows up as numpy indexing does (negative ids count from
 * the end, others are clamped, and get no gradient, as in JAX); ONE_HOT computes one_hot(ids) @ embeddings
 * (ids out of range give zeros).
 */
export class Embed extends Module {
  readonly embeddings: Param;
  readonly vocabSize: number;
  readonly embedDim: number;
  lookupStyle: EmbedLookupStyle;

  constructor(vocabSize: number | null, embedDim: number | null, options: EmbedOptions) {
    super();
    const { embeddingMatrix = null, lookupStyle = "ARRAY_INDEX", rngs } = options;
    if (embeddingMatrix === null && !(vocabSize && embedDim)) {
      throw new Error("hk.Embed must be supplied either with an initial `embedding_matrix` or with `embed_dim` and `vocab_size`.");
    }
    let wInit = options.wInit ?? haikuTruncatedNormal();
    if (embeddingMatrix !== null) {
      const [v, d] = embeddingMatrix.shape;
      if (vocabSize && v !== vocabSize) {
        throw new Error(`An \`embedding_matrix\` was supplied but the \`vocab_size\` of ${vocabSize} was not consistent with its shape [${embeddingMatrix.shape}].`);
      }
      if (embedDim && d !== embedDim) {
        throw new Error(`An \`embedding_matrix\` was supplied but the \`embed_dim\` of ${embedDim} was not consistent with its shape [${embeddingMatrix.shape}].`);
      }
      // Haiku's `lambda _, __: embedding_matrix` draws no key; keep a copy of the values.
      const values = Float32Array.from(embeddingMatrix.dataSync() as Float32Array);
      wInit = keyless((_key, shape) => tf.tensor(values, shape, "float32"));
      vocabSize = v;
      embedDim = d;
    }
    this.vocabSize = vocabSize!;
    this.embedDim = embedDim!;
    this.lookupStyle = lookupStyle.toUpperCase() as EmbedLookupStyle;
    this.embeddings = initVariable(rngs, wInit, [this.vocabSize, this.embedDim]);
  }

  call(ids: tf.Tensor, lookupStyle?: EmbedLookupStyle | Lowercase<EmbedLookupStyle> | null): tf.Tensor {
    if (ids.dtype !== "int32") {
      throw new Error(`hk.Embed's __call__ method must take an array of integer dtype but was called with an array of ${ids.dtype}`);
    }
    const style = (lookupStyle ?? this.lookupStyle).toUpperCase();
    return tf.tidy(() => {
      if (style === "ARRAY_INDEX") {
        const v = this.vocabSize;
        const wrapped = tf.where(tf.less(ids, 0), tf.add(ids, tf.scalar(v, "int32")), ids);
        const rows = tf.gather(this.embeddings.value, tf.clipByValue(wrapped, 0, v - 1));
        // JAX clamps ids out of range when gathering but drops them from the gradient's scatter.
        const inRange = tf.logicalAnd(tf.greaterEqual(wrapped, 0), tf.less(wrapped, v));
        const mask = tf.broadcastTo(tf.expandDims(inRange, -1), rows.shape);
        return tf.where(mask, rows, stopGradient(rows));
      }
      if (style === "ONE_HOT") {
        const oneHot = tf.cast(tf.oneHot(ids, this.vocabSize), "float32");
        const flat = tf.reshape(oneHot, [-1, this.vocabSize]) as tf.Tensor2D;
        const out = tf.matMul(flat, this.embeddings.value as tf.Tensor2D);
        return tf.reshape(out, [...ids.shape, this.embedDim]);
      }
      throw new Error(`${style} is not supported by hk.Embed.`);
    });
  }
}
