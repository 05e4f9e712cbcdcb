// Elementwise math against live JAX: values on each function's domain and on
// NaN/±inf/±0, the dtype each takes ints and bools to, gradients (jax.grad of
// sum(f(x) * c)), integer division and modulo at 0 and INT_MIN, rounding of
// halves, NaN and ties in maximum/minimum.
import { describe } from "vitest";
import { jnp, lax, tf } from "../../../runtime/index.js";
import { type Case, G, compareWithJax } from "./harness.js";

type Unary = (x: jnp.ArrayLike) => tf.Tensor;

// name in jnp (Python), the TS function, the inputs to try, and whether it has a gradient there.
const UNARY: [string, Unary, string[], boolean][] = [
  ["exp", jnp.exp, ["x", "s", "i", "b"], true],
  ["exp2", jnp.exp2, ["x", "s", "i"], true],
  ["expm1", jnp.expm1, ["x", "s"], true],
  ["log", jnp.log, ["p", "s", "i"], true],
  ["log1p", jnp.log1p, ["p", "u", "s"], true],
  ["log2", jnp.log2, ["p", "s"], true],
  ["log10", jnp.log10, ["p", "s"], true],
  ["sin", jnp.sin, ["x", "s", "i"], true],
  ["cos", jnp.cos, ["x", "s"], true],
  ["tan", jnp.tan, ["u", "s"], true],
  ["arcsin", jnp.arcsin, ["u", "s"], true],
  ["arccos", jnp.arccos, ["u", "s"], true],
  ["arctan", jnp.arctan, ["x", "s"], true],
  ["sinh", jnp.sinh, ["x", "s"], true],
  ["cosh", jnp.cosh, ["x", "s"], true],
  ["tanh", jnp.tanh, ["x", "s"], true],
  ["arcsinh", jnp.arcsinh, ["x", "s"], true],
  ["arccosh", jnp.arccosh, ["g", "s"], true],
  ["arctanh", jnp.arctanh, ["u", "s"], true],
  ["sqrt", jnp.sqrt, ["p", "s", "i"], true],
  ["cbrt", jnp.cbrt, ["x", "s", "i"], true],
  ["square", jnp.square, ["x", "s", "i", "b"], true],
  ["reciprocal", jnp.reciprocal, ["p", "s", "i"], true],
  ["abs", jnp.abs, ["x", "s", "i", "b"], true],
  ["fabs", jnp.fabs, ["x", "i"], true],
  ["sign", jnp.sign, ["x", "s", "i", "b"], true],
  ["floor", jnp.floor, ["x", "s", "i", "b"], true],
  ["ceil", jnp.ceil, ["x", "s", "i", "b"], true],
  ["round", (a) => jnp.round(a), ["x", "s", "i", "b"], true],
  ["rint", jnp.rint, ["x", "s", "i"], false],
  ["trunc", jnp.trunc, ["x", "s", "i", "b"], true],
  ["negative", jnp.negative, ["x", "s", "i", "b"], true],
  ["positive", jnp.positive, ["x", "i", "b"], true],
  ["isnan", jnp.isnan, ["s", "i", "b"], false],
  ["isinf", jnp.isinf, ["s", "i", "b"], false],
  ["isfinite", jnp.isfinite, ["s", "i", "b"], false],
  ["isposinf", jnp.isposinf, ["s", "i"], false],
  ["isneginf", jnp.isneginf, ["s", "i"], false],
  ["signbit", jnp.signbit, ["x", "s", "i", "b"], false],
  ["deg2rad", jnp.deg2rad, ["x", "i"], true],
  ["rad2deg", jnp.rad2deg, ["x"], true],
  ["logical_not", jnp.logicalNot, ["x", "i", "b"], false],
  ["bitwise_not", jnp.bitwiseNot, ["i", "b", "x"], false],
];

const GRAD_INPUT: Record<string, string> = { x: "x", s: "x", p: "p", u: "u", g: "g", i: "x", b: "x" };
// Exact kernels: data movement, rounding, comparisons, exact roots.
const EXACT = new Set(["abs", "fabs", "sign", "floor", "ceil", "round", "rint", "trunc", "negative", "positive", "square", "cbrt", "sqrt", "reciprocal"]);

const cases: Case[] = [];
for (const [name, fn, inputs, grad] of UNARY) {
  for (const a of inputs) cases.push([`jnp.${name}(${a})`, (v) => fn(v[a]), { exact: EXACT.has(name) }]);
  if (grad) {
    const a = GRAD_INPUT[inputs[0]];
    cases.push([`G(jnp.${name}, ${a})`, (v) => G((t) => fn(t), [v[a]])]);
  }
}

