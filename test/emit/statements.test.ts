// Method bodies as TypeScript: a local that holds a variable's value and is read
// after the variable is set keeps its own copy (the Variable frees the old tensor).
import { expect, test } from "vitest";
import { translate } from "../../src/pipeline.js";
import { importGenerated } from "../../src/verify/load-module.js";
import { nnx, tf } from "../../runtime/index.js";

const SOURCE = `
import haiku as hk
import jax
import jax.numpy as jnp


def forward(x):
    counter = hk.get_state("counter", shape=[], dtype=jnp.int32, init=jnp.ones)
    hk.set_state("counter", counter + 1)
    return x * counter


model = hk.transform_with_state(forward)
sample_x = jnp.ones((1, 3))
params, state = model.init(jax.random.key(0), sample_x)
`;

test("a local read after hk.set_state holds the value from before the set", async () => {
  const { code } = await translate("counter.py", SOURCE);
  expect(code).toContain("const counter = this.counter.value.clone();");
  const generated = await importGenerated(code);
  const model = (generated.createForward as () => nnx.Module & { call(x: tf.Tensor): tf.Tensor; counter: nnx.Variable<tf.Tensor> })();
  const x = tf.tensor([[1, 2, 3]]);
  const y = model.call(x);
  expect(Array.from(y.dataSync())).toEqual([1, 2, 3]);
  expect(model.counter.value.dataSync()[0]).toBe(2);
  tf.dispose([x, y]);
  nnx.dispose(model);
});
