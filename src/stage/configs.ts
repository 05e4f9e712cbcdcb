// Config dataclasses (`@struct.dataclass class TransformerConfig`) become an
// interface of their fields and a function that fills in the defaults, so
// `TransformerConfig(vocab_size=32)` reads `transformerConfig({ vocabSize: 32 })`.
import { DiagnosticError } from "../diagnostics.js";
import type { TDecl, TStmt } from "../ts/ast.js";
import type { Expr, Stmt } from "../python/ast.js";
import { statementExprs, statementsOf, subexpressions, undefinedName } from "../python/ast.js";
import { looseTuple } from "./classes.js";
import type { ProgramContext } from "./context.js";
import { annotationText, ClassStager, tsTypeOf } from "./stager.js";
import { describe, type StaticType } from "./values.js";

export function configDecls(ctx: ProgramContext): TDecl[] {
  const out: TDecl[] = [];
  const unknownDefaults: Array<() => void> = [];
  const used = configsInUse(ctx);
  for (const config of ctx.program.configs) {
    if (config.kind !== "dataclass") continue;
    // A config no module, config or entry of the file uses (a library's state record) is left out
    // rather than stopping the translation when a default of it cannot be translated.
    if (!used.has(config.name)) {
      const dry = new ClassStager(ctx, { name: config.name, fields: [], methods: [], properties: [], classAttrs: [], span: config.span }, true);
      const bad = config.fields.map((f) => ({ f, dv: f.default ? dry.dryValue(f.default) : undefined })).find((x) => x.dv?.kind === "unknown");
      if (bad) {
        ctx.diags.warning("NNX210", `left out: the config class '${config.name}' (no module of the file uses it, and the default of ${config.name}.${bad.f.name} cannot be translated: ${(bad.dv as { why: string }).why})`, config.span);
        continue;
      }
    }
    const stager = new ClassStager(ctx, { name: config.name, fields: [], methods: [], properties: [], classAttrs: [], span: config.span }, true);
    const props = config.fields.map((f) => {
      // Python evaluates the annotations and defaults where it defines the class: an undefined name is a NameError.
      const undefined_ = undefinedName(f.annotation, f.default);
      if (undefined_) unknownDefaults.push(() => ctx.unsupported(undefined_.span, `'${undefined_.name}' is not defined (Python raises NameError where ${config.name} is defined)`));
      const t = stager.annotationType(f.annotation, f.default);
      const dv = f.default ? stager.dryValue(f.default) : undefined;
      // A default nnxport cannot evaluate (a name the file never defines, `field(...)` not imported) would leave the field unset.
      if (f.default && dv?.kind === "unknown") unknownDefaults.push(() => ctx.unsupported(f.default!.span, `the default of ${config.name}.${f.name}: ${dv.why}`));
      let type = t.t !== "any" ? looseTuple(t) : dv?.kind === "static" ? dv.type : { t: "any" as const };
      // A sequence annotation whose items nnxport cannot type (`Sequence[Config]`): Python checks none; the default's items type it.
      const anyItems = (x: StaticType) => (x.t === "seq" && x.of.t === "any") || (x.t === "tuple" && x.items.some((i) => i.t === "any"));
      if (anyItems(type) && dv?.kind === "static" && (dv.type.t === "seq" || dv.type.t === "tuple") && !anyItems(dv.type)) type = looseTuple(dv.type);
      // A bare `Callable` with nothing to tell it by (no default): what the model does with it tells.
      if (type.t === "activation" && !(dv?.kind === "static" && dv.type.t === "activation") && f.annotation && /^(typing\.|collections\.abc\.)?Callable(\s*\|\s*None)?$|^Optional\[(typing\.|collections\.abc\.)?Callable\]$/.test(annotationText(f.annotation).trim()) && initializerUses(ctx).has(f.name)) type = { t: "initializer" };
      const nullable = f.default?.kind === "none" || /None|Optional/.test(f.annotation ? annotationText(f.annotation) : "");
      const tsType = tsTypeOf(type) + (nullable ? " | null" : "");
      // A default that is no value a config holds (`= field`, the function itself): the field would be left unset.
      if (f.default && dv && dv.kind !== "unknown" && !(dv.kind === "static" && dv.ctor) && tsType !== "unknown") {
        unknownDefaults.push(() => ctx.unsupported(f.default!.span, `the default of ${config.name}.${f.name}: ${describe(dv)}, which is not a value of its type`));
      }
      return { f, tsType, dv };
    });
    out.push({
      k: "interface",
      iface: {
        name: config.name,
        docs: config.docstring ? [config.docstring.trim().split("\n")[0]] : undefined,
        properties: props.map(({ f, tsType }) => ({ name: f.name, type: tsType, readonly: true })),
      },
    });
    const required = props.filter((p) => !p.f.default);
    const defaults = props.filter((p) => p.f.default && p.dv?.kind === "static" && p.dv.ctor);
    const paramType = `Pick<${config.name}, ${required.length ? required.map((p) => JSON.stringify(camel(p.f.name))).join(" | ") : "never"}> & Partial<${config.name}>`;
    const body: TStmt[] = [
      {
        k: "return",
        value: {
          k: "object",
          entries: [
            ...defaults.map(({ f, dv }) => ({ key: f.name, value: (dv as { ctor: NonNullable<unknown> }).ctor as never })),
            { spread: { k: "id", name: "config", raw: true } },
          ],
        },
      },
    ];
    out.push({
      k: "function",
      fn: {
        name: config.name.charAt(0).toLowerCase() + config.name.slice(1),
        exported: true,
        docs: [`A \`${config.name}\` with the source's defaults for the fields not given.`],
        params: [{ name: "config", type: paramType, raw: true }],
        returns: config.name,
        body,
      },
    });
  }
  if (unknownDefaults.length) {
    // Every config is shared by the whole program: it stops the translation, said at the default.
    for (const report of unknownDefaults) report();
    throw new DiagnosticError(ctx.diags.items);
  }
  return out;
}

