// A sampling loop: lax.fori_loop over a function of (i, carry) whose carry is
// a NamedTuple of an array, a core's state and a PRNG key, stepping an RNN core
// unbatched (initial_state(None)) and drawing with jax.random.categorical.
// The loop is a loop in the method, its carry a local; the body's locals are
// its own (its `key` is not the caller's). Verified against live Haiku.
import { describe, expect, it } from "vitest";
import { entry, translateText, verifyText } from "../../helpers/verify-text.js";

const errors = (ds: Array<{ severity: string }>) => ds.filter((d) => d.severity === "error");

const FILE = `from typing import Any, NamedTuple
import haiku as hk
import jax
import jax.numpy as jnp
from jax import lax

VOCAB = 11


class Carry(NamedTuple):
  tokens: jax.Array
  state: Any
  key: jax.Array


def make_core():
  return hk.DeepRNN([
      lambda x: jax.nn.one_hot(x, num_classes=VOCAB),
      hk.LSTM(8),
      jax.nn.relu,
      hk.nets.MLP([8, VOCAB]),
  ])


def generate(rng, prompt, steps: int):
  core = make_core()

  def step(i, c):
    logits, state = core(c.tokens[i], c.state)
    key, sub = jax.random.split(c.key)
    tok = jax.random.categorical(sub, logits, axis=-1)
    return Carry(tokens=c.tokens.at[i + 1].set(tok), state=state, key=key)

  logits, state = hk.dynamic_unroll(core, prompt, core.initial_state(None))
  key, sub = jax.random.split(rng)
  tokens = jnp.zeros(steps + 1, dtype=jnp.int32).at[0].set(jax.random.categorical(sub, logits[-1]))
  out = lax.fori_loop(0, steps, step, Carry(tokens=tokens, state=state, key=key))
  return out.tokens, jax.random.uniform(key, (3,))
`;

describe("lax.fori_loop", () => {
  it("a sampling loop over an RNN core verifies, written as a for loop over a carry", async () => {
    const e = entry("generate", ["rng=key", "prompt=int32[5]<11"], { kwargs: { steps: "4" } });
    const r = await verifyText("sampling.py", FILE, e);
    expect(errors(r.diagnostics)).toEqual([]);
    expect(r.ok).toBe(true);
    const t = await translateText("sampling.py", FILE, e);
    expect(t.code).toContain("this.deepRnn.initialState(null)");
    expect(t.code).toContain("for (let i = 0; i < steps; i++) {");
    expect(t.code).toMatch(/const \[key1, sub1\] = random\.split\(carry\["key"\], 2\);/);
    expect(t.code).toContain("random.uniform(key, [3])");
  }, 120_000);

  it("a fori_loop whose bounds are not fixed ints is NNX201 at its line", async () => {
    const bad = FILE.replace("lax.fori_loop(0, steps,", "lax.fori_loop(0, prompt[0],");
    const t = await translateText("sampling_bad.py", bad, entry("generate", ["rng=key", "prompt=int32[5]<11"], { kwargs: { steps: "4" } })).catch((err: { diagnostics?: Array<{ code: string; span?: { start?: { line: number } } }> }) => err);
    const items = "diagnostics" in t && Array.isArray(t.diagnostics) ? t.diagnostics : (t as { diagnostics: { items: Array<{ code: string; message: string; span?: { start?: { line: number } } }> } }).diagnostics.items;
    const found = (items as Array<{ code: string; message?: string; span?: { line: number; column: number } }>).filter((d) => d.code === "NNX201");
    const line = bad.split("\n").findIndex((l) => l.includes("lax.fori_loop(")) + 1;
    expect(found.map((d) => [d.span?.line, d.span?.column, d.message])).toEqual([[line, 9, "unsupported construct: lax.fori_loop over bounds that are not fixed ints"]]);
  }, 120_000);

  it("hk.fori_loop: init's own first step builds the module the body first calls, then the loop", async () => {
    const py = `
import haiku as hk
import jax
import jax.numpy as jnp

def forward(x):
    lin = hk.Linear(x.shape[-1])

    def body(i, v):
        return jnp.tanh(lin(v)) + 0.1 * i

    return hk.Linear(2)(hk.fori_loop(1, 5, body, x))

f = hk.without_apply_rng(hk.transform(forward))
params = f.init(jax.random.PRNGKey(0), jnp.ones((2, 6)))
`;
    const r = await verifyText("hk_fori.py", py);
    expect(errors(r.diagnostics)).toEqual([]);
    expect(r.ok).toBe(true);
    expect(r.code).toContain("for (let i = 2; i < 5; i++) {");
  }, 120_000);
});
