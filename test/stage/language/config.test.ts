// Configuration of any type: modules given as config (specialized per choice),
// partials of layers, nested config dataclasses, dicts their users give,
// Callable / Optional / Sequence fields, NamedTuple outputs — each verified
// against live Flax / Haiku, and the output checked to read as config.
import { describe, expect, it } from "vitest";
import { entry, translateText, verifyText } from "../../helpers/verify-text.js";

const errors = (ds: Array<{ severity: string }>) => ds.filter((d) => d.severity === "error");

const RESNET = `from functools import partial
from typing import Any, Callable, Sequence
import flax.linen as nn
import jax.numpy as jnp

ModuleDef = Any


class Block(nn.Module):
  filters: int
  conv: ModuleDef
  norm: ModuleDef
  act: Callable
  strides: tuple[int, int] = (1, 1)

  @nn.compact
  def __call__(self, x):
    residual = x
    y = self.conv(self.filters, (3, 3), self.strides)(x)
    y = self.norm()(y)
    y = self.act(y)
    y = self.conv(self.filters, (3, 3))(y)
    y = self.norm(scale_init=nn.initializers.zeros_init())(y)
    if residual.shape != y.shape:
      residual = self.conv(self.filters, (1, 1), self.strides, name='conv_proj')(residual)
      residual = self.norm(name='norm_proj')(residual)
    return self.act(residual + y)


class Net(nn.Module):
  stage_sizes: Sequence[int]
  block_cls: ModuleDef
  num_classes: int
  num_filters: int = 8
  dtype: Any = jnp.float32
  act: Callable = nn.relu
  conv: ModuleDef = nn.Conv

  @nn.compact
  def __call__(self, x, train: bool = True):
    conv = partial(self.conv, use_bias=False, dtype=self.dtype)
    norm = partial(nn.BatchNorm, use_running_average=not train, momentum=0.9, epsilon=1e-5, dtype=self.dtype)
    x = conv(self.num_filters, (3, 3), (2, 2), padding=[(1, 1), (1, 1)], name='conv_init')(x)
    x = norm(name='bn_init')(x)
    x = nn.relu(x)
    for i, block_size in enumerate(self.stage_sizes):
      for j in range(block_size):
        strides = (2, 2) if i > 0 and j == 0 else (1, 1)
        x = self.block_cls(self.num_filters * 2**i, strides=strides, conv=conv, norm=norm, act=self.act)(x)
    x = jnp.mean(x, axis=(1, 2))
    x = nn.Dense(self.num_classes, dtype=self.dtype)(x)
    return x


Net2 = partial(Net, stage_sizes=[1, 1], block_cls=Block)
`;

const CONFIGS = `import dataclasses
from typing import Any, Callable, Optional, Sequence, Type
from flax import struct
import flax.linen as nn
import jax.numpy as jnp


@dataclasses.dataclass(frozen=True)
class HeadConfig:
  features: int = 3
  use_bias: bool = True


@struct.dataclass
class Config:
  hidden: Sequence[int] = (8, 8)
  kernel_init: Callable = nn.initializers.xavier_uniform()
  act: Callable = nn.gelu
  dropout: Optional[float] = None
  head: HeadConfig = HeadConfig()


class Encoder(nn.Module):
  num_layers: int
  width: int
  scale: float = 1.0

  @nn.compact
  def __call__(self, x):
    for i in range(self.num_layers):
      x = nn.Dense(self.width, name=f"layer_{i}")(x) * self.scale
    return nn.Dense(self.width, name="out")(x)


class Model(nn.Module):
  config: Config
  encoder_args: Any
  patches: Any
  extra: Optional[Any] = None
  encoder: Type[nn.Module] = Encoder

  @nn.compact
  def __call__(self, x):
    cfg = self.config
    x = nn.Conv(4, kernel_size=self.patches["size"], strides=self.patches["size"], padding="VALID")(x)
    x = x.reshape((x.shape[0], -1))
    for h in cfg.hidden:
      x = cfg.act(nn.Dense(h, kernel_init=cfg.kernel_init)(x))
    x = self.encoder(name="enc", **self.encoder_args)(x)
    if self.extra is not None:
      x = nn.Dense(self.extra["width"])(x)
    return nn.Dense(cfg.head.features, use_bias=cfg.head.use_bias)(x)
`;

