// `npm run corpus` (after tsc): converts every file of the corpus of real model code in .corpus/
// and verifies every entry of its manifest.json, then writes corpus/RESULTS.md and
// corpus/RESULTS.json. Measuring, not a test: it exits 0 whatever the numbers are (2 on bad usage
// or a missing corpus). The corpus is made from ../shared/corpus/ (see its README) and is never
// committed.
//
// Each conversion and each entry runs in its own process (scripts/corpus-worker.mjs) in its own
// process group, so the time limit ends it together with the Python reference run it started,
// and a hang or crash costs that one row only.
//
//   node scripts/corpus.mjs [--only SUBSTRING] [--jobs N] [--timeout SECONDS] [--corpus DIR] [--out DIR]

import { execFileSync, fork } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join, relative, resolve, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
const WORKER = fileURLToPath(new URL("corpus-worker.mjs", import.meta.url));
const ENTRY_OPTIONS = new URL("../dist/src/cli/entry-options.js", import.meta.url);
const log = (msg) => process.stderr.write(`corpus: ${msg}\n`);
/** A path as the user would type it from here: relative when it is below the current folder. */
const shown = (p, from = process.cwd()) => {
  const r = relative(from, p);
  return r && !r.startsWith("..") ? r : p;
};

// --- options ----------------------------------------------------------------------------

const USAGE = "usage: node scripts/corpus.mjs [--only SUBSTRING] [--jobs N] [--timeout SECONDS] [--corpus DIR] [--out DIR]";
let opts;
try {
  ({ values: opts } = parseArgs({
    options: {
      only: { type: "string" },
      jobs: { type: "string", default: "1" },
      timeout: { type: "string", default: "300" },
      corpus: { type: "string", default: join(ROOT, ".corpus") },
      out: { type: "string", default: join(ROOT, "corpus") },
      help: { type: "boolean", short: "h" },
    },
  }));
} catch (e) {
  usage(e.message);
}
if (opts.help) {
  process.stdout.write(`${USAGE}\n`);
  process.exit(0);
}
const jobs = positiveNumber("--jobs", opts.jobs, true);
const timeoutSeconds = positiveNumber("--timeout", opts.timeout, false);
const corpusDir = resolve(opts.corpus);
const outDir = resolve(opts.out);

function usage(message) {
  process.stderr.write(`corpus: ${message}\n${USAGE}\n`);
  process.exit(2);
}

function positiveNumber(flag, text, integer) {
  const n = Number(text);
  if (!(n > 0) || (integer && !Number.isInteger(n))) usage(`${flag} takes a positive ${integer ? "integer" : "number"}, not '${text}'`);
  return n;
}

// --- the corpus -------------------------------------------------------------------------

const manifestPath = join(corpusDir, "manifest.json");
if (!existsSync(manifestPath)) {
  const shared = join(ROOT, "..", "shared", "corpus");
  const sharedShown = existsSync(shared) ? relative(process.cwd(), shared) : "../shared/corpus";
  const repos = existsSync(join(shared, "files.tsv"))
    ? [...new Set(readFileSync(join(shared, "files.tsv"), "utf8").trim().split("\n").slice(1).map((l) => l.split("\t")[1]))]
    : [];
  process.stderr.write(
    [
      `corpus: no corpus at ${shown(corpusDir)} (it has no manifest.json). To make it:`,
      `  1. bring each repository listed in ${sharedShown}/files.tsv onto this machine with the \`fetch\` tool${repos.length ? `:\n       ${repos.map((r) => `github:${r}`).join("  ")}` : ""}`,
      `  2. ${sharedShown}/materialize.sh MIRRORS ${shown(corpusDir)}`,
      `     (MIRRORS is the folder that holds the fetched OWNER+NAME folders; see ${sharedShown}/README.md)`,
      "The corpus is measuring data: keep it in a git-ignored folder and never commit it.",
      "",
    ].join("\n"),
  );
  process.exit(2);
}
if (!existsSync(fileURLToPath(ENTRY_OPTIONS))) usage("dist/ is not built: run `npm run corpus` (it builds first) or `npx tsc -p tsconfig.json`");

