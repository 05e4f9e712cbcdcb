// The Python IR: a small, total model of the Python that model files are
// written in, lowered from tree-sitter's CST (lower.ts). Names are resolved as
// they are lowered (a local, `self`, a top-level definition of the file, or an
// imported qualified name), so later passes never look at raw identifiers.
// Nothing here knows Haiku, Linen or TypeScript.
import type { Span } from "../span.js";

export type { Span };

export type Expr =
  /** A local variable or parameter of the enclosing function. */
  | { kind: "name"; id: string; span: Span }
  /** `self` (the enclosing method's first parameter). */
  | { kind: "self"; span: Span }
  /** A top-level definition of this file: a class, function or constant. */
  | { kind: "file"; name: string; span: Span }
  /** An imported name, qualified: `jnp.tanh` → `jax.numpy.tanh`; `nn` → `flax.linen`. */
  | { kind: "global"; name: string; span: Span }
  /** A name bound nowhere in the file (a builtin such as `len`, or an error). */
  /** `undefined`: no builtin either (and no `import *` could bind it): Python raises NameError reading it. */
  | { kind: "builtin"; name: string; span: Span; undefined?: boolean }
  | { kind: "int"; value: number; span: Span }
  /** A float literal; `text` keeps `3.0` apart from `3`. */
  | { kind: "float"; value: number; span: Span }
  | { kind: "bool"; value: boolean; span: Span }
  | { kind: "str"; value: string; span: Span }
  | { kind: "none"; span: Span }
  | { kind: "ellipsis"; span: Span }
  | { kind: "tuple"; items: Expr[]; span: Span }
  | { kind: "list"; items: Expr[]; span: Span }
  | { kind: "set"; items: Expr[]; span: Span }
  | { kind: "dict"; entries: DictEntry[]; span: Span }
  | { kind: "attr"; object: Expr; attr: string; span: Span }
  | { kind: "index"; object: Expr; index: Expr; span: Span }
  /** `a:b:c` inside a subscript. */
  | { kind: "slice"; start?: Expr; stop?: Expr; step?: Expr; span: Span }
  | { kind: "call"; fn: Expr; args: Arg[]; span: Span }
  | { kind: "unary"; op: UnaryOp; operand: Expr; span: Span }
  | { kind: "binary"; op: BinaryOp; left: Expr; right: Expr; span: Span }
  /** `a < b <= c`: comparisons chained as Python does. */
  | { kind: "compare"; ops: CompareOp[]; operands: Expr[]; span: Span }
  | { kind: "boolop"; op: "and" | "or"; values: Expr[]; span: Span }
  | { kind: "conditional"; test: Expr; then: Expr; else: Expr; span: Span }
  | { kind: "lambda"; params: Param[]; body: Expr; span: Span }
  | { kind: "comprehension"; form: "list" | "set" | "generator"; element: Expr; clauses: Clause[]; span: Span }
  | { kind: "dictcomp"; key: Expr; value: Expr; clauses: Clause[]; span: Span }
  | { kind: "fstring"; parts: Array<string | { value: Expr; format?: string; conversion?: string }>; span: Span }
  /** `*xs` in a call, list or tuple. */
  | { kind: "starred"; value: Expr; span: Span }
  /** `x := e` */
  | { kind: "walrus"; target: string; value: Expr; span: Span }
  /** Syntax the IR does not model; reported where it is used. */
  | { kind: "unsupported"; what: string; span: Span };

export interface DictEntry {
  /** Undefined for `**other`. */
  key?: Expr;
  value: Expr;
}

export interface Arg {
  /** A keyword argument's name. */
  name?: string;
  /** `*args` or `**kwargs` forwarded. */
  star?: "*" | "**";
  value: Expr;
}

export type Clause = { kind: "for"; target: Pattern; iter: Expr } | { kind: "if"; test: Expr };

export type UnaryOp = "-" | "+" | "not" | "~";
export type BinaryOp = "+" | "-" | "*" | "/" | "//" | "%" | "**" | "@" | "&" | "|" | "^" | "<<" | ">>";
export type CompareOp = "==" | "!=" | "<" | "<=" | ">" | ">=" | "is" | "is not" | "in" | "not in";

