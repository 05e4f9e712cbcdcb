// One benchmark cell per process, so that its peak RSS is its own and no library another
// system loads (tfjs, onnxruntime) is resident while this one is timed.
//
//   node bench/cell.mjs '{"model": "mlp-haiku", "system": "nnxport", "phase": "prepare"}'
//   systems: nnxport (the translated model on the runtime), jit / jit-graph (the same, each
//   call one compiled graph by nnx.jit: its default choice (XLA or plain graph, whichever the
//   first call measured faster) / always the plain graph), tfjs (raw tfjs ops), ort
//   phases: prepare (nnxport only: translate, init weights, write bench/out/<model>/), forward, train
// Prints one JSON line on stdout.

import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { MODELS } from "./models.mjs";
import { timeit } from "./timing.mjs";

const ROOT = new URL("..", import.meta.url).pathname;
const LEARNING_RATE = 1e-3;

const { model: name, system, phase } = JSON.parse(process.argv[2]);
const spec = MODELS.find((m) => m.name === name);
const dir = join(ROOT, "bench", "out", name);

const result = await { nnxport, jit: nnxport, "jit-graph": nnxport, tfjs, ort }[system]();
result.peakRssMB = process.resourceUsage().maxRSS / 1024;
process.stdout.write(JSON.stringify(result) + "\n");

async function nnxport() {
  const { nnx, tf } = await import(join(ROOT, "dist/runtime/index.js"));
  const { importGenerated } = await import(join(ROOT, "dist/src/verify/load-module.js"));
  if (phase === "prepare") return prepare(nnx, tf, importGenerated);

  const meta = JSON.parse(readFileSync(join(dir, "meta.json"), "utf8"));
  const data = await loadTensors(tf);
  const module = (await importGenerated(readFileSync(join(dir, "model.ts"), "utf8")))[meta.module];
  const model = new module({ ...spec.config, rngs: new nnx.Rngs(0) });
  const vars = new Map(nnx.toFlatState(nnx.state(model, nnx.Param)).map(([p, v]) => [p.join("."), v]));
  for (const p of meta.params) vars.get(p.nnx).value = tf.clone(data[`param/${p.source}`]);
  const inputs = meta.inputs.map((i) => data[`input/${i.name}`]);
  const call = (m) => m[meta.method](...inputs);

  model.eval();
  const check = maxAbsDiff(tf, tf.tidy(() => call(model)), data.output);
  let step;
  let jitted;
  if (phase === "forward") {
    if (system === "nnxport") {
      // Nothing is returned from tidy: it walks a returned typed array element by element.
      step = () => tf.tidy(() => void call(model).dataSync());
    } else {
      // The model and inputs are arguments, so the graph reads them each call (nothing is baked in).
      jitted = nnx.jit((m, ...xs) => m[meta.method](...xs), { xla: system === "jit" ? undefined : false, name: "forward" });
      step = () => tf.tidy(() => void jitted(model, ...inputs).dataSync());
    }
  } else {
    model.train();
    const opt = new nnx.Optimizer(model, nnx.optax.adam(LEARNING_RATE), { wrt: nnx.Param });
    const lossFn = (m, labels, ...xs) => tf.mean(nnx.optax.softmaxCrossEntropyWithIntegerLabels(m[meta.method](...xs), labels));
    const gradFn = nnx.valueAndGrad(lossFn);
    const trainStep = (m, o, labels, ...xs) => {
      const [loss, grads] = gradFn(m, labels, ...xs);
      o.update(m, grads);
      return loss;
    };
    if (system === "nnxport") step = () => tf.tidy(() => trainStep(model, opt, data.labels, ...inputs).dataSync()[0]);
    else {
      jitted = nnx.jit(trainStep, { xla: system === "jit" ? undefined : false, name: "trainStep" });
      step = () => tf.tidy(() => jitted(model, opt, data.labels, ...inputs).dataSync()[0]);
    }
  }
  const { backendInfo } = await import(join(ROOT, "dist/runtime/backend.js"));
  const info = backendInfo();
  let first;
  if (jitted) {
    // The first call runs eagerly while it is traced, then builds, loads and checks the graph (XLA compiles here).
    const t0 = performance.now();
    step();
    const trace = jitted.stats.traces[0];
    first = { ms: performance.now() - t0, mode: trace.mode, reason: trace.reason, nodes: trace.nodes, kernels: trace.kernels, loops: trace.loops, traceMs: trace.traceMs, buildMs: trace.buildMs, timings: trace.timings };
  }
  const result = await measure(tf, step, check);
  if (jitted) {
    result.first = first;
    result.kernels = `1 graph (${first.mode}${first.loops ? `, ${first.loops} loop${first.loops > 1 ? "s" : ""}` : ""}, ${first.nodes ?? "–"} nodes)`;
    if (jitted.stats.eagerCalls) result.kernels += `; ${jitted.stats.eagerCalls} eager calls`;
  }
  return { ...result, versions: { ...info.versions, backend: info.name, onednn: info.env.TF_ENABLE_ONEDNN_OPTS } };
}

