// verify on training code beyond the guide's fixtures, on files written for the
// test: jax.value_and_grad with the loss returned (compared step by step), and
// the plain optax loop (tx.update + optax.apply_updates) around a top-level loss.
import { expect, test } from "vitest";
import { fixture } from "../helpers/translate.js";
import { verifyText } from "../helpers/verify-text.js";

test("a step using jax.value_and_grad that returns its loss: the loss is compared after every step", async () => {
  const text = fixture("training/linen_model.py")
    .replace("grads = jax.grad(loss_fn)(params)", "loss, grads = jax.value_and_grad(loss_fn)(params)")
    .replace("    return params\n", "    return params, loss\n");
  expect(text).toContain("return params, loss");
  const report = await verifyText("value_and_grad.py", text);
  expect(report.diagnostics).toEqual([]);
  expect(report.ok).toBe(true);
  const losses = report.checks.filter((c) => c.kind === "step" && c.name.endsWith("loss"));
  expect(losses).toHaveLength(5);
  expect(report.checks.filter((c) => c.kind === "step")).toHaveLength(5 + 8);
});

const PLAIN_OPTAX = `
tx = optax.adamw(learning_rate=1e-3, weight_decay=1e-2)
opt_state = tx.init(params)


def loss_fn(params, x, y, key):
    logits = model.apply({'params': params}, x, training=True, rngs={'dropout': key})
    return optax.softmax_cross_entropy(logits, jax.nn.one_hot(y, 10)).mean()


@jax.jit
def train_step(params, opt_state, inputs, labels, key):
    loss, grads = jax.value_and_grad(loss_fn)(params, inputs, labels, key)
    updates, opt_state = tx.update(grads, opt_state, params)
    params = optax.apply_updates(params, updates)
    return params, opt_state, loss
`;

test("the plain optax loop: tx.update + optax.apply_updates, a top-level loss taking the batch, one-hot labels", async () => {
  const base = fixture("training/linen_model.py");
  const text = base.slice(0, base.indexOf("@jax.jit")) + PLAIN_OPTAX.trimStart();
  const report = await verifyText("plain_optax.py", text);
  expect(report.diagnostics).toEqual([]);
  expect(report.ok).toBe(true);
  expect(report.checks.filter((c) => c.kind === "step")).toHaveLength(5 + 8);
  // The only thing a note may say here: a few Adam updates of gradients near eps.
  for (const note of report.notes) expect(note).toMatch(/of \d+ elements differ beyond the tolerance .* Adam's update of gradients near its eps/);
  for (const c of report.checks) expect(c.outliers ?? 0).toBeLessThanOrEqual(2);
});

/** A step as the Flax docs write one: one-hot labels through a local, keyword loss arguments, grad_fn bound first, (state, loss) returned, SGD with Nesterov momentum. */
const FLAX_DOCS_STYLE = `import flax.linen as nn
import jax
import jax.numpy as jnp
import optax
from flax.training import train_state


class MLP(nn.Module):
    hidden: int = 128
    classes: int = 10

    @nn.compact
    def __call__(self, x):
        x = nn.Dense(self.hidden)(x)
        x = nn.relu(x)
        x = nn.Dense(self.hidden)(x)
        x = nn.gelu(x)
        return nn.Dense(self.classes)(x)


model = MLP()
params = model.init(jax.random.PRNGKey(42), jnp.zeros((32, 100)))["params"]
state = train_state.TrainState.create(apply_fn=model.apply, params=params, tx=optax.sgd(learning_rate=0.05, momentum=0.9, nesterov=True))


@jax.jit
def train_step(state, images, labels):
    def loss_fn(params):
        logits = state.apply_fn({"params": params}, images)
        one_hot = jax.nn.one_hot(labels, 10)
        loss = jnp.mean(optax.softmax_cross_entropy(logits=logits, labels=one_hot))
        return loss

    grad_fn = jax.value_and_grad(loss_fn)
    loss, grads = grad_fn(state.params)
    state = state.apply_gradients(grads=grads)
    return state, loss
`;

test("a Flax-docs style step verifies: parameters after 1 and 5 steps and every step's loss", async () => {
  const report = await verifyText("mlp_train.py", FLAX_DOCS_STYLE);
  expect(report.diagnostics).toEqual([]);
  expect(report.notes).toEqual([]);
  expect(report.ok).toBe(true);
  expect(report.checks.filter((c) => c.kind === "step")).toHaveLength(5 + 2 * 6);
});

/** Haiku's usual loop: a top-level loss that makes its labels one-hot in place and writes cross-entropy by hand, opt.update without params. */
const HAIKU_LOOP = `import haiku as hk
import jax
import jax.numpy as jnp
import optax


class MLP(hk.Module):
    def __call__(self, x):
        x = jax.nn.relu(hk.Linear(300)(x))
        x = jax.nn.relu(hk.Linear(100)(x))
        return hk.Linear(10)(x)


def net_fn(x):
    return MLP()(x)


net = hk.without_apply_rng(hk.transform(net_fn))
params = net.init(jax.random.PRNGKey(42), jnp.ones((8, 784)))
opt = optax.adam(1e-3)
opt_state = opt.init(params)


def loss(params, images, labels):
    logits = net.apply(params, images)
    labels = jax.nn.one_hot(labels, 10)
    return -jnp.sum(labels * jax.nn.log_softmax(logits)) / labels.shape[0]


@jax.jit
def update(params, opt_state, images, labels):
    grads = jax.grad(loss)(params, images, labels)
    updates, opt_state = opt.update(grads, opt_state)
    new_params = optax.apply_updates(params, updates)
    return new_params, opt_state
`;

test("Haiku's usual optax loop verifies; the loss's reassigned labels stay its own", async () => {
  const report = await verifyText("haiku_train.py", HAIKU_LOOP);
  expect(report.diagnostics).toEqual([]);
  expect(report.ok).toBe(true);
  expect(report.checks.filter((c) => c.kind === "step")).toHaveLength(2 * 6);
  for (const note of report.notes) expect(note).toMatch(/Adam's update of gradients near its eps/);
});
