import { readFileSync } from "node:fs";
import { join } from "node:path";
import Parser from "tree-sitter";
import { packageRoot } from "../verify/python-env.js";
import { pythonLanguage, type Node } from "./parser.js";

const cache = new Map<string, Parser.Query>();

/** A compiled query from grammars/NAME.scm. */
export function query(name: string): Parser.Query {
  let q = cache.get(name);
  if (!q) {
    const source = readFileSync(join(packageRoot(), "grammars", `${name}.scm`), "utf8");
    q = new Parser.Query(pythonLanguage(), source);
    cache.set(name, q);
  }
  return q;
}

export type Captures = Record<string, Node>;

/** Each match of a query under `node`, as a map from capture name to node. */
export function matches(name: string, node: Node): Captures[] {
  return query(name)
    .matches(node)
    .map((m) => Object.fromEntries(m.captures.map((c) => [c.name, c.node])));
}
