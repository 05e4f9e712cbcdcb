import { existsSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The package root, found from this file whether it runs from src/ or dist/src/. */
export function packageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, "package.json"))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error("nnxport: cannot find its own package.json");
    dir = parent;
  }
  return dir;
}

/**
 * The Python interpreter that runs reference programs: $NNXPORT_PYTHON, else the
 * pinned environment that `npm run setup` creates in .venv, else python3 on PATH.
 */
export function pythonExecutable(): string {
  const fromEnv = process.env.NNXPORT_PYTHON;
  if (fromEnv) return resolve(fromEnv);
  const venv = join(packageRoot(), ".venv", "bin", "python");
  return existsSync(venv) ? venv : "python3";
}
