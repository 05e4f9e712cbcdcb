// Attention (flax/nnx/nn/attention.py): dotProductAttentionWeights,
// dotProductAttention, the mask helpers and nnx.MultiHeadAttention.
//
//   const mha = new nnx.MultiHeadAttention(8, 64, { dropoutRate: 0.1, rngs });
//   const y = mha.call(x, { mask: nnx.makeCausalMask(tokens) });        // self-attention
//   const z = mha.call(q, kv, null, { deterministic: true });            // cross-attention
//
// Submodules and Variables keep NNX's attribute names (`query_ln`,
// `cached_key`, ...) so that state paths are NNX's; options are camelCase.
// Shapes are NNX's: query/key/value [batch..., length, heads, depth], weights
// and masks [batch..., heads, q_length, kv_length]. float32 only; `precision`
// and `dtype` do not exist here.

import { tf } from "../tf.js";
import * as random from "../random/index.js";
import type { Key } from "../random/index.js";
import { Module, firstFrom } from "../module.js";
import { Cache, Intermediate } from "../variables.js";
import { Rngs, RngStream } from "../rnglib.js";
import { type Initializer, lecunNormal, ones, zeros } from "./initializers.js";
import { LayerNorm } from "./normalization.js";
import { softmax } from "./activations.js";
import { LinearGeneral, recordInit } from "./linear_general.js";
import { einsum } from "./einsum.js";

const F32_MAX = 3.4028234663852886e38;
const f = Math.fround;

/** Anything that hands out keys one at a time (an RngStream, or a source framework's key schedule). */
export interface KeySource {
  next(): Key;
}

export interface AttentionOptions {
  /** Added to the logits; broadcastable to [batch..., heads, q_length, kv_length]. */
  bias?: tf.Tensor | null;
  /** Weights where the mask is false (0) are dropped; same broadcasting as `bias`. */
  mask?: tf.Tensor | null;
  /** One dropout mask shared over batch and head axes (default true). */
  broadcastDropout?: boolean;
  dropoutRng?: Key | null;
  dropoutRate?: number;
  deterministic?: boolean;
  /** Sows the weights into this Module's `attention_weights` Intermediate (a list of tensors). */
  module?: Module | null;
  /** Overlays a causal (lower-triangular) mask. */
  isCausal?: boolean;
}

/** dot_product_attention or a compatible function (MultiHeadAttention's `attentionFn`). */
export type AttentionFn = (query: tf.Tensor, key: tf.Tensor, value: tf.Tensor, options: AttentionOptions) => tf.Tensor;

function validateQkvShapes(...arrays: tf.Tensor[]): void {
  const names = arrays.length === 3 ? "q, k, v" : "q, k";
  if (!arrays.every((a) => a.rank === arrays[0].rank)) {
    throw new Error(`${names} must have same rank, but got ${arrays.map((a) => a.rank).join(", ")}.`);
  }
  const batch = (a: tf.Tensor) => a.shape.slice(0, -3).join(",");
  if (!arrays.every((a) => batch(a) === batch(arrays[0]))) {
    throw new Error(`${names} batch dims must match, but got shapes ${arrays.map((a) => `(${a.shape})`).join(", ")}.`);
  }
}

const last = (shape: number[], i = 1): number => shape[shape.length - i];

function broadcastShapes(a: readonly number[], b: readonly number[]): number[] {
  const n = Math.max(a.length, b.length);
  return Array.from({ length: n }, (_, i) => {
    const x = a[a.length - n + i] ?? 1;
    const y = b[b.length - n + i] ?? 1;
    if (x !== y && x !== 1 && y !== 1) throw new Error(`shapes (${a}) and (${b}) do not broadcast`);
    return x === 1 ? y : x;
  });
}

