import { describe, expect, it } from "vitest";
import { nnx, tf } from "../../runtime/index.js";
import { bits } from "../helpers/layers.js";

// common.md: every Param (and Variable made by an initializer) records in its
// "init" metadata the function that, given the key its layer drew and its
// shape, reproduces its value. Non-default initializers make the check
// meaningful (zeros/ones would pass with any key).

const N = nnx.initializers.normal(0.7);
const U = nnx.initializers.uniform(1.5);

/** [layer, params in the order the layer drew their keys from rngs.params()] */
const LAYERS: [string, (rngs: nnx.Rngs) => nnx.Module, string[]][] = [
  ["Linear", (rngs) => new nnx.Linear(3, 4, { biasInit: N, rngs }), ["kernel", "bias"]],
  ["Conv", (rngs) => new nnx.Conv(4, 6, [3, 2], { featureGroupCount: 2, biasInit: N, rngs }), ["kernel", "bias"]],
  ["ConvTranspose", (rngs) => new nnx.ConvTranspose(2, 3, [2, 2, 2], { transposeKernel: true, biasInit: U, rngs }), ["kernel", "bias"]],
  ["ConvLocal", (rngs) => new nnx.ConvLocal(2, 3, [2, 2], { inputShape: [5, 4], biasInit: N, rngs }), ["kernel", "bias"]],
  ["Embed", (rngs) => new nnx.Embed(7, 3, { rngs }), ["embedding"]],
  ["BatchNorm", (rngs) => new nnx.BatchNorm(5, { scaleInit: U, biasInit: N, rngs }), ["scale", "bias"]],
  ["LayerNorm", (rngs) => new nnx.LayerNorm(5, { scaleInit: U, biasInit: N, rngs }), ["scale", "bias"]],
  ["RMSNorm", (rngs) => new nnx.RMSNorm(5, { scaleInit: U, rngs }), ["scale"]],
  ["GroupNorm", (rngs) => new nnx.GroupNorm(6, { numGroups: 3, scaleInit: U, biasInit: N, rngs }), ["scale", "bias"]],
  ["InstanceNorm", (rngs) => new nnx.InstanceNorm(5, { scaleInit: U, biasInit: N, rngs }), ["scale", "bias"]],
  ["SpectralNorm(Linear)", (rngs) => new nnx.SpectralNorm(new nnx.Linear(3, 4, { rngs }), { rngs }), ["layerInstance/kernel", "layerInstance/bias", "batchStats/kernel/u"]],
];

function at(m: nnx.Module, path: string): nnx.Variable {
  const entry = nnx.state(m).flatState().find(([p]) => p.join("/") === path);
  if (!entry) throw new Error(`no variable at ${path}`);
  return entry[1] as nnx.Variable;
}

describe('Param "init" metadata', () => {
  it.each(LAYERS)("%s: each Param's init(key, shape) reproduces it bit for bit", (_name, make, drawn) => {
    const m = make(new nnx.Rngs(4));
    const keys = new nnx.Rngs(4);
    for (const path of drawn) {
      const v = at(m, path);
      const init = v.getMetadata("init") as nnx.Initializer;
      expect(init, path).toBeTypeOf("function");
      expect(bits(tf.tidy(() => init(keys.params(), v.shape, "float32"))), path).toEqual(bits(v.value));
    }
    // Every Param carries one, drawn or not.
    for (const [p, v] of nnx.state(m, nnx.Param).flatState()) expect(v.getMetadata("init"), p.join("/")).toBeTypeOf("function");
  });

  it("PReLU's constant and BatchNorm's statistics record key-free initializers", () => {
    const p = new nnx.PReLU(0.3);
    const init = p.negativeSlope.getMetadata("init") as nnx.Initializer;
    expect(bits(init(new Uint32Array([1, 2]), []))).toEqual(bits(p.negativeSlope.value));
    const bn = new nnx.BatchNorm(3, { rngs: new nnx.Rngs(0) });
    for (const v of [bn.mean, bn.var]) {
      expect(bits((v.getMetadata("init") as nnx.Initializer)(new Uint32Array([0, 0]), v.shape))).toEqual(bits(v.value));
    }
  });
});
