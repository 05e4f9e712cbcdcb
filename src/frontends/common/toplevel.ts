// What a frontend needs from a file's top level: its classes, functions and
// assignments, the `.init(...)` call that names the model's entry point, and
// the sample inputs that call passes.
import type { DiagnosticBag } from "../../diagnostics.js";
import type { ConfigField, Expr, ModuleDef, SampleInput, ScalarType } from "../../ir/model.js";
import type { ImportTable } from "../../parse/imports.js";
import { spanOf, type Node, type SourceFile } from "../../parse/parser.js";
import { matches } from "../../parse/queries.js";
import { callArguments, stringValue, unsupported } from "./lower.js";

export interface ClassInfo {
  name: string;
  node: Node;
  bases: Node[];
  body: Node;
}

export interface InitCall {
  /** The name `.init` is called on (`model` in `model.init(key, x)`). */
  receiver: string;
  call: Node;
}

export class TopLevel {
  readonly classes = new Map<string, ClassInfo>();
  readonly functions = new Map<string, Node>();
  readonly assignments = new Map<string, Node>();
  readonly initCalls: InitCall[] = [];
  /** Top-level functions the translation accounts for (the model's function, training steps, losses). */
  private readonly used = new Set<string>();

  constructor(readonly source: SourceFile, readonly imports: ImportTable) {
    for (const m of matches("definitions", source.root)) {
      if (m.class) {
        const bases = m["class.bases"].namedChildren.filter((b) => b.type !== "comment");
        this.classes.set(m["class.name"].text, { name: m["class.name"].text, node: m.class, bases, body: m["class.body"] });
      } else if (m.function) {
        this.functions.set(m["function.name"].text, m.function);
      } else if (m.assign && m["assign.target"].type === "identifier") {
        this.assignments.set(m["assign.target"].text, m["assign.value"]);
      }
    }
    this.findInitCalls(source.root);
  }

  private findInitCalls(node: Node): void {
    if (node.type === "call") {
      const fn = node.childForFieldName("function")!;
      if (fn.type === "attribute" && fn.childForFieldName("attribute")!.text === "init") {
        const object = fn.childForFieldName("object")!;
        if (object.type === "identifier") this.initCalls.push({ receiver: object.text, call: node });
      }
    }
    for (const child of node.namedChildren) this.findInitCalls(child);
  }

  /** Marks a top-level function as part of what is translated. */
  use(name: string): void {
    this.used.add(name);
  }

  /** Says which top-level functions are not translated, so none is dropped silently. */
  warnUntranslated(diags: DiagnosticBag): void {
    for (const [name, fn] of this.functions) {
      if (this.used.has(name)) continue;
      diags.warning("NNX210", `the function '${name}' is not translated: nnxport translates the model and its training steps`, spanOf(fn.childForFieldName("name")!));
    }
  }

  /** Classes whose base resolves to one of `qualifiedBases`. */
  classesDerivedFrom(qualifiedBases: string[]): ClassInfo[] {
    return [...this.classes.values()].filter((c) =>
      c.bases.some((b) => qualifiedBases.includes(this.imports.resolve(b) ?? "")),
    );
  }

  /** Follows a top-level name to the expression assigned to it. */
  definition(node: Node): Node {
    const seen = new Set<string>();
    while (node.type === "identifier" && this.assignments.has(node.text) && !seen.has(node.text)) {
      seen.add(node.text);
      node = this.assignments.get(node.text)!;
    }
    return node;
  }

  /**
   * The shape and dtype of a sample input such as `jnp.ones((1, 784))` or
   * `jax.random.normal(key, (8, 28, 28, 1))`, following names to their
   * assignments; undefined when it is not one of those forms.
   */
  sampleInput(name: string, node: Node): SampleInput | undefined {
    const value = this.definition(node);
    if (value.type !== "call") return undefined;
    const fn = this.imports.resolve(value.childForFieldName("function")!) ?? "";
    const shapeArg = SHAPE_ARGUMENT[fn];
    if (shapeArg === undefined) return undefined;
    const args = callArguments(value);
    const shapeNode = args.keywords.shape ?? args.positional[shapeArg];
    const shape = shapeNode && intTuple(this.definition(shapeNode));
    if (!shape) return undefined;
    const dtype = args.keywords.dtype && /int/.test(args.keywords.dtype.text) ? "int32" : "float32";
    const fill = fn.endsWith(".ones") ? "ones" : fn.endsWith(".zeros") ? "zeros" : undefined;
    return fill ? { name, shape, dtype, fill } : { name, shape, dtype };
  }
}