const { entryFromManifest, entryArgs, shellQuote } = await import(ENTRY_OPTIONS.href);
let manifest;
try {
  manifest = JSON.parse(readFileSync(manifestPath, "utf8"));
  if (!Array.isArray(manifest)) throw new Error("it is not a list of entries");
} catch (e) {
  usage(`cannot read ${manifestPath}: ${e.message}`);
}

/** The corpus's Python files, as paths relative to it with forward slashes. */
function pythonFiles(dir, base = dir) {
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => !d.name.startsWith("."))
    .flatMap((d) => (d.isDirectory() ? pythonFiles(join(dir, d.name), base) : d.name.endsWith(".py") ? [relative(base, join(dir, d.name)).split(sep).join("/")] : []))
    .sort();
}

/** Files that import neither framework (package __init__s, data pipelines) are support files, not converted. */
const FRAMEWORK_IMPORT = /^\s*(import|from)\s+(haiku|flax)\b/m;

const matches = (s) => !opts.only || s.includes(opts.only);
const entries = manifest.map((m, index) => ({ m, index, id: typeof m?.id === "string" ? m.id : `#${index}`, file: typeof m?.file === "string" ? m.file : "" })).filter((e) => matches(e.id) || matches(e.file));
const wantedFiles = new Set(entries.map((e) => e.file));
const files = pythonFiles(corpusDir)
  .filter((f) => matches(f) || wantedFiles.has(f))
  .map((f) => ({ file: f, skipped: !FRAMEWORK_IMPORT.test(readFileSync(join(corpusDir, f), "utf8")) }));
for (const e of entries) if (e.file && !files.some((f) => f.file === e.file)) files.push({ file: e.file, missing: true });
files.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
if (!files.length && !entries.length) usage(opts.only ? `nothing in the corpus matches --only '${opts.only}'` : "the corpus is empty");

// --- running ----------------------------------------------------------------------------

const running = new Set();
for (const signal of ["SIGINT", "SIGTERM"]) {
  process.on(signal, () => {
    for (const child of running) killGroup(child);
    process.exit(130);
  });
}

function killGroup(child) {
  try {
    process.kill(-child.pid, "SIGKILL");
  } catch {
    // Already gone.
  }
}

/**
 * Runs one worker task in its own process group with the time limit; resolves with its result
 * message, or { timedOut } / { crashed } when it sent none.
 */
function runWorker(args, env) {
  return new Promise((done) => {
    const started = performance.now();
    // Its own temporary folder: a killed task cannot clean up after itself, so the runner does.
    const tmp = mkdtempSync(join(tmpdir(), "nnxport-corpus-"));
    const child = fork(WORKER, args, { stdio: ["ignore", "ignore", "pipe", "ipc"], detached: true, env: { ...process.env, ...env, TMPDIR: tmp } });
    running.add(child);
    let stderr = "";
    let message;
    let timedOut = false;
    child.stderr.on("data", (d) => (stderr = (stderr + d).slice(-4000)));
    child.on("message", (m) => (message = m));
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child);
    }, timeoutSeconds * 1000);
    child.on("exit", (code, signal) => {
      clearTimeout(timer);
      running.delete(child);
      // A worker that died mid-task may leave its Python reference run behind, in its group.
      if (!message) killGroup(child);
      rmSync(tmp, { recursive: true, force: true });
      const seconds = (performance.now() - started) / 1000;
      if (message && !timedOut) done({ ...message, seconds });
      else if (timedOut) done({ timedOut: true, seconds });
      else done({ crashed: signal ? `killed by ${signal}` : `exited with code ${code}`, stderr: lastLines(stderr), seconds });
    });
  });
}

