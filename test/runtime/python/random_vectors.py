"""Reference vectors for test/runtime/random.test.ts, drawn live from the pinned JAX.

Usage: random_vectors.py SPEC.json, where SPEC is
{"out": path, "xla_flags": str|null, "cases": [...]}.
Writes, per case, a little-endian uint32 count followed by that many uint32
words (float32 results as their bit patterns, bool/int32 as uint32).
"""
import json
import os
import sys

with open(sys.argv[1]) as fh:
    spec = json.load(fh)
if spec.get("xla_flags"):
    # Must be set before jax initialises its CPU backend.
    os.environ["XLA_FLAGS"] = spec["xla_flags"]

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402
from jax import lax  # noqa: E402

assert not jax.config.jax_enable_x64
assert jax.config.jax_threefry_partitionable


def K(raw):
    return jax.random.wrap_key_data(np.asarray(raw, dtype=np.uint32))


def data(k):
    return np.asarray(jax.random.key_data(k))


def prim_inputs(kind, n, seed):
    """Deterministic float32 inputs for the special-function checks."""
    rng = np.random.default_rng(seed)
    if kind in ("erf_inv",):
        parts = [rng.uniform(-1, 1, n), (1 - rng.uniform(0, 1e-3, n // 4)) * rng.choice([-1, 1], n // 4),
                 rng.uniform(-1, 1, n // 4) * 10.0 ** rng.uniform(-20, 0, n // 4), [0.0, 1.0, -1.0]]
    elif kind == "log":
        parts = [np.abs(rng.standard_normal(n)) * 10.0 ** rng.uniform(-37, 37, n), rng.uniform(0, 2, n // 2),
                 [0.0, 1.0, 1e-40, np.inf]]
    elif kind == "log1p":
        parts = [rng.uniform(-1, 1, n), rng.uniform(-0.5, 0.5, n // 2), [0.0, -1.0, 0.41421354, 0.41421357]]
    else:  # erf, erf_scalar
        parts = [rng.uniform(-5, 5, n), rng.uniform(3.7, 3.9, n // 8) * rng.choice([-1, 1], n // 8)]
    return np.concatenate([np.asarray(p, dtype=np.float64) for p in parts]).astype(np.float32)


def run(c):
    op = c["op"]
    if op == "key":
        return data(jax.random.key(c["seed"]))
    k = K(c["key"]) if "key" in c else None
    if op == "split":
        return data(jax.random.split(k, c["num"]))
    if op == "fold_in":
        return data(jax.random.fold_in(k, c["data"]))
    shape = tuple(c.get("shape", ()))
    if op == "bits":
        return jax.random.bits(k, shape)
    if op == "uniform":
        return jax.random.uniform(k, shape, minval=c["minval"], maxval=c["maxval"])
    if op == "normal":
        return jax.random.normal(k, shape)
    if op == "truncated_normal":
        lo, hi = c["lower"], c["upper"]
        if c.get("bounds") == "constant":
            # Python-number bounds inside an enclosing jit: XLA constant-folds erf.
            return jax.jit(lambda k: jax.random.truncated_normal(k, lo, hi, shape))(k)
        return jax.random.truncated_normal(k, lo, hi, shape)
    if op == "bernoulli":
        return jax.random.bernoulli(k, float(c["p"]), shape)
    if op == "gumbel":
        return jax.random.gumbel(k, shape)
    if op == "categorical":
        # Logits arrive as numbers or "-inf" (JSON has no infinities).
        logits = np.asarray([float(v) for v in c["logits"]], np.float32).reshape(c["logits_shape"])
        s = c.get("sample_shape")
        return jax.random.categorical(k, logits, axis=c["axis"], shape=None if s is None else tuple(s))
    if op == "permutation":
        if "n" in c:
            return jax.random.permutation(k, c["n"])
        x = jnp.arange(int(np.prod(c["x_shape"])), dtype=jnp.int32).reshape(c["x_shape"])
        return jax.random.permutation(k, x, axis=c["axis"])
    if op == "prim":
        x = prim_inputs(c["fn"], c["n"], c["seed"])
        fn = {"erf_inv": lax.erf_inv, "log": jnp.log, "log1p": jnp.log1p, "erf": lax.erf}
        if c["fn"] == "erf_scalar":
            # A 0-d operand compiles to XLA's scalar erf kernel.
            f = jax.jit(lax.erf)
            y = np.array([f(v) for v in x[: c["scalar_n"]]], dtype=np.float32)
            x = x[: c["scalar_n"]]
        else:
            y = jax.jit(fn[c["fn"]])(x)
        return np.concatenate([np.asarray(x, np.float32), np.asarray(y, np.float32)])
    raise ValueError(op)


with open(spec["out"], "wb") as fh:
    for case in spec["cases"]:
        a = np.asarray(run(case))
        if a.dtype == np.float32 or a.dtype == np.int32:
            a = a.view(np.uint32)
        a = np.ascontiguousarray(a.astype(np.uint32).ravel())
        fh.write(np.uint32(a.size).tobytes())
        fh.write(a.tobytes())
