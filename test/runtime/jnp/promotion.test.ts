// JAX's dtype promotion with weak Python scalars, operator by operator: int32,
// float32 and bool arrays against each other and against Python ints, floats
// (integral ones via jnp.pyFloat) and bools, in both orders, plus scalar pairs.
import { describe } from "vitest";
import { jnp } from "../../../runtime/index.js";
import type { tf } from "../../../runtime/index.js";
import { type Case, type Inputs, compareWithJax } from "./harness.js";

type Operand = jnp.ArrayLike;
type BinaryFn = (a: Operand, b: Operand) => tf.Tensor;

const OPS: [string, string, BinaryFn][] = [
  ["+", "add", jnp.add],
  ["-", "subtract", jnp.subtract],
  ["*", "multiply", jnp.multiply],
  ["/", "true_divide", jnp.divide],
  ["//", "floor_divide", jnp.floorDivide],
  ["%", "remainder", jnp.remainder],
  ["**", "power", jnp.power],
  ["==", "equal", jnp.equal],
  ["!=", "not_equal", jnp.notEqual],
  ["<", "less", jnp.less],
  ["<=", "less_equal", jnp.lessEqual],
  [">", "greater", jnp.greater],
  [">=", "greater_equal", jnp.greaterEqual],
  ["&", "bitwise_and", jnp.bitwiseAnd],
  ["|", "bitwise_or", jnp.bitwiseOr],
  ["^", "bitwise_xor", jnp.bitwiseXor],
];

const ARRAYS = ["i", "f", "b"];
// Python literal -> the TypeScript value standing for it.
const SCALARS: [string, Operand][] = [
  ["3", 3],
  ["-2", -2],
  ["2.0", jnp.pyFloat(2)],
  ["0.5", 0.5],
  ["True", true],
];

const operand = (name: string, v: Inputs): Operand => (ARRAYS.includes(name) ? v[name] : SCALARS.find(([py]) => py === name)![1]);

const cases: Case[] = [];
for (const [sym, fname, fn] of OPS) {
  const pairs: [string, string][] = [];
  for (const a of ARRAYS) for (const b of [...ARRAYS, ...SCALARS.map(([s]) => s)]) pairs.push([a, b]);
  for (const [s] of SCALARS) for (const b of ARRAYS) pairs.push([s, b]);
  for (const [s] of SCALARS) for (const [t] of SCALARS) if (s !== "-2" && t !== "-2") pairs.push([s, t]);
  for (const [a, b] of pairs) {
    const scalarPair = !ARRAYS.includes(a) && !ARRAYS.includes(b);
    const lit = (s: string) => (ARRAYS.includes(s) ? s : `(${s})`);
    const py = scalarPair ? `jnp.${fname}(${a}, ${b})` : `${lit(a)} ${sym} ${lit(b)}`;
    // Powers go through pow kernels (XLA's and TF's differ in the last bits); everything else is exact.
    cases.push([py, (v) => fn(operand(a, v), operand(b, v)), { exact: sym !== "**" }]);
  }
}
for (const a of ARRAYS) cases.push([`-${a}`, (v) => jnp.negative(v[a]), { exact: true }]);
for (const [s, val] of SCALARS) cases.push([`jnp.negative(${s})`, () => jnp.negative(val), { exact: true }]);

describe("jnp binary operators: dtypes and values as JAX's, weak scalars included", () => {
  compareWithJax(
    `
i = jnp.array([-7, -2, 0, 3, 5, 1], jnp.int32)
f = jnp.array([-2.5, -1.0, 0.0, 1.5, 3.0, 7.25], jnp.float32)
b = jnp.array([True, False, True, False, True, True])
`,
    cases,
  );
});
