// Lowers Python method bodies to the module model's statements and
// expressions. The Python and JAX parts are shared; anything framework-specific
// (building a layer inline, dropout, submodule calls) goes through the hooks a
// frontend provides.
import type { DiagnosticBag } from "../../diagnostics.js";
import type { BinaryOp, Child, ConfigField, Expr, Method, MethodParam, ModuleDef, Stmt, VariableDef } from "../../ir/model.js";
import type { Span } from "../../ir/span.js";
import type { ImportTable } from "../../parse/imports.js";
import { spanOf, type Node } from "../../parse/parser.js";
import { JAX_OPS } from "./jax-ops.js";
import { OPS } from "../../ir/ops.js";
import { UniqueNames } from "./naming.js";

/** A module under construction, with what method bodies may refer to. */
export class ModuleScope {
  readonly attrs = new UniqueNames();
  /** `self.<attr>` that reads a config field, e.g. self.out → dout. */
  readonly configAttrs = new Map<string, string>();
  /** `self.<attr>` that is a child module. */
  readonly childAttrs = new Map<string, Child>();
  /** The class's own methods, callable as `self.<name>(...)`. */
  readonly methodNames = new Set<string>();

  /**
   * `signatures`: every module's method parameter names (module → method →
   * names, without self), shared by the file's scopes, so keyword arguments
   * to the file's own modules can be put in order.
   */
  constructor(
    readonly def: ModuleDef,
    readonly signatures: Map<string, Map<string, string[]>> = new Map(),
  ) {}

  /** Records this module's methods' parameter names from their `def`s. */
  declareMethods(fns: Node[]): void {
    const methods = new Map<string, string[]>();
    for (const fn of fns) {
      const names = fn.childForFieldName("parameters")!.namedChildren.map(paramName).filter((n): n is string => !!n && n !== "self");
      this.methodNames.add(fn.childForFieldName("name")!.text);
      methods.set(fn.childForFieldName("name")!.text, names);
    }
    this.signatures.set(this.def.name, methods);
  }

  /** Declares a variable the module owns, once per source collection and name. */
  addVariable(preferred: string, v: Omit<VariableDef, "attr">): VariableDef {
    const existing = this.def.variables.find((x) => x.source.collection === v.source.collection && x.source.leaf === v.source.leaf);
    if (existing) return existing;
    const full: VariableDef = { attr: this.attrs.take(preferred), ...v };
    this.def.variables.push(full);
    return full;
  }

  addConfig(field: ConfigField, attr = field.name): void {
    if (!this.def.config.some((f) => f.name === field.name)) this.def.config.push(field);
    this.configAttrs.set(attr, field.name);
  }

  /**
   * Adds a child; its attribute is `preferred` (or `preferred_1`, …), or
   * exactly `selfAttr` when the source binds it to `self.<selfAttr>`.
   */
  addChild(preferred: string, child: Omit<Child, "attr">, selfAttr?: string): Child {
    if (selfAttr) this.attrs.reserve(selfAttr);
    const full: Child = { attr: selfAttr ?? this.attrs.take(preferred), ...child };
    this.def.children.push(full);
    if (selfAttr) this.childAttrs.set(selfAttr, full);
    return full;
  }
}

export interface LoweringHooks {
  /** `name = Ctor(...)` binding a local to a new submodule; true when handled. */
  bindChild?(name: string, ctor: Node, lower: MethodLowering): boolean;
  /** A call of a submodule bound to a local, when the frontend lowers it itself (a lifted scan). */
  callBoundChild?(child: Child, method: string, node: Node, lower: MethodLowering): Expr | undefined;
  /** A statement the frontend lowers itself (`hk.set_state(...)`), or undefined. */
  statement?(node: Node, lower: MethodLowering): Stmt[] | undefined;
  /**
   * A call the frontend recognizes (a layer built and applied inline, dropout,
   * a submodule call); undefined to let the shared rules handle it.
   */
  call(node: Node, lower: MethodLowering): Expr | undefined;
}

