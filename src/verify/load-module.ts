// Loads generated TypeScript as a live module bound to this process's runtime.
import { existsSync } from "node:fs";
import { mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, relative, resolve } from "node:path";
import { commonFolder } from "../ts/typecheck.js";
import { fileURLToPath, pathToFileURL } from "node:url";
import { ts } from "ts-morph";
import { RUNTIME_MODULE } from "../ts/ast.js";

/** The runtime entry this module itself runs beside (dist/runtime/index.js, or the sources in development). */
export function runtimeEntryUrl(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const js = join(here, "..", "..", "runtime", "index.js");
  return pathToFileURL(existsSync(js) ? js : js.replace(/\.js$/, ".ts")).href;
}

/** Other converted files the code imports (`./blocks.js`), by their sources' paths: written beside it, as convert writes them. */
export interface GeneratedSiblings {
  file: string;
  siblings: Array<{ source: string; code: string }>;
}

export async function importGenerated(code: string, linked?: GeneratedSiblings): Promise<Record<string, unknown>> {
  const toJs = (text: string) =>
    ts
      .transpileModule(text, { compilerOptions: { module: ts.ModuleKind.ES2022, target: ts.ScriptTarget.ES2022 } })
      .outputText.replaceAll(JSON.stringify(RUNTIME_MODULE), JSON.stringify(runtimeEntryUrl()));
  const dir = await mkdtemp(join(tmpdir(), "nnxport-ts-"));
  try {
    if (!linked?.siblings.length) {
      const file = join(dir, "model.mjs");
      await writeFile(file, toJs(code));
      return (await import(pathToFileURL(file).href)) as Record<string, unknown>;
    }
    // Each output where its source is, relative to their common folder (ES modules: `type: module`).
    const all = [{ source: linked.file, code }, ...linked.siblings];
    const base = commonFolder(all.map((f) => resolve(f.source)));
    await writeFile(join(dir, "package.json"), JSON.stringify({ type: "module" }));
    for (const f of all) {
      const out = join(dir, relative(base, resolve(f.source)).replace(/\.py$/, ".js"));
      await mkdir(dirname(out), { recursive: true });
      await writeFile(out, toJs(f.code));
    }
    return (await import(pathToFileURL(join(dir, relative(base, resolve(linked.file)).replace(/\.py$/, ".js"))).href)) as Record<string, unknown>;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
