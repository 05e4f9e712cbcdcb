// Every Variable of the hk.* modules records the initializer that made it
// ("init" metadata), and the modules draw their keys in Haiku's creation order:
// replaying hk.PRNGSequence(seed) over the documented order with each
// Variable's own initializer reproduces every value bit for bit (what a
// translated program does to redraw parameters with Haiku's keys). Bit-exactness
// against Haiku itself is checked by the other hk tests.
import { describe, expect, it } from "vitest";
import { hk, nnx, tf } from "../../../runtime/index.js";
import { HaikuKeySequence } from "../../../runtime/random/haiku.js";
import type { Initializer } from "../../../runtime/nn/initializers.js";
import { bitsOf, variablesOf } from "../../helpers/haiku.js";

type Case = { name: string; build: (rngs: nnx.Rngs) => object; order: string[] };

const blockV1 = (p: string, projection: boolean) => [...(projection ? [`${p}.shortcut_conv.w`] : []), `${p}.conv_0.w`, `${p}.conv_1.w`, `${p}.conv_2.w`];
const blockV2 = (p: string, projection: boolean) => [...(projection ? [`${p}.shortcut_conv.w`] : []), `${p}.conv_0.w`, `${p}.conv_1.w`];

const CASES: Case[] = [
  { name: "Linear", build: (rngs) => new hk.Linear(4, 3, { bInit: hk.initializers.RandomNormal(), rngs }), order: ["w", "b"] },
  { name: "Bias", build: (rngs) => new hk.Bias([3, 4], { bInit: hk.initializers.RandomUniform(), rngs }), order: ["b"] },
  { name: "Conv2D", build: (rngs) => new hk.Conv2D(3, 4, 3, { rngs }), order: ["w"] },
  { name: "Conv1D with drawing bias", build: (rngs) => new hk.Conv1D(3, 4, 3, { bInit: hk.initializers.RandomNormal(), dataFormat: "NCW", rngs }), order: ["w", "b"] },
  { name: "Conv3DTranspose", build: (rngs) => new hk.Conv3DTranspose(2, 3, 2, { rngs }), order: ["w"] },
  { name: "DepthwiseConv2D", build: (rngs) => new hk.DepthwiseConv2D(3, 2, 3, { rngs }), order: ["w"] },
  { name: "SeparableDepthwiseConv2D", build: (rngs) => new hk.SeparableDepthwiseConv2D(3, 2, 3, { rngs }), order: ["depthwise_conv2_d.w", "depthwise_conv2_d_1.w"] },
  { name: "Embed", build: (rngs) => new hk.Embed(7, 3, { rngs }), order: ["embeddings"] },
  { name: "Embed with a matrix", build: (rngs) => new hk.Embed(null, null, { embeddingMatrix: tf.ones([4, 2]), rngs }), order: [] },
  {
    name: "LayerNorm with drawing initializers",
    build: (rngs) => new hk.LayerNorm([2, 5], -1, true, true, { scaleInit: hk.initializers.RandomNormal(), offsetInit: hk.initializers.RandomNormal(), rngs }),
    order: ["scale", "offset"],
  },
  { name: "RMSNorm", build: (rngs) => new hk.RMSNorm([2, 5], -1, { rngs }), order: [] },
  { name: "GroupNorm", build: (rngs) => new hk.GroupNorm([2, 4, 6], 2, { offsetInit: hk.initializers.RandomNormal(), rngs }), order: ["offset"] },
  { name: "BatchNorm", build: (rngs) => new hk.BatchNorm([2, 5], true, true, 0.9, { rngs }), order: [] },
  { name: "SpectralNorm", build: (rngs) => new hk.SpectralNorm(5, { rngs }), order: ["u0"] },
  { name: "ExponentialMovingAverage", build: () => new hk.ExponentialMovingAverage([3], 0.5, { zeroDebias: false, warmupLength: 2 }), order: [] },
  {
    name: "MultiHeadAttention",
    build: (rngs) => new hk.MultiHeadAttention(6, 2, 3, { wInit: hk.initializers.VarianceScaling(), bInit: hk.initializers.RandomNormal(), rngs }),
    order: ["query.w", "query.b", "key.w", "key.b", "value.w", "value.b", "linear.w", "linear.b"],
  },
  { name: "VanillaRNN", build: (rngs) => new hk.VanillaRNN(3, 4, { rngs }), order: ["linear.w", "linear_1.w"] },
  { name: "LSTM", build: (rngs) => new hk.LSTM(3, 4, { rngs }), order: ["linear.w"] },
  { name: "GRU", build: (rngs) => new hk.GRU(3, 4, { rngs }), order: ["w_i", "w_h"] },
  { name: "Conv2DLSTM", build: (rngs) => new hk.Conv2DLSTM(2, [4, 4], 3, 3, { rngs }), order: ["input_to_hidden.w", "hidden_to_hidden.w"] },
  { name: "MLP", build: (rngs) => new hk.nets.MLP(4, [5, 3, 2], { rngs }), order: ["linear_0.w", "linear_1.w", "linear_2.w"] },
  {
    name: "ResNet v1 (bottleneck)",
    build: (rngs) => new hk.nets.ResNet(3, [1, 2, 1, 1], 3, { channelsPerGroup: [8, 8, 16, 16], rngs }),
    order: [
      "initial_conv.w",
      ...blockV1("block_group_0.block_0", true),
      ...blockV1("block_group_1.block_0", true),
      ...blockV1("block_group_1.block_1", false),
      ...blockV1("block_group_2.block_0", true),
      ...blockV1("block_group_3.block_0", true),
    ],
  },
  {
    name: "ResNet v2 (basic blocks, drawing logits)",
    build: (rngs) =>
      new hk.nets.ResNet(3, [1, 1, 1, 1], 3, {
        resnetV2: true,
        bottleneck: false,
        channelsPerGroup: [4, 4, 8, 8],
        useProjection: [false, false, true, false],
        logitsConfig: { wInit: hk.initializers.RandomNormal() },
        rngs,
      }),
    order: [
      "initial_conv.w",
      ...blockV2("block_group_0.block_0", false),
      ...blockV2("block_group_1.block_0", false),
      ...blockV2("block_group_2.block_0", true),
      ...blockV2("block_group_3.block_0", false),
      "logits.w",
    ],
  },
  {
    name: "MobileNetV1",
    build: (rngs) => new hk.nets.MobileNetV1(3, { strides: [1, 2], channels: [8, 16], numClasses: 5, rngs }),
    order: [
      "conv2_d.w",
      "mobile_net_v1_block.depthwise_conv.w",
      "mobile_net_v1_block.pointwise_conv.w",
      "mobile_net_v1_block_1.depthwise_conv.w",
      "mobile_net_v1_block_1.pointwise_conv.w",
      "logits.w",
    ],
  },
  { name: "VectorQuantizer", build: (rngs) => new hk.nets.VectorQuantizer(3, 5, 0.25, { rngs }), order: ["embeddings"] },
  { name: "VectorQuantizerEMA", build: (rngs) => new hk.nets.VectorQuantizerEMA(3, 5, 0.25, 0.9, { rngs }), order: ["embeddings"] },
];

describe("hk modules: init metadata and key order", () => {
  CASES.forEach((c, n) => {
    it(`${c.name}: ${c.order.length ? c.order.join(", ") : "no keys"}`, () => {
      const seed = 300 + n;
      const m = c.build(hk.haikuRngs(seed));
      const vars = variablesOf(m);
      const drawing = [...vars].filter(([, v]) => hk.drawsKey(v.getMetadata("init") as Initializer)).map(([p]) => p);
      expect(drawing.sort()).toEqual([...c.order].sort());
      const keys = new HaikuKeySequence(seed);
      const keyOf = new Map(c.order.map((p) => [p, keys.next()]));
      for (const [path, v] of vars) {
        const init = v.getMetadata("init") as Initializer;
        expect(typeof init, `${path} has "init"`).toBe("function");
        const redrawn = init(keyOf.get(path) ?? Uint32Array.of(9, 9), v.shape);
        expect({ path, bits: bitsOf(redrawn) }).toEqual({ path, bits: bitsOf(v.value) });
        redrawn.dispose();
      }
      nnx.dispose(m);
    });
  });
});
