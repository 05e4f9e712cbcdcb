// The entry point a file states itself: a module object and its `init` call
// with sample inputs (`model.init(key, jnp.ones((1, 784)), training=False)`).
import type { DiagnosticBag } from "../../diagnostics.js";
import type { Expr, FunctionDef, PyModule, Stmt } from "../../python/ast.js";
import type { EntrySpec, Program, SampleInput } from "../../model/program.js";
import { allCalls, sampleInput, type TopLevel } from "./discover.js";

/** Follows names to the expression assigned to them (in the function, else at the top level). */
export function resolver(top: TopLevel, scope: FunctionDef | undefined): (e: Expr) => Expr {
  const locals = new Map<string, Expr>();
  const collect = (body: Stmt[]) => {
    for (const s of body) {
      if (s.kind === "assign") for (const t of s.targets) if (t.kind === "name") locals.set(t.id, s.value);
      if (s.kind === "if" || s.kind === "for" || s.kind === "while") {
        collect(s.body);
        collect(s.orelse);
      }
    }
  };
  if (scope) collect(scope.body);
  return (e: Expr) => {
    const seen = new Set<string>();
    let cur = e;
    for (;;) {
      if (cur.kind === "name" && locals.has(cur.id) && !seen.has(cur.id)) {
        seen.add(cur.id);
        cur = locals.get(cur.id)!;
      } else if (cur.kind === "file" && top.constants.has(cur.name) && !seen.has(cur.name)) {
        seen.add(cur.name);
        cur = top.constants.get(cur.name)!.value;
      } else return cur;
    }
  };
}

export interface InitCall {
  /** The object `.init` is called on, resolved (`Model(256, 10)`, `hk.transform(forward)`). */
  object: Expr;
  /** The name it is bound to at the top level, if any. */
  name?: string;
  call: Extract<Expr, { kind: "call" }>;
  scope: FunctionDef | undefined;
  resolve: (e: Expr) => Expr;
}

/** Every `<x>.init(...)` call of the file. */
export function initCalls(module: PyModule, top: TopLevel): InitCall[] {
  const out: InitCall[] = [];
  for (const { call, scope } of allCalls(module)) {
    if (call.fn.kind !== "attr" || call.fn.attr !== "init") continue;
    const resolve = resolver(top, scope);
    const receiver = call.fn.object;
    out.push({ object: resolve(receiver), name: receiver.kind === "file" ? receiver.name : undefined, call, scope, resolve });
  }
  return out;
}

/**
 * The entry of an init call: inputs from its arguments after the key, flags
 * from its boolean keywords. `params`: the applied method's parameter names.
 */
export function entryFromInit(init: InitCall, expr: Expr, text: string, params: string[], diags: DiagnosticBag): EntrySpec | undefined {
  const positional = init.call.args.filter((a) => !a.name && !a.star).slice(1);
  const keywords = init.call.args.filter((a) => a.name);
  const inputs: SampleInput[] = [];
  const kwargs: Record<string, Expr> = {};
  const kwargTexts: Record<string, string> = {};
  let method = "__call__";
  const rngs: string[] = [];
  const unknown: string[] = [];
  const take = (name: string, e: Expr, keyword: boolean) => {
    const v = init.resolve(e);
    if (v.kind === "bool" || v.kind === "int" || v.kind === "float" || v.kind === "str" || v.kind === "none") {
      kwargs[name] = v;
      kwargTexts[name] = v.kind === "bool" ? (v.value ? "True" : "False") : v.kind === "none" ? "None" : v.kind === "str" ? JSON.stringify(v.value) : String(v.value);
      return;
    }
    const sample = sampleInput(name, e, init.resolve);
    if (!sample) {
      // Built by code nnxport does not run (convert reads, never runs, the file): verify learns
      // its shape from the file's own init call instead.
      diags.warning("NNX302", `cannot tell the shape of the sample input '${name}' without running the file; \`nnxport verify\` learns it from this init call (or give it with --entry and --input ${name}=float32[...])`, e.span);
      unknown.push(name);
      inputs.push({ name, dtype: "float32", shape: [], ...(keyword ? { keyword: true } : {}) });
      return;
    }
    if (keyword) sample.keyword = true;
    inputs.push(sample);
  };
  positional.forEach((a, i) => take(params[i] ?? `arg${i}`, a.value, false));
  for (const k of keywords) {
    if (k.name === "method") {
      const v = init.resolve(k.value);
      if (v.kind === "str") method = v.value;
      else if (v.kind === "attr") method = v.attr;
      continue;
    }
    if (k.name === "rngs") {
      const v = init.resolve(k.value);
      if (v.kind === "dict") for (const en of v.entries) if (en.key?.kind === "str" && en.key.value !== "params") rngs.push(en.key.value);
      continue;
    }
    if (k.name === "mutable") continue;
    take(k.name!, k.value, true);
  }
  const entry: EntrySpec = { expr, text, method, inputs, kwargs, kwargTexts, rngs, span: init.call.span, object: init.name, fromInitCall: true };
  if (unknown.length) entry.unknownSamples = unknown;
  return entry;
}

/** The file's own entry, or the one verify completes by running the file (samples only running it tells). */
export function setEntry(program: Program, entry: EntrySpec): void {
  if (entry.unknownSamples) program.probeEntry = entry;
  else program.entry = entry;
}
