# Prelude for the hk.* runtime tests (test/helpers/haiku.ts prepends it to
# each test's snippet). `reference(fn, inputs, ...)` runs `fn` under
# hk.transform_with_state and prints everything the TS module must reproduce:
# init params and state (bit patterns), the output, the state after one apply,
# and the gradient of sum(out * cotangent) w.r.t. params and float inputs.
import json
import numpy as np
import jax
import jax.numpy as jnp
import haiku as hk


def enc(a):
  a = np.asarray(a)
  if a.dtype == np.float32:
    return {"shape": list(a.shape), "dtype": "float32", "data": a.view(np.uint32).ravel().tolist()}
  if a.dtype == np.bool_:
    return {"shape": list(a.shape), "dtype": "bool", "data": a.astype(np.int64).ravel().tolist()}
  if np.issubdtype(a.dtype, np.integer):
    return {"shape": list(a.shape), "dtype": "int32", "data": a.astype(np.int64).ravel().tolist()}
  raise TypeError(f"cannot encode {a.dtype}")


def tree(t):
  if t is None:
    return None
  if isinstance(t, dict):
    return {k: tree(v) for k, v in t.items()}
  if hasattr(t, "_asdict"):
    return {k: tree(v) for k, v in t._asdict().items()}
  if isinstance(t, (list, tuple)):
    return [tree(v) for v in t]
  return enc(t)


def flat(d):
  return {f"{m}/{n}": enc(v) for m, sub in d.items() for n, v in sub.items()}


def is_float(x):
  return jnp.issubdtype(jnp.asarray(x).dtype, jnp.floating)


def reference(fn, inputs, *, seed=0, rng=1, grad=True, extra=None):
  f = hk.transform_with_state(fn)
  params, state = f.init(jax.random.key(seed), *inputs)
  apply_rng = None if rng is None else jax.random.key(rng)
  out, new_state = f.apply(params, state, apply_rng, *inputs)
  res = {"inputs": [tree(x) for x in inputs], "params": flat(params), "state": flat(state),
         "out": tree(out), "newState": flat(new_state)}
  if grad:
    counter = iter(range(1000))
    cot = jax.tree.map(
        lambda l: jax.random.normal(jax.random.key(100 + next(counter)), l.shape) if is_float(l) else None, out)
    float_idx = [i for i, x in enumerate(inputs) if is_float(x)]

    def loss(p, fx):
      xs = list(inputs)
      for i, x in zip(float_idx, fx):
        xs[i] = x
      o, _ = f.apply(p, state, apply_rng, *xs)
      pairs = zip(jax.tree.leaves(o), jax.tree.leaves(cot, is_leaf=lambda v: v is None))
      return sum(jnp.sum(l * c) for l, c in pairs if c is not None)

    gp, gx = jax.grad(loss, argnums=(0, 1))(params, [inputs[i] for i in float_idx])
    res["cot"] = tree(cot)
    res["gradParams"] = flat(gp)
    res["gradInputs"] = {str(i): enc(g) for i, g in zip(float_idx, gx)}
  if extra is not None:
    res["extra"] = extra
  return res


def emit(res):
  print(json.dumps(res))
