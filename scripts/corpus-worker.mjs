// One task of `npm run corpus` in its own process, so that the runner's time limit can end it
// (with the Python reference run it starts) and a crash here cannot stop the run. Uses the built
// dist/ API. Started by scripts/corpus.mjs with fork(); sends one result message and exits.
//
//   node scripts/corpus-worker.mjs convert FILE
//   node scripts/corpus-worker.mjs verify FILE ENTRY_OVERRIDE_JSON

import { readFile } from "node:fs/promises";

const dist = (path) => new URL(`../dist/src/${path}`, import.meta.url).href;

const [kind, file, entryJson] = process.argv.slice(2);
let result;
try {
  result = kind === "convert" ? await convert(file) : kind === "verify" ? await verify(file, JSON.parse(entryJson)) : { internal: `unknown task '${kind}'` };
} catch (e) {
  result = { internal: (e && e.stack) || String(e) };
}
// JSON has no Infinity: a check that could not compare (a shape mismatch) reports null.
process.send(JSON.parse(JSON.stringify(result, (_k, v) => (typeof v === "number" && !Number.isFinite(v) ? null : v))), () => process.exit(0));

function diagnostic(d) {
  return { code: d.code, severity: d.severity, message: d.message, ...(d.span ? { line: d.span.line } : {}) };
}

async function convert(path) {
  const { translate } = await import(dist("translate.js"));
  const { DiagnosticError } = await import(dist("diagnostics.js"));
  const started = performance.now();
  try {
    const t = await translate(path, await readFile(path, "utf8"));
    return { converted: true, diagnostics: t.diagnostics.items.map(diagnostic), tsLines: t.code.split("\n").length, workSeconds: (performance.now() - started) / 1000 };
  } catch (e) {
    if (!(e instanceof DiagnosticError)) throw e;
    return { converted: false, diagnostics: e.diagnostics.map(diagnostic), workSeconds: (performance.now() - started) / 1000 };
  }
}

async function verify(path, entry) {
  const { verify } = await import(dist("verify/verify.js"));
  const started = performance.now();
  const r = await verify(path, { seed: 0, entry });
  // Over every check; undefined when nothing was compared.
  const worst = (key) => (r.checks.length ? Math.max(...r.checks.map((c) => c[key])) : undefined);
  const failed = r.checks.filter((c) => !c.ok);
  const firstError = r.diagnostics.find((d) => d.severity === "error");
  return {
    ok: r.ok,
    status: r.ok ? "ok" : firstError ? firstError.code : "not ok",
    framework: r.framework,
    checks: r.checks.length,
    failedChecks: failed.map((c) => ({ name: c.name, shape: c.shape, maxAbsError: c.maxAbsError, maxRelError: c.maxRelError })),
    maxAbsError: worst("maxAbsError"),
    maxRelError: worst("maxRelError"),
    params: r.params ? { matched: r.params.matched, total: r.params.total, problems: r.params.problems } : undefined,
    notes: r.notes,
    diagnostics: r.diagnostics.map(diagnostic),
    workSeconds: (performance.now() - started) / 1000,
  };
}
