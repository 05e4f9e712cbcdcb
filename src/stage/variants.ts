// Modules given as configuration (`block_cls: ModuleDef`, `conv: ModuleDef =
// nn.Conv`, a `functools.partial(nn.BatchNorm, momentum=0.9)`) decide which
// submodules a class builds. NNX builds eagerly, so such a class is translated
// for the values its users give (the entry, or the module that builds it): one
// TypeScript class per distinct choice, with that choice written into its
// constructor (`new nnx.Conv(...)`), and the other config kept as options.
import type { Expr, Stmt } from "../python/ast.js";
import { qualifiedName, statementExprs, statementsOf, subexpressions } from "../python/ast.js";
import type { ModuleClass } from "../model/program.js";
import type { TExpr } from "../ts/ast.js";
import { typeFromAnnotation } from "./annotations.js";
import { literalValue, annotationText } from "./stager.js";
import { staticOf, type Known, type StaticType, type Value } from "./values.js";

/** Whether a value picks a module to build: a module class of the file, a framework layer, a partial of one. */
export function isStructural(v: Value | undefined, isModuleClass: (name: string) => boolean, isLayer: (name: string) => boolean): boolean {
  if (!v) return false;
  if (v.kind === "class") return isModuleClass(v.name);
  if (v.kind === "global") return !v.self && isLayer(v.name);
  if (v.kind === "partial") return isStructural(v.fn, isModuleClass, isLayer);
  if (v.kind === "lifted") return true;
  return false;
}

/**
 * Fields whose value decides which submodules a class builds, syntactically:
 * those the class calls (`self.conv(...)`, `partial(self.norm, ...)`,
 * `self.block_cls(...)`) whose annotation is not a function type, and those
 * whose default picks a module (checked by the caller).
 */
export function calledFields(cls: ModuleClass, isModuleClass: (name: string) => boolean = () => false): Set<string> {
  const out = new Set<string>();
  const bodies: Stmt[][] = [...cls.methods.map((m) => m.body), ...(cls.setup ? [cls.setup.body] : []), ...cls.properties.map((p) => p.body)];
  const fieldOf = (e: Expr): string | undefined => (e.kind === "attr" && e.object.kind === "self" && cls.fields.some((f) => f.name === e.attr) ? e.attr : undefined);
  for (const b of bodies) {
    for (const s of statementsOf(b)) {
      for (const e of statementExprs(s)) {
        for (const x of subexpressions(e)) {
          if (x.kind !== "call") continue;
          const direct = fieldOf(x.fn);
          if (direct) out.add(direct);
          if (qualifiedName(x.fn) === "functools.partial" && x.args[0]) {
            const f = fieldOf(x.args[0].value);
            if (f) out.add(f);
          }
        }
      }
    }
  }
  for (const name of [...out]) {
    const f = cls.fields.find((x) => x.name === name)!;
    const text = f.annotation ? annotationText(f.annotation) : "";
    const t = text ? typeFromAnnotation(text) : undefined;
    // Callables of arrays (activations, initializers) are values, not modules; a module instance given in config (`encoder: Encoder`) is its own case.
    if ((t && t.t !== "any") || isModuleClass(text)) out.delete(name);
  }
  return out;
}

/** The value as the class built with it sees it: fixed values only (a parent's config is not in its scope). */
export function contextFree(v: Value): Value {
  switch (v.kind) {
    case "static":
      return v.known !== undefined ? literalValue(v.known, v.type) : staticOf(v.type, undefined, undefined);
    case "partial":
      return { kind: "partial", fn: contextFree(v.fn), args: v.args.map(contextFree), kwargs: v.kwargs.map(([k, x]) => [k, contextFree(x)] as [string, Value]) };
    case "tuple":
    case "list":
      return { kind: v.kind, items: v.items.map(contextFree) };
    default:
      return v;
  }
}

/** A key telling bound values apart (two users giving the same choice share one class). */
export function bindingKey(v: Value): string {
  switch (v.kind) {
    case "class":
      return `C:${v.name}`;
    case "global":
      return `G:${v.name}`;
    case "partial":
      return `P(${bindingKey(v.fn)};${v.args.map(bindingKey).join(",")};${v.kwargs.map(([k, x]) => `${k}=${bindingKey(x)}`).join(",")})`;
    case "static":
      return v.known !== undefined ? `S:${JSON.stringify(v.known)}` : `S?${v.type.t}`;
    case "mode":
      return `M${v.polarity}`;
    case "tuple":
    case "list":
      return `[${v.items.map(bindingKey).join(",")}]`;
    case "lifted":
      return `L:${v.transform}:${bindingKey(v.target)}:${v.length ? bindingKey(v.length) : ""}`;
    default:
      return v.kind;
  }
}

