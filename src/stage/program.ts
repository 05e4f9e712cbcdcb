// A whole program: module classes staged callees first, then the entry's
// factory (`createModel()` builds the model the source's entry builds).
import type { DiagnosticBag } from "../diagnostics.js";
import type { Expr, Stmt } from "../python/ast.js";
import { statementExprs, statementsOf, subexpressions } from "../python/ast.js";
import type { ModuleClass, Program } from "../model/program.js";
import type { TDecl, TExpr, TModule, TStmt } from "../ts/ast.js";
import { id, num } from "../ts/ast.js";
import { setPrinter, stageClass, type RenderableClass } from "./classes.js";
import { ProgramContext } from "./context.js";
import { ClassStager, StageStop } from "./stager.js";
import { Frame } from "./scope.js";
import { printExpr } from "../ts/print.js";
import { configDecls } from "./configs.js";
import { stageSteps } from "./steps.js";
import type { StepSpec } from "./step-spec.js";

setPrinter(printExpr);

export interface StagedProgram {
  module: TModule;
  /** The same program with source-naming records, for src/instantiate. */
  instrumented: () => TModule;
  ctx: ProgramContext;
  /** The factory that builds the entry's model, when there is an entry. */
  factory?: string;
  entryClass?: string;
  /** The training steps, for verify. */
  steps: StepSpec[];
}

export const RUNTIME_MODULE = "nnxport/runtime";

export function stageProgram(program: Program, diags: DiagnosticBag, header: string[]): StagedProgram {
  const ctx = new ProgramContext(program, diags);
  const head: TDecl[] = [...configDecls(ctx)];
  const classes: RenderableClass[] = [];
  const entryName = program.entry?.expr.kind === "call" && program.entry.expr.fn.kind === "file" ? program.entry.expr.fn.name : undefined;
  for (const cls of calleesFirst(program)) {
    const before = diags.errorCount;
    const ranks = cls.name === entryName ? new Map(program.entry!.inputs.map((i) => [`${program.entry!.method}|${i.name}`, i.shape.length])) : undefined;
    const out = stageClass(ctx, cls, ranks);
    if (diags.errorCount === before) classes.push(out);
  }
  const tail: TDecl[] = [];
  let factory: string | undefined;
  let entryClass: string | undefined;
  if (program.entry && diags.errorCount === 0) {
    const f = entryFactory(ctx, program);
    if (f) {
      tail.push(f.decl);
      factory = f.name;
      entryClass = f.cls;
    }
  }
  let steps: StepSpec[] = [];
  if (diags.errorCount === 0) {
    const staged = stageSteps(ctx, entryClass);
    tail.push(...staged.decls);
    steps = staged.specs;
  }
  const imports = [{ names: ["hk", "jnp", "lax", "nnx", "random", "tf"], from: RUNTIME_MODULE }];
  const variableTypes: TDecl[] = [...ctx.variableTypes].sort().map((name) => ({
    k: "class",
    cls: { name, extends: "nnx.Variable", docs: [`Variables of the source's \`${name}\` collection.`], properties: [], ctor: { params: [], body: [] }, methods: [], bare: true },
  }));
  const render = (instrumented: boolean): TModule => ({ header, imports, decls: [...head, ...variableTypes, ...classes.flatMap((c) => c.render(instrumented)), ...tail] });
  return { module: render(false), instrumented: () => render(true), ctx, factory, entryClass, steps };
}

/** Module classes in an order where each comes after the classes it uses. */
function calleesFirst(program: Program): ModuleClass[] {
  const classes = [...program.classes, ...program.transformed.values()];
  const byName = new Map(classes.map((c) => [c.name, c]));
  const uses = (c: ModuleClass): Set<string> => {
    const out = new Set<string>();
    const bodies: Stmt[][] = [...c.methods.map((m) => m.body), ...(c.setup ? [c.setup.body] : []), ...c.properties.map((p) => p.body)];
    const visitExpr = (e: Expr) => {
      for (const x of subexpressions(e)) if (x.kind === "file" && byName.has(x.name) && x.name !== c.name) out.add(x.name);
    };
    for (const b of bodies) for (const s of statementsOf(b)) for (const e of statementExprs(s)) visitExpr(e);
    for (const f of c.fields) if (f.default) visitExpr(f.default);
    return out;
  };
  const order: ModuleClass[] = [];
  const state = new Map<string, "visiting" | "done">();
  const visit = (c: ModuleClass) => {
    if (state.get(c.name) === "done" || state.get(c.name) === "visiting") return;
    state.set(c.name, "visiting");
    for (const u of uses(c)) visit(byName.get(u)!);
    state.set(c.name, "done");
    order.push(c);
  };
  classes.forEach(visit);
  return order;
}

