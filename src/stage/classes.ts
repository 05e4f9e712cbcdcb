// A staged module class → the NNX class and its options interface.
import type { ModuleClass } from "../model/program.js";
import type { TClass, TDecl, TExpr, TInterface, TParam, TStmt } from "../ts/ast.js";
import { id, member } from "../ts/ast.js";
import { tsName, memberName, printExpr } from "../ts/print.js";
import type { FieldInfo, ProgramContext } from "./context.js";
import { declareLocals, flattenBlocks, removeDead, stripRecords, unwrapDeclBlocks } from "./locals.js";
import { memberRef } from "./members.js";
import { annotationText, ClassStager, DICT_KEY, TUPLE_ITEM, returnType, type MethodResult, type StagedClass, StageStop, tsTypeOf } from "./stager.js";
import type { StaticType, Value } from "./values.js";
import { itemType, looseTuple, typeFromAnnotation } from "./annotations.js";
import { describeBinding } from "./variants.js";

export { looseTuple, typeFromAnnotation };

export function optionsName(cls: string): string {
  return `${cls}Options`;
}

/** A staged class, printable plainly or instrumented (with source-naming records). */
export interface RenderableClass {
  name: string;
  render(instrumented: boolean): TDecl[];
}

/** Stages a module class; its declarations are rendered on demand. */
export function stageClass(ctx: ProgramContext, cls: ModuleClass, entryRanks?: Map<string, number>): RenderableClass {
  const stager = new ClassStager(ctx, cls, false, undefined, entryRanks);
  const staged = stager.stage();
  // Fields that pick the modules it builds are fixed in a variant, not options.
  const fields = cls.fields.filter((f) => !cls.bound?.has(f.name)).map((f) => fieldInfo(stager, f));
  staged.summary.fields = fields;
  ctx.summaries.set(cls.name, staged.summary);
  return {
    name: cls.name,
    render: (instrumented) => [
      { k: "interface", iface: optionsInterface(cls, fields, staged, stager) },
      // Given to another module in config: its config without the sizes and rngs it is built with.
      ...(ctx.configModules.has(cls.name)
        ? [{ k: "typeAlias", name: `${cls.name}Config`, type: `Required<Omit<${optionsName(cls.name)}, ${[...staged.inputs.map((o) => JSON.stringify(memberName(o.name))), '"rngs"'].join(" | ")}>>`, docs: [`A \`${cls.name}\`'s config, as another module is given it.`] } as TDecl]
        : []),
      { k: "class", cls: nnxClass(cls, fields, staged, stager, instrumented) },
    ],
  };
}

function fieldInfo(stager: ClassStager, f: ModuleClass["fields"][number]): FieldInfo {
  const type = stager.dryValue(f.default ?? { kind: "none", span: f.span });
  const fromAnnotation = f.annotation ? stager.annotationType(f.annotation, f.default) : undefined;
  const annotated = fromAnnotation && fromAnnotation.t !== "any" ? fromAnnotation : undefined;
  const annotationName = f.annotation ? annotationText(f.annotation) : "";
  if (stager.ctx.classes.has(annotationName)) return { name: f.name, type: { t: "config", cls: `${annotationName}Config` }, tsType: `${annotationName}Config`, hasDefault: !!f.default };
  const given = stager.cls.types?.get(f.name);
  if (given) return { name: f.name, type: given, tsType: tsTypeOf(given) + (f.default?.kind === "none" && given.t !== "none" ? " | null" : ""), hasDefault: !!f.default };
  const fromDefault: StaticType = f.default && type.kind === "static" ? type.type : { t: "any" };
  // A bare `tuple`/`Sequence` annotation: any length, items as the default's.
  const bare = /^(typing\.)?(tuple|Tuple|list|List|Sequence|Iterable)$/.test(annotationName);
  const t: StaticType = looseTuple(annotated ?? (bare ? { t: "seq", of: itemType(fromDefault) } : fromDefault));
  const mode = isModeField(f.name, t, stager);
  return { name: f.name, type: t, tsType: tsTypeOf(t) + (f.default?.kind === "none" && t.t !== "none" ? " | null" : ""), hasDefault: !!f.default, mode };
}