/** jnp.where(cond, x, fill) with broadcasting; `cond` is read as nonzero = true. */
function whereMask(cond: tf.Tensor, x: tf.Tensor, fill: number): tf.Tensor {
  const shape = broadcastShapes(cond.shape, x.shape);
  const c = tf.broadcastTo(cond.dtype === "bool" ? cond : tf.notEqual(cond, 0), shape);
  const xb = x.shape.join(",") === shape.join(",") ? x : tf.broadcastTo(x, shape);
  return tf.where(c, xb, tf.fill(shape, f(fill)));
}

/** Query heads grouped over the key heads (grouped-query attention), or null when they are equal. */
function gqaGroups(qHeads: number, kHeads: number, what: string): number | null {
  if (qHeads === kHeads) return null;
  if (qHeads % kHeads !== 0)
    throw new Error(
      `Query heads (${qHeads}) must be multiple of ${what} heads (${kHeads})${what === "Key" ? " for Grouped Query Attention" : ""}.`,
    );
  return qHeads / kHeads;
}

/** logits [batch..., heads, q, kv] = query · key over depth, query heads grouped over key heads. */
function attentionLogits(query: tf.Tensor, key: tf.Tensor): tf.Tensor {
  const qHeads = last(query.shape, 2);
  const kHeads = last(key.shape, 2);
  const nRep = gqaGroups(qHeads, kHeads, "Key");
  if (nRep === null) return einsum("...qhd,...khd->...hqk", query, key);
  // [..., Q, Hk*nRep, D] -> [..., Q, Hk, nRep, D]; key [..., K, Hk, 1, D]; contract to [..., Hk, nRep, Q, K].
  const q = tf.reshape(query, [...query.shape.slice(0, -2), kHeads, nRep, last(query.shape)]);
  const k = tf.expandDims(key, key.rank - 1);
  const w = einsum("...qhgd,...kh1d->...hgqk", q, k);
  return tf.reshape(w, [...w.shape.slice(0, -4), qHeads, last(w.shape, 2), last(w.shape)]);
}

/** out [batch..., q, heads, depth] = weights · value over kv, weights' heads grouped over value heads. */
function weightedValues(weights: tf.Tensor, value: tf.Tensor): tf.Tensor {
  const qHeads = last(weights.shape, 3);
  const vHeads = last(value.shape, 2);
  const nRep = gqaGroups(qHeads, vHeads, "Value");
  if (nRep === null) return einsum("...hqk,...khd->...qhd", weights, value);
  const w = tf.reshape(weights, [...weights.shape.slice(0, -3), vHeads, nRep, ...weights.shape.slice(-2)]);
  const out = einsum("...hgqk,...kh1d->...qhgd", w, tf.expandDims(value, value.rank - 1));
  return tf.reshape(out, [...out.shape.slice(0, -3), qHeads, last(out.shape)]);
}

function causalMask(t: number, s: number): tf.Tensor {
  return tf.linalg.bandPart(tf.ones([t, s], "float32"), -1, 0);
}

/**
 * nnx.dot_product_attention_weights: softmax(query/√depth · key + bias, masked)
 * [batch..., heads, q_length, kv_length], then dropout. Masked logits become
 * finfo(float32).min; dropout draws bernoulli(dropoutRng, 1 - rate) over
 * [1.., q, kv] (broadcast) or the full shape, as JAX does.
 */
