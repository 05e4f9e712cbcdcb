// Tensor comparison for verification, allclose-style: |a − b| ≤ atol + rtol·|b|.

export interface Tolerance {
  atol: number;
  rtol: number;
  /**
   * Up to `count` elements may miss atol/rtol if they are within `bound`:
   * for results where a few elements are ill-conditioned by construction
   * (Adam's update of a gradient near its eps), never for plain outputs.
   */
  outliers?: { count: number; bound: number };
}

/** float32 work on the same weights: summation order differs between XLA and TF kernels. */
export const FLOAT32_TOLERANCE: Tolerance = { atol: 1e-5, rtol: 1e-4 };

export interface Comparison {
  maxAbsError: number;
  maxRelError: number;
  /** Elements outside tolerance. */
  mismatched: number;
  /** Of those, the ones the tolerance's outlier allowance accepts. */
  outliers: number;
  ok: boolean;
}

export function compareArrays(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: Tolerance = FLOAT32_TOLERANCE): Comparison {
  if (actual.length !== expected.length) {
    return { maxAbsError: Infinity, maxRelError: Infinity, mismatched: Math.max(actual.length, expected.length), outliers: 0, ok: false };
  }
  let maxAbsError = 0;
  let maxRelError = 0;
  let mismatched = 0;
  let bounded = 0;
  for (let i = 0; i < actual.length; i++) {
    const [a, b] = [actual[i], expected[i]];
    const err = Math.abs(a - b);
    // NaN anywhere is a mismatch, even NaN against NaN: a translation should not produce them.
    if (!(err <= tol.atol + tol.rtol * Math.abs(b))) {
      mismatched++;
      if (tol.outliers && err <= tol.outliers.bound) bounded++;
    }
    if (!(err <= maxAbsError)) maxAbsError = err;
    const rel = err / Math.max(Math.abs(b), Number.MIN_VALUE);
    if (b !== 0 && !(rel <= maxRelError)) maxRelError = rel;
  }
  const outliers = tol.outliers && bounded === mismatched && mismatched <= tol.outliers.count ? mismatched : 0;
  return { maxAbsError, maxRelError, mismatched, outliers, ok: mismatched === outliers };
}
