// Statement lists as TypeScript: method bodies and training code's loss functions.
import type { Stmt } from "../ir/model.js";
import { subexpressions } from "../ir/walk.js";
import { nnxName } from "../ir/naming.js";
import { printExpr, type ExprContext } from "./expressions.js";

/** Statements; a local is `const` unless it is assigned again, and parameters are reassigned in place. */
export function statements(body: Stmt[], params: string[], ctx: ExprContext): string[] {
  const assigned = new Map<string, number>();
  const count = (t: string) => assigned.set(t, (assigned.get(t) ?? 0) + 1);
  for (const s of body) {
    if (s.kind === "assign") count(s.target);
    if (s.kind === "unpack") s.targets.forEach(count);
  }
  const declared = new Set(params);
  const kept = localsOutlivingTheirVariable(body);
  return body.map((s: Stmt, i) => {
    const value = printExpr(s.value, ctx) + (kept.has(i) ? ".clone()" : "");
    if (s.kind === "return") return `return ${value};`;
    if (s.kind === "setVar") return `this.${nnxName(s.name)}.value = ${value};`;
    if (s.kind === "unpack") {
      const names = s.targets.map(nnxName).join(", ");
      const fresh = s.targets.filter((t) => !declared.has(t));
      fresh.forEach((t) => declared.add(t));
      if (fresh.length === s.targets.length) {
        return `${s.targets.some((t) => assigned.get(t)! > 1) ? "let" : "const"} [${names}] = ${value};`;
      }
      // Some names exist already: declare the new ones, then assign all.
      const declare = fresh.length ? `let ${fresh.map((t) => `${nnxName(t)}: nnx.Array`).join(", ")};\n` : "";
      return `${declare}[${names}] = ${value};`;
    }
    const name = nnxName(s.target);
    if (declared.has(s.target)) return `${name} = ${value};`;
    declared.add(s.target);
    return `${assigned.get(s.target)! > 1 ? "let" : "const"} ${name} = ${value};`;
  });
}


/**
 * Statements `local = <variable's value>` whose local is still read after the
 * variable is given a new value: the Variable frees its old tensor then, so the
 * local must hold a copy.
 */
function localsOutlivingTheirVariable(body: Stmt[]): Set<number> {
  const out = new Set<number>();
  body.forEach((s, i) => {
    if (s.kind !== "assign" || s.value.kind !== "var") return;
    const variable = s.value.name;
    const set = body.findIndex((t, j) => j > i && t.kind === "setVar" && t.name === variable);
    if (set < 0) return;
    const readsLocal = (t: Stmt) => [...subexpressions(t.value)].some((e) => e.kind === "name" && e.id === s.target);
    // A read in the statement that sets the variable happens before the set.
    if (body.slice(set + 1).some(readsLocal)) out.add(i);
  });
  return out;
}