export function dotProductAttentionWeights(query: tf.Tensor, key: tf.Tensor, options: AttentionOptions = {}): tf.Tensor {
  const {
    bias = null,
    mask = null,
    broadcastDropout = true,
    dropoutRng = null,
    dropoutRate = 0,
    deterministic = false,
    module = null,
    isCausal = false,
  } = options;
  validateQkvShapes(query, key);
  if (last(query.shape) !== last(key.shape)) {
    throw new Error(`q, k depths must match, but got ${last(query.shape)} and ${last(key.shape)}.`);
  }
  return tf.tidy(() => {
    // jnp.sqrt(depth) in float32, then a true division (as eager JAX).
    const q = tf.div(query, f(Math.sqrt(last(query.shape))));
    let w = attentionLogits(q, key);
    if (bias !== null) w = tf.add(w, bias);
    if (mask !== null || isCausal) {
      const masks: tf.Tensor[] = mask !== null ? [mask] : [];
      if (isCausal) {
        const target = mask !== null ? mask.shape : w.shape;
        masks.push(tf.broadcastTo(causalMask(last(w.shape, 2), last(w.shape)), target));
      }
      w = whereMask(combineMasks(...masks)!, w, -F32_MAX);
    }
    w = softmax(w);
    if (module !== null) module.sow(Intermediate, "attention_weights", w);
    if (!deterministic && dropoutRate > 0) {
      if (dropoutRng === null) throw new Error("dot_product_attention_weights: dropout needs a `dropoutRng` key");
      const keepProb = 1.0 - dropoutRate;
      // The dropout mask's rank is the key's (before any grouped-query expansion).
      const shape = broadcastDropout ? [...Array<number>(key.rank - 2).fill(1), ...w.shape.slice(-2)] : w.shape;
      const keep = random.bernoulli(dropoutRng, keepProb, shape);
      w = tf.mul(w, tf.div(tf.cast(keep, "float32"), f(keepProb)));
    }
    return w;
  });
}

/**
 * nnx.dot_product_attention: [batch..., q_length, heads, v_depth]. Without
 * dropout and `module` it computes what NNX then calls, jax.nn.dot_product_attention
 * (logits scaled after the product, masked to -0.7·float32 max); otherwise the
 * weights of dotProductAttentionWeights times the values. Key/value heads may
 * divide the query heads (grouped-query attention).
 */
export function dotProductAttention(query: tf.Tensor, key: tf.Tensor, value: tf.Tensor, options: AttentionOptions = {}): tf.Tensor {
  validateQkvShapes(query, key, value);
  if (last(key.shape, 3) !== last(value.shape, 3)) {
    throw new Error(`k, v lengths must match, but got ${last(key.shape, 3)} and ${last(value.shape, 3)}.`);
  }
  const { dropoutRate = 0, module = null } = options;
  if (dropoutRate === 0 && module === null) {
    const { bias = null, mask = null, isCausal = false } = options;
    if (last(query.shape) !== last(key.shape)) {
      throw new Error(`q, k depths must match, but got ${last(query.shape)} and ${last(key.shape)}.`);
    }
    return tf.tidy(() => {
      // jax.nn.dot_product_attention: scale = 1/sqrt(H) in float64, applied to the float32 logits.
      let logits = tf.mul(attentionLogits(query, key), f(1 / Math.sqrt(last(query.shape))));
      if (bias !== null) logits = tf.add(logits, bias);
      if (mask !== null || isCausal) {
        let combined = mask !== null ? tf.notEqual(mask, 0) : tf.ones(logits.shape, "bool");
        if (isCausal) combined = tf.logicalAnd(combined, tf.cast(causalMask(last(logits.shape, 2), last(logits.shape)), "bool"));
        logits = whereMask(combined, logits, f(f(-0.7) * F32_MAX));
      }
      return weightedValues(softmax(logits), value);
    });
  }
  return tf.tidy(() => weightedValues(dotProductAttentionWeights(query, key, options), value));
}

export interface MakeAttentionMaskOptions {
  /** Elementwise comparison of query [..., q, 1] and key [..., 1, kv] entries (default: multiply). */
  pairwiseFn?: (query: tf.Tensor, key: tf.Tensor) => tf.Tensor;
  /** Leading singleton axes to add. */
  extraBatchDims?: number;
  /** The mask's dtype (default float32; `"bool"` as `jnp.bool_`). */
  dtype?: "float32" | "int32" | "bool";
}

