// What both frontends read from a file's top level: its classes, functions
// and assignments, config dataclasses and NamedTuples, and the `init` calls
// that name an entry point with sample inputs.
import type { DiagnosticBag } from "../../diagnostics.js";
import type { ClassDef, Expr, FunctionDef, PyModule, Stmt, TopStmt } from "../../python/ast.js";
import { qualifiedName } from "../../python/ast.js";
import type { ConfigClass, Field, SampleInput } from "../../model/program.js";
import type { Span } from "../../span.js";

export interface TopLevel {
  classes: Map<string, ClassDef>;
  functions: Map<string, FunctionDef>;
  constants: Map<string, { value: Expr; span: Span }>;
  /** Every statement at the top level, in order (including `if __name__ == ...` bodies). */
  statements: Stmt[];
}

export function topLevel(module: PyModule): TopLevel {
  const classes = new Map<string, ClassDef>();
  const functions = new Map<string, FunctionDef>();
  const constants = new Map<string, { value: Expr; span: Span }>();
  const statements: Stmt[] = [];
  const visit = (s: TopStmt) => {
    if (s.kind === "class") classes.set(s.cls.name, s.cls);
    else if (s.kind === "def") functions.set(s.fn.name, s.fn);
    else if (s.kind === "assign") {
      for (const t of s.targets) if (t.kind === "name") constants.set(t.id, { value: s.value, span: s.span });
    }
    if (s.kind !== "class" && s.kind !== "import") statements.push(s);
  };
  module.body.forEach(visit);
  return { classes, functions, constants, statements };
}

/** The qualified name of a base class expression, or a file class's name. */
export function baseName(e: Expr): string | undefined {
  if (e.kind === "file") return e.name;
  if (e.kind === "index") return baseName(e.object); // Generic[T]
  return qualifiedName(e);
}

/** Classes deriving (directly or through other classes of the file) from one of `bases`. */
export function classesDerivedFrom(classes: Map<string, ClassDef>, bases: (name: string) => boolean): ClassDef[] {
  const memo = new Map<string, boolean>();
  const derives = (c: ClassDef, depth = 0): boolean => {
    if (memo.has(c.name)) return memo.get(c.name)!;
    if (depth > 20) return false;
    const ok = c.bases.some((b) => {
      const n = baseName(b);
      if (!n) return false;
      if (bases(n)) return true;
      const local = classes.get(n);
      return local ? derives(local, depth + 1) : false;
    });
    memo.set(c.name, ok);
    return ok;
  };
  return [...classes.values()].filter((c) => derives(c));
}

const DATACLASS_DECORATORS = ["dataclasses.dataclass", "flax.struct.dataclass", "chex.dataclass"];

/** `@dataclass` classes and NamedTuples of plain values. */
export function configClasses(classes: Map<string, ClassDef>, exclude: Set<string>): ConfigClass[] {
  const out: ConfigClass[] = [];
  for (const c of classes.values()) {
    if (exclude.has(c.name)) continue;
    const decorated = c.decorators.some((d) => {
      const n = qualifiedName(d.kind === "call" ? d.fn : d);
      return !!n && (DATACLASS_DECORATORS.includes(n) || n.endsWith(".dataclass"));
    });
    const namedTuple = c.bases.some((b) => ["typing.NamedTuple", "NamedTuple", "collections.namedtuple"].includes(baseName(b) ?? ""));
    if (!decorated && !namedTuple) continue;
    out.push({ name: c.name, kind: namedTuple ? "namedtuple" : "dataclass", fields: annotatedFields(c.body), docstring: c.docstring, span: c.span });
  }
  return out;
}

