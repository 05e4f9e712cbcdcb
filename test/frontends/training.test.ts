// Training code: the guide's train_step functions, recognized from Haiku and
// Linen into one framework-neutral description; variations nnxport cannot
// translate are reported at their line.
import { describe, expect, test } from "vitest";
import type { Training } from "../../src/ir/training.js";
import { fixture, recognizeText } from "../helpers/translate.js";

/** The training description without source positions. */
function neutral(t: Training | undefined): unknown {
  return JSON.parse(JSON.stringify(t, (k, v) => (k === "span" ? undefined : v)));
}

function training(path: string): Training {
  const { program, diagnostics } = recognizeText(fixture(path), path);
  expect(diagnostics).toEqual([]);
  return program!.training!;
}

describe("the guide's training steps", () => {
  test("jax.grad + tree_map SGD: the same step from Haiku and Linen", () => {
    const haiku = training("training/haiku_model.py");
    expect(neutral(haiku)).toEqual(neutral(training("training/linen_model.py")));
    const [step] = haiku.steps;
    expect(step.name).toBe("train_step");
    expect(step.params.map((p) => [p.name, p.role])).toEqual([
      ["key", { kind: "key" }],
      ["params", { kind: "params" }],
      ["inputs", { kind: "input", param: "x" }],
      ["labels", { kind: "labels", classes: true }],
    ]);
    expect(step.modeArgs).toEqual({ training: true });
    expect(step.update.kind).toBe("map");
    expect(step.returns).toEqual(["params"]);
    expect(haiku.optimizer).toBeUndefined();
  });

  test("TrainState.create(tx=optax.adam(1e-3)) and apply_gradients become an optimizer", () => {
    for (const fw of ["haiku", "linen"]) {
      const t = training(`trainstate/${fw}_model.py`);
      expect(t.optimizer).toMatchObject({ object: "state", transform: "adam", learningRate: { kind: "number", value: 1e-3 }, options: {} });
      expect(t.steps[0].params.map((p) => p.role.kind)).toEqual(["key", "trainState", "input", "labels"]);
      expect(t.steps[0].update).toEqual({ kind: "optimizer" });
      expect(t.steps[0].returns).toEqual(["trainState"]);
    }
  });

  test("batch statistics passed in and returned are the model's own state", () => {
    const haiku = training("state/haiku_model.py").steps[0];
    const linen = training("state/linen_model.py").steps[0];
    expect(haiku.params[1].role).toEqual({ kind: "state", collection: "state" });
    expect(linen.params[1].role).toEqual({ kind: "state", collection: "batch_stats" });
    for (const step of [haiku, linen]) {
      expect(step.returns).toEqual(["params", "state"]);
      // The loss function returns only the loss; the updated statistics stay in the model.
      expect(step.loss.at(-1)).toMatchObject({ kind: "return", value: { kind: "name", id: "loss" } });
    }
  });
});

test("a TrainState subclass carrying batch statistics: its field is the model's own state", () => {
  for (const [fw, collection] of [["haiku", "state"], ["linen", "batch_stats"]]) {
    const t = training(`state/${fw}_model.py`);
    expect(t.optimizer).toMatchObject({ transform: "sgd", options: { momentum: { kind: "number", value: 0.9 } }, fields: ["batch_stats"] });
    const step = t.steps.find((s) => s.name === "train_state_step")!;
    expect(step.params.map((p) => p.role.kind)).toEqual(["trainState", "input", "labels"]);
    expect(step.trainStateFields).toEqual({ batch_stats: collection });
    expect(step.update).toEqual({ kind: "optimizer" });
  }
});

test("the plain optax loop around a top-level loss: opt_state is the optimizer, the loss's parameters stand for the step's arguments", () => {
  const text = plainOptax();
  const { program, diagnostics } = recognizeText(text);
  expect(diagnostics).toEqual([]);
  const { steps, optimizer } = program!.training!;
  expect(optimizer).toMatchObject({ object: "tx", via: "transform", transform: "sgd", learningRate: { value: 0.05 }, options: { momentum: { value: 0.9 } } });
  expect(steps[0].params.map((p) => [p.name, p.role])).toEqual([
    ["params", { kind: "params" }],
    ["opt_state", { kind: "optState" }],
    ["inputs", { kind: "input", param: "x" }],
    ["labels", { kind: "labels", classes: true }],
    ["key", { kind: "key" }],
  ]);
  expect(steps[0].returns).toEqual(["params", "optState", "loss"]);
  // `x` and `y` inside the loss are the step's `inputs` and `labels`.
  expect(JSON.stringify(steps[0].loss)).toContain('"id":"inputs"');
  expect(JSON.stringify(steps[0].loss)).not.toContain('"id":"x"');
});

test("loss arguments by keyword: optax.softmax_cross_entropy(logits=..., labels=jax.nn.one_hot(...))", () => {
  const text = plainOptax().replace(
    "optax.softmax_cross_entropy(logits, jax.nn.one_hot(y, 10))",
    "optax.softmax_cross_entropy(labels=jax.nn.one_hot(y, num_classes=10), logits=logits)",
  );
  expect(text).toContain("labels=jax.nn.one_hot");
  const { program, diagnostics } = recognizeText(text);
  expect(diagnostics).toEqual([]);
  const [step] = program!.training!.steps;
  expect(step.params.find((p) => p.name === "labels")!.role).toEqual({ kind: "labels", classes: true });
  expect(neutral({ steps: [step] } as Training)).toEqual(neutral({ steps: [recognizeText(plainOptax()).program!.training!.steps[0]] } as Training));
});

