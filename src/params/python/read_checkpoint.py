"""nnxport's reader for checkpoint formats that need Python: Orbax directories
(flax.training.checkpoints, ocp.StandardCheckpointer, CheckpointManager) and
pickles (run only when the user passed --allow-pickle: unpickling runs code).

Usage: python read_checkpoint.py FORMAT PATH OUT.npz
Writes the tree's arrays to OUT.npz (uncompressed, named "0", "1", ...) and prints
one JSON line: {"ok": true, "tree": ..., "source": ...} where the tree's leaves are
{"__nnxport_array__": i}, numbers, strings, booleans or null; or {"ok": false, "error": message}.
"""
import json
import os
import re
import sys


def fail(message):
    print(json.dumps({"ok": False, "error": message}))
    sys.exit(3)


try:
    import numpy as np
except ImportError as e:
    fail(f"{e}; run `npm run setup` or see `nnxport doctor`")


def plain(obj, path, arrays):
    """The object as nested dicts of arrays and scalars, the way Flax serializes it."""
    from collections.abc import Mapping

    try:
        from flax import serialization

        obj = serialization.to_state_dict(obj)  # TrainState and other registered types
    except Exception:  # noqa: BLE001 - a plain tree is fine as it is
        pass
    if isinstance(obj, Mapping):
        return {str(k): plain(v, f"{path}/{k}", arrays) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return {str(i): plain(v, f"{path}/{i}", arrays) for i, v in enumerate(obj)}
    if obj is None or isinstance(obj, (bool, str)):
        return obj
    if isinstance(obj, (int, float)):
        return obj
    if hasattr(obj, "shape") and hasattr(obj, "dtype"):
        a = np.asarray(obj)
        if a.dtype.name == "bfloat16":
            a = a.astype(np.float32)  # exact; .npz has no bfloat16
        if a.dtype.hasobject:
            fail(f"{path or '/'}: an array of Python objects")
        arrays.append(np.array(a, order="C"))  # (ascontiguousarray would make 0-d arrays 1-d)
        return {"__nnxport_array__": len(arrays) - 1}
    fail(f"{path or '/'}: a {type(obj).__name__}, not an array or a tree of arrays")


def orbax_dir(path):
    """The checkpoint itself: PATH, its latest step (checkpoint_N or N), and an item under it."""
    # The pytree itself (a CheckpointManager step folder has only _CHECKPOINT_METADATA and its items).
    markers = ("_METADATA", "manifest.ocdbt", "checkpoint")
    for _ in range(3):
        names = os.listdir(path)
        if any(m in names for m in markers):
            return path
        steps = [(int(m.group(2)), n) for n in names if (m := re.fullmatch(r"(checkpoint_)?(\d+)", n)) and os.path.isdir(os.path.join(path, n))]
        if steps:
            path = os.path.join(path, max(steps)[1])
            continue
        items = [n for n in names if os.path.isdir(os.path.join(path, n)) and not n.startswith(("_", "."))]
        if len(items) == 1:
            path = os.path.join(path, items[0])
            continue
        for preferred in ("default", "state", "params"):
            if preferred in items:
                return os.path.join(path, preferred)
        break
    fail(f"{path}: not an Orbax checkpoint (no _METADATA or _CHECKPOINT_METADATA, and no single checkpoint under it)")


def main():
    fmt, path, out = sys.argv[1:4]
    source = path
    if fmt == "orbax":
        try:
            import orbax.checkpoint as ocp
        except ImportError as e:
            fail(f"{e}; Orbax checkpoints need orbax-checkpoint (installed with flax by `npm run setup`)")
        source = orbax_dir(path)
        try:
            tree = ocp.PyTreeCheckpointer().restore(source)
        except Exception as e:  # noqa: BLE001
            fail(f"{source}: Orbax could not restore it: {type(e).__name__}: {e}")
    elif fmt == "pickle":
        import pickle

        try:
            with open(path, "rb") as f:
                tree = pickle.load(f)
        except Exception as e:  # noqa: BLE001
            fail(f"{path}: not a readable pickle: {type(e).__name__}: {e}")
    elif fmt == "npy-pickle":
        try:
            loaded = np.load(path, allow_pickle=True)
            if isinstance(loaded, np.lib.npyio.NpzFile):
                tree = {k: (loaded[k].item() if loaded[k].dtype.hasobject and loaded[k].shape == () else loaded[k]) for k in loaded.files}
            else:
                tree = loaded.item() if loaded.dtype.hasobject and loaded.shape == () else loaded
        except Exception as e:  # noqa: BLE001
            fail(f"{path}: numpy could not read it: {type(e).__name__}: {e}")
    else:
        fail(f"unknown format {fmt}")
    arrays = []
    structure = plain(tree, "", arrays)
    np.savez(out, **{str(i): a for i, a in enumerate(arrays)})
    print(json.dumps({"ok": True, "tree": structure, "source": source}))


if __name__ == "__main__":
    main()
