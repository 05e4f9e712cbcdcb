// jax.lax against live JAX: strict elementwise ops (no dtype mixing,
// truncating int division), XLA-exact erf/erf_inv, clamp and its gradient,
// slicing with XLA's start clamping, shape primitives, and the control-flow
// primitives run as eager loops (fori_loop, while_loop, scan, cond, switch),
// including gradients through them.
import { describe, expect, test } from "vitest";
import { jnp, lax, tf } from "../../../runtime/index.js";
import { type Case, G, compareWithJax } from "./harness.js";

const x = { exact: true } as const;
const t = tf.tidy;

const cases: Case[] = [
  ["lax.add(f, g)", (v) => lax.add(v.f, v.g), x],
  ["lax.add(f, 2)", (v) => lax.add(v.f, 2), x],
  ["lax.add(f, 2.0)", (v) => lax.add(v.f, jnp.pyFloat(2)), x],
  ["lax.add(i, 2)", (v) => lax.add(v.i, 2), x],
  ["lax.add(b, True)", (v) => lax.add(v.b, true), x],
  ["lax.max(b, b)", (v) => lax.max(v.b, v.b), x],
  ["lax.div(f, 3.0)", (v) => lax.div(v.f, jnp.pyFloat(3)), x],
  ["lax.add(i, f)", (v) => lax.add(v.i, v.f), x],
  ["lax.add(f, f[:2])", (v) => t(() => lax.add(v.f, jnp.index(v.f, jnp.slice(null, 2)))), x],
  ["lax.sub(i, j)", (v) => lax.sub(v.i, v.j), x],
  ["lax.mul(b, b)", (v) => lax.mul(v.b, v.b), x],
  ["lax.div(i, j)", (v) => lax.div(v.i, v.j), x],
  ["lax.rem(i, j)", (v) => lax.rem(v.i, v.j), x],
  ["lax.div(f, g)", (v) => lax.div(v.f, v.g), x],
  ["lax.rem(f, g)", (v) => lax.rem(v.f, v.g), x],
  ["lax.max(f, g)", (v) => lax.max(v.f, v.g), x],
  ["lax.min(i, j)", (v) => lax.min(v.i, v.j), x],
  ["lax.pow(f, g)", (v) => lax.pow(v.f, v.g)],
  ["lax.lt(f, g)", (v) => lax.lt(v.f, v.g), x],
  ["lax.ge(b, b)", (v) => lax.ge(v.b, v.b), x],
  ["lax.ne(i, j)", (v) => lax.ne(v.i, v.j), x],
  ["lax.neg(i)", (v) => lax.neg(v.i), x],
  ["lax.round(h)", (v) => lax.round(v.h), x],
  ["lax.round(h, lax.RoundingMethod.TO_NEAREST_EVEN)", (v) => lax.round(v.h, lax.RoundingMethod.TO_NEAREST_EVEN), x],
  ["lax.logistic(f)", (v) => lax.logistic(v.f)],
  ["lax.erf(e)", (v) => lax.erf(v.e), x],
  ["lax.erf(jnp.float32(0.3))", () => t(() => lax.erf(jnp.float32(0.3))), x],
  ["lax.erf(jnp.float32(3.8))", () => t(() => lax.erf(jnp.float32(3.8))), x],
  ["lax.erf_inv(u)", (v) => lax.erfInv(v.u), x],
  ["lax.erfc(f)", (v) => lax.erfc(v.f)],
  ["G(lax.erf, f)", (v) => G((a) => lax.erf(a), [v.f])],
  ["G(lax.erf_inv, u)", (v) => G((a) => lax.erfInv(a), [v.u])],
  ["lax.rsqrt(jnp.abs(f) + 0.5)", (v) => t(() => lax.rsqrt(jnp.add(jnp.abs(v.f), 0.5)))],
  ["lax.clamp(-1.0, f, 1.5)", (v) => lax.clamp(jnp.pyFloat(-1), v.f, 1.5), x],
  ["lax.clamp(-1, f, 1.5)", (v) => lax.clamp(-1, v.f, 1.5), x],
  ["lax.clamp(lo, f, hi)", (v) => lax.clamp(v.lo, v.f, v.hi), x],
  ["lax.clamp(0, i, 3)", (v) => lax.clamp(0, v.i, 3), x],
  ["G(lambda a, l, h: lax.clamp(l, a, h), f, lo, hi, argnums=(0, 1, 2))", (v) => G((a, l, h) => lax.clamp(l, a, h), [v.f, v.lo, v.hi], [0, 1, 2])],
  ["lax.select(b, f, g)", (v) => lax.select(v.b, v.f, v.g), x],
  ["lax.select(True, f, g)", (v) => lax.select(true, v.f, v.g), x],
  ["lax.select(b, f, i)", (v) => lax.select(v.b, v.f, v.i), x],
  ["lax.convert_element_type(f, jnp.int32)", (v) => lax.convertElementType(v.f, jnp.int32), x],
  ["G(lambda a: a * lax.stop_gradient(a), f)", (v) => G((a) => jnp.multiply(a, lax.stopGradient(a)), [v.f])],
  // Shapes.
  ["lax.iota(jnp.int32, 4)", () => lax.iota(jnp.int32, 4), x],
  ["lax.broadcasted_iota(jnp.float32, (2, 3), 1)", () => lax.broadcastedIota(jnp.float32, [2, 3], 1), x],
  ["lax.broadcast_in_dim(f[:3], (2, 3, 4), (1,))", (v) => t(() => lax.broadcastInDim(jnp.index(v.f, jnp.slice(null, 3)), [2, 3, 4], [1])), x],
  ["lax.broadcast_in_dim(m, (4, 2, 3), (1, 2))", (v) => lax.broadcastInDim(v.m, [4, 2, 3], [1, 2]), x],
  ["lax.broadcast(m, (2,))", (v) => lax.broadcast(v.m, [2]), x],
  ["lax.expand_dims(m, (0, 3))", (v) => lax.expandDims(v.m, [0, 3]), x],
  ["lax.squeeze(m[None], (0,))", (v) => t(() => lax.squeeze(jnp.index(v.m, jnp.newaxis), [0])), x],
  ["lax.reshape(m, (3, 2), (1, 0))", (v) => lax.reshape(v.m, [3, 2], [1, 0]), x],
  ["lax.transpose(a, (2, 0, 1))", (v) => lax.transpose(v.a, [2, 0, 1]), x],
  ["lax.rev(a, (0, 2))", (v) => lax.rev(v.a, [0, 2]), x],
  ["lax.concatenate([m, m], 1)", (v) => lax.concatenate([v.m, v.m], 1), x],
  ["lax.concatenate([m, m.astype(jnp.int32)], 1)", (v) => t(() => lax.concatenate([v.m, jnp.astype(v.m, "int32")], 1)), x],
  // Slicing.
  ["lax.slice(a, (0, 1, 0), (2, 3, 4), (1, 1, 2))", (v) => lax.slice(v.a, [0, 1, 0], [2, 3, 4], [1, 1, 2]), x],
  ["lax.slice(a, (0, 1, 0), (2, 4, 4))", (v) => lax.slice(v.a, [0, 1, 0], [2, 4, 4]), x],
  ["lax.slice(a, (0, -2, 0), (2, 0, 4))", (v) => lax.slice(v.a, [0, -2, 0], [2, 0, 4]), x],
  ["lax.slice(a, (0, 0, 0), (2, 9, 4))", (v) => lax.slice(v.a, [0, 0, 0], [2, 9, 4]), x],
  ["lax.slice_in_dim(a, 1, 3, axis=2)", (v) => lax.sliceInDim(v.a, 1, 3, 1, 2), x],
  ["lax.slice_in_dim(a, -3, None, 2, axis=-1)", (v) => lax.sliceInDim(v.a, -3, null, 2, -1), x],
  ["lax.dynamic_slice(a, (1, 2, 1), (1, 2, 2))", (v) => lax.dynamicSlice(v.a, [1, 2, 1], [1, 2, 2]), x],
  ["lax.dynamic_slice(a, (5, -1, -9), (1, 2, 2))", (v) => lax.dynamicSlice(v.a, [5, -1, -9], [1, 2, 2]), x],
  ["lax.dynamic_slice(a, (jnp.array(1), 0, jnp.array(3)), (1, 3, 2))", (v) => t(() => lax.dynamicSlice(v.a, [jnp.array(1), 0, jnp.array(3)], [1, 3, 2])), x],
  ["lax.dynamic_slice_in_dim(a, 2, 3, axis=-1)", (v) => lax.dynamicSliceInDim(v.a, 2, 3, -1), x],
  ["lax.dynamic_index_in_dim(a, -1, 1, keepdims=False)", (v) => lax.dynamicIndexInDim(v.a, -1, 1, false), x],
  ["lax.dynamic_update_slice(a, m[None], (1, 0, 1))", (v) => t(() => lax.dynamicUpdateSlice(v.a, jnp.index(v.m, jnp.newaxis), [1, 0, 1])), x],
  ["lax.dynamic_update_slice(a, m[None], (7, 9, -1))", (v) => t(() => lax.dynamicUpdateSlice(v.a, jnp.index(v.m, jnp.newaxis), [7, 9, -1])), x],
  ["lax.dynamic_update_slice_in_dim(a, a[:, :1], 5, axis=1)", (v) => t(() => lax.dynamicUpdateSliceInDim(v.a, jnp.index(v.a, jnp.slice(), jnp.slice(null, 1)), 5, 1)), x],
  ["lax.dynamic_update_slice(b, jnp.array([False]), (1,))", (v) => t(() => lax.dynamicUpdateSlice(v.b, jnp.array([false]), [1])), x],
  ["G(lambda p: lax.dynamic_slice(p, (1, 2, 1), (1, 2, 2)), a)", (v) => G((p) => lax.dynamicSlice(p, [1, 2, 1], [1, 2, 2]), [v.a])],
  ["G(lambda p, q: lax.dynamic_update_slice(p, q, (1, 0, 1)), a, m[None], argnums=(0, 1))", (v) => t(() => G((p, q) => lax.dynamicUpdateSlice(p, q, [1, 0, 1]), [v.a, jnp.index(v.m, jnp.newaxis)], [0, 1]))],
  // Control flow.
  ["lax.fori_loop(0, 5, lambda k, c: c * 2 + k, f)", (v) => lax.foriLoop(0, 5, (k, c) => t(() => jnp.add(jnp.multiply(c, 2), k)), v.f)],
  ["lax.fori_loop(2, 2, lambda k, c: c * 2, f)", (v) => lax.foriLoop(2, 2, (_k, c) => jnp.multiply(c, 2), v.f), x],
  ["lax.fori_loop(0, 4, lambda k, c: (c[0] + k, c[1] * 1.5), (0, f))", (v) => lax.foriLoop(0, 4, (k, c: [jnp.ArrayLike, tf.Tensor]) => [jnp.add(c[0], k), jnp.multiply(c[1], 1.5)] as [tf.Tensor, tf.Tensor], [0, v.f] as [jnp.ArrayLike, tf.Tensor]) as tf.Tensor[]],
  ["lax.fori_loop(0, 3, lambda k, c: c.at[k].set(k * 10), i)", (v) => lax.foriLoop(0, 3, (k, c) => jnp.at(c, k).set(k * 10), v.i), x],
  ["lax.while_loop(lambda c: c[0] < 10, lambda c: (c[0] + 3, c[1] * 1.5), (0, f))", (v) => lax.whileLoop((c: [jnp.ArrayLike, tf.Tensor]) => jnp.less(c[0], 10), (c) => [jnp.add(c[0], 3), jnp.multiply(c[1], 1.5)] as [tf.Tensor, tf.Tensor], [0, v.f] as [jnp.ArrayLike, tf.Tensor]) as tf.Tensor[]],
  ["lax.while_loop(lambda c: False, lambda c: c, (jnp.array(0), f))", (v) => lax.whileLoop(() => false, (c) => c, [0, v.f] as [jnp.ArrayLike, tf.Tensor]) as tf.Tensor[], x],
  ["lax.scan(lambda c, e: (c + e, c * e), 0.0, f)", (v) => lax.scan((c: tf.Tensor | jnp.PyFloat, e: tf.Tensor) => [jnp.add(c, e), jnp.multiply(c, e)] as [tf.Tensor, tf.Tensor], jnp.pyFloat(0), v.f) as tf.Tensor[]],
  ["lax.scan(lambda c, e: (c + e,) * 2, 0.0, f)", (v) => lax.scan((c: tf.Tensor | jnp.PyFloat, e: tf.Tensor) => { const s = jnp.add(c, e); return [s, s] as [tf.Tensor, tf.Tensor]; }, jnp.pyFloat(0), v.f) as tf.Tensor[]],
  ["lax.scan(lambda c, e: (c + e, c * e), 0.0, f, reverse=True)", (v) => lax.scan((c: tf.Tensor | jnp.PyFloat, e: tf.Tensor) => [jnp.add(c, e), jnp.multiply(c, e)] as [tf.Tensor, tf.Tensor], jnp.pyFloat(0), v.f, { reverse: true }) as tf.Tensor[]],
  ["lax.scan(lambda c, e: (c @ e, jnp.sum(c)), jnp.ones(3), a.transpose(0, 2, 1)[..., :3])", (v) => t(() => lax.scan((c: tf.Tensor, e: tf.Tensor) => [jnp.matmul(c, e), jnp.sum(c)] as [tf.Tensor, tf.Tensor], jnp.ones(3), jnp.index(jnp.transpose(v.a, [0, 2, 1]), jnp.ellipsis, jnp.slice(null, 3)))) as tf.Tensor[]],
  ["lax.scan(lambda c, xs: ((c[0] + xs[0], c[1]), None), (0.0, jnp.array(1)), (f, i[:6]))[0]", (v) => t(() => lax.scan((c: [tf.Tensor | jnp.PyFloat, jnp.ArrayLike], e: [tf.Tensor, tf.Tensor]) => [[jnp.add(c[0], e[0]), c[1]], null] as [[tf.Tensor, jnp.ArrayLike], null], [jnp.pyFloat(0), 1], [v.f, jnp.index(v.i, jnp.slice(null, 6))])[0]) as tf.Tensor[]],
  ["lax.scan(lambda c, _: (c * 2, c), 1, None, length=4)", () => lax.scan((c: jnp.ArrayLike) => [jnp.multiply(c, 2), c] as [tf.Tensor, jnp.ArrayLike], 1, null, { length: 4 }) as tf.Tensor[], x],
  ["lax.scan(lambda c, e: (c, e), f, m)[1]", (v) => t(() => lax.scan((c: tf.Tensor, e: tf.Tensor) => [c, e] as [tf.Tensor, tf.Tensor], v.f, v.m)[1]), x],
  ["G(lambda p: lax.scan(lambda c, e: (jnp.sin(c) * e + 1.0, c * e), p[0], p)[1], f)", (v) => G((p) => t(() => lax.scan((c: tf.Tensor, e: tf.Tensor) => [jnp.add(jnp.multiply(jnp.sin(c), e), jnp.pyFloat(1)), jnp.multiply(c, e)] as [tf.Tensor, tf.Tensor], jnp.index(p, 0), p)[1]), [v.f])],
  ["G(lambda p: lax.fori_loop(0, 3, lambda k, c: jnp.tanh(c * p + k), p), f)", (v) => G((p) => lax.foriLoop(0, 3, (k, c) => t(() => jnp.tanh(jnp.add(jnp.multiply(c, p), k))), p), [v.f])],
  ["lax.cond(True, lambda p: p + 1, lambda p: p - 1, f)", (v) => lax.cond(true, (p: tf.Tensor) => jnp.add(p, 1), (p: tf.Tensor) => jnp.subtract(p, 1), v.f), x],
  ["lax.cond(jnp.array(0), lambda p: p + 1, lambda p: p - 1, f)", (v) => t(() => lax.cond(jnp.array(0), (p: tf.Tensor) => jnp.add(p, 1), (p: tf.Tensor) => jnp.subtract(p, 1), v.f)), x],
  ["lax.cond(False, lambda p, q: p, lambda p, q: q, f, g)", (v) => lax.cond(false, (p: tf.Tensor, _q: tf.Tensor) => p, (_p: tf.Tensor, q: tf.Tensor) => q, v.f, v.g), x],
  ["lax.switch(5, [lambda p: p, lambda p: p * 2, lambda p: -p], f)", (v) => lax.switchCase(5, [(p: tf.Tensor) => p, (p: tf.Tensor) => jnp.multiply(p, 2), (p: tf.Tensor) => jnp.negative(p)], v.f), x],
  ["lax.switch(-1, [lambda p: p, lambda p: p * 2, lambda p: -p], f)", (v) => lax.switchCase(-1, [(p: tf.Tensor) => p, (p: tf.Tensor) => jnp.multiply(p, 2), (p: tf.Tensor) => jnp.negative(p)], v.f), x],
  ["lax.switch(jnp.array(1), [lambda p: p, lambda p: p * 2, lambda p: -p], f)", (v) => t(() => lax.switchCase(jnp.array(1), [(p: tf.Tensor) => p, (p: tf.Tensor) => jnp.multiply(p, 2), (p: tf.Tensor) => jnp.negative(p)], v.f)), x],
];

