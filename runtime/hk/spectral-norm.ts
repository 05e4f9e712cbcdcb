// hk.SpectralNorm (haiku/_src/spectral_norm.py).

import { tf } from "../tf.js";
import { Module } from "../module.js";
import { BatchStat } from "../variables.js";
import type { Rngs } from "../rnglib.js";
import { stopGradient } from "../ops.js";
import { haikuRandomNormal, ones } from "../nn/initializers.js";
import { initVariable } from "./keys.js";

/** spectral_norm._l2_normalize with axis=None: x * rsqrt(sum(x * x) + eps). */
function l2Normalize(x: tf.Tensor, eps: number): tf.Tensor {
  return tf.mul(x, tf.rsqrt(tf.add(tf.sum(tf.mul(x, x), undefined, true), eps)));
}

export interface SpectralNormOptions {
  eps?: number;
  nSteps?: number;
  rngs: Rngs;
}

/**
 * hk.SpectralNorm for values whose last axis has `numColumns` entries:
 * value / sigma, sigma the first singular value of the value (flattened to
 * [-1, numColumns]) from `nSteps` power iterations. State (BatchStats): `u0`
 * [1, numColumns] (RandomNormal: one key) and `sigma` (scalar, 1 until the
 * first update).
 */
export class SpectralNorm extends Module {
  readonly u0: BatchStat;
  readonly sigma: BatchStat;
  readonly eps: number;
  readonly nSteps: number;

  constructor(numColumns: number, options: SpectralNormOptions) {
    super();
    const { eps = 1e-4, nSteps = 1, rngs } = options;
    this.eps = eps;
    this.nSteps = nSteps;
    this.u0 = initVariable(rngs, haikuRandomNormal(), [1, numColumns], BatchStat);
    this.sigma = initVariable(rngs, ones, [], BatchStat);
  }

  call(value: tf.Tensor, updateStats = true, errorOnNonMatrix = false): tf.Tensor {
    if (value.rank <= 1) throw new Error("Spectral normalization is not well defined for scalar or vector inputs.");
    if (value.rank > 2 && errorOnNonMatrix) throw new Error(`Input is ${value.rank}D but error_on_non_matrix is True`);
    if (this.nSteps < 1) throw new Error("SpectralNorm needs n_steps >= 1");
    const [out, u0, sigma] = tf.tidy(() => {
      const matrix = (value.rank > 2 ? tf.reshape(value, [-1, value.shape[value.rank - 1]]) : value) as tf.Tensor2D;
      let u = this.u0.value as tf.Tensor2D;
      let v: tf.Tensor2D = u;
      for (let i = 0; i < this.nSteps; i++) {
        v = l2Normalize(tf.matMul(u, matrix, false, true), this.eps) as tf.Tensor2D;
        u = l2Normalize(tf.matMul(v, matrix), this.eps) as tf.Tensor2D;
      }
      u = stopGradient(u);
      v = stopGradient(v);
      const s = tf.reshape(tf.matMul(tf.matMul(v, matrix), u, false, true), []);
      // value / sigma: XLA multiplies by the reciprocal of the broadcast scalar.
      return [tf.reshape(tf.mul(matrix, tf.div(1, s)), value.shape), u, s];
    });
    if (updateStats) {
      this.u0.value = u0;
      this.sigma.value = sigma;
    } else {
      tf.dispose([u0, sigma]);
    }
    return out;
  }
}
