// tree-sitter's Python CST → the Python IR (ast.ts), resolving names as
// Python scopes them: a function's locals are the names it binds anywhere in
// its body; other names are the enclosing functions', then the file's own
// top-level definitions, then imports (qualified), then builtins. Lowering is
// total: syntax the IR does not model becomes an `unsupported` node that the
// pass using it reports.
import { spanOf, type Node } from "../parse/parser.js";
import type {
  Arg,
  BinaryOp,
  ClassDef,
  Clause,
  CompareOp,
  DictEntry,
  Expr,
  FunctionDef,
  Param,
  Pattern,
  PyModule,
  Stmt,
  TopStmt,
} from "./ast.js";
import { subexpressions } from "./ast.js";
import { PYTHON_BUILTINS } from "./builtins.js";
import { FileImports } from "./imports.js";

/** One function scope: its locals, and the scope it is nested in. */
interface Scope {
  locals: Set<string>;
  parent?: Scope;
  /** The name `self` stands for in a method (its first parameter). */
  self?: string;
}

const BINARY: Record<string, BinaryOp> = {
  "+": "+", "-": "-", "*": "*", "/": "/", "//": "//", "%": "%", "**": "**", "@": "@",
  "&": "&", "|": "|", "^": "^", "<<": "<<", ">>": ">>",
};

export class Lowering {
  readonly imports: FileImports;
  /** Names the file binds at its top level (classes, functions, assignments). */
  readonly topNames = new Set<string>();

  constructor(readonly root: Node, readonly file: string) {
    this.imports = FileImports.of(root);
    for (const stmt of root.namedChildren) for (const n of boundNames(stmt)) this.topNames.add(n);
    for (const n of this.imports.localNames) this.topNames.delete(n);
    for (const stmt of root.namedChildren) for (const n of boundNames(stmt, true)) this.boundAtTop.add(n);
  }

  /** Every name the module binds, in blocks too (`if`, `with`, `try`, `for` at the top level): reading any other is a NameError unless a builtin. */
  private readonly boundAtTop = new Set<string>();

  /** The whole file. */
  module(): PyModule {
    const body: TopStmt[] = [];
    for (const stmt of this.root.namedChildren) {
      if (stmt.type === "comment") continue;
      if (stmt.type === "import_statement" || stmt.type === "import_from_statement" || stmt.type === "future_import_statement") {
        body.push({ kind: "import", span: spanOf(stmt) });
        continue;
      }
      const cls = classNode(stmt);
      if (cls) {
        body.push({ kind: "class", cls: this.classDef(cls.node, cls.decorators), span: spanOf(stmt) });
        continue;
      }
      body.push(...this.statement(stmt, undefined));
    }
    return { file: this.file, body };
  }

  classDef(node: Node, decorators: Node[]): ClassDef {
    const supers = node.childForFieldName("superclasses");
    const bases: Expr[] = [];
    const keywords: Arg[] = [];
    for (const a of supers?.namedChildren ?? []) {
      if (a.type === "comment") continue;
      if (a.type === "keyword_argument") keywords.push({ name: a.childForFieldName("name")!.text, value: this.expr(a.childForFieldName("value")!, undefined) });
      else bases.push(this.expr(a, undefined));
    }
    const block = node.childForFieldName("body")!;
    const body: Stmt[] = [];
    let docstring: string | undefined;
    block.namedChildren.forEach((stmt, i) => {
      if (i === 0 && isDocstring(stmt)) {
        docstring = stringText(stmt.namedChild(0)!);
        return;
      }
      const inner = classNode(stmt);
      if (inner) {
        body.push({ kind: "unsupported", what: "a class defined inside a class", span: spanOf(stmt) });
        return;
      }
      // Class bodies are their own scope, but their names are not visible to methods.
      body.push(...this.statement(stmt, undefined, true));
    });
    return {
      name: node.childForFieldName("name")!.text,
      bases,
      keywords,
      decorators: decorators.map((d) => this.expr(d.namedChild(0)!, undefined)),
      body,
      docstring,
      span: spanOf(node),
    };
  }

