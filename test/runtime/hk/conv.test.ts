// hk.ConvND family, transposed convolutions and depthwise convolutions against
// live dm-haiku: init bit-exact from the same key, outputs and gradients within
// tolerance, every padding form, data format, dilation, groups and mask.
import { beforeAll, describe, expect, it } from "vitest";
import { hk, nnx, tf } from "../../../runtime/index.js";
import {
  type HkReference,
  decode,
  decodeNest,
  expectClose,
  expectGradsClose,
  expectNoLeak,
  expectSameTree,
  hkReference,
} from "../../helpers/haiku.js";

type Case = {
  /** Python expression building the module (mask available as `mask`). */
  py: string;
  ts: (rngs: nnx.Rngs, mask: tf.Tensor | null) => { call(x: tf.Tensor): tf.Tensor };
  shape: number[];
  /** Shape of a 0/1 mask drawn in Python, if the module takes one. */
  mask?: number[];
};

const CONV: Case[] = [
  { py: "hk.Conv1D(4, 3, stride=2)", ts: (rngs) => new hk.Conv1D(3, 4, 3, { stride: 2, rngs }), shape: [2, 9, 3] },
  {
    py: "hk.Conv1D(4, 3, rate=2, padding='VALID', data_format='NCW')",
    ts: (rngs) => new hk.Conv1D(3, 4, 3, { rate: 2, padding: "VALID", dataFormat: "NCW", rngs }),
    shape: [2, 3, 11],
  },
  {
    py: "hk.Conv1D(2, 3, rate=2, padding=hk.pad.causal)",
    ts: (rngs) => new hk.Conv1D(3, 2, 3, { rate: 2, padding: hk.pad.causal, rngs }),
    shape: [2, 8, 3],
  },
  { py: "hk.Conv1D(2, 2, padding=((-1, 2),))", ts: (rngs) => new hk.Conv1D(3, 2, 2, { padding: [[-1, 2]], rngs }), shape: [1, 6, 3] },
  {
    py: "hk.Conv1D(6, 3, feature_group_count=3, stride=2)",
    ts: (rngs) => new hk.Conv1D(3, 6, 3, { featureGroupCount: 3, stride: 2, rngs }),
    shape: [2, 9, 3],
  },
  {
    py: "hk.Conv2D(5, (3, 2), stride=(2, 1))",
    ts: (rngs) => new hk.Conv2D(4, 5, [3, 2], { stride: [2, 1], rngs }),
    shape: [2, 7, 6, 4],
  },
  {
    py: "hk.Conv2D(4, 3, padding=((1, 2), (0, 1)), feature_group_count=2, data_format='NCHW', b_init=hk.initializers.RandomNormal())",
    ts: (rngs) =>
      new hk.Conv2D(4, 4, 3, { padding: [[1, 2], [0, 1]], featureGroupCount: 2, dataFormat: "NCHW", bInit: hk.initializers.RandomNormal(), rngs }),
    shape: [2, 4, 6, 5],
  },
  {
    py: "hk.Conv2D(3, 3, rate=(1, 2), padding=[hk.pad.full, hk.pad.reverse_causal])",
    ts: (rngs) => new hk.Conv2D(4, 3, 3, { rate: [1, 2], padding: [hk.pad.full, hk.pad.reverseCausal], rngs }),
    shape: [7, 6, 4],
  },
  {
    py: "hk.Conv2D(3, 2, mask=mask, w_init=hk.initializers.RandomUniform(-1., 1.))",
    ts: (rngs, mask) => new hk.Conv2D(4, 3, 2, { mask, wInit: hk.initializers.RandomUniform(-1, 1), rngs }),
    shape: [2, 5, 5, 4],
    mask: [2, 2, 4, 3],
  },
  {
    py: "hk.Conv2D(8, 3, feature_group_count=4, stride=2)",
    ts: (rngs) => new hk.Conv2D(4, 8, 3, { featureGroupCount: 4, stride: 2, rngs }),
    shape: [2, 7, 7, 4],
  },
  { py: "hk.ConvND(2, 3, 3, padding='same_lower', stride=2)", ts: (rngs) => new hk.ConvND(2, 4, 3, 3, { padding: "same_lower", stride: 2, rngs }), shape: [1, 6, 6, 4] },
  {
    py: "hk.Conv3D(4, 2, stride=(1, 2, 1))",
    ts: (rngs) => new hk.Conv3D(3, 4, 2, { stride: [1, 2, 1], rngs }),
    shape: [1, 5, 4, 6, 3],
  },
  {
    py: "hk.Conv3D(3, 2, rate=2, padding='VALID', feature_group_count=3, data_format='NCDHW')",
    ts: (rngs) => new hk.Conv3D(6, 3, 2, { rate: 2, padding: "VALID", featureGroupCount: 3, dataFormat: "NCDHW", rngs }),
    shape: [2, 6, 4, 5, 5],
  },
];

