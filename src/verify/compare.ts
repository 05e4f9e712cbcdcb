// Tensor comparison for verification, allclose-style: |a − b| ≤ atol + rtol·|b|.

export interface Tolerance {
  atol: number;
  rtol: number;
}

/** float32 work on the same weights: summation order differs between XLA and TF kernels. */
export const FLOAT32_TOLERANCE: Tolerance = { atol: 1e-5, rtol: 1e-4 };

export interface Comparison {
  maxAbsError: number;
  maxRelError: number;
  /** Elements outside tolerance. */
  mismatched: number;
  ok: boolean;
}

export function compareArrays(actual: ArrayLike<number>, expected: ArrayLike<number>, tol: Tolerance = FLOAT32_TOLERANCE): Comparison {
  if (actual.length !== expected.length) {
    return { maxAbsError: Infinity, maxRelError: Infinity, mismatched: Math.max(actual.length, expected.length), ok: false };
  }
  let maxAbsError = 0;
  let maxRelError = 0;
  let mismatched = 0;
  for (let i = 0; i < actual.length; i++) {
    const [a, b] = [actual[i], expected[i]];
    const err = Math.abs(a - b);
    // NaN anywhere is a mismatch, even NaN against NaN: a translation should not produce them.
    if (!(err <= tol.atol + tol.rtol * Math.abs(b))) mismatched++;
    if (!(err <= maxAbsError)) maxAbsError = err;
    const rel = err / Math.max(Math.abs(b), Number.MIN_VALUE);
    if (b !== 0 && !(rel <= maxRelError)) maxRelError = rel;
  }
  return { maxAbsError, maxRelError, mismatched, ok: mismatched === 0 };
}