  function(node: Node, decorators: Node[], outer: Scope | undefined, method: boolean): FunctionDef {
    const paramsNode = node.childForFieldName("parameters")!;
    const scope: Scope = { locals: new Set(), parent: outer };
    const params = this.params(paramsNode, outer);
    for (const p of params) scope.locals.add(p.name);
    // A @staticmethod has no `self`.
    const isStatic = decorators.some((d) => /^@\s*staticmethod\s*$/.test(d.text.trim()));
    if (method && !isStatic && params[0] && !params[0].star) scope.self = params[0].name;
    const block = node.childForFieldName("body")!;
    for (const stmt of block.namedChildren) for (const n of boundNames(stmt, true)) scope.locals.add(n);
    if (scope.self) scope.locals.delete(scope.self);
    const body: Stmt[] = [];
    let docstring: string | undefined;
    block.namedChildren.forEach((stmt, i) => {
      if (i === 0 && isDocstring(stmt)) {
        docstring = stringText(stmt.namedChild(0)!);
        return;
      }
      body.push(...this.statement(stmt, scope));
    });
    const returns = node.childForFieldName("return_type");
    return {
      name: node.childForFieldName("name")!.text,
      params: method ? params.slice(scope.self ? 1 : 0) : params,
      body,
      decorators: decorators.map((d) => this.expr(d.namedChild(0)!, outer)),
      returns: returns ? this.expr(returns.namedChild(0) ?? returns, outer) : undefined,
      docstring,
      span: spanOf(node),
    };
  }

  /** Parameters of a def or lambda; defaults and annotations belong to the enclosing scope. */
  private params(node: Node, outer: Scope | undefined): Param[] {
    const out: Param[] = [];
    let keywordOnly = false;
    for (const p of node.namedChildren) {
      const span = spanOf(p);
      switch (p.type) {
        case "identifier":
          out.push({ name: p.text, keywordOnly, span });
          break;
        case "typed_parameter": {
          const inner = p.namedChild(0)!;
          const type = p.childForFieldName("type");
          const annotation = type ? this.annotation(type.namedChild(0) ?? type, outer) : undefined;
          if (inner.type === "list_splat_pattern") out.push({ name: inner.namedChild(0)!.text, star: "*", annotation, span });
          else if (inner.type === "dictionary_splat_pattern") out.push({ name: inner.namedChild(0)!.text, star: "**", annotation, span });
          else out.push({ name: inner.text, keywordOnly, annotation, span });
          if (inner.type === "list_splat_pattern") keywordOnly = true;
          break;
        }
        case "default_parameter":
        case "typed_default_parameter": {
          const type = p.childForFieldName("type");
          out.push({
            name: p.childForFieldName("name")!.text,
            keywordOnly,
            annotation: type ? this.annotation(type.namedChild(0) ?? type, outer) : undefined,
            default: this.expr(p.childForFieldName("value")!, outer),
            span,
          });
          break;
        }
        case "list_splat_pattern":
          out.push({ name: p.namedChild(0)!.text, star: "*", span });
          keywordOnly = true;
          break;
        case "dictionary_splat_pattern":
          out.push({ name: p.namedChild(0)!.text, star: "**", span });
          break;
        case "keyword_separator":
          keywordOnly = true;
          break;
        case "positional_separator":
        case "comment":
          break;
        default:
          out.push({ name: `<${p.type}>`, span });
      }
    }
    return out;
  }

