// hk.multi_transform in any form: f builds modules and returns (init, applies)
// where init and the applies are defs, lambdas, modules or their methods.
import { describe, expect, it } from "vitest";
import { entry, translateText, verifyText } from "../../helpers/verify-text.js";

const FILE = `import haiku as hk
import jax
import jax.numpy as jnp


class Scale(hk.Module):
  def __call__(self, x):
    s = hk.get_parameter("s", [x.shape[-1]], init=jnp.ones)
    return x * s

  def inverse(self, y):
    s = hk.get_parameter("s", [y.shape[-1]], init=jnp.ones)
    return y / s


def f():
  encoder = hk.Linear(3, name="encoder")
  decoder = hk.Linear(5, name="decoder")
  scale = Scale()

  def init(x):
    z = encoder(x)
    return scale(decoder(jax.nn.relu(z)))

  def reconstruct(x):
    return scale.inverse(decoder(encoder(x)))

  return init, (encoder, decoder, reconstruct)


model = hk.multi_transform(f)
params = model.init(jax.random.key(0), jnp.ones((2, 5)))
`;

const errors = (ds: Array<{ severity: string }>) => ds.filter((d) => d.severity === "error");

describe("hk.multi_transform", () => {
  it("f as a module: its modules built in the constructor, init as call, each apply a method; the file's own init call and an apply as the entry verify", async () => {
    const own = await verifyText("multi.py", FILE);
    expect(errors(own.diagnostics)).toEqual([]);
    expect(own.ok).toBe(true);
    const apply = await verifyText("multi.py", FILE, entry("f", ["x=float32[2,5]"], { method: "reconstruct" }));
    expect(errors(apply.diagnostics)).toEqual([]);
    expect(apply.ok).toBe(true);
    const t = await translateText("multi.py", FILE);
    expect(t.code).toContain("readonly scale: Scale;");
    expect(t.code).toContain("applyEncoder(inputs: nnx.Array): nnx.Array");
    expect(t.code).toContain("reconstruct(x: nnx.Array): nnx.Array");
    expect(t.code).toContain("this.scale.inverse(this.decoder.call(this.encoder.call(x)))");
    expect(t.paramMap!.params.map((p) => p.source).sort()).toEqual(["decoder/b", "decoder/w", "encoder/b", "encoder/w", "scale/s"]);
  }, 120_000);
});
