import { describe, expect, it } from "vitest";
import { nnx, tf } from "../../runtime/index.js";
import { pythonJson } from "../helpers/python.js";

type Nested = number | Nested[];

function expectClose(actual: tf.Tensor, expected: Nested, rtol = 1e-5, atol = 1e-5) {
  expect(actual.shape).toEqual(tf.tensor(expected as number[]).shape);
  const a = Array.from(actual.dataSync());
  const e = [expected].flat(Infinity as 1) as number[];
  a.forEach((v, i) => expect(Math.abs(v - e[i]), `index ${i}: ${v} vs ${e[i]}`).toBeLessThanOrEqual(atol + rtol * Math.abs(e[i])));
}

describe("nnx.BatchNorm", () => {
  it("matches nnx.BatchNorm in train mode (outputs and running stats) and eval mode", () => {
    const ref = pythonJson<{
      x: Nested;
      scale: Nested;
      bias: Nested;
      y1: Nested;
      y2: Nested;
      mean: Nested;
      var: Nested;
      yeval: Nested;
      x3: Nested;
      y3: Nested;
      mean3: Nested;
      var3: Nested;
      keys: number[];
    }>(`
import json, jax, jax.numpy as jnp
from flax import nnx
x = jax.random.normal(jax.random.key(0), (8, 5)) * 3 + 1
r = nnx.Rngs(0)
bn = nnx.BatchNorm(5, momentum=0.9, rngs=r)
bn.scale[...] = jax.random.uniform(jax.random.key(1), (5,)) + 0.5
bn.bias[...] = jax.random.normal(jax.random.key(2), (5,))
y1 = bn(x)
y2 = bn(x * 0.5)
mean, var = bn.mean[...], bn.var[...]
bn.eval()
yeval = bn(x)
# channel axis 1 of a 3-D input, default momentum
x3 = jax.random.normal(jax.random.key(3), (4, 3, 6))
bn3 = nnx.BatchNorm(3, axis=1, use_scale=False, rngs=nnx.Rngs(1))
y3 = bn3(x3)
print(json.dumps({"x": x.tolist(), "scale": bn.scale[...].tolist(), "bias": bn.bias[...].tolist(),
  "y1": y1.tolist(), "y2": y2.tolist(), "mean": mean.tolist(), "var": var.tolist(), "yeval": yeval.tolist(),
  "x3": x3.tolist(), "y3": y3.tolist(), "mean3": bn3.mean[...].tolist(), "var3": bn3.var[...].tolist(),
  "keys": [int(v) for v in jax.random.key_data(r.params())]}))
`);
    const r = new nnx.Rngs(0);
    const bn = new nnx.BatchNorm(5, { momentum: 0.9, rngs: r });
    expect(Array.from(r.params())).toEqual(ref.keys); // scale and bias each drew a key
    nnx.update(bn, { scale: tf.tensor(ref.scale as number[]), bias: tf.tensor(ref.bias as number[]) });
    const x = tf.tensor(ref.x as number[][]);
    expectClose(bn.call(x), ref.y1);
    expectClose(bn.call(tf.mul(x, 0.5)), ref.y2);
    expectClose(bn.mean.value, ref.mean);
    expectClose(bn.var.value, ref.var);
    bn.eval();
    expect(bn.useRunningAverage).toBe(true);
    const before = bn.mean.value;
    expectClose(bn.call(x), ref.yeval, 1e-5, 1e-4);
    expect(bn.mean.value).toBe(before); // eval does not touch the stats

    const bn3 = new nnx.BatchNorm(3, { axis: 1, useScale: false, rngs: new nnx.Rngs(1) });
    expect(bn3.scale).toBeNull();
    expectClose(bn3.call(tf.tensor(ref.x3 as number[][][])), ref.y3);
    expectClose(bn3.mean.value, ref.mean3);
    expectClose(bn3.var.value, ref.var3);
    expect(nnx.state(bn3, nnx.BatchStat).paths()).toEqual([["mean"], ["var"]]);
  });

  it("takes useRunningAverage from call() over the attribute", () => {
    const bn = new nnx.BatchNorm(2, { rngs: new nnx.Rngs(0) });
    const m = bn.mean.value;
    bn.call(tf.ones([3, 2]), true);
    expect(bn.mean.value).toBe(m);
    bn.call(tf.ones([3, 2]));
    expect(bn.mean.value).not.toBe(m);
    expect(m.isDisposed).toBe(true); // the old stat was released
  });
});

describe("nnx.LayerNorm", () => {
  it("matches nnx.LayerNorm", () => {
    const ref = pythonJson<{ x: Nested; scale: Nested; bias: Nested; y: Nested; y2: Nested }>(`
import json, jax
from flax import nnx
x = jax.random.normal(jax.random.key(0), (2, 3, 6)) * 2 - 1
ln = nnx.LayerNorm(6, rngs=nnx.Rngs(0))
ln.scale[...] = jax.random.uniform(jax.random.key(1), (6,)) + 0.5
ln.bias[...] = jax.random.normal(jax.random.key(2), (6,))
ln2 = nnx.LayerNorm(6, epsilon=1e-3, use_bias=False, use_fast_variance=False, rngs=nnx.Rngs(0))
print(json.dumps({"x": x.tolist(), "scale": ln.scale[...].tolist(), "bias": ln.bias[...].tolist(),
  "y": ln(x).tolist(), "y2": ln2(x).tolist()}))
`);
    const ln = new nnx.LayerNorm(6, { rngs: new nnx.Rngs(0) });
    nnx.update(ln, { scale: tf.tensor(ref.scale as number[]), bias: tf.tensor(ref.bias as number[]) });
    const x = tf.tensor(ref.x as number[][][]);
    expectClose(ln.call(x), ref.y);
    const ln2 = new nnx.LayerNorm(6, { epsilon: 1e-3, useBias: false, useFastVariance: false, rngs: new nnx.Rngs(0) });
    expectClose(ln2.call(x), ref.y2);
    expect(nnx.state(ln2).paths()).toEqual([["scale"]]);
  });
});
