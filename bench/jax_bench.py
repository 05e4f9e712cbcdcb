"""The JAX side of `npm run bench`: times the Python original, jitted or eager, on the weights
the TypeScript model was initialised with (bench/out/<model>/, written by `cell.mjs prepare`),
or exports it to ONNX with jax2onnx. One process per cell, so peak RSS is the cell's own.

usage: python bench/jax_bench.py '{"dir": ..., "python": ..., "phase": "forward"|"train"|"export",
                                   "mode": "jit"|"eager", "protocol": {...}}'
Prints one JSON line. The timing protocol mirrors bench/timing.mjs.
"""
import json
import logging
import os
import resource
import runpy
import sys
import time
from importlib.metadata import version

import jax
import jax.numpy as jnp
import numpy as np
import optax
from safetensors.numpy import load_file

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LEARNING_RATE = 1e-3


class Haiku:
    """hk.transform(_with_state) programs, called as verify's harness calls them."""

    prefix = "param/"  # + the flat source path of the param map: module/path/leaf

    def __init__(self, transformed):
        import haiku as hk

        self.t = transformed
        self.with_state = isinstance(transformed, hk.TransformedWithState)

    def init(self, key, xs, kw):
        out = self.t.init(key, *xs, **kw)
        return out if self.with_state else (out, {})

    def apply(self, params, state, key, xs, kw):
        if self.with_state:
            return self.t.apply(params, state, key, *xs, **kw)
        return self.t.apply(params, key, *xs, **kw), state


class Linen:
    """nn.Module instances; the param map's source paths start with the collection."""

    prefix = "param/params/"

    def __init__(self, module):
        self.m = module

    def init(self, key, xs, kw):
        variables = dict(self.m.init(key, *xs, **kw))
        return variables.pop("params", {}), variables

    def apply(self, params, state, key, xs, kw):
        if not state:
            return self.m.apply({"params": params}, *xs, **kw, rngs={"dropout": key}), state
        return self.m.apply({"params": params, **state}, *xs, **kw, rngs={"dropout": key}, mutable=list(state))


def timeit(fn, protocol):
    t0, calls = time.perf_counter(), 0
    while calls < protocol["minWarmupCalls"] or time.perf_counter() - t0 < protocol["warmupSeconds"]:
        fn()
        calls += 1
    per_call = (time.perf_counter() - t0) / calls
    iters = max(1, round(protocol["targetSeconds"] / per_call))
    samples = []
    for _ in range(protocol["repeats"]):
        t0 = time.perf_counter()
        for _ in range(iters):
            fn()
        samples.append((time.perf_counter() - t0) * 1e3 / iters)
    q1, median, q3 = np.percentile(samples, [25, 50, 75])
    return {"median": median, "q1": q1, "q3": q3, "min": min(samples), "max": max(samples),
            "samples": samples, "iters": iters, "repeats": protocol["repeats"]}


def fill(tree, data, prefix, used):
    """The init tree with every leaf replaced by the TypeScript weight of the same source path."""
    out = {}
    for k, v in tree.items():
        if hasattr(v, "items"):
            out[k] = fill(dict(v.items()), data, f"{prefix}{k}/", used)
        else:
            used.add(f"{prefix}{k}")
            w = data[f"{prefix}{k}"]
            if w.shape != v.shape:
                raise ValueError(f"{prefix}{k}: TypeScript weight {w.shape} vs JAX {v.shape}")
            out[k] = jnp.asarray(w)
    return out


def load(args):
    with open(os.path.join(args["dir"], "meta.json")) as f:
        meta = json.load(f)
    data = load_file(os.path.join(args["dir"], "weights.safetensors"))
    ref = meta["reference"]
    namespace = runpy.run_path(os.path.join(ROOT, args["python"]), run_name="__nnxport_bench__")
    fw = {"haiku": Haiku, "linen": Linen}[ref["framework"]](namespace[ref["object"]])
    xs = [jnp.asarray(data[f"input/{i['name']}"]) for i in meta["inputs"]]
    eval_kw = {k: v["eval"] for k, v in ref["flags"].items()}
    train_kw = {k: v["train"] for k, v in ref["flags"].items()}
    key = jax.random.key(0)
    params, state = fw.init(key, xs, eval_kw)
    used = set()
    params = fill(params, data, fw.prefix, used)
    if len(used) != len(meta["params"]):
        raise ValueError(f"JAX params {sorted(used)} differ from the param map")
    return fw, params, state, xs, data, key, eval_kw, train_kw