/** How a bound value reads in the class's docs, in the source's terms. */
export function describeBinding(v: Value): string {
  switch (v.kind) {
    case "class":
      return v.name;
    case "global":
      return v.name.replace(/^flax\.linen\./, "nn.").replace(/^haiku\./, "hk.");
    case "partial": {
      const args = [...v.args.map(describeBinding), ...v.kwargs.map(([k, x]) => `${k}=${describeBinding(x)}`)];
      return `partial(${[describeBinding(v.fn), ...args].join(", ")})`;
    }
    case "static":
      return v.known !== undefined ? pyLiteral(v.known) : "…";
    case "mode":
      return v.polarity === 1 ? "<training>" : "<not training>";
    case "tuple":
    case "list":
      return `(${v.items.map(describeBinding).join(", ")})`;
    default:
      return "…";
  }
}

function pyLiteral(k: Known): string {
  if (k === null) return "None";
  if (typeof k === "boolean") return k ? "True" : "False";
  if (typeof k === "string") return `'${k}'`;
  if (Array.isArray(k)) return `(${k.map(pyLiteral).join(", ")}${k.length === 1 ? "," : ""})`;
  if (typeof k === "object") return `{${Object.entries(k).map(([a, b]) => `'${a}': ${pyLiteral(b)}`).join(", ")}}`;
  return String(k);
}

/** The type of a value the translator knows (a dict its user gives: a config with those keys). */
export function knownType(k: Known): StaticType {
  if (k === null) return { t: "none" };
  if (typeof k === "number") return Number.isInteger(k) ? { t: "int" } : { t: "float" };
  if (typeof k === "boolean") return { t: "bool" };
  if (typeof k === "string") return { t: "str" };
  if (Array.isArray(k)) return { t: "tuple", items: k.map(knownType) };
  return { t: "config", fields: Object.fromEntries(Object.entries(k).map(([a, b]) => [a, knownType(b)])) };
}

/** Fields with no type of their own (`Any`, unannotated) and no default but None: their users' values type them. */
export function untypedFields(cls: ModuleClass): Set<string> {
  const out = new Set<string>();
  for (const f of cls.fields) {
    const t = f.annotation ? typeFromAnnotation(annotationText(f.annotation)) : undefined;
    if (t && t.t !== "any") continue;
    if (f.default && f.default.kind !== "none") continue;
    out.add(f.name);
  }
  return out;
}

/** An object written from a dict its user gave, as a config: keys as TypeScript spells members (camelCase). */
export function configObject(e: TExpr): TExpr {
  if (e.k === "object") return { k: "object", entries: e.entries.map((en) => ("spread" in en ? en : { key: en.key, value: configObject(en.value) })) };
  if (e.k === "array") return { k: "array", items: e.items.map(configObject) };
  return e;
}

/**
 * Fields annotated as sequences that the class uses as ints (`block_size:
 * Sequence[int]` read in `range(1, self.block_size)`): Python checks no
 * annotation, and that code only runs when the value is an int, so the use
 * decides the field's type.
 */
export function fieldsUsedAsInts(cls: ModuleClass): Map<string, StaticType> {
  const out = new Map<string, StaticType>();
  const seqFields = new Set(
    cls.fields
      .filter((f) => {
        const t = f.annotation ? typeFromAnnotation(annotationText(f.annotation)) : undefined;
        return t?.t === "seq" || t?.t === "tuple";
      })
      .map((f) => f.name),
  );
  if (!seqFields.size) return out;
  // `self.f` itself, or an operand of arithmetic on it, as an argument of range().
  const intOperands = (e: Expr): string[] =>
    e.kind === "attr" && e.object.kind === "self" && seqFields.has(e.attr)
      ? [e.attr]
      : e.kind === "binary" && ["+", "-", "*", "//", "%"].includes(e.op)
        ? [...intOperands(e.left), ...intOperands(e.right)]
        : e.kind === "unary" && e.op === "-"
          ? intOperands(e.operand)
          : [];
  const bodies: Stmt[][] = [...cls.methods.map((m) => m.body), ...(cls.setup ? [cls.setup.body] : []), ...cls.properties.map((p) => p.body)];
  for (const b of bodies)
    for (const s of statementsOf(b))
      for (const e of statementExprs(s))
        for (const x of subexpressions(e)) {
          if (x.kind !== "call" || x.fn.kind !== "builtin" || x.fn.name !== "range") continue;
          for (const a of x.args) if (!a.star && !a.name) for (const f of intOperands(a.value)) out.set(f, { t: "int" });
        }
  return out;
}
