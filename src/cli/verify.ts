// `nnxport verify FILE.py [--json]`
import { existsSync, readFileSync } from "node:fs";
import pc from "picocolors";
import { verify, type EntryOverride, type VerifyArtifacts, type VerifyReport } from "../verify/index.js";
import { GENERATOR, renderReport } from "../verify/report.js";
import { EXIT, UsageError } from "./exit-codes.js";
import { saveFixture } from "./fixture.js";
import { writeAtomic } from "./write.js";

export interface VerifyCliOptions {
  json?: boolean;
  seed: number;
  atol: number;
  rtol: number;
  /** Write a self-contained HTML page of the results here. */
  report?: string;
  /** Save the reference and a vitest file for the user's CI into this folder. */
  saveFixture?: string;
  /** The translated model the fixture's test imports (default: a copy written into the fixture folder). */
  fixtureModel?: string;
  force?: boolean;
  /** The model to verify, when the file has no init call of its own (or another one is wanted). */
  entry?: EntryOverride;
}

export async function runVerify(file: string, options: VerifyCliOptions): Promise<number> {
  if (!existsSync(file)) throw new UsageError(`no such file: ${file}`);
  if (!file.endsWith(".py")) throw new UsageError(`not a Python file: ${file}`);
  if (options.report && !options.force && existsSync(options.report) && !readFileSync(options.report, "utf8").includes(`<meta name="generator" content="${GENERATOR}">`)) {
    process.stderr.write(`${options.report}: error NNX602: refusing to overwrite a file nnxport did not write (use --force)\n`);
    return EXIT.failed;
  }
  const artifacts: VerifyArtifacts = {};
  const tolerance = { atol: options.atol, rtol: options.rtol };
  let report: VerifyReport;
  try {
    report = await verify(file, { seed: options.seed, tolerance, entry: options.entry, artifacts });
  } catch (e) {
    // Scripts and editors parse --json output: whatever happens, it is one object with `ok`.
    if (!options.json) throw e;
    const message = `internal error: ${(e as Error).message} (a bug in nnxport; NNXPORT_DEBUG=1 shows where)`;
    if (process.env.NNXPORT_DEBUG) process.stderr.write(`${(e as Error).stack}\n`);
    report = { ok: false, file, checks: [], tolerance, notes: [], diagnostics: [{ code: "NNX400", severity: "error", message, file, text: `${file}: error NNX400: ${message}` }] };
  }
  if (options.json) process.stdout.write(JSON.stringify(report, jsonNumbers) + "\n");
  else printReport(report);
  if (options.report) {
    await writeAtomic(options.report, renderReport(report, artifacts.translation?.paramMap));
    if (!options.json) process.stderr.write(`report: ${options.report}\n`);
  }
  if (options.saveFixture && !(await saveFixture(file, report, artifacts, { ...options, dir: options.saveFixture }))) return EXIT.failed;
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