/** The config classes the file's modules use (in annotations, defaults or code), the configs they use, and the entry's. */
function configsInUse(ctx: ProgramContext): Set<string> {
  const configs = new Set(ctx.program.configs.map((c) => c.name));
  const out = new Set<string>();
  const visit = (e: Expr | undefined) => {
    if (!e) return;
    for (const x of subexpressions(e)) {
      const n = x.kind === "file" ? x.name : x.kind === "name" ? x.id : undefined;
      if (n && configs.has(n)) out.add(n);
    }
  };
  for (const cls of ctx.program.classes) {
    for (const f of cls.fields) [f.annotation, f.default].forEach(visit);
    for (const a of cls.classAttrs) visit(a.value);
    for (const fn of [...cls.methods, ...cls.properties, ...(cls.setup ? [cls.setup] : [])]) {
      for (const p of fn.params) [p.annotation, p.default].forEach(visit);
      visit(fn.returns);
      for (const st of statementsOf(fn.body)) for (const e of statementExprs(st)) visit(e);
    }
  }
  const entry = ctx.program.entry;
  if (entry) for (const m of entry.text.matchAll(/[A-Za-z_][A-Za-z0-9_]*/g)) if (configs.has(m[0])) out.add(m[0]);
  // Top-level statements (`config = Config()` that an init call or an entry reads); not functions'.
  for (const st of ctx.program.module.body) {
    if (st.kind === "class" || st.kind === "def" || st.kind === "import") continue;
    for (const x of statementsOf([st as Stmt])) for (const e of statementExprs(x)) visit(e);
  }
  // The configs a used config's fields name.
  for (let grew = true; grew; ) {
    grew = false;
    for (const c of ctx.program.configs) {
      if (!out.has(c.name)) continue;
      const before = out.size;
      for (const f of c.fields) [f.annotation, f.default].forEach(visit);
      if (out.size > before) grew = true;
    }
  }
  return out;
}

/**
 * Attribute names the module classes use as initializers: the initializer of
 * `self.param(name, <x>.field, ...)` or a layer's `*_init=<x>.field`.
 */
function initializerUses(ctx: ProgramContext): Set<string> {
  const out = new Set<string>();
  const field = (e: Expr | undefined) => (e?.kind === "attr" ? e.attr : undefined);
  for (const cls of ctx.program.classes) {
    const bodies = [...cls.methods.map((m) => m.body), ...(cls.setup ? [cls.setup.body] : [])];
    for (const b of bodies)
      for (const st of statementsOf(b))
        for (const e of statementExprs(st))
          for (const x of subexpressions(e)) {
            if (x.kind !== "call") continue;
            const isParam = x.fn.kind === "attr" && x.fn.attr === "param" && x.fn.object.kind === "self";
            const init = isParam ? field(x.args.filter((a) => !a.name && !a.star)[1]?.value ?? x.args.find((a) => a.name === "init_fn")?.value) : undefined;
            if (init) out.add(init);
            for (const a of x.args) if (a.name && /_init$/.test(a.name) && field(a.value)) out.add(field(a.value)!);
          }
  }
  return out;
}

function camel(name: string): string {
  return name.replace(/_+([a-zA-Z0-9])/g, (_, c: string) => c.toUpperCase());
}
