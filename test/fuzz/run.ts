// Runs translate on seeded mutants in worker processes, classifies every
// answer, and writes the failing mutants (text, seed, index, mutations, what
// went wrong) to a folder. `npm run fuzz -- --help` for the command line.
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Corpus, loadSeeds, REPO_ROOT, type MutantCase } from "./corpus.js";
import { minimize } from "./minimize.js";
import type { Mutation } from "./mutate.js";
import { classify, isFailure, KINDS, type Kind, type Outcome } from "./outcome.js";
import { WorkerPool } from "./pool.js";
import { pythonSyntaxErrors } from "./python-syntax.js";

export const DEFAULT_TRANSLATOR = join(REPO_ROOT, "dist", "src", "translate.js");

export interface FuzzOptions {
  seed: number;
  count: number;
  /** First index (mutants start..start+count-1). */
  start?: number;
  /** Only these indices (overrides start/count). */
  indices?: number[];
  jobs: number;
  timeoutMs: number;
  /** Type-check the output of every k-th mutant (index % k === 0); 0 never, 1 always. */
  typeCheckEvery: number;
  /** Failures are written here; the folder is emptied first. */
  outDir?: string;
  /** Shrink one example of each failure class (costs up to `minimizeProbes` translations each). */
  minimize?: boolean;
  minimizeProbes?: number;
  translator?: string;
  /** Replace a worker after this many inputs (it keeps every generated module it imported). */
  recycleAfter?: number;
  log?: (line: string) => void;
}

export interface CaseResult {
  index: number;
  seedName: string;
  mutations: Mutation[];
  skipTypeCheck: boolean;
  kind: Kind;
  problems: string[];
  signature?: string;
  ms: number;
  outcome: Outcome;
  /** Took longer than the limit once but answered on the retry. */
  slow?: boolean;
  /** Python rejects this text (compile()), but the answer is not NNX101. */
  pythonError?: string;
  text: string;
}

export interface FailureClass {
  signature: string;
  kind: Kind;
  count: number;
  /** Up to 50 mutant indices. */
  indices: number[];
  example: CaseResult;
  minimized?: string;
}

export interface FuzzSummary {
  seed: number;
  count: number;
  counts: Record<Kind, number>;
  /** Mutants run with the type-check, and how many of those translated. */
  typeChecked: { count: number; translated: number };
  /** Translations of skipTypeCheck mutants (outputs not type-checked). */
  translatedUnchecked: number;
  slow: number;
  /** Mutants Python's compile() rejects that got no NNX101 (the parser let them through): by answer, and by Python's message. */
  invalidPython: { count: number; byKind: Record<Kind, number>; messages: Array<{ message: string; count: number; example: number }> };
  classes: FailureClass[];
  failures: CaseResult[];
  elapsedMs: number;
  /** Per-mutant worker time: mean, 95th percentile and maximum, with and without the type-check. */
  timing: { checked: Timing; unchecked: Timing };
  workers: { started: number; timeouts: number; deaths: number; recycled: number; warmUpMs: number; maxRssMb: number };
  outDir?: string;
}

export interface Timing {
  n: number;
  meanMs: number;
  p95Ms: number;
  maxMs: number;
}

/** The translator's build must be newer than its sources, or the fuzzer tests old code. */
export function staleBuild(translator = DEFAULT_TRANSLATOR): string | undefined {
  if (!existsSync(translator)) return `${translator} does not exist: run \`npx tsc -p tsconfig.json\``;
  const built = statSync(translator).mtimeMs;
  for (const dir of ["src", "runtime"]) {
    for (const f of readdirSync(join(REPO_ROOT, dir), { recursive: true, encoding: "utf8" })) {
      if (!f.endsWith(".ts")) continue;
      if (statSync(join(REPO_ROOT, dir, f)).mtimeMs > built) return `${dir}/${f} is newer than ${translator}: run \`npx tsc -p tsconfig.json\``;
    }
  }
  return undefined;
}

