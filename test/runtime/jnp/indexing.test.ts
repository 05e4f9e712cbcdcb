// Python subscripts, .at[] updates, take/take_along_axis/put_along_axis, sort,
// where/select/clip/nonzero against live JAX, with gradients.
import { describe } from "vitest";
import { jnp, tf } from "../../../runtime/index.js";
import { type Case, G, compareWithJax } from "./harness.js";

const x = { exact: true } as const;
const t = tf.tidy;
const { slice: S, newaxis: N, ellipsis: E, index: I, at } = jnp;
const arr = (values: number[]) => jnp.array(values);

const cases: Case[] = [
  // Basic indexing: ints (negative, out of range clamps), slices (negative steps, clamping), newaxis, ellipsis.
  ["a[1]", (v) => I(v.a, 1), x],
  ["a[-1]", (v) => I(v.a, -1), x],
  ["a[5]", (v) => I(v.a, 5), x],
  ["a[-7]", (v) => I(v.a, -7), x],
  ["a[1, 2]", (v) => I(v.a, 1, 2), x],
  ["a[1, 2, 3]", (v) => I(v.a, 1, 2, 3), x],
  ["a[:, 1]", (v) => I(v.a, S(), 1), x],
  ["a[..., -1]", (v) => I(v.a, E, -1), x],
  ["a[1:]", (v) => I(v.a, S(1)), x],
  ["a[:, :2]", (v) => I(v.a, S(), S(null, 2)), x],
  ["a[::-1]", (v) => I(v.a, S(null, null, -1)), x],
  ["a[:, ::-2, 1:4:2]", (v) => I(v.a, S(), S(null, null, -2), S(1, 4, 2)), x],
  ["a[:, -1:0:-1]", (v) => I(v.a, S(), S(-1, 0, -1)), x],
  ["a[:, 5:1:-3]", (v) => I(v.a, S(), S(5, 1, -3)), x],
  ["a[:, 10:-10:-1]", (v) => I(v.a, S(), S(10, -10, -1)), x],
  ["a[:, 2:2]", (v) => I(v.a, S(), S(2, 2)), x],
  ["a[-100:100]", (v) => I(v.a, S(-100, 100)), x],
  ["a[None]", (v) => I(v.a, N), x],
  ["a[:, None, 1]", (v) => I(v.a, S(), N, 1), x],
  ["a[..., None]", (v) => I(v.a, E, N), x],
  ["a[None, ..., 1, None]", (v) => I(v.a, N, E, 1, N), x],
  ["a[1, ..., 1:3]", (v) => I(v.a, 1, E, S(1, 3)), x],
  ["a[...]", (v) => I(v.a, E), x],
  ["a[()]", (v) => I(v.a), x],
  ["s[()]", (v) => I(v.s), x],
  ["s[None]", (v) => I(v.s, N), x],
  ["a[1, 2, 3, 0]", (v) => I(v.a, 1, 2, 3, 0), x],
  ["a[..., ...]", (v) => I(v.a, E, E), x],
  ["a[:, 1:2:0]", (v) => I(v.a, S(), S(1, 2, 0)), x],
  ["bm[1, ::-1]", (v) => I(v.bm, 1, S(null, null, -1)), x],
  ["im[-1]", (v) => I(v.im, -1), x],
  // Advanced indexing: int arrays (negative wraps once, then clamps), several broadcast together,
  // adjacent (stay in place) or separated (broadcast axes first), mixed with ints, slices and newaxis.
  ["a[jnp.array([1, 0])]", (v) => t(() => I(v.a, arr([1, 0]))), x],
  ["a[jnp.array([5, -1, -4, -3])]", (v) => t(() => I(v.a, arr([5, -1, -4, -3]))), x],
  ["a[jnp.array([1, 0]), :, jnp.array([2, 3])]", (v) => t(() => I(v.a, arr([1, 0]), S(), arr([2, 3]))), x],
  ["a[:, jnp.array([1, 0]), jnp.array([2, 3])]", (v) => t(() => I(v.a, S(), arr([1, 0]), arr([2, 3]))), x],
  ["a[jnp.array([[0], [1]]), jnp.array([0, 2])]", (v) => t(() => I(v.a, jnp.array([[0], [1]]), arr([0, 2]))), x],
  ["a[1, jnp.array([0, 2])]", (v) => t(() => I(v.a, 1, arr([0, 2]))), x],
  ["a[jnp.array([0, 1]), 1, jnp.array([0, 2])]", (v) => t(() => I(v.a, arr([0, 1]), 1, arr([0, 2]))), x],
  ["a[:, 1, jnp.array([0, 2])]", (v) => t(() => I(v.a, S(), 1, arr([0, 2]))), x],
  ["a[1, :, jnp.array([0, 2, 3])]", (v) => t(() => I(v.a, 1, S(), arr([0, 2, 3]))), x],
  ["a[jnp.array([0, 1]), None, jnp.array([0, 2])]", (v) => t(() => I(v.a, arr([0, 1]), N, arr([0, 2]))), x],
  ["a[None, jnp.array([0, 1]), :, jnp.array([[1], [3]])]", (v) => t(() => I(v.a, N, arr([0, 1]), S(), jnp.array([[1], [3]]))), x],
  ["a[..., jnp.array([3, 0])]", (v) => t(() => I(v.a, E, arr([3, 0]))), x],
  ["a[jnp.array(1)]", (v) => t(() => I(v.a, jnp.array(1))), x],
  ["a[jnp.array([1, 0]), ::-1]", (v) => t(() => I(v.a, arr([1, 0]), S(null, null, -1))), x],
  ["a[jnp.array([], jnp.int32)]", (v) => t(() => I(v.a, jnp.array([], "int32"))), x],
  ["a[jnp.array([0.0])]", (v) => t(() => I(v.a, jnp.array([0], "float32"))), x],
  // Boolean masks select nonzero positions.
  ["a[mask]", (v) => I(v.a, v.mask), x],
  ["a[mask, 1]", (v) => I(v.a, v.mask, 1), x],
  ["a[0][mask2]", (v) => t(() => I(I(v.a, 0), v.mask2)), x],
  ["a[:, mask3]", (v) => I(v.a, S(), v.mask3), x],
  ["a[mask2]", (v) => I(v.a, v.mask2), x],
  // .at[]: get with modes; set (last write wins), add (accumulates), multiply, min, max, divide, power;
  // out-of-bounds writes dropped; dtype kept; values broadcast.
  ["v.at[jnp.array([5, -1, -4])].get()", (v) => t(() => at(v.v, arr([5, -1, -4])).get()), x],
  ["v.at[jnp.array([5, -1, -4])].get(mode='fill', fill_value=-9)", (v) => t(() => at(v.v, arr([5, -1, -4])).get({ mode: "fill", fillValue: -9 })), x],
  ["v.at[jnp.array([5, 0])].get(mode='fill')", (v) => t(() => at(v.v, arr([5, 0])).get({ mode: "fill" })), x],
  ["im.at[jnp.array([9, 0])].get(mode='fill')", (v) => t(() => at(v.im, arr([9, 0])).get({ mode: "fill" })), x],
  ["v.at[jnp.array([5, -1, -4, 0])].set(7.)", (v) => t(() => at(v.v, arr([5, -1, -4, 0])).set(jnp.pyFloat(7))), x],
  ["v.at[jnp.array([0, 0, 1])].set(jnp.array([1., 2., 3.]))", (v) => t(() => at(v.v, arr([0, 0, 1])).set(jnp.array([1, 2, 3], "float32"))), x],
  ["v.at[jnp.array([0, 0, 1])].add(jnp.array([1., 2., 3.]))", (v) => t(() => at(v.v, arr([0, 0, 1])).add(jnp.array([1, 2, 3], "float32"))), x],
  ["v.at[jnp.array([0, 0, 2])].multiply(jnp.array([2., 3., 4.]))", (v) => t(() => at(v.v, arr([0, 0, 2])).multiply(jnp.array([2, 3, 4], "float32"))), x],
  ["v.at[jnp.array([5, -1, 1, 1])].min(jnp.array([0., -1., 0.5, -7.]))", (v) => t(() => at(v.v, arr([5, -1, 1, 1])).min(jnp.array([0, -1, 0.5, -7], "float32"))), x],
  ["v.at[jnp.array([0, 2, 2])].max(jnp.array([9., 1., 5.]))", (v) => t(() => at(v.v, arr([0, 2, 2])).max(jnp.array([9, 1, 5], "float32"))), x],
  ["v.at[1:].subtract(1)", (v) => at(v.v, S(1)).subtract(1), x],
  ["v.at[0].divide(4)", (v) => at(v.v, 0).divide(4)],
  ["im.at[0].divide(4)", (v) => at(v.im, 0).divide(4)],
  ["v.at[jnp.array([1, 1])].power(2)", (v) => t(() => at(v.v, arr([1, 1])).power(2))],
  ["v.at[5].set(1.)", (v) => at(v.v, 5).set(jnp.pyFloat(1)), x],
  ["v.at[5].set(1., mode='clip')", (v) => at(v.v, 5).set(jnp.pyFloat(1), { mode: "clip" }), x],
  ["a.at[1, :, 0].set(jnp.array([7., 8., 9.]))", (v) => t(() => at(v.a, 1, S(), 0).set(jnp.array([7, 8, 9], "float32"))), x],
  ["a.at[:, 1].add(100.)", (v) => at(v.a, S(), 1).add(jnp.pyFloat(100)), x],
  ["a.at[..., ::-2].set(jnp.array([1., 2.]))", (v) => t(() => at(v.a, E, S(null, null, -2)).set(jnp.array([1, 2], "float32"))), x],
  ["a.at[jnp.array([1, 0]), :, jnp.array([2, 3])].set(0.)", (v) => t(() => at(v.a, arr([1, 0]), S(), arr([2, 3])).set(jnp.pyFloat(0))), x],
  ["a.at[mask].set(-1.5)", (v) => at(v.a, v.mask).set(-1.5), x],
  ["a.at[None, 0, 1].set(jnp.arange(4.0))", (v) => t(() => at(v.a, N, 0, 1).set(jnp.arange(jnp.pyFloat(4)))), x],
  ["im.at[0].set(2.7)", (v) => at(v.im, 0).set(2.7), x],
  ["im.at[1].add(0.9)", (v) => at(v.im, 1).add(0.9), x],
  ["im.at[jnp.array([0, 0])].add(3)", (v) => t(() => at(v.im, arr([0, 0])).add(3)), x],
  ["bm.at[0, 1].set(True)", (v) => at(v.bm, 0, 1).set(true), x],
  ["v.at[0].set(jnp.array([1., 2.]))", (v) => t(() => at(v.v, 0).set(jnp.array([1, 2], "float32"))), x],
  // take: modes as JAX ("fill" default: negative from the end, out of bounds filled; clip; wrap).
  ["jnp.take(v, jnp.array([5, -1, -4]))", (v) => t(() => jnp.take(v.v, arr([5, -1, -4]))), x],
  ["jnp.take(v, jnp.array([5, -1, -4]), mode='clip')", (v) => t(() => jnp.take(v.v, arr([5, -1, -4]), null, { mode: "clip" })), x],
  ["jnp.take(v, jnp.array([5, -1, -4]), mode='wrap')", (v) => t(() => jnp.take(v.v, arr([5, -1, -4]), null, { mode: "wrap" })), x],
  ["jnp.take(v, jnp.array([9]), fill_value=-1.0)", (v) => t(() => jnp.take(v.v, arr([9]), null, { fillValue: -1 })), x],
  ["jnp.take(im, jnp.array([5, -1, -4]))", (v) => t(() => jnp.take(v.im, arr([5, -1, -4]))), x],
  ["jnp.take(a, jnp.array([[0, 2], [1, 9]]), axis=1)", (v) => t(() => jnp.take(v.a, jnp.array([[0, 2], [1, 9]]), 1)), x],
  ["jnp.take(a, jnp.array([3, 0]), axis=-1)", (v) => t(() => jnp.take(v.a, arr([3, 0]), -1)), x],
  ["jnp.take(a, 5)", (v) => jnp.take(v.a, 5), x],
  ["jnp.take(bm, jnp.array([1, 1]), axis=0)", (v) => t(() => jnp.take(v.bm, arr([1, 1]), 0)), x],
  ["jnp.take_along_axis(m, jnp.argsort(m, axis=1), axis=1)", (v) => t(() => jnp.takeAlongAxis(v.m, jnp.argsort(v.m, 1), 1)), x],
  ["jnp.take_along_axis(m, jnp.array([[0], [2]]), axis=-1)", (v) => t(() => jnp.takeAlongAxis(v.m, jnp.array([[0], [2]]), -1)), x],
  ["jnp.take_along_axis(m, jnp.array([[1, 0, -1, 5]]), axis=1)", (v) => t(() => jnp.takeAlongAxis(v.m, jnp.array([[1, 0, -1, 5]]), 1)), x],
  ["jnp.take_along_axis(m, jnp.array([[1, 0, -1, 5]]), axis=1, mode='clip')", (v) => t(() => jnp.takeAlongAxis(v.m, jnp.array([[1, 0, -1, 5]]), 1, { mode: "clip" })), x],
  ["jnp.take_along_axis(m, jnp.array([[1], [0]]), axis=0)", (v) => t(() => jnp.takeAlongAxis(v.m, jnp.array([[1], [0]]), 0)), x],
  ["jnp.take_along_axis(v, jnp.array([2, 0, 0]), axis=None)", (v) => t(() => jnp.takeAlongAxis(v.v, arr([2, 0, 0]), null)), x],
  ["jnp.put_along_axis(m, jnp.array([[0], [2]]), 9.0, axis=1, inplace=False)", (v) => t(() => jnp.putAlongAxis(v.m, jnp.array([[0], [2]]), jnp.pyFloat(9), 1, { inplace: false })), x],
  ["jnp.put_along_axis(m, jnp.array([[1, 0, 1]]), jnp.array([[7., 8., 9.]]), axis=0, inplace=False)", (v) => t(() => jnp.putAlongAxis(v.m, jnp.array([[1, 0, 1]]), jnp.array([[7, 8, 9]], "float32"), 0, { inplace: false })), x],
  // where, select, clip, nonzero.
  ["jnp.where(m > 0, m, 0)", (v) => t(() => jnp.where(jnp.greater(v.m, 0), v.m, 0)), x],
  ["jnp.where(im, 1, 0.5)", (v) => jnp.where(v.im, 1, 0.5), x],
  ["jnp.where(True, im, b3)", (v) => jnp.where(true, v.im, v.b3), x],
  ["jnp.where(b3, v, jnp.zeros((2, 1)))", (v) => t(() => jnp.where(v.b3, v.v, jnp.zeros([2, 1]))), x],
  ["jnp.where(b3)", (v) => jnp.where(v.b3), x],
  ["jnp.where(im)", (v) => jnp.where(v.im), x],
  ["jnp.select([v < 1, v < 2.5], [v * 10, v * 100], default=-1)", (v) => t(() => jnp.select([jnp.less(v.v, 1), jnp.less(v.v, 2.5)], [jnp.multiply(v.v, 10), jnp.multiply(v.v, 100)], -1)), x],
  ["jnp.select([b3], [im[0]])", (v) => t(() => jnp.select([v.b3], [I(v.im, 0)])), x],
  ["jnp.clip(m, -1, 2)", (v) => jnp.clip(v.m, -1, 2), x],
  ["jnp.clip(m, max=0.5)", (v) => jnp.clip(v.m, null, 0.5), x],
  ["jnp.clip(im, 0.5, 2)", (v) => jnp.clip(v.im, 0.5, 2), x],
  ["jnp.clip(m, 2, -1)", (v) => jnp.clip(v.m, 2, -1), x],
  ["jnp.clip(s, 0, 1)", (v) => jnp.clip(v.s, 0, 1), x],
  ["jnp.nonzero(im)", (v) => jnp.nonzero(v.im), x],
  ["jnp.nonzero(bm, size=5)", (v) => jnp.nonzero(v.bm, { size: 5 }), x],
  ["jnp.nonzero(bm, size=5, fill_value=-1)", (v) => jnp.nonzero(v.bm, { size: 5, fillValue: -1 }), x],
  ["jnp.nonzero(bm, size=1)", (v) => jnp.nonzero(v.bm, { size: 1 }), x],
  ["jnp.nonzero(s)", (v) => jnp.nonzero(v.s), x],
  ["jnp.flatnonzero(im)", (v) => jnp.flatnonzero(v.im), x],
  ["jnp.argwhere(bm)", (v) => jnp.argwhere(v.bm), x],
  // Sorting: stable, NaN last, -0 and 0 tie, descending keeps ties in order.
  ["jnp.sort(z)", (v) => jnp.sort(v.z), x],
  ["jnp.argsort(z)", (v) => jnp.argsort(v.z), x],
  ["jnp.argsort(z, descending=True)", (v) => jnp.argsort(v.z, -1, { descending: true }), x],
  ["jnp.sort(z, descending=True)", (v) => jnp.sort(v.z, -1, { descending: true }), x],
  ["jnp.sort(m, axis=0)", (v) => jnp.sort(v.m, 0), x],
  ["jnp.argsort(im, axis=None)", (v) => jnp.argsort(v.im, null), x],
  ["jnp.sort(bm)", (v) => jnp.sort(v.bm), x],
  ["G(lambda t: jnp.sort(t, axis=0), m)", (u) => G((w) => jnp.sort(w, 0), [u.m])],
  ["G(lambda t: jnp.sort(t, descending=True), z)", (u) => G((w) => jnp.sort(w, -1, { descending: true }), [u.z])],
  // Gradients.
  ["G(lambda t: t[1, ::-1, None], a)", (u) => G((w) => I(w, 1, S(null, null, -1), N), [u.a])],
  ["G(lambda t: t[jnp.array([[0], [1]]), jnp.array([0, 2, 0])], a)", (u) => t(() => G((w) => I(w, jnp.array([[0], [1]]), arr([0, 2, 0])), [u.a]))],
  ["G(lambda t: t[mask], a)", (u) => G((w) => I(w, u.mask), [u.a])],
  ["G(lambda t: t.at[jnp.array([0, 0, 1])].set(jnp.array([1., 2., 3.]) * t[2]), v)", (u) => t(() => G((w) => at(w, arr([0, 0, 1])).set(jnp.multiply(jnp.array([1, 2, 3], "float32"), I(w, 2))), [u.v]))],
  ["G(lambda t: v.at[jnp.array([0, 0, 1])].set(t), w3)", (u) => t(() => G((w) => at(u.v, arr([0, 0, 1])).set(w), [u.w3]))],
  ["G(lambda t: t.at[jnp.array([0, 0, 2])].add(t[:3] ** 2), v)", (u) => t(() => G((w) => at(w, arr([0, 0, 2])).add(jnp.power(I(w, S(null, 3)), 2)), [u.v]))],
  ["G(lambda t: t.at[jnp.array([0, 0, 2])].multiply(jnp.array([2., 3., 4.])), v)", (u) => t(() => G((w) => at(w, arr([0, 0, 2])).multiply(jnp.array([2, 3, 4], "float32")), [u.v]))],
  ["G(lambda t, u: t.at[jnp.array([0, 2, 2, 1, 1, 5])].min(u), v, u6, argnums=(0, 1))", (u) => t(() => G((w, z) => at(w, arr([0, 2, 2, 1, 1, 5])).min(z), [u.v, u.u6], [0, 1]))],
  ["G(lambda t, u: t.at[jnp.array([0, 2, 2, 1, 1, 5])].max(u), v, u6, argnums=(0, 1))", (u) => t(() => G((w, z) => at(w, arr([0, 2, 2, 1, 1, 5])).max(z), [u.v, u.u6], [0, 1]))],
  ["G(lambda t: jnp.take(t, jnp.array([5, -1, 1, 1])), v)", (u) => t(() => G((w) => jnp.take(w, arr([5, -1, 1, 1])), [u.v]))],
  ["G(lambda t: jnp.take_along_axis(t, jnp.array([[1, 0, 1, 1]]), axis=1), m)", (u) => t(() => G((w) => jnp.takeAlongAxis(w, jnp.array([[1, 0, 1, 1]]), 1), [u.m]))],
  ["G(lambda t: jnp.where(t > 0, t, t * 3), m)", (u) => G((w) => t(() => jnp.where(jnp.greater(w, 0), w, jnp.multiply(w, 3))), [u.m])],
  ["G(lambda t: jnp.clip(t, -1, 2), m)", (u) => G((w) => jnp.clip(w, -1, 2), [u.m])],
  ["G(lambda t: jnp.select([t < 1, t < 2.5], [t * 10, t * 100], default=-1), v)", (u) => G((w) => t(() => jnp.select([jnp.less(w, 1), jnp.less(w, 2.5)], [jnp.multiply(w, 10), jnp.multiply(w, 100)], -1)), [u.v])],
];

describe("jnp indexing matches JAX", () => {
  compareWithJax(
    `
a = jnp.arange(24.0).reshape(2, 3, 4) * 1.5 - 7
v = jnp.array([0.5, 2.0, -1.0], jnp.float32)
w3 = jnp.array([1.0, 2.0, 3.0], jnp.float32)
u6 = jnp.array([1.0, -1.0, -1.0, 2.0, 2.0, 7.0], jnp.float32)
s = jnp.array([float("nan"), 3.0, -2.0, 0.5], jnp.float32)
m = jnp.array([[1.5, -2.0, 2.0], [4.0, -1.0, 0.5]], jnp.float32)
im = jnp.array([[3, 0, -2], [0, 5, 1]], jnp.int32)
bm = jnp.array([[True, False, True], [False, False, True]])
b3 = jnp.array([True, False, True])
mask = jnp.array([False, True])
mask2 = jnp.array([[True, False, False, True], [False, False, True, False], [True, True, False, False]])
mask3 = jnp.array([True, False, True])
z = jnp.array([2.0, float("nan"), -0.0, 1.0, 0.0, 2.0, -3.0, float("inf"), 1.0], jnp.float32)
`,
    cases,
  );
});
