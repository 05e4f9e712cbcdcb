"""Reference initial weights for test/runtime/initializers.test.ts, live from the
pinned jax / flax / haiku.

Usage: initializer_vectors.py SPEC.json with SPEC = {"out": path, "cases": [...]}.
Output per case: a little-endian uint32 count, then that many uint32 words
(float32 results as bit patterns). The "*_module" cases record the key the
library handed to its initializer and emit [k0, k1, weights...].
"""
import json
import sys

import flax.linen as linen
import haiku as hk
import haiku._src.initializers as hk_init_mod
import jax
import jax.numpy as jnp
import numpy as np
from flax import nnx

with open(sys.argv[1]) as fh:
    spec = json.load(fh)


def K(raw):
    return jax.random.wrap_key_data(np.asarray(raw, dtype=np.uint32))


def key_words(k):
    return np.asarray(jax.random.key_data(k)).astype(np.uint32)


def with_haiku_key(k, fn):
    """Runs fn with hk.next_rng_key() returning exactly k (Haiku's initializers
    look the function up through this module-level alias)."""
    saved = hk_init_mod.hk.next_rng_key
    hk_init_mod.hk.next_rng_key = lambda: k
    try:
        return fn()
    finally:
        hk_init_mod.hk.next_rng_key = saved


def recording(init, seen):
    def wrapped(key, shape, dtype=jnp.float32, *a, **kw):
        seen.append(key)
        return init(key, shape, dtype, *a, **kw)
    return wrapped


def run(c):
    op = c["op"]
    shape = tuple(c.get("shape", ()))
    kw = c.get("kwargs", {})
    if op == "jax":
        lib = jax.nn.initializers if c.get("lib", "jax") == "jax" else nnx.initializers
        f = getattr(lib, c["name"])
        init = f if c["name"] in ("zeros", "ones") else f(*c.get("args", []), **kw)
        return init(K(c["key"]), shape, jnp.float32)
    if op == "haiku":
        init = getattr(hk.initializers, c["name"])(*c.get("args", []), **kw)
        return with_haiku_key(K(c["key"]), lambda: init(shape, jnp.float32))
    if op == "nnx_module":
        seen = []
        kinit = recording(nnx.initializers.lecun_normal(), seen)
        rngs = nnx.Rngs(c["seed"])
        if c["kind"] == "linear":
            m = nnx.Linear(c["in"], c["out"], kernel_init=kinit, rngs=rngs)
        else:
            m = nnx.Conv(c["in"], c["out"], tuple(c["kernel_size"]), kernel_init=kinit, rngs=rngs)
        # The recorded initializer is lecun_normal itself, so this is the default weight.
        return np.concatenate([key_words(seen[0]), np.asarray(m.kernel[...]).view(np.uint32).ravel()])
    if op == "linen_module":
        seen = []
        kinit = recording(linen.initializers.lecun_normal(), seen)
        if c["kind"] == "dense":
            m = linen.Dense(c["out"], kernel_init=kinit)
            x = jnp.ones((1, c["in"]))
        else:
            m = linen.Conv(c["out"], tuple(c["kernel_size"]), kernel_init=kinit)
            x = jnp.ones((1, 8, 8, c["in"]))
        params = m.init(jax.random.key(c["seed"]), x)["params"]
        return np.concatenate([key_words(seen[0]), np.asarray(params["kernel"]).view(np.uint32).ravel()])
    if op == "haiku_module":
        # Default hk.Linear / hk.Conv2D weights; record the key next_rng_key gives.
        seen = []
        real = hk_init_mod.hk.next_rng_key

        def rec():
            k = real()
            seen.append(k)
            return k

        def fwd(x):
            if c["kind"] == "linear":
                return hk.Linear(c["out"])(x)
            return hk.Conv2D(c["out"], tuple(c["kernel_size"]))(x)

        x = jnp.ones((1, c["in"])) if c["kind"] == "linear" else jnp.ones((1, 8, 8, c["in"]))
        hk_init_mod.hk.next_rng_key = rec
        try:
            params = hk.transform(fwd).init(jax.random.key(c["seed"]), x)
        finally:
            hk_init_mod.hk.next_rng_key = real
        w = next(v["w"] for v in params.values())
        return np.concatenate([key_words(seen[0]), np.asarray(w).view(np.uint32).ravel()])
    raise ValueError(op)


with open(spec["out"], "wb") as fh:
    for case in spec["cases"]:
        a = np.asarray(run(case))
        if a.dtype == np.float32:
            a = a.view(np.uint32)
        a = np.ascontiguousarray(a.astype(np.uint32).ravel())
        fh.write(np.uint32(a.size).tobytes())
        fh.write(a.tobytes())
