// `nnxport verify FILE.py [--json]`
import { existsSync } from "node:fs";
import pc from "picocolors";
import { verify, type VerifyReport } from "../verify/index.js";
import { EXIT, UsageError } from "./exit-codes.js";

export interface VerifyCliOptions {
  json?: boolean;
  seed: number;
  atol: number;
  rtol: number;
}

export async function runVerify(file: string, options: VerifyCliOptions): Promise<number> {
  if (!existsSync(file)) throw new UsageError(`no such file: ${file}`);
  if (!file.endsWith(".py")) throw new UsageError(`not a Python file: ${file}`);
  const report = await verify(file, { seed: options.seed, tolerance: { atol: options.atol, rtol: options.rtol } });
  if (options.json) process.stdout.write(JSON.stringify(report, jsonNumbers) + "\n");
  else printReport(report);
  return report.ok ? EXIT.ok : EXIT.failed;
}

/** JSON has no Infinity; a check that could not compare reports null. */
function jsonNumbers(_key: string, value: unknown): unknown {
  return typeof value === "number" && !Number.isFinite(value) ? null : value;
}

const fmt = (n: number) => (Number.isFinite(n) ? n.toExponential(2) : "—");

export function printReport(r: VerifyReport): void {
  const out = (s: string) => process.stdout.write(s + "\n");
  for (const d of r.diagnostics) process.stderr.write(d.text + "\n");
  out(pc.bold(`${r.file}`) + (r.framework ? ` (${r.framework}` + (r.backend ? `, TypeScript on ${r.backend})` : ")") : ""));
  if (r.params) {
    const mark = r.params.problems.length ? pc.red("FAIL") : pc.green("ok  ");
    out(`  ${mark}  parameter tree: ${r.params.matched}/${r.params.total} matched`);
    for (const p of r.params.problems) out(`          ${p}`);
  }
  if (r.checks.length) {
    const width = Math.max(...r.checks.map((c) => c.name.length));
    out(`        ${"check".padEnd(width)}  ${"shape".padEnd(12)}  max abs err  max rel err`);
    for (const c of r.checks) {
      const mark = c.ok ? pc.green("ok  ") : pc.red("FAIL");
      out(`  ${mark}  ${c.name.padEnd(width)}  ${`[${c.shape.join(",")}]`.padEnd(12)}  ${fmt(c.maxAbsError).padStart(11)}  ${fmt(c.maxRelError).padStart(11)}${c.dtype ? `  dtype ${c.dtype}` : ""}`);
    }
  }
  for (const n of r.notes) out(pc.yellow(`  note: ${n}`));
  out(`  tolerance: |ts − ref| ≤ ${r.tolerance.atol} + ${r.tolerance.rtol}·|ref|`);
  out(r.ok ? pc.green("verified: the translation matches the original") : pc.red("NOT verified"));
}
