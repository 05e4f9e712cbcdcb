// A convolution whose kernel size comes from config of no known length (so how many axes
// are spatial is not known): its spatial sizes are the input's only where nothing changes
// them (stride 1, SAME padding); otherwise unknown, and a layer they would size reports
// NNX201 at its line rather than being built with the input's sizes.
import { describe, expect, it } from "vitest";
import { entry, verifyText } from "../../helpers/verify-text.js";

const errors = (ds: Array<{ severity: string }>) => ds.filter((d) => d.severity === "error");

const SAME = `from typing import Sequence
import flax.linen as nn


class Same(nn.Module):
    kernels: Sequence[Sequence[int]] = ((3, 3), (2, 2))

    @nn.compact
    def __call__(self, x):
        for k in self.kernels:
            x = nn.relu(nn.Conv(4, kernel_size=k)(x))
        return nn.Dense(3)(x.reshape(x.shape[0], -1))
`;

const STRIDED = `from typing import Sequence
import flax.linen as nn


class Strided(nn.Module):
    kernels: Sequence[Sequence[int]] = ((3, 3), (2, 2))
    stride: int = 2

    @nn.compact
    def __call__(self, x):
        for k in self.kernels:
            x = nn.relu(nn.Conv(4, kernel_size=k, strides=self.stride)(x))
        return nn.Dense(3)(x.reshape(x.shape[0], -1))
`;

// The padding string only the config knows: VALID's size, else SAME's, chosen in the constructor.
const PADDED = `import flax.linen as nn


class Padded(nn.Module):
    padding: str = 'SAME'

    @nn.compact
    def __call__(self, x):
        h = nn.Conv(4, kernel_size=(3, 2), strides=(2, 2), padding=self.padding)(x)
        return nn.Dense(3)(h.reshape(h.shape[0], -1))
`;

describe("a conv kernel size from config", () => {
  it("a padding string from config sizes what follows for either padding", async () => {
    for (const expr of ["Padded()", "Padded(padding='VALID')", "Padded(padding='valid')", "Padded(padding='CIRCULAR')"]) {
      const r = await verifyText("padded.py", PADDED, entry(expr, ["x=float32[2,7,6,3]"]));
      expect(errors(r.diagnostics)).toEqual([]);
      expect(r.ok).toBe(true);
    }
  }, 180_000);

  it("stride 1, SAME: the spatial sizes are the input's, and a flatten after sizes the next layer", async () => {
    const r = await verifyText("same.py", SAME, entry("Same()", ["x=float32[2,7,6,3]"]));
    expect(errors(r.diagnostics)).toEqual([]);
    expect(r.ok).toBe(true);
  }, 180_000);

  it("strided: the flatten's size is not known, NNX201 at the layer it would size", async () => {
    const r = await verifyText("strided.py", STRIDED, entry("Strided()", ["x=float32[2,7,6,3]"]));
    expect(r.ok).toBe(false);
    expect(errors(r.diagnostics).map((d) => `${d.code}@${d.span?.line}`)).toEqual(["NNX201@13"]);
  }, 180_000);
});
