// verify (the staging translator) on Python text written for a test: the file
// lives in a fresh temporary folder for the call, and is removed after.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { VerifyReport } from "../../src/verify/index.js";
import { verify, type EntryOverride, type VerifyOptions } from "../../src/verify/verify.js";
import { translate, type Translation } from "../../src/translate.js";
import { parseInput } from "../../src/cli/entry-options.js";

async function inTempDir<T>(name: string, text: string, fn: (file: string) => Promise<T>): Promise<T> {
  const dir = await mkdtemp(join(tmpdir(), "nnxport-test-"));
  try {
    const file = join(dir, name);
    await writeFile(file, text);
    return await fn(file);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Verifies `text` (its own init call, or `entry`). */
export function verifyText(name: string, text: string, entry?: EntryOverride, options: Omit<VerifyOptions, "entry"> = {}): Promise<VerifyReport> {
  return inTempDir(name, text, (file) => verify(file, { ...options, entry }));
}

/** Translates `text` (type-checked). */
export function translateText(name: string, text: string, entry?: EntryOverride): Promise<Translation> {
  return inTempDir(name, text, (file) => translate(file, text, { entry }));
}

/** An entry given as on the command line: an expression and its inputs (`x=float32[2,3]`, `ids=int32[2,5]<10`). */
export function entry(expr: string, inputs: string[] = [], more: Partial<EntryOverride> = {}): EntryOverride {
  return { expr, inputs: inputs.map(parseInput), kwargs: {}, rngs: [], ...more };
}
