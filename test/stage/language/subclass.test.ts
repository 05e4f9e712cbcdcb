// A module class that subclasses a framework layer and overrides `param`
// (weight standardization): a subclass of the runtime layer overriding its
// `paramValue` hook, built and called as the layer.
import { describe, expect, it } from "vitest";
import { entry, translateText, verifyText } from "../../helpers/verify-text.js";

const FILE = `from typing import Callable, TypeVar
from flax import linen as nn
import jax.numpy as jnp

T = TypeVar('T')


def weight_standardize(w, axis, eps):
  w = w - jnp.mean(w, axis=axis)
  w = w / (jnp.std(w, axis=axis) + eps)
  return w


class StdConv(nn.Conv):
  """Convolution with weight standardization."""

  def param(self, name: str, init_fn: Callable[..., T], *init_args) -> T:
    param = super().param(name, init_fn, *init_args)
    if name == 'kernel':
      param = weight_standardize(param, axis=[0, 1, 2], eps=1e-5)
    return param


class ScaledDense(nn.Dense):
  def param(self, name, init_fn, *init_args):
    p = super().param(name, init_fn, *init_args)
    return p * 2.0 if name == "bias" else p


class Net(nn.Module):
  @nn.compact
  def __call__(self, x):
    x = StdConv(features=6, kernel_size=(3, 3), strides=(2, 2), use_bias=False, name='conv_root')(x)
    x = nn.relu(x)
    x = StdConv(4, (1, 1))(x)
    x = jnp.mean(x, axis=(1, 2))
    return ScaledDense(3)(x)
`;

describe("subclassing a framework layer", () => {
  it("StdConv(nn.Conv) and a Dense subclass overriding param verify, and read as runtime subclasses", async () => {
    const e = entry("Net()", ["x=float32[2,8,8,3]"]);
    const r = await verifyText("stdconv.py", FILE, e);
    expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    expect(r.ok).toBe(true);
    const t = await translateText("stdconv.py", FILE, e);
    expect(t.code).toContain("export class StdConv extends nnx.Conv {");
    expect(t.code).toContain("paramValue(name: string, value: nnx.Array): nnx.Array {");
    expect(t.code).toContain("this.convRoot = new StdConv(inFeatures, 6, [3, 3], { strides: [2, 2], useBias: false, rngs });");
    expect(t.code).toContain("export class ScaledDense extends nnx.Linear {");
    expect(t.paramMap!.params.map((p) => p.source).sort()).toEqual(["params/ScaledDense_0/bias", "params/ScaledDense_0/kernel", "params/StdConv_0/bias", "params/StdConv_0/kernel", "params/conv_root/kernel"]);
    expect(t.diagnostics.items.filter((d) => d.code === "NNX210")).toEqual([]);
  }, 120_000);

  it("a subclass of a layer given as the entry takes the layer's arguments and is built from the sample's sizes", async () => {
    const conv = entry("StdConv(features=6, kernel_size=(3, 3), strides=(2, 2), use_bias=False)", ["x=float32[2,8,8,3]"]);
    const r = await verifyText("stdconv.py", FILE, conv);
    expect(r.diagnostics.filter((d) => d.severity === "error")).toEqual([]);
    expect(r.ok).toBe(true);
    const t = await translateText("stdconv.py", FILE, conv);
    expect(t.code).toContain("return new StdConv(3, 6, [3, 3], { strides: [2, 2], useBias: false, rngs });");
    expect(t.paramMap!.params.map((p) => p.source)).toEqual(["params/kernel"]);
    const dense = entry("ScaledDense(3)", ["x=float32[2,5]"]);
    const d = await verifyText("stdconv.py", FILE, dense);
    expect(d.diagnostics.filter((x) => x.severity === "error")).toEqual([]);
    expect(d.ok).toBe(true);
  }, 120_000);
});