const BINARY: [string, (a: jnp.ArrayLike, b: jnp.ArrayLike) => tf.Tensor, [string, string][], boolean][] = [
  ["maximum", jnp.maximum, [["y", "z"], ["z", "y"], ["i", "j"], ["b", "b2"], ["y", "2.0"]], true],
  ["minimum", jnp.minimum, [["y", "z"], ["z", "y"], ["i", "j"], ["b", "b2"], ["y", "2.0"]], true],
  ["fmax", jnp.fmax, [["y", "z"], ["z", "y"], ["i", "j"], ["s", "s[::-1]"]], true],
  ["fmin", jnp.fmin, [["y", "z"], ["z", "y"], ["i", "j"], ["s", "s[::-1]"]], true],
  ["arctan2", jnp.arctan2, [["x", "x[::-1]"], ["s", "s[::-1]"], ["i", "j"]], true],
  ["logaddexp", jnp.logaddexp, [["x", "x[::-1]"], ["s", "s[::-1]"], ["i", "j"]], true],
  ["copysign", jnp.copysign, [["x", "x[::-1]"], ["s", "s[::-1]"], ["i", "j"]], true],
  ["floor_divide", jnp.floorDivide, [["i", "j"], ["x", "x[::-1]"], ["s", "s[::-1]"], ["x", "0.1"], ["s", "0.0"]], false],
  ["remainder", jnp.remainder, [["i", "j"], ["x", "x[::-1]"], ["s", "s[::-1]"], ["x", "0.1"], ["x", "-0.7"]], true],
  ["fmod", jnp.fmod, [["i", "j"], ["x", "x[::-1]"], ["s", "s[::-1]"], ["x", "-0.7"]], true],
  ["power", jnp.power, [["p", "x[:6]"], ["x", "2"], ["x", "3"], ["x", "-2"], ["x", "0"], ["x", "2.0"], ["x", "0.5"], ["s", "s[::-1]"], ["i", "j"], ["i", "2"], ["i", "-1"], ["2", "i"], ["x", "j"], ["s", "2"]], true],
  ["true_divide", jnp.trueDivide, [["x", "x[::-1]"], ["s", "s[::-1]"], ["i", "j"], ["x", "3"], ["y", "y[:, :1]"], ["3.0", "p"]], true],
  ["isclose", (a, b) => jnp.isclose(a, b), [["y", "z"], ["s", "s"], ["p", "p * (1 + 1e-6)"], ["i", "j"]], false],
];
const SCALAR_TS: Record<string, jnp.ArrayLike> = { "2.0": jnp.pyFloat(2), "0.1": 0.1, "0.0": jnp.pyFloat(0), "-0.7": -0.7, "0.5": 0.5, "2": 2, "3": 3, "-2": -2, "0": 0, "-1": -1, "3.0": jnp.pyFloat(3) };

function operand(expr: string, v: Record<string, tf.Tensor>): jnp.ArrayLike {
  if (expr in SCALAR_TS) return SCALAR_TS[expr];
  if (expr.endsWith("[::-1]")) return jnp.flip(v[expr.slice(0, -6)]);
  if (expr === "x[:6]") return jnp.index(v.x, jnp.slice(null, 6));
  if (expr === "y[:, :1]") return jnp.index(v.y, jnp.slice(), jnp.slice(null, 1));
  if (expr === "p * (1 + 1e-6)") return jnp.multiply(v.p, 1 + 1e-6);
  return v[expr];
}

