// An entry given on the command line (`verify --entry EXPR --input ...`):
// the expression, read in the file's namespace, and the module class it
// builds. Partials (`ResNet18 = partial(ResNet, ...)`) and factory functions
// (`def model(latents): return VAE(latents=latents)`) are seen through.
import type { DiagnosticBag } from "../../diagnostics.js";
import type { Arg, Expr, FunctionDef } from "../../python/ast.js";
import { qualifiedName } from "../../python/ast.js";
import type { EntrySpec, Program, SampleInput } from "../../model/program.js";
import { parsePython } from "../../parse/parser.js";
import { FileImports } from "../../python/imports.js";
import type { Lowering } from "../../python/lower.js";
import { functionClass, multiTransformClass } from "../haiku/index.js";

export interface EntryRequest {
  expr: string;
  inputs: SampleInput[];
  kwargs: Record<string, string>;
  initKwargs?: Record<string, string>;
  rngs: string[];
  method?: string;
  mutable?: string[];
  /** Python run in the file's namespace before the entry: the names its imports bind are the entry's too. */
  prelude?: string;
  /** absl command-line flags the file reads (`--hidden_size=16`): they set those flags' values. */
  argv?: string[];
}

/** `relink` makes names of the user's other files that the file links in (src/python/packages.ts) the file's own. */
export function entryFromRequest(req: EntryRequest, program: Program, lowering: Lowering, diags: DiagnosticBag, relink: (e: Expr) => Expr = (e) => e): EntrySpec | undefined {
  if (req.prelude) {
    // `--prelude 'import ml_collections'`: the entry reads ml_collections.ConfigDict as that module's.
    const imports = FileImports.of(parsePython(`${program.file} (--prelude)`, req.prelude, diags).root);
    lowering.imports.absorb(imports);
    for (const n of imports.localNames) lowering.topNames.delete(n);
  }
  const parsed = parseEntryExpr(req.expr, program.file, lowering, diags);
  const expr = parsed && relink(parsed);
  const kwargs: Record<string, Expr> = {};
  for (const [k, v] of Object.entries(req.kwargs)) {
    const e = parseEntryExpr(v, program.file, lowering, diags);
    if (e) kwargs[k] = relink(e);
  }
  if (!expr) return undefined;
  const base: Omit<EntrySpec, "expr"> = {
    text: req.expr,
    method: req.method ?? "__call__",
    inputs: req.inputs,
    kwargs,
    kwargTexts: req.kwargs,
    initKwargs: req.initKwargs,
    rngs: req.rngs,
    mutable: req.mutable,
    ...(req.argv?.length ? { argv: req.argv } : {}),
  };
  if (program.framework.name === "haiku") {
    // A function of the file to transform: it becomes the model.
    if (expr.kind === "file" && program.functions.has(expr.name)) {
      const fn = program.functions.get(expr.name)!;
      // A function hk.multi_transform takes (it returns `(init, applies)`): init, or the apply named by --method.
      const multi = multiTransformClass({ ...fn, decorators: [] }, program);
      if (multi) {
        program.transformed.set(fn.name, multi.cls);
        const method = req.method ?? "__call__";
        const index = method === "__call__" ? "[0]" : `[1][${multi.methods.indexOf(method)}]`;
        if (method !== "__call__" && !multi.methods.includes(method)) {
          diags.error("NNX301", `'${fn.name}' returns no apply function '${method}' (it has ${multi.methods.join(", ")})`);
          return undefined;
        }
        return { ...base, expr: { kind: "call", fn: { kind: "file", name: multi.cls.name, span: fn.span }, args: [], span: expr.span }, methods: multi.methods, transform: { fn: `lambda *a, **k: ${fn.name}()${index}(*a, **k)`, withState: true, applyRng: true } };
      }
      const cls = functionClass(fn);
      program.transformed.set(fn.name, cls);
      return { ...base, expr: { kind: "call", fn: { kind: "file", name: cls.name, span: fn.span }, args: [], span: expr.span }, transform: { fn: fn.name, withState: true, applyRng: true } };
    }
  }
  const resolved = seeThrough(expr, program, 0);
  if (!resolved) {
    diags.error("NNX301", `the entry '${req.expr}' does not build a module of this file`);
    return undefined;
  }
  return { ...base, expr: resolved };
}

export function parseEntryExpr(text: string, file: string, lowering: Lowering, diags: DiagnosticBag): Expr | undefined {
  const local = parsePython(`${file} (--entry)`, text, diags);
  const stmt = local.root.namedChildren.find((c) => c.type === "expression_statement");
  const node = stmt?.namedChild(0);
  if (!node || local.root.hasError) {
    diags.error("NNX101", `cannot read the expression '${text}'`);
    return undefined;
  }
  return lowering.expr(node, undefined);
}

/** A call of a module class of the file, after partials and factory functions. */
export function seeThrough(e: Expr, program: Program, depth = 0): Expr | undefined {
  if (depth > 8 || e.kind !== "call") return undefined;
  const fn = e.fn;
  // A framework layer is a model itself (`nn.Dense(4)`).
  if (fn.kind !== "file") return program.framework.layers[qualifiedName(fn) ?? ""] ? e : undefined;
  if (program.classes.some((c) => c.name === fn.name)) return e;
  const constant = program.constants.get(fn.name)?.value;
  if (constant?.kind === "call" && qualifiedName(constant.fn) === "functools.partial" && constant.args[0]) {
    // partial(Cls, *a, **k)(*b, **l) → Cls(*a, *b, **k, **l)
    const [target, ...bound] = constant.args;
    const merged: Expr = { kind: "call", fn: target.value, args: [...bound.filter((a) => !a.name), ...e.args.filter((a) => !a.name), ...bound.filter((a) => a.name), ...e.args.filter((a) => a.name)], span: e.span };
    return seeThrough(merged, program, depth + 1);
  }
  const f = program.functions.get(fn.name);
  if (f) {
    const ret = f.body.find((s) => s.kind === "return");
    if (ret?.kind === "return" && ret.value && f.body.length === 1) return seeThrough(substitute(ret.value, bindings(f, e.args)), program, depth + 1);
  }
  return undefined;
}

function bindings(f: FunctionDef, args: Arg[]): Map<string, Expr> {
  const out = new Map<string, Expr>();
  f.params.forEach((p, i) => {
    const a = args.filter((x) => !x.name)[i] ?? args.find((x) => x.name === p.name);
    if (a) out.set(p.name, a.value);
    else if (p.default) out.set(p.name, p.default);
  });
  return out;
}

/** `e` with the function's parameters replaced by the arguments given. */
function substitute(e: Expr, env: Map<string, Expr>): Expr {
  if (e.kind === "name" && env.has(e.id)) return env.get(e.id)!;
  const copy = { ...e } as Record<string, unknown>;
  for (const [k, v] of Object.entries(e)) {
    if (k === "span") continue;
    if (Array.isArray(v)) copy[k] = v.map((x) => (x && typeof x === "object" && "kind" in x ? substitute(x as Expr, env) : x && typeof x === "object" && "value" in x ? { ...x, value: substitute((x as Arg).value, env) } : x));
    else if (v && typeof v === "object" && "kind" in (v as object)) copy[k] = substitute(v as Expr, env);
  }
  return copy as unknown as Expr;
}