const lastLines = (text) => text.trim().split("\n").filter(Boolean).slice(-3).join(" | ");

/** Where the file's imports resolve from: the corpus's first folder (`brax/brax/training/x.py` → `brax`). */
function importRoot(file) {
  return join(corpusDir, file.split("/")[0]);
}

async function convertFile(f) {
  if (f.skipped || f.missing) return { ...f, converted: f.skipped ? "skipped" : "missing", diagnostics: [] };
  const r = await runWorker(["convert", join(corpusDir, f.file)], {});
  const base = { ...f, seconds: r.seconds };
  if (r.timedOut) return { ...base, converted: "no", failure: `timed out after ${timeoutSeconds} s`, diagnostics: [] };
  if (r.crashed) return { ...base, converted: "no", failure: `the worker ${r.crashed}: ${r.stderr}`, diagnostics: [] };
  if (r.internal) return { ...base, converted: "no", failure: `internal error: ${r.internal.split("\n")[0]}`, detail: r.internal, diagnostics: [] };
  return { ...base, converted: r.converted ? "yes" : "no", diagnostics: r.diagnostics, tsLines: r.tsLines, workSeconds: r.workSeconds };
}

async function verifyEntry(e) {
  const base = { id: e.id, file: e.file, needs: e.m?.needs ?? [], notes: [], diagnostics: [] };
  let entry;
  try {
    if (!e.file) throw new Error(`manifest entry ${e.id}: \`file\` must be a path under the corpus`);
    entry = entryFromManifest(e.m);
  } catch (err) {
    return { ...base, status: "bad entry", ok: false, failure: err.message };
  }
  const path = join(corpusDir, e.file);
  const command = `nnxport verify ${shellQuote([shown(path, ROOT), ...entryArgs(entry)])}`;
  if (!existsSync(path)) return { ...base, command, status: "missing file", ok: false, failure: `${e.file} is not in the corpus` };
  const root = importRoot(e.file);
  const r = await runWorker(["verify", path, JSON.stringify(entry)], { PYTHONPATH: [root, process.env.PYTHONPATH].filter(Boolean).join(delimiter) });
  const done = { ...base, command, importRoot: shown(root, ROOT), seconds: r.seconds };
  if (r.timedOut) return { ...done, status: "timeout", ok: false, failure: `timed out after ${timeoutSeconds} s` };
  if (r.crashed) return { ...done, status: "crash", ok: false, failure: `the worker ${r.crashed}: ${r.stderr}` };
  if (r.internal) return { ...done, status: "internal error", ok: false, failure: r.internal.split("\n")[0], detail: r.internal };
  const { seconds: _s, ...rest } = r;
  if (e.m.framework && r.framework && e.m.framework !== r.framework) rest.notes = [...rest.notes, `the manifest says ${e.m.framework}, nnxport read ${r.framework}`];
  return { ...done, ...rest };
}

/** Runs tasks with at most `jobs` at a time, logging each as it ends. */
async function pool(tasks) {
  const results = new Array(tasks.length);
  let next = 0;
  let finished = 0;
  const lane = async () => {
    while (next < tasks.length) {
      const i = next++;
      results[i] = await tasks[i].run();
      log(`[${++finished}/${tasks.length}] ${tasks[i].label}: ${tasks[i].describe(results[i])}`);
    }
  };
  await Promise.all(Array.from({ length: Math.min(jobs, tasks.length) }, lane));
  return results;
}

const startedAt = new Date();
const started = performance.now();
log(`${files.length} files, ${entries.length} entries from ${shown(corpusDir)}${opts.only ? ` (--only ${opts.only})` : ""}; ${jobs} at a time, ${timeoutSeconds} s each`);
const results = await pool([
  ...files.map((f) => ({ label: `convert ${f.file}`, run: () => convertFile(f), describe: (r) => `${r.converted}${r.failure ? ` (${r.failure})` : ""}${secondsNote(r)}` })),
  ...entries.map((e) => ({ label: `verify ${e.id}`, run: () => verifyEntry(e), describe: (r) => `${r.status}${secondsNote(r)}` })),
]);
const fileResults = results.slice(0, files.length);
const entryResults = results.slice(files.length);
const totalSeconds = (performance.now() - started) / 1000;

