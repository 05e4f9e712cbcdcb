"""nnxport's reference harness: runs a Haiku or Linen program under the pinned JAX
and writes what the translated TypeScript must reproduce to one safetensors file.

Usage: python harness.py SPEC.json
SPEC: {file, framework, object, flags: {call_name: {init: bool, eval: bool}}, train: bool,
       inputs: [{name, shape, dtype}], seed, out}
Prints one JSON line: {"ok": true, ...} or {"ok": false, "error": {kind, message, file, line}}.
Tensor names in the output: input/<name>, output, cotangent, param/<path>, grad/<path>, where
<path> is the framework's own flat variable path (model/block/linear/w, params/Block_0/Dense_0/kernel).
With `train`, also train/output, train/param/<path> (every variable after one train-mode call)
and train/grad/<path> (gradients in train mode).
"""
import json
import os
import runpy
import sys
import traceback


def fail(kind, message, file=None, line=None):
    print(json.dumps({"ok": False, "error": {"kind": kind, "message": message, "file": file, "line": line}}))
    sys.exit(3)


try:
    import jax
    import jax.numpy as jnp
    import numpy as np
    from safetensors.numpy import save_file
except ImportError as e:  # the reference environment is missing or broken
    fail("environment", f"{e}; run `npm run setup` or see `nnxport doctor`")


def source_error(spec, exc):
    """The innermost frame of the user's own file, so the diagnostic points at it."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if os.path.abspath(f.filename) == spec["file"]]
    line = frames[-1].lineno if frames else None
    fail("source", f"{type(exc).__name__}: {exc}", spec["file"], line)


def flatten(tree, prefix=""):
    out = {}
    for k, v in tree.items():
        path = f"{prefix}{k}"
        if isinstance(v, dict) or hasattr(v, "items"):
            out.update(flatten(dict(v.items()), path + "/"))
        else:
            out[path] = np.asarray(v)
    return out


def make_inputs(spec, rng):
    xs = []
    for i in spec["inputs"]:
        if i["dtype"] == "int32":
            xs.append(rng.integers(0, 10, size=i["shape"]).astype(np.int32))
        else:
            xs.append(rng.standard_normal(i["shape"]).astype(np.float32))
    return xs


class Haiku:
    """hk.transform / hk.transform_with_state programs; flat keys module/path/leaf."""

    def __init__(self, transformed):
        import haiku as hk

        self.t = transformed
        self.with_state = isinstance(transformed, hk.TransformedWithState)

    def init(self, key, xs, kw):
        if self.with_state:
            return self.t.init(key, *xs, **kw)
        return self.t.init(key, *xs, **kw), {}

    def apply(self, params, state, key, xs, kw):
        if self.with_state:
            return self.t.apply(params, state, key, *xs, **kw)
        return self.t.apply(params, key, *xs, **kw), state

    def flat_params(self, params):
        return flatten(params)

    def flat_state(self, state):
        return {f"state/{k}": v for k, v in flatten(state).items()}


class Linen:
    """nn.Module instances; flat keys collection/path/leaf."""

    def __init__(self, module):
        self.m = module

    def init(self, key, xs, kw):
        variables = dict(self.m.init(key, *xs, **kw))
        params = variables.pop("params", {})
        return params, variables

    def apply(self, params, state, key, xs, kw):
        mutable = list(state.keys())
        if not mutable:
            return self.m.apply({"params": params}, *xs, **kw, rngs={"dropout": key}), state
        return self.m.apply({"params": params, **state}, *xs, **kw, rngs={"dropout": key}, mutable=mutable)

    def flat_params(self, params):
        return {f"params/{k}": v for k, v in flatten(params).items()}

    def flat_state(self, state):
        return flatten(state)


def main():
    with open(sys.argv[1]) as f:
        spec = json.load(f)
    spec["file"] = os.path.abspath(spec["file"])
    sys.path.insert(0, os.path.dirname(spec["file"]))
    try:
        namespace = runpy.run_path(spec["file"], run_name="__nnxport__")
    except Exception as e:  # noqa: BLE001 - reported to the user with its line
        source_error(spec, e)
    if spec["object"] not in namespace:
        fail("source", f"'{spec['object']}' is not defined at the top level of the file", spec["file"])
    framework = {"haiku": Haiku, "linen": Linen}[spec["framework"]](namespace[spec["object"]])

    rng = np.random.default_rng(spec.get("seed", 0))
    xs = make_inputs(spec, rng)
    eval_kw = {name: flag["eval"] for name, flag in spec["flags"].items()}
    init_kw = {name: flag["init"] for name, flag in spec["flags"].items()}
    train_kw = {name: not flag["eval"] for name, flag in spec["flags"].items()}
    key = jax.random.key(spec.get("seed", 0))
    try:
        params, state = framework.init(key, xs, init_kw)
        out, _ = framework.apply(params, state, key, xs, eval_kw)
        if not hasattr(out, "shape"):
            fail("unsupported", "the model returns something other than one array; only single outputs are compared so far")
        cot = rng.standard_normal(out.shape).astype(np.float32)

        def loss(p):
            y, _ = framework.apply(p, state, key, xs, eval_kw)
            return jnp.sum(y * cot)

        value, grads = jax.value_and_grad(loss)(params)
        if spec.get("train"):
            train_out, train_state = framework.apply(params, state, key, xs, train_kw)

            def train_loss(p):
                y, _ = framework.apply(p, state, key, xs, train_kw)
                return jnp.sum(y * cot)

            train_grads = jax.grad(train_loss)(params)
    except Exception as e:  # noqa: BLE001
        source_error(spec, e)

    tensors = {"output": np.asarray(out), "cotangent": cot}
    for i, x in zip(spec["inputs"], xs):
        tensors[f"input/{i['name']}"] = x
    for k, v in {**framework.flat_params(params), **framework.flat_state(state)}.items():
        tensors[f"param/{k}"] = v
    for k, v in framework.flat_params(grads).items():
        tensors[f"grad/{k}"] = v
    if spec.get("train"):
        tensors["train/output"] = np.asarray(train_out)
        for k, v in {**framework.flat_params(params), **framework.flat_state(train_state)}.items():
            tensors[f"train/param/{k}"] = v
        for k, v in framework.flat_params(train_grads).items():
            tensors[f"train/grad/{k}"] = v
    tensors = {k: np.array(v, order="C") for k, v in tensors.items()}  # keeps 0-d arrays 0-d
    save_file(tensors, spec["out"], metadata={"loss": repr(float(value)), "jax": jax.__version__})
    print(json.dumps({"ok": True, "loss": float(value), "tensors": len(tensors)}))


if __name__ == "__main__":
    main()
