import { expect, test } from "vitest";
import { compareArrays } from "../../src/verify/compare.js";

test("equal arrays pass with zero error", () => {
  expect(compareArrays([1, 2, 3], [1, 2, 3])).toEqual({ maxAbsError: 0, maxRelError: 0, mismatched: 0, outliers: 0, ok: true });
});

test("errors within atol + rtol·|expected| pass; beyond fail", () => {
  const tol = { atol: 1e-5, rtol: 1e-4 };
  expect(compareArrays([1000.05], [1000], tol).ok).toBe(true); // 0.05 ≤ 1e-5 + 0.1
  expect(compareArrays([1000.2], [1000], tol).ok).toBe(false);
  expect(compareArrays([2e-5], [0], tol).ok).toBe(false);
});

test("NaN and length mismatches never pass", () => {
  expect(compareArrays([NaN], [NaN]).ok).toBe(false);
  expect(compareArrays([1], [1, 2]).ok).toBe(false);
});

test("reports the worst absolute and relative error", () => {
  const c = compareArrays([1.1, 2, 10.5], [1, 2, 10]);
  expect(c.maxAbsError).toBeCloseTo(0.5, 12);
  expect(c.maxRelError).toBeCloseTo(0.1, 12);
  expect(c.mismatched).toBe(2);
});

test("an outlier allowance accepts at most `count` elements, each within `bound`", () => {
  const tol = { atol: 1e-5, rtol: 0, outliers: { count: 1, bound: 1e-3 } };
  expect(compareArrays([0, 5e-4], [0, 0], tol)).toMatchObject({ ok: true, mismatched: 1, outliers: 1 });
  expect(compareArrays([5e-4, 5e-4], [0, 0], tol)).toMatchObject({ ok: false, outliers: 0 });
  expect(compareArrays([0, 2e-3], [0, 0], tol)).toMatchObject({ ok: false, outliers: 0 });
  expect(compareArrays([0, 5e-4], [0, 0], { atol: 1e-5, rtol: 0 })).toMatchObject({ ok: false, outliers: 0 });
});
