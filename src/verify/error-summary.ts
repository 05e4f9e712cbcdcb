// Where in a tensor a check's errors are, kept small enough to go in the
// report: the worst error measured against the tolerance, and for a failed
// check a histogram of the errors, a coarse heatmap and the worst elements.
import type { Tolerance } from "./compare.js";

export interface ErrorSummary {
  /** max over elements of |ts − ref| / (atol + rtol·|ref|): ≤ 1 is within tolerance (Infinity: NaN, or any error under a zero tolerance). */
  worst: number;
  /** Elements beyond the tolerance. */
  mismatched: number;
  size: number;
  /** Failed checks only. */
  detail?: ErrorDetail;
}

export interface ErrorDetail {
  /** Elements whose error is exactly 0, and those that are NaN on either side. */
  exact: number;
  nan: number;
  /** Counts of the other elements' |error| in bins of log10 from `low` in steps of `step`. */
  histogram: { low: number; step: number; counts: number[] };
  /** The tensor seen as rows × cols (all leading axes × the last), pooled to at most 48×48 cells of the worst ratio in each. */
  heatmap: { rows: number; cols: number; cellRows: number; cellCols: number; cells: number[] };
  /** The worst elements by ratio: index in the tensor, both values. */
  worstElements: Array<{ index: number[]; actual: number; expected: number; ratio: number }>;
}

const MAX_CELLS = 48;
const BINS = 24;

function ratioOf(a: number, b: number, tol: Tolerance): number {
  const err = Math.abs(a - b);
  if (Number.isNaN(err)) return Infinity;
  const bound = tol.atol + tol.rtol * Math.abs(b);
  return bound > 0 ? err / bound : err === 0 ? 0 : Infinity;
}

const round = (x: number) => (Number.isFinite(x) ? Number(x.toPrecision(3)) : x);

function unravel(i: number, shape: number[]): number[] {
  const index = new Array<number>(shape.length).fill(0);
  for (let k = shape.length - 1; k >= 0; k--) {
    index[k] = i % shape[k];
    i = Math.floor(i / shape[k]);
  }
  return index;
}

export function summarizeErrors(actual: ArrayLike<number>, expected: ArrayLike<number>, shape: number[], tol: Tolerance, failed: boolean): ErrorSummary {
  const n = actual.length;
  let worst = 0;
  let mismatched = 0;
  for (let i = 0; i < n; i++) {
    const r = ratioOf(actual[i], expected[i], tol);
    if (!(r <= 1)) mismatched++;
    if (!(r <= worst)) worst = r;
  }
  const summary: ErrorSummary = { worst, mismatched, size: n };
  if (failed && n > 0) summary.detail = detail(actual, expected, shape, tol);
  return summary;
}

function detail(actual: ArrayLike<number>, expected: ArrayLike<number>, shape: number[], tol: Tolerance): ErrorDetail {
  const n = actual.length;
  const cols = shape.length ? shape[shape.length - 1] || 1 : 1;
  const rows = Math.max(1, Math.floor(n / cols));
  const cellRows = Math.min(rows, MAX_CELLS);
  const cellCols = Math.min(cols, MAX_CELLS);
  const cells = new Array<number>(cellRows * cellCols).fill(0);
  let exact = 0;
  let nan = 0;
  let lo = Infinity;
  let hi = -Infinity;
  const worstElements: ErrorDetail["worstElements"] = [];
  for (let i = 0; i < n; i++) {
    const a = actual[i];
    const b = expected[i];
    const err = Math.abs(a - b);
    const r = ratioOf(a, b, tol);
    if (Number.isNaN(err)) nan++;
    else if (err === 0) exact++;
    else {
      const l = Math.log10(err);
      lo = Math.min(lo, l);
      hi = Math.max(hi, l);
    }
    const cell = Math.floor(Math.floor(i / cols) * cellRows / rows) * cellCols + Math.floor((i % cols) * cellCols / cols);
    if (!(r <= cells[cell])) cells[cell] = r;
    if (r > 1 && (worstElements.length < 5 || r > worstElements[4].ratio)) {
      worstElements.push({ index: unravel(i, shape), actual: a, expected: b, ratio: r });
      worstElements.sort((x, y) => y.ratio - x.ratio);
      worstElements.length = Math.min(worstElements.length, 5);
    }
  }
  const low = Number.isFinite(lo) ? Math.floor(lo) : 0;
  const step = Number.isFinite(hi) ? Math.max(0.25, Math.ceil(((hi - low) / BINS) * 4 + 1e-9) / 4) : 1;
  const counts = new Array<number>(BINS).fill(0);
  for (let i = 0; i < n; i++) {
    const err = Math.abs(actual[i] - expected[i]);
    if (!(err > 0)) continue;
    counts[Math.min(BINS - 1, Math.floor((Math.log10(err) - low) / step))]++;
  }
  return {
    exact,
    nan,
    histogram: { low, step, counts },
    heatmap: { rows, cols, cellRows, cellCols, cells: cells.map(round) },
    worstElements: worstElements.map((w) => ({ ...w, ratio: round(w.ratio) })),
  };
}
