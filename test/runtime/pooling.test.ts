import { beforeAll, describe, expect, it } from "vitest";
import { nnx, tf } from "../../runtime/index.js";
import { pythonJson } from "../helpers/python.js";
import { PY_PRELUDE, expectClose, expectNoLeak, tensor, type Nested } from "../helpers/layers.js";

// Pooling against flax.nnx's re-exports of flax.linen.pooling. Inputs are
// multiples of 0.5 in a small range, so windows have many tied maxima/minima:
// the gradient must go where JAX's reduce_window VJP sends it.

interface Case {
  fn: "avg" | "max" | "min";
  name: string;
  x: number[];
  window: number[];
  strides?: number[];
  padding?: string | [number, number][];
  countIncludePad?: boolean;
}

const CASES: Case[] = [
  { fn: "max", name: "1d window 2", x: [2, 9, 3], window: [2] },
  { fn: "max", name: "1d window 3 stride 2 SAME", x: [2, 9, 3], window: [3], strides: [2], padding: "SAME" },
  { fn: "max", name: "2d 2x2 stride 2", x: [2, 6, 6, 3], window: [2, 2], strides: [2, 2] },
  { fn: "max", name: "2d 3x3 stride 1 SAME (overlapping ties)", x: [2, 5, 6, 2], window: [3, 3], padding: "SAME" },
  { fn: "max", name: "2d pairs padding", x: [1, 5, 5, 2], window: [3, 2], strides: [2, 1], padding: [[1, 2], [0, 1]] },
  { fn: "max", name: "2d no batch dims", x: [6, 5, 2], window: [2, 3], strides: [1, 2] },
  { fn: "max", name: "2d two batch dims", x: [2, 3, 4, 4, 2], window: [2, 2], strides: [2, 2] },
  { fn: "max", name: "3d 2x2x2", x: [2, 4, 4, 4, 2], window: [2, 2, 2], strides: [2, 1, 2], padding: "SAME" },
  { fn: "min", name: "1d window 3", x: [2, 8, 2], window: [3] },
  { fn: "min", name: "2d 3x3 stride 2 SAME", x: [2, 7, 6, 3], window: [3, 3], strides: [2, 2], padding: "SAME" },
  { fn: "min", name: "3d pairs", x: [1, 3, 4, 3, 2], window: [2, 2, 2], padding: [[1, 0], [0, 1], [1, 1]] },
  { fn: "avg", name: "1d VALID", x: [2, 9, 3], window: [3], strides: [2] },
  { fn: "avg", name: "2d SAME count pad", x: [2, 5, 6, 2], window: [3, 3], padding: "SAME" },
  { fn: "avg", name: "2d SAME without pad in count", x: [2, 5, 6, 2], window: [3, 3], padding: "SAME", countIncludePad: false },
  { fn: "avg", name: "2d pairs without pad in count, no batch", x: [5, 5, 2], window: [2, 3], strides: [2, 1], padding: [[1, 1], [2, 0]], countIncludePad: false },
  { fn: "avg", name: "2d two batch dims without pad in count", x: [2, 2, 4, 5, 2], window: [2, 2], padding: "SAME", countIncludePad: false },
  { fn: "avg", name: "3d SAME", x: [1, 4, 3, 5, 2], window: [2, 3, 2], strides: [2, 1, 2], padding: "SAME" },
];

interface Ref {
  x: Nested;
  y: Nested;
  c: Nested;
  gx: Nested;
}

const PY = `${PY_PRELUDE}
cases = json.load(sys.stdin)
fns = {"avg": nnx.avg_pool, "max": nnx.max_pool, "min": nnx.min_pool}
out = []
for i, cs in enumerate(cases):
  x = jnp.round(jax.random.normal(jax.random.key(1000 + i), cs["x"]) * 1.5) / 2
  kw = {}
  if "strides" in cs: kw["strides"] = tuple(cs["strides"])
  if "padding" in cs: kw["padding"] = cs["padding"] if isinstance(cs["padding"], str) else tuple(tuple(p) for p in cs["padding"])
  if "countIncludePad" in cs: kw["count_include_pad"] = cs["countIncludePad"]
  f = lambda x: fns[cs["fn"]](x, tuple(cs["window"]), **kw)
  y = f(x)
  c = jax.random.normal(jax.random.key(2000 + i), y.shape)
  gx = jax.grad(lambda x: jnp.sum(f(x) * c))(x)
  out.append({"x": tl(x), "y": tl(y), "c": tl(c), "gx": tl(gx)})
print(json.dumps(out))
`;

function run(c: Case, x: tf.Tensor): tf.Tensor {
  const o = { strides: c.strides, padding: c.padding };
  if (c.fn === "max") return nnx.maxPool(x, c.window, o);
  if (c.fn === "min") return nnx.minPool(x, c.window, o);
  return nnx.avgPool(x, c.window, { ...o, countIncludePad: c.countIncludePad });
}

describe("pooling against flax.nnx", { timeout: 600_000 }, () => {
  let refs: Ref[];
  // One JAX compilation per case: minutes on a busy machine.
  beforeAll(() => {
    refs = pythonJson<Ref[]>(PY, JSON.stringify(CASES));
  }, 900_000);

  it.each(CASES.map((c, i) => [`${c.fn}Pool ${c.name}`, i] as const))("%s: output and gradient", (_n, i) => {
    const c = CASES[i];
    const ref = refs[i];
    tf.tidy(() => {
      const x = tensor(ref.x);
      expectClose(run(c, x), ref.y, "y");
      const cot = tensor(ref.c);
      // Exact for max/min (the gradient is a sum of cotangents routed to single elements).
      expectClose(tf.grad((xx: tf.Tensor) => tf.sum(tf.mul(run(c, xx), cot)))(x), ref.gx, "dx");
    });
  });

  it("nnx.pool with a custom reduction and a non-identity init, as lax.reduce_window", () => {
    const ref = pythonJson<{ x: Nested; sum: Nested; max: Nested; mul: Nested }>(`${PY_PRELUDE}
from jax import lax
x = jax.random.normal(jax.random.key(0), (2, 5, 3))
print(json.dumps({"x": tl(x),
  "sum": tl(nnx.pool(x, 1.0, lax.add, (2,), (2,), "SAME")),
  "max": tl(nnx.pool(x, -jnp.inf, lax.max, (3,), None, ((1, 1),))),
  "mul": tl(nnx.pool(x, 1.0, lax.mul, (2,), (1,), "VALID"))}))
`);
    tf.tidy(() => {
      const x = tensor(ref.x);
      expectClose(nnx.pool(x, 1, tf.add, [2], [2], "SAME"), ref.sum, "sum, init 1");
      expectClose(nnx.pool(x, -Infinity, tf.maximum, [3], null, [[1, 1]]), ref.max, "max");
      expectClose(nnx.pool(x, 1, tf.mul, [2], [1], "VALID"), ref.mul, "product");
    });
  });

  it("rejects padding for the wrong number of dims", () => {
    expect(() => nnx.maxPool(tf.ones([1, 4, 4, 1]), [2, 2], { padding: [[1, 1]] })).toThrow(/same number of dims/);
  });

  it("keeps numTensors flat", () => {
    const x = tf.randomNormal([2, 6, 6, 3]);
    expectNoLeak(() => {
      tf.tidy(() => {
        nnx.maxPool(x, [3, 3], { strides: [2, 2], padding: "SAME" });
        nnx.avgPool(x, [2, 2], { padding: "SAME", countIncludePad: false });
      });
      tf.grad((xx: tf.Tensor) => tf.sum(nnx.maxPool(xx, [2, 2])))(x).dispose();
    });
  });
});