const TRANSPOSE: Case[] = [
  { py: "hk.Conv1DTranspose(4, 3, stride=2)", ts: (rngs) => new hk.Conv1DTranspose(3, 4, 3, { stride: 2, rngs }), shape: [2, 5, 3] },
  { py: "hk.Conv1DTranspose(2, 4, stride=3, padding='VALID')", ts: (rngs) => new hk.Conv1DTranspose(3, 2, 4, { stride: 3, padding: "VALID", rngs }), shape: [5, 3] },
  {
    py: "hk.Conv2DTranspose(3, (3, 2), stride=(2, 3), padding='VALID')",
    ts: (rngs) => new hk.Conv2DTranspose(3, 3, [3, 2], { stride: [2, 3], padding: "VALID", rngs }),
    shape: [2, 4, 3, 3],
  },
  {
    py: "hk.Conv2DTranspose(2, 3, stride=2, output_shape=(11, 10))",
    ts: (rngs) => new hk.Conv2DTranspose(3, 2, 3, { stride: 2, outputShape: [11, 10], rngs }),
    shape: [2, 6, 5, 3],
  },
  {
    py: "hk.Conv2DTranspose(2, 3, stride=2, output_shape=(13, 12), padding='VALID')",
    ts: (rngs) => new hk.Conv2DTranspose(3, 2, 3, { stride: 2, outputShape: [13, 12], padding: "VALID", rngs }),
    shape: [1, 6, 5, 3],
  },
  {
    py: "hk.Conv2DTranspose(2, 3, stride=2, padding=((1, 1), (2, 0)), data_format='NCHW', mask=mask)",
    ts: (rngs, mask) => new hk.Conv2DTranspose(3, 2, 3, { stride: 2, padding: [[1, 1], [2, 0]], dataFormat: "NCHW", mask, rngs }),
    shape: [2, 3, 4, 5],
    mask: [3, 3, 2, 3],
  },
  { py: "hk.Conv3DTranspose(2, 2, stride=2)", ts: (rngs) => new hk.Conv3DTranspose(3, 2, 2, { stride: 2, rngs }), shape: [1, 3, 4, 2, 3] },
];

const DEPTHWISE: Case[] = [
  { py: "hk.DepthwiseConv2D(2, 3, stride=2)", ts: (rngs) => new hk.DepthwiseConv2D(3, 2, 3, { stride: 2, rngs }), shape: [2, 7, 6, 3] },
  {
    py: "hk.DepthwiseConv2D(1, (3, 2), rate=2, padding='VALID', data_format='NCHW', b_init=hk.initializers.RandomNormal())",
    ts: (rngs) =>
      new hk.DepthwiseConv2D(3, 1, [3, 2], { rate: 2, padding: "VALID", dataFormat: "NCHW", bInit: hk.initializers.RandomNormal(), rngs }),
    shape: [2, 3, 9, 8],
  },
  {
    py: "hk.DepthwiseConv2D(2, (2, 3), stride=(2, 1), padding=((0, 1), (1, 1)))",
    ts: (rngs) => new hk.DepthwiseConv2D(2, 2, [2, 3], { stride: [2, 1], padding: [[0, 1], [1, 1]], rngs }),
    shape: [2, 7, 6, 2],
  },
  { py: "hk.DepthwiseConv1D(3, 3, padding=[(1, 2)])", ts: (rngs) => new hk.DepthwiseConv1D(2, 3, 3, { padding: [[1, 2]], rngs }), shape: [2, 7, 2] },
  {
    py: "hk.DepthwiseConv1D(2, 3, with_bias=False, data_format='NCW', padding='same')",
    ts: (rngs) => new hk.DepthwiseConv1D(3, 2, 3, { withBias: false, dataFormat: "NCW", padding: "same", rngs }),
    shape: [2, 3, 7],
  },
  { py: "hk.DepthwiseConv3D(2, 2, stride=(1, 2, 1))", ts: (rngs) => new hk.DepthwiseConv3D(3, 2, 2, { stride: [1, 2, 1], rngs }), shape: [1, 4, 5, 3, 3] },
  {
    py: "hk.SeparableDepthwiseConv2D(2, (3, 5), stride=2)",
    ts: (rngs) => new hk.SeparableDepthwiseConv2D(3, 2, [3, 5], { stride: 2, rngs }),
    shape: [2, 8, 9, 3],
  },
  {
    py: "hk.SeparableDepthwiseConv2D(1, 3, data_format='NCHW', padding='VALID')",
    ts: (rngs) => new hk.SeparableDepthwiseConv2D(2, 1, 3, { dataFormat: "NCHW", padding: "VALID", rngs }),
    shape: [2, 2, 7, 6],
  },
];

