import Parser from "tree-sitter";
import Python from "tree-sitter-python";
import type { DiagnosticBag } from "../diagnostics.js";
import type { Span } from "../span.js";
import { pythonLayout, type Layout } from "./layout.js";
import { statementErrors } from "./statements.js";

export type Node = Parser.SyntaxNode;

export interface SourceFile {
  file: string;
  text: string;
  root: Node;
}

let parser: Parser | undefined;

export function pythonLanguage(): Parser.Language {
  return Python as Parser.Language;
}

function sharedParser(): Parser {
  if (!parser) {
    parser = new Parser();
    parser.setLanguage(pythonLanguage());
  }
  return parser;
}

/** Per tree: spaces put before rows of the text tree-sitter parsed (see `forTreeSitter`), by row. */
const padding = new WeakMap<Parser.Tree, Map<number, number>>();

export function spanOf(node: Node): Span {
  const pads = padding.get(node.tree);
  const col = (p: Parser.Point) => Math.max(0, p.column - (pads?.get(p.row) ?? 0)) + 1;
  return {
    line: node.startPosition.row + 1,
    column: col(node.startPosition),
    endLine: node.endPosition.row + 1,
    endColumn: col(node.endPosition),
  };
}

/**
 * The text as tree-sitter is given it. Inside brackets Python ignores
 * indentation, but tree-sitter's scanner reads a continuation row indented
 * less than its statement as a dedent (after an operator: `x = (a -` then
 * `1)` at column 0) and fails. Such rows get the statement's indentation put
 * before them; spans are mapped back (spanOf).
 */
function forTreeSitter(text: string, layout: Layout): { text: string; pads: Map<number, number> } {
  const pads = new Map<number, number>();
  if (!layout.continuationRows.length || text.includes("\r")) return { text, pads };
  const rows = text.split("\n");
  const width = (lead: string) => [...lead].reduce((w, c) => (c === "\t" ? (Math.floor(w / 8) + 1) * 8 : w + 1), 0);
  for (const row of layout.continuationRows) {
    const first = layout.lines[layout.logicalOfRow[row]];
    if (!first || rows[row] === undefined) continue;
    const lead = /^[ \t]*/.exec(rows[first.startRow])![0];
    const own = /^[ \t]*/.exec(rows[row])![0];
    if (width(own) >= width(lead)) continue;
    rows[row] = lead + rows[row];
    pads.set(row, lead.length);
  }
  return { text: rows.join("\n"), pads };
}

/**
 * Parses Python source. Parsing is total: syntax errors become NNX101
 * diagnostics (one per error region) and never exceptions. Besides
 * tree-sitter's own errors, the rules Python enforces and tree-sitter does
 * not (indentation, statement placement; layout.ts, statements.ts) are
 * checked, so what Python would not compile is never translated.
 */
export function parsePython(file: string, text: string, diags: DiagnosticBag): SourceFile {
  const layout = pythonLayout(text);
  const input = forTreeSitter(text, layout);
  // tree-sitter's default callback input splits at 32 KiB; pass a reader for any size.
  const tree = sharedParser().parse((index: number) => input.text.slice(index, index + 16384));
  if (input.pads.size) padding.set(tree, input.pads);
  const found: Array<{ message: string; span: Span }> = [];
  if (tree.rootNode.hasError) reportSyntaxErrors(tree.rootNode, found);
  if (layout.error) {
    const { row, column } = layout.error;
    found.push({ message: `invalid Python: ${layout.error.message}`, span: { line: row + 1, column: column + 1, endLine: row + 1, endColumn: column + 2 } });
  }
  for (const e of statementErrors(tree.rootNode, layout)) found.push({ message: `invalid Python: ${e.message}`, span: spanOf(e.node) });
  found.sort((a, b) => a.span.line - b.span.line || a.span.column - b.span.column);
  for (const f of found) diags.error("NNX101", f.message, f.span);
  return { file, text, root: tree.rootNode };
}

function reportSyntaxErrors(node: Node, found: Array<{ message: string; span: Span }>): void {
  if (node.type === "ERROR") {
    const snippet = node.text.split("\n")[0].slice(0, 40);
    found.push({ message: `invalid Python syntax near '${snippet}'`, span: spanOf(node) });
    return;
  }
  if (node.isMissing) {
    found.push({ message: `invalid Python syntax: missing '${node.type}'`, span: spanOf(node) });
    return;
  }
  for (const child of node.children) if (child.hasError || child.isMissing) reportSyntaxErrors(child, found);
}
