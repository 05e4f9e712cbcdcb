"""Reference keys, initial params and dropout masks for test/runtime/keys.test.ts,
live from the pinned flax (Linen) and dm-haiku.

Reads a JSON spec on stdin: {"seeds": [[init_seed, apply_seed], ...]}.
Prints one JSON document. float32 arrays are given as uint32 bit patterns, so
the test compares bits. Every jax.random.bernoulli call (nn.Dropout, hk.dropout)
is recorded with its key, p and shape: that is the mask itself, no need to
recover it from zeros in the output.
"""
import json
import sys

import flax
import flax.linen as nn
import haiku as hk
import jax
import jax.numpy as jnp
import numpy as np
from flax import traverse_util

spec = json.load(sys.stdin)

# ---- recording bernoulli (flax and haiku look it up on jax.random at call time)
_bernoulli = jax.random.bernoulli
MASKS = []


def recording_bernoulli(key, p=0.5, shape=None, **kw):
  out = _bernoulli(key, p, shape, **kw)
  if isinstance(out, jax.core.Tracer):  # under jit: nothing concrete to record
    return out
  MASKS.append({
      "key": words(key),
      "p": float(p),
      "shape": list(out.shape),
      "mask": np.asarray(out).astype(np.uint8).ravel().tolist(),
  })
  return out


jax.random.bernoulli = recording_bernoulli


def words(k):
  if jax.dtypes.issubdtype(k.dtype, jax.dtypes.prng_key):
    k = jax.random.key_data(k)
  return np.asarray(k).astype(np.uint32).tolist()


def bits(a):
  a = np.asarray(a)
  assert a.dtype == np.float32, a.dtype
  return {"shape": list(a.shape), "bits": a.view(np.uint32).ravel().tolist()}


def flat(tree, sep="/"):
  return {k: bits(v) for k, v in traverse_util.flatten_dict(tree, sep=sep).items()}


def same_trees(a, b):
  la, lb = jax.tree.leaves(a), jax.tree.leaves(b)
  return len(la) == len(lb) and all(np.array_equal(x, y) for x, y in zip(la, lb))


def take_masks():
  out = list(MASKS)
  MASKS.clear()
  return out


# ---- Linen models

class Block(nn.Module):
  features: int

  @nn.compact
  def __call__(self, x, train):
    x = nn.Dense(self.features)(x)
    return nn.Dropout(0.5, deterministic=not train)(x)


class Nested(nn.Module):
  """Block_0/{Dense_0, Dropout_0}, then Dense_0 at the root."""
  dmid: int = 4
  dout: int = 3

  @nn.compact
  def __call__(self, x, train=False):
    x = Block(self.dmid)(x, train)
    return nn.Dense(self.dout)(nn.relu(x))


class Pair(nn.Module):
  """setup() children, named by attribute; one Dropout scope used twice."""

  def setup(self):
    self.enc = nn.Dense(5)
    self.drop = nn.Dropout(0.3, broadcast_dims=(0,))
    self.dec = nn.Dense(3, use_bias=False)

  def __call__(self, x, train=False):
    h = self.drop(self.enc(x), deterministic=not train)
    h = self.drop(h, deterministic=not train)
    return self.dec(h)


class Flat(nn.Module):
  """A root-scope param, two Dense in one scope, and a named setup() child."""

  @nn.compact
  def __call__(self, x, train=False):
    scale = self.param("scale", nn.initializers.normal(1.0), (x.shape[-1],))
    x = nn.Dense(6)(x * scale)
    x = nn.Dense(7)(x)
    return Pair(name="pair")(x, train)


JIT_INITS = {}  # one trace per model, reused for every seed


def jit_init(name, init):
  if name not in JIT_INITS:
    JIT_INITS[name] = jax.jit(init)
  return JIT_INITS[name]


