// Configuration as real files write it, in a small ViT-like program of our own,
// verified against live Flax: an initializer field annotated with its signature
// (`Callable[[PRNGKey, Shape, Dtype], Array]`), `'%d' % x` messages, a parameter
// made under a config branch (`cls` only for the 'token' classifier), an untyped
// field its user leaves None (the branch on it is decided), a dict config (never
// None) unpacked with `**`, and an ml_collections.ConfigDict given in the entry
// through `--prelude 'import ml_collections'`.
import { describe, expect, it } from "vitest";
import { entry, translateText, verifyText } from "../../helpers/verify-text.js";

const errors = (ds: Array<{ severity: string }>) => ds.filter((d) => d.severity === "error");

const VIT = `from typing import Any, Callable, Optional, Tuple
import flax.linen as nn
import jax.numpy as jnp

PRNGKey = Any
Shape = Tuple[int]
Dtype = Any
Array = Any


class PosEmbed(nn.Module):
  init_fn: Callable[[PRNGKey, Shape, Dtype], Array]

  @nn.compact
  def __call__(self, x):
    assert x.ndim == 3, 'expected (batch, len, dim), got rank %d' % x.ndim
    pe = self.param('pos', self.init_fn, (1, x.shape[1], x.shape[2]), jnp.float32)
    return x + pe


class Block(nn.Module):
  mlp_dim: int
  act: Callable = nn.gelu

  @nn.compact
  def __call__(self, x):
    y = nn.LayerNorm()(x)
    y = nn.Dense(self.mlp_dim)(y)
    y = self.act(y)
    return x + nn.Dense(x.shape[-1])(y)


class Tiny(nn.Module):
  num_classes: int
  patches: Any
  body: Any
  hidden: int
  stem: Optional[Any] = None
  classifier: str = 'token'
  rep: Optional[int] = None

  @nn.compact
  def __call__(self, x):
    if self.stem is not None:
      x = nn.Conv(self.stem.width, (3, 3), name='stem')(x)
    x = nn.Conv(self.hidden, self.patches.size, strides=self.patches.size, padding='VALID', name='embed')(x)
    if self.body is not None:
      n, h, w, c = x.shape
      x = jnp.reshape(x, [n, h * w, c])
      if self.classifier == 'token':
        cls = self.param('cls', nn.initializers.normal(0.02), (1, 1, c))
        x = jnp.concatenate([jnp.tile(cls, [n, 1, 1]), x], axis=1)
      x = PosEmbed(nn.initializers.normal(stddev=0.02), name='pos')(x)
      for i in range(self.body['layers']):
        x = Block(mlp_dim=self.body['mlp_dim'], name=f'block_{i}')(x)
    if self.classifier == 'token':
      x = x[:, 0]
    else:
      x = jnp.mean(x, axis=list(range(1, x.ndim - 1)))
    if self.rep is not None:
      x = nn.tanh(nn.Dense(self.rep, name='pre_logits')(x))
    return nn.Dense(self.num_classes, name='head')(x)
`;

describe("configuration as real files write it", () => {
  it("translates and verifies the token classifier with a ConfigDict from the prelude", async () => {
    const e = entry("Tiny(num_classes=5, patches=ml_collections.ConfigDict({'size': (2, 2)}), body=dict(layers=2, mlp_dim=16), hidden=8)", ["x=float32[2,8,8,3]"], { prelude: "import ml_collections" });
    const t = await translateText("tiny_vit.py", VIT, e);
    expect(errors(t.diagnostics.items)).toEqual([]);
    // The initializer field is typed as one, the message keeps its format, the branch's param may be null.
    expect(t.code).toContain("initFn: nnx.Initializer;");
    expect(t.code).toContain("`expected (batch, len, dim), got rank ${x.rank}`");
    expect(t.code).toContain("readonly cls: nnx.Param | null;");
    // The stem its user leaves None is not built (the option stays, typed as what it is).
    expect(t.code).toContain("stem?: null;");
    expect(t.code).not.toContain("stem !== null");
    const r = await verifyText("tiny_vit.py", VIT, e);
    expect(errors(r.diagnostics)).toEqual([]);
    expect(r.ok).toBe(true);
  });

  it("verifies the pooled classifier with a representation layer", async () => {
    const r = await verifyText("tiny_vit.py", VIT, entry("Tiny(num_classes=5, patches=ml_collections.ConfigDict({'size': (4, 4)}), body={'layers': 1, 'mlp_dim': 8}, hidden=8, classifier='gap', rep=6)", ["x=float32[2,8,8,3]"], { prelude: "import ml_collections" }));
    expect(errors(r.diagnostics)).toEqual([]);
    expect(r.ok).toBe(true);
  });
});
