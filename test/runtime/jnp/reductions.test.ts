// Reductions against live JAX: axis (negative, tuples, None), keepdims, where,
// initial, dtypes (ints sum as int32, means are float32), NaN propagation and
// arg-extrema, empty reductions, cumulative ops, logsumexp, median, NaN-
// ignoring variants; gradients including ties in max/min and zeros in prod.
import { describe } from "vitest";
import { jnp, tf } from "../../../runtime/index.js";
import { type Case, G, compareWithJax } from "./harness.js";

const x = { exact: true } as const;
const t = tf.tidy;

const cases: Case[] = [
  ["jnp.sum(a)", (v) => jnp.sum(v.a)],
  ["jnp.sum(a, axis=-1)", (v) => jnp.sum(v.a, -1)],
  ["jnp.sum(a, axis=(0, 2))", (v) => jnp.sum(v.a, [0, 2])],
  ["jnp.sum(a, axis=(-3, -2), keepdims=True)", (v) => jnp.sum(v.a, [-3, -2], { keepdims: true })],
  ["jnp.sum(a, axis=())", (v) => jnp.sum(v.a, []), x],
  ["jnp.sum(a, axis=3)", (v) => jnp.sum(v.a, 3)],
  ["jnp.sum(a, axis=(1, 1))", (v) => jnp.sum(v.a, [1, 1])],
  ["jnp.sum(i, axis=0)", (v) => jnp.sum(v.i, 0), x],
  ["jnp.sum(b)", (v) => jnp.sum(v.b), x],
  ["jnp.sum(b, axis=1, keepdims=True)", (v) => jnp.sum(v.b, 1, { keepdims: true }), x],
  ["jnp.sum(a, axis=1, where=w)", (v) => jnp.sum(v.a, 1, { where: v.w })],
  ["jnp.sum(a, axis=1, initial=10.0)", (v) => jnp.sum(v.a, 1, { initial: jnp.pyFloat(10) })],
  ["jnp.sum(a, dtype=jnp.int32)", (v) => jnp.sum(v.a, null, { dtype: jnp.int32 }), x],
  ["jnp.sum(e, axis=0)", (v) => jnp.sum(v.e, 0), x],
  ["jnp.sum(s)", (v) => jnp.sum(v.s), x],
  ["jnp.prod(a, axis=2)", (v) => jnp.prod(v.a, 2)],
  ["jnp.prod(i, axis=1)", (v) => jnp.prod(v.i, 1), x],
  ["jnp.prod(b, axis=0)", (v) => jnp.prod(v.b, 0), x],
  ["jnp.prod(z, axis=-1, keepdims=True)", (v) => jnp.prod(v.z, -1, { keepdims: true }), x],
  ["jnp.max(a)", (v) => jnp.max(v.a), x],
  ["jnp.max(a, axis=(0, -1))", (v) => jnp.max(v.a, [0, -1]), x],
  ["jnp.max(i, axis=0, keepdims=True)", (v) => jnp.max(v.i, 0, { keepdims: true }), x],
  ["jnp.max(b, axis=1)", (v) => jnp.max(v.b, 1), x],
  ["jnp.max(s, axis=1)", (v) => jnp.max(v.s, 1), x],
  ["jnp.max(a, axis=1, where=w, initial=-100.0)", (v) => jnp.max(v.a, 1, { where: v.w, initial: jnp.pyFloat(-100) }), x],
  ["jnp.max(a, axis=1, where=w)", (v) => jnp.max(v.a, 1, { where: v.w }), x],
  ["jnp.max(e, axis=0)", (v) => jnp.max(v.e, 0), x],
  ["jnp.max(e, axis=0, initial=3.0)", (v) => jnp.max(v.e, 0, { initial: jnp.pyFloat(3) }), x],
  ["jnp.max(i, initial=100)", (v) => jnp.max(v.i, null, { initial: 100 }), x],
  ["jnp.min(a, axis=-2)", (v) => jnp.min(v.a, -2), x],
  ["jnp.min(s, axis=0)", (v) => jnp.min(v.s, 0), x],
  ["jnp.min(i, where=i > 0, initial=99)", (v) => t(() => jnp.min(v.i, null, { where: jnp.greater(v.i, 0), initial: 99 })), x],
  ["jnp.amax(b)", (v) => jnp.amax(v.b), x],
  ["jnp.all(b, axis=1)", (v) => jnp.all(v.b, 1), x],
  ["jnp.all(i)", (v) => jnp.all(v.i), x],
  ["jnp.any(a > 10, axis=(0, 1), keepdims=True)", (v) => t(() => jnp.any(jnp.greater(v.a, 10), [0, 1], { keepdims: true })), x],
  ["jnp.any(s)", (v) => jnp.any(v.s), x],
  ["jnp.all(b, where=jnp.array([True, False]))", (v) => t(() => jnp.all(v.b, null, { where: jnp.array([true, false]) })), x],
  ["jnp.any(e)", (v) => jnp.any(v.e), x],
  ["jnp.mean(a)", (v) => jnp.mean(v.a)],
  ["jnp.mean(a, axis=(-3, -2))", (v) => jnp.mean(v.a, [-3, -2])],
  ["jnp.mean(i, axis=1)", (v) => jnp.mean(v.i, 1)],
  ["jnp.mean(b)", (v) => jnp.mean(v.b)],
  ["jnp.mean(a, axis=1, keepdims=True, where=w)", (v) => jnp.mean(v.a, 1, { keepdims: true, where: v.w })],
  ["jnp.mean(e)", (v) => jnp.mean(v.e)],
  ["jnp.mean(s, axis=1)", (v) => jnp.mean(v.s, 1)],
  ["jnp.var(a, axis=-1)", (v) => jnp.variance(v.a, -1)],
  ["jnp.var(a, axis=(0, 2), ddof=1)", (v) => jnp.variance(v.a, [0, 2], { ddof: 1 })],
  ["jnp.var(i)", (v) => jnp.variance(v.i)],
  ["jnp.var(a[0, 0, :1], ddof=1)", (v) => t(() => jnp.variance(jnp.index(v.a, 0, 0, jnp.slice(null, 1)), null, { ddof: 1 }))],
  ["jnp.var(a, axis=1, where=w, keepdims=True)", (v) => jnp.variance(v.a, 1, { where: v.w, keepdims: true })],
  ["jnp.std(a, axis=0)", (v) => jnp.std(v.a, 0)],
  ["jnp.std(a, ddof=2)", (v) => jnp.std(v.a, null, { ddof: 2 })],
  ["jnp.ptp(a, axis=1)", (v) => jnp.ptp(v.a, 1), x],
  ["jnp.count_nonzero(i, axis=0)", (v) => jnp.countNonzero(v.i, 0), x],
  ["jnp.argmax(a)", (v) => jnp.argmax(v.a), x],
  ["jnp.argmax(a, axis=-1)", (v) => jnp.argmax(v.a, -1), x],
  ["jnp.argmax(a, axis=1, keepdims=True)", (v) => jnp.argmax(v.a, 1, { keepdims: true }), x],
  ["jnp.argmax(a, keepdims=True)", (v) => jnp.argmax(v.a, null, { keepdims: true }), x],
  ["jnp.argmax(s, axis=1)", (v) => jnp.argmax(v.s, 1), x],
  ["jnp.argmin(s, axis=1)", (v) => jnp.argmin(v.s, 1), x],
  ["jnp.argmax(ties)", (v) => jnp.argmax(v.ties), x],
  ["jnp.argmin(ties)", (v) => jnp.argmin(v.ties), x],
  ["jnp.argmax(b, axis=1)", (v) => jnp.argmax(v.b, 1), x],
  ["jnp.argmin(i, axis=0)", (v) => jnp.argmin(v.i, 0), x],
  ["jnp.argmax(e, axis=0)", (v) => jnp.argmax(v.e, 0), x],
  ["jnp.cumsum(a, axis=1)", (v) => jnp.cumsum(v.a, 1)],
  ["jnp.cumsum(a)", (v) => jnp.cumsum(v.a)],
  ["jnp.cumsum(b, axis=-1)", (v) => jnp.cumsum(v.b, -1), x],
  ["jnp.cumsum(i, axis=0, dtype=jnp.float32)", (v) => jnp.cumsum(v.i, 0, jnp.float32), x],
  ["jnp.cumsum(i, axis=1, dtype=bool)", (v) => jnp.cumsum(v.i, 1, "bool"), x],
  ["jnp.cumprod(z, axis=-1)", (v) => jnp.cumprod(v.z, -1), x],
  ["jnp.cumprod(i, axis=1)", (v) => jnp.cumprod(v.i, 1), x],
  ["jnp.cumprod(a[0], axis=0)", (v) => t(() => jnp.cumprod(jnp.index(v.a, 0), 0))],
  ["jax.nn.logsumexp(a, axis=-1)", (v) => jnp.logsumexp(v.a, -1)],
  ["jax.nn.logsumexp(a)", (v) => jnp.logsumexp(v.a)],
  ["jax.nn.logsumexp(a, axis=(0, 1), keepdims=True)", (v) => jnp.logsumexp(v.a, [0, 1], { keepdims: true })],
  ["jax.nn.logsumexp(s, axis=1)", (v) => jnp.logsumexp(v.s, 1)],
  ["jax.nn.logsumexp(ninf, axis=1)", (v) => jnp.logsumexp(v.ninf, 1)],
  ["jax.nn.logsumexp(a, axis=1, b=bw)", (v) => jnp.logsumexp(v.a, 1, { b: v.bw })],
  ["jax.nn.logsumexp(a, axis=1, where=w)", (v) => jnp.logsumexp(v.a, 1, { where: v.w })],
  ["jax.nn.logsumexp(i)", (v) => jnp.logsumexp(v.i)],
  ["jax.scipy.special.logsumexp(a, axis=2, b=bw[:, :1], return_sign=True)", (v) => t(() => jnp.logsumexpWithSign(v.a, 2, { b: jnp.index(v.bw, jnp.slice(), jnp.slice(null, 1)) }))],
  ["jnp.median(a)", (v) => jnp.median(v.a), x],
  ["jnp.median(a, axis=1)", (v) => jnp.median(v.a, 1), x],
  ["jnp.median(a, axis=(0, 2), keepdims=True)", (v) => jnp.median(v.a, [0, 2], { keepdims: true }), x],
  ["jnp.median(i, axis=-1)", (v) => jnp.median(v.i, -1), x],
  ["jnp.median(s, axis=1)", (v) => jnp.median(v.s, 1), x],
  ["jnp.nanmean(s, axis=1)", (v) => jnp.nanmean(v.s, 1)],
  ["jnp.nansum(s, axis=0)", (v) => jnp.nansum(v.s, 0), x],
  ["jnp.nanmax(s, axis=1)", (v) => jnp.nanmax(v.s, 1), x],
  ["jnp.nanmin(s, axis=1, keepdims=True)", (v) => jnp.nanmin(v.s, 1, { keepdims: true }), x],
  ["jnp.nanmax(allnan, axis=1)", (v) => jnp.nanmax(v.allnan, 1), x],
  // Gradients.
  ["G(lambda t: jnp.sum(t, axis=(0, 2), keepdims=True), a)", (v) => G((u) => jnp.sum(u, [0, 2], { keepdims: true }), [v.a])],
  ["G(lambda t: jnp.sum(t, axis=1, where=w), a)", (v) => G((u) => jnp.sum(u, 1, { where: v.w }), [v.a])],
  ["G(lambda t: jnp.mean(t, axis=-1), a)", (v) => G((u) => jnp.mean(u, -1), [v.a])],
  ["G(lambda t: jnp.mean(t, axis=1, where=w), a)", (v) => G((u) => jnp.mean(u, 1, { where: v.w }), [v.a])],
  ["G(lambda t: jnp.var(t, axis=(0, 2), ddof=1), a)", (v) => G((u) => jnp.variance(u, [0, 2], { ddof: 1 }), [v.a])],
  ["G(lambda t: jnp.std(t, axis=0), a)", (v) => G((u) => jnp.std(u, 0), [v.a])],
  ["G(lambda t: jnp.max(t, axis=-1), ties2)", (v) => G((u) => jnp.max(u, -1), [v.ties2])],
  ["G(lambda t: jnp.min(t, axis=0), ties2)", (v) => G((u) => jnp.min(u, 0), [v.ties2])],
  ["G(lambda t: jnp.max(t), ties2)", (v) => G((u) => jnp.max(u), [v.ties2])],
  ["G(lambda t: jnp.max(t, axis=1, where=w, initial=-100.0), a)", (v) => G((u) => jnp.max(u, 1, { where: v.w, initial: jnp.pyFloat(-100) }), [v.a])],
  ["G(lambda t: jnp.prod(t, axis=-1), z)", (v) => G((u) => jnp.prod(u, -1), [v.z])],
  ["G(lambda t: jnp.prod(t, axis=(0, 2)), a / 10)", (v) => t(() => G((u) => jnp.prod(u, [0, 2]), [jnp.divide(v.a, 10)]))],
  ["G(lambda t: jnp.cumsum(t, axis=1), a)", (v) => G((u) => jnp.cumsum(u, 1), [v.a])],
  ["G(lambda t: jnp.cumprod(t, axis=-1), z)", (v) => G((u) => jnp.cumprod(u, -1), [v.z])],
  ["G(lambda t: jnp.cumprod(t, axis=1), a / 10)", (v) => t(() => G((u) => jnp.cumprod(u, 1), [jnp.divide(v.a, 10)]))],
  ["G(lambda t: jax.nn.logsumexp(t, axis=1), a)", (v) => G((u) => jnp.logsumexp(u, 1), [v.a])],
  ["G(lambda t: jax.nn.logsumexp(t, axis=1, b=bw), a)", (v) => G((u) => jnp.logsumexp(u, 1, { b: v.bw }), [v.a])],
  ["G(lambda t: jnp.median(t, axis=1), a)", (v) => G((u) => jnp.median(u, 1), [v.a])],
  ["G(lambda t: jnp.median(t, axis=-1), ties2)", (v) => G((u) => jnp.median(u, -1), [v.ties2])],
  ["G(lambda t: jnp.nanmean(t, axis=1), s)", (v) => G((u) => jnp.nanmean(u, 1), [v.s])],
];