/** jnp.multiply with JAX's promotion for the mask inputs: int·int stays int, bools count as 0/1. */
function multiplyMasks(a: tf.Tensor, b: tf.Tensor): tf.Tensor {
  const kind = (t: tf.Tensor) => (t.dtype === "bool" ? "int32" : t.dtype);
  const dtype = kind(a) === "int32" && kind(b) === "int32" ? "int32" : "float32";
  return tf.mul(tf.cast(a, dtype), tf.cast(b, dtype));
}

/**
 * nnx.make_attention_mask: [batch..., 1, len_q, len_kv] mask (float32 unless
 * `dtype` says) from per-position query [batch..., len_q] and key [batch..., len_kv] inputs.
 */
export function makeAttentionMask(queryInput: tf.Tensor, keyInput: tf.Tensor, options: MakeAttentionMaskOptions = {}): tf.Tensor {
  const { pairwiseFn = multiplyMasks, extraBatchDims = 0, dtype = "float32" } = options;
  return tf.tidy(() => {
    let mask = pairwiseFn(tf.expandDims(queryInput, queryInput.rank), tf.expandDims(keyInput, keyInput.rank - 1));
    mask = tf.expandDims(mask, mask.rank - 2);
    for (let i = 0; i < extraBatchDims; i++) mask = tf.expandDims(mask, 0);
    // astype(bool) is "nonzero", as NumPy casts.
    return dtype === "bool" ? tf.notEqual(mask, tf.zerosLike(mask)) : tf.cast(mask, dtype);
  });
}

/** nnx.make_causal_mask: [batch..., 1, len, len] lower-triangular mask (float32 unless `dtype` says) for x [batch..., len]. */
export function makeCausalMask(x: tf.Tensor, options: Omit<MakeAttentionMaskOptions, "pairwiseFn"> = {}): tf.Tensor {
  return tf.tidy(() => {
    const idxs = tf.broadcastTo(tf.range(0, last(x.shape), 1, "int32"), x.shape);
    return makeAttentionMask(idxs, idxs, { ...options, pairwiseFn: tf.greaterEqual });
  });
}

/**
 * nnx.combine_masks: the logical and of the given masks (nulls skipped) as
 * float32, or null if none. A single mask is only cast, not made 0/1.
 */
export function combineMasks(...masks: (tf.Tensor | null | undefined)[]): tf.Tensor | null {
  const list = masks.filter((m): m is tf.Tensor => m !== null && m !== undefined);
  if (list.length === 0) return null;
  if (!list.every((m) => m.rank === list[0].rank)) {
    throw new Error(`masks must have same rank, but got (${list.map((m) => m.rank).join(", ")}).`);
  }
  return tf.tidy(() => {
    if (list.length === 1) return tf.cast(list[0], "float32");
    const asBool = (m: tf.Tensor) => (m.dtype === "bool" ? m : tf.notEqual(m, 0));
    let mask = asBool(list[0]);
    for (const other of list.slice(1)) mask = tf.logicalAnd(mask, asBool(other));
    return tf.cast(mask, "float32");
  });
}

export interface MultiHeadAttentionOptions {
  /** Size of the query/key/value projections (default inFeatures); split over the heads. */
  qkvFeatures?: number | null;
  /** Output size (default inFeatures). */
  outFeatures?: number | null;
  /** Key/value heads (default numHeads); fewer gives grouped-query attention. */
  numKvHeads?: number | null;
  /** Input size of inputs_k / inputs_v (default inFeatures). */
  inKvFeatures?: number | null;
  broadcastDropout?: boolean;
  dropoutRate?: number;
  deterministic?: boolean | null;
  kernelInit?: Initializer;
  outKernelInit?: Initializer | null;
  biasInit?: Initializer;
  outBiasInit?: Initializer | null;
  useBias?: boolean;
  attentionFn?: AttentionFn;
  decode?: boolean | null;
  /** LayerNorm (no bias) on each head's query and key (ViT-22B). */
  normalizeQk?: boolean;
  rngs: Rngs;
  /** Keep a fork of the dropout stream in `this.rngs` (when dropoutRate > 0). Default true. */
  keepRngs?: boolean;
  kernelMetadata?: Record<string, unknown>;
  outKernelMetadata?: Record<string, unknown>;
  biasMetadata?: Record<string, unknown>;
  outBiasMetadata?: Record<string, unknown>;
  queryLnScaleMetadata?: Record<string, unknown>;
  keyLnScaleMetadata?: Record<string, unknown>;
}

