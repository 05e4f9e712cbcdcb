// The optimizer of a file's training code: a flax TrainState's `tx`, or an
// optax transform bound at the top level, read into the neutral OptimizerDef.
import type { DiagnosticBag } from "../../diagnostics.js";
import type { Expr } from "../../ir/model.js";
import { OPTIMIZER_OPTIONS, type OptimizerDef } from "../../ir/training.js";
import { spanOf, type Node } from "../../parse/parser.js";
import { callArguments, firstLine, unsupported } from "./lower.js";
import { literal, type TopLevel } from "./toplevel.js";

const TRAIN_STATE = "flax.training.train_state.TrainState";
const OPTIMIZERS: Record<string, OptimizerDef["transform"]> = { "optax.sgd": "sgd", "optax.adam": "adam", "optax.adamw": "adamw" };

/** What a call's callee resolves to through the imports (`optax.adam`), or "". */
export function calleeOf(top: TopLevel, call: Node): string {
  return top.imports.resolve(call.childForFieldName("function")!) ?? "";
}

/**
 * The file's optimizer: a TrainState's
 * (`state = TrainState.create(apply_fn=model.apply, params=params, tx=optax.adam(1e-3))`),
 * or else an optax transform bound at the top level (`tx = optax.adam(1e-3)`).
 */
export function findOptimizer(top: TopLevel, object: string, diags: DiagnosticBag): OptimizerDef | undefined {
  const subclasses = new Map(top.classesDerivedFrom([TRAIN_STATE]).map((c) => [c.name, c]));
  for (const [name, value] of top.assignments) {
    if (value.type !== "call") continue;
    const fn = value.childForFieldName("function")!;
    const isCreate =
      top.imports.resolve(fn) === `${TRAIN_STATE}.create` ||
      (fn.type === "attribute" && fn.childForFieldName("attribute")!.text === "create" && subclasses.has(fn.childForFieldName("object")!.text));
    if (!isCreate) continue;
    const { keywords } = callArguments(value);
    const subclass = fn.type === "attribute" ? subclasses.get(fn.childForFieldName("object")!.text) : undefined;
    const fields = subclass ? annotatedFields(subclass.body) : [];
    for (const [k, v] of Object.entries(keywords)) {
      if (!["apply_fn", "params", "tx", ...fields].includes(k)) unsupported(diags, v.parent ?? v, `TrainState.create's argument '${k}='`);
    }
    if (keywords.apply_fn?.text !== `${object}.apply`) {
      unsupported(diags, keywords.apply_fn ?? value, `a TrainState whose apply_fn is not ${object}.apply`);
      return undefined;
    }
    if (!keywords.tx) {
      unsupported(diags, value, "a TrainState without tx=");
      return undefined;
    }
    const tx = readTransform(top, diags, top.definition(keywords.tx), true);
    return tx && { object: name, via: "trainState", ...tx, fields, span: spanOf(value) };
  }
  for (const [name, value] of top.assignments) {
    if (value.type !== "call" || !calleeOf(top, value).startsWith("optax.")) continue;
    const tx = readTransform(top, diags, value, false);
    if (tx) return { object: name, via: "transform", ...tx, fields: [], span: spanOf(value) };
  }
  return undefined;
}

/** `optax.adam(1e-3, b1=0.8)`: the transform, its learning rate and its options, all constants. */
function readTransform(top: TopLevel, diags: DiagnosticBag, tx: Node, required: boolean) {
  const transform = tx.type === "call" ? OPTIMIZERS[calleeOf(top, tx)] : undefined;
  if (!transform) {
    if (required) unsupported(diags, tx, `the optimizer '${firstLine(tx)}' (optax.sgd, optax.adam and optax.adamw are supported)`);
    return undefined;
  }
  const constant = (node: Node, what: string): Expr | undefined => {
    const value = top.definition(node);
    if (["integer", "float", "true", "false", "unary_operator"].includes(value.type)) return literal(value, diags);
    unsupported(diags, node, `${what} '${firstLine(node)}' (a number, or a top-level name bound to one, is supported)`);
    return undefined;
  };
  const args = callArguments(tx);
  const lr = args.keywords.learning_rate ?? args.positional[0];
  if (!lr) {
    unsupported(diags, tx, "an optimizer without a learning rate");
    return undefined;
  }
  const learningRate = constant(lr, `optax.${transform}'s learning rate`);
  const options: Record<string, Expr> = {};
  for (const [k, v] of Object.entries(args.keywords)) {
    if (k === "learning_rate") continue;
    if (!OPTIMIZER_OPTIONS[transform].includes(k)) {
      unsupported(diags, v.parent ?? v, `optax.${transform}'s argument '${k}='`);
      continue;
    }
    const value = constant(v, `optax.${transform}'s ${k}`);
    if (value) options[k] = value;
  }
  if (args.positional.length > 1) unsupported(diags, args.positional[1], `optax.${transform}'s arguments after the learning rate, unless given by keyword`);
  return learningRate && { transform, learningRate, options };
}

/** `batch_stats: Any` in a class body. */
function annotatedFields(body: Node): string[] {
  return body.namedChildren
    .map((stmt) => (stmt.type === "expression_statement" ? stmt.namedChild(0) : null))
    .filter((a): a is Node => a?.type === "assignment" && !!a.childForFieldName("type"))
    .map((a) => a.childForFieldName("left")!.text);
}

