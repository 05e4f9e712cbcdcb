// Files that import each other. An import that names a module of the user's
// (a .py file on disk) resolves to that file: relative imports against the
// importing file's folder, absolute ones against its folder and then its
// ancestors (the package root is the folder from which the dotted path exists
// as files, with or without __init__.py). The definitions a file uses from
// such modules (classes, config dataclasses, helper functions, constants) are
// lowered from their own files and linked into one module, transitively, as if
// the file defined them; their spans keep their own file, so diagnostics point
// there. Anything not found on disk stays an imported (library) name.
import { existsSync, readFileSync, statSync } from "node:fs";
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from "node:path";
import { DiagnosticBag } from "../diagnostics.js";
import { parsePython } from "../parse/parser.js";
import type { Expr, PyModule, TopStmt } from "./ast.js";
import { qualifiedName } from "./ast.js";
import { Lowering } from "./lower.js";

/** Library roots never looked for on disk (a folder named `jax` beside the user's files is not JAX). */
const LIBRARIES = new Set([
  "flax", "jax", "jaxlib", "haiku", "optax", "numpy", "np", "chex", "einops", "functools", "dataclasses", "typing",
  "collections", "math", "os", "sys", "abc", "enum", "itertools", "operator", "ml_collections", "absl", "tensorflow",
  "tensorflow_datasets", "torch", "scipy", "orbax", "clu", "tree", "typing_extensions",
]);

/** A definition linked in from another file of the user's. */
export interface LinkedDefinition {
  name: string;
  /** The file that defines it (absolute). */
  file: string;
}

export interface Links {
  /** The importing file's statements, with the definitions it uses from other files first. */
  module: PyModule;
  /** Every definition linked in, by the name it has here (its own, unless another definition had it), in the order added. */
  definitions: Map<string, LinkedDefinition>;
  /** Folders Python needs on sys.path for the absolute imports that resolved (absolute paths). */
  roots: string[];
  /** Running the file as a module of its package (for its relative imports): the package root and its dotted name. */
  packageRoot?: string;
  moduleName?: string;
  /** Diagnostics about the other files (their own syntax errors). */
  problems: DiagnosticBag[];
  /** An expression read in the file's namespace (an entry given on the command line), with linked names made the file's own. */
  relink: (e: Expr) => Expr;
}

interface Loaded {
  file: string;
  module: PyModule;
  lowering: Lowering;
  /** Top-level definitions by name (the last binding). */
  top: Map<string, TopStmt>;
}

const isPy = (p: string) => existsSync(p) && statSync(p).isFile();

/** `a.b.c` under `base`: the file a module path names (`a/b/c.py` or `a/b/c/__init__.py`). */
function moduleFile(base: string, parts: string[]): string | undefined {
  if (!parts.length) return isPy(join(base, "__init__.py")) ? join(base, "__init__.py") : undefined;
  const dir = join(base, ...parts);
  if (isPy(`${dir}.py`)) return `${dir}.py`;
  if (isPy(join(dir, "__init__.py"))) return join(dir, "__init__.py");
  return undefined;
}

/** What a qualified imported name stands for on disk: the defining file and the name in it, or a module itself. */
export interface Resolved {
  file: string;
  /** The definition named, or undefined when the qualified name is the module (`import blocks`). */
  name?: string;
  /** For absolute imports: the folder the dotted path was found under. */
  root?: string;
}

/** Resolves `qualified` (as imports.ts records it) imported in `from`; undefined when it is not a file of the user's. */
export function resolveQualified(from: string, qualified: string): Resolved | undefined {
  const key = `${dirname(resolve(from))}|${resolve(from)}|${qualified}`;
  if (!resolved.has(key)) resolved.set(key, resolveOnDisk(from, qualified));
  return resolved.get(key);
}

/** Looked up per translation run (files do not change under it); cleared by `linkImports`. */
const resolved = new Map<string, Resolved | undefined>();

