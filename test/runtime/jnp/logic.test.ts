// Logical and bitwise ops, closeness tests and array equality against live JAX
// (the comparison operators themselves are in promotion.test.ts).
import { describe } from "vitest";
import { jnp, tf } from "../../../runtime/index.js";
import { type Case, compareWithJax } from "./harness.js";

const x = { exact: true } as const;

const cases: Case[] = [
  ["jnp.logical_and(f, i)", (v) => jnp.logicalAnd(v.f, v.i), x],
  ["jnp.logical_or(b, 0)", (v) => jnp.logicalOr(v.b, 0), x],
  ["jnp.logical_xor(f, b)", (v) => jnp.logicalXor(v.f, v.b), x],
  ["jnp.logical_not(f)", (v) => jnp.logicalNot(v.f), x],
  ["jnp.logical_and(2.5, 0)", () => jnp.logicalAnd(2.5, 0), x],
  ["jnp.bitwise_and(i, j)", (v) => jnp.bitwiseAnd(v.i, v.j), x],
  ["jnp.bitwise_or(i, j)", (v) => jnp.bitwiseOr(v.i, v.j), x],
  ["jnp.bitwise_xor(i, j)", (v) => jnp.bitwiseXor(v.i, v.j), x],
  ["jnp.bitwise_and(i, 6)", (v) => jnp.bitwiseAnd(v.i, 6), x],
  ["jnp.bitwise_or(b, True)", (v) => jnp.bitwiseOr(v.b, true), x],
  ["jnp.bitwise_xor(b, i)", (v) => jnp.bitwiseXor(v.b, v.i), x],
  ["jnp.bitwise_not(i)", (v) => jnp.bitwiseNot(v.i), x],
  ["jnp.invert(b)", (v) => jnp.invert(v.b), x],
  ["jnp.bitwise_and(f, i)", (v) => jnp.bitwiseAnd(v.f, v.i), x],
  ["jnp.left_shift(i, k)", (v) => jnp.leftShift(v.i, v.k), x],
  ["jnp.right_shift(i, k)", (v) => jnp.rightShift(v.i, v.k), x],
  ["jnp.left_shift(i, 3)", (v) => jnp.leftShift(v.i, 3), x],
  ["jnp.isclose(f, g)", (v) => jnp.isclose(v.f, v.g), x],
  ["jnp.isclose(f, g, rtol=0.1, atol=0.01)", (v) => jnp.isclose(v.f, v.g, { rtol: 0.1, atol: 0.01 }), x],
  ["jnp.isclose(f, g, equal_nan=True)", (v) => jnp.isclose(v.f, v.g, { equalNan: true }), x],
  ["jnp.isclose(i, j)", (v) => jnp.isclose(v.i, v.j), x],
  ["jnp.isclose(b, b)", (v) => jnp.isclose(v.b, v.b), x],
  ["jnp.allclose(f, f)", (v) => jnp.allclose(v.f, v.f), x],
  ["jnp.allclose(f, f, equal_nan=True)", (v) => jnp.allclose(v.f, v.f, { equalNan: true }), x],
  ["jnp.allclose(g, g + 1e-6)", (v) => tf.tidy(() => jnp.allclose(v.g, jnp.add(v.g, 1e-6))), x],
  ["jnp.array_equal(i, i)", (v) => jnp.arrayEqual(v.i, v.i), x],
  ["jnp.array_equal(i, j)", (v) => jnp.arrayEqual(v.i, v.j), x],
  ["jnp.array_equal(f, f)", (v) => jnp.arrayEqual(v.f, v.f), x],
  ["jnp.array_equal(f, f, equal_nan=True)", (v) => jnp.arrayEqual(v.f, v.f, true), x],
  ["jnp.array_equal(i, i[:3])", (v) => tf.tidy(() => jnp.arrayEqual(v.i, jnp.index(v.i, jnp.slice(null, 3)))), x],
  ["jnp.array_equal(i, i.astype(jnp.float32))", (v) => tf.tidy(() => jnp.arrayEqual(v.i, jnp.astype(v.i, "float32"))), x],
  ["jnp.array_equiv(jnp.array([1, 1]), 1)", () => tf.tidy(() => jnp.arrayEquiv(jnp.array([1, 1]), 1)), x],
  ["jnp.array_equiv(i, i[:3])", (v) => tf.tidy(() => jnp.arrayEquiv(v.i, jnp.index(v.i, jnp.slice(null, 3)))), x],
];

describe("jnp logic matches JAX", () => {
  compareWithJax(
    `
nan = float("nan")
f = jnp.array([0.0, -0.0, 1.5, nan, -2.0, 3.0], jnp.float32)
g = jnp.array([1e-9, 0.0, 1.50001, nan, -2.1, float("inf")], jnp.float32)
i = jnp.array([0, 5, -7, 12, -2147483648, 2147483647], jnp.int32)
j = jnp.array([3, -1, 6, 12, 1, -2147483648], jnp.int32)
k = jnp.array([1, 31, 2, 33, -1, 0], jnp.int32)
b = jnp.array([True, False, True, True, False, False])
`,
    cases,
  );
});
