// TypeScript imports between converted files. A file's program includes the
// definitions it uses from the user's other files (src/python/packages.ts),
// staged for this file's needs (sizes, config choices). Where what it emits for
// one of them is exactly what the defining file's own translation emits, the
// output imports it from that file's output (`./blocks.js`, mirroring the
// sources' folders); otherwise it keeps its own copy, documented as
// specialised from that file. Never a guess either way: equal text, and
// everything it refers to among those definitions imported too.
import { dirname, relative, resolve } from "node:path";
import type { TDecl, TModule } from "./ts/ast.js";
import { printDecl, tsName } from "./ts/print.js";
import { relativeImport, type Links } from "./python/packages.js";

/** A converted file another one imports from (the output's source, and its code). */
export interface SiblingOutput {
  source: string;
  code: string;
}

/** What the defining file's own translation gave (undefined: it does not translate on its own). */
export interface SiblingTranslation {
  decls: TDecl[];
  code: string;
  siblings: SiblingOutput[];
  /** Why it does not translate (its first error), when it does not. */
  failure?: string;
}

export interface SiblingImports {
  module: TModule;
  /** Outputs the code imports from, with theirs (transitively), for loading and type-checking it. */
  siblings: SiblingOutput[];
  /** The source files imported from, each with the module path the code imports. */
  importsFrom: Array<{ source: string; specifier: string }>;
}

/** The name a declaration has in the printed code. */
function printedName(d: TDecl): string | undefined {
  switch (d.k) {
    case "class":
      return d.cls.name;
    case "interface":
      return d.iface.name;
    case "function":
      return tsName(d.fn.name);
    case "const":
    case "typeAlias":
      return d.name;
    default:
      return undefined;
  }
}

const exported = (d: TDecl) => d.k === "class" || d.k === "interface" || d.k === "typeAlias" || (d.k === "function" && !!d.fn.exported) || (d.k === "const" && !!d.exported);
const typeOnly = (d: TDecl) => d.k === "interface" || d.k === "typeAlias";

/** The linked definition a declaration is emitted for (`MlpBlock`, `MlpBlockOptions`, `modelConfig`, a helper). */
function ownerOf(name: string, links: Links): string | undefined {
  for (const [def, d] of links.definitions) {
    // One linked under a new name (another definition had its name) is this file's own.
    if (d.name !== def) continue;
    if (name === def || name === tsName(def) || name === `${def}Options` || name === `${def}Config` || name === def.charAt(0).toLowerCase() + def.slice(1)) return def;
  }
  return undefined;
}

function withDoc(d: TDecl, line: string): TDecl {
  const add = (docs?: string[]) => [...(docs ?? []), line];
  switch (d.k) {
    case "class":
      return { ...d, cls: { ...d.cls, docs: add(d.cls.docs) } };
    case "interface":
      return { ...d, iface: { ...d.iface, docs: add(d.iface.docs) } };
    case "function":
      return { ...d, fn: { ...d.fn, docs: add(d.fn.docs) } };
    case "const":
    case "typeAlias":
      return { ...d, docs: add(d.docs) };
    default:
      return d;
  }
}