def linen_case(model, din, seed, apply_seed):
  x = jnp.ones((2, din), jnp.float32)
  k = jax.random.key(seed)
  MASKS.clear()
  variables = model.init(k, x, train=True)  # dropout falls back to 'params'
  init_masks = take_masks()
  raw = model.init(jax.random.PRNGKey(seed), x, train=True)
  jitted = jit_init(type(model).__name__, lambda k, x: model.init(k, x, train=True))(k, x)
  MASKS.clear()
  model.apply(variables, x, train=True, rngs={"dropout": jax.random.key(apply_seed)})
  return {
      "seed": seed,
      "applySeed": apply_seed,
      "params": flat(variables["params"]),
      "initMasks": init_masks,
      "applyMasks": take_masks(),
      "rawKeySame": same_trees(variables, raw),
      "jitSame": same_trees(variables, jitted),
  }


# ---- Haiku model

class Net(hk.Module):

  def __init__(self, dmid, dout, name=None):
    super().__init__(name=name)
    self.dmid = dmid
    self.dout = dout

  def __call__(self, x, train):
    x = hk.Linear(self.dmid)(x)                                   # w: key 1
    x = hk.dropout(hk.next_rng_key(), 0.5 if train else 0.0, x)  # key 2
    x = jax.nn.relu(x)
    x = hk.Linear(self.dmid)(x)                                   # w: key 3
    return hk.Linear(self.dout, with_bias=False)(x)               # w: key 4


def forward(x, train=False):
  return Net(8, 3)(x, train)


def haiku_case(seed, apply_seed):
  f = hk.transform(forward)
  x = jnp.ones((2, 300), jnp.float32)
  k = jax.random.key(seed)
  MASKS.clear()
  params = f.init(k, x, train=True)
  init_masks = take_masks()
  eval_params = f.init(k, x, train=False)  # rate 0: no mask, but the key is still drawn
  raw = f.init(jax.random.PRNGKey(seed), x, train=True)
  jitted = jit_init("haiku", lambda k, x: f.init(k, x, train=True))(k, x)
  MASKS.clear()
  f.apply(params, jax.random.key(apply_seed), x, train=True)
  return {
      "seed": seed,
      "applySeed": apply_seed,
      "params": flat(params),
      "initMasks": init_masks,
      "applyMasks": take_masks(),
      "evalInitSame": same_trees(params, eval_params),
      "rawKeySame": same_trees(params, raw),
      "jitSame": same_trees(params, jitted),
  }


# ---- Haiku sequence ops: "next", ["reserve", n], ["take", n]

def haiku_sequence(seed, ops, reserve_size):
  def fn():
    out = []
    for op in ops:
      if op == "next":
        out.append(hk.next_rng_key())
      elif op[0] == "reserve":
        hk.reserve_rng_keys(op[1])
      elif op[0] == "take":
        out.extend(list(hk.next_rng_keys(op[1])))
    return [words(k) for k in out]

  with hk.config.context(rng_reserve_size=reserve_size):
    return hk.transform(fn).apply({}, jax.random.key(seed))


SEQ_OPS = ["next", "next", ["reserve", 3], "next", ["take", 4], "next", "next", "next"]

result = {
    "linenNested": [linen_case(Nested(), 5, s, t) for s, t in spec["seeds"]],
    "linenFlat": [linen_case(Flat(), 4, s, t) for s, t in spec["seeds"]],
    "haiku": [haiku_case(s, t) for s, t in spec["seeds"]],
    "haikuSequence": [
        {"seed": s, "reserveSize": r, "ops": SEQ_OPS, "keys": haiku_sequence(s, SEQ_OPS, r)}
        for s, _ in spec["seeds"] for r in (1, 4)
    ],
}

# flax_fix_rng_separator=True (not the default): a 0 byte before each element.
flax.config.update("flax_fix_rng_separator", True)
try:
  s = spec["seeds"][0][0]
  v = Nested().init(jax.random.key(s), jnp.ones((2, 5), jnp.float32))
  result["linenNestedSeparator"] = {"seed": s, "params": flat(v["params"])}
finally:
  flax.config.update("flax_fix_rng_separator", False)

print(json.dumps(result))
