// verify on training code beyond the fixtures: jax.value_and_grad with the loss
// returned (compared step by step), on a file written for the test.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, test } from "vitest";
import { verify } from "../../src/verify/index.js";
import { fixture } from "../helpers/translate.js";

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "nnxport-training-"));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

test("a step using jax.value_and_grad that returns its loss: the loss is compared after every step", async () => {
  const text = fixture("training/linen_model.py")
    .replace("grads = jax.grad(loss_fn)(params)", "loss, grads = jax.value_and_grad(loss_fn)(params)")
    .replace("    return params\n", "    return params, loss\n");
  expect(text).toContain("return params, loss");
  const file = join(dir, "value_and_grad.py");
  await writeFile(file, text);
  const report = await verify(file);
  expect(report.diagnostics).toEqual([]);
  expect(report.ok).toBe(true);
  const losses = report.checks.filter((c) => c.kind === "step" && c.name.endsWith("loss"));
  expect(losses).toHaveLength(5);
  expect(report.checks.filter((c) => c.kind === "step")).toHaveLength(5 + 8);
});