function resolveOnDisk(from: string, qualified: string): Resolved | undefined {
  const dots = /^\.*/.exec(qualified)![0].length;
  const parts = qualified.slice(dots).split(".").filter((p) => p);
  if (dots === 0 && (!parts.length || LIBRARIES.has(parts[0]))) return undefined;
  const bases: string[] = [];
  if (dots > 0) {
    let base = dirname(resolve(from));
    for (let i = 1; i < dots; i++) base = dirname(base);
    bases.push(base);
  } else {
    for (let d = dirname(resolve(from)); ; d = dirname(d)) {
      bases.push(d);
      if (dirname(d) === d) break;
    }
  }
  for (const base of bases) {
    // The longest prefix that is a module: `pkg.mod.Name` → pkg/mod.py and Name; `pkg.mod` → the module.
    for (let k = parts.length; k >= 0; k--) {
      if (k === 0 && dots === 0) break;
      const file = moduleFile(base, parts.slice(0, k));
      if (!file || resolve(file) === resolve(from)) continue;
      const rest = parts.slice(k);
      if (rest.length > 1) return undefined; // `mod.Class.attr` is resolved at `mod.Class`
      return { file: resolve(file), name: rest[0], root: dots === 0 ? base : undefined };
    }
    // Found the package folder but not the name: not the user's file after all (keep looking up only for absolute imports).
  }
  return undefined;
}

/** A definition's text without its places, when it names nothing of its own file (so two such are the same value). */
function plainShape(stmt: TopStmt): string | undefined {
  let own = false;
  const text = JSON.stringify(stmt, (k, v) => {
    if (k === "span") return undefined;
    if (v && typeof v === "object" && (v as { kind?: string }).kind === "file") own = true;
    return v;
  });
  return own ? undefined : text;
}

/** Marks every span under `node` as belonging to `file`. */
function tagSpans(node: unknown, file: string, seen = new Set<object>()): void {
  if (!node || typeof node !== "object" || seen.has(node)) return;
  seen.add(node);
  if (Array.isArray(node)) {
    for (const x of node) tagSpans(x, file, seen);
    return;
  }
  const o = node as Record<string, unknown>;
  if (typeof o.line === "number" && typeof o.endLine === "number" && typeof o.column === "number") o.file = file;
  for (const v of Object.values(o)) tagSpans(v, file, seen);
}

const EXPR_KINDS = new Set(["global", "attr", "file"]);

/** Replaces, top-down, each expression `f` maps to something else (in place: lowered trees are fresh). */
function rewriteExprs(node: unknown, f: (e: Expr) => Expr | undefined, seen = new Set<object>()): void {
  if (!node || typeof node !== "object" || seen.has(node)) return;
  seen.add(node);
  const entries: Array<[string | number, unknown]> = Array.isArray(node) ? node.map((v, i) => [i, v]) : Object.entries(node as object);
  for (const [k, v] of entries) {
    if (v && typeof v === "object" && !Array.isArray(v)) {
      const e = v as Expr;
      if (EXPR_KINDS.has((e as { kind?: string }).kind ?? "") && "span" in e) {
        const r = f(e);
        if (r && r !== e) {
          (node as Record<string | number, unknown>)[k] = r;
          continue;
        }
      }
    }
    rewriteExprs(v, f, seen);
  }
}

function topDefinitions(module: PyModule): Map<string, TopStmt> {
  const top = new Map<string, TopStmt>();
  for (const s of module.body) {
    if (s.kind === "class") top.set(s.cls.name, s);
    else if (s.kind === "def") top.set(s.fn.name, s);
    else if (s.kind === "assign") for (const t of s.targets) if (t.kind === "name") top.set(t.id, s);
  }
  return top;
}

/** The largest number of leading dots among a file's relative imports. */
function relativeDepth(lowering: Lowering): number {
  let n = 0;
  for (const r of lowering.imports.records) n = Math.max(n, /^\.*/.exec(r.module)![0].length);
  return n;
}

/**
 * Links into `module` (of `file`) the definitions it uses from the user's
 * other files. Names of such definitions become the file's own (`file`
 * references); see `link` for two definitions with one name.
 */
