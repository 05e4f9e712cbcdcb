// Type-checks generated code under `strict` against the runtime's own types,
// so a translation that would not compile is caught before it is written.
import { existsSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { ModuleKind, ModuleResolutionKind, Project, ScriptTarget, ts } from "ts-morph";
import { packageRoot } from "../verify/python-env.js";
import { RUNTIME_MODULE } from "./ast.js";

export interface TypeError {
  line: number;
  column: number;
  message: string;
}

let project: Project | undefined;

function checker(): Project {
  if (project) return project;
  const root = packageRoot();
  // Declarations when the package is built; the sources otherwise (development).
  const built = join(root, "dist", "runtime", "index.d.ts");
  const entry = existsSync(built) ? built : join(root, "runtime", "index.ts");
  project = new Project({
    compilerOptions: {
      strict: true,
      noEmit: true,
      skipLibCheck: true,
      target: ScriptTarget.ES2022,
      module: ModuleKind.NodeNext,
      moduleResolution: ModuleResolutionKind.NodeNext,
      types: [],
      paths: { [RUNTIME_MODULE]: [entry] },
    },
    skipAddingFilesFromTsConfig: true,
  });
  return project;
}

/** Errors in `code` as if it were a module of a package that depends on nnxport. */
export function typeCheck(code: string): TypeError[] {
  return typeCheckAll([code])[0];
}

/**
 * Errors in each of several generated files, checked as one program: building
 * the program (and loading the runtime's types) dominates, so checking a
 * folder's outputs together costs little more than checking one.
 */
export function typeCheckAll(codes: string[], sources?: string[]): TypeError[][] {
  const p = checker();
  const dir = join(packageRoot(), ".nnxport-typecheck");
  // Outputs that import each other sit where their sources do, relative to the sources' common folder.
  const base = sources?.length ? commonFolder(sources.map((s) => resolve(s))) : "";
  const at = (i: number) => (sources ? join(dir, relative(base, resolve(sources[i])).replace(/\.py$/, ".ts")) : join(dir, `model${i}.ts`));
  const files = codes.map((code, i) => p.createSourceFile(at(i), code, { overwrite: true }));
  try {
    const byFile = new Map(files.map((f) => [f.getFilePath() as string, [] as TypeError[]]));
    for (const d of p.getPreEmitDiagnostics()) {
      const source = d.getSourceFile();
      const message = ts.flattenDiagnosticMessageText(d.compilerObject.messageText, "\n");
      const own = source && byFile.get(source.getFilePath());
      if (own && source) {
        const { line, column } = source.getLineAndColumnAtPos(d.getStart() ?? 0);
        own.push({ line, column, message });
      } else {
        // A problem outside the generated files (the runtime's types): every file is affected.
        for (const list of byFile.values()) list.push({ line: 1, column: 1, message: `${source?.getFilePath() ?? "program"}: ${message}` });
      }
    }
    return files.map((f) => byFile.get(f.getFilePath())!);
  } finally {
    for (const f of files) p.removeSourceFile(f);
  }
}

/** The deepest folder holding every one of `paths`. */
export function commonFolder(paths: string[]): string {
  let parts = dirname(paths[0]).split(sep);
  for (const p of paths.slice(1)) {
    const q = dirname(p).split(sep);
    let i = 0;
    while (i < parts.length && i < q.length && parts[i] === q[i]) i++;
    parts = parts.slice(0, i);
  }
  return parts.join(sep) || sep;
}