/** Assignment and loop targets. */
export type Pattern =
  | { kind: "name"; id: string; span: Span }
  | { kind: "tuple"; items: Pattern[]; span: Span }
  | { kind: "starred"; target: Pattern; span: Span }
  /** `self.x = ...`, `a.b = ...` */
  | { kind: "attr"; object: Expr; attr: string; span: Span }
  /** `a[i] = ...` */
  | { kind: "index"; object: Expr; index: Expr; span: Span };

export interface Param {
  name: string;
  /** `*args`, `**kwargs`, or a keyword-only marker position. */
  star?: "*" | "**";
  keywordOnly?: boolean;
  annotation?: Expr;
  default?: Expr;
  span: Span;
}

export type Stmt =
  | { kind: "expr"; value: Expr; span: Span }
  | { kind: "assign"; targets: Pattern[]; value: Expr; annotation?: Expr; span: Span }
  /** An annotated name without a value (`x: int`). */
  | { kind: "declare"; target: string; annotation: Expr; span: Span }
  | { kind: "augassign"; target: Pattern; op: BinaryOp; value: Expr; span: Span }
  | { kind: "if"; test: Expr; body: Stmt[]; orelse: Stmt[]; span: Span }
  | { kind: "for"; target: Pattern; iter: Expr; body: Stmt[]; orelse: Stmt[]; span: Span }
  | { kind: "while"; test: Expr; body: Stmt[]; orelse: Stmt[]; span: Span }
  | { kind: "return"; value?: Expr; span: Span }
  | { kind: "assert"; test: Expr; message?: Expr; span: Span }
  | { kind: "raise"; value?: Expr; span: Span }
  | { kind: "pass"; span: Span }
  | { kind: "break"; span: Span }
  | { kind: "continue"; span: Span }
  | { kind: "del"; targets: Expr[]; span: Span }
  | { kind: "def"; fn: FunctionDef; span: Span }
  | { kind: "with"; items: Expr[]; body: Stmt[]; span: Span }
  | { kind: "unsupported"; what: string; span: Span };

export interface FunctionDef {
  name: string;
  params: Param[];
  body: Stmt[];
  decorators: Expr[];
  returns?: Expr;
  docstring?: string;
  span: Span;
}

export interface ClassDef {
  name: string;
  bases: Expr[];
  /** Keyword arguments of the class statement (`metaclass=...`). */
  keywords: Arg[];
  decorators: Expr[];
  body: Stmt[];
  docstring?: string;
  span: Span;
}

/** The file's top level: its definitions in order. */
export interface PyModule {
  file: string;
  body: TopStmt[];
}

export type TopStmt = Stmt | { kind: "class"; cls: ClassDef; span: Span } | { kind: "import"; span: Span };

/** The first name in these expressions that Python cannot resolve (a NameError where they are evaluated). */
export function undefinedName(...es: Array<Expr | undefined>): Extract<Expr, { kind: "builtin" }> | undefined {
  for (const e of es) {
    if (!e) continue;
    for (const x of subexpressions(e)) if (x.kind === "builtin" && x.undefined) return x;
  }
  return undefined;
}

