// Node module hooks that run the repository's TypeScript test tools (test/fuzz)
// without a build step: `.ts` files are transpiled on load (types stripped, no
// type-check; `tsc` and vitest check them), and a `.js` import that only exists
// as `.ts` (the NodeNext spelling) resolves to the `.ts` file.
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import ts from "typescript";

export async function resolve(specifier, context, nextResolve) {
  const parent = context.parentURL;
  if (parent?.startsWith("file:") && parent.endsWith(".ts") && /^(\.{1,2}\/|\/|file:)/.test(specifier) && specifier.endsWith(".js")) {
    const url = new URL(specifier, parent);
    if (!existsSync(fileURLToPath(url))) {
      const tsUrl = new URL(url.href.replace(/\.js$/, ".ts"));
      if (existsSync(fileURLToPath(tsUrl))) return { url: tsUrl.href, format: "module", shortCircuit: true };
    }
  }
  return nextResolve(specifier, context);
}

export async function load(url, context, nextLoad) {
  if (url.startsWith("file:") && url.endsWith(".ts")) {
    const file = fileURLToPath(url);
    const out = ts.transpileModule(await readFile(file, "utf8"), {
      fileName: file,
      compilerOptions: {
        module: ts.ModuleKind.ESNext,
        target: ts.ScriptTarget.ES2022,
        inlineSourceMap: true,
        inlineSources: true,
      },
    });
    return { format: "module", source: out.outputText, shortCircuit: true };
  }
  return nextLoad(url, context);
}