function isModeField(name: string, t: StaticType, stager: ClassStager): boolean {
  const v = stager.fieldValue(name);
  return v.kind === "mode" && (t.t === "bool" || t.t === "any");
}

function optionsInterface(cls: ModuleClass, fields: FieldInfo[], staged: StagedClass, stager: ClassStager): TInterface {
  const props: TInterface["properties"] = [];
  const inputs: TInterface["properties"] = [];
  for (const f of fields) {
    if (f.mode) continue;
    const src = cls.fields.find((x) => x.name === f.name)!;
    const dflt = src.default ? defaultText(stager, src.default) : undefined;
    props.push({ name: f.name, type: f.tsType, optional: f.hasDefault, default: dflt });
  }
  for (const o of staged.inputs) {
    const doc =
      o.kind === "features"
        ? `Size of the last axis of \`${inputLabel(o.param)}\`${o.method === "__call__" ? "" : ` (in \`${o.method}\`)`}.`
        : `Shape of \`${inputLabel(o.param)}\`${o.method === "__call__" ? "" : ` (in \`${o.method}\`)`} (the sizes the model is built for; leading batch sizes do not matter).`;
    inputs.push({ name: o.name, type: o.kind === "features" ? "number" : "number[]", docs: [o.optional ? `${doc} Without it, what only \`${o.method}\` uses is not built.` : doc], ...(o.optional ? { optional: true } : {}) });
  }
  return { name: optionsName(cls.name), properties: [...inputs, ...props, { name: "rngs", type: "nnx.Rngs" }] };
}

function defaultText(stager: ClassStager, e: Parameters<ClassStager["dryValue"]>[0]): string | undefined {
  const v = stager.dryValue(e);
  return v.kind === "static" && v.ctor ? printDefault(v.ctor) : undefined;
}

function printDefault(e: TExpr): string {
  // Printed by the interface's doc comment only; the constructor prints it for real.
  return printExpr(e);
}