describe("jax.lax matches JAX", () => {
  compareWithJax(
    `
nan = float("nan")
f = jnp.array([-2.5, -1.0, 0.0, 0.75, 1.5, 3.0], jnp.float32)
g = jnp.array([1.5, -1.0, 2.0, nan, -0.25, 3.0], jnp.float32)
i = jnp.array([7, -7, 5, -2147483648, 0, 9], jnp.int32)
j = jnp.array([2, 2, 0, -1, 3, -4], jnp.int32)
b = jnp.array([True, False, True, False, False, True])
h = jnp.array([0.5, 1.5, 2.5, -0.5, -2.5, 2.4999998], jnp.float32)
e = jnp.array([0.0, 0.1, -0.5, 1.0, 2.0, -3.0, 3.8, 3.9, 4.5, 1e-8], jnp.float32)
u = jnp.array([-0.99, -0.5, 0.0, 0.3, 0.9, 0.999], jnp.float32)
lo = jnp.array([-1.0, -1.0, 0.0, 1.0, 2.0, -5.0], jnp.float32)
hi = jnp.array([0.0, 1.0, 0.0, 1.0, 1.0, 3.0], jnp.float32)
m = jnp.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], jnp.float32)
a = jnp.arange(24.0).reshape(2, 3, 4) - 10
`,
    cases,
  );
});

describe("lax loops free what they replace", () => {
  test("1,000 fori_loop and scan steps leave tf.memory().numTensors flat and the inputs alive", () => {
    const init = tf.ones([8]);
    const xs = tf.ones([50, 8]);
    const before = tf.memory().numTensors;
    for (let r = 0; r < 20; r++) {
      const out = lax.foriLoop(0, 50, (k, c) => tf.tidy(() => jnp.add(jnp.multiply(c, 0.5), k)), init);
      const [carry, ys] = lax.scan((c: tf.Tensor, e: tf.Tensor) => [jnp.add(c, e), jnp.multiply(c, 2)] as [tf.Tensor, tf.Tensor], init, xs);
      tf.dispose([out, carry, ys]);
    }
    expect(tf.memory().numTensors).toBe(before);
    expect(init.isDisposed || xs.isDisposed).toBe(false);
    tf.dispose([init, xs]);
  });
});
