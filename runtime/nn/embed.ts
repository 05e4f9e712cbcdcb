// nnx.Embed (flax/nnx/nn/linear.py): a (numEmbeddings, features) table looked up
// with jnp.take semantics: indices in [-n, n) wrap, others give NaN rows (and
// no gradient); with one embedding every index gets it (broadcast).

import { tf } from "../tf.js";
import { Module } from "../module.js";
import { Param } from "../variables.js";
import type { Rngs } from "../rnglib.js";
import { type Initializer, varianceScaling } from "./initializers.js";

export interface EmbedOptions {
  embeddingInit?: Initializer;
  rngs: Rngs;
  embeddingMetadata?: Record<string, unknown>;
}

/** flax's default_embed_init: variance_scaling(1.0, 'fan_in', 'normal', out_axis=0). */
export const defaultEmbedInit: Initializer = varianceScaling(1.0, "fan_in", "normal", { outAxis: 0 });

export class Embed extends Module {
  readonly embedding: Param;
  readonly numEmbeddings: number;
  readonly features: number;

  constructor(numEmbeddings: number, features: number, options: EmbedOptions) {
    super();
    const { embeddingInit = defaultEmbedInit, rngs } = options;
    this.embedding = new Param(embeddingInit(rngs.params(), [numEmbeddings, features], "float32"), {
      ...options.embeddingMetadata,
      init: embeddingInit,
    });
    this.numEmbeddings = numEmbeddings;
    this.features = features;
  }

  /** Embeds integer indices of any shape: output shape [...inputs.shape, features]. */
  call(inputs: tf.Tensor): tf.Tensor {
    if (inputs.dtype !== "int32") throw new Error("Input type must be an integer or unsigned integer.");
    return tf.tidy(() => {
      const table = this.embedding.value;
      const outShape = [...inputs.shape, this.features];
      if (this.numEmbeddings === 1) return tf.broadcastTo(table, outShape);
      const n = tf.scalar(this.numEmbeddings, "int32");
      const flat = tf.reshape(inputs, [-1]);
      const valid = tf.logicalAnd(tf.greaterEqual(flat, tf.neg(n)), tf.less(flat, n));
      const wrapped = tf.where(tf.less(flat, 0), tf.add(flat, n), flat);
      const rows = tf.gather(table, tf.where(valid, wrapped, tf.zerosLike(flat)), 0);
      const mask = tf.broadcastTo(tf.reshape(valid, [-1, 1]), rows.shape);
      const out = tf.where(mask, rows, tf.fill(rows.shape, NaN));
      return tf.reshape(out, outShape);
    });
  }

  /** Inner products of query vectors (last dim `features`) with every embedding: [..., numEmbeddings]. */
  attend(query: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const batch = query.shape.slice(0, -1);
      const q = tf.reshape(query, [-1, this.features]) as tf.Tensor2D;
      const y = tf.matMul(q, this.embedding.value as tf.Tensor2D, false, true);
      return tf.reshape(y, [...batch, this.numEmbeddings]);
    });
  }
}
