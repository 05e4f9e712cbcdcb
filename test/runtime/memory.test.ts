import { describe, expect, it } from "vitest";
import { nnx, tf } from "../../runtime/index.js";

// A training loop must not leak tensors: Variables own their tensors and free
// the old ones on assignment; grad/valueAndGrad free all intermediates; the
// Optimizer runs inside tf.tidy. Results of grad belong to the caller.

class Net extends nnx.Module {
  readonly l1: nnx.Linear;
  readonly bn: nnx.BatchNorm;
  readonly drop: nnx.Dropout;
  readonly l2: nnx.Linear;
  constructor(rngs: nnx.Rngs) {
    super();
    this.l1 = new nnx.Linear(8, 16, { rngs });
    this.bn = new nnx.BatchNorm(16, { rngs });
    this.drop = new nnx.Dropout(0.3, { rngs });
    this.l2 = new nnx.Linear(16, 4, { rngs });
  }
  call(x: nnx.Array): nnx.Array {
    return this.l2.call(this.drop.call(nnx.relu(this.bn.call(this.l1.call(x)))));
  }
}

const lossFn = (m: Net, x: tf.Tensor, y: tf.Tensor) =>
  tf.mean(nnx.optax.softmaxCrossEntropyWithIntegerLabels(m.call(x), y)) as tf.Scalar;

describe("memory", () => {
  it("1000 training steps (dropout, batch norm, adam) keep tf.memory().numTensors flat", () => {
    const model = new Net(new nnx.Rngs({ params: 0, dropout: 1 }));
    const opt = new nnx.Optimizer(model, nnx.optax.adam(1e-2), { wrt: nnx.Param });
    const x = tf.randomNormal([32, 8], 0, 1, "float32", 1);
    const y = tf.randomUniform([32], 0, 4, "int32", 2);
    const gradFn = nnx.valueAndGrad(lossFn);

    const trainStep = () => {
      // Style 1: everything inside tf.tidy; the loss escapes as a number.
      return tf.tidy(() => {
        const [loss, grads] = gradFn(model, x, y);
        opt.update(model, grads);
        return loss.dataSync()[0];
      });
    };
    const trainStepExplicit = () => {
      // Style 2: no tidy; the caller frees what grad returned.
      const [loss, grads] = gradFn(model, x, y);
      opt.update(model, grads);
      const v = loss.dataSync()[0];
      loss.dispose();
      nnx.dispose(grads);
      return v;
    };
    const evalStep = () => {
      model.eval();
      const acc = tf.tidy(() => tf.mean(tf.cast(tf.equal(tf.argMax(model.call(x), -1), y), "float32")).dataSync()[0]);
      model.train();
      return acc;
    };

    const first = trainStep();
    const baseline = tf.memory().numTensors;
    const baselineBytes = tf.memory().numBytes;
    let last = first;
    for (let step = 1; step < 1000; step++) {
      last = step % 2 === 0 ? trainStep() : trainStepExplicit();
      if (step % 100 === 0) {
        evalStep();
        expect(tf.memory().numTensors, `step ${step}`).toBe(baseline);
      }
    }
    expect(tf.memory().numTensors).toBe(baseline);
    expect(tf.memory().numBytes).toBe(baselineBytes);
    expect(last).toBeLessThan(first); // it did train
    expect(opt.step.value.dataSync()[0]).toBe(1000);
    expect(model.drop.rngs!.count.value).toBe(1000);

    // Disposing the model and optimizer releases their tensors.
    const before = tf.memory().numTensors;
    const owned = nnx.state(model).leaves().length + nnx.state(opt).leaves().length;
    const rngVars = nnx.state(model, nnx.RngState).leaves().length; // keys/counts are not tensors
    nnx.dispose(model);
    nnx.dispose(opt);
    expect(tf.memory().numTensors).toBe(before - (owned - rngVars));
  });
});