function secondsNote(r) {
  return r.seconds !== undefined ? ` in ${r.seconds.toFixed(1)} s` : "";
}

// --- the report -------------------------------------------------------------------------

const modelFiles = fileResults.filter((f) => f.converted !== "skipped");
const count = (list, pred) => list.filter(pred).length;
const statuses = {};
for (const r of entryResults) statuses[r.status] = (statuses[r.status] ?? 0) + 1;
const summary = {
  files: fileResults.length,
  modelFiles: modelFiles.length,
  converted: count(modelFiles, (f) => f.converted === "yes"),
  skipped: fileResults.length - modelFiles.length,
  entries: entryResults.length,
  verified: count(entryResults, (r) => r.ok),
  statuses,
  seconds: totalSeconds,
};
const plural = (n, word) => `${n} ${word}${n === 1 ? "" : "s"}`;
const pct = (a, b) => (b ? `${Math.round((100 * a) / b)}%` : "");
const otherStatuses = Object.entries(statuses)
  .filter(([s]) => s !== "ok")
  .sort((a, b) => b[1] - a[1])
  .map(([s, n]) => `${n} ${s}`);
const summaryLine =
  `${summary.converted}/${summary.modelFiles} files convert (${[pct(summary.converted, summary.modelFiles), summary.skipped && `${plural(summary.skipped, "support file")} without a Flax/Haiku import skipped`].filter(Boolean).join("; ")})` +
  `; ${summary.verified}/${summary.entries} entries verify (${[pct(summary.verified, summary.entries), ...otherStatuses].filter(Boolean).join("; ")})` +
  `; ${Math.round(totalSeconds)} s in all.`;

function gitCommit() {
  try {
    const sha = execFileSync("git", ["-C", ROOT, "rev-parse", "--short", "HEAD"], { encoding: "utf8" }).trim();
    const dirty = execFileSync("git", ["-C", ROOT, "status", "--porcelain", "--untracked-files=no"], { encoding: "utf8" }).trim();
    return dirty ? `${sha} with local changes` : sha;
  } catch {
    return "unknown";
  }
}

const version = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")).version;
const meta = { generatedBy: `nnxport ${version}`, commit: gitCommit(), date: startedAt.toISOString(), corpus: shown(corpusDir, ROOT), only: opts.only ?? null, jobs, timeoutSeconds };

const cell = (s) => String(s).replace(/\|/g, "\\|").replace(/\s*\n\s*/g, " ");
const clip = (s, n) => (s.length > n ? `${s.slice(0, n - 1)}…` : s);
const fmtError = (r) => (r.maxAbsError === undefined ? "—" : r.maxAbsError === null ? "∞ (shape)" : r.maxAbsError.toExponential(1));

/** `2 errors, 1 warning: NNX201×2, NNX210 · l.45 NNX201 message; …` */
function diagnosticsCell(f) {
  if (f.failure) return cell(clip(f.failure, 160));
  const ds = f.diagnostics ?? [];
  if (!ds.length) return "";
  const errors = ds.filter((d) => d.severity === "error");
  const warnings = ds.length - errors.length;
  const byCode = {};
  for (const d of ds) byCode[d.code] = (byCode[d.code] ?? 0) + 1;
  const head = [errors.length && `${errors.length} error${errors.length > 1 ? "s" : ""}`, warnings && `${warnings} warning${warnings > 1 ? "s" : ""}`].filter(Boolean).join(", ");
  const codes = Object.entries(byCode).map(([c, n]) => (n > 1 ? `${c}×${n}` : c)).join(", ");
  const first = [...errors, ...ds.filter((d) => d.severity !== "error")].slice(0, 3).map((d) => `${d.line ? `l.${d.line} ` : ""}${d.code} ${clip(d.message, 90)}`);
  return cell(`${head}: ${codes} · ${first.join("; ")}`);
}