  /** One statement; `classBody` marks statements directly in a class body. */
  statement(node: Node, scope: Scope | undefined, classBody = false): Stmt[] {
    const span = spanOf(node);
    switch (node.type) {
      case "comment":
        return [];
      case "expression_statement": {
        const inner = node.namedChild(0);
        if (!inner) return [];
        if (inner.type === "assignment") return [this.assignment(inner, scope)];
        if (inner.type === "augmented_assignment") {
          const op = BINARY[inner.childForFieldName("operator")!.text.slice(0, -1)];
          const target = this.pattern(inner.childForFieldName("left")!, scope);
          if (!op) return [{ kind: "unsupported", what: `the operator '${inner.childForFieldName("operator")!.text}'`, span }];
          return [{ kind: "augassign", target, op, value: this.expr(inner.childForFieldName("right")!, scope), span }];
        }
        if (node.namedChildCount > 1) return [{ kind: "expr", value: { kind: "tuple", items: node.namedChildren.map((c) => this.expr(c, scope)), span }, span }];
        return [{ kind: "expr", value: this.expr(inner, scope), span }];
      }
      case "return_statement": {
        const value = node.namedChild(0);
        return [{ kind: "return", value: value ? this.expr(value, scope) : undefined, span }];
      }
      case "pass_statement":
        return [{ kind: "pass", span }];
      case "break_statement":
        return [{ kind: "break", span }];
      case "continue_statement":
        return [{ kind: "continue", span }];
      case "if_statement":
        return [this.ifStatement(node, scope)];
      case "for_statement": {
        const alt = node.childForFieldName("alternative");
        return [{
          kind: "for",
          target: this.pattern(node.childForFieldName("left")!, scope),
          iter: this.expr(node.childForFieldName("right")!, scope),
          body: this.block(node.childForFieldName("body")!, scope),
          orelse: alt ? this.block(alt.childForFieldName("body")!, scope) : [],
          span,
        }];
      }
      case "while_statement": {
        const alt = node.childForFieldName("alternative");
        return [{
          kind: "while",
          test: this.expr(node.childForFieldName("condition")!, scope),
          body: this.block(node.childForFieldName("body")!, scope),
          orelse: alt ? this.block(alt.childForFieldName("body")!, scope) : [],
          span,
        }];
      }
      case "assert_statement": {
        const [test, message] = node.namedChildren.filter((c) => c.type !== "comment");
        return [{ kind: "assert", test: this.expr(test, scope), message: message ? this.expr(message, scope) : undefined, span }];
      }
      case "raise_statement": {
        const value = node.namedChild(0);
        return [{ kind: "raise", value: value ? this.expr(value, scope) : undefined, span }];
      }
      case "delete_statement":
        return [{ kind: "del", targets: node.namedChildren.map((c) => this.expr(c, scope)), span }];
      case "function_definition":
        return [{ kind: "def", fn: this.function(node, [], scope, classBody), span }];
      case "decorated_definition": {
        const def = node.childForFieldName("definition")!;
        const decorators = node.namedChildren.filter((d) => d.type === "decorator");
        if (def.type === "function_definition") return [{ kind: "def", fn: this.function(def, decorators, scope, classBody), span }];
        return [{ kind: "unsupported", what: "a decorated class here", span }];
      }
      case "with_statement": {
        const items = node.descendantsOfType("with_item").map((w) => this.expr(w.namedChild(0)!, scope));
        return [{ kind: "with", items, body: this.block(node.childForFieldName("body")!, scope), span }];
      }
      case "global_statement":
      case "nonlocal_statement":
        return [{ kind: "unsupported", what: `a '${node.child(0)!.text}' statement`, span }];
      case "import_statement":
      case "import_from_statement":
        return [{ kind: "unsupported", what: "an import inside a function", span }];
      default:
        return [{ kind: "unsupported", what: `the statement '${firstLine(node)}'`, span }];
    }
  }

  private block(node: Node, scope: Scope | undefined): Stmt[] {
    return node.namedChildren.flatMap((s) => this.statement(s, scope));
  }

  private ifStatement(node: Node, scope: Scope | undefined): Stmt {
    const test = this.expr(node.childForFieldName("condition")!, scope);
    const body = this.block(node.childForFieldName("consequence")!, scope);
    // elif clauses nest as else-if chains.
    const alternatives = node.namedChildren.filter((c) => c.type === "elif_clause" || c.type === "else_clause");
    const chain = (i: number): Stmt[] => {
      const alt = alternatives[i];
      if (!alt) return [];
      if (alt.type === "else_clause") return this.block(alt.childForFieldName("body")!, scope);
      return [{
        kind: "if",
        test: this.expr(alt.childForFieldName("condition")!, scope),
        body: this.block(alt.childForFieldName("consequence")!, scope),
        orelse: chain(i + 1),
        span: spanOf(alt),
      }];
    };
    return { kind: "if", test, body, orelse: chain(0), span: spanOf(node) };
  }

