import type { Expr, Method, Stmt } from "./model.js";

/** Every expression in a method body, outermost first. */
export function* expressions(body: Stmt[]): Generator<Expr> {
  for (const s of body) yield* subexpressions(s.value);
}

export function* subexpressions(e: Expr): Generator<Expr> {
  yield e;
  switch (e.kind) {
    case "unary":
      yield* subexpressions(e.operand);
      break;
    case "binary":
      yield* subexpressions(e.left);
      yield* subexpressions(e.right);
      break;
    case "conditional":
      yield* subexpressions(e.test);
      yield* subexpressions(e.then);
      yield* subexpressions(e.else);
      break;
    case "op":
      for (const a of e.args) yield* subexpressions(a);
      for (const a of Object.values(e.attrs ?? {})) yield* subexpressions(a);
      break;
    case "callChild":
      for (const a of e.args) yield* subexpressions(a);
      if (e.mode) yield* subexpressions(e.mode.trainWhen);
      break;
    case "callSelf":
    case "apply":
      for (const a of e.args) yield* subexpressions(a);
      break;
    case "tuple":
      for (const a of e.items) yield* subexpressions(a);
      break;
    case "dim":
      yield* subexpressions(e.array);
      break;
    case "scan":
      yield* subexpressions(e.carry);
      yield* subexpressions(e.xs);
      break;
  }
}

/**
 * The mode a call selects through its mode-flag arguments (`training=True`):
 * true for training, false for evaluation, undefined when it passes none,
 * "mixed" when they disagree.
 */
export function selectedMode(method: Method | undefined, modeArgs: Record<string, boolean>): boolean | undefined | "mixed" {
  const modes = new Set<boolean>();
  for (const p of method?.params ?? []) {
    const passed = modeArgs[p.name];
    if (p.modeFlag && passed !== undefined) modes.add(passed === p.modeFlag.trainWhen);
  }
  return modes.size > 1 ? "mixed" : [...modes][0];
}

/** Input parameters: those that are not train/eval flags. */
export function inputParams(m: Method) {
  return m.params.filter((p) => !p.modeFlag);
}