function nnxClass(cls: ModuleClass, fields: FieldInfo[], staged: StagedClass, stager: ClassStager, instrumented: boolean): TClass {
  const { members } = staged;
  const properties: TClass["properties"] = [];
  const ctorBody: TStmt[] = [{ k: "expr", value: { k: "call", fn: { k: "raw", text: "super" }, args: [] } }];
  // Config fields the methods read, kept on the instance.
  for (const f of fields) {
    if (f.mode || !staged.configRead.has(f.name)) continue;
    properties.push({ name: f.name, type: f.tsType, readonly: true });
    ctorBody.push({ k: "assign", target: memberRef(f.name), value: id(f.name) });
  }
  if (stager.ownMode) {
    properties.push({ name: stager.ownMode, type: "boolean", docs: ["Set by `train()` / `eval()`."] });
    ctorBody.push({ k: "assign", target: memberRef(stager.ownMode), value: { k: "bool", value: false } });
  }
  for (const m of members.all()) {
    if (m.kind === "child") properties.push({ name: m.name, type: m.list ? `nnx.List<${m.type}>` : m.optional ? `${m.type} | null` : m.type, readonly: true });
    else if (m.kind === "variable") properties.push({ name: m.name, type: m.optional ? `${m.type} | null` : m.type, readonly: true });
    else if (m.kind === "keys") properties.push({ name: m.name, type: "nnx.RngStream", readonly: true });
  }
  const params = ctorParams(cls, fields, staged, stager);
  const declaredCtor = new Set([...fields.map((f) => f.name), ...staged.inputs.map((o) => o.name), "rngs"]);
  const ctorStmts = finish([...ctorBody, ...staged.ctor], declaredCtor, staged.ctorTypes, instrumented);
  const methods = staged.methods.map((m) => method(m));
  const docs = [...(cls.docstring ? [cls.docstring.trim()] : [])];
  if (cls.bound?.size) docs.push(`Built with ${[...cls.bound].map(([k, v]) => `\`${k} = ${describeBinding(v)}\``).join(", ")}, as its source is given them.`);
  return { name: cls.name, extends: "nnx.Module", docs: docs.length ? docs : undefined, properties, ctor: { params, body: ctorStmts }, methods };
}

function ctorParams(cls: ModuleClass, fields: FieldInfo[], staged: StagedClass, stager: ClassStager): TParam[] {
  const parts: string[] = [];
  for (const o of staged.inputs) parts.push(memberName(o.name) === tsName(o.name) ? tsName(o.name) : `${memberName(o.name)}: ${tsName(o.name)}`);
  for (const f of fields) {
    if (f.mode) continue;
    const src = cls.fields.find((x) => x.name === f.name)!;
    const key = memberName(f.name);
    const local = tsName(f.name);
    const dv = src.default ? stager.dryValue(src.default) : undefined;
    const dflt = dv && dv.kind === "static" && dv.ctor ? ` = ${printInline(dv.ctor)}` : "";
    parts.push(key === local ? `${key}${dflt}` : `${key}: ${local}${dflt}`);
  }
  parts.push("rngs");
  return [{ name: `{ ${parts.join(", ")} }`, type: optionsName(cls.name), raw: true }];
}

function printInline(e: TExpr): string {
  // Imported lazily to avoid a cycle at module load.
  return printExprRef(e);
}

let printExprRef: (e: TExpr) => string = () => "undefined";
export function setPrinter(p: (e: TExpr) => string): void {
  printExprRef = p;
}

/** Declarations fixed, dead code removed (records too, unless instrumented). */
export function finish(body: TStmt[], declared: Set<string>, types: Map<string, string>, instrumented = false): TStmt[] {
  const kept = instrumented ? body : stripRecords(body);
  const live = removeDead(flattenBlocks(kept));
  return unwrapDeclBlocks(declareLocals(live, declared, types));
}


function method(m: MethodResult): TClass["methods"][number] {
  const shown = m.params.filter((p) => p.kind !== "mode" && p.kind !== "ignored");
  const positional = shown.filter((p) => !p.optional && !p.keywordOnly);
  const optional = shown.filter((p) => p.optional || p.keywordOnly);
  const params: TParam[] = positional.map((p) => ({ name: p.name, type: p.tsType }));
  if (optional.length) {
    const names = optional.map((p) => `${memberName(p.name) === tsName(p.name) ? tsName(p.name) : `${memberName(p.name)}: ${tsName(p.name)}`}${p.optional ? ` = ${p.default ? printInline(p.default) : "null"}` : ""}`);
    const type = `{ ${optional.map((p) => `${memberName(p.name)}${p.optional ? "?" : ""}: ${p.tsType}`).join("; ")} }`;
    params.push({ name: `{ ${names.join(", ")} }: ${type}${optional.every((p) => p.optional) ? " = {}" : ""}`, raw: true });
  }
  const declared = new Set(m.params.map((p) => p.name));
  const body = finish(m.body, declared, m.types);
  const returns = returnType(m.returns);
  return {
    name: m.name === "__call__" ? "call" : m.name,
    params,
    returns,
    body: tidied(body, returns),
    docs: m.docs ? [m.docs.trim().split("\n")[0]] : undefined,
  };
}

/** The method's body in tf.tidy, so its intermediates are freed as the runtime's layers free theirs. */
function tidied(body: TStmt[], returns: string): TStmt[] {
  if (returns === "void" || !returns.includes("nnx.Array")) return body;
  const only = body.length === 1 && body[0].k === "return" ? body[0].value : undefined;
  const fn: TExpr = only ? { k: "arrow", params: [], body: only } : { k: "arrow", params: [], body };
  return [{ k: "return", value: { k: "call", fn: { k: "rt", path: "tf.tidy" }, args: [fn] } }];
}


export { StageStop, member };

/** An input as a reader sees it: `x`, or a dict input's entry `obs["pixels/view_0"]`. */
function inputLabel(param: string): string {
  const [path, key] = param.split(DICT_KEY);
  // An array inside a tuple parameter: `carry[1]`.
  const [name, ...items] = path.split(TUPLE_ITEM);
  const base = `${tsName(name)}${items.map((i) => `[${i}]`).join("")}`;
  return key === undefined ? base : `${base}[${JSON.stringify(key)}]`;
}
