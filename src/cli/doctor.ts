// `nnxport doctor`: what the reference environment and tensor backend have, and what is missing.
import { execFile } from "node:child_process";
import { promisify } from "node:util";
import pc from "picocolors";
import { pythonExecutable } from "../verify/python-env.js";
import { EXIT } from "./exit-codes.js";

const run = promisify(execFile);
const PACKAGES = ["jax", "jaxlib", "flax", "haiku", "optax", "numpy", "safetensors"];

export async function runDoctor(json: boolean): Promise<number> {
  const python = pythonExecutable();
  const probe = `import importlib, json, sys
out = {"python": sys.version.split()[0]}
for name in ${JSON.stringify(PACKAGES)}:
    try:
        out[name] = importlib.import_module(name).__version__
    except Exception as e:
        out[name] = None
print(json.dumps(out))`;
  let versions: Record<string, string | null> = {};
  let pythonError: string | undefined;
  try {
    versions = JSON.parse((await run(python, ["-c", probe], { timeout: 120_000 })).stdout);
  } catch (e) {
    pythonError = (e as Error).message.split("\n")[0];
  }
  const { backendInfo, ensureBackend } = await import("../../runtime/backend.js");
  await ensureBackend();
  const backend = backendInfo();
  // Optional: without XLA, nnx.jit compiles plain TensorFlow graphs.
  const { xlaAvailable } = await import("../../runtime/jit/session.js");
  const xla = xlaAvailable();
  const missing = pythonError ? ["python"] : PACKAGES.filter((p) => !versions[p]);
  const ok = missing.length === 0 && backend.name === "tensorflow";
  if (json) {
    process.stdout.write(JSON.stringify({ ok, python, pythonError, versions, backend, xla, missing }) + "\n");
  } else {
    const line = (good: boolean, label: string, value: string) =>
      process.stdout.write(`  ${good ? pc.green("ok  ") : pc.red("MISS")}  ${label.padEnd(12)} ${value}\n`);
    line(!pythonError, "python", pythonError ?? `${versions.python} (${python})`);
    for (const p of PACKAGES) line(!!versions[p], p, versions[p] ?? "not importable");
    line(backend.name === "tensorflow", "backend", `${backend.name}${backend.name === "tensorflow" ? "" : " (tfjs-node unavailable; slower fallback)"}`);
    line(xla.available, "xla", xla.available ? "available (nnx.jit compiles with XLA)" : `not available: ${xla.why} (optional; nnx.jit runs plain graphs)`);
    if (missing.length) process.stdout.write(`run \`npm run setup\` to install the reference environment\n`);
  }
  return ok ? EXIT.ok : EXIT.failed;
}