async function tfjs() {
  const { tf } = await import(join(ROOT, "dist/runtime/index.js")); // the same tfjs-node backend, nothing else
  const data = await loadTensors(tf);
  const meta = JSON.parse(readFileSync(join(dir, "meta.json"), "utf8"));
  const weights = Object.fromEntries(meta.params.map((p) => [p.nnx, data[`param/${p.source}`]]));
  const net = spec.raw(tf, weights);
  const inputs = meta.inputs.map((i) => data[`input/${i.name}`]);
  const check = maxAbsDiff(tf, tf.tidy(() => net.call(inputs, false)), data.output);
  let step;
  if (phase === "forward") {
    step = () => tf.tidy(() => void net.call(inputs, false).dataSync());
  } else {
    // tfjs's own Adam with optax's defaults (tfjs's epsilon default is 1e-7).
    const opt = tf.train.adam(LEARNING_RATE, 0.9, 0.999, 1e-8);
    const onehot = tf.oneHot(data.labels, data.output.shape.at(-1));
    const loss = () => tf.losses.softmaxCrossEntropy(onehot, net.call(inputs, true));
    step = () => tf.tidy(() => opt.minimize(loss, true, net.variables).dataSync()[0]);
  }
  return measure(tf, step, check);
}

async function ort() {
  const ortNode = await import("onnxruntime-node");
  const data = readSafetensors(readFileSync(join(dir, "weights.safetensors")));
  const session = await ortNode.InferenceSession.create(join(dir, "model.onnx"), { logSeverityLevel: 3 });
  const meta = JSON.parse(readFileSync(join(dir, "meta.json"), "utf8"));
  const feeds = Object.fromEntries(
    meta.inputs.map((input, i) => {
      const x = data[`input/${input.name}`];
      return [session.inputNames[i], new ortNode.Tensor("float32", x.data, x.shape)];
    }),
  );
  const out = (await session.run(feeds))[session.outputNames[0]].data;
  let check = 0;
  for (let i = 0; i < out.length; i++) check = Math.max(check, Math.abs(out[i] - data.output.data[i]));
  const timing = await timeit(() => session.run(feeds));
  return { timing, check, versions: { "onnxruntime-node": ortNode.env.versions.node } };
}

/**
 * Times `step`, with the tensor count after setup plus one priming call (profiled: how many
 * tfjs kernels one call launches, the figure that separates eager tfjs from a fused XLA
 * executable) and again after all calls.
 */
async function measure(tf, step, check) {
  const kernels = (await tf.profile(step)).kernels.length;
  const before = tf.memory().numTensors;
  const timing = await timeit(step);
  return { timing, check, kernels, tensors: { before, after: tf.memory().numTensors } };
}

function maxAbsDiff(tf, a, b) {
  const d = tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))).dataSync()[0]);
  a.dispose();
  return d;
}