export function linkImports(file: string, module: PyModule, lowering: Lowering, diags: DiagnosticBag, extra: Expr[] = []): Links {
  const self = resolve(file);
  resolved.clear();
  // Diagnostics name the other files as this one is named (relative to the working folder, or absolute).
  const label = (path: string) => (isAbsolute(file) ? path : relative(process.cwd(), path));
  const loaded = new Map<string, Loaded | undefined>();
  const problems: DiagnosticBag[] = [];
  const load = (path: string): Loaded | undefined => {
    if (loaded.has(path)) return loaded.get(path);
    loaded.set(path, undefined);
    const text = readFileSync(path, "utf8");
    const bag = new DiagnosticBag(label(path));
    const source = parsePython(path, text, bag);
    if (bag.hasErrors) {
      problems.push(bag);
      return undefined;
    }
    const low = new Lowering(source.root, path);
    const mod = low.module();
    tagSpans(mod, label(path));
    const l: Loaded = { file: path, module: mod, lowering: low, top: topDefinitions(mod) };
    loaded.set(path, l);
    return l;
  };
  const ownTop = topDefinitions(module);
  const definitions = new Map<string, LinkedDefinition>();
  const stmts: TopStmt[] = [];
  const roots = new Set<string>();

  /** The merged name of `name` defined in `path`, linking it (and what it uses) in the first time. */
  const linkedAs = new Map<string, string | undefined>();
  const link = (path: string, name: string, at: Expr): string | undefined => {
    // An import cycle back to this file: its own definition.
    if (path === self) return ownTop.has(name) ? name : undefined;
    const key = `${path}|${name}`;
    if (linkedAs.has(key)) return linkedAs.get(key);
    const l = load(path);
    const stmt = l?.top.get(name);
    if (!l || !stmt) return undefined;
    // Another definition has the name (this file's own, or another file's): the same plain value is shared
    // (`Array = jax.Array` in several files); a different function or constant is linked under a new name;
    // a module class keeps its name (Linen and Haiku name submodules after it), so it is not linked.
    const taken = (n: string) => definitions.has(n) || ownTop.has(n);
    let merged = name;
    if (taken(name)) {
      const other = definitions.get(name) ? loaded.get(definitions.get(name)!.file)?.top.get(definitions.get(name)!.name) : ownTop.get(name);
      if (other && plainShape(other) !== undefined && plainShape(other) === plainShape(stmt)) {
        linkedAs.set(key, name);
        return name;
      }
      if (stmt.kind === "class") {
        diags.warning("NNX213", `'${name}' of ${label(path)} is not linked in: another definition this file uses has its name (a class keeps its name, which names its submodules)`, at.span);
        linkedAs.set(key, undefined);
        return undefined;
      }
      const stem = basename(path, ".py").replace(/\W/g, "_");
      merged = `${name}_${stem}`;
      for (let i = 2; taken(merged); i++) merged = `${name}_${stem}${i}`;
      if (stmt.kind === "def") stmt.fn.name = merged;
      else if (stmt.kind === "assign") for (const t of stmt.targets) if (t.kind === "name" && t.id === name) t.id = merged;
    }
    linkedAs.set(key, merged);
    definitions.set(merged, { name, file: path });
    // What it uses is linked before it (callees first), once its own references are rewritten.
    rewriteExprs(stmt, (e) => rewrite(l, e));
    if (!stmts.includes(stmt)) stmts.push(stmt);
    return merged;
  };

  /** A reference in `l` (the file being linked) to a definition of another of the user's files, as a file reference. */
  const rewrite = (l: Pick<Loaded, "file" | "top">, e: Expr): Expr | undefined => {
    if (e.kind === "file") {
      if (l.file === self) return undefined;
      // A name of the other file: its own definition, linked under its name.
      if (!l.top.has(e.name)) return undefined;
      const n = link(l.file, e.name, e);
      return n ? { kind: "file", name: n, span: e.span } : undefined;
    }
    const q = qualifiedName(e);
    if (q === undefined) return undefined;
    let r = resolveQualified(l.file, q);
    if (!r || !r.name) return undefined;
    if (r.root) roots.add(r.root);
    let target = load(r.file);
    // A name the module itself imports from another of the user's files (`from .blocks import Mlp` in __init__.py).
    for (let hops = 0; target && !target.top.has(r.name!) && hops < 8; hops++) {
      const again = target.lowering.imports.qualified(r.name!);
      const next = again !== undefined ? resolveQualified(target.file, again) : undefined;
      // A library name the module imports (`from flax.linen import Dense` in layers.py): that name.
      if (!next && again !== undefined && !again.startsWith(".")) return { kind: "global", name: again, span: e.span };
      if (!next?.name) return undefined;
      r = next;
      target = load(r.file);
    }
    if (!target?.top.has(r.name!)) return undefined;
    const n = link(r.file, r.name!, e);
    return n ? { kind: "file", name: n, span: e.span } : undefined;
  };

  // From the file's classes, top-level statements and the entry; its functions only as they are reached (one the
  // model never runs is left out, and what it alone names of other files, a data pipeline's types, is not linked).
  const reached = new Set<TopStmt>();
  const own = (e: Expr): Expr | undefined => {
    if (e.kind === "file") {
      const d = ownTop.get(e.name);
      if (d?.kind === "def" && !reached.has(d)) {
        reached.add(d);
        rewriteExprs(d, own);
      }
    }
    return rewrite({ file: self, top: ownTop }, e);
  };
  for (const st of module.body) if (st.kind !== "def") rewriteExprs(st, own);
  rewriteExprs(extra, own);
  // Modules imported whole (`import blocks`, `from . import layers`) also need their roots on sys.path.
  for (const r of lowering.imports.records) {
    const res = resolveQualified(self, r.qualified);
    if (res?.root) roots.add(res.root);
  }
  // Callees first: a definition's own links were pushed while it was rewritten, before it.
  const ordered = orderCalleesFirst(stmts, definitions);
  const relink = (e: Expr): Expr => {
    const holder = [e];
    rewriteExprs(holder, (x) => {
      const r = own(x);
      return r && definitions.has((r as { name: string }).name) ? r : undefined;
    });
    return holder[0];
  };
  const out: Links = { module: { file: module.file, body: [...ordered, ...module.body] }, definitions, roots: [...roots], problems, relink };
  // Relative imports need the file run as a module of its package: its package root is as many folders up as
  // its deepest relative import goes (and further while there are __init__.py files).
  const depth = relativeDepth(lowering);
  if (depth > 0) {
    let root = dirname(self);
    const names = [self.slice(root.length + 1).replace(/\.py$/, "")];
    for (let i = 0; i < depth || isPy(join(root, "__init__.py")); i++) {
      const up = dirname(root);
      if (up === root) break;
      names.unshift(root.slice(up.length + 1));
      root = up;
    }
    out.packageRoot = root;
    out.moduleName = names.filter((n) => n !== "__init__").join(".");
  }
  out.roots = [...roots];
  return out;
}

