// The rest of a real file: data pipelines, logging, main(), training loops.
// nnxport translates the module classes and what they run; everything else
// at the top level is left out, and each piece left out is said once, with
// what it is, so nothing disappears silently.
import type { DiagnosticBag } from "../diagnostics.js";
import type { Expr, FunctionDef, Stmt, TopStmt } from "../python/ast.js";
import { qualifiedName, statementExprs, statementsOf, subexpressions } from "../python/ast.js";
import type { Span } from "../span.js";
import type { Program } from "../model/program.js";
import type { ProgramContext } from "./context.js";

/** Warns (NNX210) once for each top-level function, class or run of statements the translation leaves out. */
export function reportLeftOut(program: Program, ctx: ProgramContext, diags: DiagnosticBag): void {
  const used = new Set(ctx.usedTop);
  for (const fn of program.transformed.keys()) used.add(fn);
  const entry = program.entry;
  // Names the entry's own expression goes through (a factory function, a partial).
  if (entry) for (const m of entry.text.matchAll(/[A-Za-z_][A-Za-z0-9_]*/g)) used.add(m[0]);
  if (entry?.object) used.add(entry.object);
  if (entry?.transform) used.add(entry.transform.fn);
  // The statements of the entry's own init call, and the values they read (its sample inputs, its key).
  const reads = (st: TopStmt) => (st.kind === "class" || st.kind === "import" ? [] : [...statementsOf([st as Stmt])].flatMap((x) => [...statementExprs(x)].flatMap((e) => [...subexpressions(e)])));
  for (const st of program.module.body) if (entry?.span && st.kind !== "import" && st.kind !== "class" && st.kind !== "def" && st.span.line <= entry.span.line && entry.span.endLine <= st.span.endLine) for (const x of reads(st)) if (x.kind === "file") used.add(x.name);
  for (let grew = true; grew; ) {
    grew = false;
    for (const st of program.module.body) {
      if (st.kind !== "assign" || !st.targets.some((t) => t.kind === "name" && used.has(t.id))) continue;
      for (const x of subexpressions(st.value)) if (x.kind === "file" && !used.has(x.name)) used.add(x.name), (grew = true);
    }
  }
  const translated = new Set([...program.classes.map((c) => c.name), ...program.configs.map((c) => c.name)]);
  const within = (s: { span: Span }, span?: Span) => !!span && s.span.line <= span.line && span.endLine <= s.span.endLine;
  let run: Stmt[] = [];
  const flush = () => {
    if (!run.length) return;
    const first = run[0].span;
    const last = run[run.length - 1].span;
    const lines = first.line === last.endLine ? `line ${first.line}` : `lines ${first.line}–${last.endLine}`;
    const names = run.flatMap((s) => (s.kind === "assign" ? s.targets.flatMap((t) => (t.kind === "name" ? [t.id] : [])) : []));
    const partials = run.flatMap((s) => (s.kind === "assign" && s.value.kind === "call" && qualifiedName(s.value.fn) === "functools.partial" ? [exprName(s.value.args[0]?.value)] : []));
    const calls = [...new Set(run.flatMap((s) => calledNames(s)))];
    const listed = (xs: string[], n: number) => `${xs.slice(0, n).join(", ")}${xs.length > n ? ", …" : ""}`;
    let what: string;
    if (partials.length === run.length && names.length) what = `${listed(names.map((n) => `'${n}'`), 4)} (functools.partial of ${[...new Set(partials)].join(", ")}: nnxport builds one entry per translation; give --entry '${names[0]}(...)' to translate one)`;
    else what = `the top-level statements at ${lines}${names.length ? ` (setting ${listed(names, 4)})` : calls.length ? ` (calling ${listed(calls, 3)})` : ""}, which the model does not read`;
    diags.warning("NNX210", `left out: ${what}`, first);
    run = [];
  };
  for (const s of program.module.body) {
    // Definitions linked in from the user's other files are theirs to report.
    if (s.kind === "import" || s.span.file) continue;
    if (s.kind === "class") {
      flush();
      if (!translated.has(s.cls.name) && !used.has(s.cls.name)) diags.warning("NNX210", `left out: the class '${s.cls.name}' (neither a module nor a config of the model)`, s.span);
      continue;
    }
    if (s.kind === "def") {
      flush();
      if (!used.has(s.fn.name)) diags.warning("NNX210", `left out: the function '${s.fn.name}' (${functionKind(s.fn, program)})`, s.span);
      continue;
    }
    if (entry?.span && within(s, entry.span)) {
      flush();
      continue;
    }
    if (s.kind === "if" && isMainGuard(s.test)) {
      flush();
      diags.warning("NNX210", "left out: the script's `if __name__ == '__main__':` block", s.span);
      continue;
    }
    const typing = s.kind === "assign" && s.value.kind === "call" && /^typing\./.test(qualifiedName(s.value.fn) ?? "");
    if (s.kind === "assign" && (typing || s.targets.some((t) => t.kind === "name" && used.has(t.id)) || !hasCall(s.value))) {
      flush();
      continue;
    }
    if (s.kind === "expr" && (s.value.kind === "str" || !hasCall(s.value))) continue;
    if (s.kind === "pass" || s.kind === "declare") continue;
    run.push(s);
  }
  flush();
}

