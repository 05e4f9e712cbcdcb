// Picks the frontend for a file from what it imports.
import type { DiagnosticBag } from "../diagnostics.js";
import type { Program } from "../ir/model.js";
import { ImportTable } from "../parse/imports.js";
import type { SourceFile } from "../parse/parser.js";
import { recognizeHaiku } from "./haiku/index.js";
import { recognizeLinen } from "./linen/index.js";

export type Framework = "haiku" | "linen";

const FRONTENDS: Record<Framework, (s: SourceFile, i: ImportTable, d: DiagnosticBag) => Program> = {
  haiku: recognizeHaiku,
  linen: recognizeLinen,
};

export function detectFramework(imports: ImportTable): Framework | undefined {
  const mods = imports.modules;
  const haiku = mods.some((m) => m === "haiku" || m.startsWith("haiku."));
  const linen = mods.some((m) => m === "flax.linen" || m.startsWith("flax.linen."));
  if (haiku !== linen) return haiku ? "haiku" : "linen";
  return undefined;
}

export function recognize(source: SourceFile, diags: DiagnosticBag, framework?: Framework): Program {
  const imports = ImportTable.of(source);
  const fw = framework ?? detectFramework(imports);
  if (!fw) {
    diags.error(
      "NNX301",
      "cannot tell the framework: the file must import either haiku or flax.linen (or pass --framework)",
      { line: 1, column: 1, endLine: 1, endColumn: 1 },
    );
    diags.throwIfErrors();
  }
  return FRONTENDS[fw!](source, imports, diags);
}