const BINARY: Record<string, BinaryOp> = {
  "+": "+", "-": "-", "*": "*", "/": "/", "**": "**", "@": "@",
  "==": "==", "!=": "!=", "<": "<", "<=": "<=", ">": ">", ">=": ">=",
  and: "and", or: "or",
};

/** `x.mean()` is `jnp.mean(x)`. */
const ARRAY_METHODS: Record<string, string> = { mean: "mean", sum: "sum" };

export class MethodLowering {
  private readonly locals = new Set<string>();
  /** Bare names that read config fields: the constructor's own parameters in Haiku's __init__. */
  readonly configNames = new Set<string>();

  constructor(
    readonly scope: ModuleScope,
    readonly imports: ImportTable,
    readonly diags: DiagnosticBag,
    private readonly hooks: LoweringHooks,
  ) {}

  /** Lowers a `def` inside a module class. */
  /** The method being lowered, if any. */
  currentMethod?: string;

  method(fn: Node, name = fn.childForFieldName("name")!.text): Method {
    this.currentMethod = name;
    const params = methodParams(fn, this.diags);
    for (const p of params) this.locals.add(p.name);
    const body = this.block(fn.childForFieldName("body")!);
    return { name, params, body, span: spanOf(fn) };
  }

  block(block: Node): Stmt[] {
    const out: Stmt[] = [];
    for (const stmt of block.namedChildren) {
      if (stmt.type === "comment" || stmt.type === "pass_statement") continue;
      const hooked = this.hooks.statement?.(stmt, this);
      if (hooked) {
        out.push(...hooked);
        continue;
      }
      if (stmt.type === "expression_statement") {
        const inner = stmt.namedChild(0)!;
        if (inner.type === "string") continue; // docstring
        if (inner.type === "assignment" || inner.type === "augmented_assignment") {
          const s = this.assignment(inner);
          if (s) out.push(s);
          continue;
        }
      }
      if (stmt.type === "return_statement") {
        const value = stmt.namedChild(0);
        if (!value) {
          this.unsupported(stmt, "a return without a value");
          continue;
        }
        out.push({ kind: "return", value: this.expr(value), span: spanOf(stmt) });
        continue;
      }
      this.unsupported(stmt, `the statement '${firstLine(stmt)}'`);
    }
    return out;
  }

  private assignment(node: Node): Stmt | undefined {
    const left = node.childForFieldName("left")!;
    const right = node.childForFieldName("right");
    const handle = this.handleOf(left);
    if (handle !== undefined && right) {
      // `counter.value = e` or `counter.value += e` on a variable handle.
      let value = this.expr(right);
      const op = node.type === "augmented_assignment" ? BINARY[node.childForFieldName("operator")!.text.slice(0, -1)] : undefined;
      if (op) value = { kind: "binary", op, left: { kind: "var", name: handle, span: spanOf(left) }, right: value, span: spanOf(node) };
      return { kind: "setVar", name: handle, value, span: spanOf(node) };
    }
    if ((left.type === "pattern_list" || left.type === "tuple_pattern") && right && node.type === "assignment") {
      const targets = left.namedChildren.map((t) => (t.type === "identifier" ? t.text : undefined));
      if (targets.every((t) => t !== undefined)) {
        const value = this.expr(right);
        for (const t of targets) this.locals.add(t!);
        return { kind: "unpack", targets: targets as string[], value, span: spanOf(node) };
      }
    }
    if (left.type === "identifier" && right?.type === "call" && node.type === "assignment" && this.hooks.bindChild?.(left.text, right, this)) {
      return undefined; // a local that names a submodule, e.g. `cell = RNNCell(n)`
    }
    if (left.type !== "identifier" || !right || node.childForFieldName("type") || node.type !== "assignment") {
      this.unsupported(node, "an assignment to anything but a single local name");
      return undefined;
    }
    const value = this.expr(right);
    this.locals.add(left.text);
    return { kind: "assign", target: left.text, value, span: spanOf(node) };
  }