function referencesFor(cases: Case[]): HkReference[] {
  return hkReference<HkReference[]>(`
results = []
for i, (make, shape, mask_shape) in enumerate([${cases
    .map((c) => `(lambda mask: ${c.py}, ${JSON.stringify(c.shape)}, ${c.mask ? JSON.stringify(c.mask) : "None"})`)
    .join(",\n  ")}]):
  mask = None if mask_shape is None else (jax.random.uniform(jax.random.key(50 + i), mask_shape) > 0.3).astype(jnp.float32)
  x = jax.random.normal(jax.random.key(i), shape)
  results.append(reference(lambda x: make(mask)(x), [x], seed=10 + i, extra=None if mask is None else enc(mask)))
emit(results)
`);
}

function runCases(title: string, cases: Case[]): void {
  describe(title, () => {
    let refs: HkReference[];
    beforeAll(() => {
      refs = referencesFor(cases);
    });
    cases.forEach((c, i) => {
      it(`${c.py}: init bit-exact, output, gradients, memory`, () => {
        const ref = refs[i];
        const mask = ref.extra ? decode(ref.extra as never) : null;
        const m = c.ts(hk.haikuRngs(10 + i), mask);
        expectSameTree(m, nnx.Param, ref.params);
        const x = decodeNest(ref.inputs[0]) as tf.Tensor;
        expectClose(m.call(x), ref.out as never, "out");
        expectGradsClose(m, (xi) => m.call(xi), ref);
        expectNoLeak(() => m.call(x));
      });
    });
  });
}

runCases("hk.ConvND / Conv1D / Conv2D / Conv3D", CONV);
runCases("hk.ConvNDTranspose / Conv1DTranspose / Conv2DTranspose / Conv3DTranspose", TRANSPOSE);
runCases("hk.DepthwiseConv1D / 2D / 3D and SeparableDepthwiseConv2D", DEPTHWISE);

describe("conv argument checks", () => {
  it("rejects what Haiku rejects", () => {
    const rngs = new nnx.Rngs(0);
    expect(() => new hk.ConvND(0, 3, 3, 3, { rngs })).toThrow(/greater than 0/);
    expect(() => new hk.Conv2D(5, 4, 3, { featureGroupCount: 2, rngs })).toThrow(/multiple of feature_group_count/);
    expect(() => new hk.Conv2D(4, 4, 3, { mask: tf.ones([3, 3, 4, 5]), rngs })).toThrow(/Mask needs to have the same shape/);
    expect(() => new hk.Conv2DTranspose(4, 4, 3, { outputShape: [5, 5], padding: [[1, 1]], rngs })).toThrow(/output_shape/);
    expect(() => new hk.Conv2D(4, 4, 3, { rngs }).call(tf.ones([1, 1, 5, 5, 4]))).toThrow(/rank in \[3, 4\]/);
    expect(() => new hk.Conv2DTranspose(3, 2, 3, { stride: 2, outputShape: [20, 20], rngs }).call(tf.ones([1, 5, 5, 3]))).toThrow(
      /expected input size/,
    );
  });
});