  private assignment(node: Node, scope: Scope | undefined): Stmt {
    const span = spanOf(node);
    const targets: Pattern[] = [];
    let cur: Node = node;
    // `a = b = value` nests assignments on the right.
    while (cur.type === "assignment" && cur.childForFieldName("right")?.type === "assignment") {
      targets.push(this.pattern(cur.childForFieldName("left")!, scope));
      cur = cur.childForFieldName("right")!;
    }
    const type = cur.childForFieldName("type");
    const annotation = type ? this.annotation(type.namedChild(0) ?? type, scope) : undefined;
    const right = cur.childForFieldName("right");
    const left = cur.childForFieldName("left")!;
    if (!right) {
      if (left.type === "identifier" && annotation) return { kind: "declare", target: left.text, annotation, span };
      return { kind: "unsupported", what: "an annotation of anything but a name", span };
    }
    targets.push(this.pattern(left, scope));
    return { kind: "assign", targets, value: this.expr(right, scope), annotation, span };
  }

  pattern(node: Node, scope: Scope | undefined): Pattern {
    const span = spanOf(node);
    switch (node.type) {
      case "identifier":
        return { kind: "name", id: node.text, span };
      case "pattern_list":
      case "tuple_pattern":
      case "list_pattern":
      case "expression_list":
      case "tuple":
      case "list":
        return { kind: "tuple", items: node.namedChildren.filter((c) => c.type !== "comment").map((c) => this.pattern(c, scope)), span };
      case "parenthesized_expression":
        return this.pattern(node.namedChild(0)!, scope);
      case "list_splat_pattern":
      case "list_splat":
        return { kind: "starred", target: this.pattern(node.namedChild(0)!, scope), span };
      case "attribute":
        return { kind: "attr", object: this.expr(node.childForFieldName("object")!, scope), attr: node.childForFieldName("attribute")!.text, span };
      case "subscript":
        return { kind: "index", object: this.expr(node.childForFieldName("value")!, scope), index: this.subscriptIndex(node, scope), span };
      default:
        return { kind: "name", id: `<${node.type}>`, span };
    }
  }

  /** An annotation: with `from __future__ import annotations` Python never evaluates it, so no name in it is a NameError. */
  private annotation(node: Node, scope: Scope | undefined): Expr {
    const e = this.expr(node, scope);
    if (this.imports.qualified("annotations") !== "__future__.annotations") return e;
    for (const x of subexpressions(e)) if (x.kind === "builtin") delete x.undefined;
    return e;
  }

  private resolve(name: string, scope: Scope | undefined, span: Expr["span"]): Expr {
    for (let s = scope; s; s = s.parent) {
      if (s.self === name) return { kind: "self", span };
      if (s.locals.has(name)) return { kind: "name", id: name, span };
    }
    if (this.topNames.has(name)) return { kind: "file", name, span };
    const imported = this.imports.qualified(name);
    if (imported !== undefined) return { kind: "global", name: imported, span };
    if (!PYTHON_BUILTINS.has(name) && !this.imports.wildcard && !this.boundAtTop.has(name)) return { kind: "builtin", name, span, undefined: true };
    return { kind: "builtin", name, span };
  }

