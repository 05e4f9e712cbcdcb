// `nnxport convert PATH... [-o OUT.ts | --out-dir DIR] [--check] [--diff] [--jobs N]`
import { readFile } from "node:fs/promises";
import { existsSync, statSync } from "node:fs";
import { basename, dirname, join, relative, resolve } from "node:path";
import { SingleBar, Presets } from "cli-progress";
import { createTwoFilesPatch } from "diff";
import { glob } from "tinyglobby";
import { DiagnosticError, formatDiagnostic } from "../diagnostics.js";
import { availableParallelism } from "node:os";
import type { Framework, TranslatedFile } from "../translate.js";
import type { EntryRequest } from "../frontends/common/entry-override.js";
import { translateAllParallel } from "../parallel/pool.js";
import { EXIT, UsageError } from "./exit-codes.js";
import { isOurs, readIfExists, writeAtomic } from "./write.js";

export interface ConvertOptions {
  out?: string;
  outDir?: string;
  check?: boolean;
  diff?: boolean;
  force?: boolean;
  framework?: Framework;
  typecheck: boolean;
  /** Threads that translate a folder's files (default: the core count). */
  jobs?: number;
  /** The model to build (`--entry` and its inputs), instead of the file's own init call: one file only. */
  entry?: EntryRequest;
}

type Outcome = "converted" | "unchanged" | "skipped" | "failed" | "would change";

interface Job {
  source: string;
  out: string;
}

/** model.ts → model.params.json */
export function paramMapPath(out: string): string {
  return out.replace(/\.ts$/, "") + ".params.json";
}

async function plan(paths: string[], options: ConvertOptions): Promise<Job[]> {
  const jobs: Job[] = [];
  for (const p of paths) {
    let isDir: boolean;
    try {
      isDir = statSync(p).isDirectory();
    } catch {
      throw new UsageError(`no such file or folder: ${p}`);
    }
    if (!isDir) {
      if (!p.endsWith(".py")) throw new UsageError(`not a Python file: ${p}`);
      const out = options.out ?? (options.outDir ? join(options.outDir, basename(p).replace(/\.py$/, ".ts")) : p.replace(/\.py$/, ".ts"));
      jobs.push({ source: p, out });
      continue;
    }
    const files = await glob("**/*.py", { cwd: p, ignore: ["**/node_modules/**", "**/.venv/**", "**/__pycache__/**"] });
    for (const f of files.sort()) {
      const out = options.outDir ? join(options.outDir, f.replace(/\.py$/, ".ts")) : join(p, f.replace(/\.py$/, ".ts"));
      jobs.push({ source: join(p, f), out });
    }
  }
  if (options.out && jobs.length !== 1) throw new UsageError("-o/--out takes exactly one input file; use --out-dir for several");
  if (options.entry && (jobs.length !== 1 || paths.some((p) => statSync(p).isDirectory()))) throw new UsageError("--entry names the model of one file: give exactly one input file");
  return jobs;
}

/** A folder holds other Python too: convert only files that use a supported framework. */
function usesFramework(text: string): boolean {
  return /^\s*(import\s+haiku|from\s+haiku|import\s+flax\.linen|from\s+flax(\.linen)?\s+import)/m.test(text);
}