function isMainGuard(e: Expr): boolean {
  return e.kind === "compare" && e.operands.some((o) => o.kind === "builtin" && o.name === "__name__");
}

function hasCall(e: Expr): boolean {
  for (const x of subexpressions(e)) if (x.kind === "call") return true;
  return false;
}

function exprName(e: Expr | undefined): string {
  if (!e) return "a function";
  if (e.kind === "file") return e.name;
  return qualifiedName(e) ?? "a function";
}

function calledNames(s: TopStmt): string[] {
  const out: string[] = [];
  const body: Stmt[] = s.kind === "class" || s.kind === "import" ? [] : [s as Stmt];
  for (const st of statementsOf(body)) for (const e of statementExprs(st)) for (const x of subexpressions(e)) if (x.kind === "call") out.push(exprName(x.fn).replace(/^absl\./, ""));
  return out.filter((n) => n !== "a function");
}

/** What a function left out is, from what it calls: training code, a data pipeline, logging, main(). */
function functionKind(fn: FunctionDef, program: Program): string {
  const names: string[] = [];
  const methods: string[] = [];
  for (const st of statementsOf(fn.body)) {
    for (const e of statementExprs(st)) {
      for (const x of subexpressions(e)) {
        const q = qualifiedName(x);
        if (q) names.push(q);
        if (x.kind === "call" && x.fn.kind === "attr") methods.push(x.fn.attr);
      }
    }
  }
  const any = (re: RegExp) => names.some((n) => re.test(n));
  if (fn.name === "main" || any(/^absl\.app\b/)) return "the program's main()";
  if (any(/^optax\b|^jax\.(grad|value_and_grad)\b|train_state|\.TrainState\b/) || methods.some((m) => m === "apply_gradients")) return "training code";
  if (any(/^(tensorflow_datasets|tensorflow)\b|^numpy\.random\b/) || methods.some((m) => ["batch", "shuffle", "prefetch", "as_numpy_iterator"].includes(m))) return "a data pipeline";
  if (any(/^(absl\.)?logging\b|^clu\b|^tensorboard\b|^wandb\b|metric_writers/)) return "logging";
  if (methods.some((m) => m === "init" || m === "apply")) return "code that initializes or applies the model";
  const ret = fn.body.find((st) => st.kind === "return");
  const built = ret?.kind === "return" && ret.value?.kind === "call" && ret.value.fn.kind === "file" ? ret.value.fn.name : undefined;
  if (built && program.classes.some((c) => c.name === built)) return `it builds ${built}: give --entry '${fn.name}(...)' to translate the model it builds`;
  return "not model code: no translated module runs it";
}