/** Every subexpression of `e`, outermost first (not descending into lambdas' or comprehensions' own scopes). */
export function* subexpressions(e: Expr): Generator<Expr> {
  yield e;
  switch (e.kind) {
    case "tuple":
    case "list":
    case "set":
      for (const i of e.items) yield* subexpressions(i);
      break;
    case "dict":
      for (const en of e.entries) {
        if (en.key) yield* subexpressions(en.key);
        yield* subexpressions(en.value);
      }
      break;
    case "attr":
      yield* subexpressions(e.object);
      break;
    case "index":
      yield* subexpressions(e.object);
      yield* subexpressions(e.index);
      break;
    case "slice":
      for (const p of [e.start, e.stop, e.step]) if (p) yield* subexpressions(p);
      break;
    case "call":
      yield* subexpressions(e.fn);
      for (const a of e.args) yield* subexpressions(a.value);
      break;
    case "unary":
      yield* subexpressions(e.operand);
      break;
    case "binary":
      yield* subexpressions(e.left);
      yield* subexpressions(e.right);
      break;
    case "compare":
      for (const o of e.operands) yield* subexpressions(o);
      break;
    case "boolop":
      for (const v of e.values) yield* subexpressions(v);
      break;
    case "conditional":
      yield* subexpressions(e.test);
      yield* subexpressions(e.then);
      yield* subexpressions(e.else);
      break;
    case "lambda":
      yield* subexpressions(e.body);
      break;
    case "comprehension":
      yield* subexpressions(e.element);
      for (const c of e.clauses) yield* subexpressions(c.kind === "for" ? c.iter : c.test);
      break;
    case "dictcomp":
      yield* subexpressions(e.key);
      yield* subexpressions(e.value);
      for (const c of e.clauses) yield* subexpressions(c.kind === "for" ? c.iter : c.test);
      break;
    case "fstring":
      for (const p of e.parts) if (typeof p !== "string") yield* subexpressions(p.value);
      break;
    case "starred":
      yield* subexpressions(e.value);
      break;
    case "walrus":
      yield* subexpressions(e.value);
      break;
  }
}

/** Every statement in `body`, nested ones included (not inside nested defs). */
export function* statementsOf(body: Stmt[]): Generator<Stmt> {
  for (const s of body) {
    yield s;
    if (s.kind === "if" || s.kind === "for" || s.kind === "while") {
      yield* statementsOf(s.body);
      yield* statementsOf(s.orelse);
    } else if (s.kind === "with") yield* statementsOf(s.body);
  }
}

/** Expressions directly held by a statement (not nested statements). */
export function* statementExprs(s: Stmt): Generator<Expr> {
  switch (s.kind) {
    case "expr":
      yield s.value;
      break;
    case "assign":
      yield s.value;
      for (const t of s.targets) yield* patternExprs(t);
      break;
    case "augassign":
      yield s.value;
      yield* patternExprs(s.target);
      break;
    case "if":
    case "while":
      yield s.test;
      break;
    case "for":
      yield s.iter;
      break;
    case "return":
      if (s.value) yield s.value;
      break;
    case "assert":
      yield s.test;
      if (s.message) yield s.message;
      break;
    case "raise":
      if (s.value) yield s.value;
      break;
    case "del":
      yield* s.targets;
      break;
    case "with":
      yield* s.items;
      break;
  }
}

function* patternExprs(p: Pattern): Generator<Expr> {
  if (p.kind === "attr") yield p.object;
  else if (p.kind === "index") {
    yield p.object;
    yield p.index;
  } else if (p.kind === "tuple") for (const i of p.items) yield* patternExprs(i);
  else if (p.kind === "starred") yield* patternExprs(p.target);
}

/** Names a pattern binds. */
export function patternNames(p: Pattern): string[] {
  if (p.kind === "name") return [p.id];
  if (p.kind === "tuple") return p.items.flatMap(patternNames);
  if (p.kind === "starred") return patternNames(p.target);
  return [];
}

/** `a.b.c` as a dotted string when `e` is a chain of attributes on a global, else undefined. */
export function qualifiedName(e: Expr): string | undefined {
  if (e.kind === "global") return e.name;
  if (e.kind === "attr") {
    const head = qualifiedName(e.object);
    return head === undefined ? undefined : `${head}.${e.attr}`;
  }
  return undefined;
}

