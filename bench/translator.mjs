// Translator throughput: lines of Python per second through nnxport's full pipeline
// (translate() per file: parse → IR → emit → prettier → type-check), the same with one
// type-check program for all files (translateAll), with `convert --jobs` (1 and the core count;
// in this process, and as a whole new `nnxport convert` process on the corpus written to a
// folder), without the type-check, and the floor: bare tree-sitter parsing of the same files.
// Then a per-stage profile of where the time goes.
//
//   node bench/translator.mjs '{"minLines": 20000, "repeats": 3}'    → one JSON line
//
// The corpus is every fixture that translates today, copied until it reaches minLines. Each copy
// renames the file's classes (Block → Block17), so no two inputs or outputs are the same text.

import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { availableParallelism, tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { globSync } from "tinyglobby";
import Parser from "tree-sitter";
import Python from "tree-sitter-python";
import { summarize } from "./timing.mjs";

const ROOT = new URL("..", import.meta.url).pathname;
const D = join(ROOT, "dist/src/");
const { minLines, repeats } = JSON.parse(process.argv[2] ?? "{}");
const pipeline = await import(D + "pipeline.js");
const { translate } = pipeline;

const fixtures = globSync("fixtures/**/*.py", { cwd: ROOT }).sort();
const usable = [];
const skipped = [];
for (const f of fixtures) {
  const text = readFileSync(join(ROOT, f), "utf8");
  try {
    await translate(f, text); // also the warm-up: TypeScript's lib files load on the first call
    usable.push({ file: f, text });
  } catch (e) {
    skipped.push(`${f}: ${String(e.message ?? e).split("\n")[0]}`);
  }
}
if (usable.length === 0) throw new Error(`no fixture translates: ${skipped.join("; ")}`);

const corpus = [];
let lines = 0;
for (let copy = 0; lines < minLines; copy++) {
  for (const { file, text } of usable) {
    const classes = [...text.matchAll(/^class (\w+)/gm)].map((m) => m[1]);
    let renamed = text;
    // Not after a dot: `train_state.TrainState` is flax's class, not the file's subclass of it.
    for (const c of classes) renamed = renamed.replace(new RegExp(`(?<![.\\w])${c}\\b`, "g"), `${c}${copy}`);
    corpus.push({ file: `copy${copy}/${file}`, text: renamed });
    lines += renamed.split("\n").length - (renamed.endsWith("\n") ? 1 : 0);
  }
}

const parser = new Parser();
parser.setLanguage(Python);
const perFile = (fn) => async () => {
  for (const { file, text } of corpus) await fn(file, text);
};
const configs = { "end to end, translate() per file": perFile((f, t) => translate(f, t)) };
// What `nnxport convert <folder>` does since the batch type-check landed; absent in older trees.
if (pipeline.translateAll) {
  configs["end to end, translateAll() (one type-check program, as convert of a folder)"] = async () => {
    const failed = (await pipeline.translateAll(corpus)).filter((r) => r instanceof Error);
    if (failed.length) throw new Error(`translateAll: ${failed.length} files failed: ${failed[0].message}`);
  };
}
// `convert --jobs N` (N threads: N − 1 workers, started per call as convert starts them, and this one).
const JOBS = availableParallelism();
if (existsSync(D + "parallel/pool.js")) {
  const { translateAllParallel } = await import(D + "parallel/pool.js");
  for (const jobs of [...new Set([1, JOBS])]) {
    configs[`end to end, convert --jobs ${jobs} (${jobs === 1 ? "this thread" : `${jobs - 1} worker${jobs > 2 ? "s" : ""} + this thread`}, one type-check program)`] = async () => {
      const failed = (await translateAllParallel(corpus, jobs)).filter((r) => r instanceof Error);
      if (failed.length) throw new Error(`--jobs ${jobs}: ${failed.length} files failed: ${failed[0].message}`);
    };
  }
  // The whole command as a user runs it on a folder: a new process (imports, cold type-checker, workers), files written.
  const dir = mkdtempSync(join(tmpdir(), "nnxport-bench-"));
  for (const { file, text } of corpus) {
    mkdirSync(dirname(join(dir, "src", file)), { recursive: true });
    writeFileSync(join(dir, "src", file), text);
  }
  process.on("exit", () => rmSync(dir, { recursive: true, force: true }));
  for (const jobs of [...new Set([1, JOBS])]) {
    configs[`end to end, nnxport convert <folder> --jobs ${jobs} (a new process: startup and cold type-checker included)`] = async () => {
      rmSync(join(dir, "out"), { recursive: true, force: true });
      execFileSync(process.execPath, [join(ROOT, "bin/nnxport.js"), "convert", join(dir, "src"), "--out-dir", join(dir, "out"), "--jobs", String(jobs)], { stdio: ["ignore", "ignore", "pipe"] });
    };
  }
}
configs["end to end, skipTypeCheck"] = perFile((f, t) => translate(f, t, { skipTypeCheck: true }));
configs["tree-sitter parse only (floor)"] = perFile((f, t) => void parser.parse((i) => t.slice(i, i + 16384)));

async function pass(fn) {
  const t0 = performance.now();
  await fn();
  return (performance.now() - t0) / 1000;
}

const results = {};
for (const [name, fn] of Object.entries(configs)) {
  const seconds = [];
  for (let r = 0; r < repeats; r++) seconds.push(await pass(fn));
  const s = summarize(seconds.map((x) => lines / x)); // lines per second
  results[name] = { linesPerSecond: s, seconds: summarize(seconds) };
}

// Stage profile over a slice of the corpus, calling the stages translate() calls, in its order.
let profile;
try {
  profile = await stages(corpus.slice(0, Math.ceil(corpus.length / 4)));
} catch (e) {
  profile = { error: `the stage profile no longer matches src/pipeline.ts: ${e.message}` };
}

process.stdout.write(
  JSON.stringify({
    files: corpus.length,
    lines,
    fixtures: usable.map((u) => u.file),
    skipped,
    results,
    profile,
    peakRssMB: process.resourceUsage().maxRSS / 1024,
  }) + "\n",
);

async function stages(files) {
  const { parsePython } = await import(D + "parse/parser.js");
  const { recognize } = await import(D + "frontends/index.js");
  const { analyze } = await import(D + "analyze/index.js");
  const { emit } = await import(D + "emit/index.js");
  const { formatTypeScript } = await import(D + "emit/format.js");
  const { typeCheck } = await import(D + "emit/typecheck.js");
  const { DiagnosticBag } = await import(D + "diagnostics.js");
  const ms = { "parse (tree-sitter)": 0, "recognize (frontend → IR)": 0, analyze: 0, "emit (ts-morph)": 0, prettier: 0, "type-check (ts-morph)": 0 };
  const time = async (stage, f) => {
    const t0 = performance.now();
    const out = await f();
    ms[stage] += performance.now() - t0;
    return out;
  };
  for (const { file, text } of files) {
    const diags = new DiagnosticBag(file);
    const source = await time("parse (tree-sitter)", () => parsePython(file, text, diags));
    const program = await time("recognize (frontend → IR)", () => recognize(source, diags));
    const analysis = await time("analyze", () => analyze(program, diags));
    const raw = await time("emit (ts-morph)", () => emit(analysis, { sourceLabel: file, version: "bench" }));
    const code = await time("prettier", () => formatTypeScript(raw));
    await time("type-check (ts-morph)", () => typeCheck(code));
  }
  const total = Object.values(ms).reduce((a, b) => a + b, 0);
  return {
    files: files.length,
    msPerFile: Object.fromEntries(Object.entries(ms).map(([k, v]) => [k, v / files.length])),
    share: Object.fromEntries(Object.entries(ms).map(([k, v]) => [k, v / total])),
  };
}
