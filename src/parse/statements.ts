// Rules of Python's grammar and compiler that tree-sitter's grammar does not
// enforce: statements on one line need ';' between them, a block on its
// header's line holds simple statements only, 'return' and 'yield' belong in
// functions and 'break'/'continue' in loops, arguments come positional first,
// parameters are unique with defaults last, and Python 2's print statement is
// gone. Each finding is what CPython's compile() would reject, said at its line.
import type { Node } from "./parser.js";
import type { Layout } from "./layout.js";

export interface StatementError {
  message: string;
  node: Node;
}

/** What Python calls a node's kind in its messages. */
function pythonKind(n: Node): string {
  const names: Record<string, string> = { call: "function call", pattern_list: "tuple", expression_list: "tuple", integer: "literal", float: "literal", string: "literal", true: "True", false: "False", none: "None", binary_operator: "expression", unary_operator: "expression", lambda: "lambda" };
  return names[n.type] ?? n.type.replace(/_/g, " ");
}

/** A compound statement's (or clause's) ':' before its block. */
function headerColon(n: Node): Node | undefined {
  const kids = n.children.filter((k) => k.type !== "comment");
  for (let i = 0; i + 1 < kids.length; i++) if (kids[i].type === ":" && kids[i + 1].type === "block") return kids[i];
  return undefined;
}

const WALRUS_PARENTS = new Set(["parenthesized_expression", "subscript", "list", "set", "tuple", "argument_list", "if_statement", "elif_clause", "while_statement", "decorator"]);
const SPLAT_PARENTS = new Set(["argument_list", "list", "tuple", "set", "expression_list", "pattern_list", "tuple_pattern", "list_pattern", "subscript", "ERROR"]);
const KEYWORDS = new Set(["False", "None", "True", "and", "as", "assert", "async", "await", "break", "class", "continue", "def", "del", "elif", "else", "except", "finally", "for", "from", "global", "if", "import", "in", "is", "lambda", "nonlocal", "not", "or", "pass", "raise", "return", "try", "while", "with", "yield"]);
const AS_PARENTS = new Set(["with_item", "except_clause", "except_group_clause", "case_pattern"]);
const COMPOUND = new Set(["if_statement", "for_statement", "while_statement", "try_statement", "with_statement", "function_definition", "class_definition", "decorated_definition", "match_statement"]);
const FUNCTION = new Set(["function_definition"]);
const LOOP = new Set(["for_statement", "while_statement"]);

interface Context {
  inFunction: boolean;
  inLoop: boolean;
  async: boolean;
}