function verifiedCell(r) {
  if (r.status === "not ok" && r.checks) return `not ok (${r.failedChecks.length}/${r.checks} checks${r.params?.problems?.length ? `, ${r.params.problems.length} param problems` : ""})`;
  return r.status;
}

const rows = [];
for (const f of fileResults) {
  const mine = entryResults.filter((r) => r.file === f.file);
  const fileCells = [cell(f.file), f.converted, diagnosticsCell(f)];
  if (!mine.length) rows.push([...fileCells, "", "", "", f.seconds !== undefined ? f.seconds.toFixed(1) : ""]);
  mine.forEach((r, i) => rows.push([...(i === 0 ? fileCells : [cell(f.file), "", ""]), cell(r.id), cell(verifiedCell(r)), fmtError(r), r.seconds !== undefined ? r.seconds.toFixed(1) : ""]));
}

// An entry without a usable file has no file row to go under.
for (const r of entryResults.filter((r) => !fileResults.some((f) => f.file === r.file))) rows.push([cell(r.file), "", "", cell(r.id), cell(verifiedCell(r)), fmtError(r), ""]);

const notVerified = entryResults.filter((r) => !r.ok);
const md = [
  "# Corpus results",
  "",
  `**${summaryLine}**`,
  "",
  `Made by \`npm run corpus\`${opts.only ? ` --only ${opts.only}` : ""} (${meta.generatedBy}, commit ${meta.commit}) on ${meta.date.slice(0, 16).replace("T", " ")} UTC from \`${meta.corpus}/\`; ${jobs} at a time, ${timeoutSeconds} s limit each.`,
  "Converted: the file translates on its own (`translate` without an entry), type-check included. Diagnostics: the conversion's, counted by code, the first few with their line.",
  "Verified: `verify` on the manifest entry (ok, not ok with the failing checks, or the first error's code). Max error: the largest absolute error over every check.",
  "Seconds: wall time of the entry's own process (on a row without an entry, of the file's conversion). RESULTS.json has every diagnostic, failing check and note.",
  "",
  "| file | converted | diagnostics | entry | verified | max error | seconds |",
  "|---|---|---|---|---|---|---|",
  ...rows.map((r) => `| ${r.join(" | ")} |`),
  "",
  ...(notVerified.length
    ? [
        "## Entries that did not verify",
        "",
        ...notVerified.map((r) => {
          const why = r.failure ?? (r.diagnostics.find((d) => d.severity === "error") ? (({ code, message, line }) => `${code}${line ? ` (line ${line})` : ""}: ${message}`)(r.diagnostics.find((d) => d.severity === "error")) : r.failedChecks?.length ? `failing checks: ${r.failedChecks.slice(0, 3).map((c) => c.name).join("; ")}${r.failedChecks.length > 3 ? "; …" : ""}` : (r.params?.problems ?? []).slice(0, 3).join("; ") || "no checks ran");
          return `- \`${r.id}\` — ${clip(why.replace(/\s*\n\s*/g, " "), 300)}${r.command ? `\n  \`${r.command}\`` : ""}`;
        }),
        "",
      ]
    : []),
].join("\n");

mkdirSync(outDir, { recursive: true });
writeFileSync(join(outDir, "RESULTS.md"), md);
writeFileSync(join(outDir, "RESULTS.json"), JSON.stringify({ ...meta, summary, summaryLine, files: fileResults, entries: entryResults }, null, 2) + "\n");
log(summaryLine);
log(`wrote ${shown(join(outDir, "RESULTS.md"))} and RESULTS.json`);
