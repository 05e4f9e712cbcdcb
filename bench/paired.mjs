// Paired ratios for nnx.jit on a shared, loaded machine: `node bench/paired.mjs [pairs]`
// (after `npm run bench` has prepared bench/out/). For each model it runs the jitted TS
// cell and its reference (JAX jit for the train step, onnxruntime-node for inference)
// back to back, `pairs` times, alternating which goes first, and reports the median of
// the per-pair ratios: both sides of a pair see about the same load, which the bench's
// three rounds spread over ~20 minutes do not guarantee. Prints markdown; not a test.

import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { MODELS } from "./models.mjs";
import { PROTOCOL } from "./timing.mjs";

const ROOT = new URL("..", import.meta.url).pathname;
const PYTHON = process.env.NNXPORT_PYTHON ?? join(ROOT, ".venv/bin/python");
const ENV = { ...process.env, JAX_PLATFORMS: "cpu" };
const PAIRS = Number(process.argv[2] ?? 5);

function run(cmd, args) {
  const p = spawnSync(cmd, args, { cwd: ROOT, env: ENV, encoding: "utf8", timeout: 300_000, maxBuffer: 64 << 20 });
  const last = p.stdout?.trim().split("\n").at(-1);
  try {
    if (p.status === 0 && last) return JSON.parse(last);
  } catch {}
  return { error: (p.stderr || `exit ${p.status}`).trim().split("\n").at(-1) };
}

const cell = (model, system, phase) => () => run(process.execPath, [join(ROOT, "bench/cell.mjs"), JSON.stringify({ model, system, phase })]);
const jax = (spec, phase) => () =>
  run(PYTHON, [join(ROOT, "bench/jax_bench.py"), JSON.stringify({ dir: join(ROOT, "bench/out", spec.name), python: spec.python, phase, mode: "jit", protocol: PROTOCOL })]);

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const fmt = (x) => (x >= 100 ? x.toFixed(0) : x.toPrecision(3));
const load = () => (spawnSync("cat", ["/proc/loadavg"], { encoding: "utf8" }).stdout ?? "").split(" ")[0];

const out = [`Paired runs (${PAIRS} pairs per row, alternating order), 1-minute load average ${load()} at the start.`, "", "| model | phase | nnx.jit ms (medians) | reference | reference ms (medians) | ratio per pair (median; range) |", "|---|---|---|---|---|---|"];
for (const spec of MODELS) {
  for (const [phase, refName, ref] of [
    ["train", "JAX jit", jax(spec, "train")],
    ["forward", "onnxruntime-node", cell(spec.name, "ort", "forward")],
  ]) {
    const ours = cell(spec.name, "jit", phase);
    const a = [];
    const b = [];
    for (let i = 0; i < PAIRS; i++) {
      let x;
      let y;
      if (i % 2 === 0) {
        x = ours();
        y = ref();
      } else {
        y = ref();
        x = ours();
      }
      if (x.error || y.error) {
        process.stderr.write(`paired: ${spec.name} ${phase}: ${x.error ?? y.error}\n`);
        continue;
      }
      a.push(x.timing.median);
      b.push(y.timing.median);
      process.stderr.write(`paired: ${spec.name} ${phase} pair ${i + 1}: ${fmt(x.timing.median)} vs ${fmt(y.timing.median)} ms\n`);
    }
    if (!a.length) continue;
    const ratios = a.map((t, i) => t / b[i]);
    out.push(`| ${spec.name} | ${phase} | ${a.map(fmt).join(", ")} | ${refName} | ${b.map(fmt).join(", ")} | **${fmt(median(ratios))}×** (${fmt(Math.min(...ratios))}–${fmt(Math.max(...ratios))}) |`);
  }
}
process.stdout.write(out.join("\n") + "\n");
