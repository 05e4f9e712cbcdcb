import type { Node, SourceFile } from "./parser.js";
import { matches } from "./queries.js";

/**
 * Local names bound by imports, mapped to the qualified names they stand for:
 * `import haiku as hk` binds hk → haiku; `from flax import linen as nn` binds
 * nn → flax.linen.
 */
export class ImportTable {
  private readonly names = new Map<string, string>();

  static of(source: SourceFile): ImportTable {
    const table = new ImportTable();
    for (const m of matches("imports", source.root)) {
      if (m.from) {
        const imported = m.name.text;
        table.names.set(m.alias?.text ?? imported, `${m.from.text}.${imported}`);
      } else if (m.alias) {
        table.names.set(m.alias.text, m.module.text);
      } else {
        // `import jax.numpy` binds only `jax`.
        const head = m.module.text.split(".")[0];
        table.names.set(head, head);
      }
    }
    return table;
  }

  /** Every qualified module or name imported. */
  get modules(): string[] {
    return [...this.names.values()];
  }

  /**
   * The qualified name of an identifier or attribute chain (`hk.Linear` →
   * `haiku.Linear`), or undefined when its head is not an imported name.
   */
  resolve(node: Node): string | undefined {
    const chain = dottedChain(node);
    if (!chain) return undefined;
    const head = this.names.get(chain[0]);
    return head === undefined ? undefined : [head, ...chain.slice(1)].join(".");
  }
}

/** `a.b.c` as ["a", "b", "c"], or undefined for anything that is not a plain chain. */
export function dottedChain(node: Node): string[] | undefined {
  if (node.type === "identifier") return [node.text];
  if (node.type === "attribute") {
    const object = node.childForFieldName("object");
    const attr = node.childForFieldName("attribute");
    const head = object && dottedChain(object);
    return head && attr ? [...head, attr.text] : undefined;
  }
  return undefined;
}
