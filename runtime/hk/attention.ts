// hk.MultiHeadAttention (haiku/_src/attention.py).

import { tf } from "../tf.js";
import { Module } from "../module.js";
import type { Rngs } from "../rnglib.js";
import type { Initializer } from "../nn/initializers.js";
import { softmax } from "../nn/activations.js";
import { Linear } from "./basic.js";
import { VarianceScaling } from "./initializers.js";
import { divByScalar } from "./utils.js";

export interface MultiHeadAttentionOptions {
  /** Weight initializer of the four Linears (required unless wInitScale is given). */
  wInit?: Initializer | null;
  /** Deprecated in Haiku: wInit = VarianceScaling(wInitScale). */
  wInitScale?: number | null;
  withBias?: boolean;
  bInit?: Initializer | null;
  /** Default: keySize. */
  valueSize?: number | null;
  /** Default: keySize * numHeads. */
  modelSize?: number | null;
  rngs: Rngs;
}

/**
 * hk.MultiHeadAttention(num_heads, key_size) for query/key/value inputs of
 * `inFeatures` features (one number, or [query, key, value]). Linears
 * `query`, `key`, `value` (to numHeads * keySize / valueSize) and `linear`
 * (to modelSize), created, and drawing their keys, in that order (each w,
 * then its b if bInit draws). call(query, key, value, mask?) with inputs
 * [..., T, D] and mask [..., H or 1, T', T].
 */
export class MultiHeadAttention extends Module {
  readonly query: Linear;
  readonly key: Linear;
  readonly value: Linear;
  readonly linear: Linear;
  readonly numHeads: number;
  readonly keySize: number;
  readonly valueSize: number;
  readonly modelSize: number;

  constructor(inFeatures: number | readonly [number, number, number], numHeads: number, keySize: number, options: MultiHeadAttentionOptions) {
    super();
    const { wInitScale = null, withBias = true, bInit = null, valueSize = null, modelSize = null, rngs } = options;
    let wInit = options.wInit ?? null;
    if (wInit !== null && wInitScale) throw new Error("Please provide only `w_init`, not `w_init_scale`.");
    if (wInit === null && wInitScale === null) {
      throw new Error("Please provide a weight initializer: `w_init`. `w_init` will become mandatory once `w_init_scale` is fully deprecated.");
    }
    wInit ??= VarianceScaling(wInitScale!);
    this.numHeads = numHeads;
    this.keySize = keySize;
    this.valueSize = valueSize || keySize;
    this.modelSize = modelSize || keySize * numHeads;
    const [dq, dk, dv] = typeof inFeatures === "number" ? [inFeatures, inFeatures, inFeatures] : inFeatures;
    const linear = (inputSize: number, outputSize: number) => new Linear(inputSize, outputSize, { wInit, withBias, bInit, rngs });
    this.query = linear(dq, numHeads * keySize);
    this.key = linear(dk, numHeads * keySize);
    this.value = linear(dv, numHeads * this.valueSize);
    this.linear = linear(numHeads * this.valueSize, this.modelSize);
  }

  call(query: tf.Tensor, key: tf.Tensor, value: tf.Tensor, mask?: tf.Tensor | null): tf.Tensor {
    return tf.tidy(() => {
      const lead = query.shape.slice(0, -2);
      const [tq, tk] = [query.shape[query.rank - 2], key.shape[key.rank - 2]];
      const h = this.numHeads;
      // [..., T, D] → heads [b, H, T, size] with the leading axes merged into b.
      const heads = (x: tf.Tensor, layer: Linear, size: number, t: number) =>
        tf.transpose(tf.reshape(layer.call(x), [-1, t, h, size]), [0, 2, 1, 3]);
      const q = heads(query, this.query, this.keySize, tq);
      const k = heads(key, this.key, this.keySize, tk);
      const v = heads(value, this.value, this.valueSize, tk);
      let logits = tf.reshape(tf.matMul(q, k, false, true), [...lead, h, tq, tk]);
      logits = divByScalar(logits, Math.sqrt(this.keySize)); // np.sqrt(key_size).astype(float32)
      if (mask != null) {
        if (mask.rank !== logits.rank) {
          throw new Error(`Mask dimensionality ${mask.rank} must match logits dimensionality ${logits.rank}.`);
        }
        const cond = tf.broadcastTo(mask.dtype === "bool" ? mask : tf.notEqual(mask, 0), logits.shape);
        logits = tf.where(cond, logits, tf.fill(logits.shape, -1e30));
      }
      const weights = tf.reshape(softmax(logits), [-1, h, tq, tk]);
      const attn = tf.transpose(tf.matMul(weights, v), [0, 2, 1, 3]); // [b, T', H, V]
      return this.linear.call(tf.reshape(attn, [...lead, tq, h * this.valueSize]));
    });
  }
}