  expr(node: Node, scope: Scope | undefined): Expr {
    const span = spanOf(node);
    switch (node.type) {
      case "identifier":
        return this.resolve(node.text, scope, span);
      case "integer": {
        const value = parseInteger(node.text);
        return value === undefined ? { kind: "unsupported", what: `the number ${node.text}`, span } : { kind: "int", value, span };
      }
      case "float":
        if (/j$/i.test(node.text)) return { kind: "unsupported", what: "complex numbers", span };
        return { kind: "float", value: Number(node.text.replace(/_/g, "")), span };
      case "true":
      case "false":
        return { kind: "bool", value: node.type === "true", span };
      case "none":
        return { kind: "none", span };
      case "ellipsis":
        return { kind: "ellipsis", span };
      case "string":
        return this.string(node, scope);
      case "concatenated_string": {
        const parts = node.namedChildren.filter((c) => c.type === "string").map((s) => this.string(s, scope));
        if (parts.every((p) => p.kind === "str")) return { kind: "str", value: parts.map((p) => (p as { value: string }).value).join(""), span };
        const fparts: Array<string | { value: Expr; format?: string; conversion?: string }> = [];
        for (const p of parts) {
          if (p.kind === "str") fparts.push(p.value);
          else if (p.kind === "fstring") fparts.push(...p.parts);
          else return p;
        }
        return { kind: "fstring", parts: fparts, span };
      }
      case "parenthesized_expression":
        return this.expr(node.namedChild(0)!, scope);
      case "tuple":
      case "expression_list":
        return { kind: "tuple", items: this.items(node, scope), span };
      case "list":
        return { kind: "list", items: this.items(node, scope), span };
      case "set":
        return { kind: "set", items: this.items(node, scope), span };
      case "dictionary": {
        const entries: DictEntry[] = [];
        for (const c of node.namedChildren) {
          if (c.type === "pair") entries.push({ key: this.expr(c.childForFieldName("key")!, scope), value: this.expr(c.childForFieldName("value")!, scope) });
          else if (c.type === "dictionary_splat") entries.push({ value: this.expr(c.namedChild(0)!, scope) });
        }
        return { kind: "dict", entries, span };
      }
      case "attribute":
        return { kind: "attr", object: this.expr(node.childForFieldName("object")!, scope), attr: node.childForFieldName("attribute")!.text, span };
      case "subscript":
        return { kind: "index", object: this.expr(node.childForFieldName("value")!, scope), index: this.subscriptIndex(node, scope), span };
      case "slice":
        return this.slice(node, scope);
      case "call":
        return this.call(node, scope);
      case "unary_operator": {
        const op = node.childForFieldName("operator")?.text ?? node.child(0)!.text;
        const operand = this.expr(node.childForFieldName("argument")!, scope);
        if (op === "-" && (operand.kind === "int" || operand.kind === "float")) return { ...operand, value: -operand.value, span };
        return { kind: "unary", op: op === "~" ? "~" : op === "+" ? "+" : "-", operand, span };
      }
      case "not_operator":
        return { kind: "unary", op: "not", operand: this.expr(node.childForFieldName("argument")!, scope), span };
      case "binary_operator": {
        const opText = node.childForFieldName("operator")!.text;
        const op = BINARY[opText];
        if (!op) return { kind: "unsupported", what: `the operator '${opText}'`, span };
        return { kind: "binary", op, left: this.expr(node.childForFieldName("left")!, scope), right: this.expr(node.childForFieldName("right")!, scope), span };
      }
      case "boolean_operator": {
        const op = node.childForFieldName("operator")!.text as "and" | "or";
        const left = this.expr(node.childForFieldName("left")!, scope);
        const right = this.expr(node.childForFieldName("right")!, scope);
        // Flatten `a and b and c`.
        const values = [left, right].flatMap((v) => (v.kind === "boolop" && v.op === op && v.span === span ? v.values : [v]));
        return { kind: "boolop", op, values, span };
      }
      case "comparison_operator":
        return this.comparison(node, scope);
      case "conditional_expression": {
        const [then, test, otherwise] = node.namedChildren.filter((c) => c.type !== "comment");
        return { kind: "conditional", test: this.expr(test, scope), then: this.expr(then, scope), else: this.expr(otherwise, scope), span };
      }
      case "lambda": {
        const paramsNode = node.childForFieldName("parameters");
        const params = paramsNode ? this.params(paramsNode, scope) : [];
        const inner: Scope = { locals: new Set(params.map((p) => p.name)), parent: scope };
        return { kind: "lambda", params, body: this.expr(node.childForFieldName("body")!, inner), span };
      }
      case "list_comprehension":
      case "set_comprehension":
      case "generator_expression":
        return this.comprehension(node, scope);
      case "dictionary_comprehension":
        return this.comprehension(node, scope);
      case "list_splat":
        return { kind: "starred", value: this.expr(node.namedChild(0)!, scope), span };
      case "named_expression":
        return { kind: "walrus", target: node.childForFieldName("name")!.text, value: this.expr(node.childForFieldName("value")!, scope), span };
      case "keyword_argument":
        return { kind: "unsupported", what: "a keyword argument here", span };
      case "type":
        return this.expr(node.namedChild(0)!, scope);
      case "generic_type": {
        // `Sequence[int]`, `Callable[..., Any]` in annotations: read as the subscript they spell.
        const [base, params] = node.namedChildren.filter((c) => c.type !== "comment");
        const items = (params?.namedChildren ?? []).filter((c) => c.type !== "comment").map((c) => this.expr(c, scope));
        const index: Expr = items.length === 1 ? items[0] : { kind: "tuple", items, span: params ? spanOf(params) : span };
        return { kind: "index", object: this.expr(base, scope), index, span };
      }
      default:
        return { kind: "unsupported", what: `the expression '${firstLine(node)}'`, span };
    }
  }