export async function runFuzz(options: FuzzOptions): Promise<FuzzSummary> {
  const log = options.log ?? (() => {});
  const corpus = new Corpus(loadSeeds());
  const start = options.start ?? 0;
  const indices = options.indices ?? Array.from({ length: options.count }, (_, i) => start + i);
  const tmp = mkdtempSync(join(tmpdir(), "nnxport-fuzz-"));
  const late = new Map<number, Outcome>();
  const pool = new WorkerPool({
    jobs: options.jobs,
    timeoutMs: options.timeoutMs,
    translator: options.translator ?? DEFAULT_TRANSLATOR,
    tmpDir: tmp,
    recycleAfter: options.recycleAfter,
    onLateFatal: (input, outcome) => late.set(input.tag ?? -1, outcome),
  });
  const t0 = performance.now();
  const results: CaseResult[] = [];
  let done = 0;
  try {
    const runOne = async (c: MutantCase): Promise<CaseResult> => {
      const skipTypeCheck = !(options.typeCheckEvery > 0 && c.index % options.typeCheckEvery === 0);
      const file = `mutant_${c.index}.py`;
      const input = { file, text: c.text, skipTypeCheck, tag: c.index };
      let r = await pool.run(input);
      let slow = false;
      // A time-out on a busy machine is confirmed on a fresh worker before it counts as a hang.
      if (r.outcome.k === "timeout") {
        const again = await pool.run(input);
        if (again.outcome.k !== "timeout") {
          slow = true;
          r = again;
        }
      }
      const v = classify(r.outcome, file, c.text);
      done++;
      if (done % 100 === 0 || done === indices.length) log(`  ${done}/${indices.length} mutants (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
      return { index: c.index, seedName: c.seedName, mutations: c.mutations, skipTypeCheck, kind: v.kind, problems: v.problems, signature: v.signature, ms: r.ms, outcome: r.outcome, slow, text: c.text };
    };
    // Keep only a bounded number of inputs queued: the pool runs `jobs` at a time anyway.
    let next = 0;
    const lanes = Array.from({ length: options.jobs }, async () => {
      while (next < indices.length) {
        const c = corpus.mutant(options.seed, indices[next++]);
        results.push(await runOne(c));
      }
    });
    await Promise.all(lanes);
  } finally {
    await pool.close();
    rmSync(tmp, { recursive: true, force: true });
  }
  // An error that escaped after translate answered (a stray rejection) makes that input a crash.
  for (const [index, outcome] of late) {
    const r = results.find((x) => x.index === index);
    if (!r) continue;
    const v = classify(outcome, "", "");
    Object.assign(r, { kind: v.kind, problems: [`after the answer (${r.kind}): ${v.problems[0]}`], signature: v.signature, outcome });
  }
  results.sort((a, b) => a.index - b.index);
  const unparsed = results.filter((r) => !hasCode(r.outcome, "NNX101"));
  pythonSyntaxErrors(unparsed.map((r) => r.text)).forEach((e, i) => {
    if (e) unparsed[i].pythonError = e;
  });
  const summary = summarize(options, results, performance.now() - t0, pool);
  if (options.minimize) await minimizeClasses(summary, options, log);
  if (options.outDir) writeReport(summary, options.outDir);
  return summary;
}

function hasCode(o: Outcome, code: string): boolean {
  return (o.k === "diagnostics" || o.k === "translated") && o.diagnostics.some((d) => d.code === code);
}

function summarize(options: FuzzOptions, results: CaseResult[], elapsedMs: number, pool: WorkerPool): FuzzSummary {
  const counts = Object.fromEntries(KINDS.map((k) => [k, 0])) as Record<Kind, number>;
  for (const r of results) counts[r.kind]++;
  const failures = results.filter((r) => isFailure(r.kind));
  const classes = new Map<string, FailureClass>();
  for (const f of failures) {
    const sig = f.signature ?? f.kind;
    const c = classes.get(sig) ?? { signature: sig, kind: f.kind, count: 0, indices: [], example: f };
    c.count++;
    if (c.indices.length < 50) c.indices.push(f.index);
    // The shortest failing mutant is the best example to read.
    if (f.text.length < c.example.text.length) c.example = f;
    classes.set(sig, c);
  }
  const checked = results.filter((r) => !r.skipTypeCheck);
  const timing = (rs: CaseResult[]): Timing => {
    const ms = rs.filter((r) => r.outcome.k !== "timeout").map((r) => r.ms).sort((a, b) => a - b);
    return {
      n: ms.length,
      meanMs: ms.length ? ms.reduce((s, x) => s + x, 0) / ms.length : 0,
      p95Ms: ms.length ? ms[Math.min(ms.length - 1, Math.floor(ms.length * 0.95))] : 0,
      maxMs: ms.length ? ms[ms.length - 1] : 0,
    };
  };
  const warm = pool.stats.warmUpMs;
  const invalid = results.filter((r) => r.pythonError);
  const byKind = Object.fromEntries(KINDS.map((k) => [k, invalid.filter((r) => r.kind === k).length])) as Record<Kind, number>;
  const messages = new Map<string, { message: string; count: number; example: number }>();
  for (const r of invalid) {
    const m = messages.get(r.pythonError!) ?? { message: r.pythonError!, count: 0, example: r.index };
    m.count++;
    messages.set(m.message, m);
  }
  return {
    seed: options.seed,
    count: results.length,
    counts,
    typeChecked: { count: checked.length, translated: checked.filter((r) => r.kind === "translated").length },
    translatedUnchecked: results.filter((r) => r.skipTypeCheck && r.kind === "translated").length,
    slow: results.filter((r) => r.slow).length,
    invalidPython: { count: invalid.length, byKind, messages: [...messages.values()].sort((a, b) => b.count - a.count) },
    classes: [...classes.values()].sort((a, b) => b.count - a.count),
    failures,
    elapsedMs,
    timing: { checked: timing(checked), unchecked: timing(results.filter((r) => r.skipTypeCheck)) },
    workers: { ...pool.stats, warmUpMs: warm.length ? warm.reduce((s, x) => s + x, 0) / warm.length : 0 },
    outDir: options.outDir,
  };
}

async function minimizeClasses(summary: FuzzSummary, options: FuzzOptions, log: (line: string) => void): Promise<void> {
  const pool = new WorkerPool({ jobs: 1, timeoutMs: options.timeoutMs, translator: options.translator ?? DEFAULT_TRANSLATOR });
  try {
    for (const c of summary.classes) {
      if (c.kind === "hang" || c.example.index < 0) continue;
      const ex = c.example;
      const file = `mutant_${ex.index}.py`;
      const check = async (text: string) => {
        const r = await pool.run({ file, text, skipTypeCheck: ex.skipTypeCheck });
        return classify(r.outcome, file, text).signature;
      };
      const m = await minimize(ex.text, { signature: c.signature, check, maxProbes: options.minimizeProbes ?? 300 });
      c.minimized = m.text;
      log(`  minimized ${c.signature.slice(0, 80)}: ${ex.text.split("\n").length} -> ${m.text.split("\n").length} lines (${m.probes} probes)`);
    }
  } finally {
    await pool.close();
  }
}

function fileStem(r: CaseResult): string {
  return `${String(r.index).padStart(6, "0")}-${r.kind}`;
}

function writeReport(summary: FuzzSummary, outDir: string): void {
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  for (const f of summary.failures) {
    const stem = fileStem(f);
    writeFileSync(join(outDir, `${stem}.py`), f.text);
    const { text: _text, ...meta } = f;
    void _text;
    writeFileSync(
      join(outDir, `${stem}.json`),
      `${JSON.stringify({ seed: summary.seed, reproduce: reproduceCommand(summary.seed, f), ...meta }, null, 2)}\n`,
    );
  }
  summary.classes.forEach((c, i) => {
    if (c.minimized !== undefined) writeFileSync(join(outDir, `class-${i + 1}.min.py`), `${c.minimized}\n`);
  });
  const { failures: _f, ...rest } = summary;
  void _f;
  const classes = rest.classes.map((c) => ({ ...c, example: { index: c.example.index, seedName: c.example.seedName, problems: c.example.problems } }));
  writeFileSync(join(outDir, "summary.json"), `${JSON.stringify({ ...rest, classes }, null, 2)}\n`);
  writeFileSync(join(outDir, "summary.txt"), `${formatSummary(summary)}\n`);
}

export function reproduceCommand(seed: number, r: CaseResult): string {
  return `npm run fuzz -- --seed ${seed} --only ${r.index}${r.skipTypeCheck ? "" : " --typecheck-every 1"}`;
}

export function formatSummary(s: FuzzSummary): string {
  const pct = (n: number) => `${((100 * n) / Math.max(1, s.count)).toFixed(1)}%`;
  const t = (x: Timing) => `${x.n} runs, mean ${x.meanMs.toFixed(0)} ms, p95 ${x.p95Ms.toFixed(0)} ms, max ${x.maxMs.toFixed(0)} ms`;
  const lines = [
    `nnxport fuzz: seed ${s.seed}, ${s.count} mutants in ${(s.elapsedMs / 1000).toFixed(1)} s`,
    ...KINDS.map((k) => `  ${k.padEnd(15)} ${String(s.counts[k]).padStart(6)}  ${pct(s.counts[k])}`),
    `  type-checked ${s.typeChecked.count} mutants (${s.typeChecked.translated} translated and passed the check); ${s.translatedUnchecked} other translations not type-checked`,
    `  timing with type-check: ${t(s.timing.checked)}`,
    `  timing without:         ${t(s.timing.unchecked)}`,
    `  workers: ${s.workers.started} started (warm-up mean ${(s.workers.warmUpMs / 1000).toFixed(1)} s, largest ${s.workers.maxRssMb.toFixed(0)} MB), ${s.workers.recycled} recycled, ${s.workers.timeouts} time-outs, ${s.workers.deaths} died; ${s.slow} slow answers (over the limit once, then answered)`,
  ];
  if (s.invalidPython.count) {
    const k = s.invalidPython.byKind;
    lines.push(
      `  ${s.invalidPython.count} mutants that Python's compile() rejects got no NNX101 (${k.translated} translated, ${k.diagnostics} other diagnostics, ${k["bad-diagnostic"] + k.crash + k.hang} failures):`,
      ...s.invalidPython.messages.slice(0, 8).map((m) => `    x${m.count} ${m.message} (e.g. mutant ${m.example})`),
    );
  }
  if (s.classes.length) {
    lines.push(`failure classes (${s.classes.length}):`);
    s.classes.forEach((c, i) => {
      lines.push(`  ${i + 1}. [${c.kind}] x${c.count}  ${c.signature}`);
      lines.push(`     e.g. mutant ${c.example.index} of ${c.example.seedName}: ${c.example.mutations.map((m) => m.detail).join("; ")}`);
      lines.push(`     ${c.example.problems[0] ?? ""}`.slice(0, 400));
      if (c.minimized !== undefined) lines.push(...c.minimized.split("\n").map((l) => `       | ${l}`));
    });
  }
  if (s.outDir) lines.push(`failing mutants written to ${s.outDir}`);
  return lines.join("\n");
}

/** Runs one file as is (with the type-check) and prints its verdict. */
async function replay(path: string, options: FuzzOptions): Promise<number> {
  const text = readFileSync(path, "utf8");
  const pool = new WorkerPool({ jobs: 1, timeoutMs: options.timeoutMs, translator: options.translator ?? DEFAULT_TRANSLATOR });
  try {
    const r = await pool.run({ file: path, text, skipTypeCheck: options.typeCheckEvery === 0 });
    const v = classify(r.outcome, path, text);
    process.stdout.write(`${v.kind} in ${r.ms.toFixed(0)} ms${v.signature ? `: ${v.signature}` : ""}\n`);
    for (const p of v.problems) process.stdout.write(`  ${p}\n`);
    if (r.outcome.k === "threw" && r.outcome.stack) process.stdout.write(`${r.outcome.stack}\n`);
    if (r.outcome.k === "diagnostics" || r.outcome.k === "translated") for (const d of r.outcome.diagnostics) process.stdout.write(`  ${String(d.code)} ${JSON.stringify(d.span ?? null)} ${String(d.message)}\n`);
    return isFailure(v.kind) ? 1 : 0;
  } finally {
    await pool.close();
  }
}

const HELP = `npm run fuzz -- [options]
  --count N            mutants to run (default 10000)
  --seed S             run seed (default 1)
  --start I            first mutant index (default 0)
  --only I,J,...       just these mutant indices (reproduce a failure)
  --jobs J             worker processes (default: half the CPUs, 1 to 4)
  --timeout MS         per-input time limit (default 10000)
  --typecheck-every K  type-check every K-th mutant's output (default 10; 1 = all, 0 = none)
  --out DIR            folder for failing mutants (default .cache/fuzz/seed-S; emptied first)
  --minimize           shrink one example of each failure class
  --recycle-after N    replace a worker after N inputs (default 2000, or at 2 GB)
  --translator PATH    module exporting translate (default dist/src/translate.js)
  --replay FILE.py     translate one file and print its verdict`;

export async function main(argv: string[]): Promise<number> {
  const opts: FuzzOptions = { seed: 1, count: 10_000, jobs: Math.max(1, Math.min(4, Math.floor(availableParallelism() / 2))), timeoutMs: 10_000, typeCheckEvery: 10 };
  let replayFile: string | undefined;
  let outDir: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const value = (): string => {
      const v = argv[++i];
      if (v === undefined) throw new Error(`${a} needs a value`);
      return v;
    };
    const int = (): number => {
      const v = value();
      if (!/^\d+$/.test(v)) throw new Error(`${a} takes a non-negative integer, not ${JSON.stringify(v)}`);
      return Number(v);
    };
    switch (a) {
      case "--count": opts.count = int(); break;
      case "--seed": opts.seed = int(); break;
      case "--start": opts.start = int(); break;
      case "--only": opts.indices = value().split(",").map((s) => Number(s.trim())); break;
      case "--jobs": opts.jobs = Math.max(1, int()); break;
      case "--timeout": opts.timeoutMs = int(); break;
      case "--typecheck-every": opts.typeCheckEvery = int(); break;
      case "--out": outDir = value(); break;
      case "--minimize": opts.minimize = true; break;
      case "--translator": opts.translator = resolve(value()); break;
      case "--recycle-after": opts.recycleAfter = Math.max(1, int()); break;
      case "--replay": replayFile = value(); break;
      case "-h":
      case "--help":
        process.stdout.write(`${HELP}\n`);
        return 0;
      default:
        throw new Error(`unknown option ${a}\n${HELP}`);
    }
  }
  if (!opts.translator) {
    const stale = staleBuild();
    if (stale) throw new Error(stale);
  }
  if (replayFile) return replay(replayFile, opts);
  opts.outDir = outDir ?? join(REPO_ROOT, ".cache", "fuzz", `seed-${opts.seed}`);
  opts.log = (line) => process.stderr.write(`${line}\n`);
  const summary = await runFuzz(opts);
  process.stdout.write(`${formatSummary(summary)}\n`);
  return summary.failures.length ? 1 : 0;
}