export async function runConvert(paths: string[], options: ConvertOptions): Promise<number> {
  const jobs = await plan(paths, options);
  const folder = paths.some((p) => statSync(p).isDirectory());
  const counts: Record<Outcome, number> = { converted: 0, unchanged: 0, "would change": 0, skipped: 0, failed: 0 };
  // Files written with some part left out (an error names each part): the rest translated, but the run did not fully succeed.
  let withErrors = 0;
  const messages: string[] = [];

  // Read and translate everything, then type-check the outputs together, then write.
  const pending: Array<{ job: Job; text: string }> = [];
  const support: Array<{ job: Job; text: string }> = [];
  for (const job of jobs) {
    const text = await readFile(job.source, "utf8");
    if (folder && !usesFramework(text)) support.push({ job, text });
    else if (resolve(job.out) === resolve(job.source)) {
      messages.push(`${job.source}: error NNX601: the output would replace the source`);
      counts.failed++;
    } else pending.push({ job, text });
  }
  const bar = folder && process.stderr.isTTY ? new SingleBar({ format: "converting [{bar}] {value}/{total} {file}", hideCursor: true }, Presets.shades_classic) : undefined;
  bar?.start(pending.length, 0, { file: "" });
  const results = await translateAllParallel(
    pending.map(({ job, text }) => ({
      file: job.source,
      text,
      // Relative to the output, so the header does not depend on where nnxport ran.
      options: { framework: options.framework, entry: options.entry, skipTypeCheck: !options.typecheck, sourceLabel: relative(dirname(resolve(job.out)), resolve(job.source)) },
    })),
    options.jobs ?? defaultJobs(pending.length),
    () => bar?.increment(),
  );
  bar?.stop();
  // A file of the folder with no framework import is skipped, unless converted files import from its output
  // (a config-only file): then it converts too, read as the framework of the file importing it.
  const importers = new Map<string, TranslatedFile>();
  for (const r of results) if (!(r instanceof DiagnosticError)) for (const { source } of r.importsFrom ?? []) if (!importers.has(source)) importers.set(source, r);
  const needed = support.filter(({ job }) => importers.has(resolve(job.source)));
  counts.skipped += support.length - needed.length;
  const supportResults = needed.length
    ? await translateAllParallel(
        needed.map(({ job, text }) => ({
          file: job.source,
          text,
          options: { framework: options.framework, importedBy: importers.get(resolve(job.source))!.framework, skipTypeCheck: !options.typecheck, sourceLabel: relative(dirname(resolve(job.out)), resolve(job.source)) },
        })),
        1,
      )
    : [];
  pending.push(...needed);
  results.push(...supportResults);
  for (const [i, result] of results.entries()) {
    const outcome = await finish(pending[i].job, result, options, messages);
    counts[outcome]++;
    if (outcome !== "failed" && !(result instanceof DiagnosticError) && result.diagnostics.errorCount > 0) withErrors++;
  }
  // An output imports what it shares with the user's other files from their outputs (mirroring the sources' folders).
  for (const [i, result] of results.entries()) {
    if (result instanceof DiagnosticError || options.check) continue;
    const { job } = pending[i];
    for (const { source, specifier } of result.importsFrom ?? []) {
      const target = resolve(dirname(resolve(job.out)), specifier.replace(/\.js$/, ".ts"));
      if (existsSync(target)) continue;
      const plain = !usesFramework(await readFile(source, "utf8").catch(() => ""));
      messages.push(`${job.source}: warning NNX304: the output imports from ${specifier}, which does not exist: convert ${relative(process.cwd(), source) || source} too${plain ? ` (with --framework ${result.framework}: it imports no framework)` : ""}, with its output at ${relative(process.cwd(), target)} (converting their folder converts a package's files together)`);
    }
  }
  flush(messages);

  const summary = Object.entries(counts)
    .filter(([k, n]) => n > 0 || k === "converted" || k === "failed")
    .map(([k, n]) => `${n} ${k}`)
    .concat(withErrors ? [`${withErrors} with parts left out`] : [])
    .join(", ");
  process.stderr.write(`${summary}\n`);
  return counts.failed > 0 || counts["would change"] > 0 || withErrors > 0 ? EXIT.failed : EXIT.ok;
}

/**
 * The core count, but no more threads than there are batches of 40 files. Every
 * thread of a new process warms up alike (V8's JIT over its first few hundred
 * files), so a worker costs only its loading of the translator beyond that,
 * about as much as translating 20 files, and two threads gain from about 40.
 */
export function defaultJobs(files: number): number {
  return Math.max(1, Math.min(availableParallelism(), Math.ceil(files / 40)));
}

function flush(messages: string[]): void {
  // A problem in a file others import is found again by each of them (at that file's line): said once.
  const said = new Set<string>();
  for (const m of messages.splice(0)) {
    if (said.has(m)) continue;
    said.add(m);
    process.stderr.write(m + "\n");
  }
}

/** Reports, compares and writes one translated file. */
async function finish(job: Job, translation: TranslatedFile | DiagnosticError, options: ConvertOptions, messages: string[]): Promise<Outcome> {
  if (translation instanceof DiagnosticError) {
    messages.push(...translation.diagnostics.map((d) => formatDiagnostic(d)));
    return "failed";
  }
  const mapPath = paramMapPath(job.out);
  for (const w of translation.diagnostics.items) messages.push(formatDiagnostic(w));
  // A library file with no entry has no model to map: no param map.
  const mapText = translation.paramMap ? JSON.stringify(translation.paramMap, null, 2) + "\n" : undefined;
  const before = readIfExists(job.out);
  const mapBefore = readIfExists(mapPath);
  if (before === translation.code && (mapText === undefined || mapBefore === mapText)) return "unchanged";
  if (options.diff) messages.push(createTwoFilesPatch(job.out, job.out, before ?? "", translation.code));
  if (options.check) {
    messages.push(`${job.out}: would change`);
    return "would change";
  }
  for (const p of mapText === undefined ? [job.out] : [job.out, mapPath]) {
    if (!options.force && !isOurs(p)) {
      messages.push(`${p}: error NNX602: refusing to overwrite a file nnxport did not write (use --force)`);
      return "failed";
    }
  }
  await writeAtomic(job.out, translation.code);
  if (mapText !== undefined) await writeAtomic(mapPath, mapText);
  return "converted";
}