for (const [name, fn, pairs, grad] of BINARY) {
  for (const [a, b] of pairs) {
    const derived = [a, b].some((e) => /[[*]/.test(e));
    cases.push([
      `jnp.${name}(${a}, ${b})`,
      (v) => (derived ? tf.tidy(() => fn(operand(a, v), operand(b, v))) : fn(operand(a, v), operand(b, v))),
      { exact: !["arctan2", "logaddexp", "power", "isclose"].includes(name) },
    ]);
  }
  if (grad) {
    const [a, b] = pairs[0];
    const wrt = (ab: string) => (ab === "i" || ab === "j" ? null : ab);
    if (wrt(a) && !/\[/.test(a)) cases.push([`G(lambda t: jnp.${name}(t, ${b}), ${a})`, (v) => tf.tidy(() => G((t) => fn(t, operand(b, v)), [v[a]]))]);
    if (wrt(b) && !/\[/.test(b) && !(b in SCALAR_TS)) cases.push([`G(lambda t: jnp.${name}(${a}, t), ${b})`, (v) => tf.tidy(() => G((t) => fn(operand(a, v), t), [v[b]]))]);
  }
}

cases.push(
  // Ties split the gradient (JAX's _balanced_eq); abs'(0) = 1; pow's derivatives at 0.
  ["G(lambda t: jnp.maximum(t, y[::-1]), y)", (v) => tf.tidy(() => G((t) => jnp.maximum(t, jnp.flip(v.y)), [v.y]))],
  ["G(lambda t: jnp.minimum(t, 2.0), y)", (v) => G((t) => jnp.minimum(t, jnp.pyFloat(2)), [v.y])],
  ["G(lambda t: jnp.power(t, 2), x)", (v) => G((t) => jnp.power(t, 2), [v.x])],
  ["G(lambda t: jnp.power(t, 0), x)", (v) => G((t) => jnp.power(t, 0), [v.x])],
  ["G(lambda t: jnp.power(t, -3), p)", (v) => G((t) => jnp.power(t, -3), [v.p])],
  ["G(lambda t: jnp.power(t, 0.5), p)", (v) => G((t) => jnp.power(t, 0.5), [v.p])],
  ["G(lambda t: jnp.power(t, j), x)", (v) => G((t) => jnp.power(t, v.j), [v.x])],
  ["G(lambda t, e: jnp.power(t, e), zp, ze, argnums=(0, 1))", (v) => G((t, e) => jnp.power(t, e), [v.zp, v.ze], [0, 1])],
  ["G(lambda t: jnp.abs(t), s[3:])", (v) => tf.tidy(() => G((t) => jnp.abs(t), [jnp.index(v.s, jnp.slice(3))]))],
  ["G(lambda t: jnp.logaddexp(t, -jnp.inf), x)", (v) => G((t) => jnp.logaddexp(t, -Infinity), [v.x])],
  ["G(lambda t: jnp.floor_divide(t, 0.7), x)", (v) => G((t) => jnp.floorDivide(t, 0.7), [v.x])],
  // Rounding: halves to even; decimals rescale as JAX does.
  ["jnp.round(x, 1)", (v) => jnp.round(v.x, 1), { exact: true }],
  ["jnp.round(h, 2)", (v) => jnp.round(v.h, 2), { exact: true }],
  ["jnp.round(h, -1)", (v) => jnp.round(v.h, -1), { exact: true }],
  ["jnp.round(i, -1)", (v) => jnp.round(v.i, -1)],
  ["jnp.nan_to_num(s)", (v) => jnp.nanToNum(v.s), { exact: true }],
  ["jnp.nan_to_num(s, nan=1.5, posinf=9.0, neginf=-9.0)", (v) => jnp.nanToNum(v.s, { nan: 1.5, posinf: 9, neginf: -9 }), { exact: true }],
  ["jnp.nan_to_num(i)", (v) => jnp.nanToNum(v.i)],
  ["jnp.divmod(i, j)", (v) => jnp.divmod(v.i, v.j)],
  ["jnp.divmod(x, 0.7)", (v) => jnp.divmod(v.x, 0.7), { exact: true }],
  ["jnp.float_power(i, 2)", (v) => jnp.floatPower(v.i, 2)],
  ["lax.rsqrt(p)", (v) => lax.rsqrt(v.p)],
  ["lax.integer_pow(x, 5)", (v) => lax.integerPow(v.x, 5)],
  ["lax.integer_pow(x, -2)", (v) => lax.integerPow(v.x, -2)],
  ["lax.integer_pow(i, 3)", (v) => lax.integerPow(v.i, 3)],
  ["lax.integer_pow(i, -1)", (v) => lax.integerPow(v.i, -1)],
  ["G(lambda t: lax.integer_pow(t, 3), x)", (v) => G((t) => lax.integerPow(t, 3), [v.x])],
  ["jnp.cbrt(jnp.array([8.0, -27.0, 1e-3, 2.0]))", () => tf.tidy(() => jnp.cbrt(jnp.array([8.0, -27.0, 1e-3, 2.0]))), { exact: true }],
);

describe("jnp elementwise functions match JAX", () => {
  compareWithJax(
    `
nan, inf = float("nan"), float("inf")
x = jnp.array([-3.7, -2.5, -1.5, -0.5, -0.0, 0.0, 0.3, 0.5, 1.5, 2.5, 3.49, 1e-30], jnp.float32)
s = jnp.array([nan, inf, -inf, -0.0, 0.0, 1.0, -1.0], jnp.float32)
p = jnp.array([0.1, 0.5, 1.0, 2.0, 7.3, 100.0], jnp.float32)
u = jnp.array([-0.9, -0.5, 0.0, 0.3, 0.99], jnp.float32)
g = jnp.array([1.0, 1.5, 3.0, 10.0], jnp.float32)
h = jnp.array([0.125, 0.375, -0.125, 2.675, 15.0, 25.0, 35.0, -45.0], jnp.float32)
i = jnp.array([-7, -3, -1, 0, 1, 2, 5, 2147483647, -2147483648, 7, 0, -2147483648], jnp.int32)
j = jnp.array([2, -2, 3, 0, -1, 5, -3, -1, -1, 0, 0, 2], jnp.int32)
b = jnp.array([True, False, True, False])
b2 = jnp.array([True, True, False, False])
y = jnp.array([[1.0, 2.0, 2.0], [-1.0, 3.0, -1.0]], jnp.float32)
z = jnp.array([[2.0, 2.0, 1.0], [nan, -4.0, -1.0]], jnp.float32)
zp = jnp.array([0.0, 0.0, 2.0, -2.0, 0.5], jnp.float32)
ze = jnp.array([0.0, 2.0, 0.0, 3.0, -1.5], jnp.float32)
`,
    cases,
  );
});
