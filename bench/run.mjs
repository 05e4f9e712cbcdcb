// `npm run bench` (after tsc): every benchmark side by side in one run, printed as markdown
// tables of medians with spread and of ratios against their targets, and written to
// bench/RESULTS.md. Not a test: nothing here passes or fails on a number.
//
// Each cell (model × system × phase) runs in its own process, so its peak RSS is its own and
// no other library is resident. Cells run one at a time (2 cores), in ROUNDS rounds of
// alternating order with the repeats pooled: other work on the machine (this checkout is
// shared) then lands on every system alike and shows up in the spread, not in one median.
// `node bench/run.mjs --render` rewrites RESULTS.md from bench/out/results.json.

import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import { join } from "node:path";
import { MODELS } from "./models.mjs";
import { PROTOCOL, summarize } from "./timing.mjs";

const ROOT = new URL("..", import.meta.url).pathname;
const PYTHON = process.env.NNXPORT_PYTHON ?? join(ROOT, ".venv/bin/python");
const ENV = { ...process.env, JAX_PLATFORMS: "cpu" };
const ROUNDS = 3;
const TRANSLATOR = { minLines: 20000, repeats: 3 };
const started = Date.now();
const loadBefore = os.loadavg()[0];
const elapsed = () => saved?.seconds ?? (Date.now() - started) / 1000;
const SYSTEM_LABEL = {
  nnxport: "nnxport runtime (TS)",
  jit: "nnx.jit (TS, default)",
  "jit-graph": "nnx.jit (TS, plain graph)",
  tfjs: "raw tfjs ops",
  ort: "onnxruntime-node",
  "jax-jit": "JAX jit",
  "jax-eager": "JAX eager",
};

const log = (msg) => process.stderr.write(`bench: ${msg}\n`);
const SAVED = join(ROOT, "bench/out/results.json");
mkdirSync(join(ROOT, "bench/out"), { recursive: true });

// `node bench/run.mjs --render` rewrites the report from the last run's results without re-running.
const saved = process.argv.includes("--render") ? JSON.parse(readFileSync(SAVED, "utf8")) : null;
if (!saved) ensurePythonPackages();

// --- the runtime benchmarks -------------------------------------------------------------

const jobs = [];
const prepared = saved?.prepared ?? {};
for (const spec of saved ? [] : MODELS) {
  const prep = node(spec.name, "nnxport", "prepare");
  prepared[spec.name] = prep;
  if (prep.error) {
    log(`${spec.name}: prepare failed, skipping the model: ${prep.error}`);
    continue;
  }
  if (spec.onnx) {
    prep.onnx = python(spec, "export");
    log(`${spec.name}: ONNX export ${prep.onnx.error ? `failed: ${prep.onnx.error}` : `ok (${prep.onnx.ops.join(", ")})`}`);
  }
  for (const phase of ["forward", "train"]) {
    for (const system of ["nnxport", "jit", "jit-graph"]) jobs.push({ spec, system, phase, run: () => node(spec.name, system, phase) });
    if (spec.raw) jobs.push({ spec, system: "tfjs", phase, run: () => node(spec.name, "tfjs", phase) });
    if (phase === "forward" && prep.onnx && !prep.onnx.error) jobs.push({ spec, system: "ort", phase, run: () => node(spec.name, "ort", phase) });
    for (const mode of ["jit", "eager"]) jobs.push({ spec, system: `jax-${mode}`, phase, run: () => python(spec, phase, mode) });
  }
}

const cells = new Map(saved?.cells); // "model/system/phase" -> pooled result
for (let round = 0; round < (saved ? 0 : ROUNDS); round++) {
  const order = round % 2 === 0 ? jobs : [...jobs].reverse();
  order.forEach((job, i) => {
    const key = `${job.spec.name}/${job.system}/${job.phase}`;
    const r = job.run();
    const pooled = cells.get(key);
    if (r.error || pooled?.error) cells.set(key, pooled?.error ? pooled : r);
    else cells.set(key, pool(pooled, r));
    log(`round ${round + 1}/${ROUNDS} [${i + 1}/${order.length}] ${key}: ${r.error ? `FAILED ${r.error}` : `${fmt(r.timing.median)} ms`}`);
  });
}

// --- translator throughput --------------------------------------------------------------

log(`translator: ≥${TRANSLATOR.minLines} lines, ${TRANSLATOR.repeats} repeats per configuration`);
const translator = saved?.translator ?? run(process.execPath, [join(ROOT, "bench/translator.mjs"), JSON.stringify(TRANSLATOR)], 600);
if (!saved) writeFileSync(SAVED, JSON.stringify({ prepared, cells: [...cells], translator, seconds: (Date.now() - started) / 1000, date: new Date().toISOString(), loadBefore }));

