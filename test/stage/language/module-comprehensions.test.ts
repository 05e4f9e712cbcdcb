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

// Lists of submodules indexed and sliced as real code does: the MLP's `layers[:-1]` then
// `layers[-1]`, `layers[i]` in `for i in range(n)` over two lists, `heads[0]` then
// `heads[1:]`, `len(layers)`, `zip(up, down)`, `gates[j]` in `for j, f in enumerate(features)`, and in a compact child a list built by an append loop and
// one by a comprehension, each called by index (setup names `layers_0`, compact `Dense_0`).
const INDEXED = `from typing import Sequence

import flax.linen as nn
import jax.numpy as jnp


class Tower(nn.Module):
    n: int = 2

    @nn.compact
    def __call__(self, x):
        blocks = []
        for i in range(self.n):
            blocks.append(nn.Dense(6, name=f"block_{i}"))
        for i in range(self.n):
            x = nn.relu(blocks[i](x))
        outs = [nn.Dense(3) for _ in range(self.n)]
        return x, jnp.stack([outs[i](x) for i in range(self.n)], axis=1)


class Net(nn.Module):
    features: tuple = (16, 8, 5)
    depth: int = 2

    def setup(self):
        self.layers = [nn.Dense(f) for f in self.features]
        self.mix = [nn.Dense(5) for _ in range(self.depth)]
        self.norms = [nn.LayerNorm() for _ in range(self.depth)]
        self.heads = [nn.Dense(2) for _ in range(3)]
        self.up = [nn.Dense(10) for _ in range(self.depth)]
        self.down = [nn.Dense(5) for _ in range(self.depth)]
        self.gates = [nn.Dense(5) for _ in self.features]
        self.tower = Tower()

    def __call__(self, x):
        for layer in self.layers[:-1]:
            x = nn.relu(layer(x))
        x = self.layers[-1](x)
        for i in range(self.depth):
            x = x + self.mix[i](self.norms[i](x))
        for up, down in zip(self.up, self.down):
            x = x + down(nn.relu(up(x)))
        for j, f in enumerate(self.features):
            x = x * nn.sigmoid(self.gates[j](x))
        h = self.heads[0](x)
        for head in self.heads[1:]:
            h = h + head(x)
        y, z = self.tower(x)
        return h * len(self.layers) + self.mix[0](x).sum(), y, z
`;

// Haiku: the same in __init__ (names `linear`, `linear_1`, ... and given ones), an item
// called again after the loop that built it.
const INDEXED_HAIKU = `import haiku as hk
import jax
import jax.numpy as jnp


class MLP(hk.Module):
    def __init__(self, sizes, heads=2, name=None):
        super().__init__(name=name)
        self.num_heads = heads
        self.layers = [hk.Linear(h) for h in sizes]
        self.heads = [hk.Linear(3, name=f"head_{i}") for i in range(heads)]

    def __call__(self, x):
        for layer in self.layers[:-1]:
            x = jax.nn.relu(layer(x))
        x = self.layers[-1](x)
        outs = []
        for i in range(self.num_heads):
            outs.append(self.heads[i](x))
        return jnp.concatenate(outs, axis=-1) + self.heads[0](x).mean()


def forward(x):
    return MLP([12, 8, 4])(x)
`;

// The constructor pushes a list's items in order: calling the last before the second stops.
const OUT_OF_ORDER = `
import flax.linen as nn


class Heads(nn.Module):
    n: int = 3

    def setup(self):
        self.heads = [nn.Dense(1) for _ in range(self.n)]

    def __call__(self, x):
        return self.heads[0](x) + self.heads[-1](x)
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
  it("lists of submodules indexed, sliced, zipped and counted (Linen setup and compact, Haiku): verify, plain indexing in the method", async () => {
    const r = await verifyText("indexed.py", INDEXED, entry("Net()", ["x=float32[2,7]"]));
    expect(errors(r.diagnostics)).toEqual([]);
    expect(r.checks.filter((c) => c.kind === "output").length).toBe(3);
    const sources = r.checks.filter((c) => c.kind === "init").map((c) => c.name.split(" ")[1]);
    for (const p of ["layers_2/kernel", "mix_1/kernel", "up_1/kernel", "down_1/bias", "gates_2/kernel", "norms_1/scale", "heads_2/bias", "tower/block_1/kernel", "tower/Dense_1/kernel"]) expect(sources).toContain(`params/${p}`);
    expect(r.ok).toBe(true);
    const t = await translateText("indexed.py", INDEXED, entry("Net()", ["x=float32[2,7]"]));
    expect(t.code).toContain("for (const f of features.slice(0, -1)) {");
    expect(t.code).toContain("this.layers.push(new nnx.Linear(xFeatures, features.at(-1)!, { rngs }));");
    expect(t.code).toContain("for (const layer of this.layers.slice(0, -1)) {");
    expect(t.code).toContain("x = this.layers.get(-1).call(x);");
    expect(t.code).toContain("for (const head of this.heads.slice(1)) {");
    expect(t.code).toContain("this.mix.get(i).call(this.norms.get(i).call(x))");
    expect(t.code).toContain("this.down.get(i).call(nnx.relu(this.up.get(i).call(x)))");
    expect(t.code).toContain("this.gates.get(j).call(x)");
    const h = await verifyText("indexed_hk.py", INDEXED_HAIKU, entry("forward", ["x=float32[2,5]"]));
    expect(errors(h.diagnostics)).toEqual([]);
    const hs = h.checks.filter((c) => c.kind === "init").map((c) => c.name.split(" ")[1]);
    for (const p of ["mlp/~/linear_2/w", "mlp/~/head_1/w"]) expect(hs).toContain(p);
    expect(h.ok).toBe(true);
    const bad = await translateText("heads.py", OUT_OF_ORDER, entry("Heads()", ["x=float32[2,4]"]));
    expect(errors(bad.diagnostics.items).map((d) => [d.code, d.span?.line])).toEqual([["NNX201", 12]]);
  }, 240_000);
});