  expr(node: Node): Expr {
    const span = spanOf(node);
    switch (node.type) {
      case "parenthesized_expression":
        return this.expr(node.namedChild(0)!);
      case "identifier":
        if (this.aliases.has(node.text)) return this.aliases.get(node.text)!;
        if (this.configNames.has(node.text) && !this.locals.has(node.text)) return { kind: "config", field: node.text, span };
        if (!this.locals.has(node.text)) {
          this.diags.error("NNX202", `'${node.text}' is not a parameter or local of this method`, span);
        }
        return { kind: "name", id: node.text, span };
      case "integer":
        return { kind: "number", value: Number(node.text.replace(/_/g, "")), isInt: true, span };
      case "float":
        return { kind: "number", value: Number(node.text.replace(/_/g, "")), isInt: false, span };
      case "true":
      case "false":
        return { kind: "bool", value: node.type === "true", span };
      case "string":
        return { kind: "string", value: stringValue(node), span };
      case "not_operator":
        return { kind: "unary", op: "not", operand: this.expr(node.childForFieldName("argument")!), span };
      case "unary_operator": {
        const op = node.child(0)!.text;
        const operand = this.expr(node.childForFieldName("argument")!);
        if (op === "+") return operand;
        if (op === "-") return { kind: "unary", op: "-", operand, span };
        break;
      }
      case "binary_operator":
      case "boolean_operator":
      case "comparison_operator": {
        const op = BINARY[node.childForFieldName("operator")?.text ?? node.child(1)!.text];
        if (op && node.namedChildCount === 2) {
          return { kind: "binary", op, left: this.expr(node.namedChild(0)!), right: this.expr(node.namedChild(1)!), span };
        }
        break;
      }
      case "tuple":
      case "list":
      case "expression_list":
        return { kind: "tuple", items: node.namedChildren.filter((c) => c.type !== "comment").map((c) => this.expr(c)), span };
      case "subscript": {
        // `x.shape[i]`
        const value = node.childForFieldName("value")!;
        const index = node.childForFieldName("subscript");
        if (value.type === "attribute" && value.childForFieldName("attribute")!.text === "shape" && index?.type === "integer") {
          return { kind: "dim", array: this.expr(value.childForFieldName("object")!), axis: Number(index.text), span };
        }
        break;
      }
      case "conditional_expression": {
        const [then, test, otherwise] = node.namedChildren;
        return { kind: "conditional", test: this.expr(test), then: this.expr(then), else: this.expr(otherwise), span };
      }
      case "attribute": {
        const handle = this.handleOf(node);
        if (handle !== undefined) return { kind: "var", name: handle, span };
        const field = this.selfAttr(node);
        if (field !== undefined) {
          const config = this.scope.configAttrs.get(field);
          if (config) return { kind: "config", field: config, span };
        }
        break;
      }
      case "call":
        return this.call(node);
    }
    return this.unsupported(node, `the expression '${firstLine(node)}'`);
  }

