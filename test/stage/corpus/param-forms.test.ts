// `self.param` as real Linen code writes it: the initializer by keyword
// (`init_fn=`), and an initializer written as a lambda of the key alone
// (`lambda key: jnp.full((n,), v)`), in small modules used as values
// (a learnable scalar or log-std), and a function of the file whose `dtype=jnp.float32`
// self.param leaves at its default, and initializers called inside an init_fn
// (`nn.initializers.normal(0.1)(key, shape)`), verified against live Flax.
import { describe, expect, it } from "vitest";
import { entry, translateText, verifyText } from "../../helpers/verify-text.js";

const errors = (ds: Array<{ severity: string }>) => ds.filter((d) => d.severity === "error");

const PARAMS = `import flax.linen as nn
import jax
import jax.numpy as jnp


def scaled_normal(key, shape, dtype=jnp.float32):
  return jax.random.normal(key, shape, dtype) / jnp.sqrt(shape[0])


class Scalar(nn.Module):
  init_value: float = 0.0
  size: int = 1

  @nn.compact
  def __call__(self):
    return self.param('value', init_fn=lambda keys: jnp.full((self.size,), self.init_value))


class LogScale(nn.Module):
  init_value: float = 1.0
  size: int = 1

  @nn.compact
  def __call__(self):
    log_value = self.param(name='log_value', init_fn=lambda key: jnp.full((self.size,), jnp.log(self.init_value)))
    return jnp.exp(log_value)


class Head(nn.Module):
  size: int = 3

  @nn.compact
  def __call__(self, x):
    w = self.param('w', scaled_normal, (x.shape[-1], self.size))
    w = w + self.param('w2', lambda key, shape: nn.initializers.truncated_normal(0.5)(key, shape) * 2.0, (x.shape[-1], self.size))
    b = self.param('b', lambda key: nn.initializers.normal(stddev=0.1)(key, (self.size,), jnp.float32))
    mean = nn.Dense(self.size)(x) + x @ w + b
    std = LogScale(0.5, size=self.size, name='std')()
    offset = Scalar(0.1, size=self.size)()
    return mean + offset, jnp.broadcast_to(std, mean.shape)
`;

describe("self.param forms", () => {
  it("verifies init_fn= by keyword, key-only lambda initializers, a function initializer with a dtype default, initializers called in lambdas", async () => {
    const e = entry("Head()", ["x=float32[2,4]"]);
    const t = await translateText("params.py", PARAMS, e);
    expect(errors(t.diagnostics.items)).toEqual([]);
    expect(t.code).toContain("(keys: nnx.PRNGKey) => jnp.full([size]");
    const r = await verifyText("params.py", PARAMS, e);
    expect(errors(r.diagnostics)).toEqual([]);
    expect(r.ok).toBe(true);
  });
});
