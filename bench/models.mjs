// The models `npm run bench` times. Adding a model is one entry here.
//
//   name     directory under bench/out/ and the row label
//   python   the Python original: nnxport's own pipeline translates it, and bench/jax_bench.py
//            runs it as verify's harness does
//   config   the translated class's options, without rngs (the sizes we time; the fixture's
//            sample sizes only fix the parameter shapes, which must agree)
//   inputs   name -> shape of each input, in call order (float32, standard normal)
//   raw      the same model written directly against tfjs ops (no nnxport): (tf, weights by NNX
//            path) -> { variables, call(inputs, train) }; omit to skip that baseline
//   onnx     export with jax2onnx and time under onnxruntime-node
//
// fixtures/basic/linen_model.py is left out on purpose: it translates to the same TypeScript
// (same weights from Rngs(0)) and jits to the same XLA program as the Haiku one (train step
// 2.38 vs 2.40 ms when both were run), so it would only lengthen the run; copy the mlp entry
// with its `python` to bring it back.
//
// The training step is mean softmax cross-entropy of the output's last axis against labels
// (flat index % classes), then Adam(1e-3), in train mode (dropout on where the model has it).

export const MODELS = [
  {
    name: "mlp",
    title: "MLP 784-256-10, batch 256 (the Basic Example, translated from Haiku)",
    python: "fixtures/basic/haiku_model.py",
    config: { inFeatures: 784, dmid: 256, dout: 10 },
    inputs: { x: [256, 784] },
    raw: rawMlp,
    onnx: true,
  },
  {
    name: "rnn",
    title: "scanned RNN, 64 hidden, 50 steps, batch 32 (the Lifted Transforms example, translated from Linen nn.scan)",
    python: "fixtures/rnn/linen_model.py",
    config: { inFeatures: 32, hiddenSize: 64 },
    inputs: { x: [32, 50, 32] },
    raw: rawRnn,
    onnx: true,
  },
  {
    name: "cnn",
    title: "CNN: Conv 3×3 → LayerNorm → relu → Conv 3×3/2 VALID → relu → mean → Dense, 32×32×3, batch 64 (translated from Linen)",
    python: "fixtures/cnn/linen_model.py",
    config: { inFeatures: 3, channels: 16, classes: 10 },
    inputs: { x: [64, 32, 32, 3] },
    raw: rawCnn,
    onnx: true,
  },
];

/** Linear → Dropout(0.5) → relu → Linear, as the Basic Example. */
function rawMlp(tf, w) {
  const [w1, b1, w2, b2] = ["block.linear.kernel", "block.linear.bias", "linear.kernel", "linear.bias"].map((k) => tf.variable(w[k]));
  return {
    variables: [w1, b1, w2, b2],
    call([x], train) {
      let h = tf.add(tf.matMul(x, w1), b1);
      if (train) h = tf.dropout(h, 0.5);
      return tf.add(tf.matMul(tf.relu(h), w2), b2);
    },
  };
}

/** h' = relu([h, x_t] W + b) over time, every h' stacked on axis 1, as the fixture's RNNCell under nn.scan. */
function rawRnn(tf, w) {
  const [k, b] = ["rnnCell.linear.kernel", "rnnCell.linear.bias"].map((p) => tf.variable(w[p]));
  return {
    variables: [k, b],
    call([x]) {
      let h = tf.zeros([x.shape[0], k.shape[1]]);
      const ys = tf.unstack(x, 1).map((xt) => (h = tf.relu(tf.add(tf.matMul(tf.concat([h, xt], -1), k), b))));
      return tf.stack(ys, 1);
    },
  };
}

/** The fixture's ConvNet in NHWC, with LayerNorm over channels (Flax's epsilon 1e-6). */
function rawCnn(tf, w) {
  const names = ["conv.kernel", "conv.bias", "layerNorm.scale", "layerNorm.bias", "conv1.kernel", "conv1.bias", "linear.kernel", "linear.bias"];
  const [k1, b1, scale, shift, k2, b2, wd, bd] = names.map((p) => tf.variable(w[p]));
  return {
    variables: [k1, b1, scale, shift, k2, b2, wd, bd],
    call([x]) {
      let h = tf.add(tf.conv2d(x, k1, 1, "same"), b1);
      const { mean, variance } = tf.moments(h, -1, true);
      h = tf.relu(tf.add(tf.mul(tf.mul(tf.sub(h, mean), tf.rsqrt(tf.add(variance, 1e-6))), scale), shift));
      h = tf.relu(tf.add(tf.conv2d(h, k2, 2, "valid"), b2));
      return tf.add(tf.matMul(tf.mean(h, [1, 2]), wd), bd);
    },
  };
}
