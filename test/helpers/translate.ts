import { readdirSync, readFileSync } from "node:fs";
import { DiagnosticBag, DiagnosticError, type Diagnostic } from "../../src/diagnostics.js";
import { recognize } from "../../src/frontends/index.js";
import type { Program } from "../../src/ir/model.js";
import { parsePython } from "../../src/parse/parser.js";

export const FIXTURES = new URL("../../fixtures/", import.meta.url).pathname;

export function fixture(path: string): string {
  return readFileSync(FIXTURES + path, "utf8");
}

/** Parse and recognize, returning the program or the diagnostics that stopped it. */
export function recognizeText(text: string, file = "input.py"): { program?: Program; diagnostics: Diagnostic[] } {
  const diags = new DiagnosticBag(file);
  try {
    const source = parsePython(file, text, diags);
    diags.throwIfErrors();
    return { program: recognize(source, diags), diagnostics: diags.items };
  } catch (e) {
    if (e instanceof DiagnosticError) return { diagnostics: e.diagnostics };
    throw e;
  }
}

/** Every fixture program, as `case/framework_model` (e.g. `basic/haiku_model`). */
export function fixtureCases(): string[] {
  return readdirSync(FIXTURES, { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith("_model.py"))
    .map((f) => f.replace(/\.py$/, ""))
    .sort();
}