/** `x: int = 3` fields of a class body (not `ClassVar`s), in order. */
export function annotatedFields(body: Stmt[], skip: Set<string> = new Set()): Field[] {
  const out: Field[] = [];
  // A field annotated again is still one field, in its first place (as dataclasses see the class's
  // annotations); the last annotation holds, and a default stays unless a later one replaces it.
  const push = (f: Field) => {
    const i = out.findIndex((x) => x.name === f.name);
    if (i < 0) out.push(f);
    else out[i] = { ...f, default: f.default ?? out[i].default };
  };
  for (const s of body) {
    if (s.kind === "declare" && !skip.has(s.target) && !isClassVar(s.annotation)) push({ name: s.target, annotation: s.annotation, span: s.span });
    if (s.kind === "assign" && s.annotation && s.targets.length === 1 && s.targets[0].kind === "name") {
      const name = s.targets[0].id;
      if (skip.has(name) || isClassVar(s.annotation)) continue;
      push({ name, annotation: s.annotation, default: fieldDefault(s.value), span: s.span });
    }
  }
  return out;
}

/** `dataclasses.field(default=...)` / `field(default_factory=...)`: the default. */
function fieldDefault(e: Expr): Expr | undefined {
  if (e.kind === "call") {
    const n = qualifiedName(e.fn) ?? (e.fn.kind === "builtin" ? e.fn.name : "");
    if (n === "dataclasses.field" || n === "flax.struct.field" || n.endsWith(".field")) {
      const d = e.args.find((a) => a.name === "default");
      if (d) return d.value;
      const f = e.args.find((a) => a.name === "default_factory");
      if (f) return { kind: "call", fn: f.value, args: [], span: f.value.span };
      return undefined;
    }
  }
  return e;
}

function isClassVar(annotation: Expr): boolean {
  const n = baseName(annotation);
  return n === "typing.ClassVar" || n === "ClassVar";
}

/** A class's methods, setup and properties, with decorators kept on each def. */
export function classMembers(c: ClassDef): { methods: FunctionDef[]; properties: FunctionDef[]; attrs: Array<{ name: string; value: Expr; span: Span }> } {
  const methods: FunctionDef[] = [];
  const properties: FunctionDef[] = [];
  const attrs: Array<{ name: string; value: Expr; span: Span }> = [];
  // A name bound again in the class body replaces what it named before (Python keeps the last).
  const rebind = (name: string) => {
    for (const list of [methods, properties, attrs] as Array<Array<{ name: string }>>) {
      const i = list.findIndex((x) => x.name === name);
      if (i >= 0) list.splice(i, 1);
    }
  };
  for (const s of c.body) {
    if (s.kind === "def") {
      const isProperty = s.fn.decorators.some((d) => (d.kind === "builtin" && d.name === "property") || qualifiedName(d) === "functools.cached_property");
      // `@x.setter def x`: the same property, given a setter (nnxport reads properties only).
      if (s.fn.decorators.some((d) => d.kind === "attr" && (d.attr === "setter" || d.attr === "deleter") && properties.some((p) => p.name === s.fn.name))) continue;
      rebind(s.fn.name);
      (isProperty ? properties : methods).push(s.fn);
    } else if (s.kind === "assign" && !s.annotation && s.targets.length === 1 && s.targets[0].kind === "name") {
      rebind(s.targets[0].id);
      attrs.push({ name: s.targets[0].id, value: s.value, span: s.span });
    }
  }
  return { methods, properties, attrs };
}

