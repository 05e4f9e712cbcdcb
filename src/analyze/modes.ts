// Train/eval lifting. A method parameter used only to switch dropout or batch
// norm (directly, or by passing it on to a child that does) becomes the
// module's train()/eval() mode, as NNX has it, and disappears from the call.
import type { DiagnosticBag } from "../diagnostics.js";
import type { Expr, Method, ModuleDef, Program } from "../ir/model.js";
import { expressions } from "../ir/walk.js";
import { calleesFirst, methodsCalleesFirst, moduleOf } from "./order.js";

/**
 * A parameter reference, possibly negated: `training` → +1, `not training` → −1;
 * or a config field (`self.training`), marked `config`.
 */
function flagRef(e: Expr): { name: string; polarity: 1 | -1; config?: true } | undefined {
  if (e.kind === "name") return { name: e.id, polarity: 1 };
  if (e.kind === "config") return { name: e.field, polarity: 1, config: true };
  if (e.kind === "unary" && e.op === "not") {
    const inner = flagRef(e.operand);
    return inner && { ...inner, polarity: inner.polarity === 1 ? -1 : 1 };
  }
  return undefined;
}

/** Polarities each name is used with in mode positions, and names used anywhere else. */
interface Uses {
  mode: Map<string, Set<number>>;
  value: Set<string>;
}

export function liftModes(program: Program, diags: DiagnosticBag): void {
  for (const def of calleesFirst(program)) {
    // A bool config field used only to switch modes (`deterministic=not self.training`) is lifted too.
    const config: Uses = { mode: new Map(), value: new Set() };
    for (const method of methodsCalleesFirst(def)) liftMethod(program, def, method, diags, config);
    for (const f of def.config) decide(f.name, f, config, diags);
  }
}

/** Makes `target` a mode flag when every use of `name` switches modes the same way. */
function decide(name: string, target: { modeFlag?: { trainWhen: boolean }; span: Expr["span"] }, uses: Uses, diags: DiagnosticBag): void {
  const modes = uses.mode.get(name);
  if (!modes) return;
  if (uses.value.has(name)) {
    diags.error("NNX303", `'${name}' switches train/eval mode but is also used as a value; nnxport cannot make it train()/eval() mode`, target.span);
  } else if (modes.size > 1) {
    diags.error("NNX303", `'${name}' means training in one place and evaluation in another`, target.span);
  } else {
    target.modeFlag = { trainWhen: modes.has(1) };
  }
}

type Call = Expr & { kind: "callChild" | "callSelf" };

function calleeMethod(program: Program, def: ModuleDef, e: Call): Method | undefined {
  if (e.kind === "callSelf") return def.methods.find((m) => m.name === e.method);
  const child = def.children.find((c) => c.attr === e.child)!;
  if (child.ctor.kind !== "module") return undefined;
  return moduleOf(program, child.ctor.module).methods.find((m) => m.name === e.method);
}

function liftMethod(program: Program, def: ModuleDef, method: Method, diags: DiagnosticBag, config: Uses): void {
  const params: Uses = { mode: new Map(), value: new Set() };
  const record = (e: Expr, polarity: 1 | -1) => {
    const ref = flagRef(e);
    if (!ref) return false;
    const uses = ref.config ? config : params;
    const set = uses.mode.get(ref.name) ?? new Set<number>();
    set.add(ref.polarity * polarity);
    uses.mode.set(ref.name, set);
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
  // Children built here whose own mode lives in a config field (`ScanBlock(n, training)`).
  for (const child of def.children.filter((c) => c.builtIn === method.name && c.ctor.kind === "module")) {
    const args = (child.ctor as { args: Record<string, Expr> }).args;
    for (const f of moduleOf(program, (child.ctor as { module: string }).module).config.filter((x) => x.modeFlag)) {
      const arg = args[f.name];
      if (arg && !record(arg, f.modeFlag!.trainWhen ? 1 : -1)) {
        diags.error("NNX303", `'${f.name}' switches train/eval mode in ${child.attr}; pass a flag of this method here`, arg.span);
      }
      delete args[f.name]; // the mode is the module's own now
    }
  }
  for (const e of expressions(method.body)) {
    if (e.kind === "name" && !modePositions.has(e)) params.value.add(e.id);
    if (e.kind === "config" && !modePositions.has(e)) config.value.add(e.field);
  }
  for (const p of method.params) decide(p.name, p, params, diags);
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
  if (e.kind === "name" || e.kind === "config") into.add(e);
  else if (e.kind === "unary") markRef(e.operand, into);
}

function reportFixedMode(e: Expr, diags: DiagnosticBag): void {
  diags.error(
    "NNX303",
    "a train/eval switch that is not a method parameter (a constant or an expression); NNX sets it with train()/eval()",
    e.span,
  );
}
