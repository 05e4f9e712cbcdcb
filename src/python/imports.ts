// A file's imports: each local name they bind, and the qualified name it
// stands for. `import haiku as hk` binds hk → haiku; `from flax import linen as
// nn` binds nn → flax.linen; `import jax.numpy` binds jax → jax; relative
// imports keep their dots: `from .layers import Mlp` binds Mlp → .layers.Mlp.
import type { Node } from "../parse/parser.js";

export interface ImportRecord {
  /** The local name bound. */
  local: string;
  /** What it stands for, qualified (relative imports start with dots). */
  qualified: string;
  /** The imported module (`flax.linen`, `.layers`), for `from` imports; the module itself otherwise. */
  module: string;
  node: Node;
}

export class FileImports {
  private readonly names = new Map<string, ImportRecord>();
  /** `from m import *`: any name may be bound by it. */
  wildcard = false;

  static of(root: Node): FileImports {
    const table = new FileImports();
    const visit = (node: Node) => {
      for (const stmt of node.namedChildren) {
        if (stmt.type === "import_statement") table.importStatement(stmt);
        else if (stmt.type === "import_from_statement") table.fromStatement(stmt);
        // `from __future__ import annotations`: annotations are never evaluated.
        else if (stmt.type === "future_import_statement" && stmt.namedChildren.some((c) => c.text === "annotations")) table.names.set("annotations", { local: "annotations", qualified: "__future__.annotations", module: "__future__", node: stmt });
        // Imports guarded by `try:` or `if TYPE_CHECKING:` at the top level still bind names.
        else if (["if_statement", "try_statement", "block", "else_clause", "except_clause", "elif_clause"].includes(stmt.type)) visit(stmt);
      }
    };
    visit(root);
    return table;
  }

  private importStatement(stmt: Node): void {
    for (const item of stmt.namedChildren) {
      if (item.type === "dotted_name") {
        // `import jax.numpy` binds only `jax`.
        const head = item.text.split(".")[0];
        this.names.set(head, { local: head, qualified: head, module: head, node: stmt });
      } else if (item.type === "aliased_import") {
        const module = item.childForFieldName("name")!.text;
        const alias = item.childForFieldName("alias")!.text;
        this.names.set(alias, { local: alias, qualified: module, module, node: stmt });
      }
    }
  }

  private fromStatement(stmt: Node): void {
    const moduleNode = stmt.childForFieldName("module_name")!;
    const module = moduleNode.type === "relative_import" ? moduleNode.text.replace(/\s+/g, "") : moduleNode.text;
    if (stmt.namedChildren.some((c) => c.type === "wildcard_import")) this.wildcard = true;
    for (let i = 0; i < stmt.childCount; i++) {
      if (stmt.fieldNameForChild(i) !== "name") continue;
      const item = stmt.child(i)!;
      const join = (name: string) => (module.endsWith(".") ? `${module}${name}` : `${module}.${name}`);
      if (item.type === "dotted_name") this.names.set(item.text, { local: item.text, qualified: join(item.text), module, node: stmt });
      else if (item.type === "aliased_import") {
        const name = item.childForFieldName("name")!.text;
        const alias = item.childForFieldName("alias")!.text;
        this.names.set(alias, { local: alias, qualified: join(name), module, node: stmt });
      }
    }
  }

  /** Adds the names another piece of code imports (an entry's prelude run in the file's namespace). */
  absorb(other: FileImports): void {
    for (const r of other.records) this.names.set(r.local, r);
  }

  qualified(local: string): string | undefined {
    return this.names.get(local)?.qualified;
  }

  get localNames(): string[] {
    return [...this.names.keys()];
  }

  get records(): ImportRecord[] {
    return [...this.names.values()];
  }

  /** Every imported module, qualified. */
  get modules(): string[] {
    return [...new Set([...this.names.values()].map((r) => r.module))];
  }
}