const HAIKU_VAE = `import dataclasses
from typing import NamedTuple, Sequence
import haiku as hk
import jax
import jax.numpy as jnp
import numpy as np


@dataclasses.dataclass(frozen=True)
class Cfg:
  hidden: int = 8
  latent: int = 3


class Out(NamedTuple):
  recon: jax.Array
  mean: jax.Array
  logvar: jax.Array


@dataclasses.dataclass
class Encoder(hk.Module):
  cfg: Cfg

  def __call__(self, x):
    x = x.reshape((x.shape[0], -1))
    h = jax.nn.relu(hk.Linear(self.cfg.hidden)(x))
    return hk.Linear(self.cfg.latent, name="mean")(h), hk.Linear(self.cfg.latent, name="logvar")(h)


@dataclasses.dataclass
class Decoder(hk.Module):
  output_shape: Sequence[int]
  hidden_size: int = 8

  def __call__(self, z):
    z = jax.nn.relu(hk.Linear(self.hidden_size)(z))
    logits = hk.Linear(int(np.prod(self.output_shape)))(z)
    return jnp.reshape(logits, (-1, *self.output_shape))


@dataclasses.dataclass
class VAE(hk.Module):
  encoder: Encoder
  decoder: Decoder

  def __call__(self, x):
    mean, logvar = self.encoder(x)
    z = mean + jnp.exp(0.5 * logvar)
    return Out(self.decoder(z), mean, logvar)
`;

describe("configuration of any type", () => {
  it("Linen: block_cls / conv: ModuleDef and functools.partial of layers, specialized for what the entry gives", async () => {
    const e = entry("Net2(num_classes=3)", ["x=float32[2,8,8,3]"], { kwargs: { train: "False" } });
    const r = await verifyText("resnet.py", RESNET, e);
    expect(errors(r.diagnostics)).toEqual([]);
    expect(r.ok).toBe(true);
    const t = await translateText("resnet.py", RESNET, e);
    // The choice is written into the block's constructor; the rest stays config.
    expect(t.code).toContain("Built with `conv = partial(nn.Conv, use_bias=False, dtype=…)`");
    expect(t.code).toMatch(/this\.conv = new nnx\.Conv\(xShape\.at\(-1\)!, filters, \[3, 3\], \{ strides, useBias: false, rngs \}\)/);
    expect(t.code).toContain("readonly block: nnx.List<Block>;");
    expect(t.code).toContain("for (const [i, blockSize] of stageSizes.entries())");
    expect(t.code).toMatch(/export interface BlockOptions \{[^}]*act: nnx\.Activation;/);
    expect(t.code).not.toMatch(/BlockOptions \{[^}]*conv:/);
    expect(t.paramMap!.params.map((p) => p.source)).toContain("params/Block_1/conv_proj/kernel");
  }, 120_000);

  it("Linen: config dataclasses (nested, with Callable and Optional fields), dicts given by the entry, '**' into a module, a module class as a default", async () => {
    const e = entry("Model(config=Config(hidden=(6, 5)), encoder_args=dict(num_layers=2, width=7), patches={'size': (2, 2)}, extra={'width': 4})", ["x=float32[2,4,4,3]"]);
    const r = await verifyText("configs.py", CONFIGS, e);
    expect(errors(r.diagnostics)).toEqual([]);
    expect(r.ok).toBe(true);
    const t = await translateText("configs.py", CONFIGS, e);
    expect(t.code).toContain("readonly kernelInit: nnx.Initializer;");
    expect(t.code).toContain("readonly head: HeadConfig;");
    expect(t.code).toContain("encoderArgs: { numLayers: number; width: number };");
    expect(t.code).toContain("extra?: { width: number } | null;");
    expect(t.code).toContain("numLayers: encoderArgs.numLayers");
    expect(t.code).toContain("extra !== null ? extra.width : encoderArgs.width");
    expect(t.code).not.toMatch(/\bany\b|: unknown/);
  }, 120_000);

  it("Haiku: a config dataclass field, modules given as config instances, a NamedTuple output", async () => {
    const e = entry("VAE(encoder=Encoder(cfg=Cfg(hidden=6)), decoder=Decoder(output_shape=(4, 4, 1)))", ["x=float32[2,4,4,1]"]);
    const r = await verifyText("vae.py", HAIKU_VAE, e);
    expect(errors(r.diagnostics)).toEqual([]);
    expect(r.ok).toBe(true);
    expect(r.checks.filter((c) => c.kind === "output").map((c) => c.name).sort()).toEqual(["output/logvar", "output/mean", "output/recon"]);
    const t = await translateText("vae.py", HAIKU_VAE, e);
    expect(t.code).toContain("call(x: nnx.Array): { recon: nnx.Array; mean: nnx.Array; logvar: nnx.Array }");
    expect(t.code).toContain("encoder: { cfg: cfg({ hidden: 6 }) }");
  }, 120_000);
});
