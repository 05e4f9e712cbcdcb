// Type-checks generated code under `strict` against the runtime's own types,
// so a translation that would not compile is caught before it is written.
import { existsSync } from "node:fs";
import { join } from "node:path";
import { ModuleKind, ModuleResolutionKind, Project, ScriptTarget, ts } from "ts-morph";
import { packageRoot } from "../verify/python-env.js";
import { RUNTIME_MODULE } from "./runtime-table.js";

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
  const p = checker();
  const file = p.createSourceFile(join(packageRoot(), ".nnxport-typecheck", "model.ts"), code, { overwrite: true });
  return file.getPreEmitDiagnostics().map((d) => {
    const { line, column } = file.getLineAndColumnAtPos(d.getStart() ?? 0);
    const where = d.getSourceFile()?.getFilePath();
    const message = ts.flattenDiagnosticMessageText(d.compilerObject.messageText, "\n");
    return { line, column, message: where && where !== file.getFilePath() ? `${where}: ${message}` : message };
  });
}
