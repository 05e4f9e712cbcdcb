// The members a generated NNX class holds, as staging discovers them:
// submodules (one, or a list built in a loop), the module's own variables, key
// streams, and config fields its methods read. Names follow the source and
// are unique per class.
import type { TExpr, TStmt } from "../ts/ast.js";

export type Member =
  | { kind: "child"; name: string; type: string; list: boolean; optional: boolean }
  | { kind: "variable"; name: string; type: string; collection: string; source: string; optional?: boolean }
  | { kind: "keys"; name: string; stream: string }
  | { kind: "config"; name: string; type: string }
  /** A value setup() computed and stored on self (`self.size = a * b`). */
  | { kind: "value"; name: string; type: string };

export class Members {
  private readonly byName = new Map<string, Member>();
  private readonly taken = new Set<string>();
  /** Statements the constructor runs first (lists created empty, optional children null). */
  readonly prologue: TStmt[] = [];

  constructor(reserved: string[] = []) {
    for (const r of reserved) this.taken.add(r.toLowerCase().replace(/_/g, ""));
  }

  /** A fresh member name from `base`: `dense`, `dense1`, ... (printed camelCase). */
  fresh(base: string): string {
    // camelCase drops a leading "_": a name that starts with a digit gets a letter.
    const clean = base.replace(/[^A-Za-z0-9_]/g, "_").replace(/^_*(\d)/, "v$1") || "member";
    let name = clean;
    for (let k = 1; this.taken.has(name.toLowerCase().replace(/_/g, "")); k++) name = `${clean}${k}`;
    this.taken.add(name.toLowerCase().replace(/_/g, ""));
    return name;
  }

  /** Claims exactly `name` (setup's `self.<name> = ...`); false when taken. */
  claim(name: string): boolean {
    const key = name.toLowerCase().replace(/_/g, "");
    if (this.taken.has(key)) return false;
    this.taken.add(key);
    return true;
  }

  add(m: Member): Member {
    this.byName.set(m.name, m);
    return m;
  }

  get(name: string): Member | undefined {
    return this.byName.get(name);
  }

  all(): Member[] {
    return [...this.byName.values()];
  }

  /** What a trial staging may undo: the members and names now, and a function that returns to them. */
  snapshot(): { added: () => Member[]; restore: () => void } {
    const byName = new Map([...this.byName].map(([k, m]) => [k, { ...m }] as const));
    const taken = new Set(this.taken);
    const prologue = this.prologue.length;
    return {
      added: () => [...this.byName.values()].filter((m) => !byName.has(m.name)),
      restore: () => {
        this.byName.clear();
        for (const [k, m] of byName) this.byName.set(k, m);
        this.taken.clear();
        for (const t of taken) this.taken.add(t);
        this.prologue.length = prologue;
      },
    };
  }

  /** Marks a child or a variable as made under a condition (its type becomes `T | null`). */
  makeOptional(name: string, init: TStmt): void {
    const m = this.byName.get(name);
    if ((m?.kind === "child" && !m.optional && !m.list) || (m?.kind === "variable" && !m.optional)) {
      m.optional = true;
      this.prologue.push(init);
    }
  }
}

export function memberRef(name: string): TExpr {
  return { k: "this", name };
}
