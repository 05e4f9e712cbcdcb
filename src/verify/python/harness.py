"""nnxport's reference harness: runs a Haiku or Linen model under the pinned JAX
and writes what the translated TypeScript must reproduce to one safetensors file.

Usage: python harness.py SPEC.json
SPEC: {file, framework, entry: {kind, text}, method, inputs, kwargs, init_kwargs, modes,
       rngs, mutable, sown, prelude, argv, train, calls, methods, seed, steps, out}
Prints one JSON line: {"ok": true, ...} or {"ok": false, "error": {kind, message, file, line}}.

Tensor names in the output:
  input/<name>                the inputs (keys as uint32 key data)
  output[/<leaf>]             the output (a leaf path for tuples, dicts and NamedTuples)
  sown/<collection>/<path>[/<i>]  Linen: what the call sowed (self.sow) into a collection spec["mutable"]
                              asks for, of those spec["sown"] names (the i-th value of a tuple)
  cotangent[/<leaf>]          a random cotangent per float output leaf
  param/<path>                every variable as init leaves it (params, then other collections)
  grad/<path>                 gradients of sum(output * cotangent) for every parameter
  initstate/<path>            the state init leaves on the source's constant sample input (fill)
  train/...                   the same in train mode (dropout keys from jax.random.key(seed + 1)),
                              on train/input/<name> when spec["trainBatch"] asks for a larger batch,
                              train/param/<path> every variable after the train-mode call
  calls/<i>/output..., calls/param/<path>   successive calls threading state
  method/<M>/...              other methods on inputs of their own
  steps/<F>/...               training steps (see run_steps)
  <prefix>exact/output..., <prefix>exact/grad/<path>   the same call evaluated in float64, for the
                              prefixes in spec["float64"] (see float64_pass): how far float32
                              rounding alone moves the source's own values
  initstate/exact/<path>      with "initstate/" in spec["float64"]: the init state in float64 (Haiku)
Source paths: Linen `collection/a/b/leaf`; Haiku `module/path/leaf` (params), `state/module/path/leaf`.
"""
import builtins
import collections.abc
import importlib.abc
import importlib.machinery
import json
import os
import runpy
import sys
import traceback
import types


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


# ---------------------------------------------------------------------------
# Stand-ins for imports the environment lacks (tensorflow_datasets, ...): a file
# still verifies its model when the model never touches them.

STANDINS = []
NOTES = []  # how the protocol departed from the source's literal call, and why


class AttrDict(collections.abc.Mapping):
    """ml_collections.ConfigDict as a model reads it: a mapping whose keys are also attributes, nested
    dicts included (what ConfigDict does with them); stands in where ml_collections is missing. Not a
    dict, as ConfigDict is not (Linen freezes dict fields into FrozenDicts, which have no attributes)."""

    def __init__(self, initial=None, **kw):
        items = {}
        for k, v in {**dict(initial or {}), **kw}.items():
            items[k] = AttrDict(v) if isinstance(v, dict) else v
        object.__setattr__(self, "_items", items)
        note = "ml_collections.ConfigDict ran as a mapping with attribute access (the environment lacks ml_collections)"
        if note not in NOTES:
            NOTES.append(note)

    def __getitem__(self, key):
        return self._items[key]

    def __iter__(self):
        return iter(self._items)

    def __len__(self):
        return len(self._items)

    def __hash__(self):
        return hash(tuple(self._items.items()))

    def __getattr__(self, attr):
        if attr.startswith("__"):
            raise AttributeError(attr)
        try:
            return self._items[attr]
        except KeyError:
            raise AttributeError(attr) from None


# Stand-ins that work: what a model reads from these (configs), where the rest of the module is absent.
WORKING_STANDINS = {
    "ml_collections.ConfigDict": AttrDict,
    "ml_collections.FrozenConfigDict": AttrDict,
    "ml_collections.config_dict.ConfigDict": AttrDict,
    "ml_collections.config_dict.FrozenConfigDict": AttrDict,
}


class StandIn(types.ModuleType):
    """A module that exists only to be imported; any real use says so."""

    def __getattr__(self, attr):
        if attr.startswith("__"):
            raise AttributeError(attr)
        working = WORKING_STANDINS.get(f"{self.__name__}.{attr}")
        if working is not None:
            return working
        return StandInValue(f"{self.__name__}.{attr}")


class StandInValue:
    def __init__(self, name):
        self._name = name

    def __getattr__(self, attr):
        if attr.startswith("__"):
            raise AttributeError(attr)
        working = WORKING_STANDINS.get(f"{self._name}.{attr}")
        if working is not None:
            return working
        return StandInValue(f"{self._name}.{attr}")

    def __call__(self, *a, **k):
        raise RuntimeError(f"{self._name} is a stand-in: the environment lacks {self._name.split('.')[0]}; "
                           "set NNXPORT_PYTHON to an environment that has it")

    def __mro_entries__(self, bases):
        return (object,)


