// Train/eval lifting. A method parameter used only to switch dropout or batch
// norm (directly, or by passing it on to a child that does) becomes the
// module's train()/eval() mode, as NNX has it, and disappears from the call.
import type { DiagnosticBag } from "../diagnostics.js";
import type { Expr, Method, ModuleDef, Program } from "../ir/model.js";
import { expressions } from "../ir/walk.js";
import { calleesFirst, methodsCalleesFirst, moduleOf } from "./order.js";

/** A parameter reference, possibly negated: `training` → +1, `not training` → −1. */
function flagRef(e: Expr): { name: string; polarity: 1 | -1 } | undefined {
  if (e.kind === "name") return { name: e.id, polarity: 1 };
  if (e.kind === "unary" && e.op === "not") {
    const inner = flagRef(e.operand);
    return inner && { name: inner.name, polarity: inner.polarity === 1 ? -1 : 1 };
  }
  return undefined;
}

export function liftModes(program: Program, diags: DiagnosticBag): void {
  for (const def of calleesFirst(program)) {
    for (const method of methodsCalleesFirst(def)) liftMethod(program, def, method, diags);
  }
}

type Call = Expr & { kind: "callChild" | "callSelf" };

function calleeMethod(program: Program, def: ModuleDef, e: Call): Method | undefined {
  if (e.kind === "callSelf") return def.methods.find((m) => m.name === e.method);
  const child = def.children.find((c) => c.attr === e.child)!;
  if (child.ctor.kind !== "module") return undefined;
  return moduleOf(program, child.ctor.module).methods.find((m) => m.name === e.method);
}

function liftMethod(program: Program, def: ModuleDef, method: Method, diags: DiagnosticBag): void {
  // Polarities each parameter is used with in a mode position; names used anywhere else.
  const modeUses = new Map<string, Set<number>>();
  const valueUses = new Set<string>();
  const record = (e: Expr, polarity: 1 | -1) => {
    const ref = flagRef(e);
    if (!ref) return false;
    const set = modeUses.get(ref.name) ?? new Set<number>();
    set.add(ref.polarity * polarity);
    modeUses.set(ref.name, set);
    return true;
  };
  const modePositions = new Set<Expr>();
  for (const e of expressions(method.body)) {
    if (e.kind !== "callChild" && e.kind !== "callSelf") continue;
    if (e.kind === "callChild" && e.mode) {
      if (record(e.mode.trainWhen, 1)) markRef(e.mode.trainWhen, modePositions);
      else reportFixedMode(e.mode.trainWhen, diags);
    }
    const callee = calleeMethod(program, def, e);
    callee?.params.forEach((p, i) => {
      const arg = e.args[i];
      if (p.modeFlag && arg) {
        if (record(arg, p.modeFlag.trainWhen ? 1 : -1)) markRef(arg, modePositions);
        else diags.error("NNX303", `'${p.name}' switches train/eval mode in ${e.kind === "callChild" ? e.child : e.method}; pass a flag of this method here`, arg.span);
      }
    });
  }
  for (const e of expressions(method.body)) {
    if (e.kind === "name" && !modePositions.has(e)) valueUses.add(e.id);
  }

  for (const p of method.params) {
    const uses = modeUses.get(p.name);
    if (!uses) continue;
    if (valueUses.has(p.name)) {
      diags.error("NNX303", `'${p.name}' switches train/eval mode but is also used as a value; nnxport cannot make it train()/eval() mode`, p.span);
    } else if (uses.size > 1) {
      diags.error("NNX303", `'${p.name}' means training in one place and evaluation in another`, p.span);
    } else {
      p.modeFlag = { trainWhen: uses.has(1) };
    }
  }
  stripModeArguments(program, def, method);
}

/** Mode now lives on the modules themselves: drop the flags from calls. */
function stripModeArguments(program: Program, def: ModuleDef, method: Method): void {
  for (const e of expressions(method.body)) {
    if (e.kind !== "callChild" && e.kind !== "callSelf") continue;
    if (e.kind === "callChild") delete e.mode;
    const callee = calleeMethod(program, def, e);
    if (callee) e.args = e.args.filter((_, i) => !callee.params[i]?.modeFlag);
  }
}

function markRef(e: Expr, into: Set<Expr>): void {
  if (e.kind === "name") into.add(e);
  else if (e.kind === "unary") markRef(e.operand, into);
}

function reportFixedMode(e: Expr, diags: DiagnosticBag): void {
  diags.error(
    "NNX303",
    "a train/eval switch that is not a method parameter (a constant or an expression); NNX sets it with train()/eval()",
    e.span,
  );
}
