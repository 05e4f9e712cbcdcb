// Python's own verdict on mutants: which ones `compile()` rejects. A mutant
// Python rejects should get NNX101 from the translator's parser; this finds
// invalid programs the parser lets through (reported, not counted as failures).
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { REPO_ROOT } from "./corpus.js";

const SCRIPT = `
import json, re, sys, warnings
warnings.simplefilter("ignore")
out = []
for text in json.load(sys.stdin):
    try:
        compile(text, "<mutant>", "exec", dont_inherit=True)
        out.append(None)
    except SyntaxError as e:
        out.append(f"{type(e).__name__}: {re.sub(r'line [0-9]+', 'line N', e.msg)}")
    except ValueError as e:
        out.append(f"ValueError: {e}")
print(json.dumps(out))
`;

/** For each text, Python's SyntaxError message (without its position), or null when it compiles. */
export function pythonSyntaxErrors(texts: readonly string[]): Array<string | null> {
  if (!texts.length) return [];
  const venv = join(REPO_ROOT, ".venv", "bin", "python");
  const python = process.env.NNXPORT_PYTHON ?? (existsSync(venv) ? venv : "python3");
  const r = spawnSync(python, ["-c", SCRIPT], { input: JSON.stringify(texts), encoding: "utf8", maxBuffer: 1 << 28 });
  if (r.status !== 0) throw new Error(`python syntax check failed: ${r.stderr || r.error?.message}`);
  const out = JSON.parse(r.stdout) as Array<string | null>;
  if (out.length !== texts.length) throw new Error("python syntax check: answer count differs");
  return out;
}