/** `createModel(rngs)`: the entry's module with the entry's config and the sample inputs' sizes. */
function entryFactory(ctx: ProgramContext, program: Program): { decl: TDecl; name: string; cls: string } | undefined {
  const entry = program.entry!;
  const e = entry.expr;
  if (e.kind !== "call" || e.fn.kind !== "file") {
    ctx.diags.error("NNX301", `the entry '${entry.text}' does not build a module of this file`, entry.span ?? e.span);
    return undefined;
  }
  const clsName = e.fn.name;
  const cls = ctx.classes.get(clsName);
  const summary = ctx.summaries.get(clsName);
  if (!cls || !summary) {
    ctx.diags.error("NNX301", `the entry '${entry.text}' does not build a module nnxport translated`, entry.span ?? e.span);
    return undefined;
  }
  const stager = new ClassStager(ctx, cls, true);
  const frame = new Frame("entry", true);
  const entries: Array<{ key: string; value: TExpr }> = [];
  /** Modules the entry gives in config are constructed (and named) before the root, where the entry runs. */
  const configConstructs: TStmt[] = [];
  try {
    const positional = e.args.filter((a) => !a.name);
    cls.fields.forEach((f, i) => {
      const arg = positional[i]?.value ?? e.args.find((a) => a.name === f.name)?.value;
      if (!arg) return;
      const v = stager.expr(arg, frame);
      const info = summary.fields.find((x) => x.name === f.name);
      if (info?.mode) return;
      if (v.kind === "module" && v.inst.ctor.kind === "class") {
        configConstructs.push({ k: "record", event: { e: "construct", site: `field:${f.name}`, base: program.framework.moduleBase(v.inst.ctor.name), top: true } });
      }
      entries.push({ key: f.name, value: stager.ctorExpr(v, arg.span, `the entry's '${f.name}'`) });
    });
  } catch (err) {
    if (!(err instanceof StageStop)) throw err;
    return undefined;
  }
  const method = cls.methods.find((m) => m.name === entry.method);
  for (const o of summary.inputOptions) {
    const m = cls.methods.find((x) => x.name === o.method);
    const arrays = m?.params.filter((p) => entry.inputs.some((i) => i.name === p.name)) ?? [];
    const sample = entry.inputs.find((i) => i.name === o.param) ?? (o.method === entry.method ? entry.inputs[arrays.findIndex((p) => p.name === o.param)] : undefined);
    if (!sample) {
      ctx.diags.error("NNX302", `the entry gives no sample for '${o.param}' of ${clsName}.${o.method}, whose size the model needs`, entry.span ?? e.span);
      return undefined;
    }
    entries.push({ key: o.name, value: o.kind === "features" ? num(sample.shape[sample.shape.length - 1]) : { k: "array", items: sample.shape.map(num) } });
  }
  void method;
  entries.push({ key: "rngs", value: id("rngs") });
  const name = `create${clsName}`;
  const shapes = entry.inputs.map((i) => `${i.name}: [${i.shape.join(", ")}]`).join(", ");
  return {
    name,
    cls: clsName,
    decl: {
      k: "function",
      fn: {
        name,
        exported: true,
        docs: [`\`${clsName}\` as the source's entry point builds it (\`${entry.text.replace(/\s+/g, " ")}\`)${shapes ? `, for inputs ${shapes}` : ""}.`],
        params: [{ name: "rngs", type: "nnx.Rngs", default: { k: "new", cls: { k: "rt", path: "nnx.Rngs" }, args: [num(0)] } }],
        returns: clsName,
        body: [
          ...configConstructs,
          { k: "record", event: { e: "construct", site: "root", base: program.framework.moduleBase(clsName), top: true } },
          { k: "return", value: { k: "recorded", event: { e: "build", site: "root", transparent: !!cls.transparent }, value: { k: "new", cls: { k: "raw", text: clsName }, args: [{ k: "object", entries }] } } },
        ],
      },
    },
  };
}