// --- report -----------------------------------------------------------------------------

const report = render();
writeFileSync(join(ROOT, "bench/RESULTS.md"), report);
process.stdout.write(report);
log(`wrote bench/RESULTS.md (the run took ${elapsed().toFixed(0)} s)`);

// ---------------------------------------------------------------------------------------

function ensurePythonPackages() {
  const check = spawnSync(PYTHON, ["-c", "import jax2onnx, onnx, onnxruntime"], { env: ENV, encoding: "utf8" });
  if (check.status === 0) return;
  log("installing bench/requirements.txt into .venv (constrained to what .venv already has)");
  const freeze = spawnSync(PYTHON, ["-m", "pip", "freeze"], { encoding: "utf8" });
  const constraints = join(ROOT, "bench/out/constraints.txt");
  writeFileSync(constraints, freeze.stdout);
  const pip = spawnSync(
    PYTHON,
    ["-m", "pip", "install", "--quiet", "--disable-pip-version-check", "-r", join(ROOT, "bench/requirements.txt"), "-c", constraints],
    { stdio: "inherit" },
  );
  if (pip.status !== 0) throw new Error(`bench: could not install bench/requirements.txt with ${PYTHON} (see above; is .venv set up? npm run setup)`);
}

/** Runs a child that prints one JSON line; failures come back as { error }, never as a crash of the bench. */
function run(cmd, args, timeoutSeconds = 300) {
  const p = spawnSync(cmd, args, { cwd: ROOT, env: ENV, encoding: "utf8", timeout: timeoutSeconds * 1000, maxBuffer: 64 << 20 });
  const last = p.stdout?.trim().split("\n").at(-1);
  try {
    if (p.status === 0 && last) return JSON.parse(last);
  } catch {}
  const why = p.error?.message ?? (p.stderr || p.stdout || `exit ${p.status}`).trim().split("\n").filter((l) => /error/i.test(l)).at(-1);
  return { error: why ?? `exit ${p.status}` };
}

function node(model, system, phase) {
  return run(process.execPath, [join(ROOT, "bench/cell.mjs"), JSON.stringify({ model, system, phase })]);
}

function python(spec, phase, mode) {
  const args = { dir: join(ROOT, "bench/out", spec.name), python: spec.python, phase, mode, protocol: PROTOCOL };
  return run(PYTHON, [join(ROOT, "bench/jax_bench.py"), JSON.stringify(args)]);
}

function pool(a, b) {
  if (!a) return b;
  const samples = [...a.timing.samples, ...b.timing.samples];
  const merged = { ...b, timing: { ...summarize(samples), iters: b.timing.iters, repeats: samples.length } };
  merged.peakRssMB = Math.max(a.peakRssMB, b.peakRssMB);
  merged.check = Math.max(a.check, b.check);
  // The first (tracing) call is measured once per process: keep every round's.
  if (a.first || b.first) merged.first = [a.first, b.first].flat().filter(Boolean);
  // Live-tensor counts stay per process (round): a leak shows as before < after in any of them.
  for (const k of ["tensors", "arrays"]) if (a[k]) merged[k] = [a[k], b[k]].flat();
  return merged;
}

// --- rendering --------------------------------------------------------------------------

function fmt(x, digits = 3) {
  if (x === undefined || x === null || Number.isNaN(x)) return "–";
  if (Math.abs(x) >= 100) return x.toFixed(0);
  return x.toPrecision(digits);
}

function ratio(a, b) {
  if (!a || !b || a.error || b.error) return null;
  const x = a.timing;
  const y = b.timing;
  // best: fastest repeat over fastest repeat, the estimate least touched by other work on the machine.
  return { median: x.median / y.median, lo: x.q1 / y.q3, hi: x.q3 / y.q1, best: x.min / y.min };
}

function fmtRatio(r) {
  return r ? `**${fmt(r.median)}×** (${fmt(r.lo)}–${fmt(r.hi)}; best ${fmt(r.best)}×)` : "–";
}

function verdict(r, target) {
  if (!r) return "not measured";
  if (r.hi <= target) return "met";
  if (r.median <= target) return "met at the median, not across the IQR";
  return `missed (${fmt(r.median / target)}× over)`;
}

