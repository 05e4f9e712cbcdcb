// hk.DeepRNN whose layers are not all cores: a function of the file
// (`lambda x: jax.nn.one_hot(x, n)`, staged on the running input to learn its
// output's shape, written as an arrow), a framework function (relu) and a
// module without state (hk.nets.MLP), unrolled with hk.dynamic_unroll over a
// dict batch, as a loss. Verified against live Haiku.
import { describe, expect, it } from "vitest";
import { entry, translateText, verifyText } from "../../helpers/verify-text.js";

const errors = (ds: Array<{ severity: string }>) => ds.filter((d) => d.severity === "error");

const FILE = `import haiku as hk
import jax
import jax.numpy as jnp

VOCAB = 11


def make_net():
  return hk.DeepRNN([
      lambda x: jax.nn.one_hot(x, num_classes=VOCAB),
      hk.LSTM(8),
      jax.nn.relu,
      hk.GRU(6),
      hk.nets.MLP([8, VOCAB]),
  ])


def seq_loss(batch):
  core = make_net()
  t, b = batch['input'].shape
  state = core.initial_state(b)
  logits, _ = hk.dynamic_unroll(core, batch['input'], state)
  logp = jax.nn.log_softmax(logits)
  labels = jax.nn.one_hot(batch['target'], num_classes=logits.shape[-1])
  return -jnp.sum(labels * logp) / (t * b)
`;

describe("hk.DeepRNN with functions and stateless modules among its layers", () => {
  it("verifies and writes the lambda as an arrow, the MLP as a layer", async () => {
    const e = entry("seq_loss", ["batch={input=int32[6,2]<11,target=int32[6,2]<11}"]);
    const r = await verifyText("deep_rnn.py", FILE, e);
    expect(errors(r.diagnostics)).toEqual([]);
    expect(r.ok).toBe(true);
    const t = await translateText("deep_rnn.py", FILE, e);
    expect(t.code).toContain("(x: tf.Tensor) => nnx.oneHot(x, 11),");
    expect(t.code).toContain("new hk.LSTM(11, 8, { rngs }),");
    expect(t.code).toContain("new hk.nets.MLP(6, [8, 11], { rngs }),");
  }, 120_000);
});