def bench(args):
    fw, params, state, xs, data, key, eval_kw, train_kw = load(args)
    jit = jax.jit if args["mode"] == "jit" else (lambda f, **_: f)

    forward = jit(lambda p, s, xs: fw.apply(p, s, key, xs, eval_kw)[0])
    check = float(np.max(np.abs(np.asarray(forward(params, state, xs)) - data["output"])))

    if args["phase"] == "forward":
        def run():
            np.asarray(forward(params, state, xs))
    else:
        tx = optax.adam(LEARNING_RATE)
        labels = jnp.asarray(data["labels"])

        def loss_fn(p, s, k, xs):
            out, s = fw.apply(p, s, k, xs, train_kw)
            return optax.softmax_cross_entropy_with_integer_labels(out, labels).mean(), s

        def step(p, s, o, i, xs):
            (loss, s), g = jax.value_and_grad(loss_fn, has_aux=True)(p, s, jax.random.fold_in(key, i), xs)
            updates, o = tx.update(g, o, p)
            return optax.apply_updates(p, updates), s, o, loss

        step = jit(step, donate_argnums=(0, 1, 2))
        carry = [params, state, tx.init(params), 0]

        def run():
            p, s, o, i = carry
            p, s, o, loss = step(p, s, o, i, xs)
            jax.block_until_ready((p, o))
            float(loss)
            carry[:] = [p, s, o, i + 1]

    run()
    before = len(jax.live_arrays())
    timing = timeit(run, args["protocol"])
    return {"timing": timing, "check": check, "arrays": {"before": before, "after": len(jax.live_arrays())}}


def export(args):
    """jax2onnx on the eval-mode forward with the TypeScript weights closed over, at the bench's input shapes."""
    logging.getLogger("jax2onnx").setLevel(logging.ERROR)  # skipped dm_pix plugins warn under jax 0.10
    logging.getLogger("onnx_ir").setLevel(logging.ERROR)
    from jax._src.interpreters import partial_eval as pe
    from jax2onnx import to_onnx
    import onnxruntime

    fw, params, state, xs, data, key, eval_kw, _ = load(args)

    def forward(*xs):
        return fw.apply(params, state, key, list(xs), eval_kw)[0]

    # The jaxpr is traced here, before jax2onnx patches flax for its own tracing (under which
    # nn.RNN's carry shapes stop being concrete), and dead code is dropped: Haiku draws
    # hk.next_rng_key() even in eval mode, and that unused random_split has no ONNX converter.
    # Every op exported is one of the model's own.
    closed = jax.make_jaxpr(forward)(*xs)
    jaxpr, _ = pe.dce_jaxpr(closed.jaxpr, [True] * len(closed.jaxpr.outvars))

    def live(*xs):
        return jax.core.eval_jaxpr(jaxpr, closed.consts, *xs)[0]

    model = to_onnx(live, [tuple(x.shape) for x in xs])
    path = os.path.join(args["dir"], "model.onnx")
    with open(path, "wb") as f:
        f.write(model.SerializeToString())
    session = onnxruntime.InferenceSession(path)
    out = session.run(None, {i.name: np.asarray(x) for i, x in zip(session.get_inputs(), xs)})[0]
    return {"ops": sorted({n.op_type for n in model.graph.node}), "check": float(np.max(np.abs(out - data["output"]))),
            "versions": {"jax2onnx": version("jax2onnx"), "onnx": version("onnx")}}


def main():
    args = json.loads(sys.argv[1])
    result = export(args) if args["phase"] == "export" else bench(args)
    result["peakRssMB"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    result["versions"] = {**result.get("versions", {}), **{m: version(m) for m in ["jax", "jaxlib", "flax", "dm-haiku", "optax"]}}
    print(json.dumps(result))


if __name__ == "__main__":
    main()
