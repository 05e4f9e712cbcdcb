// Shared by the array tests: a program that must verify against live JAX.
import { expect } from "vitest";
import type { VerifyReport } from "../../../src/verify/index.js";
import type { EntryOverride } from "../../../src/verify/verify.js";
import { translateText, verifyText } from "../../helpers/verify-text.js";

/** Verifies `text`: no error diagnostics, every check passed (outputs compare values and dtypes). */
export async function verified(name: string, text: string, minChecks: number, entry?: EntryOverride): Promise<VerifyReport> {
  const r = await verifyText(name, text, entry);
  expect(r.diagnostics.filter((d) => d.severity === "error").map((d) => d.text)).toEqual([]);
  expect(r.checks.filter((c) => !c.ok).map((c) => `${c.name}${c.dtype ? ` (dtype ${c.dtype})` : ""}: ${c.maxAbsError}`)).toEqual([]);
  expect(r.checks.length).toBeGreaterThanOrEqual(minChecks);
  expect(r.ok).toBe(true);
  return r;
}

/** The diagnostics of translating `text` as `file(line,col): error NNXnnn: message` lines. */
export async function errorsOf(name: string, text: string): Promise<string[]> {
  try {
    const t = await translateText(name, text);
    return t.diagnostics.items.filter((d) => d.severity === "error").map((d) => `${d.span?.line}:${d.span?.column} ${d.code} ${d.message}`);
  } catch (e) {
    const items = (e as { diagnostics?: Array<{ severity: string; code: string; message: string; span?: { line: number; column: number } }> }).diagnostics;
    if (!items) throw e;
    return items.filter((d) => d.severity === "error").map((d) => `${d.span?.line}:${d.span?.column} ${d.code} ${d.message}`);
  }
}

/** The generated TypeScript of `text`. */
export async function codeOf(name: string, text: string): Promise<string> {
  return (await translateText(name, text)).code;
}