  private items(node: Node, scope: Scope | undefined): Expr[] {
    return node.namedChildren.filter((c) => c.type !== "comment").map((c) => this.expr(c, scope));
  }

  /** `x[a]`, `x[a, b]` (a tuple index), `x[a:b]`. */
  private subscriptIndex(node: Node, scope: Scope | undefined): Expr {
    const parts: Node[] = [];
    for (let i = 0; i < node.childCount; i++) if (node.fieldNameForChild(i) === "subscript") parts.push(node.child(i)!);
    if (parts.length === 1) return this.expr(parts[0], scope);
    return { kind: "tuple", items: parts.map((p) => this.expr(p, scope)), span: spanOf(node) };
  }

  private slice(node: Node, scope: Scope | undefined): Expr {
    // tree-sitter gives `slice` children in order with ':' tokens between.
    const parts: Array<Node | undefined> = [undefined];
    for (const c of node.children) {
      if (c.type === ":") parts.push(undefined);
      else if (c.isNamed && c.type !== "comment") parts[parts.length - 1] = c;
    }
    const [start, stop, step] = parts.map((p) => (p ? this.expr(p, scope) : undefined));
    return { kind: "slice", start, stop, step, span: spanOf(node) };
  }

  private call(node: Node, scope: Scope | undefined): Expr {
    const span = spanOf(node);
    const fn = this.expr(node.childForFieldName("function")!, scope);
    const argsNode = node.childForFieldName("arguments")!;
    const args: Arg[] = [];
    if (argsNode.type === "generator_expression") {
      args.push({ value: this.comprehension(argsNode, scope) });
      return { kind: "call", fn, args, span };
    }
    for (const a of argsNode.namedChildren) {
      if (a.type === "comment") continue;
      if (a.type === "keyword_argument") args.push({ name: a.childForFieldName("name")!.text, value: this.expr(a.childForFieldName("value")!, scope) });
      else if (a.type === "list_splat") args.push({ star: "*", value: this.expr(a.namedChild(0)!, scope) });
      else if (a.type === "dictionary_splat") args.push({ star: "**", value: this.expr(a.namedChild(0)!, scope) });
      else args.push({ value: this.expr(a, scope) });
    }
    return { kind: "call", fn, args, span };
  }

  private comparison(node: Node, scope: Scope | undefined): Expr {
    const operands: Expr[] = [];
    const ops: CompareOp[] = [];
    let pending = "";
    for (const c of node.children) {
      if (c.isNamed && c.type !== "comment") {
        if (pending) {
          ops.push(pending.trim() as CompareOp);
          pending = "";
        }
        operands.push(this.expr(c, scope));
      } else if (!c.isNamed) {
        pending += ` ${c.type}`;
      }
    }
    const normalized = ops.map((o) => o.replace(/\s+/g, " ") as CompareOp);
    return { kind: "compare", ops: normalized, operands, span: spanOf(node) };
  }

