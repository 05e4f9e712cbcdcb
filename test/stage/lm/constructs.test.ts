// Constructs a Linen Transformer LM file uses, each in a small program of its
// own verified against live Flax: mask helpers given a dtype, `del` of a
// tuple of names, `np.newaxis` / `jnp.newaxis` in subscripts, item
// assignment on NumPy arrays and lists built in a helper, `x.dtype.type(0)`,
// and sequence repetition (`[(0, 0)] * n`).
import { describe, expect, it } from "vitest";
import { entry, expectUnsupported, expectVerifies, SLOW } from "../layers/helpers.js";

const MASKS = `
from typing import Any
import jax.numpy as jnp
import flax.linen as nn

class Attend(nn.Module):
    dtype: Any = jnp.float32

    @nn.compact
    def __call__(self, ids, x):
        pad = nn.make_attention_mask(ids > 0, ids > 0, dtype=self.dtype)
        causal = nn.make_causal_mask(ids, dtype=jnp.bool_)
        mask = nn.combine_masks(pad, causal, dtype=jnp.float32)
        y = nn.MultiHeadDotProductAttention(num_heads=2, qkv_features=8)(x, mask=mask)
        return y, mask
`;

const TABLES = `
import numpy as np
import jax.numpy as jnp
import flax.linen as nn
from jax import lax

def table_init(n, scale=0.5):
    def init(key, shape, dtype=np.float32):
        del key, dtype
        d = shape[-1]
        t = np.zeros((n, d), dtype=np.float32)
        pos = np.arange(0, n)[:, np.newaxis]
        t[:, : d // 2] = np.sin(pos * scale)
        t[:, d // 2 :] = np.cos(pos * (scale / 2))
        t = t[np.newaxis, :, :]
        return jnp.array(t)
    return init

def shift(x, axis=1):
    widths = [(0, 0)] * len(x.shape)
    widths[axis] = (1, 0)
    padded = jnp.pad(x, widths, mode='constant', constant_values=x.dtype.type(0))
    return lax.dynamic_slice_in_dim(padded, 0, padded.shape[axis] - 1, axis)

class Embedder(nn.Module):
    vocab: int = 10
    max_len: int = 8

    @nn.compact
    def __call__(self, ids, segments=None):
        if segments is not None:
            ids = ids * (segments == shift(segments))
        ids = shift(ids)
        x = nn.Embed(self.vocab, 6)(ids)
        table = table_init(self.max_len)(None, (1, self.max_len, x.shape[-1]), None)
        y = x + table[:, : x.shape[1], :]
        return y * ids[:, :, jnp.newaxis]
`;

describe.concurrent("Transformer LM constructs", SLOW, () => {
  it("make_attention_mask / make_causal_mask / combine_masks with a float32 or bool dtype", () =>
    expectVerifies({
      name: "lm_masks",
      py: MASKS,
      entry: entry("Attend()", ["ids=int32[2,5]<3", "x=float32[2,5,8]"]),
      reads: ["nnx.makeAttentionMask(jnp.greater(ids, 0), jnp.greater(ids, 0), {\n        dtype: this.dtype,\n      });", "nnx.makeCausalMask(ids, { dtype: \"bool\" })"],
    }));

  it("a NumPy table filled by item assignment, np.newaxis, del of names, a shift by jnp.pad with x.dtype.type(0)", () =>
    expectVerifies({
      name: "lm_tables",
      py: TABLES,
      entry: entry("Embedder()", ["ids=int32[2,5]<10"]),
      reads: ["t = jnp.at(t, jnp.slice(), jnp.slice(null, 3)).set(jnp.sin(", "jnp.index(ids, jnp.slice(), jnp.slice(), jnp.newaxis)", "constantValues: jnp.asarray(0, ids.dtype"],
    }));

  it("reports a mask dtype the runtime lacks", async () => {
    await expectUnsupported(
      `
import jax.numpy as jnp
import flax.linen as nn

class M(nn.Module):
    @nn.compact
    def __call__(self, ids):
        return nn.make_causal_mask(ids, dtype=jnp.bfloat16)
`,
      8,
      /make_causal_mask's 'dtype' is 'jax\.numpy\.bfloat16'/,
      entry("M()", ["ids=int32[2,5]<3"]),
    );
    expect(true).toBe(true);
  });
});

const CONFIGURED = `
from typing import Any, Callable
import jax.numpy as jnp
import flax.linen as nn
from flax import struct

@struct.dataclass
class Config:
    features: int = 8
    causal: bool = True
    pos_init: Callable | None = None
    kernel_init: Callable = nn.initializers.lecun_normal()

class Block(nn.Module):
    config: Config

    @nn.compact
    def __call__(self, x, ids, segments=None):
        config = self.config
        if config.causal:
            mask = nn.make_causal_mask(ids)
        else:
            mask = None
        if segments is not None:
            mask = nn.combine_masks(mask, nn.make_attention_mask(segments, segments, jnp.equal))
        if config.pos_init is not None:
            x = x + self.param('pos', config.pos_init, (1, x.shape[1], x.shape[2]))
        y = nn.SelfAttention(num_heads=2, qkv_features=config.features)(x, mask=mask)
        return nn.Dense(config.features, kernel_init=nn.with_logical_partitioning(config.kernel_init, ('embed', 'mlp')))(y)
`;