export interface MultiHeadAttentionCallOptions {
  mask?: tf.Tensor | null;
  deterministic?: boolean | null;
  /** Dropout keys for this call (a Rngs' dropout stream, a stream or any key source); default `this.rngs`. */
  rngs?: Rngs | RngStream | KeySource | null;
  /** Sow the attention weights into `attention_weights`. */
  sowWeights?: boolean;
  decode?: boolean | null;
  isCausal?: boolean;
}

/** Python's `mapping or default`: an empty mapping falls back. */
function orMetadata(a: Record<string, unknown> | undefined, b: Record<string, unknown> | undefined): Record<string, unknown> {
  return a !== undefined && Object.keys(a).length > 0 ? a : (b ?? {});
}

export class MultiHeadAttention extends Module {
  readonly numHeads: number;
  readonly inFeatures: number;
  readonly qkvFeatures: number;
  readonly outFeatures: number;
  readonly inKvFeatures: number;
  readonly numKvHeads: number;
  readonly headDim: number;
  broadcastDropout: boolean;
  dropoutRate: number;
  deterministic: boolean | null;
  readonly useBias: boolean;
  attentionFn: AttentionFn;
  decode: boolean | null;
  readonly normalizeQk: boolean;
  readonly query: LinearGeneral;
  readonly key: LinearGeneral;
  readonly value: LinearGeneral;
  readonly query_ln: LayerNorm | null;
  readonly key_ln: LayerNorm | null;
  readonly out: LinearGeneral;
  /**
   * Where dropout keys come from (NNX: a fork of the dropout stream). Like
   * nnx.Dropout's, it may be replaced by any key source, e.g. to draw a
   * source framework's keys.
   */
  rngs: RngStream | KeySource | null;
  cached_key: Cache | null = null;
  cached_value: Cache | null = null;
  cache_index: Cache | null = null;