  private comprehension(node: Node, scope: Scope | undefined): Expr {
    const span = spanOf(node);
    // Comprehension variables are their own scope.
    const inner: Scope = { locals: new Set(), parent: scope };
    const clausesNodes = node.namedChildren.filter((c) => c.type === "for_in_clause" || c.type === "if_clause");
    for (const c of clausesNodes) if (c.type === "for_in_clause") for (const n of patternNamesOfNode(c.childForFieldName("left")!)) inner.locals.add(n);
    const clauses: Clause[] = [];
    clausesNodes.forEach((c, i) => {
      if (c.type === "for_in_clause") {
        // The first iterable is evaluated in the enclosing scope.
        const iterScope = i === 0 ? scope : inner;
        clauses.push({ kind: "for", target: this.pattern(c.childForFieldName("left")!, inner), iter: this.expr(c.childForFieldName("right")!, iterScope) });
      } else clauses.push({ kind: "if", test: this.expr(c.namedChild(0)!, inner) });
    });
    const body = node.childForFieldName("body")!;
    if (node.type === "dictionary_comprehension") {
      return { kind: "dictcomp", key: this.expr(body.childForFieldName("key")!, inner), value: this.expr(body.childForFieldName("value")!, inner), clauses, span };
    }
    const form = node.type === "list_comprehension" ? "list" : node.type === "set_comprehension" ? "set" : "generator";
    return { kind: "comprehension", form, element: this.expr(body, inner), clauses, span };
  }

