"""nnxport's reference harness: runs a Haiku or Linen program under the pinned JAX
and writes what the translated TypeScript must reproduce to one safetensors file.

Usage: python harness.py SPEC.json
SPEC: {file, framework, object, flags: {call_name: {init: bool, eval: bool}}, train: bool,
       inputs: [{name, shape, dtype}], methods: [{name, apply, main, inputs}], seed, out}
Prints one JSON line: {"ok": true, ...} or {"ok": false, "error": {kind, message, file, line}}.
Tensor names in the output: input/<name>, output, cotangent, param/<path>, grad/<path>, where
<path> is the framework's own flat variable path (model/block/linear/w, params/Block_0/Dense_0/kernel).
initstate/<path>: the state init leaves with the source's own constant sample values (jnp.ones).
With `train`, also train/output, train/param/<path> (every variable after one train-mode call)
and train/grad/<path> (gradients in train mode). With `calls` = n, calls/<i>/output for n
successive calls threading the state, and calls/param/<path> for the state they leave. Each other method M: method/M/input/<name>,
method/M/output, method/M/cotangent and method/M/grad/<path>.
With `steps`, each training step function F runs `count` times from the initial variables, on
fresh inputs and labels each time: steps/F/<i>/<arg> (the data it was given), steps/F/<i>/loss
(when it returns the loss) and steps/F/<n>/param/<path> (every variable after n steps, for n in
`record`). Step i gets jax.random.key(seed + 1 + i) where it takes a key.
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


def make_inputs(specs, rng):
    xs = []
    for i in specs:
        if i["dtype"] == "int32":
            xs.append(rng.integers(0, 10, size=i["shape"]).astype(np.int32))
        else:
            xs.append(rng.standard_normal(i["shape"]).astype(np.float32))
    return xs


class Haiku:
    """hk.transform / multi_transform (with or without state); flat keys module/path/leaf."""

    def __init__(self, transformed, apply_rng=True):
        import haiku as hk

        self.t = transformed
        self.apply_rng = apply_rng  # False under hk.without_apply_rng
        self.with_state = isinstance(transformed, (hk.TransformedWithState, hk.MultiTransformedWithState))

    def init(self, key, xs, kw):
        if self.with_state:
            return self.t.init(key, *xs, **kw)
        return self.t.init(key, *xs, **kw), {}

    def apply(self, which, params, state, key, xs, kw):
        fn = self.t.apply if which is None else self.t.apply[which]
        rng = (key,) if self.apply_rng else ()
        if self.with_state:
            return fn(params, state, *rng, *xs, **kw)
        return fn(params, *rng, *xs, **kw), state

    def flat_params(self, params):
        return flatten(params)

    def flat_state(self, state):
        return {f"state/{k}": v for k, v in flatten(state).items()}

    def collection(self, state, name):
        return state  # a step takes Haiku's whole state

    def with_collection(self, state, name, value):
        return value


class Linen:
    """nn.Module instances; flat keys collection/path/leaf."""

    def __init__(self, module):
        self.m = module

    def init(self, key, xs, kw):
        variables = dict(self.m.init(key, *xs, **kw))
        params = variables.pop("params", {})
        return params, variables

    def apply(self, which, params, state, key, xs, kw):
        mutable = list(state.keys())
        extra = {"rngs": {"dropout": key}, "method": which}
        if not mutable:
            return self.m.apply({"params": params}, *xs, **kw, **extra), state
        return self.m.apply({"params": params, **state}, *xs, **kw, **extra, mutable=mutable)

    def flat_params(self, params):
        return {f"params/{k}": v for k, v in flatten(params).items()}

    def flat_state(self, state):
        return flatten(state)

    def collection(self, state, name):
        return state[name]

    def with_collection(self, state, name, value):
        return {**state, name: value}


def run_steps(step, namespace, framework, params, state, out_shape, seed, rng, spec, tensors):
    """Runs the source's own training step `count` times, recording what TypeScript must match."""
    name = step["function"]
    fn = namespace.get(name)
    if fn is None:
        fail("source", f"'{name}' is not defined at the top level of the file", spec["file"])
    train_state = None
    if step.get("trainState"):
        created = namespace[step["trainState"]]
        # The same initial parameters as everything else, with fresh optimizer state.
        fields = {f: framework.collection(state, c) for f, c in step["trainStateFields"].items()}
        train_state = created.replace(params=params, opt_state=created.tx.init(params), step=0, **fields)
    opt_state = namespace[step["transform"]].init(params) if step.get("transform") else None
    collection = next((p["role"]["collection"] for p in step["params"] if p["role"]["kind"] == "state"), None)
    inputs_by_name = {}
    for i in range(step["count"]):
        xs = dict(zip((s["name"] for s in spec["inputs"]), make_inputs(spec["inputs"], rng)))
        args = []
        for p in step["params"]:
            role = p["role"]
            kind = role["kind"]
            if kind == "key":
                args.append(jax.random.key(seed + 1 + i))
                continue
            if kind == "params":
                args.append(params)
                continue
            if kind == "state":
                args.append(framework.collection(state, role["collection"]))
                continue
            if kind == "trainState":
                args.append(train_state)
                continue
            if kind == "optState":
                args.append(opt_state)
                continue
            if kind == "input":
                value = xs[role["param"]]
            elif role["classes"]:
                value = rng.integers(0, out_shape[-1], size=out_shape[:-1]).astype(np.int32)
            else:
                value = rng.standard_normal(out_shape).astype(np.float32)
            tensors[f"steps/{name}/{i}/{p['name']}"] = value
            args.append(value)
        result = fn(*args)
        results = result if len(step["returns"]) > 1 else (result,)
        for kind, value in zip(step["returns"], results):
            if kind == "params":
                params = value
            elif kind == "state":
                state = framework.with_collection(state, collection, value)
            elif kind == "trainState":
                train_state = value
                params = value.params
                for f, c in step["trainStateFields"].items():
                    state = framework.with_collection(state, c, getattr(value, f))
            elif kind == "optState":
                opt_state = value
            elif kind == "loss":
                tensors[f"steps/{name}/{i}/loss"] = np.asarray(value)
        if i + 1 in step["record"]:
            for k, v in {**framework.flat_params(params), **framework.flat_state(state)}.items():
                tensors[f"steps/{name}/{i + 1}/param/{k}"] = v


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
    target = namespace[spec["object"]]
    framework = Haiku(target, spec.get("applyRng", True)) if spec["framework"] == "haiku" else Linen(target)

    rng = np.random.default_rng(spec.get("seed", 0))
    xs = make_inputs(spec["inputs"], rng)
    eval_kw = {name: flag["eval"] for name, flag in spec["flags"].items()}
    init_kw = {name: flag["init"] for name, flag in spec["flags"].items()}
    train_kw = {name: not flag["eval"] for name, flag in spec["flags"].items()}
    key = jax.random.key(spec.get("seed", 0))
    tensors = {}

    def record(prefix, which, inputs, kw, state):
        """Output, a random cotangent and the gradients of Σ output ⊙ cotangent, under `prefix`."""
        out, new_state = framework.apply(which, params, state, key, inputs, kw)
        if not hasattr(out, "shape"):
            fail("unsupported", "the model returns something other than one array; only single outputs are compared so far")
        cot = rng.standard_normal(out.shape).astype(np.float32)

        def loss(p):
            y, _ = framework.apply(which, p, state, key, inputs, kw)
            return jnp.sum(y * cot)

        grads = jax.grad(loss)(params)
        tensors[f"{prefix}output"] = np.asarray(out)
        tensors[f"{prefix}cotangent"] = cot
        for k, v in framework.flat_params(grads).items():
            tensors[f"{prefix}grad/{k}"] = v
        return new_state

    try:
        params, state = framework.init(key, xs, init_kw)
        # State made during init's own forward pass (Haiku's batch-norm averages) depends on the
        # sample values: the source's own, where they are constants, give the initial state.
        # (The checks below start from the state of random inputs: constant rows make variances 0.)
        fills = {"ones": np.ones, "zeros": np.zeros}
        if any(i.get("fill") for i in spec["inputs"]):
            init_xs = [fills[i["fill"]](i["shape"], i["dtype"]) if i.get("fill") else x for i, x in zip(spec["inputs"], xs)]
            for k, v in framework.flat_state(framework.init(key, init_xs, init_kw)[1]).items():
                tensors[f"initstate/{k}"] = v
        for m in spec["methods"]:
            if m["main"]:
                record("", m["apply"], xs, eval_kw, state)
                # A sequence of calls, each starting from the state the last one left.
                calls_state = state
                for i in range(spec.get("calls", 0)):
                    out, calls_state = framework.apply(m["apply"], params, calls_state, key, xs, eval_kw)
                    tensors[f"calls/{i}/output"] = np.asarray(out)
                for k, v in framework.flat_state(calls_state).items() if spec.get("calls") else ():
                    tensors[f"calls/param/{k}"] = v
                if spec.get("train"):
                    train_state = record("train/", m["apply"], xs, train_kw, state)
                    for k, v in {**framework.flat_params(params), **framework.flat_state(train_state)}.items():
                        tensors[f"train/param/{k}"] = v
            else:
                inputs = make_inputs(m["inputs"], rng)
                for i, x in zip(m["inputs"], inputs):
                    tensors[f"method/{m['name']}/input/{i['name']}"] = x
                record(f"method/{m['name']}/", m["apply"], inputs, {}, state)
        if spec.get("steps"):
            main_apply = next(m["apply"] for m in spec["methods"] if m["main"])
            out, _ = framework.apply(main_apply, params, state, key, xs, eval_kw)
            for step in spec["steps"]:
                run_steps(step, namespace, framework, params, state, out.shape, spec.get("seed", 0), rng, spec, tensors)
    except Exception as e:  # noqa: BLE001
        source_error(spec, e)

    for i, x in zip(spec["inputs"], xs):
        tensors[f"input/{i['name']}"] = x
    for k, v in {**framework.flat_params(params), **framework.flat_state(state)}.items():
        tensors[f"param/{k}"] = v
    tensors = {k: np.array(v, order="C") for k, v in tensors.items()}  # keeps 0-d arrays 0-d
    save_file(tensors, spec["out"], metadata={"jax": jax.__version__})
    print(json.dumps({"ok": True, "tensors": len(tensors)}))


if __name__ == "__main__":
    main()