export async function importFromSiblings(file: string, module: TModule, links: Links, translateSibling: (source: string) => Promise<SiblingTranslation | undefined>): Promise<SiblingImports> {
  const none: SiblingImports = { module, siblings: [], importsFrom: [] };
  if (!links.definitions.size) return none;
  const own = new Map<string, { decl: TDecl; owner: string; source: string }>();
  for (const d of module.decls) {
    const name = printedName(d);
    const owner = name && ownerOf(name, links);
    if (name && owner) own.set(name, { decl: d, owner, source: links.definitions.get(owner)!.file });
  }
  if (!own.size) return none;
  const theirs = new Map<string, SiblingTranslation | undefined>();
  for (const { source } of own.values()) if (!theirs.has(source)) theirs.set(source, await translateSibling(source));
  // Equal text in the defining file's own output...
  const texts = new Map<string, string>();
  const same = new Set<string>();
  for (const [name, { decl, source }] of own) {
    const text = printDecl(decl);
    texts.set(name, text);
    const other = theirs.get(source)?.decls.find((d) => printedName(d) === name);
    if (other && exported(other) && printDecl(other) === text) same.add(name);
  }
  // ...and everything it names among this output's declarations imported as well: else it would name another
  // one than this file's (a variable type of this file, a definition kept as a copy). A definition's declarations
  // (a class, its options, its config) are imported together or kept together.
  const declared = module.decls.map(printedName).filter((n): n is string => !!n);
  const names = (text: string) => declared.filter((n) => new RegExp(`(^|[^\\w$.])${n.replace(/\$/g, "\\$")}([^\\w$]|$)`).test(text));
  const kept = new Map<string, string>();
  for (let changed = true; changed; ) {
    changed = false;
    for (const name of [...same]) {
      const other = names(texts.get(name)!).find((r) => r !== name && !same.has(r));
      const sibling = [...own].find(([n, o]) => o.owner === own.get(name)!.owner && !same.has(n));
      if (other || sibling) {
        same.delete(name);
        if (other) kept.set(name, other);
        changed = true;
      }
    }
  }
  const label = (source: string) => relative(dirname(resolve(file)), source) || source;
  const decls: TDecl[] = [];
  for (const d of module.decls) {
    const name = printedName(d);
    const mine = name ? own.get(name) : undefined;
    if (!mine) decls.push(d);
    else if (!same.has(name!)) {
      const t = theirs.get(mine.source);
      const out = relativeImport(file, mine.source).replace(/\.js$/, ".ts");
      const note = !t
        ? `From \`${label(mine.source)}\`, which does not convert on its own, so this file keeps its own copy.`
        : kept.has(name!)
          ? `Specialised from \`${label(mine.source)}\` for this file (it names this file's own \`${kept.get(name!)}\`).`
          : t.decls.some((x) => printedName(x) === name && printDecl(x) === texts.get(name!))
            ? `From \`${label(mine.source)}\`, kept with the rest of its definition here.`
            : t.decls.some((x) => printedName(x) === name)
              ? `Specialised from \`${label(mine.source)}\` for this file (\`${out}\`'s own \`${name}\` is translated differently).`
          : `Specialised from \`${label(mine.source)}\` for this file (\`${out}\` has no exported \`${name}\` of its own).`;
      decls.push(withDoc(d, note));
    }
  }
  // Imported: what the code left here names (a class's options type it never spells is not imported).
  const left = decls.map(printDecl).join("\n");
  const bySource = new Map<string, string[]>();
  for (const name of same) {
    if (!new RegExp(`(^|[^\\w$.])${name.replace(/\$/g, "\\$")}([^\\w$]|$)`).test(left)) continue;
    const { source, decl } = own.get(name)!;
    bySource.set(source, [...(bySource.get(source) ?? []), typeOnly(decl) ? `type ${name}` : name]);
  }
  const importsFrom = [...bySource.keys()].map((source) => ({ source, specifier: relativeImport(file, source) }));
  const siblings = new Map<string, string>();
  for (const source of bySource.keys()) {
    const t = theirs.get(source)!;
    siblings.set(source, t.code);
    for (const s of t.siblings) if (!siblings.has(s.source)) siblings.set(s.source, s.code);
  }
  const local = importsFrom.map(({ source, specifier }) => ({ names: bySource.get(source)!.sort((a, b) => a.replace(/^type /, "").localeCompare(b.replace(/^type /, ""))), from: specifier, all: true }));
  return {
    module: { ...module, imports: [...module.imports, ...local], decls },
    siblings: [...siblings].map(([source, code]) => ({ source, code })),
    importsFrom,
  };
}