/** `e` with every subexpression replaced bottom-up by `f` (which returns its argument to keep it). */
export function mapExpr(e: Expr, f: (x: Expr) => Expr): Expr {
  const m = (x: Expr) => mapExpr(x, f);
  const mo = (x: Expr | undefined) => (x ? mapExpr(x, f) : undefined);
  const args = (as: Arg[]) => as.map((a) => ({ ...a, value: m(a.value) }));
  const clauses = (cs: Clause[]) => cs.map((c) => (c.kind === "for" ? { ...c, target: mapPattern(c.target, f), iter: m(c.iter) } : { ...c, test: m(c.test) }));
  let out: Expr;
  switch (e.kind) {
    case "tuple":
    case "list":
    case "set":
      out = { ...e, items: e.items.map(m) };
      break;
    case "dict":
      out = { ...e, entries: e.entries.map((en) => ({ key: mo(en.key), value: m(en.value) })) };
      break;
    case "attr":
      out = { ...e, object: m(e.object) };
      break;
    case "index":
      out = { ...e, object: m(e.object), index: m(e.index) };
      break;
    case "slice":
      out = { ...e, start: mo(e.start), stop: mo(e.stop), step: mo(e.step) };
      break;
    case "call":
      out = { ...e, fn: m(e.fn), args: args(e.args) };
      break;
    case "unary":
      out = { ...e, operand: m(e.operand) };
      break;
    case "binary":
      out = { ...e, left: m(e.left), right: m(e.right) };
      break;
    case "compare":
      out = { ...e, operands: e.operands.map(m) };
      break;
    case "boolop":
      out = { ...e, values: e.values.map(m) };
      break;
    case "conditional":
      out = { ...e, test: m(e.test), then: m(e.then), else: m(e.else) };
      break;
    case "lambda":
      out = { ...e, body: m(e.body) };
      break;
    case "comprehension":
      out = { ...e, element: m(e.element), clauses: clauses(e.clauses) };
      break;
    case "dictcomp":
      out = { ...e, key: m(e.key), value: m(e.value), clauses: clauses(e.clauses) };
      break;
    case "fstring":
      out = { ...e, parts: e.parts.map((p) => (typeof p === "string" ? p : { ...p, value: m(p.value) })) };
      break;
    case "starred":
      out = { ...e, value: m(e.value) };
      break;
    case "walrus":
      out = { ...e, value: m(e.value) };
      break;
    default:
      out = e;
  }
  return f(out);
}

function mapPattern(p: Pattern, f: (x: Expr) => Expr): Pattern {
  switch (p.kind) {
    case "tuple":
      return { ...p, items: p.items.map((i) => mapPattern(i, f)) };
    case "starred":
      return { ...p, target: mapPattern(p.target, f) };
    case "attr":
      return { ...p, object: mapExpr(p.object, f) };
    case "index":
      return { ...p, object: mapExpr(p.object, f), index: mapExpr(p.index, f) };
    default:
      return p;
  }
}

/** Statements with every expression (targets' objects included) mapped by `f`; nested defs too. */
export function mapStmts(body: Stmt[], f: (x: Expr) => Expr): Stmt[] {
  const m = (x: Expr) => mapExpr(x, f);
  return body.map((s): Stmt => {
    switch (s.kind) {
      case "expr":
        return { ...s, value: m(s.value) };
      case "assign":
        return { ...s, targets: s.targets.map((t) => mapPattern(t, f)), value: m(s.value) };
      case "augassign":
        return { ...s, target: mapPattern(s.target, f), value: m(s.value) };
      case "if":
      case "while":
        return { ...s, test: m(s.test), body: mapStmts(s.body, f), orelse: mapStmts(s.orelse, f) };
      case "for":
        return { ...s, target: mapPattern(s.target, f), iter: m(s.iter), body: mapStmts(s.body, f), orelse: mapStmts(s.orelse, f) };
      case "return":
        return { ...s, value: s.value && m(s.value) };
      case "assert":
        return { ...s, test: m(s.test), message: s.message && m(s.message) };
      case "raise":
        return { ...s, value: s.value && m(s.value) };
      case "del":
        return { ...s, targets: s.targets.map(m) };
      case "def":
        return { ...s, fn: { ...s.fn, body: mapStmts(s.fn.body, f) } };
      case "with":
        return { ...s, items: s.items.map(m), body: mapStmts(s.body, f) };
      default:
        return s;
    }
  });
}