describe.concurrent("Transformer LM config", SLOW, () => {
  it("a mask that is None or an array after a branch on config; a bare Callable config field used as an initializer; logically partitioned initializers", () =>
    expectVerifies({
      name: "lm_config",
      py: CONFIGURED,
      entry: entry("Block(config=Config(pos_init=nn.initializers.normal(stddev=0.02)))", ["x=float32[2,5,8]", "ids=int32[2,5]<3"]),
      reads: ["let mask: nnx.Array | null;", "readonly posInit: nnx.Initializer | null;"],
    }));
});

const DECODE = `
import jax.numpy as jnp
import flax.linen as nn
from flax import struct

@struct.dataclass
class Config:
    heads: int = 2
    decode: bool = False

class Positions(nn.Module):
    max_len: int = 16
    decode: bool = False

    @nn.compact
    def __call__(self, x):
        table = self.param('table', nn.initializers.normal(stddev=0.02), (1, self.max_len, x.shape[-1]))
        pe = table[:, : x.shape[1]]
        if self.decode:
            index = self.variable('cache', 'index', lambda: jnp.array(0, dtype=jnp.uint32))
            pe = table[:, index.value]
            index.value = index.value + 1
        return x + pe

class Block(nn.Module):
    config: Config

    @nn.compact
    def __call__(self, x):
        x = Positions(decode=self.config.decode)(x)
        return nn.MultiHeadDotProductAttention(num_heads=self.config.heads, decode=self.config.decode)(x)
`;

describe.concurrent("Transformer LM decode flags", SLOW, () => {
  it("decode from the config: False translates, True throws in the constructor (NNX214), the cache branch too", async () => {
    const r = await expectVerifies({
      name: "lm_decode",
      py: DECODE,
      entry: entry("Block(config=Config())", ["x=float32[2,5,8]"]),
      reads: [/if \(config\.decode\) \{\s*throw new Error\(\s*"nnxport: MultiHeadDotProductAttention\(decode=True\) is not translated/, /if \(this\.decode\) \{\s*throw new Error\(/, /if \(decode\) \{\s*throw new Error\(/],
    });
    const warnings = r.diagnostics.filter((d) => d.code === "NNX214").map((d) => d.span?.line);
    expect(warnings.sort()).toEqual([19, 31]);
  });

  it("a cache branch that reads a variable it just declared (`i = index.value`), with statements after it, is still the flag branch", async () => {
    const r = await expectVerifies({
      name: "lm_decode_read",
      py: `
import jax.numpy as jnp
import flax.linen as nn

class Shift(nn.Module):
    decode: bool = False

    @nn.compact
    def __call__(self, x):
        bias = self.param('bias', nn.initializers.normal(stddev=0.1), (4, x.shape[-1]))
        b = bias[: x.shape[0]]
        if self.decode:
            ready = self.has_variable('cache', 'step')
            step = self.variable('cache', 'step', lambda: jnp.array(0, dtype=jnp.uint32))
            if ready:
                i = step.value
                step.value = i + 1
                b = bias[i]
        y = x * 2.0
        return y + b
`,
      entry: entry("Shift()", ["x=float32[3,5]"]),
      reads: [/if \(this\.decode\) \{\s*throw new Error\(/],
    });
    expect(r.diagnostics.filter((d) => d.code === "NNX201")).toEqual([]);
    expect(r.diagnostics.filter((d) => d.code === "NNX214").map((d) => d.span?.line)).toEqual([12]);
  });

  it("a flag branch that built a submodule before what it cannot translate, or that does not use the cache, stays unsupported", async () => {
    await expectUnsupported(
      `
import jax.numpy as jnp
import flax.linen as nn

class M(nn.Module):
    decode: bool = False

    @nn.compact
    def __call__(self, x):
        if self.decode:
            x = nn.Dense(3)(x)
            index = self.variable('cache', 'index', lambda: jnp.array(0, dtype=jnp.uint32))
        return x
`,
      12,
      /uint32/,
      entry("M()", ["x=float32[2,3]"]),
    );
    await expectUnsupported(
      `
import jax.numpy as jnp
import flax.linen as nn

class M(nn.Module):
    wide: bool = False

    @nn.compact
    def __call__(self, x):
        if self.wide:
            x = x.astype(jnp.uint32)
        return x
`,
      11,
      /uint32/,
      entry("M()", ["x=float32[2,3]"]),
    );
  });
});
