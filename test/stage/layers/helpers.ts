// Small programs that use one family of layers the way real code does, each
// verified against live Flax/Haiku (init bit-exact from the source's seed,
// outputs and gradients within tolerance), and checked to read as NNX code.
import { expect } from "vitest";
import type { VerifyReport } from "../../../src/verify/index.js";
import { DiagnosticError } from "../../../src/diagnostics.js";
import { entry, translateText2, verifyText2 } from "../../helpers/verify-text2.js";
import type { EntryOverride } from "../../../src/verify/verify2.js";

export { entry };

export interface Program {
  name: string;
  /** Python source. */
  py: string;
  /** The entry, as on the command line; the file's own init call when absent. */
  entry?: EntryOverride;
  /** Text the translation must contain (the idiomatic NNX form). */
  reads?: Array<string | RegExp>;
  /** A note verify must give (a bound it states instead of exactness). */
  note?: RegExp;
}

/** Verifies a program and checks its translation reads as expected. */
export async function expectVerifies(p: Program): Promise<VerifyReport> {
  const r = await verifyText2(`${p.name.replace(/\W+/g, "_")}.py`, p.py, p.entry);
  const errors = r.diagnostics.filter((d) => d.severity === "error").map((d) => d.text);
  expect(errors, `${p.name}: diagnostics`).toEqual([]);
  const failed = r.checks.filter((c) => !c.ok).map((c) => `${c.name}: max |Δ| ${c.maxAbsError}`);
  expect(failed, `${p.name}: failed checks\n${r.code ?? ""}`).toEqual([]);
  expect(r.params?.problems ?? ["no parameter tree"], `${p.name}: parameter tree`).toEqual([]);
  expect(r.checks.some((c) => c.kind === "output"), `${p.name}: outputs compared`).toBe(true);
  expect(r.ok, `${p.name}: ok`).toBe(true);
  if (!p.note) {
    const initNotes = r.notes.filter((n) => /init not compared/.test(n));
    expect(initNotes, `${p.name}: init compared`).toEqual([]);
  } else expect(r.notes.join("\n"), `${p.name}: note`).toMatch(p.note);
  for (const text of p.reads ?? []) {
    if (typeof text === "string") expect(r.code, `${p.name}: reads`).toContain(text);
    else expect(r.code, `${p.name}: reads`).toMatch(text);
  }
  return r;
}

/** Translating `py` reports NNX201 at `line` (1-based) mentioning `what`. */
export async function expectUnsupported(py: string, line: number, what: RegExp, e?: EntryOverride): Promise<void> {
  let diags: Array<{ code: string; message: string; span?: { line: number } }> = [];
  try {
    const t = await translateText2("unsupported.py", py, e);
    diags = t.diagnostics.items;
  } catch (err) {
    if (!(err instanceof DiagnosticError)) throw err;
    diags = err.diagnostics;
  }
  const hit = diags.find((d) => d.code === "NNX201" && what.test(d.message));
  expect(hit, `NNX201 matching ${what} among ${JSON.stringify(diags.map((d) => `${d.code} ${d.span?.line}: ${d.message}`))}`).toBeDefined();
  expect(hit!.span?.line, `line of ${hit!.message}`).toBe(line);
  expect(diags.filter((d) => /^NNX4/.test(d.code)), "no internal errors").toEqual([]);
}
