// The build's self-check: the compiled graph, fed the traced call's own inputs
// (pre-call values, the keys it drew), must give what the eager call gave.

import { tf } from "../tf.js";

export interface CheckResult {
  ok: boolean;
  exact: boolean;
  maxAbsDiff: number;
  detail: string;
}

/**
 * Integer and boolean outputs must be equal. Float outputs: the plain graph runs
 * the eager kernels and is bit-equal in practice (the tests require it for the
 * runtime's layers), but XLA and TensorFlow's graph optimizer may fuse or reorder
 * float math, so this check asks for the runtime's tolerance: every element must be
 * within |a - b| <= 1e-5 + 1e-4 |b| (the runtime's tolerance for float32 kernels
 * that sum in a different order), except that Adam-like updates that divide by a
 * gradient's size may differ by more in at most max(1, 0.01%) elements, each
 * within 1e-2 (a wrong graph misses by far more, everywhere).
 */
export function compareOutputs(got: tf.Tensor[], want: tf.Tensor[]): CheckResult {
  let exact = true;
  let maxAbsDiff = 0;
  if (got.length !== want.length) return { ok: false, exact: false, maxAbsDiff: Infinity, detail: `${got.length} outputs, expected ${want.length}` };
  for (let k = 0; k < got.length; k++) {
    const a = got[k];
    const b = want[k];
    if (a.dtype !== b.dtype || a.shape.join() !== b.shape.join()) {
      return { ok: false, exact: false, maxAbsDiff: Infinity, detail: `output ${k} is ${a.dtype}[${a.shape}], expected ${b.dtype}[${b.shape}]` };
    }
    const x = a.dataSync();
    const y = b.dataSync();
    let outliers = 0;
    for (let i = 0; i < x.length; i++) {
      const p = x[i] as number;
      const q = y[i] as number;
      if (p === q || (Number.isNaN(p) && Number.isNaN(q))) continue;
      exact = false;
      const d = Math.abs(p - q);
      maxAbsDiff = Math.max(maxAbsDiff, Number.isNaN(d) ? Infinity : d);
      if (a.dtype !== "float32") return { ok: false, exact, maxAbsDiff, detail: `output ${k} (${a.dtype}) differs at element ${i}: ${p} vs ${q}` };
      if (d <= 1e-5 + 1e-4 * Math.abs(q)) continue;
      outliers++;
      if (!(d <= 1e-2) || outliers > Math.max(1, x.length * 1e-4)) {
        return { ok: false, exact, maxAbsDiff, detail: `output ${k} differs at element ${i}: ${p} vs ${q}` };
      }
    }
  }
  return { ok: true, exact, maxAbsDiff, detail: "" };
}
