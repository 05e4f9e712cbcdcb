// hk.nets → the runtime's hk.nets classes (their attribute paths are Haiku's
// parameter paths): MLP with initializers, activation, bias-free, dropout with
// the caller's key; built in __init__ or in a function. ResNet (v1 and v2,
// every config dict) with its batch norms' state and train/eval mode; the
// ResNet18...200 presets (the same class with Haiku's configs) translated;
// VectorQuantizer and its output dict; VectorQuantizerEMA (keyed embeddings
// state, moving averages, is_training as train/eval); MobileNetV1.
import { describe, expect, it } from "vitest";
import { translateText, verifyText } from "../../helpers/verify-text.js";
import { entry, expectVerifies, SLOW } from "./helpers.js";

const MLP = `
import jax, jax.numpy as jnp
import haiku as hk

class Encoder(hk.Module):
    def __init__(self, hidden, name=None):
        super().__init__(name=name)
        self.mlp = hk.nets.MLP([hidden, hidden, 3], with_bias=False, activation=jax.nn.gelu)

    def __call__(self, x):
        return self.mlp(x, dropout_rate=0.1, rng=hk.next_rng_key())

def forward(x):
    head = hk.nets.MLP([8, 4], w_init=hk.initializers.VarianceScaling(2.0),
                       b_init=hk.initializers.RandomNormal(0.1), activate_final=True, name="head")
    return Encoder(16)(x) + hk.nets.MLP([6, 3], activation=jnp.tanh)(head(x))
`;

// init's own call on a constant batch, so the moving averages it sets are compared too (a small
// image: a large constant one gives near-zero variances whose statistics are ill-conditioned).
const RESNET = `
import jax, jax.numpy as jnp
import haiku as hk

def forward(x, is_training):
    net = hk.nets.ResNet([1, 1, 1, 1], num_classes=10, bottleneck=False, channels_per_group=(8, 16, 16, 32),
                         use_projection=(True, True, True, True), bn_config={"decay_rate": 0.9},
                         initial_conv_config={"output_channels": 8, "kernel_shape": 3})
    v2 = hk.nets.ResNet((1, 2, 1, 1), 5, resnet_v2=True, channels_per_group=(8, 8, 16, 16),
                        logits_config={"w_init": hk.initializers.RandomNormal(0.1)}, strides=(1, 2, 1, 2),
                        initial_conv_config={"output_channels": 4, "kernel_shape": 3}, name="v2")
    return net(x, is_training), v2(x, is_training=is_training)

model = hk.transform_with_state(forward)
params, state = model.init(jax.random.key(0), jnp.ones((2, 7, 7, 3)), is_training=True)
`;

const VQ = `
import jax, jax.numpy as jnp
import haiku as hk

class VQVAE(hk.Module):
    def __call__(self, x, is_training):
        z = hk.Conv2D(4, kernel_shape=3)(x)
        vq = hk.nets.VectorQuantizer(embedding_dim=4, num_embeddings=16, commitment_cost=0.25)
        out = vq(z, is_training=is_training)
        recon = hk.Conv2D(3, kernel_shape=3)(out["quantize"])
        return recon, out["loss"], out["perplexity"], out["encoding_indices"]

def forward(x, is_training=True):
    return VQVAE()(x, is_training)
`;

const VQ_EMA = `
import jax, jax.numpy as jnp
import haiku as hk

def forward(x, is_training):
    z = hk.Linear(4)(x)
    vq = hk.nets.VectorQuantizerEMA(embedding_dim=4, num_embeddings=8, commitment_cost=0.25, decay=0.9, epsilon=1e-5)
    out = vq(z, is_training)
    q = out["quantize"]
    # A module first called in training only: init (in train mode) creates it, in order.
    if is_training:
        aux = hk.nets.MLP([6, 4], name="aux_head")(z)
        q = q + 0.1 * jnp.mean(aux)
    # Dropout only in training: init (in train mode) draws its key before the last Linear's.
    if is_training:
        q = hk.dropout(hk.next_rng_key(), 0.2, q)
    return hk.Linear(3)(q), out["loss"], out["encodings"]

model = hk.transform_with_state(forward)
params, state = model.init(jax.random.key(0), jnp.ones((2, 5, 3)), is_training=True)
`;