/** Every call in the file's statements (function bodies included), for finding `init` calls. */
export function* allCalls(module: PyModule): Generator<{ call: Extract<Expr, { kind: "call" }>; scope: FunctionDef | undefined }> {
  function* inExpr(e: Expr, scope: FunctionDef | undefined): Generator<{ call: Extract<Expr, { kind: "call" }>; scope: FunctionDef | undefined }> {
    if (e.kind === "call") {
      yield { call: e, scope };
      yield* inExpr(e.fn, scope);
      for (const a of e.args) yield* inExpr(a.value, scope);
      return;
    }
    for (const key of Object.keys(e) as Array<keyof typeof e>) {
      const v = e[key] as unknown;
      if (Array.isArray(v)) {
        for (const x of v as unknown[]) if (x && typeof x === "object" && "kind" in x && "span" in x) yield* inExpr(x as unknown as Expr, scope);
      } else if (v && typeof v === "object" && "kind" in (v as object) && "span" in (v as object)) yield* inExpr(v as unknown as Expr, scope);
    }
  }
  function* inStmts(body: Stmt[], scope: FunctionDef | undefined): Generator<{ call: Extract<Expr, { kind: "call" }>; scope: FunctionDef | undefined }> {
    for (const s of body) {
      if (s.kind === "def") {
        yield* inStmts(s.fn.body, s.fn);
        continue;
      }
      for (const key of ["value", "test", "iter", "message"] as const) {
        const v = (s as Record<string, unknown>)[key];
        if (v && typeof v === "object") yield* inExpr(v as Expr, scope);
      }
      if (s.kind === "if" || s.kind === "for" || s.kind === "while") {
        yield* inStmts(s.body, scope);
        yield* inStmts(s.orelse, scope);
      }
      if (s.kind === "with") yield* inStmts(s.body, scope);
    }
  }
  const top: Stmt[] = [];
  for (const s of module.body) {
    if (s.kind === "class") {
      for (const m of s.cls.body) if (m.kind === "def") yield* inStmts(m.fn.body, m.fn);
    } else if (s.kind !== "import") top.push(s);
  }
  yield* inStmts(top, undefined);
}

/**
 * A sample input from the expression an init call passes: `jnp.ones((1, 784))`,
 * `jax.random.normal(key, (8, 28, 28, 1))`, `np.zeros(...)`, following names
 * to their assignments; undefined when the form is not recognized.
 */
export function sampleInput(name: string, e: Expr, resolve: (e: Expr) => Expr): SampleInput | undefined {
  const value = resolve(e);
  if (value.kind !== "call") return undefined;
  const fn = qualifiedName(value.fn) ?? "";
  const shapeAt = SHAPE_ARGUMENT[fn];
  if (shapeAt === undefined) return undefined;
  const shapeArg = value.args.find((a) => a.name === "shape")?.value ?? value.args.filter((a) => !a.name)[shapeAt]?.value;
  const shape = shapeArg && intTuple(resolve(shapeArg));
  if (!shape) return undefined;
  const dtypeArg = value.args.find((a) => a.name === "dtype")?.value ?? (shapeAt === 0 ? value.args.filter((a) => !a.name)[1]?.value : undefined);
  const dtypeName = dtypeArg ? qualifiedName(dtypeArg) ?? (dtypeArg.kind === "str" ? dtypeArg.value : "") : "";
  const dtype = /int/.test(dtypeName) ? "int32" : /bool/.test(dtypeName) ? "bool" : fn.endsWith("randint") ? "int32" : "float32";
  const fill = /\.ones$/.test(fn) ? "ones" : /\.zeros$/.test(fn) ? "zeros" : undefined;
  const out: SampleInput = { name, shape, dtype };
  if (fill) out.fill = fill;
  if (fn.endsWith("randint")) {
    const bounds = value.args.filter((a) => !a.name).slice(2).map((a) => resolve(a.value));
    if (bounds[0]?.kind === "int") out.low = bounds[0].value;
    if (bounds[1]?.kind === "int") out.high = bounds[1].value;
  }
  return out;
}

const SHAPE_ARGUMENT: Record<string, number> = {
  "jax.numpy.ones": 0,
  "jax.numpy.zeros": 0,
  "jax.numpy.empty": 0,
  "numpy.ones": 0,
  "numpy.zeros": 0,
  "numpy.empty": 0,
  "jax.random.normal": 1,
  "jax.random.uniform": 1,
  "jax.random.randint": 1,
  "jax.random.bernoulli": 2,
};

export function intTuple(e: Expr): number[] | undefined {
  if (e.kind === "int") return [e.value];
  if (e.kind !== "tuple" && e.kind !== "list") return undefined;
  if (!e.items.every((i) => i.kind === "int")) return undefined;
  return e.items.map((i) => (i as { value: number }).value);
}

export function reportUnsupportedClassMembers(c: ClassDef, diags: DiagnosticBag): void {
  for (const s of c.body) if (s.kind === "unsupported") diags.error("NNX201", `unsupported construct: ${s.what}`, s.span);
}
