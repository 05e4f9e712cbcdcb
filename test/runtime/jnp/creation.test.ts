// Array creation against live JAX: shapes, dtypes (from fill values, Python
// scalars and nested lists) and values, including arange's float steps and
// linspace's endpoints.
import { describe } from "vitest";
import { jnp, tf } from "../../../runtime/index.js";
import { type Case, compareWithJax } from "./harness.js";

const x = { exact: true } as const;

const cases: Case[] = [
  ["jnp.zeros((2, 3))", () => jnp.zeros([2, 3]), x],
  ["jnp.zeros(3, jnp.int32)", () => jnp.zeros(3, jnp.int32), x],
  ["jnp.ones((2,), bool)", () => jnp.ones([2], "bool"), x],
  ["jnp.ones((2, 2), 'int32')", () => jnp.ones([2, 2], "int32"), x],
  ["jnp.empty((0, 2))", () => jnp.empty([0, 2]), x],
  ["jnp.full((2, 2), 3)", () => jnp.full([2, 2], 3), x],
  ["jnp.full((2,), 2.5)", () => jnp.full([2], 2.5), x],
  ["jnp.full((2,), True)", () => jnp.full([2], true), x],
  ["jnp.full((2,), 7, jnp.float32)", () => jnp.full([2], 7, jnp.float32), x],
  ["jnp.full((2, 3), jnp.array([1, 2, 3]))", () => tf.tidy(() => jnp.full([2, 3], jnp.array([1, 2, 3]))), x],
  ["jnp.full((2,), 2.7, jnp.int32)", () => jnp.full([2], 2.7, jnp.int32), x],
  ["jnp.zeros_like(i)", (v) => jnp.zerosLike(v.i), x],
  ["jnp.ones_like(f, dtype=jnp.int32)", (v) => jnp.onesLike(v.f, jnp.int32), x],
  ["jnp.full_like(i, 2.7)", (v) => jnp.fullLike(v.i, 2.7), x],
  ["jnp.full_like(f, 3, shape=(2, 2))", (v) => jnp.fullLike(v.f, 3, undefined, [2, 2]), x],
  ["jnp.full_like(b, 0)", (v) => jnp.fullLike(v.b, 0), x],
  ["jnp.zeros_like(3)", () => jnp.zerosLike(3), x],
  ["jnp.ones_like(2.5)", () => jnp.onesLike(2.5), x],
  ["jnp.empty_like(f)", (v) => jnp.emptyLike(v.f), x],
  ["jnp.array([1, 2, 3])", () => jnp.array([1, 2, 3]), x],
  ["jnp.array([1, 2.5])", () => jnp.array([1, 2.5]), x],
  ["jnp.array([1.0, 2.0])", () => jnp.array([jnp.pyFloat(1), jnp.pyFloat(2)]), x],
  ["jnp.array([[True, False]])", () => jnp.array([[true, false]]), x],
  ["jnp.array([1, True])", () => jnp.array([1, true]), x],
  ["jnp.array([])", () => jnp.array([]), x],
  ["jnp.array(3)", () => jnp.array(3), x],
  ["jnp.array(2.5)", () => jnp.array(2.5), x],
  ["jnp.array(0.1)", () => jnp.array(0.1), x],
  ["jnp.array([[1, 2], [3, 4]], jnp.float32)", () => jnp.array([[1, 2], [3, 4]], jnp.float32), x],
  ["jnp.array([f, f])", (v) => jnp.array([v.f, v.f]), x],
  ["jnp.array([i, f])", (v) => jnp.array([v.i, v.f]), x],
  ["jnp.array([[1, 2], [3]])", () => jnp.array([[1, 2], [3]]), x],
  ["jnp.array(2**31)", () => jnp.array(2 ** 31), x],
  ["jnp.array([2.7, -2.7], jnp.int32)", () => jnp.array([2.7, -2.7], jnp.int32), x],
  ["jnp.array(f, jnp.int32)", (v) => jnp.array(v.f, jnp.int32), x],
  ["jnp.asarray(i, jnp.float32)", (v) => jnp.asarray(v.i, jnp.float32), x],
  ["jnp.asarray(b, 'float32')", (v) => jnp.asarray(v.b, "float32"), x],
  ["jnp.float32(3)", () => jnp.float32(3), x],
  ["jnp.int32(2.7)", () => jnp.int32(2.7), x],
  ["jnp.int32([1.5, -2.5])", () => jnp.int32([1.5, -2.5]), x],
  ["jnp.bool_(2)", () => jnp.bool_(2), x],
  ["jnp.float32(i)", (v) => jnp.float32(v.i), x],
  // arange: ints, float steps (start + step * iota in float32), negative steps, empty ranges.
  ["jnp.arange(5)", () => jnp.arange(5), x],
  ["jnp.arange(2, 7)", () => jnp.arange(2, 7), x],
  ["jnp.arange(1, 10, 3)", () => jnp.arange(1, 10, 3), x],
  ["jnp.arange(0, 1, 0.1)", () => jnp.arange(0, 1, 0.1), x],
  ["jnp.arange(5, 1, -1)", () => jnp.arange(5, 1, -1), x],
  ["jnp.arange(0.5, 3)", () => jnp.arange(0.5, 3), x],
  ["jnp.arange(5.0)", () => jnp.arange(jnp.pyFloat(5)), x],
  ["jnp.arange(3, dtype=jnp.float32)", () => jnp.arange(3, null, null, jnp.float32), x],
  ["jnp.arange(1, 2, 0.3)", () => jnp.arange(1, 2, 0.3), x],
  ["jnp.arange(-1, 1, 0.25)", () => jnp.arange(-1, 1, 0.25), x],
  ["jnp.arange(0.1, 2.3, 0.7)", () => jnp.arange(0.1, 2.3, 0.7), x],
  ["jnp.arange(0)", () => jnp.arange(0), x],
  ["jnp.arange(10, 0)", () => jnp.arange(10, 0), x],
  ["jnp.arange(2.5, dtype=jnp.int32)", () => jnp.arange(2.5, null, null, jnp.int32), x],
  ["jnp.arange(0, 5, 0)", () => jnp.arange(0, 5, 0), x],
  // linspace: JAX's start*(1-t) + stop*t (XLA may fuse it, hence the tolerance).
  ["jnp.linspace(0, 1, 5)", () => jnp.linspace(0, 1, 5)],
  ["jnp.linspace(0, 1, 5, endpoint=False)", () => jnp.linspace(0, 1, 5, { endpoint: false })],
  ["jnp.linspace(-3.3, 7.1, 11)", () => jnp.linspace(-3.3, 7.1, 11)],
  ["jnp.linspace(2, 3, 1)", () => jnp.linspace(2, 3, 1), x],
  ["jnp.linspace(0, 10, 0)", () => jnp.linspace(0, 10, 0), x],
  ["jnp.linspace(-1, 1, 7, dtype=jnp.int32)", () => jnp.linspace(-1, 1, 7, { dtype: jnp.int32 })],
  ["jnp.linspace(jnp.array([0., 1.]), jnp.array([1., 3.]), 4)", () => tf.tidy(() => jnp.linspace(jnp.array([0, 1], "float32"), jnp.array([1, 3], "float32"), 4))],
  ["jnp.linspace(jnp.array([0., 1.]), 5.0, 3, axis=-1)", () => tf.tidy(() => jnp.linspace(jnp.array([0, 1], "float32"), jnp.pyFloat(5), 3, { axis: -1 }))],
  ["jnp.linspace(0, 1, 5, retstep=True)", () => jnp.linspaceWithStep(0, 1, 5)],
  ["jnp.linspace(0, 1, 5, endpoint=False, retstep=True)", () => jnp.linspaceWithStep(0, 1, 5, { endpoint: false })],
  // Matrices.
  ["jnp.eye(3)", () => jnp.eye(3), x],
  ["jnp.eye(2, 4, k=1)", () => jnp.eye(2, 4, 1), x],
  ["jnp.eye(3, k=-1, dtype=jnp.int32)", () => jnp.eye(3, null, -1, jnp.int32), x],
  ["jnp.eye(2, 3, k=5)", () => jnp.eye(2, 3, 5), x],
  ["jnp.identity(2, bool)", () => jnp.identity(2, "bool"), x],
  ["jnp.tri(3)", () => jnp.tri(3), x],
  ["jnp.tri(3, 4, k=-1)", () => jnp.tri(3, 4, -1), x],
  ["jnp.tri(2, 3, 1, jnp.int32)", () => jnp.tri(2, 3, 1, jnp.int32), x],
  ["jnp.tril(m)", (v) => jnp.tril(v.m), x],
  ["jnp.tril(m, 1)", (v) => jnp.tril(v.m, 1), x],
  ["jnp.triu(m, -1)", (v) => jnp.triu(v.m, -1), x],
  ["jnp.triu(m3, 1)", (v) => jnp.triu(v.m3, 1), x],
  ["jnp.tril(b2)", (v) => jnp.tril(v.b2), x],
  ["jnp.tril(f)", (v) => jnp.tril(v.f), x],
  ["jnp.meshgrid(i, f)", (v) => jnp.meshgrid(v.i, v.f), x],
  ["jnp.meshgrid(i, f, indexing='ij')", (v) => jnp.meshgrid(v.i, v.f, { indexing: "ij" }), x],
  ["jnp.meshgrid(i, f, b, sparse=True)", (v) => jnp.meshgrid(v.i, v.f, v.b, { sparse: true }), x],
  ["jnp.meshgrid(i, f, b)", (v) => jnp.meshgrid(v.i, v.f, v.b), x],
  ["jnp.meshgrid(f)", (v) => jnp.meshgrid(v.f), x],
  // Promotion helpers, through the dtype of an empty array.
  ["jnp.zeros(0, jnp.result_type(i, 1.0))", (v) => jnp.zeros(0, jnp.resultType(v.i, 1.5)), x],
  ["jnp.zeros(0, jnp.result_type(i, 1))", (v) => jnp.zeros(0, jnp.resultType(v.i, 1)), x],
  ["jnp.zeros(0, jnp.result_type(b, True))", (v) => jnp.zeros(0, jnp.resultType(v.b, true)), x],
  ["jnp.zeros(0, jnp.result_type(jnp.int32, jnp.float32))", () => jnp.zeros(0, jnp.resultType(jnp.int32, jnp.float32)), x],
  ["jnp.zeros(0, jnp.promote_types('bool', 'int32'))", () => jnp.zeros(0, jnp.promoteTypes("bool", "int32")), x],
  ["jnp.zeros(0, jnp.dtype('float'))", () => jnp.zeros(0, jnp.dtype("float")), x],
  ["jnp.zeros(0, jnp.dtype('int64'))", () => jnp.zeros(0, jnp.dtype("int64")), x],
  ["jnp.array([jnp.issubdtype(jnp.float32, jnp.floating), jnp.issubdtype(jnp.int32, jnp.floating), jnp.issubdtype(jnp.int32, jnp.integer), jnp.issubdtype(jnp.bool_, jnp.number), jnp.isdtype(jnp.int32, 'integral')])", () =>
    jnp.array([jnp.issubdtype(jnp.float32, jnp.floating), jnp.issubdtype(jnp.int32, jnp.floating), jnp.issubdtype(jnp.int32, jnp.integer), jnp.issubdtype(jnp.bool_, jnp.number), jnp.isdtype(jnp.int32, "integral")]), x],
  ["jnp.array([jnp.finfo(jnp.float32).eps, jnp.finfo(jnp.float32).max, jnp.finfo(jnp.float32).tiny, jnp.iinfo(jnp.int32).min])", () => {
    const f = jnp.finfo(jnp.float32);
    return jnp.array([f.eps, f.max, f.tiny, jnp.iinfo(jnp.int32).min], "float32");
  }, x],
];

describe("jnp array creation matches JAX", () => {
  compareWithJax(
    `
i = jnp.array([1, 2, 3], jnp.int32)
f = jnp.array([0.5, -1.5], jnp.float32)
b = jnp.array([True, False])
m = jnp.arange(12.0).reshape(3, 4)
m3 = jnp.arange(24).reshape(2, 3, 4)
b2 = jnp.ones((2, 2), bool)
`,
    cases,
  );
});
