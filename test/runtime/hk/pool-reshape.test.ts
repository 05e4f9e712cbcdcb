// hk.max_pool / avg_pool / MaxPool / AvgPool and hk.Reshape / Flatten against
// live dm-haiku: outputs and input gradients (max-pool ties included).
import { beforeAll, describe, expect, it } from "vitest";
import { hk, tf } from "../../../runtime/index.js";
import { type HkReference, decodeNest, expectClose, expectGradsClose, expectNoLeak, hkReference } from "../../helpers/haiku.js";

const POOL: { py: string; x: string; ts: (x: tf.Tensor) => tf.Tensor }[] = [
  {
    py: "hk.max_pool(x, (1, 3, 3, 1), (1, 2, 2, 1), 'SAME')",
    x: "jnp.floor(jax.random.normal(jax.random.key(1), (2, 7, 6, 3)) * 1.5)",
    ts: (x) => hk.maxPool(x, [1, 3, 3, 1], [1, 2, 2, 1], "SAME"),
  },
  { py: "hk.max_pool(x, 2, 2, 'VALID')", x: "jax.random.normal(jax.random.key(2), (2, 7, 6, 3))", ts: (x) => hk.maxPool(x, 2, 2, "VALID") },
  { py: "hk.avg_pool(x, 3, 2, 'SAME')", x: "jax.random.normal(jax.random.key(3), (2, 7, 6, 3))", ts: (x) => hk.avgPool(x, 3, 2, "SAME") },
  { py: "hk.avg_pool(x, (2, 3), (1, 2), 'VALID')", x: "jax.random.normal(jax.random.key(4), (2, 7, 6, 3))", ts: (x) => hk.avgPool(x, [2, 3], [1, 2], "VALID") },
  {
    py: "hk.max_pool(x, 2, (1, 1, 2, 1), 'SAME', channel_axis=1)",
    x: "jax.random.normal(jax.random.key(5), (2, 3, 5, 6))",
    ts: (x) => hk.maxPool(x, 2, [1, 1, 2, 1], "SAME", 1),
  },
  { py: "hk.avg_pool(x, 3, 1, 'SAME')", x: "jax.random.normal(jax.random.key(6), (2, 7, 3))", ts: (x) => hk.avgPool(x, 3, 1, "SAME") },
  {
    py: "hk.max_pool(x, (1, 2, 2, 2), (1, 2, 1, 2), 'SAME')",
    x: "jnp.floor(jax.random.normal(jax.random.key(7), (2, 4, 5, 6)) * 1.5)",
    ts: (x) => hk.maxPool(x, [1, 2, 2, 2], [1, 2, 1, 2], "SAME"),
  },
  { py: "hk.avg_pool(x, (2, 1, 1), (2, 1, 1), 'VALID')", x: "jax.random.normal(jax.random.key(8), (4, 3, 2))", ts: (x) => hk.avgPool(x, [2, 1, 1], [2, 1, 1], "VALID") },
  { py: "hk.avg_pool(x, 2, 2, 'SAME', channel_axis=None)", x: "jax.random.normal(jax.random.key(9), (2, 3, 5))", ts: (x) => hk.avgPool(x, 2, 2, "SAME", null) },
  { py: "hk.MaxPool(3, 1, 'SAME')(x)", x: "jax.random.normal(jax.random.key(10), (1, 4, 4, 2))", ts: (x) => new hk.MaxPool(3, 1, "SAME").call(x) },
  { py: "hk.AvgPool((1, 2, 2, 1), 1, 'VALID')(x)", x: "jax.random.normal(jax.random.key(11), (1, 4, 4, 2))", ts: (x) => new hk.AvgPool([1, 2, 2, 1], 1, "VALID").call(x) },
];

const RESHAPE: { py: string; x: number[]; ts: (x: tf.Tensor) => tf.Tensor }[] = [
  { py: "hk.Reshape((-1, 5))", x: [1, 2, 3, 4, 5], ts: (x) => new hk.Reshape([-1, 5]).call(x) },
  { py: "hk.Reshape((-1, 5), preserve_dims=2)", x: [1, 2, 3, 4, 5], ts: (x) => new hk.Reshape([-1, 5], 2).call(x) },
  { py: "hk.Reshape((-1, 5), preserve_dims=4)", x: [1, 2, 3, 4, 5], ts: (x) => new hk.Reshape([-1, 5], 4).call(x) },
  { py: "hk.Reshape((-1, 5), preserve_dims=-3)", x: [1, 2, 3, 4, 5], ts: (x) => new hk.Reshape([-1, 5], -3).call(x) },
  { py: "hk.Reshape((-1, 5), preserve_dims=-3)", x: [2, 3, 4, 5], ts: (x) => new hk.Reshape([-1, 5], -3).call(x) },
  { py: "hk.Reshape((2, -1))", x: [3, 4, 5], ts: (x) => new hk.Reshape([2, -1]).call(x) },
  { py: "hk.Flatten()", x: [3, 2, 4], ts: (x) => new hk.Flatten().call(x) },
  { py: "hk.Flatten(preserve_dims=-2)", x: [3, 2, 4], ts: (x) => new hk.Flatten(-2).call(x) },
  { py: "hk.Flatten()", x: [3], ts: (x) => new hk.Flatten().call(x) },
];

describe("hk pooling", () => {
  let refs: HkReference[];
  beforeAll(() => {
    refs = hkReference<HkReference[]>(`
cases = [${POOL.map((c) => `(lambda x: ${c.py}, lambda: ${c.x})`).join(",\n  ")}]
emit([reference(f, [x()]) for f, x in cases])
`);
  });
  POOL.forEach((c, i) => {
    it(`${c.py}: output, input gradient, memory`, () => {
      const ref = refs[i];
      const x = decodeNest(ref.inputs[0]) as tf.Tensor;
      expectClose(c.ts(x), ref.out as never, "out");
      expectGradsClose({}, c.ts, ref);
      expectNoLeak(() => c.ts(x));
    });
  });
  it("rejects other paddings", () => {
    expect(() => hk.maxPool(tf.ones([1, 2, 2, 1]), 2, 2, "same" as never)).toThrow(/Invalid padding/);
  });
});

describe("hk.Reshape and hk.Flatten", () => {
  let refs: HkReference[];
  beforeAll(() => {
    refs = hkReference<HkReference[]>(`
cases = [${RESHAPE.map((c) => `(lambda x: ${c.py}(x), ${JSON.stringify(c.x)})`).join(",\n  ")}]
emit([reference(f, [jnp.arange(np.prod(s), dtype=jnp.float32).reshape(s)]) for f, s in cases])
`);
  });
  RESHAPE.forEach((c, i) => {
    it(`${c.py} on [${c.x}]`, () => {
      const ref = refs[i];
      const x = decodeNest(ref.inputs[0]) as tf.Tensor;
      expectClose(c.ts(x), ref.out as never, "out", 0, 0);
    });
  });
  it("rejects what Haiku rejects", () => {
    expect(() => new hk.Reshape([-1, -1])).toThrow(/-1 can only occur once/);
    expect(() => new hk.Reshape([2], 0)).toThrow(/non-zero/);
  });
});
