// nnx.stack / nnx.scanLayers: layers with stacked variables, run in turn.
import { expect, test } from "vitest";
import { nnx, tf } from "../../runtime/index.js";

test("scanLayers applies layer 0, then 1, … with each layer's slice of the stacked variables", () => {
  const stacked = nnx.stack(3, () => new nnx.Linear(4, 4, { rngs: new nnx.Rngs(0) }));
  expect(stacked.kernel.value.shape).toEqual([3, 4, 4]);
  const x = tf.randomNormal([2, 4], 0, 1, "float32", 7);
  const y = nnx.scanLayers(stacked, x, (layer, h) => layer.call(h));
  let expected = x;
  for (let i = 0; i < 3; i++) {
    const [k, b] = [tf.gather(stacked.kernel.value, i), tf.gather(stacked.bias!.value, i)];
    expected = tf.add(tf.matMul(expected, k), b);
  }
  expect(Array.from(y.dataSync())).toEqual(Array.from(expected.dataSync()));
  // The stacked variables are whole again afterwards.
  expect(stacked.kernel.value.shape).toEqual([3, 4, 4]);
  nnx.dispose(stacked);
});

test("a layer that changes the shape is named, with both shapes", () => {
  const stacked = nnx.stack(2, () => new nnx.Linear(4, 3, { rngs: new nnx.Rngs(0) }));
  const x = tf.ones([1, 4]);
  expect(() => nnx.scanLayers(stacked, x, (layer, h) => layer.call(h))).toThrow("layer 0 maps shape [1,4] to [1,3]");
  expect(stacked.kernel.value.shape).toEqual([2, 4, 3]);
  nnx.dispose(stacked);
  x.dispose();
});