describe("jnp reductions match JAX", () => {
  compareWithJax(
    `
nan, inf = float("nan"), float("inf")
a = (jnp.arange(24.0).reshape(2, 3, 4) * 7 % 11) - 4.5
i = jnp.array([[3, -1, 4], [1, 5, -9], [2, 6, 5], [0, 0, 2]], jnp.int32)
b = jnp.array([[True, False, True], [True, True, True]])
w = jnp.array([[True, False, True, True], [False, False, False, False], [True, True, False, True]])
e = jnp.zeros((0, 3))
s = jnp.array([[1.0, nan, 3.0, -2.0], [inf, 2.0, -inf, 0.5], [-1.0, -inf, 4.0, 4.0]], jnp.float32)
ninf = jnp.array([[-inf, -inf], [1.0, -inf]], jnp.float32)
allnan = jnp.array([[nan, nan], [1.0, nan]], jnp.float32)
z = jnp.array([[2.0, 0.0, 3.0, -1.0], [0.0, 1.5, 0.0, 2.0], [1.0, -2.0, 0.5, 4.0]], jnp.float32)
ties = jnp.array([1.0, 3.0, -2.0, 3.0, -2.0], jnp.float32)
ties2 = jnp.array([[1.0, 3.0, 3.0, 0.5], [2.0, 3.0, -1.0, 2.0], [2.0, 0.0, 3.0, 3.0]], jnp.float32)
bw = jnp.array([[1.0, 0.0, 2.0, -0.5], [0.5, 0.5, 0.5, 0.5], [0.0, 0.0, 0.0, 0.0]], jnp.float32)
`,
    cases,
  );
});