  private string(node: Node, scope: Scope | undefined): Expr {
    const span = spanOf(node);
    const start = node.namedChildren.find((c) => c.type === "string_start")?.text ?? node.child(0)?.text ?? "";
    const prefix = start.replace(/["']+$/, "").toLowerCase();
    if (prefix.includes("b")) return { kind: "unsupported", what: "bytes literals", span };
    const raw = prefix.includes("r");
    const parts: Array<string | { value: Expr; format?: string; conversion?: string }> = [];
    let text = "";
    for (const c of node.namedChildren) {
      if (c.type === "string_content") text += raw ? c.text : unescape(c.text);
      else if (c.type === "escape_sequence") text += raw ? c.text : unescape(c.text);
      else if (c.type === "interpolation") {
        if (text) parts.push(text);
        text = "";
        const format = c.childForFieldName("format_specifier");
        const conversion = c.childForFieldName("type_conversion");
        parts.push({
          value: this.expr(c.childForFieldName("expression")!, scope),
          format: format ? format.text.replace(/^:/, "") : undefined,
          conversion: conversion ? conversion.text.replace(/^!/, "") : undefined,
        });
      }
    }
    if (text) parts.push(text);
    if (!prefix.includes("f")) return { kind: "str", value: parts.filter((p) => typeof p === "string").join(""), span };
    return { kind: "fstring", parts, span };
  }
}

/** `class` nodes, possibly decorated. */
function classNode(stmt: Node): { node: Node; decorators: Node[] } | undefined {
  if (stmt.type === "class_definition") return { node: stmt, decorators: [] };
  if (stmt.type === "decorated_definition" && stmt.childForFieldName("definition")?.type === "class_definition") {
    return { node: stmt.childForFieldName("definition")!, decorators: stmt.namedChildren.filter((d) => d.type === "decorator") };
  }
  return undefined;
}

function isDocstring(stmt: Node): boolean {
  return stmt.type === "expression_statement" && stmt.namedChildCount === 1 && (stmt.namedChild(0)!.type === "string" || stmt.namedChild(0)!.type === "concatenated_string");
}

function stringText(node: Node): string {
  if (node.type === "concatenated_string") return node.namedChildren.map(stringText).join("");
  return node.namedChildren.filter((c) => c.type === "string_content" || c.type === "escape_sequence").map((c) => c.text).join("");
}

/**
 * Names a statement binds in the scope it is in. With `deep`, also those bound
 * in nested blocks (if/for/while/with/try bodies), as a function scope sees
 * them; nested defs and classes bind only their own names.
 */
function boundNames(node: Node, deep = false): string[] {
  switch (node.type) {
    case "function_definition":
    case "class_definition":
      return [node.childForFieldName("name")!.text];
    case "decorated_definition":
      return boundNames(node.childForFieldName("definition")!, deep);
    case "expression_statement": {
      const out: string[] = [];
      let inner: Node | null = node.namedChild(0);
      while (inner && (inner.type === "assignment" || inner.type === "augmented_assignment")) {
        out.push(...patternNamesOfNode(inner.childForFieldName("left")!));
        inner = inner.childForFieldName("right");
      }
      // Walrus targets bind in the enclosing function.
      for (const w of node.descendantsOfType("named_expression")) out.push(w.childForFieldName("name")!.text);
      return out;
    }
    case "for_statement":
      return [...patternNamesOfNode(node.childForFieldName("left")!), ...(deep ? blockNames(node) : [])];
    case "import_statement":
    case "import_from_statement":
      return [];
    case "if_statement":
    case "while_statement": {
      // `if (n := f()) > 2:` binds n in the enclosing function.
      const condition = node.childForFieldName("condition");
      const walrus = condition ? condition.descendantsOfType("named_expression").map((w) => w.childForFieldName("name")!.text) : [];
      return [...walrus, ...(deep ? blockNames(node) : [])];
    }
    case "with_statement":
    case "try_statement":
      return deep ? blockNames(node) : [];
    default:
      return [];
  }
}

function blockNames(node: Node): string[] {
  const out: string[] = [];
  for (const c of node.namedChildren) {
    if (c.type === "block") for (const s of c.namedChildren) out.push(...boundNames(s, true));
    else if (["elif_clause", "else_clause", "except_clause", "finally_clause"].includes(c.type)) out.push(...blockNames(c));
    else if (c.type === "with_clause") for (const w of c.descendantsOfType("as_pattern")) {
      const target = w.childForFieldName("alias");
      if (target) out.push(...patternNamesOfNode(target.namedChild(0) ?? target));
    }
  }
  return out;
}

function patternNamesOfNode(node: Node): string[] {
  switch (node.type) {
    case "identifier":
      return [node.text];
    case "pattern_list":
    case "tuple_pattern":
    case "list_pattern":
    case "expression_list":
    case "tuple":
    case "list":
    case "parenthesized_expression":
      return node.namedChildren.flatMap(patternNamesOfNode);
    case "list_splat_pattern":
    case "list_splat":
      return patternNamesOfNode(node.namedChild(0)!);
    default:
      return [];
  }
}

function parseInteger(text: string): number | undefined {
  const t = text.replace(/_/g, "").toLowerCase();
  if (/[lj]$/.test(t)) return undefined;
  const v = t.startsWith("0x") ? parseInt(t.slice(2), 16) : t.startsWith("0o") ? parseInt(t.slice(2), 8) : t.startsWith("0b") ? parseInt(t.slice(2), 2) : Number(t);
  return Number.isSafeInteger(v) ? v : undefined;
}

const ESCAPES: Record<string, string> = { n: "\n", t: "\t", r: "\r", "\\": "\\", "'": "'", '"': '"', "0": "\0", a: "\x07", b: "\b", f: "\f", v: "\v", "\n": "" };

function unescape(s: string): string {
  return s.replace(/\\(x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|U[0-9a-fA-F]{8}|[0-7]{1,3}|.|\n)/g, (m, e: string) => {
    if (e in ESCAPES) return ESCAPES[e];
    if (/^[xuU]/.test(e)) return String.fromCodePoint(parseInt(e.slice(1), 16));
    if (/^[0-7]+$/.test(e)) return String.fromCharCode(parseInt(e, 8));
    return m;
  });
}

export function firstLine(node: Node): string {
  const line = node.text.split("\n")[0];
  return line.length > 60 ? `${line.slice(0, 57)}...` : line;
}