/** Linked statements ordered so that each comes after the definitions it references. */
function orderCalleesFirst(stmts: TopStmt[], definitions: Map<string, LinkedDefinition>): TopStmt[] {
  const nameOf = (s: TopStmt): string[] =>
    s.kind === "class" ? [s.cls.name] : s.kind === "def" ? [s.fn.name] : s.kind === "assign" ? s.targets.flatMap((t) => (t.kind === "name" ? [t.id] : [])) : [];
  const byName = new Map<string, TopStmt>();
  for (const s of stmts) for (const n of nameOf(s)) byName.set(n, s);
  const out: TopStmt[] = [];
  const state = new Map<TopStmt, number>();
  const visit = (s: TopStmt) => {
    if (state.has(s)) return;
    state.set(s, 1);
    for (const n of referencedFiles(s)) {
      const d = byName.get(n);
      if (d && d !== s && definitions.has(n)) visit(d);
    }
    out.push(s);
  };
  for (const s of stmts) visit(s);
  return out;
}

function referencedFiles(node: unknown, out = new Set<string>(), seen = new Set<object>()): Set<string> {
  if (!node || typeof node !== "object" || seen.has(node)) return out;
  seen.add(node);
  const o = node as Record<string, unknown>;
  if (o.kind === "file" && typeof o.name === "string" && o.span) out.add(o.name);
  for (const v of Array.isArray(node) ? node : Object.values(o)) referencedFiles(v, out, seen);
  return out;
}

/** The relative module path of `to` from `from`'s folder, for an ES import (`./blocks.js`). */
export function relativeImport(from: string, to: string): string {
  const a = dirname(resolve(from)).split(sep);
  const b = resolve(to).split(sep);
  let i = 0;
  while (i < a.length && i < b.length - 1 && a[i] === b[i]) i++;
  const up = a.length - i;
  const rest = b.slice(i).join("/").replace(/\.py$/, ".js");
  return up === 0 ? `./${rest}` : `${"../".repeat(up)}${rest}`;
}