/** The rules `root` breaks, in source order. */
export function statementErrors(root: Node, layout: Layout): StatementError[] {
  const out: StatementError[] = [];
  const logical = (row: number) => layout.logicalOfRow[row] ?? -1;

  const visitBlock = (block: Node) => {
    let prev: Node | undefined;
    let separated = false;
    for (const c of block.children) {
      if (c.type === "comment") continue;
      if (c.type === ";") {
        separated = true;
        continue;
      }
      if (!c.isNamed) continue;
      if (c.type === "ERROR") {
        prev = undefined;
        continue;
      }
      if (prev && !separated && logical(c.startPosition.row) === logical(prev.endPosition.row) && logical(c.startPosition.row) >= 0) {
        out.push({ message: "invalid syntax (two statements on one line without ';')", node: c });
      }
      oneLine(c);
      prev = c;
      separated = false;
    }
  };

  const visit = (n: Node, ctx: Context) => {
    switch (n.type) {
      case "module":
      case "block":
        visitBlock(n);
        if (n.type === "block") inlineBlock(n);
        break;
      case "return_statement":
        if (!ctx.inFunction) out.push({ message: "'return' outside function", node: n });
        break;
      case "yield":
        if (!ctx.inFunction) out.push({ message: "'yield' outside function", node: n });
        break;
      case "await":
        if (!ctx.inFunction) out.push({ message: "'await' outside function", node: n });
        else if (!ctx.async) out.push({ message: "'await' outside async function", node: n });
        break;
      case "break_statement":
        if (!ctx.inLoop) out.push({ message: "'break' outside loop", node: n });
        break;
      case "continue_statement":
        if (!ctx.inLoop) out.push({ message: "'continue' not properly in loop", node: n });
        break;
      case "print_statement":
      case "exec_statement":
        out.push({ message: `Missing parentheses in call to '${n.type === "print_statement" ? "print" : "exec"}'`, node: n });
        break;
      case "nonlocal_statement":
        if (!ctx.inFunction) out.push({ message: "nonlocal declaration not allowed at module level", node: n });
        break;
      case "argument_list":
        argumentOrder(n);
        break;
      case "integer":
      case "float": {
        const bad = numberError(n.text, n.type);
        if (bad) out.push({ message: bad, node: n });
        break;
      }
      case "parameters":
      case "lambda_parameters":
        parameterRules(n);
        break;
      case "named_expression":
        // `y := x` unparenthesized only where Python's grammar has a named expression.
        if (!WALRUS_PARENTS.has(n.parent?.type ?? "")) out.push({ message: "invalid syntax (':=' needs parentheses here)", node: n });
        break;
      case "as_pattern":
        if (!AS_PARENTS.has(n.parent?.type ?? "")) out.push({ message: "invalid syntax ('as' outside with, except and case)", node: n });
        break;
      case "assignment": {
        // An annotated target in a chain (`a = b: int = c`), or a tuple annotated.
        const annotated = !!n.childForFieldName("type");
        if (annotated && (n.parent?.type === "assignment" || n.parent?.type === "augmented_assignment")) out.push({ message: "invalid syntax (an annotation inside an assignment)", node: n });
        else if (annotated && n.childForFieldName("left")?.type === "pattern_list") out.push({ message: "only single target (not tuple) can be annotated", node: n });
        break;
      }
      case "augmented_assignment": {
        if (n.parent?.type !== "expression_statement") out.push({ message: "invalid syntax (an augmented assignment inside an expression)", node: n });
        const left = n.childForFieldName("left");
        if (left && !["identifier", "attribute", "subscript", "parenthesized_expression"].includes(left.type)) out.push({ message: `'${pythonKind(left)}' is an illegal expression for augmented assignment`, node: left });
        break;
      }
      case "delete_statement":
        for (const t of n.namedChildren) deletable(t);
        break;
      case "with_item": {
        const target = n.namedChild(0)?.type === "as_pattern" ? n.namedChild(0)!.childForFieldName("alias") ?? n.namedChild(0)!.namedChildren.find((k) => k.type === "as_pattern_target") : undefined;
        const inner = target?.namedChild(0);
        if (inner && !assignable(inner)) out.push({ message: `cannot assign to ${pythonKind(inner)}`, node: inner });
        break;
      }
      case "list_splat":
        if (!SPLAT_PARENTS.has(n.parent?.type ?? "")) out.push({ message: "can't use starred expression here", node: n });
        break;
      case "list_splat_pattern":
        if (n.parent?.type === "assignment" || n.parent?.type === "for_statement") out.push({ message: "starred assignment target must be in a list or tuple", node: n });
        break;
      case "splat_type": {
        // `*Ts` annotates `*args` only.
        const param = n.parent?.parent;
        if (param?.type !== "typed_parameter" || param.namedChild(0)?.type !== "list_splat_pattern") out.push({ message: "invalid syntax (a starred annotation)", node: n });
        break;
      }
      case "identifier":
        if (KEYWORDS.has(n.text)) out.push({ message: `invalid syntax ('${n.text}' is a keyword)`, node: n });
        break;
      case "import_statement":
        // `import a,`: a trailing comma only inside `from ... import (...)`.
        if (n.children.filter((k) => k.type !== "comment").at(-1)?.type === ",") out.push({ message: "trailing comma not allowed without surrounding parentheses", node: n });
        break;
      case "import_from_statement":
        if (n.children.filter((k) => k.type !== "comment").at(-1)?.type === "," && !n.children.some((k) => k.type === "(")) out.push({ message: "trailing comma not allowed without surrounding parentheses", node: n });
        for (const name of n.childrenForFieldName("name")) {
          const dotted = name.type === "aliased_import" ? name.childForFieldName("name") : name;
          if (dotted?.type === "dotted_name" && dotted.namedChildCount > 1) out.push({ message: "invalid syntax (a dotted name after 'import' in 'from ... import')", node: dotted });
        }
        break;
      case "string":
        stringEscapes(n);
        break;
      case "constrained_type":
        // `T: bound` belongs in a type parameter list only.
        if (n.parent?.type !== "type_parameter") out.push({ message: "invalid syntax", node: n });
        break;
    }
    for (const c of n.children) {
      let inner = ctx;
      if (FUNCTION.has(n.type) && c.type === "block") inner = { inFunction: true, inLoop: false, async: n.children.some((k) => k.type === "async") };
      else if (n.type === "class_definition" && c.type === "block") inner = { inFunction: false, inLoop: false, async: false };
      else if (LOOP.has(n.type) && c.type === "block" && c === n.childForFieldName("body")) inner = { ...ctx, inLoop: true };
      // A lambda's body is an expression: 'yield' and 'await' there belong to the lambda.
      else if (n.type === "lambda" && c.type !== "lambda_parameters") inner = { inFunction: true, inLoop: false, async: false };
      visit(c, inner);
    }
  };

  /** A simple statement, or a compound statement's header up to its ':', is one logical line. */
  const oneLine = (stmt: Node) => {
    if (stmt.type === "ERROR" || stmt.hasError) return;
    if (stmt.type === "decorated_definition") {
      for (const d of stmt.namedChildren) if (d.type === "decorator") oneLine(d);
      const def = stmt.childForFieldName("definition");
      if (def) oneLine(def);
      return;
    }
    const colon = headerColon(stmt);
    const end = colon ? colon.endPosition.row : stmt.endPosition.row;
    if (logical(stmt.startPosition.row) !== logical(end)) out.push({ message: colon ? "invalid syntax (a statement's header spans lines)" : "invalid syntax (a statement spans lines)", node: stmt });
    // Clauses (elif, else, except, finally) have headers of their own.
    for (const k of stmt.namedChildren) if (k.type !== "block" && headerColon(k)) oneLine(k);
  };

  /** `del` takes names, attributes, items, and tuples or lists of them. */
  const deletable = (t: Node) => {
    if (t.type === "tuple" || t.type === "list" || t.type === "expression_list") t.namedChildren.forEach(deletable);
    else if (t.type === "parenthesized_expression") t.namedChildren.forEach(deletable);
    else if (!["identifier", "attribute", "subscript", "comment", "ERROR"].includes(t.type)) out.push({ message: `cannot delete ${pythonKind(t)}`, node: t });
  };

  /** What a `with ... as` binds: names, attributes, items, and tuples or lists of them. */
  const assignable = (t: Node): boolean => {
    if (["tuple", "list", "tuple_pattern", "list_pattern", "pattern_list", "parenthesized_expression", "expression_list"].includes(t.type)) return t.namedChildren.every((k) => k.type === "comment" || assignable(k));
    return ["identifier", "attribute", "subscript", "list_splat_pattern", "list_splat"].includes(t.type);
  };

  /** Escapes in a str literal that Python cannot decode (`\N` without a name, `\x4`). */
  const stringEscapes = (str: Node) => {
    const start = str.children.find((k) => k.type === "string_start")?.text ?? "";
    const prefix = start.replace(/["']+$/, "");
    if (/[rRbB]/.test(prefix)) return;
    for (const part of str.children) {
      if (part.type !== "string_content") continue;
      const re = /\\(N\{[^}]*\}|N|x[0-9a-fA-F]{0,2}|u[0-9a-fA-F]{0,4}|U[0-9a-fA-F]{0,8}|[\s\S])/g;
      for (let m = re.exec(part.text); m; m = re.exec(part.text)) {
        const e = m[1];
        const bad = e === "N" || (e[0] === "N" && e.length < 4) || (e[0] === "x" && e.length < 3) || (e[0] === "u" && e.length < 5) || (e[0] === "U" && e.length < 9);
        if (bad) {
          out.push({ message: `(unicode error) cannot decode the escape '\\${e}'`, node: str });
          return;
        }
      }
    }
  };

  /** A block on its header's line (`if x: y = 1`) holds simple statements only. */
  const inlineBlock = (block: Node) => {
    const header = block.parent;
    const colon = header?.children.find((k) => k.type === ":" && k.endIndex <= block.startIndex);
    if (!colon || logical(block.startPosition.row) !== logical(colon.endPosition.row)) return;
    for (const s of block.namedChildren) if (COMPOUND.has(s.type) && logical(s.startPosition.row) === logical(colon.endPosition.row)) out.push({ message: "invalid syntax (a compound statement after ':' on the same line)", node: s });
  };

  const argumentOrder = (list: Node) => {
    let keyword = false;
    let kwUnpack = false;
    const names = new Set<string>();
    if (list.hasError) return;
    const args = list.namedChildren.filter((a) => a.type !== "comment");
    for (const a of args) {
      if (a.type === "keyword_argument") {
        keyword = true;
        const name = a.childForFieldName("name")?.text;
        if (name !== undefined) {
          if (names.has(name)) out.push({ message: `keyword argument repeated: ${name}`, node: a });
          names.add(name);
        }
      } else if (a.type === "dictionary_splat") kwUnpack = true;
      else if (a.type === "list_splat") {
        if (kwUnpack) out.push({ message: "iterable argument unpacking follows keyword argument unpacking", node: a });
      } else if (a.type === "generator_expression" && args.length > 1) {
        out.push({ message: "Generator expression must be parenthesized", node: a });
      } else if (kwUnpack) out.push({ message: "positional argument follows keyword argument unpacking", node: a });
      else if (keyword) out.push({ message: "positional argument follows keyword argument", node: a });
    }
  };

  const parameterRules = (params: Node) => {
    const seen = new Set<string>();
    let defaults = false;
    let star = false;
    let bareStar: Node | undefined;
    let kwargs = false;
    let slash = false;
    let count = 0;
    for (const p of params.namedChildren) {
      if (p.type === "comment") continue;
      if (p.type === "positional_separator") {
        if (slash) out.push({ message: "/ may appear only once", node: p });
        else if (star) out.push({ message: "/ must be ahead of *", node: p });
        else if (!count) out.push({ message: "at least one argument must precede /", node: p });
        slash = true;
        continue;
      }
      count++;
      if (kwargs) out.push({ message: "arguments cannot follow var-keyword argument", node: p });
      const nameNode =
        p.type === "identifier"
          ? p
          : p.type === "default_parameter" || p.type === "typed_default_parameter"
            ? p.childForFieldName("name")
            : p.type === "typed_parameter"
              ? p.namedChild(0)
              : p.type === "list_splat_pattern" || p.type === "dictionary_splat_pattern"
                ? p
                : undefined;
      const inner = nameNode && (nameNode.type === "list_splat_pattern" || nameNode.type === "dictionary_splat_pattern") ? nameNode : undefined;
      const name = inner ? inner.namedChild(0)?.text : nameNode?.text;
      if (name !== undefined) {
        if (seen.has(name)) out.push({ message: `duplicate argument '${name}' in function definition`, node: p });
        seen.add(name);
      }
      if (p.type === "keyword_separator" || inner?.type === "list_splat_pattern") {
        if (star) out.push({ message: "* argument may appear only once", node: p });
        star = true;
        if (p.type === "keyword_separator") bareStar = p;
        continue;
      }
      if (inner?.type === "dictionary_splat_pattern") {
        kwargs = true;
        continue;
      }
      bareStar = undefined;
      const hasDefault = p.type === "default_parameter" || p.type === "typed_default_parameter";
      if (hasDefault) defaults = true;
      else if (defaults && !star) out.push({ message: "non-default argument follows default argument", node: p });
    }
    if (bareStar) out.push({ message: "named arguments must follow bare *", node: bareStar });
  };

  visit(root, { inFunction: false, inLoop: false, async: false });
  return out.sort((a, b) => a.node.startIndex - b.node.startIndex);
}

const DIGITS = "[0-9](?:_?[0-9])*";
const EXPONENT = `[eE][-+]?${DIGITS}`;
const FLOAT = new RegExp(`^(?:(?:${DIGITS})?\\.${DIGITS}(?:${EXPONENT})?|${DIGITS}\\.(?:${EXPONENT})?|${DIGITS}${EXPONENT})[jJ]?$`);
const INTEGER = /^(?:[1-9](?:_?[0-9])*|0+(?:_?0)*|0[xX](?:_?[0-9a-fA-F])+|0[oO](?:_?[0-7])+|0[bB](?:_?[01])+)$/;

/** Python's own number syntax (tree-sitter's is looser: `01`, `1_`, `10L`). */
function numberError(text: string, type: string): string | undefined {
  if (type === "integer" && (INTEGER.test(text) || new RegExp(`^${DIGITS}[jJ]$`).test(text))) return undefined;
  if (FLOAT.test(text)) return undefined;
  if (/^0+[0-9]/.test(text) && /^[0-9_]+$/.test(text)) return "leading zeros in decimal integer literals are not permitted";
  return `invalid number literal '${text}'`;
}
