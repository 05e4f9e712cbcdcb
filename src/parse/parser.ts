import Parser from "tree-sitter";
import Python from "tree-sitter-python";
import type { DiagnosticBag } from "../diagnostics.js";
import type { Span } from "../span.js";

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

export function spanOf(node: Node): Span {
  return {
    line: node.startPosition.row + 1,
    column: node.startPosition.column + 1,
    endLine: node.endPosition.row + 1,
    endColumn: node.endPosition.column + 1,
  };
}

/**
 * Parses Python source. Parsing is total: syntax errors become NNX101
 * diagnostics (one per error region) and never exceptions.
 */
export function parsePython(file: string, text: string, diags: DiagnosticBag): SourceFile {
  // tree-sitter's default callback input splits at 32 KiB; pass a reader for any size.
  const tree = sharedParser().parse((index: number) => text.slice(index, index + 16384));
  if (tree.rootNode.hasError) reportSyntaxErrors(tree.rootNode, diags);
  return { file, text, root: tree.rootNode };
}

function reportSyntaxErrors(node: Node, diags: DiagnosticBag): void {
  if (node.type === "ERROR") {
    const snippet = node.text.split("\n")[0].slice(0, 40);
    diags.error("NNX101", `invalid Python syntax near '${snippet}'`, spanOf(node));
    return;
  }
  if (node.isMissing) {
    diags.error("NNX101", `invalid Python syntax: missing '${node.type}'`, spanOf(node));
    return;
  }
  for (const child of node.children) if (child.hasError || child.isMissing) reportSyntaxErrors(child, diags);
}
