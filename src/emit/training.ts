// emit: training code → functions that train the model in place, NNX style:
// nnx.grad of a loss over the model, then the source's own parameter update
// (nnx.treeMap + nnx.update) or an nnx.Optimizer standing for its TrainState.
import type { SourceFile } from "ts-morph";
import type { Analysis } from "../analyze/index.js";
import type { ModuleDef } from "../ir/model.js";
import { nnxName, OPTIMIZER_FACTORY } from "../ir/naming.js";
import { selectedMode } from "../ir/walk.js";
import type { OptimizerDef, TrainStep } from "../ir/training.js";
import { EmitError, printExpr, type ExprContext } from "./expressions.js";
import { statements } from "./statements.js";

/** Adds the training functions; returns whether their code uses the jnp facade. */
export function emitTraining(file: SourceFile, analysis: Analysis): boolean {
  const { program } = analysis;
  const training = program.training;
  if (!training) return false;
  const root = program.modules.find((m) => m.name === program.entry.module)!;
  const model = root.name;
  const ctx: ExprContext = { config: () => "", arrays: true, model: "model" };
  if (training.optimizer) emitOptimizer(file, training.optimizer, model, ctx);
  for (const step of training.steps) emitStep(file, step, root, ctx);
  return ctx.usesJnp ?? false;
}

function emitOptimizer(file: SourceFile, opt: OptimizerDef, model: string, ctx: ExprContext): void {
  const options = Object.entries(opt.options).map(([k, v]) => `${nnxName(k)}: ${printExpr(v, { ...ctx, arrays: false })}`);
  const args = [printExpr(opt.learningRate, { ...ctx, arrays: false }), ...(options.length ? [`{ ${options.join(", ")} }`] : [])];
  file.addFunction({
    name: OPTIMIZER_FACTORY,
    isExported: true,
    docs: [`The source's \`${opt.object}\` (${opt.via === "trainState" ? "a TrainState" : "an optax transform and its state"}): \`model\`'s parameters with optax.${opt.transform}, as nnx.Optimizer.`],
    parameters: [{ name: "model", type: model }],
    returnType: `nnx.Optimizer<${model}>`,
    statements: [`return new nnx.Optimizer(model, nnx.optax.${opt.transform}(${args.join(", ")}), { wrt: nnx.Param });`],
  });
}

function emitStep(file: SourceFile, step: TrainStep, root: ModuleDef, ctx: ExprContext): void {
  const model = root.name;
  const usesOptimizer = step.params.some((p) => p.role.kind === "trainState" || p.role.kind === "optState");
  const data = step.params.filter((p) => p.role.kind === "input" || p.role.kind === "labels");
  const returnsLoss = step.returns.includes("loss");
  const reserved = new Set(["model", "optimizer", "grads", "params", "loss", "lossFn"]);
  for (const p of data) {
    if (reserved.has(nnxName(p.name))) throw new EmitError(`a training step's parameter named '${p.name}'`, p.span);
  }

  const body: string[] = [];
  const mode = modeCall(step, root);
  if (mode) body.push(`model.${mode}();`);
  // The loss takes the batch as parameters, as the source's does: what it reassigns stays its own.
  const loss = statements(step.loss, data.map((p) => p.name), ctx);
  const lossParams = [`model: ${model}`, ...data.map((p) => `${nnxName(p.name)}: nnx.Array`)].join(", ");
  body.push(`const lossFn = (${lossParams}) => {\n${loss.join("\n")}\n};`);
  const args = ["model", ...data.map((p) => nnxName(p.name))].join(", ");
  body.push(returnsLoss ? `const [loss, grads] = nnx.valueAndGrad(lossFn)(${args});` : `const grads = nnx.grad(lossFn)(${args});`);
  if (step.update.kind === "map") {
    const [p, g] = step.update.params.map(nnxName);
    const value = printExpr(step.update.value, ctx);
    body.push(`const params = nnx.treeMap((${p}: nnx.Array, ${g}: nnx.Array) => ${value}, nnx.state(model, nnx.Param), grads);`);
    body.push("nnx.update(model, params);");
    body.push("nnx.dispose([grads, params]);");
  } else {
    body.push("optimizer.update(model, grads);");
    body.push("nnx.dispose(grads);");
  }
  if (returnsLoss) body.push("return loss;");

  const what = step.update.kind === "map" ? "the source's own update of each parameter" : "the optimizer";
  file.addFunction({
    name: nnxName(step.name),
    isExported: true,
    docs: [`The source's \`${step.name}\`: one step of training \`model\` in place (gradients of the loss, then ${what}).${mode ? ` Leaves the model in ${mode} mode.` : ""}`],
    parameters: [
      { name: "model", type: model },
      ...(usesOptimizer ? [{ name: "optimizer", type: `nnx.Optimizer<${model}>` }] : []),
      ...data.map((p) => ({ name: nnxName(p.name), type: "nnx.Array" })),
    ],
    returnType: returnsLoss ? "nnx.Array" : "void",
    statements: body,
  });
}

/** `train` or `eval`, from the mode flags the step's application of the model passes. */
function modeCall(step: TrainStep, root: ModuleDef): "train" | "eval" | undefined {
  const mode = selectedMode(root.methods.find((m) => m.name === step.method), step.modeArgs);
  if (mode === "mixed") throw new EmitError("mode flags that disagree on train or eval mode", step.span);
  return mode === undefined ? undefined : mode ? "train" : "eval";
}