  constructor(numHeads: number, inFeatures: number, options: MultiHeadAttentionOptions) {
    super();
    const {
      qkvFeatures,
      outFeatures,
      numKvHeads,
      inKvFeatures,
      broadcastDropout = true,
      dropoutRate = 0,
      deterministic = null,
      kernelInit = lecunNormal(),
      outKernelInit = null,
      biasInit = zeros,
      outBiasInit = null,
      useBias = true,
      attentionFn = dotProductAttention,
      decode = null,
      normalizeQk = false,
      rngs,
      keepRngs = true,
    } = options;
    this.numHeads = numHeads;
    this.inFeatures = inFeatures;
    this.qkvFeatures = qkvFeatures ?? inFeatures;
    this.outFeatures = outFeatures ?? inFeatures;
    this.inKvFeatures = inKvFeatures ?? inFeatures;
    this.numKvHeads = numKvHeads ?? numHeads;
    if (this.numHeads % this.numKvHeads !== 0) {
      throw new Error(`num_heads (${this.numHeads}) must be divisible by num_kv_heads (${this.numKvHeads}).`);
    }
    this.broadcastDropout = broadcastDropout;
    this.dropoutRate = dropoutRate;
    this.deterministic = deterministic;
    this.useBias = useBias;
    this.attentionFn = attentionFn;
    this.decode = decode;
    this.normalizeQk = normalizeQk;
    if (this.qkvFeatures % this.numHeads !== 0) {
      throw new Error(`Memory dimension (${this.qkvFeatures}) must be divisible by 'num_heads' heads (${this.numHeads}).`);
    }
    this.headDim = this.qkvFeatures / this.numHeads;

    // NNX's draw order: query, key, value (kernel then bias each), the two LayerNorm scales, out.
    const projection = (inF: number, heads: number) =>
      new LinearGeneral(inF, [heads, this.headDim], {
        kernelInit,
        biasInit,
        useBias,
        rngs,
        kernelMetadata: options.kernelMetadata,
        biasMetadata: options.biasMetadata,
      });
    this.query = projection(this.inFeatures, this.numHeads);
    this.key = projection(this.inKvFeatures, this.numKvHeads);
    this.value = projection(this.inKvFeatures, this.numKvHeads);
    if (normalizeQk) {
      const ln = (metadata: Record<string, unknown> | undefined) => {
        const layer = new LayerNorm(this.headDim, { useBias: false, rngs });
        for (const [k, v] of Object.entries(metadata ?? {})) layer.scale!.setMetadata(k, v);
        recordInit(layer.scale!, ones);
        return layer;
      };
      this.query_ln = ln(options.queryLnScaleMetadata);
      this.key_ln = ln(options.keyLnScaleMetadata);
    } else {
      this.query_ln = null;
      this.key_ln = null;
    }
    this.out = new LinearGeneral([this.numHeads, this.headDim], this.outFeatures, {
      axis: [-2, -1],
      kernelInit: outKernelInit ?? kernelInit,
      biasInit: outBiasInit ?? biasInit,
      useBias,
      rngs,
      kernelMetadata: orMetadata(options.outKernelMetadata, options.kernelMetadata),
      biasMetadata: orMetadata(options.outBiasMetadata, options.biasMetadata),
    });
    this.rngs = keepRngs && dropoutRate > 0 ? rngs.dropout.fork() : null;
  }

  /**
   * Projects inputsQ (and inputsK / inputsV, which default to inputsQ and
   * inputsK) to heads, attends, and projects back: [batch..., length, outFeatures].
   */
  call(inputsQ: tf.Tensor, options?: MultiHeadAttentionCallOptions): tf.Tensor;
  call(
    inputsQ: tf.Tensor,
    inputsK: tf.Tensor | null | undefined,
    inputsV?: tf.Tensor | null,
    options?: MultiHeadAttentionCallOptions,
  ): tf.Tensor;
  call(
    inputsQ: tf.Tensor,
    second?: tf.Tensor | null | MultiHeadAttentionCallOptions,
    inputsV: tf.Tensor | null = null,
    options: MultiHeadAttentionCallOptions = {},
  ): tf.Tensor {
    let inputsK: tf.Tensor | null = null;
    if (second instanceof tf.Tensor) inputsK = second;
    else if (second !== null && second !== undefined) options = second;
    const rngs: KeySource | null = options.rngs instanceof Rngs ? options.rngs.dropout : (options.rngs ?? this.rngs);

    if (inputsK === null) {
      if (inputsV !== null) {
        throw new Error(
          "`inputs_k` cannot be None if `inputs_v` is not None. To have both `inputs_k` and `inputs_v` be the same value, pass in the value to `inputs_k` and leave `inputs_v` as None.",
        );
      }
      inputsK = inputsQ;
    }
    const inputsVal = inputsV ?? inputsK;
    if (last(inputsQ.shape) !== this.inFeatures) {
      throw new Error(`Incompatible input dimension, got ${last(inputsQ.shape)} but module expects ${this.inFeatures}.`);
    }
    const decode = firstFrom(
      [options.decode, this.decode],
      "No `decode` argument was provided to MultiHeadAttention as either a __call__ argument, class attribute, or nnx.flag.",
    );
    return tf.tidy(() => {
      let query = this.query.call(inputsQ);
      let key = this.key.call(inputsK!);
      let value = this.value.call(inputsVal);
      if (this.query_ln !== null && this.key_ln !== null) {
        query = this.query_ln.call(query);
        key = this.key_ln.call(key);
      }
      let mask = options.mask ?? null;
      if (decode) [key, value, mask] = this.updateCache(key, value, mask);

      let deterministic = true;
      let dropoutRng: Key | null = null;
      if (this.dropoutRate > 0) {
        deterministic = firstFrom(
          [options.deterministic, this.deterministic],
          "No `deterministic` argument was provided to MultiHeadAttention as either a __call__ argument, class attribute, or nnx.flag.",
        );
        if (!deterministic) {
          if (rngs === null) {
            throw new Error("'rngs' must be provided to __call__ method if MultiHeadAttention instance is defined with keep_rngs=False.");
          }
          dropoutRng = rngs.next();
        }
      }
      const x = this.attentionFn(query, key, value, {
        mask,
        dropoutRng,
        dropoutRate: this.dropoutRate,
        broadcastDropout: this.broadcastDropout,
        deterministic,
        module: options.sowWeights ? this : null,
        isCausal: options.isCausal ?? false,
      });
      return this.out.call(x);
    });
  }

