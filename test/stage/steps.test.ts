// Training steps are read by what they compute: the everyday arrangements of
// the same operations translate to an NNX step and verify against the
// source's own step over five steps (results, and every variable after the
// first and the last).
import { describe, expect, it } from "vitest";
import { translateText, verifyText } from "../helpers/verify-text.js";

const LINEN_MLP = `
import flax.linen as nn
import jax
import jax.numpy as jnp
import optax
from flax.training import train_state

LEARNING_RATE = 0.05


class MLP(nn.Module):
    hidden: int = 32

    @nn.compact
    def __call__(self, x, train: bool = False):
        x = nn.Dense(self.hidden)(x)
        x = nn.relu(x)
        x = nn.Dropout(0.3, deterministic=not train)(x)
        return nn.Dense(4)(x)


model = MLP()
params = model.init(jax.random.key(0), jnp.ones((8, 12)))["params"]
`;

function expectVerified(r: Awaited<ReturnType<typeof verifyText>>): void {
  expect(r.diagnostics.filter((d) => d.severity === "error").map((d) => d.text)).toEqual([]);
  expect(r.notes.filter((n) => / not compared/.test(n))).toEqual([]);
  expect(r.checks.filter((c) => c.kind === "step").length).toBeGreaterThan(8);
  // The step op by op and the same step under nnx.jit are each held to the source's steps.
  const steps = r.checks.filter((c) => c.kind === "step");
  expect(steps.some((c) => /Eager\b/.test(c.name))).toBe(true);
  expect(steps.some((c) => !/Eager\b/.test(c.name))).toBe(true);
  expect(r.checks.filter((c) => !c.ok).map((c) => c.name)).toEqual([]);
  expect(r.ok).toBe(true);
}

describe("training steps by dataflow", () => {
  it("returns apply_gradients directly, with metrics, a batch dict, a helper loss and a defaulted mode flag", async () => {
    const text = `${LINEN_MLP}
state = train_state.TrainState.create(apply_fn=model.apply, params=params, tx=optax.sgd(LEARNING_RATE, momentum=0.9))


def cross_entropy(logits, labels):
    return optax.softmax_cross_entropy_with_integer_labels(logits, labels).mean()


@jax.jit
def train_step(state, batch, dropout_key):
    def loss_fn(params):
        logits = state.apply_fn({"params": params}, batch["image"], train=True, rngs={"dropout": dropout_key})
        return cross_entropy(logits, batch["label"]), logits

    (loss, logits), grads = jax.value_and_grad(loss_fn, has_aux=True)(state.params)
    accuracy = jnp.mean(jnp.argmax(logits, -1) == batch["label"])
    return state.apply_gradients(grads=grads), {"loss": loss, "accuracy": accuracy}
`;
    const t = await translateText("step_metrics.py", text);
    expect(t.code).toContain("const [[loss, logits], grads] = nnx.valueAndGrad(lossFn, { hasAux: true })(model);");
    expect(t.code).toContain("optimizer.update(model, grads);");
    expect(t.code).toContain("return { loss, accuracy };");
    expect(t.code).toContain("nnx.optax.sgd(0.05, { momentum: 0.9 })");
    expectVerified(await verifyText("step_metrics.py", text));
  }, 300_000);

  it("threads an optax state: tx.update, optax.apply_updates, (params, opt_state, loss)", async () => {
    const text = `
import haiku as hk
import jax
import jax.numpy as jnp
import optax


def net(x):
    return hk.Linear(3)(jax.nn.gelu(hk.Linear(16)(x)))


model = hk.without_apply_rng(hk.transform(net))
params = model.init(jax.random.key(1), jnp.zeros((4, 6)))
tx = optax.adam(1e-2)


def loss(params, x, y):
    pred = model.apply(params, x)
    return jnp.mean((pred - y) ** 2)


def update(params, opt_state, x, y):
    loss_value, grads = jax.value_and_grad(loss)(params, x, y)
    updates, opt_state = tx.update(grads, opt_state)
    return optax.apply_updates(params, updates), opt_state, loss_value
`;
    const t = await translateText("step_optax.py", text);
    expect(t.code).toContain("const [lossValue, grads] = nnx.valueAndGrad(loss)(model, x, y);");
    expect(t.code).toMatch(/export function createOptimizer\(model: Net\)/);
    expectVerified(await verifyText("step_optax.py", text));
  }, 300_000);

  it("maps an update over the parameters and keeps batch statistics from has_aux", async () => {
    const text = `
import flax.linen as nn
import jax
import jax.numpy as jnp


class Net(nn.Module):
    @nn.compact
    def __call__(self, x, train: bool = True):
        x = nn.Dense(16)(x)
        x = nn.BatchNorm(use_running_average=not train)(x)
        return nn.Dense(2)(nn.relu(x))


net = Net()
variables = net.init(jax.random.key(0), jnp.ones((6, 5)), train=False)


def step(params, batch_stats, x, y):
    def loss_fn(p):
        out, updates = net.apply({"params": p, "batch_stats": batch_stats}, x, mutable=["batch_stats"])
        return ((out - y) ** 2).mean(), updates

    grads, updates = jax.grad(loss_fn, has_aux=True)(params)
    new_params = jax.tree.map(lambda p, g: p - 0.01 * g, params, grads)
    return new_params, updates["batch_stats"]
`;
    const t = await translateText("step_bn.py", text);
    expect(t.code).toContain("nnx.update(model, newParams);");
    expectVerified(await verifyText("step_bn.py", text));
  }, 300_000);

  it("reports a step that computes new parameters but does not return them", async () => {
    const text = `${LINEN_MLP}

def train_step(params, x, y):
    grads = jax.grad(lambda p: jnp.mean((model.apply({"params": p}, x) - y) ** 2))(params)
    new_params = jax.tree_util.tree_map(lambda p, g: p - 0.1 * g, params, grads)
    return grads
`;
    // The model still translates; the step is left out, said at its line (training code does not fail the file).
    const t = await translateText("step_lost.py", text);
    expect(t.diagnostics.items.filter((d) => d.severity === "error")).toEqual([]);
    expect(t.diagnostics.items.filter((d) => d.code === "NNX201")).toEqual([
      expect.objectContaining({ severity: "warning", span: expect.objectContaining({ line: 29 }), message: expect.stringMatching(/(returns the gradients|does not return).*the training step 'train_step' is left out/) }),
    ]);
    expect(t.code).not.toMatch(/trainStep/);
  }, 60_000);
});