// init on zeros: MobileNetV1's VALID stem makes a constant image's feature maps constant (variance 0),
// so its batch statistics would only measure rounding; zeros keep them exact.
const MOBILENET = `
import jax, jax.numpy as jnp
import haiku as hk

def forward(x, is_training):
    net = hk.nets.MobileNetV1(strides=(1, 2, 1), channels=(8, 16, 16), num_classes=5)
    plain = hk.nets.MobileNetV1(strides=(2,), channels=(8,), num_classes=3, use_bn=False, name="plain")
    return net(x, is_training), plain(x, is_training=is_training)

model = hk.transform_with_state(forward)
params, state = model.init(jax.random.key(0), jnp.zeros((2, 9, 9, 3)), is_training=True)
`;

const RESNET50 = `
import jax, jax.numpy as jnp
import haiku as hk

def forward(x, is_training):
    return hk.nets.ResNet50(1000, resnet_v2=True)(x, is_training)
`;

describe.concurrent("nets", SLOW, () => {
  it("hk.nets.MLP: initializers, activation, with_bias, activate_final, dropout with a key", () =>
    expectVerifies({
      name: "haiku_mlp",
      py: MLP,
      entry: entry("forward", ["x=float32[2,5]"]),
      reads: [/new hk\.nets\.MLP\(inFeatures, \[hidden, hidden, 3\], \{\s*withBias: false,\s*activation: nnx\.gelu,\s*rngs,?\s*\}\)/, "this.mlp.call(x, 0.1, this.rngs1())", "activateFinal: true"],
    }));

  it("hk.nets.ResNet: v1 and v2, bn/logits/initial conv configs, strides, is_training", () =>
    expectVerifies({
      name: "haiku_resnet",
      py: RESNET,
      reads: [
        /new hk\.nets\.ResNet\(inFeatures, \[1, 1, 1, 1\], 10, \{/,
        "bnConfig: { decayRate: 0.9 }",
        "initialConvConfig: { outputChannels: 8, kernelShape: 3 }",
        "logitsConfig: { wInit: hk.initializers.RandomNormal(0.1) }",
        "this.resNet.call(x)",
      ],
    }));

  it("hk.nets.ResNet18...200 translate to the runtime's presets", async () => {
    const t = await translateText("resnet50.py", RESNET50, entry("forward", ["x=float32[2,32,32,3]"], { kwargs: { is_training: "True" } }));
    expect(t.diagnostics.items.filter((d) => d.severity === "error")).toEqual([]);
    expect(t.code).toContain("new hk.nets.ResNet50(inFeatures, 1000, { resnetV2: true, rngs })");
  });

  it("hk.nets.VectorQuantizer: its output dict", () =>
    expectVerifies({
      name: "haiku_vq",
      py: VQ,
      entry: entry("forward", ["x=float32[2,5,5,3]"]),
      reads: ["new hk.nets.VectorQuantizer(4, 16, 0.25, { rngs })", 'this.conv2D1.call(out["quantize"])'],
    }));

  it("hk.nets.VectorQuantizerEMA: embeddings and moving averages as state, is_training (`if is_training:` dropout, an MLP built under it)", () =>
    expectVerifies({
      name: "haiku_vq_ema",
      py: VQ_EMA,
      reads: ["new hk.nets.VectorQuantizerEMA(4, 8, 0.25, 0.9, {", "this.vectorQuantizerEma.call(z)", "this.auxHead = new hk.nets.MLP(4, [6, 4], { rngs });", "const aux = this.auxHead.call(z);"],
    }));

  it("hk.nets.VectorQuantizerEMA alone: a model with state and no parameters (no gradients to compare)", async () => {
    const py = `
import jax, jax.numpy as jnp
import haiku as hk

def forward(x, is_training):
    return hk.nets.VectorQuantizerEMA(4, 8, 0.25, 0.99)(x, is_training=is_training)["quantize"]

model = hk.transform_with_state(forward)
params, state = model.init(jax.random.key(1), jax.random.normal(jax.random.key(0), (6, 4)), is_training=True)
`;
    const r = await verifyText("vq_ema_alone.py", py);
    expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    expect(r.checks.filter((c) => c.kind === "grad")).toEqual([]);
    expect(r.checks.some((c) => c.kind === "output")).toBe(true);
    expect(r.ok).toBe(true);
  });

  it("hk.nets.MobileNetV1: strides, channels, num_classes, use_bn", () =>
    expectVerifies({
      name: "haiku_mobilenet",
      py: MOBILENET,
      reads: [/new hk\.nets\.MobileNetV1\(inFeatures, \{\s*strides: \[1, 2, 1\],\s*channels: \[8, 16, 16\],\s*numClasses: 5,/, "useBn: false", "this.mobileNetV1.call(x)"],
    }));
});