  private call(node: Node): Expr {
    const span = spanOf(node);
    const recognized = this.hooks.call(node, this);
    if (recognized) return recognized;

    const fn = node.childForFieldName("function")!;
    const op = JAX_OPS[this.imports.resolve(fn) ?? ""] ?? this.frontendOp(fn);
    if (op) return this.opCall(op, node);

    // A local naming a submodule: `cell(x)`, `cell.initial_state(n)`.
    const local = fn.type === "identifier" ? fn.text : fn.type === "attribute" && fn.childForFieldName("object")!.type === "identifier" ? fn.childForFieldName("object")!.text : undefined;
    const bound = local !== undefined ? this.childLocals.get(local) : undefined;
    if (bound) {
      const method = fn.type === "attribute" ? fn.childForFieldName("attribute")!.text : "__call__";
      const scanned = this.hooks.callBoundChild?.(bound, method, node, this);
      if (scanned) return scanned;
      return { kind: "callChild", child: bound.attr, method, args: this.callArgs(node, bound, method), span };
    }

    // self.child(args) or self.child.method(args)
    const attr = this.selfAttr(fn);
    const child = attr !== undefined ? this.scope.childAttrs.get(attr) : undefined;
    if (child) return { kind: "callChild", child: child.attr, method: "__call__", args: this.callArgs(node, child, "__call__"), span };
    if (attr !== undefined && this.scope.methodNames.has(attr)) {
      return { kind: "callSelf", method: attr, args: this.callArgs(node, this.scope.def.name, attr), span };
    }
    if (fn.type === "attribute") {
      const owner = this.selfAttr(fn.childForFieldName("object")!);
      const ownerChild = owner !== undefined ? this.scope.childAttrs.get(owner) : undefined;
      if (ownerChild) {
        const method = fn.childForFieldName("attribute")!.text;
        return { kind: "callChild", child: ownerChild.attr, method, args: this.callArgs(node, ownerChild, method), span };
      }
    }
    // Array methods that are jax.numpy functions: `loss.mean()`.
    const arrayMethod = fn.type === "attribute" ? ARRAY_METHODS[fn.childForFieldName("attribute")!.text] : undefined;
    if (arrayMethod) {
      const opCall = this.opCall(arrayMethod, node);
      if (opCall.kind === "op") return { ...opCall, args: [this.expr(fn.childForFieldName("object")!), ...opCall.args] };
    }
    return this.unsupported(node, `the call '${firstLine(fn)}(...)'`);
  }

  /** Names that stand for an expression while lowering an inlined function body (its parameters). */
  readonly aliases = new Map<string, Expr>();

  /** Locals bound to submodules built in the method (`cell = RNNCell(n)`). */
  readonly childLocals = new Map<string, Child>();

  /** A neutral op: positional arguments, and the keyword attributes it takes (`axis=-1`). */
  private opCall(op: string, node: Node): Expr {
    const { positional, keywords } = callArguments(node);
    const accepted = OPS[op]?.attrs ?? [];
    const names = OPS[op]?.names ?? [];
    const attrs: Record<string, Expr> = {};
    const byName: Node[] = [...positional];
    for (const [k, v] of Object.entries(keywords)) {
      const at = names.indexOf(k);
      if (at >= positional.length) byName[at] = v;
      else if (accepted.includes(k)) attrs[k] = this.expr(v);
      else this.unsupported(v.parent ?? v, `the keyword argument '${k}=' here`);
    }
    if (Array.from(byName).some((a) => !a)) return this.unsupported(node, `leaving out an argument of '${firstLine(node.childForFieldName("function")!)}' before one given by keyword`);
    const args = byName.map((a) => this.expr(a));
    return Object.keys(attrs).length ? { kind: "op", op, args, attrs, span: spanOf(node) } : { kind: "op", op, args, span: spanOf(node) };
  }

  /** Frontends may add their own op spellings (Linen re-exports jax.nn as nn.relu). */
  frontendOp: (fn: Node) => string | undefined = () => undefined;

  /**
   * Arguments of a call of one of the file's modules, keyword arguments put in
   * their parameters' places; as positionalArgs for anything else.
   */
  callArgs(call: Node, callee: Child | string, method: string): Expr[] {
    const module = typeof callee === "string" ? callee : callee.ctor.kind === "module" ? callee.ctor.module : undefined;
    const params = module !== undefined ? this.scope.signatures.get(module)?.get(method) : undefined;
    const { positional, keywords } = callArguments(call);
    if (!params || Object.keys(keywords).length === 0) return this.positionalArgs(call);
    const bound: (Node | undefined)[] = params.map((p, i) => keywords[p] ?? positional[i]);
    for (const k of Object.keys(keywords)) {
      if (!params.includes(k)) this.diags.error("NNX204", `${module}.${method} has no parameter '${k}'`, spanOf(keywords[k]));
    }
    const last = bound.reduce((n, b, i) => (b ? i + 1 : n), 0);
    const args: Expr[] = [];
    for (let i = 0; i < last; i++) {
      if (!bound[i]) {
        this.unsupported(call, `leaving out '${params[i]}' before an argument given by keyword`);
        continue;
      }
      args.push(this.expr(bound[i]!));
    }
    return args;
  }

