// A dict of arrays as a model's input (RL observations: `{'pixels/view_0': ..., 'state': ...}`):
// its keys are known from the entry's sample, each entry is an input of its own (its sizes a
// constructor option), and the code that picks entries by key — .items(), .keys(), loops over
// the dict, comprehensions filtered on the key, sorted(key=...), jax.tree.map — is staged per key.
import { describe, expect, it } from "vitest";
import { entry, translateText, verifyText } from "../../helpers/verify-text.js";

const errors = (ds: Array<{ severity: string }>) => ds.filter((d) => d.severity === "error");

const FUSE = `
import flax.linen as nn
import jax
import jax.numpy as jnp


class Fuse(nn.Module):
    features: int = 8

    @nn.compact
    def __call__(self, obs):
        cams = {k: v for k, v in obs.items() if k.startswith('cam_')}
        cams = jax.tree.map(lambda v: v.reshape(v.shape[0], -1) * 2.0, cams)
        keys = sorted(cams.keys(), key=lambda k: int(k.split('_')[-1]))
        feats = [nn.Dense(self.features)(cams[k]) for k in keys]
        for k in obs:
            if not k.startswith('cam_'):
                feats.append(obs[k])
        for name, x in obs.items():
            if name.endswith('_1'):
                feats.append(jnp.mean(x, axis=(1, 2))[:, None])
        return nn.Dense(3)(jnp.concatenate(feats, axis=-1))
`;

const POLICY = `${FUSE}

class Policy(nn.Module):
    @nn.compact
    def __call__(self, obs):
        h = Fuse(features=6)({k: v for k, v in obs.items() if not k.startswith('pixels/')})
        return nn.tanh(h), obs['pixels/view_0'].sum(axis=(1, 2, 3))
`;

// Which entries are read is config (`prefix`, `extra_key`): the value given is built in.
const HEADS = `
from typing import Sequence
import flax.linen as nn
import jax.numpy as jnp


class Heads(nn.Module):
    sizes: Sequence[int] = (8, 4)
    prefix: str = 'goal_'
    extra_key: str = 'joints'

    @nn.compact
    def __call__(self, data):
        names = sorted([k for k in data.keys() if k.startswith(self.prefix)], key=lambda n: int(n.split('_')[-1]), reverse=True)
        assert len(names) > 0, 'no goals'
        goals = []
        for n in names:
            goals.append(data[n])
        hidden = [nn.gelu(nn.Dense(self.sizes[0])(g)) for g in goals]
        if self.extra_key:
            hidden.append(data[self.extra_key])
        hidden = jnp.concatenate(hidden, axis=-1)
        for s in self.sizes:
            hidden = nn.Dense(s)(hidden)
        return hidden
`;

const INPUTS = ["obs={cam_1=float32[2,4,4],cam_0=float32[2,3,3],state=float32[2,5]}"];

describe("dict inputs", () => {
  it("a module reading a dict input by key verifies", async () => {
    const r = await verifyText("fuse.py", FUSE, entry("Fuse()", INPUTS));
    expect(errors(r.diagnostics ?? [])).toEqual([]);
    expect(r.checks.length).toBeGreaterThan(0);
    expect(r.ok).toBe(true);
  }, 180_000);

  it("each entry's sizes are an option of their own, the method takes the dict", async () => {
    const t = await translateText("fuse.py", FUSE, entry("Fuse()", INPUTS));
    expect(errors(t.diagnostics.items)).toEqual([]);
    expect(t.code).toContain("/** Shape of `obs[\"cam_0\"]`");
    expect(t.code).toContain("obsStateFeatures: number;");
    expect(t.code).toContain("call(obs: Record<string, nnx.Array>): nnx.Array {");
  }, 180_000);

  it("entries picked by config (a key prefix, a key) verify, that config built in", async () => {
    const inputs = ["data={goal_2=float32[2,3],goal_10=float32[2,3],joints=float32[2,5],other=float32[2,1]}"];
    const r = await verifyText("heads.py", HEADS, entry("Heads()", inputs));
    expect(errors(r.diagnostics ?? [])).toEqual([]);
    expect(r.checks.filter((c) => c.kind === "output").length).toBeGreaterThan(0);
    expect(r.ok).toBe(true);
    const t = await translateText("heads.py", HEADS, entry("Heads(prefix='goal_', extra_key='joints')", inputs));
    expect(errors(t.diagnostics.items)).toEqual([]);
    expect(t.code).toContain("Built with `prefix = 'goal_'`, `extra_key = 'joints'`");
    // The list, then its concatenation: two locals.
    expect(t.code).toMatch(/(let|const) hidden1 = jnp\.concatenate\(/);
  }, 180_000);

  it("a dict given on to a child, with keys that are not identifiers, verifies", async () => {
    const r = await verifyText("policy.py", POLICY, entry("Policy()", ["obs={cam_0=float32[2,3,3],pixels/view_0=float32[2,4,4,3],state=float32[2,5]}"]));
    expect(errors(r.diagnostics ?? [])).toEqual([]);
    expect(r.checks.filter((c) => c.kind === "output").length).toBeGreaterThan(0);
    expect(r.ok).toBe(true);
  }, 180_000);
});