async function loadTensors(tf) {
  const { loadSafetensors } = await import(join(ROOT, "dist/runtime/safetensors.js"));
  // A plain Uint8Array, not a Buffer: the runtime's loader copies with .slice(), which on a Node
  // Buffer is a view, and then reads the whole underlying pool (reported as a runtime bug).
  return loadSafetensors(new Uint8Array(readFileSync(join(dir, "weights.safetensors")))).tensors;
}

/** Just enough safetensors (F32/I32) for the ort cell, which must not load tfjs. */
function readSafetensors(buf) {
  const n = Number(buf.readBigUInt64LE(0));
  const header = JSON.parse(buf.subarray(8, 8 + n).toString("utf8"));
  const out = {};
  delete header.__metadata__;
  for (const [k, { dtype, shape, data_offsets: [a, b] }] of Object.entries(header)) {
    const bytes = buf.buffer.slice(buf.byteOffset + 8 + n + a, buf.byteOffset + 8 + n + b);
    out[k] = { shape, data: dtype === "I32" ? new Int32Array(bytes) : new Float32Array(bytes) };
  }
  return out;
}

/** Translates spec.python with nnxport's pipeline, initialises it with Rngs(0) at spec.config, writes bench/out/<model>/. */
async function prepare(nnx, tf, importGenerated) {
  mkdirSync(dir, { recursive: true });
  const { translate } = await import(join(ROOT, "dist/src/translate.js"));
  const { memberName } = await import(join(ROOT, "dist/src/ts/print.js"));
  const t = await translate(join(ROOT, spec.python), readFileSync(join(ROOT, spec.python), "utf8"), { sourceLabel: spec.python });
  const { program } = t;
  const entry = program.entry;
  const params = t.staged.ctx.summaries.get(t.paramMap.module).methods.get(entry.method) ?? [];
  const flags = {};
  for (const p of params.filter((q) => q.kind === "mode")) {
    const trainWhen = ["train", "training", "is_training", "is_train"].includes(p.name);
    flags[p.name] = { train: trainWhen, eval: !trainWhen };
  }
  const method = { name: entry.method === "__call__" ? "call" : memberName(entry.method) };
  const meta = {
    module: t.paramMap.module,
    method: method.name,
    reference: { framework: program.framework.name, object: entry.object, flags },
    // Params only: state (batch statistics) starts from the same init on both sides.
    params: t.paramMap.params.filter((p) => p.type === "Param"),
    inputs: Object.entries(spec.inputs).map(([name, shape]) => ({ name, shape })),
  };

  const model = new (await importGenerated(t.code))[meta.module]({ ...spec.config, rngs: new nnx.Rngs(0) });
  const vars = new Map(nnx.toFlatState(nnx.state(model, nnx.Param)).map(([p, v]) => [p.join("."), v]));
  const tensors = {};
  for (const p of meta.params) {
    const v = vars.get(p.nnx);
    if (!v) throw new Error(`${p.nnx}: not a Param of the TypeScript model`);
    tensors[`param/${p.source}`] = v.value;
  }
  if (vars.size !== meta.params.length) throw new Error(`the param map covers ${meta.params.length} of ${vars.size} Params`);
  meta.inputs.forEach((i, k) => (tensors[`input/${i.name}`] = tf.randomNormal(i.shape, 0, 1, "float32", k + 1)));
  model.eval();
  tensors.output = model[meta.method](...meta.inputs.map((i) => tensors[`input/${i.name}`]));
  const classes = tensors.output.shape.at(-1);
  const labelShape = tensors.output.shape.slice(0, -1);
  tensors.labels = tf.tensor(Array.from({ length: tensors.output.size / classes }, (_, i) => i % classes), labelShape, "int32");

  const { saveSafetensors } = await import(join(ROOT, "dist/runtime/safetensors.js"));
  writeFileSync(join(dir, "weights.safetensors"), saveSafetensors(tensors));
  writeFileSync(join(dir, "model.ts"), t.code);
  writeFileSync(join(dir, "meta.json"), JSON.stringify(meta, null, 2));
  return { module: meta.module, params: meta.params.length, outputShape: tensors.output.shape };
}