test("a gradient function bound to a name first: grad_fn = jax.value_and_grad(loss_fn); loss, grads = grad_fn(...)", () => {
  const text = plainOptax().replace(
    "    loss, grads = jax.value_and_grad(loss_fn)(params, inputs, labels, key)",
    "    grad_fn = jax.value_and_grad(loss_fn)\n    loss, grads = grad_fn(params, inputs, labels, key)",
  );
  expect(text).toContain("grad_fn = jax.value_and_grad(loss_fn)");
  const { program, diagnostics } = recognizeText(text);
  expect(diagnostics).toEqual([]);
  expect(neutral(program!.training)).toEqual(neutral(recognizeText(plainOptax()).program!.training));
});

/** The Basic Example (Haiku) trained by a plain optax loop around a top-level loss. */
function plainOptax(): string {
  const base = fixture("training/haiku_model.py");
  return (
    base.slice(0, base.indexOf("@jax.jit")) +
    `tx = optax.sgd(learning_rate=lr, momentum=0.9)
lr = 0.05


def loss_fn(params, x, y, key):
    logits = model.apply(params, key, x, training=True)
    return optax.softmax_cross_entropy(logits, jax.nn.one_hot(y, 10)).mean()


def train_step(params, opt_state, inputs, labels, key):
    loss, grads = jax.value_and_grad(loss_fn)(params, inputs, labels, key)
    updates, opt_state = tx.update(grads, opt_state, params)
    params = optax.apply_updates(params, updates)
    return params, opt_state, loss
`
  );
}

test("a top-level function that is neither the model nor a training step is named in a warning, not dropped silently", () => {
  const text = fixture("training/linen_model.py") + "\n\ndef predict(variables, x):\n    return model.apply(variables, x)\n";
  const { program, diagnostics } = recognizeText(text);
  expect(program).toBeDefined();
  expect(diagnostics).toEqual([
    expect.objectContaining({ code: "NNX210", severity: "warning", message: expect.stringContaining("'predict' is not translated"), span: expect.objectContaining({ line: text.split("\n").findIndex((l) => l.startsWith("def predict")) + 1 }) }),
  ]);
});

describe("training code nnxport cannot translate is reported at its line", () => {
  const base = fixture("training/haiku_model.py");
  const lineOf = (text: string, needle: string) => text.split("\n").findIndex((l) => l.includes(needle)) + 1;
  const diagnose = (text: string) => recognizeText(text).diagnostics;

  test("jax.grad with argnums", () => {
    const text = base.replace("jax.grad(loss_fn)", "jax.grad(loss_fn, argnums=0)");
    expect(diagnose(text)).toContainEqual(
      expect.objectContaining({ code: "NNX201", message: expect.stringContaining("argnums"), span: expect.objectContaining({ line: lineOf(text, "argnums") }) }),
    );
  });

  test("an optimizer other than sgd, adam and adamw", () => {
    const text = fixture("trainstate/linen_model.py").replace("optax.adam(1e-3)", "optax.rmsprop(1e-3)");
    expect(diagnose(text)).toContainEqual(
      expect.objectContaining({ code: "NNX201", message: expect.stringContaining("optax.rmsprop(1e-3)"), span: expect.objectContaining({ line: lineOf(text, "rmsprop") }) }),
    );
  });

  test("a loss that applies the model twice", () => {
    const text = base.replace(
      "        return optax.softmax_cross_entropy_with_integer_labels(logits, labels).mean()",
      "        logits = logits + model.apply(params, key, inputs, training=True)\n        return optax.softmax_cross_entropy_with_integer_labels(logits, labels).mean()",
    );
    expect(diagnose(text)).toContainEqual(expect.objectContaining({ code: "NNX201", message: expect.stringContaining("more than once") }));
  });

  test("an update that is not tree_map over the parameters and gradients", () => {
    const text = base.replace("params, grads)\n", "grads, params)\n");
    expect(diagnose(text)).toContainEqual(expect.objectContaining({ code: "NNX201", message: expect.stringContaining("tree_map"), span: expect.objectContaining({ line: lineOf(text, "jax.tree_util.tree_map") }) }));
  });

  test("optax.apply_updates of anything but the optimizer's updates", () => {
    const text = plainOptax().replace("    updates, opt_state = tx.update(grads, opt_state, params)\n", "").replace("apply_updates(params, updates)", "apply_updates(params, grads)");
    expect(diagnose(text)).toContainEqual(
      expect.objectContaining({ code: "NNX201", message: expect.stringContaining("optax.apply_updates"), span: expect.objectContaining({ line: lineOf(text, "optax.apply_updates") }) }),
    );
  });

  test("a step that drops the batch statistics the model updated", () => {
    const text = fixture("state/haiku_model.py")
      .replace("logits, batch_stats = model.apply(", "logits, _ = model.apply(")
      .replace("        return loss, batch_stats\n\n    grads, batch_stats = jax.grad(loss_fn, has_aux=True)(params, batch_stats)", "        return loss\n\n    grads = jax.grad(loss_fn)(params, batch_stats)")
      .replace("    return params, batch_stats\n", "    return params\n");
    expect(text).toContain("grads = jax.grad(loss_fn)(params, batch_stats)");
    expect(diagnose(text)).toContainEqual(
      expect.objectContaining({ code: "NNX201", message: expect.stringContaining("discards the model's updated state"), span: expect.objectContaining({ line: lineOf(text, "logits, _ = model.apply(") }) }),
    );
  });

  test("a step parameter nnxport cannot place", () => {
    const text = base.replace("def train_step(key, params, inputs, labels):", "def train_step(key, params, inputs, labels, lr):");
    expect(diagnose(text)).toContainEqual(expect.objectContaining({ code: "NNX201", message: expect.stringContaining("'lr'"), span: expect.objectContaining({ line: lineOf(text, "def train_step") }) }));
  });
});
