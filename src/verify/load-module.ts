// Loads generated TypeScript as a live module bound to this process's runtime.
import { existsSync } from "node:fs";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { ts } from "ts-morph";
import { RUNTIME_MODULE } from "../ts/ast.js";

/** The runtime entry this module itself runs beside (dist/runtime/index.js, or the sources in development). */
export function runtimeEntryUrl(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const js = join(here, "..", "..", "runtime", "index.js");
  return pathToFileURL(existsSync(js) ? js : js.replace(/\.js$/, ".ts")).href;
}

export async function importGenerated(code: string): Promise<Record<string, unknown>> {
  const js = ts.transpileModule(code, {
    compilerOptions: { module: ts.ModuleKind.ES2022, target: ts.ScriptTarget.ES2022 },
  }).outputText;
  const linked = js.replaceAll(JSON.stringify(RUNTIME_MODULE), JSON.stringify(runtimeEntryUrl()));
  const dir = await mkdtemp(join(tmpdir(), "nnxport-ts-"));
  try {
    const file = join(dir, "model.mjs");
    await writeFile(file, linked);
    return (await import(pathToFileURL(file).href)) as Record<string, unknown>;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