function render() {
  const out = [];
  const line = (s = "") => out.push(s);
  const cpu = os.cpus();
  const first = (sys) => [...cells.values()].find((c) => c.versions && sys(c))?.versions ?? {};
  const tsVersions = first((c) => c.versions.libtensorflow);
  const pyVersions = first((c) => c.versions.jax);
  const ortVersion = first((c) => c.versions["onnxruntime-node"])["onnxruntime-node"];
  const exportVersions = Object.values(prepared).find((p) => p.onnx?.versions)?.onnx?.versions ?? {};
  const git = spawnSync("git", ["describe", "--always", "--dirty"], { cwd: ROOT, encoding: "utf8" }).stdout.trim();

  line("# nnxport benchmarks");
  line();
  line(`Written by \`npm run bench\` on ${(saved?.date ?? new Date().toISOString()).slice(0, 16).replace("T", " ")} UTC at ${git}, in ${elapsed().toFixed(0)} s. Not a test: targets are goals, not pass/fail.`);
  line();
  line(`- **Machine:** ${cpu[0]?.model ?? "?"}, ${cpu.length} cores, ${(os.totalmem() / 2 ** 30).toFixed(1)} GiB, ${os.type()} ${os.release()}; 1-minute load average ${(saved?.loadBefore ?? loadBefore).toFixed(2)} when the run started (other work on the machine during the run widens the spread)`);
  line(`- **Node side:** node ${process.versions.node}, tfjs-core ${tsVersions["tfjs-core"] ?? "?"}, tfjs-node ${tsVersions["tfjs-node"] ?? "?"} (libtensorflow ${tsVersions.libtensorflow ?? "?"}, TF_ENABLE_ONEDNN_OPTS=${tsVersions.onednn ?? "?"}), onnxruntime-node ${ortVersion ?? "?"}`);
  line(`- **Python side:** jax ${pyVersions.jax ?? "?"} / jaxlib ${pyVersions.jaxlib ?? "?"} (JAX_PLATFORMS=cpu), flax ${pyVersions.flax ?? "?"}, dm-haiku ${pyVersions["dm-haiku"] ?? "?"}, optax ${pyVersions.optax ?? "?"}, jax2onnx ${exportVersions.jax2onnx ?? "?"}, onnx ${exportVersions.onnx ?? "?"}`);
  line(`- **Protocol:** each cell in its own process; ≥${PROTOCOL.warmupSeconds} s and ≥${PROTOCOL.minWarmupCalls} calls of warm-up after the first (compiling) call, then ${PROTOCOL.repeats} repeats of ~${PROTOCOL.targetSeconds} s; ${ROUNDS} rounds (alternating order), repeats pooled. Figures are per call: median, IQR (q1–q3) and min–max of the repeat means. Every call ends with its result on the host (\`dataSync\`, \`np.asarray\`/\`block_until_ready\`, ORT's \`run\`). All libraries use their default threading (both cores).`);
  line(`- **Same function:** the TypeScript model is built with \`Rngs(0)\` at the sizes below; its weights are copied into JAX (through the param map), raw tfjs and the ONNX graph. "max |Δ|" is each system's eval-mode output against the TypeScript model's on the same batch.`);
  line(`- **Training step:** train mode (dropout on), mean softmax cross-entropy over the output's last axis, gradient, Adam(1e-3) update: \`nnx.valueAndGrad\` + \`nnx.Optimizer\` in TS; \`jax.value_and_grad\` + optax (jit: one \`jax.jit\` with donated buffers); raw tfjs: \`tf.train.adam\` \`minimize\` with \`tf.dropout\`. nnx.jit: the same TS step function wrapped in \`nnx.jit\` (model, optimizer, labels and inputs as arguments), timed from its second call on; by default (XLA and the plain graph both built and raced on the first call, the faster kept), and again always as a plain graph (\`xla: false\`).`);
  line();

  for (const spec of MODELS) {
    const prep = prepared[spec.name];
    line(`## ${spec.title}`);
    line();
    line(`Translated by nnxport's own pipeline from \`${spec.python}\` and built as \`new ${prep.module ?? "Model"}(${JSON.stringify(spec.config)})\`.`);
    line(`Inputs: ${Object.entries(spec.inputs).map(([k, v]) => `${k} [${v}]`).join(", ")}.` + (prep.onnx ? ` ONNX: ${prep.onnx.error ? `export failed: ${prep.onnx.error}` : `jax2onnx export of the Python eval-mode forward (ops: ${prep.onnx.ops.join(", ")})`}.` : ""));
    line();
    if (prep.error) {
      line(`**Could not prepare this model:** ${prep.error}`);
      line();
      continue;
    }
    line("| phase | system | median ms | IQR | min–max | max \\|Δ\\| | peak RSS MiB | live tensors (arrays) before → after | kernels/call |");
    line("|---|---|---:|---|---|---:|---:|---|---:|");
    for (const phase of ["forward", "train"]) {
      for (const system of Object.keys(SYSTEM_LABEL)) {
        const c = cells.get(`${spec.name}/${system}/${phase}`);
        if (!c) continue;
        const label = SYSTEM_LABEL[system];
        if (c.error) {
          line(`| ${phase} | ${label} | failed | ${c.error.replaceAll("|", "\\|")} | | | | | |`);
          continue;
        }
        const t = c.timing;
        const live = [c.tensors ?? c.arrays ?? []].flat().map((l) => `${l.before} → ${l.after}`);
        line(
          `| ${phase} | ${label} | **${fmt(t.median)}** | ${fmt(t.q1)}–${fmt(t.q3)} | ${fmt(t.min)}–${fmt(t.max)} | ${c.check.toExponential(1)} | ${fmt(c.peakRssMB)} | ${live.length ? `${[...new Set(live)].join("; ")}${c.arrays ? " (jax.live_arrays)" : ""}` : "n/a"} | ${c.kernels ?? (system === "jax-jit" ? "1 executable" : "–")} |`,
        );
      }
    }
    line();
    const get = (system, phase) => cells.get(`${spec.name}/${system}/${phase}`);
    line("| ratio (nnxport TS ÷ other: median, range q1/q3–q3/q1, best min/min) | forward | train step | target |");
    line("|---|---|---|---|");
    line(`| ÷ JAX jit | ${fmtRatio(ratio(get("nnxport", "forward"), get("jax-jit", "forward")))} | ${fmtRatio(ratio(get("nnxport", "train"), get("jax-jit", "train")))} | train ≤ 1.5× |`);
    line(`| ÷ JAX eager | ${fmtRatio(ratio(get("nnxport", "forward"), get("jax-eager", "forward")))} | ${fmtRatio(ratio(get("nnxport", "train"), get("jax-eager", "train")))} | |`);
    line(`| ÷ onnxruntime-node | ${fmtRatio(ratio(get("nnxport", "forward"), get("ort", "forward")))} | n/a (inference only) | forward ≤ 1.5× |`);
    line(`| ÷ raw tfjs (runtime overhead) | ${fmtRatio(ratio(get("nnxport", "forward"), get("tfjs", "forward")))} | ${fmtRatio(ratio(get("nnxport", "train"), get("tfjs", "train")))} | ≤ 1.10× |`);
    line(`| **nnx.jit** ÷ JAX jit | ${fmtRatio(ratio(get("jit", "forward"), get("jax-jit", "forward")))} | ${fmtRatio(ratio(get("jit", "train"), get("jax-jit", "train")))} | train ≤ 1.5× (stretch 1.2×) |`);
    line(`| **nnx.jit** ÷ onnxruntime-node | ${fmtRatio(ratio(get("jit", "forward"), get("ort", "forward")))} | n/a (inference only) | forward ≤ 1.5× |`);
    line(`| nnx.jit (plain graph) ÷ JAX jit | ${fmtRatio(ratio(get("jit-graph", "forward"), get("jax-jit", "forward")))} | ${fmtRatio(ratio(get("jit-graph", "train"), get("jax-jit", "train")))} | |`);
    line(`| nnx.jit (plain graph) ÷ onnxruntime-node | ${fmtRatio(ratio(get("jit-graph", "forward"), get("ort", "forward")))} | n/a (inference only) | |`);
    line(`| nnx.jit ÷ eager runtime (speed-up⁻¹) | ${fmtRatio(ratio(get("jit", "forward"), get("nnxport", "forward")))} | ${fmtRatio(ratio(get("jit", "train"), get("nnxport", "train")))} | |`);
    line();
    const firsts = [];
    for (const system of ["jit", "jit-graph"]) {
      for (const phase of ["forward", "train"]) {
        const c = get(system, phase);
        for (const f of [c?.first ?? []].flat()) firsts.push({ system, phase, ...f });
      }
    }
    if (firsts.length) {
      line("The first call of a jitted function runs eagerly while it is traced, then builds the graph, loads it (and XLA compiles it) and checks it against the traced call; its cost per process (one per round):");
      line();
      line("| system | phase | first call ms (rounds) | of which: traced eager call | build + load + compile + check (+ race) | graph chosen | XLA vs plain, ms per call when raced | nodes | traced kernels |");
      line("|---|---|---|---|---|---|---|---:|---:|");
      for (const system of ["jit", "jit-graph"]) {
        for (const phase of ["forward", "train"]) {
          const fs = firsts.filter((f) => f.system === system && f.phase === phase);
          if (!fs.length) continue;
          const mode = [...new Set(fs.map((f) => f.mode + (f.loops ? ` + ${f.loops} While loop${f.loops > 1 ? "s" : ""}` : "")))].join("/");
          const raced = fs.filter((f) => f.timings).map((f) => `${fmt(f.timings[0])} vs ${fmt(f.timings[1])}`).join("; ") || "–";
          line(`| ${SYSTEM_LABEL[system]} | ${phase} | ${fs.map((f) => fmt(f.ms)).join(", ")} | ${fs.map((f) => fmt(f.traceMs)).join(", ")} | ${fs.map((f) => fmt(f.buildMs)).join(", ")} | ${mode}${fs.some((f) => f.reason) ? ` (${fs.find((f) => f.reason).reason})` : ""} | ${raced} | ${fs[0].nodes ?? "–"} | ${fs[0].kernels} |`);
        }
      }
      line();
    }
  }

  line("## Translator throughput");
  line();
  if (translator.error) {
    line(`**Failed:** ${translator.error}`);
  } else {
    line(`${translator.files} files, ${translator.lines} lines of Python (every fixture that translates — ${translator.fixtures.join(", ")} — copied with renamed classes); each configuration makes ${TRANSLATOR.repeats} passes over the whole corpus; lines/s is median (min–max) over passes. Peak RSS ${fmt(translator.peakRssMB)} MiB.` + (translator.skipped.length ? ` Skipped (do not translate today): ${translator.skipped.join("; ")}.` : ""));
    line();
    line("| configuration | lines/s | s per pass |");
    line("|---|---:|---:|");
    for (const [name, r] of Object.entries(translator.results)) {
      line(`| ${name} | **${fmt(r.linesPerSecond.median, 4)}** (${fmt(r.linesPerSecond.min, 4)}–${fmt(r.linesPerSecond.max, 4)}) | ${fmt(r.seconds.median)} |`);
    }
    line();
    if (translator.profile.error) line(`Stage profile unavailable: ${translator.profile.error}`);
    else {
      line(`Where the time goes (stages called one by one, as \`translate()\` calls them, over ${translator.profile.files} files):`);
      line();
      line("| stage | ms per file | share |");
      line("|---|---:|---:|");
      for (const [stage, ms] of Object.entries(translator.profile.msPerFile)) line(`| ${stage} | ${fmt(ms)} | ${(translator.profile.share[stage] * 100).toFixed(0)}% |`);
    }
  }
  line();

  line("## Against the targets");
  line();
  line("| target | measured | status |");
  line("|---|---|---|");
  for (const spec of MODELS) {
    const get = (system, phase) => cells.get(`${spec.name}/${system}/${phase}`);
    const tag = spec.name;
    const rows = [
      ["training step ≤ 1.5× JAX jit", ratio(get("nnxport", "train"), get("jax-jit", "train")), 1.5],
      ["inference ≤ 1.5× onnxruntime-node", ratio(get("nnxport", "forward"), get("ort", "forward")), 1.5],
      ["runtime overhead ≤ 1.10× raw tfjs, forward", ratio(get("nnxport", "forward"), get("tfjs", "forward")), 1.1],
      ["runtime overhead ≤ 1.10× raw tfjs, train step", ratio(get("nnxport", "train"), get("tfjs", "train")), 1.1],
      ["nnx.jit training step ≤ 1.5× JAX jit", ratio(get("jit", "train"), get("jax-jit", "train")), 1.5],
      ["nnx.jit training step ≤ 1.2× JAX jit (stretch)", ratio(get("jit", "train"), get("jax-jit", "train")), 1.2],
      ["nnx.jit inference ≤ 1.5× onnxruntime-node", ratio(get("jit", "forward"), get("ort", "forward")), 1.5],
    ];
    for (const [name, r, target] of rows) line(`| ${tag}: ${name} | ${fmtRatio(r)} | ${verdict(r, target)} |`);
  }
  for (const [name, r] of Object.entries(translator.results ?? {}).filter(([name]) => name.startsWith("end to end,") && !name.includes("skipTypeCheck"))) {
    const e2e = r.linesPerSecond;
    line(`| translator ≥ 5,000 lines/s ${name} | **${fmt(e2e.median, 4)}** lines/s (${fmt(e2e.min, 4)}–${fmt(e2e.max, 4)}) | ${e2e.min >= 5000 ? "met" : e2e.median >= 5000 ? "met at the median" : `missed (${fmt(5000 / e2e.median)}× short)`} |`);
  }
  line();
  return out.join("\n") + "\n";
}
