// List comprehensions whose element builds and runs a submodule, over a count the
// constructor knows but the translator does not (a config option, an input's size):
// one submodule per item in an nnx.List the constructor fills in a loop, and the
// method's list of arrays built by the same loop (then stacked or concatenated).
import { describe, expect, it } from "vitest";
import { entry, translateText, verifyText } from "../../helpers/verify-text.js";

const errors = (ds: Array<{ severity: string }>) => ds.filter((d) => d.severity === "error");

// One Dense per head (a config option), one LayerNorm per row of the input (its size).
const HEADS = `
import flax.linen as nn
import jax.numpy as jnp


class Heads(nn.Module):
    width: int = 4
    heads: int = 3

    @nn.compact
    def __call__(self, x):
        per_head = [nn.tanh(nn.Dense(self.width)(x)) for _ in range(self.heads)]
        rows = [nn.LayerNorm()(x[:, i]) for i in range(x.shape[1])]
        return jnp.concatenate(per_head, axis=-1), jnp.stack(rows, axis=1).sum(axis=-1)
`;

// Helpers nested in the compact method build them: one run per dict entry through jax.tree.map
// under a config flag (the dict is either branch's after it), one called directly.
const ENCODER = `
import functools
import flax.linen as nn
import jax
import jax.numpy as jnp


class Encoder(nn.Module):
    features: int = 6
    per_channel: bool = True

    @nn.compact
    def __call__(self, obs):
        images = {k: v for k, v in obs.items() if k.startswith('cam/')}
        if self.per_channel:
            norm = functools.partial(nn.LayerNorm, use_bias=False, epsilon=1e-3, reduction_axes=(-1, -2))

            def each_channel(img):
                out = [norm()(img[..., ch]) for ch in range(img.shape[-1])]
                return jnp.stack(out, axis=-1)

            images = jax.tree.map(each_channel, images)

        def pooled(img, scale):
            rows = [nn.Dense(self.features)(img[:, r]) * scale for r in range(img.shape[1])]
            return jnp.concatenate(rows, axis=-1).mean(axis=1)

        h = pooled(images['cam/a'], 0.5)
        return nn.Dense(2)(jnp.concatenate([h, obs['joints']], axis=-1))
`;

// A module per channel for each of two images, then a module per image in a loop over the
// dict's keys whose local (h) each key assigns again after the list took its last value.
const TWO_CAMERAS = `
import flax.linen as nn
import jax
import jax.numpy as jnp


class TwoCameras(nn.Module):
    features: int = 5

    @nn.compact
    def __call__(self, obs):
        images = {k: v for k, v in obs.items() if k.startswith('cam/')}

        def each_channel(img):
            return jnp.stack([nn.LayerNorm(reduction_axes=(-1, -2))(img[..., ch]) for ch in range(img.shape[-1])], axis=-1)

        images = jax.tree.map(each_channel, images)
        feats = []
        for name in images:
            h = nn.Conv(self.features, kernel_size=(3, 3))(images[name])
            h = nn.relu(h)
            feats.append(jnp.mean(h, axis=(1, 2)))
        return nn.Dense(2)(jnp.concatenate(feats + [obs['joints']], axis=-1))
`;

describe("comprehensions that build modules", () => {
  it("one module per item of a config count and of an input's size: verifies, loops in both programs", async () => {
    const e = entry("Heads(heads=2)", ["x=float32[2,3,5]"]);
    const r = await verifyText("heads.py", HEADS, e);
    expect(errors(r.diagnostics)).toEqual([]);
    expect(r.checks.filter((c) => c.kind === "output").length).toBe(2);
    expect(r.checks.filter((c) => c.name.includes("LayerNorm_2")).length).toBeGreaterThan(0);
    expect(r.ok).toBe(true);
    const t = await translateText("heads.py", HEADS, e);
    expect(t.code).toContain("readonly dense: nnx.List<nnx.Linear>;");
    expect(t.code).toContain("readonly layerNorm: nnx.List<nnx.LayerNorm>;");
    expect(t.code).toContain("for (let i = 0; i < xShape.at(-2)!; i++) {");
    expect(t.code).toContain("const perHead: nnx.Array[] = [];");
    expect(t.code).toContain("rows.push(this.layerNorm[i].call(");
    expect(t.code).toContain("jnp.stack(rows, 1)");
    expect(t.paramMap!.params.map((p) => p.source)).toContain("params/Dense_1/kernel");
  }, 180_000);

  it("in helpers of the compact method (through jax.tree.map under a flag, and called directly): verifies either way the flag goes", async () => {
    const inputs = ["obs={cam/a=float32[2,6,5,3],joints=float32[2,4]}"];
    for (const expr of ["Encoder()", "Encoder(per_channel=False)"]) {
      const r = await verifyText("encoder.py", ENCODER, entry(expr, inputs));
      expect(errors(r.diagnostics)).toEqual([]);
      expect(r.checks.filter((c) => c.kind === "output").length).toBe(1);
      expect(r.ok).toBe(true);
    }
    const t = await translateText("encoder.py", ENCODER, entry("Encoder()", inputs));
    expect(t.code).toContain('let images = { "cam/a": obs["cam/a"] };');
    expect(t.code).toContain('images = { "cam/a": jnp.stack(out, -1) };');
    expect(t.code).toContain("for (let ch = 0; ch < obsCamAShape.at(-1)!; ch++) {");
    expect(t.paramMap!.params.map((p) => p.source)).toContain("params/LayerNorm_2/scale");
  }, 180_000);

  it("per key of a dict input: modules named in creation order across keys, a list item keeps its value when its local is assigned again", async () => {
    const e = entry("TwoCameras()", ["obs={cam/a=float32[2,6,6,3],cam/b=float32[2,5,5,2],joints=float32[2,4]}"]);
    const r = await verifyText("cameras.py", TWO_CAMERAS, e);
    expect(errors(r.diagnostics)).toEqual([]);
    expect(r.checks.filter((c) => c.kind === "output").length).toBe(1);
    expect(r.ok).toBe(true);
    const t = await translateText("cameras.py", TWO_CAMERAS, e);
    // LayerNorm_3 is the second image's first channel's.
    expect(t.paramMap!.params.find((p) => p.source === "params/LayerNorm_3/scale")?.nnx).toBe("layerNorm1.0.scale");
    expect(t.code).toContain("const feats0 = jnp.mean(h, [1, 2]);");
  }, 180_000);
});