class StandInFinder(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def __init__(self, allowed):
        self.allowed = allowed

    def find_spec(self, fullname, path, target=None):
        root = fullname.split(".")[0]
        if root not in self.allowed:
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            try:
                if finder.find_spec(fullname, path, target) is not None:
                    return None
            except Exception:  # noqa: BLE001
                continue
        if root not in STANDINS:
            STANDINS.append(root)
        return importlib.machinery.ModuleSpec(fullname, self, is_package=True)

    def create_module(self, spec):
        m = StandIn(spec.name)
        m.__path__ = []
        return m

    def exec_module(self, module):
        pass


STANDIN_MODULES = {"tensorflow_datasets", "tensorflow", "tensorboard", "clu", "wandb", "tqdm", "ml_collections",
                   "absl", "tensorflow_text", "sentencepiece", "orbax", "matplotlib", "PIL", "cv2", "gym", "gymnasium"}


# ---------------------------------------------------------------------------

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


def leaf_name(path):
    parts = []
    for k in path:
        if hasattr(k, "idx"):
            parts.append(str(k.idx))
        elif hasattr(k, "key"):
            parts.append(str(k.key))
        elif hasattr(k, "name"):
            parts.append(str(k.name))
        else:
            parts.append(str(k))
    return "/".join(parts)


def leaves(tree):
    """(name, array) for each array leaf, in JAX's order; '' for a single array."""
    flat, _ = jax.tree_util.tree_flatten_with_path(tree)
    return [(leaf_name(p), np.asarray(v)) for p, v in flat]


def is_float(a):
    return np.issubdtype(np.asarray(a).dtype, np.floating)


# The smallest batch a train-mode init's batch statistics are taken from (see main).
STATS_BATCH = 8


def make_input(spec, rng, seed, index):
    if spec.get("dict"):
        return {d["name"]: make_input(d, rng, seed, index * 100 + i) for i, d in enumerate(spec["dict"])}
    dtype = spec["dtype"]
    shape = spec.get("shape", [])
    if dtype == "key":
        return (jax.random.PRNGKey if spec.get("legacy") else jax.random.key)(seed + 1000 + index)
    if dtype == "int32":
        return rng.integers(spec.get("low", 0), spec.get("high", 10), size=shape).astype(np.int32)
    if dtype == "bool":
        return rng.random(size=shape) < 0.75
    return rng.standard_normal(shape).astype(np.float32)


def record_input(tensors, prefix, name, value):
    if isinstance(value, dict):
        for k, v in value.items():
            record_input(tensors, prefix, f"{name}/{k}", v)
    elif hasattr(value, "dtype") and jax.dtypes.issubdtype(value.dtype, jax.dtypes.prng_key):
        tensors[f"{prefix}{name}"] = np.asarray(jax.random.key_data(value)).astype(np.uint32)
    else:
        tensors[f"{prefix}{name}"] = np.asarray(value)


class OneDevice:
    """Runs a model call with the named axes its collectives use (BatchNorm's axis_name='batch',
    hk.BatchNorm's cross_replica_axis) bound to one device, as under pmap on one device: the
    translation runs on one device, where a psum/pmean over the axis is the value itself. The
    names are learned from JAX's own error, so nothing changes for a model that uses none."""

    def __init__(self):
        self.axes = []

    def __call__(self, f):
        import jax
        import re

        while True:
            g = f
            for name in self.axes:
                g = jax.vmap(g, in_axes=None, out_axes=None, axis_name=name, axis_size=1)
            try:
                return g()
            except NameError as e:
                m = re.match(r"unbound axis name: (\S+)$", str(e))
                if not m or m.group(1) in self.axes:
                    raise
                self.axes.append(m.group(1))


class Linen:
    """A Linen Module: variables {'params': ..., other collections}; flat keys collection/path."""

    def __init__(self, module, method, rngs, mutable, sown=()):
        self.m = module
        self.method = None if method == "__call__" else method
        self.rngs = rngs
        self.mutable = mutable
        # Collections the model sows into (self.sow): never variables threaded from call to call; what
        # the last apply sowed into those its `mutable` asks for is kept in `last_sown`.
        self.sown = set(sown)
        self.last_sown = {}
        self.bound = OneDevice()

    def init(self, key, args, kw):
        # Every extra stream gets the run's key, as the translation's useSourceDropoutKeys(model, seed) assumes.
        extra = {r: key for r in self.rngs if r != "params"}
        variables = self.bound(lambda: self.m.init({"params": key, **extra}, *args, **kw, **({"method": self.method} if self.method else {})))
        # Boxed values (nn.with_logical_partitioning's LogicallyPartitioned) as the arrays they hold; apply takes either.
        from flax.core import meta
        variables = dict(meta.unbox(variables))
        params = variables.pop("params", {})
        dropped = sorted(c for c in self.sown if c in variables)
        note = (f"what the source's init call sows into {', '.join(dropped)} is not compared: "
                "the translation's constructor runs no call (NNX sows when the model is called)")
        if dropped and note not in NOTES:
            NOTES.append(note)
        return params, {c: v for c, v in variables.items() if c not in self.sown}

    def apply(self, params, state, key, args, kw, method=None):
        method = method if method is not None else self.method
        self.last_sown = {}
        fields = {k[len(FIELD_MODE):]: v for k, v in kw.items() if k.startswith(FIELD_MODE)}
        kw = {k: v for k, v in kw.items() if not k.startswith(FIELD_MODE)}
        if fields:
            clone = Linen(self.m.clone(**fields), self.method, self.rngs, self.mutable, self.sown)
            result = clone.apply(params, state, key, args, kw, method)
            self.last_sown = clone.last_sown
            return result
        mutable = sorted(set(state.keys()) | set(self.mutable))
        rngs = {r: key for r in self.rngs if r != "params"}
        extra = {"rngs": rngs} if rngs else {}
        if method:
            extra["method"] = method
        if not mutable:
            return self.bound(lambda: self.m.apply({"params": params}, *args, **kw, **extra)), state
        out, new_state = self.bound(lambda: self.m.apply({"params": params, **state}, *args, **kw, **extra, mutable=mutable))
        new_state = dict(new_state)
        self.last_sown = {c: new_state.pop(c) for c in sorted(self.sown) if c in new_state}
        return out, {**state, **new_state}

    def init_state64(self, key, args, kw, params):
        # A Linen init leaves its state as the modules create it (BatchNorm does not update at init).
        NOTES.append("the init state is not evaluated in float64 for Linen, so whether its failing checks are ill-conditioned is not known")
        return {}

    def flat_params(self, params):
        return {f"params/{k}": v for k, v in flatten(params).items()}

    def flat_state(self, state):
        return flatten(state)


# The prefix of a keyword that sets a Linen module's mode field (spec["fieldModes"]) rather than passing a call argument.
FIELD_MODE = "__nnxport_field__:"


class Haiku:
    """hk.transform_with_state of the entry; flat keys module/path/leaf, state/module/path/leaf."""

    def __init__(self, transformed, method_of=None, apply_key=True):
        self.t = transformed
        self.method_of = method_of  # another method of the entry's module, transformed
        self.methods = {}
        self.bound = OneDevice()
        self.apply_key = apply_key  # False: hk.without_apply_rng's apply, which gets no key

    def init(self, key, args, kw):
        return self.bound(lambda: self.t.init(key, *args, **kw))

    def init_state64(self, key, args, kw, params):
        """The state init leaves, computed in float64 from the float32 init's own parameters (see
        float64_pass): verify judges an init state the source's float32 value misses against it."""
        import haiku as hk
        import jax.numpy as jnp

        fn = self.t.init._original_fn  # set by hk.transform_with_state

        def exact_params(next_creator, shape, dtype, init, context):
            value = params[context.module_name][context.name]
            return next_creator(shape, jnp.float64, lambda *_: jnp.asarray(value, jnp.float64))

        def run(*a, **k):
            with hk.custom_creator(exact_params, params=True, state=False):
                return fn(*a, **k)

        with jax.enable_x64(True), Float64Compute():
            _, state = self.bound(lambda: hk.transform_with_state(run).init(key, *up64(list(args)), **up64(dict(kw))))
        return jax.tree.map(lambda a: np.asarray(a, np.float64) if jnp.issubdtype(a.dtype, jnp.floating) else np.asarray(a), state)

    def apply(self, params, state, key, args, kw, method=None):
        key = key if self.apply_key else None
        if method is None:
            return self.bound(lambda: self.t.apply(params, state, key, *args, **kw))
        if method not in self.methods:
            self.methods[method] = self.method_of(method)
        return self.bound(lambda: self.methods[method].apply(params, state, key, *args, **kw))

    def flat_params(self, params):
        return flatten(params)

    def flat_state(self, state):
        return {f"state/{k}": v for k, v in flatten(state).items()}


def build(spec, ns):
    entry = spec["entry"]
    method = spec.get("method", "__call__")
    if spec["framework"] == "linen":
        module = eval(entry["text"], ns)  # noqa: S307 - the user's own expression in their own file
        # A mode field the call also takes (nn.merge_param): Linen wants exactly one of the two, and each
        # mode is passed to the call, so the field the entry set is cleared.
        merged = {k: None for k in spec.get("mergedModes", []) if getattr(module, k, None) is not None}
        if merged:
            module = module.clone(**merged)
        return Linen(module, method, spec.get("rngs", []), spec.get("mutable", []), spec.get("sown", []))
    import haiku as hk
    if entry["kind"] == "function":
        fn = eval(entry["text"], ns)  # noqa: S307
        return Haiku(hk.transform_with_state(fn), apply_key=not spec.get("applyWithoutKey"))

    def transformed(name):
        def run(*args, **kw):
            module = eval(entry["text"], ns)  # noqa: S307
            f = module if name == "__call__" else getattr(module, name)
            return f(*args, **kw)

        return hk.transform_with_state(run)

    return Haiku(transformed(method), transformed)


class _Probed(BaseException):
    """Raised from the patched init once it has seen its sample (a BaseException: user code's
    `except Exception` does not stop it)."""


def describe_sample(value):
    """A sample input as verify's SampleInput: dtype, shape, and the range of ints."""
    if isinstance(value, dict):
        return {"dict": [{"name": k, **describe_sample(v)} for k, v in value.items()]}
    if hasattr(value, "dtype") and jax.dtypes.issubdtype(value.dtype, jax.dtypes.prng_key):
        return {"dtype": "key", "shape": list(np.shape(value))}
    a = np.asarray(value)
    # `jax.random.PRNGKey(n)` given to the model (a raw uint32[2] key, as code written before typed keys passes them).
    if a.dtype == np.uint32 and a.shape == (2,):
        return {"dtype": "key", "shape": [], "legacy": True}
    if a.dtype == np.bool_:
        return {"dtype": "bool", "shape": list(a.shape)}
    if np.issubdtype(a.dtype, np.integer):
        return {"dtype": "int32", "shape": list(a.shape), "low": int(min(a.min(initial=0), 0)), "high": int(a.max(initial=0)) + 1}
    return {"dtype": "float32", "shape": list(a.shape)}


def probe_init(spec):
    """Runs the file until its first init call and reports that call's sample inputs (issue 13.3:
    samples built by any code, e.g. `jnp.arange(16).reshape(2, 8) % vocab`)."""
    seen = {}

    def record(args, kwargs):
        seen["args"] = [describe_sample(a) for a in args]
        seen["kwargs"] = {k: describe_sample(v) for k, v in kwargs.items() if hasattr(v, "shape") or isinstance(v, dict)}
        raise _Probed()

    if spec["framework"] == "linen":
        import flax.linen as nn

        def init(self, rngs, *args, **kwargs):
            record(args, {k: v for k, v in kwargs.items() if k not in ("method", "mutable", "capture_intermediates")})

        nn.Module.init = init
    else:
        import haiku as hk

        def wrap(transform):
            def patched(*a, **k):
                t = transform(*a, **k)

                def init(rng, *args, **kwargs):
                    return record(args, kwargs)

                # hk.without_apply_rng(t) reads the function back from t.init.
                if hasattr(t.init, "_original_fn"):
                    init._original_fn = t.init._original_fn
                return t._replace(init=init)

            return patched

        for name in ("transform", "transform_with_state", "multi_transform", "multi_transform_with_state"):
            setattr(hk, name, wrap(getattr(hk, name)))
    try:
        run_source(spec)
    except _Probed:
        print(json.dumps({"ok": True, "probe": seen, "standins": STANDINS, "notes": []}))
        return
    except Exception as e:  # noqa: BLE001 - reported to the user with its line
        source_error(spec, e)
    fail("unsupported", "the file never calls the model's init, so its sample inputs cannot be learned; give them with --entry and --input")


def run_source(spec):
    """Runs the file: by path, or (when it has relative imports) as a module of its package."""
    if spec.get("moduleName"):
        sys.path.insert(0, spec["packageRoot"])
        return runpy.run_module(spec["moduleName"], run_name="__nnxport__", alter_sys=False)
    return runpy.run_path(spec["file"], run_name="__nnxport__")


def main():
    with open(sys.argv[1]) as f:
        spec = json.load(f)
    spec["file"] = os.path.abspath(spec["file"])
    sys.path.insert(0, spec.get("importRoot") or os.path.dirname(spec["file"]))
    # The folders the file's imports of the user's other files resolve from (nnxport found them on disk).
    for root in reversed(spec.get("importRoots") or []):
        if root not in sys.path:
            sys.path.insert(0, root)
    sys.meta_path.append(StandInFinder(STANDIN_MODULES))
    if spec.get("probe"):
        return probe_init(spec)
    try:
        namespace = run_source(spec)
    except Exception as e:  # noqa: BLE001 - reported to the user with its line
        source_error(spec, e)
    if spec.get("argv"):
        try:
            from absl import flags
            flags.FLAGS(["nnxport", *spec["argv"]])
        except Exception as e:  # noqa: BLE001
            fail("source", f"the flags {spec['argv']} could not be parsed: {e}", spec["file"])
    if spec.get("prelude"):
        try:
            exec(spec["prelude"], namespace)  # noqa: S102 - the user's own statement
        except Exception as e:  # noqa: BLE001
            fail("source", f"the prelude raised {type(e).__name__}: {e}", spec["file"])
    try:
        framework = build(spec, namespace)
    except Exception as e:  # noqa: BLE001
        source_error(spec, e)

    seed = spec.get("seed", 0)
    rng = np.random.default_rng(seed)
    kw = {k: eval(v, namespace) for k, v in spec.get("kwargs", {}).items()}  # noqa: S307
    init_kw = {**kw, **{k: eval(v, namespace) for k, v in spec.get("init_kwargs", {}).items()}}  # noqa: S307
    modes = spec.get("modes", {})
    eval_kw = {**kw, **{k: eval(m["eval"]) for k, m in modes.items()}}  # noqa: S307
    train_kw = {**kw, **{k: eval(m["train"]) for k, m in modes.items()}}  # noqa: S307
    # The module's own mode fields, set per call by Linen.apply (a clone of the module); init keeps the entry's.
    field_modes = spec.get("fieldModes", {})
    eval_kw.update({FIELD_MODE + k: eval(m["eval"]) for k, m in field_modes.items()})  # noqa: S307
    train_kw.update({FIELD_MODE + k: eval(m["train"]) for k, m in field_modes.items()})  # noqa: S307
    for k, m in modes.items():
        init_kw.setdefault(k, eval(m.get("init", m["eval"])))  # noqa: S307
    key = jax.random.key(seed)
    tensors = {}

    positional = [i for i in spec["inputs"] if not i.get("keyword")]
    keyword = [i for i in spec["inputs"] if i.get("keyword")]
    values = [make_input(i, rng, seed, n) for n, i in enumerate(spec["inputs"])]
    for i, v in zip(spec["inputs"], values):
        record_input(tensors, "input/", i["name"], v)
    args = [v for i, v in zip(spec["inputs"], values) if not i.get("keyword")]
    kwargs_in = {i["name"]: v for i, v in zip(spec["inputs"], values) if i.get("keyword")}
    del positional, keyword

    def record(prefix, params, state, apply_key, kw2, call_args=None, call_kw=None, method=None):
        the_args = args if call_args is None else call_args
        the_kw = {**kwargs_in, **kw2} if call_kw is None else call_kw
        out, new_state = framework.apply(params, state, apply_key, the_args, the_kw, method=method)
        # What the call sowed into the collections the file's apply asks for (`mutable=['intermediates']`).
        for c, tree in getattr(framework, "last_sown", {}).items():
            for name, a in leaves(tree):
                tensors[f"{prefix}sown/{c}/{name}"] = a
        outs = leaves(out)
        if not outs:
            fail("unsupported", "the model returns no arrays")
        cots = {}
        for name, a in outs:
            suffix = f"/{name}" if name else ""
            tensors[f"{prefix}output{suffix}"] = a
            if is_float(a):
                cots[name] = rng.standard_normal(a.shape).astype(np.float32)
                tensors[f"{prefix}cotangent{suffix}"] = cots[name]

        def loss(p):
            y, _ = framework.apply(p, state, apply_key, the_args, the_kw, method=method)
            return cotangent_total(y, cots)

        grads = jax.grad(loss)(params)
        for k, v in framework.flat_params(grads).items():
            tensors[f"{prefix}grad/{k}"] = v
        if prefix in spec.get("float64", []):
            exact_out, exact_grads = float64_pass(framework, params, state, apply_key, the_args, the_kw, method, cots)
            for name, a in exact_out:
                tensors[f"{prefix}exact/output" + (f"/{name}" if name else "")] = a
            for k, v in exact_grads.items():
                tensors[f"{prefix}exact/grad/{k}"] = v
        return new_state

    try:
        # The state init sets (batch statistics from a train-mode init) comes from a batch of its own:
        # evaluated on the very batch that set them, x - mean is rounding noise, and with one example
        # (variance 0) it is multiplied by 1/sqrt(eps) ~ 316 and decides every ReLU (issue 9.1).
        # A few examples are little better in a deep network: at a 1x1 feature map a channel the
        # ReLUs zeroed for both of two examples has variance 0 too, and eval mode multiplies what
        # reaches it by ~316, layer after layer. Statistics from a batch of 8 are well-conditioned.
        train_init = any(m.get("init") is not None and m.get("init") == m["train"] for m in modes.values())
        small = [i["shape"][0] for i in spec["inputs"] if train_init and i.get("shape") and i["shape"][0] < STATS_BATCH]
        init_specs = [({**i, "shape": [STATS_BATCH, *i["shape"][1:]]} if train_init and i.get("shape") and i["shape"][0] < STATS_BATCH else i) for i in spec["inputs"]]
        init_values = [make_input(i, rng, seed, 500 + n) for n, i in enumerate(init_specs)]
        if small:
            NOTES.append(f"the source's init computes batch statistics in train mode from a batch of {'one' if small[0] == 1 else small[0]} "
                         f"({'variance 0' if small[0] == 1 else 'variances near 0 in deep layers'}, so eval mode divides by about sqrt(eps)); "
                         f"the reference takes them from a batch of {STATS_BATCH} instead, so that no check is dominated by rounding amplified ~316x")
        fresh_args = [v for i, v in zip(spec["inputs"], init_values) if not i.get("keyword")]
        fresh_kwargs = {i["name"]: v for i, v in zip(spec["inputs"], init_values) if i.get("keyword")}
        params, state = framework.init(key, fresh_args, {**fresh_kwargs, **init_kw})
        fills = {"ones": np.ones, "zeros": np.zeros}
        if any(i.get("fill") for i in spec["inputs"]):
            init_args = [fills[i["fill"]](i["shape"], i["dtype"]) if i.get("fill") else v for i, v in zip(spec["inputs"], values) if not i.get("keyword")]
            init_params, init_state = framework.init(key, init_args, {**kwargs_in, **init_kw})
            for k, v in framework.flat_state(init_state).items():
                tensors[f"initstate/{k}"] = v
            if "initstate/" in spec.get("float64", []):
                for k, v in framework.flat_state(framework.init_state64(key, init_args, {**kwargs_in, **init_kw}, init_params)).items():
                    tensors[f"initstate/exact/{k}"] = v
        for k, v in {**framework.flat_params(params), **framework.flat_state(state)}.items():
            tensors[f"param/{k}"] = v
        record("", params, state, key, eval_kw)
        if spec.get("methods"):
            # Other methods of the model: sampled as the entry's own call calls them.
            seen = method_calls(spec, framework, spec["methods"], lambda: framework.apply(params, state, key, args, {**kwargs_in, **eval_kw}))
            for m, (m_args, m_kw) in seen.items():
                fresh = [resample(a, rng) for a in m_args]
                for i, a in enumerate(fresh):
                    tensors[f"method/{m}/input/{i}"] = np.asarray(a)
                record(f"method/{m}/", params, state, key, {}, call_args=fresh, call_kw=m_kw, method=m)
        if spec.get("calls"):
            calls_state = state
            for i in range(spec["calls"]):
                out, calls_state = framework.apply(params, calls_state, key, args, {**kwargs_in, **eval_kw})
                for name, a in leaves(out):
                    tensors[f"calls/{i}/output" + (f"/{name}" if name else "")] = a
            for k, v in framework.flat_state(calls_state).items():
                tensors[f"calls/param/{k}"] = v
        if spec.get("train") and spec.get("trainBatch"):
            # A fresh batch `trainBatch` times as large, for a train-mode call whose batch statistics
            # over the entry's batch are ill-conditioned (verify asks for it; see conditioning.ts).
            big = [{**i, "shape": [i["shape"][0] * spec["trainBatch"], *i["shape"][1:]]} for i in spec["inputs"]]
            train_rng = np.random.default_rng(seed + 7)
            train_values = [make_input(i, train_rng, seed, 700 + n) for n, i in enumerate(big)]
            for i, v in zip(big, train_values):
                record_input(tensors, "train/input/", i["name"], v)
            t_args = [v for i, v in zip(big, train_values) if not i.get("keyword")]
            t_kw = {**{i["name"]: v for i, v in zip(big, train_values) if i.get("keyword")}, **train_kw}
            new_state = record("train/", params, state, key, train_kw, call_args=t_args, call_kw=t_kw)
            for k, v in {**framework.flat_params(params), **framework.flat_state(new_state)}.items():
                tensors[f"train/param/{k}"] = v
        elif spec.get("train"):
            new_state = record("train/", params, state, key, train_kw)
            for k, v in {**framework.flat_params(params), **framework.flat_state(new_state)}.items():
                tensors[f"train/param/{k}"] = v
        if spec.get("steps"):
            out, _ = framework.apply(params, state, key, args, {**kwargs_in, **eval_kw})
            out_shape = list(np.shape(leaves(out)[0][1]))
            for step in spec["steps"]:
                run_steps(step, namespace, framework, params, state, out_shape, seed, rng, spec, tensors)
    except SystemExit:
        raise
    except Exception as e:  # noqa: BLE001
        source_error(spec, e)

    tensors = {k: np.array(v, order="C") for k, v in tensors.items()}  # keeps 0-d arrays 0-d
    save_file(tensors, spec["out"], metadata={"jax": jax.__version__})
    print(json.dumps({"ok": True, "tensors": len(tensors), "standins": STANDINS, "notes": NOTES}))


def cotangent_total(y, cots):
    """Σ output ⊙ cotangent over the float leaves `cots` names: the scalar whose gradient verify compares."""
    import jax.numpy as jnp

    total = 0.0
    for name, a in leaves_jax(y):
        if name in cots:
            total = total + jnp.sum(a * cots[name])
    return total


def up64(tree):
    """Every float array of a tree as float64 (under jax.enable_x64)."""
    import jax.numpy as jnp

    return jax.tree.map(lambda a: jnp.asarray(a, jnp.float64) if hasattr(a, "dtype") and jnp.issubdtype(a.dtype, jnp.floating) else a, tree)


def float64_pass(framework, params, state, apply_key, args, kw, method, cots):
    """The same call and gradient as `record` computes, in float64: the same variables, inputs,
    cotangents and keys, with every float computation in float64. verify uses it to tell a check
    the translation fails from one where float32 rounding alone moves the source's own value past
    the tolerance (an ill-conditioned reference). Randomness draws the same bits as in float32."""
    import jax
    import jax.numpy as jnp

    with jax.enable_x64(True), Float64Compute():
        p64, s64 = up64(params), up64(state)
        a64, kw64 = up64(list(args)), up64(dict(kw))
        out, _ = framework.apply(p64, s64, apply_key, a64, kw64, method=method)

        def loss(p):
            y, _ = framework.apply(p, s64, apply_key, a64, kw64, method=method)
            return cotangent_total(y, cots)  # float32 cotangents promote to float64

        grads = jax.grad(loss)(p64)
        return leaves(out), {k: np.asarray(v, np.float64) for k, v in framework.flat_params(grads).items()}


class Float64Compute:
    """While active: a float dtype a Flax layer is asked to compute in is float64, and jax.random
    samplers draw exactly the bits they draw in float32 (under x64 a Python float `p` or the
    default dtype would make them draw 64-bit samples: other dropout masks)."""

    SAMPLERS = ("uniform", "normal", "truncated_normal", "gumbel", "bernoulli")

    def __enter__(self):
        import jax
        import jax.numpy as jnp

        self.saved = []

        def patch(owner, name, value):
            self.saved.append((owner, name, getattr(owner, name)))
            setattr(owner, name, value)

        try:
            import flax.linen.dtypes as fd

            original = fd.canonicalize_dtype

            def canonicalize_dtype(*args, dtype=None, inexact=True):
                if dtype is not None and jnp.issubdtype(dtype, jnp.floating):
                    dtype = jnp.float64
                return original(*args, dtype=dtype, inexact=inexact)

            for mod in [m for n, m in sys.modules.items() if n.startswith("flax.") and m is not None]:
                if getattr(mod, "canonicalize_dtype", None) is original:
                    patch(mod, "canonicalize_dtype", canonicalize_dtype)
        except ImportError:
            pass
        for name in self.SAMPLERS:
            patch(jax.random, name, self.sampler(getattr(jax.random, name), name))
        return self

    @staticmethod
    def sampler(f, name):
        import jax.numpy as jnp

        if name == "bernoulli":
            return lambda key, p=0.5, *a, **k: f(key, jnp.asarray(p, jnp.float32), *a, **k)

        at = {"truncated_normal": 3}.get(name, 1)  # where a positional dtype would be

        def draw(key, *a, **k):
            a = list(a)
            dtype = a[at] if len(a) > at else k.get("dtype")
            if dtype is not None and not jnp.issubdtype(dtype, jnp.floating):
                return f(key, *a, **k)
            if len(a) > at:
                a[at] = jnp.float32
            else:
                k["dtype"] = jnp.float32
            return jnp.asarray(f(key, *a, **k), jnp.float64)

        return draw

    def __exit__(self, *exc):
        for owner, name, value in reversed(self.saved):
            setattr(owner, name, value)
        return False


def method_calls(spec, framework, names, run):
    """The arguments each named method of the model itself first gets while `run` applies the model."""
    seen = {}
    linen = spec["framework"] == "linen"

    def interceptor(next_f, args, kwargs, context):
        module, name = context.module, context.method_name
        if linen:
            root = module.scope is not None and module.scope.path == ()
        else:
            # (Haiku also intercepts calls made while a module is still being built.)
            full = getattr(module, "module_name", None)
            root = full is not None and "/" not in full
        arrays = all(hasattr(a, "shape") for a in args) and not any(hasattr(v, "shape") for v in kwargs.values())
        if root and name in names and name not in seen and arrays:
            seen[name] = (args, kwargs)
        return next_f(*args, **kwargs)

    if linen:
        import flax.linen as nn

        with nn.intercept_methods(interceptor):
            run()
    else:
        import haiku as hk

        # Haiku's interceptor must be on inside the transformed function.
        t = framework.t
        framework.t = type("Intercepted", (), {"apply": lambda self, *a, **k: _hk_intercepted(t, interceptor, *a, **k)})()
        try:
            run()
        finally:
            framework.t = t
    return seen


def _hk_intercepted(t, interceptor, *a, **k):
    import haiku as hk

    with hk.intercept_methods(interceptor):
        return t.apply(*a, **k)


def resample(a, rng):
    """A fresh array of the same shape and dtype (ints and bools in the range the original had)."""
    a = np.asarray(a)
    if a.dtype == np.bool_:
        return rng.random(size=a.shape) < 0.75
    if np.issubdtype(a.dtype, np.integer):
        # From the original's least value (lengths >= 1 stay >= 1; ids from 0 stay from 0).
        low = min(int(a.min(initial=0)), 0) if a.size == 0 else int(a.min())
        return rng.integers(low, max(int(a.max(initial=0)) + 1, low + 2), size=a.shape).astype(a.dtype)
    return rng.standard_normal(a.shape).astype(np.float32)


def run_steps(step, namespace, framework, params, state, out_shape, seed, rng, spec, tensors):
    """Runs the source's own training step `count` times from the entry's initial variables,
    on fresh data each time, recording what the translated step must match."""
    name = step["function"]
    fn = namespace.get(name)
    if fn is None:
        fail("source", f"'{name}' is not defined at the top level of the file", spec["file"])
    prefix = f"steps/{name}"
    linen = spec["framework"] == "linen"

    def collection(state, c):
        return state if not linen else state[c]

    def with_collection(state, c, value):
        return value if not linen else {**state, c: value}

    train_state = None
    if step.get("trainState"):
        created = namespace[step["trainState"]]
        fields = {f: collection(state, c) for f, c in step["trainStateFields"].items()}
        train_state = created.replace(params=params, opt_state=created.tx.init(params), step=0, **fields)
    opt_state = namespace[step["transform"]].init(params) if step.get("transform") else None
    inputs = {i["name"]: i for i in spec["inputs"]}

    def data(role, i, path):
        kind = role["kind"]
        if kind == "input":
            value = make_input(inputs[role["param"]], rng, seed, 7000 + i)
        elif kind == "labels":
            if role["classes"]:
                value = rng.integers(0, out_shape[-1], size=out_shape[:-1]).astype(np.int32)
            else:
                value = rng.standard_normal(out_shape).astype(np.float32)
        else:  # batch
            return {k: data(r, i, f"{path}/{k}") for k, r in role["entries"].items()}
        record_input(tensors, f"{prefix}/{i}/arg/", path, value)
        return value

    for i in range(step["count"]):
        args = []
        for p in step["params"]:
            role = p["role"]
            kind = role["kind"]
            if kind == "key":
                args.append(jax.random.key(seed + 1 + i))
            elif kind == "params":
                args.append(params)
            elif kind == "collection":
                args.append(collection(state, role["name"]))
            elif kind == "variables":
                args.append({"params": params, **state} if linen else params)
            elif kind == "trainState":
                args.append(train_state)
            elif kind == "optState":
                args.append(opt_state)
            else:
                args.append(data(role, i, p["name"]))
        result = fn(*args)
        outs = []

        def thread(out, value):
            nonlocal params, state, train_state, opt_state
            k = out["k"]
            if k == "params":
                params = value
            elif k == "collection":
                state = with_collection(state, out["name"], value)
            elif k == "trainState":
                train_state = value
                params = value.params
                for f, c in step["trainStateFields"].items():
                    state = with_collection(state, c, getattr(value, f))
            elif k == "optState":
                opt_state = value
            elif k == "array":
                outs.append(np.asarray(value))
            elif k == "tuple":
                for o, v in zip(out["items"], value):
                    thread(o, v)
            elif k == "dict":
                for key_, o in out["entries"]:
                    thread(o, value[key_])

        thread(step["returns"], result)
        for j, a in enumerate(outs):
            tensors[f"{prefix}/{i}/out/{j}"] = a
        if i + 1 in step["record"]:
            for k, v in {**framework.flat_params(params), **framework.flat_state(state)}.items():
                tensors[f"{prefix}/{i + 1}/param/{k}"] = v


def leaves_jax(tree):
    flat, _ = jax.tree_util.tree_flatten_with_path(tree)
    return [(leaf_name(p), v) for p, v in flat]


if __name__ == "__main__":
    builtins.__dict__.setdefault("__nnxport__", True)
    main()
