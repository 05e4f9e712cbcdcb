import { readdirSync, readFileSync } from "node:fs";

export const FIXTURES = new URL("../../fixtures/", import.meta.url).pathname;

export function fixture(path: string): string {
  return readFileSync(FIXTURES + path, "utf8");
}

/** Every fixture program, as `case/framework_model` (e.g. `basic/haiku_model`). */
export function fixtureCases(): string[] {
  return readdirSync(FIXTURES, { recursive: true, encoding: "utf8" })
    .filter((f) => f.endsWith("_model.py"))
    .map((f) => f.replace(/\.py$/, ""))
    .sort();
}
