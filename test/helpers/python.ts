import { execFileSync } from "node:child_process";
import { pythonExecutable } from "../../src/verify/python-env.js";

/** Runs a Python snippet in the pinned reference environment and returns its stdout. */
export function runPython(code: string, input?: string): string {
  return execFileSync(pythonExecutable(), ["-c", code], {
    input,
    encoding: "utf8",
    maxBuffer: 1 << 30,
    env: { ...process.env, JAX_PLATFORMS: "cpu" },
  });
}

/** Runs a Python snippet that prints one JSON document, and parses it. */
export function pythonJson<T>(code: string, input?: string): T {
  return JSON.parse(runPython(code, input)) as T;
}
