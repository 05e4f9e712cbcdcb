import type { Method, ModuleDef, Program } from "../ir/model.js";
import { expressions } from "../ir/walk.js";

/** Modules ordered so that every module comes after the modules it contains. */
export function calleesFirst(program: Program): ModuleDef[] {
  const byName = new Map(program.modules.map((m) => [m.name, m]));
  const out: ModuleDef[] = [];
  const state = new Map<string, "visiting" | "done">();
  const visit = (m: ModuleDef) => {
    if (state.get(m.name) === "done") return;
    if (state.get(m.name) === "visiting") return; // a cycle; reported by the shape pass
    state.set(m.name, "visiting");
    for (const c of m.children) {
      if (c.ctor.kind === "module" && byName.has(c.ctor.module)) visit(byName.get(c.ctor.module)!);
    }
    state.set(m.name, "done");
    out.push(m);
  };
  program.modules.forEach(visit);
  return out;
}

/** A module's methods ordered so that a method comes after the methods it calls on `self`. */
export function methodsCalleesFirst(def: ModuleDef): Method[] {
  const out: Method[] = [];
  const seen = new Set<string>();
  const visit = (m: Method) => {
    if (seen.has(m.name)) return;
    seen.add(m.name);
    for (const e of expressions(m.body)) {
      if (e.kind !== "callSelf") continue;
      const callee = def.methods.find((x) => x.name === e.method);
      if (callee) visit(callee);
    }
    out.push(m);
  };
  def.methods.forEach(visit);
  return out;
}

export function moduleOf(program: Program, name: string): ModuleDef {
  const m = program.modules.find((d) => d.name === name);
  if (!m) throw new Error(`internal: unknown module ${name}`);
  return m;
}