/** Array constructors whose shape gives a sample input's shape, and where the shape is. */
const SHAPE_ARGUMENT: Record<string, number> = {
  "jax.numpy.ones": 0,
  "jax.numpy.zeros": 0,
  "jax.numpy.empty": 0,
  "numpy.ones": 0,
  "numpy.zeros": 0,
  "jax.random.normal": 1,
  "jax.random.uniform": 1,
};

export function intTuple(node: Node): number[] | undefined {
  if (node.type === "integer") return [Number(node.text)];
  if (node.type !== "tuple" && node.type !== "list") return undefined;
  const items = node.namedChildren.filter((c) => c.type !== "comment");
  if (!items.every((c) => c.type === "integer")) return undefined;
  return items.map((c) => Number(c.text));
}

const SCALAR_TYPES: Record<string, ScalarType> = { int: "int", float: "float", bool: "bool", str: "str" };

/** A config field from a parameter or dataclass field with an optional annotation and default. */
export function configField(
  name: string,
  annotation: Node | undefined,
  defaultValue: Node | undefined,
  at: Node,
  diags: DiagnosticBag,
): ConfigField {
  const typeText = annotation?.text;
  let type = typeText ? SCALAR_TYPES[typeText] : undefined;
  if (typeText && !type) {
    unsupported(diags, annotation!, `the field type '${typeText}' (int, float, bool and str are supported)`);
  }
  const def = defaultValue ? literal(defaultValue, diags) : undefined;
  if (!type) type = def?.kind === "bool" ? "bool" : def?.kind === "number" ? (def.isInt ? "int" : "float") : def?.kind === "string" ? "str" : "int";
  return { name, type, default: def, span: spanOf(at) };
}

/** A literal default value: numbers, booleans, strings, negative numbers. */
export function literal(node: Node, diags: DiagnosticBag): Expr | undefined {
  const span = spanOf(node);
  switch (node.type) {
    case "integer":
      return { kind: "number", value: Number(node.text), isInt: true, span };
    case "float":
      return { kind: "number", value: Number(node.text), isInt: false, span };
    case "true":
    case "false":
      return { kind: "bool", value: node.type === "true", span };
    case "string":
      return { kind: "string", value: stringValue(node), span };
    case "none":
      return undefined;
    case "unary_operator": {
      const inner = literal(node.namedChild(0)!, diags);
      if (inner?.kind === "number" && node.child(0)!.text === "-") return { ...inner, value: -inner.value };
    }
  }
  unsupported(diags, node, `the default value '${node.text}'`);
  return undefined;
}

/** The Variable subclasses a program needs for its own collections (`Counter`). */
export function variableTypes(modules: ModuleDef[]): string[] {
  const builtin = new Set(["Param", "BatchStat"]);
  return [...new Set(modules.flatMap((m) => m.variables.map((v) => v.type)).filter((t) => !builtin.has(t)))].sort();
}

export type Signatures = Map<string, Map<string, string[]>>;

/**
 * The file's module classes in two passes: declare every class (config and
 * method signatures) first, so that lowering any method body can refer to any
 * module; then lower each class.
 */
export function buildModules<S extends { def: ModuleDef }>(
  classes: ClassInfo[],
  declare: (c: ClassInfo, signatures: Signatures) => S,
  lower: (c: ClassInfo, scope: S, modules: Map<string, ModuleDef>) => void,
): { modules: Map<string, ModuleDef>; signatures: Signatures } {
  const signatures: Signatures = new Map();
  const scopes = new Map(classes.map((c) => [c.name, declare(c, signatures)]));
  const modules = new Map([...scopes].map(([name, s]) => [name, s.def]));
  for (const c of classes) lower(c, scopes.get(c.name)!, modules);
  return { modules, signatures };
}