  /** Positional arguments; keyword arguments are reported as unsupported. */
  positionalArgs(call: Node): Expr[] {
    const { positional, keywords } = callArguments(call);
    for (const [name, value] of Object.entries(keywords)) {
      this.unsupported(value.parent ?? value, `the keyword argument '${name}=' here`);
    }
    return positional.map((a) => this.expr(a));
  }

  /** `h.value` where `h` is a local bound to one of the module's variables → that variable. */
  handleOf(node: Node): string | undefined {
    if (node.type !== "attribute" || node.childForFieldName("attribute")!.text !== "value") return undefined;
    const object = node.childForFieldName("object")!;
    return object.type === "identifier" ? this.handles.get(object.text) : undefined;
  }

  /** Locals bound to a variable itself rather than its value (Linen's `self.variable(...)`). */
  readonly handles = new Map<string, string>();

  span(node: Node): Span {
    return spanOf(node);
  }

  /** Marks a name as a local of the method (bound by a frontend's own statement). */
  declareLocal(name: string): void {
    this.locals.add(name);
  }

  /** `self.<name>` → name; anything else → undefined. */
  selfAttr(node: Node): string | undefined {
    if (node.type !== "attribute") return undefined;
    const object = node.childForFieldName("object")!;
    return object.type === "identifier" && object.text === "self" ? node.childForFieldName("attribute")!.text : undefined;
  }

  unsupported(node: Node, what: string): Expr {
    return unsupported(this.diags, node, what);
  }
}

/** Reports NNX201 and returns a placeholder so lowering can report more than one problem. */
export function unsupported(diags: DiagnosticBag, node: Node, what: string): Expr {
  diags.error("NNX201", `unsupported construct: ${what}`, spanOf(node));
  return { kind: "bool", value: false, span: spanOf(node) };
}

export interface CallArguments {
  positional: Node[];
  keywords: Record<string, Node>;
}

export function callArguments(call: Node): CallArguments {
  const out: CallArguments = { positional: [], keywords: {} };
  const args = call.childForFieldName("arguments");
  for (const a of args?.namedChildren ?? []) {
    if (a.type === "comment") continue;
    if (a.type === "keyword_argument") {
      out.keywords[a.childForFieldName("name")!.text] = a.childForFieldName("value")!;
    } else {
      out.positional.push(a);
    }
  }
  return out;
}

/** Parameters of a method, without `self`; annotations and defaults are read elsewhere. */
export function methodParams(fn: Node, diags: DiagnosticBag): MethodParam[] {
  const params: MethodParam[] = [];
  for (const p of fn.childForFieldName("parameters")!.namedChildren) {
    const name = paramName(p);
    if (name === undefined) {
      unsupported(diags, p, `the parameter '${p.text}'`);
      continue;
    }
    if (name !== "self") params.push({ name, span: spanOf(p) });
  }
  return params;
}

export function paramName(p: Node): string | undefined {
  if (p.type === "identifier") return p.text;
  if (p.type === "typed_parameter") return p.namedChild(0)?.type === "identifier" ? p.namedChild(0)!.text : undefined;
  if (p.type === "default_parameter" || p.type === "typed_default_parameter") return p.childForFieldName("name")?.text;
  return undefined;
}

export function paramDefault(p: Node): Node | undefined {
  return p.childForFieldName("value") ?? undefined;
}

export function stringValue(node: Node): string {
  const content = node.namedChildren.find((c) => c.type === "string_content");
  return content?.text ?? "";
}

export function firstLine(node: Node): string {
  const line = node.text.split("\n")[0];
  return line.length > 60 ? `${line.slice(0, 57)}...` : line;
}

