// absl flags the model reads (`HIDDEN = flags.DEFINE_integer('hidden', 32, '')`,
// `HIDDEN.value`): the entry's command line (`--argv=--hidden=6`) sets them, as
// it sets them for the Python original; without it, their defaults. Verified
// against live Haiku.
import { describe, expect, it } from "vitest";
import { entry, translateText, verifyText } from "../../helpers/verify-text.js";

const errors = (ds: Array<{ severity: string }>) => ds.filter((d) => d.severity === "error");

const FILE = `from absl import flags
import haiku as hk
import jax

HIDDEN = flags.DEFINE_integer('hidden', 32, 'width')
SCALE = flags.DEFINE_float('scale', 1.0, 'output scale')
RELU = flags.DEFINE_bool('relu', True, 'activation')


def net(x):
  h = hk.Linear(HIDDEN.value)(x)
  h = jax.nn.relu(h) if RELU.value else jax.nn.tanh(h)
  return hk.Linear(3)(h) * SCALE.value
`;

describe("absl flags", () => {
  it("takes the values the entry's command line gives, else the defaults", async () => {
    const e = entry("net", ["x=float32[2,5]"], { argv: ["--hidden=6", "--scale", "0.5", "--norelu"] });
    const r = await verifyText("flags_net.py", FILE, e);
    expect(errors(r.diagnostics)).toEqual([]);
    expect(r.ok).toBe(true);
    const t = await translateText("flags_net.py", FILE, e);
    expect(t.code).toContain("new nnx.Linear(inFeatures, 6,");
    expect(t.code).toContain("nnx.tanh(");
    const d = await translateText("flags_net.py", FILE, entry("net", ["x=float32[2,5]"]));
    expect(d.code).toContain("new nnx.Linear(inFeatures, 32,");
  }, 120_000);
});