  /**
   * Decode step: writes this position's key/value into the cache at
   * cache_index (lax.dynamic_update_slice, start clamped into range), counts
   * it, and masks out cache positions after it. Tensor ops only, no reads.
   */
  private updateCache(key: tf.Tensor, value: tf.Tensor, mask: tf.Tensor | null): [tf.Tensor, tf.Tensor, tf.Tensor] {
    if (this.cached_key === null || this.cached_value === null || this.cache_index === null) {
      throw new Error("Autoregressive cache not initialized, call ``init_cache`` first.");
    }
    const cacheShape = this.cached_key.shape;
    const batchDims = cacheShape.slice(0, -3);
    const [maxLength, numKvHeads, depth] = cacheShape.slice(-3);
    const expected = [...batchDims, 1, numKvHeads, depth];
    if (expected.join(",") !== key.shape.join(",")) {
      throw new Error(`Autoregressive cache shape error, expected key shape (${expected}) instead got (${key.shape}).`);
    }
    const cur = this.cache_index.value;
    const positions = tf.range(0, maxLength, 1, "int32");
    // int32 scalars: a bare number would make tfjs promote the index to float32.
    const start = tf.minimum(tf.maximum(cur, tf.scalar(0, "int32")), tf.scalar(maxLength - 1, "int32"));
    const unit = batchDims.map(() => 1);
    const at = tf.broadcastTo(tf.reshape(tf.equal(positions, start), [...unit, maxLength, 1, 1]), cacheShape);
    const newKey = tf.where(at, tf.broadcastTo(key, cacheShape), this.cached_key.value);
    const newValue = tf.where(at, tf.broadcastTo(value, cacheShape), this.cached_value.value);
    const visible = tf.broadcastTo(tf.reshape(tf.lessEqual(positions, cur), [...unit, 1, 1, maxLength]), [...batchDims, 1, 1, maxLength]);
    // Assigning frees the previous values (cur included), so this comes last.
    this.cached_key.value = newKey;
    this.cached_value.value = newValue;
    this.cache_index.value = tf.add(cur, tf.scalar(1, "int32"));
    return [newKey, newValue, combineMasks(mask, visible)!];
  }

  /**
   * nnx.MultiHeadAttention.init_cache: zero key/value caches for inputs of
   * `inputShape` ([batch..., max_length, features]) and cache_index 0 (int32).
   */
  initCache(inputShape: readonly number[]): void {
    const cacheShape = [...inputShape.slice(0, -1), this.numKvHeads, this.headDim];
    for (const v of [this.cached_key, this.cached_value, this.cache_index]) v?.dispose();
    this.cached_key = new Cache(tf.zeros(cacheShape, "float32"));
    this.cached_value = new Cache(tf.zeros(cacheShape, "float32"));
    this.cache_index = new Cache(tf.scalar(0, "int32"));
  }
}
