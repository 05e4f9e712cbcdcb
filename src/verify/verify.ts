// verify: runs the Python original and the TypeScript translation on the same
// weights and inputs, and compares parameter trees, outputs (every leaf),
// gradients and state, in eval and train mode.
import { readFile } from "node:fs/promises";
import { DiagnosticError, formatDiagnostic, type Diagnostic } from "../diagnostics.js";
import type { StepSpec } from "../stage/step-spec.js";
import { translate, type Translation } from "../translate.js";
import type { EntrySpec, SampleInput } from "../model/program.js";
import type { ParamInfo } from "../stage/context.js";
import { FLOAT32_TOLERANCE, type Tolerance } from "./compare.js";
import { importGenerated, runtimeEntryUrl } from "./load-module.js";
import { probeInitCall, runReference, type ProbedSample, type PythonLinks, type ReferenceFailure, type ReferenceSpec } from "./reference.js";
import { check, loadParams, reshaped, variablesByPath, type Module, type Runtime, type Tensor } from "./variables.js";
import type { CheckResult, ParamTreeResult, VerifyArtifacts, VerifyReport } from "./index.js";
import type { FixtureSpec } from "./fixture.js";
import { OPTIMIZER_FACTORY } from "../stage/steps.js";
import { memberName } from "../ts/print.js";
import { FLOAT64_PREFIXES, INIT_STATE, judgeConditioning, type Conditioning, type PendingCheck } from "./conditioning.js";
import { afterSteps, checkStep, stepBlocked, stepRuns, STEP_COUNT, STEPS_RECORDED } from "./steps.js";

export interface EntryOverride {
  /** A Python expression in the file's namespace. */
  expr: string;
  inputs: SampleInput[];
  kwargs: Record<string, string>;
  initKwargs?: Record<string, string>;
  rngs: string[];
  method?: string;
  mutable?: string[];
  prelude?: string;
  argv?: string[];
}

export interface VerifyOptions {
  seed?: number;
  tolerance?: Tolerance;
  entry?: EntryOverride;
  /** Changes the translated model after the weights are loaded: tests use it to prove a mismatch is caught. */
  tamper?: (model: Module, runtime: Runtime) => void;
  /** Filled with what verify worked from, for `--report` and `--save-fixture`. */
  artifacts?: VerifyArtifacts;
}

/** How the harness runs a file that imports the user's other files (their folders on sys.path; its package). */
function pythonLinks(t: Translation): PythonLinks {
  const { roots, packageRoot, moduleName } = t.links;
  return { ...(roots.length ? { importRoots: roots } : {}), ...(moduleName ? { packageRoot, moduleName } : {}) };
}

const TRAIN_WHEN_TRUE = new Set(["train", "training", "is_training", "is_train"]);

/** The Python literal for a boolean. */
const py = (b: boolean) => (b ? "True" : "False");

export async function verify(file: string, options: VerifyOptions = {}): Promise<VerifyReport> {
  const tolerance = options.tolerance ?? FLOAT32_TOLERANCE;
  const seed = options.seed ?? 0;
  const report: VerifyReport = { ok: false, file, checks: [], tolerance, notes: [], diagnostics: [] };
  const fail = (d: Diagnostic) => {
    report.diagnostics.push({ ...d, text: formatDiagnostic(d) });
    return report;
  };

  const text = await readFile(file, "utf8");
  let t: Translation;
  try {
    t = await translate(file, text, { entry: options.entry });
    // The file's own init call builds its sample with code nnxport does not read: run the file up
    // to that call to learn the sample's shapes, then translate for that entry.
    const pending = !options.entry && !t.program.entry ? t.program.probeEntry : undefined;
    if (pending) {
      const probed = await probeInitCall(file, t.program.framework.name, undefined, undefined, pythonLinks(t));
      if (!probed.ok) return fail(referenceDiagnostic(probed.error, file));
      const learned = learnedEntry(pending, probed);
      report.notes.push(`sample inputs learned from the file's own init call: ${learned.inputs.map((i) => `${i.name} ${i.dtype}[${i.shape.join(", ")}]`).join(", ")}`);
      t = await translate(file, text, { entry: learned });
    }
  } catch (e) {
    if (!(e instanceof DiagnosticError)) throw e;
    e.diagnostics.forEach(fail);
    return report;
  }
  report.framework = t.program.framework.name;
  report.code = t.code;
  if (options.artifacts) options.artifacts.translation = t;
  for (const d of t.diagnostics.items) if (d.severity === "warning" && !(d.code === "NNX302" && t.program.entry)) report.diagnostics.push({ ...d, text: formatDiagnostic(d) });
  const entry = t.program.entry;
  const errors = t.diagnostics.items.filter((d) => d.severity === "error");
  if (!entry || !t.paramMap) {
    if (errors.length) {
      errors.forEach(fail);
      return report;
    }
    return fail({ code: "NNX301", severity: "error", message: "no entry point: the file has no `init` call; give one with --entry EXPR --input NAME=float32[...]", file });
  }
  // Classes the entry does not use may still have failed: said, not counted against the entry.
  if (errors.length) report.notes.push(`not translated (the entry does not use them): ${[...t.failed.keys()].join(", ")}; ${errors.map(formatDiagnostic).join("; ")}`);
  const summary = t.staged.ctx.summaries.get(t.paramMap.module)!;
  const params = summary.methods.get(entry.method) ?? [];
  const modes = params.filter((p) => p.kind === "mode");
  // Linen fields that only switch modes (`training: bool = True`): the translation has none; the original is cloned with each mode's value.
  // A field the call also takes (`deterministic` merged with nn.merge_param) is set by the call's flag: Linen raises when both are given.
  const fieldModes = t.program.framework.name === "linen" ? summary.fields.filter((f) => f.mode && !modes.some((m) => m.name === f.name)) : [];
  const mergedModes = t.program.framework.name === "linen" ? summary.fields.filter((f) => f.mode && modes.some((m) => m.name === f.name)).map((f) => f.name) : [];
  const modal = modes.length > 0 || fieldModes.length > 0 || hasModalLayers(t);
  // The mode the entry asks for (its flags), else eval; the other mode is compared too when the model has one.
  // The file's own init call sets only the init call's mode; an entry from the command line sets the mode of both.
  const given = entry.fromInitCall ? undefined : modes.find((m) => entry.kwargs[m.name]);
  const mainTrain = given ? modeIsTrain(given.name, entry.kwargTexts[given.name]) : false;
  const modeSpecs: ReferenceSpec["modes"] = {};
  for (const m of modes) {
    const trainWhenTrue = TRAIN_WHEN_TRUE.has(m.name);
    modeSpecs[m.name] = { eval: py(!trainWhenTrue), train: py(trainWhenTrue), ...(entry.kwargTexts[m.name] ? { init: entry.kwargTexts[m.name] } : {}) };
  }
  const staticKwargs = Object.fromEntries(Object.entries(entry.kwargTexts).filter(([k]) => !modes.some((m) => m.name === k)));
  const rngs = [...entry.rngs];
  let compareTrain = modal && (mainTrain || hasDropout(t) || hasBatchNorm(t));
  if (compareTrain && t.dropoutMissing && !mainTrain) {
    report.notes.push(`train mode not compared: ${t.dropoutMissing}`);
    compareTrain = false;
  }
  if (compareTrain && t.program.framework.name === "linen" && hasDropout(t) && !rngs.includes("dropout")) rngs.push("dropout");
  // Streams the model's own code draws from (make_rng): the original needs them at init and apply.
  if (t.program.framework.name === "linen") for (const d of t.plan?.dropout ?? []) for (const s of [d.stream, d.collection]) if (s && !rngs.includes(s)) rngs.push(s);
  const hasOwnState = t.paramMap.params.some((p) => p.type !== "Param" && p.type !== "BatchStat");
  const spec: ReferenceSpec = {
    file,
    framework: t.program.framework.name,
    entry: entryKind(entry, t),
    method: entry.method,
    inputs: entry.inputs,
    kwargs: staticKwargs,
    init_kwargs: entry.initKwargs ?? {},
    modes: modeSpecs,
    ...(mergedModes.length ? { mergedModes } : {}),
    // hk.without_apply_rng: the source's apply has no key, which hk.maybe_next_rng_key() tells (the translation gets None there too).
    ...(entry.transform?.applyRng === false && /\bmaybe_next_rng_key\b/.test(text) ? { applyWithoutKey: true } : {}),
    ...(fieldModes.length ? { fieldModes: Object.fromEntries(fieldModes.map((f) => [f.name, { eval: py(!TRAIN_WHEN_TRUE.has(f.name)), train: py(TRAIN_WHEN_TRUE.has(f.name)) }])) } : {}),
    rngs,
    mutable: entry.mutable ?? [],
    ...(t.paramMap.sown ? { sown: [...new Set(t.paramMap.sown.map((x) => x.collection))] } : {}),
    prelude: options.entry?.prelude,
    argv: options.entry?.argv,
    train: compareTrain,
    calls: hasOwnState ? 3 : 0,
    seed,
    steps: stepRuns(t.staged.steps),
    ...pythonLinks(t),
    // Other methods are reached through the entry's module; a transformed function (or one apply of
    // hk.multi_transform) is the only thing its entry can call.
    methods: entryKind(entry, t).kind === "function" ? [] : [...(summary.methods.keys())].filter((m) => m !== entry.method && m !== "setup" && (summary.methods.get(m) ?? []).some((p) => p.kind === "array")),
  };
  const reference = await runReference(spec);
  if (!reference.ok) return fail(referenceDiagnostic(reference.error, file));
  if (options.artifacts) options.artifacts.reference = reference.bytes;
  report.notes.push(...reference.notes);
  if (reference.standins.length) report.notes.push(`imports the reference environment lacks were replaced by stand-ins the model never used: ${reference.standins.join(", ")} (set NNXPORT_PYTHON to use your own environment)`);

  const runtime: Runtime = await import(runtimeEntryUrl());
  const { nnx, tf } = runtime;
  report.backend = tf.getBackend();
  const { loadSafetensors } = await import("../../runtime/safetensors.js");
  const { tensors } = loadSafetensors(reference.bytes);
  const reference0 = tensors;
  // A second reference (train mode on a larger batch) and where the train-mode call's inputs are.
  let extra: Record<string, Tensor> | undefined;
  let trainInputs = "input/";
  let model: Module | undefined;
  try {
    const generated = await importGenerated(t.code, { file, siblings: t.siblings });
    // Failed init-state, output and gradient checks, judged again against a float64 run below.
    const pending: PendingCheck[] = [];
    const judged = (prefix: string, key: string, actual: Tensor, result: CheckResult) => {
      if (!result.ok && FLOAT64_PREFIXES.has(prefix) && Number.isFinite(result.maxAbsError)) pending.push({ result, key, prefix, actual: Float32Array.from(actual.dataSync()) });
      return result;
    };
    checkSourceInit(t, generated, tensors, runtime, seed, report, tolerance, judged);
    model = (generated[t.paramMap.factory] as (r: unknown) => Module)(new nnx.Rngs(seed));
    report.params = loadParams({ paramMap: t.paramMap }, model, tensors, runtime);
    if (entry.method !== "__call__") methodEntryNotes(report.params, report);
    options.tamper?.(model, runtime);

    const stateEntries = t.paramMap.params.filter((p) => p.type !== "Param");
    const variables = variablesByPath(model, runtime);
    const restoreState = () => {
      for (const e of stateEntries) {
        const v = variables.get(e.nnx);
        const ref = tensors[`param/${e.source}`];
        if (v && ref) v.value = tf.reshape(ref, e.shape);
      }
    };
    const checkState = (prefix: string, label: string, only?: (e: (typeof stateEntries)[number]) => boolean, tensors = reference0) => {
      for (const e of stateEntries.filter((x) => !only || only(x))) {
        const v = variables.get(e.nnx);
        const expected = tensors[`${prefix}${e.source}`];
        if (v && expected) report.checks.push(check(`${label} ${e.source} → ${e.nnx}`, "state", v.value as Tensor, reshaped(expected, e.shape, tf), tolerance));
      }
    };
    // What the model sows (self.sow → Module.sow): compared after a call where the source's apply kept it (its `mutable=`).
    const sown = t.paramMap.sown ?? [];
    // A name sown per call (`f'act_{i}'`) is a pattern (`act_*`): one path segment, the same name in both.
    const glob = (g: string) => new RegExp(`^${g.split("*").map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")).join("[^./]+")}$`);
    const isSown = (path: readonly (string | number)[]) => sown.some((e) => (e.pattern ? glob(e.nnx).test(path.join(".")) : e.nnx === path.join(".")));
    const checkSown = (prefix: string, label: (what: string) => string, tensors: Record<string, Tensor>) => {
      const names = Object.keys(tensors).filter((k) => k.startsWith(`${prefix}sown/`));
      if (!names.length) return;
      const variables = new Map(nnx.toFlatState(nnx.state(model!, isSown)).map(([p, v]) => [p.join("."), v as InstanceType<typeof nnx.Variable>]));
      const seen = new Set<string>();
      const fixed = sown.filter((e) => !e.pattern);
      const expanded = [...fixed];
      for (const e of sown.filter((x) => x.pattern)) {
        const dir = e.source.slice(0, e.source.lastIndexOf("/") + 1);
        const leaf = glob(e.source.slice(dir.length));
        const nnxDir = e.nnx.slice(0, e.nnx.lastIndexOf(".") + 1);
        const segments = new Set(names.filter((n) => n.startsWith(`${prefix}sown/${dir}`)).map((n) => n.slice(`${prefix}sown/${dir}`.length).split("/")[0]));
        for (const seg of segments) if (leaf.test(seg) && !fixed.some((f) => f.source === dir + seg)) expanded.push({ ...e, source: dir + seg, nnx: nnxDir + seg });
      }
      for (const e of expanded) {
        const key = `${prefix}sown/${e.source}`;
        const refs = names.filter((n) => n === key || n.startsWith(`${key}/`));
        if (!refs.length) continue;
        refs.forEach((n) => seen.add(n));
        const value = variables.get(e.nnx)?.value;
        const items: Array<[string, unknown]> = Array.isArray(value) ? value.map((v, i) => [`${key}/${i}`, v]) : value === undefined ? [] : [[key, value]];
        if (items.length !== refs.length || items.some(([n]) => !refs.includes(n))) {
          report.checks.push({ name: label(`sown ${e.source} → ${e.nnx}`), kind: "state", shape: [], maxAbsError: Infinity, maxRelError: Infinity, ok: false });
          report.notes.push(`${label(`sown ${e.source}`)}: the source keeps ${refs.length} value${refs.length === 1 ? "" : "s"} (${refs.map((n) => n.slice(key.length) || "one array").join(", ")}), the translation ${items.length} at ${e.nnx}`);
          continue;
        }
        for (const [n, v] of items) {
          const actual = v instanceof tf.Tensor ? v : tf.scalar(v as number);
          report.checks.push(check(label(`sown ${n.slice(`${prefix}sown/`.length)} → ${e.nnx}${n === key ? "" : n.slice(key.length).replace("/", "[") + "]"}`), "state", actual, tensors[n], tolerance));
          if (actual !== v) actual.dispose();
        }
      }
      const unmapped = names.filter((n) => !seen.has(n));
      if (unmapped.length) {
        report.checks.push({ name: label("sown"), kind: "state", shape: [], maxAbsError: Infinity, maxRelError: Infinity, ok: false });
        report.notes.push(`${label("sown")}: the source sows ${unmapped.map((n) => n.slice(`${prefix}sown/`.length)).join(", ")}, which the translation does not`);
      }
    };
    const args = callArgs(params, entry, tensors, runtime);
    const callWith = (a: unknown[]) => (m: Module) => (m as unknown as Record<string, (...x: unknown[]) => unknown>)[methodName(entry.method)](...a);
    const call = callWith(args);
    // A layer may return its input as is (nn.Dropout in eval mode): the sample stays for the next call.
    const given = new Set(args.flatMap((a) => (a && typeof a === "object" && !(a instanceof tf.Tensor) ? Object.values(a as object) : [a])));
    const disposeOut = (out: Array<[string, Tensor]>) => tf.dispose(out.map(([, a]) => a).filter((a) => !given.has(a)));

    const checkMode = (train: boolean, prefix: string, tag: string, call_ = call, tensors = reference0) => {
      const call = call_;
      const label = (what: string) => (tag ? `${what} (${tag})` : what);
      if (train) model!.train();
      else model!.eval();
      const prepare = () => {
        restoreState();
        // What earlier calls sowed is taken out: each compared call starts with none, as the source's apply does.
        if (sown.length) nnx.dispose(nnx.pop(model!, isSown));
        // Keys drawn in either mode (dropout in train mode; a module's own unconditional draws in both) are the source's.
        if (t.plan?.dropout) (nnx as unknown as { useSourceDropoutKeys: Function }).useSourceDropoutKeys(model, t.plan, seed);
      };
      prepare();
      // Leaves pair by their path in the output (tuple positions, dict keys, NamedTuple fields), not by order.
      const out = outputLeaves(call(model!), tf);
      checkSown(prefix, label, tensors);
      const names = Object.keys(tensors).filter((k) => k === `${prefix}output` || k.startsWith(`${prefix}output/`)).sort(leafOrder(prefix));
      const pathOf = (n: string) => n.slice(`${prefix}output`.length).replace(/^\//, "");
      const byPath = new Map(out);
      const missing = names.filter((n) => !byPath.has(pathOf(n)));
      const extra = out.filter(([p]) => !names.some((n) => pathOf(n) === p)).map(([p]) => p);
      if (missing.length || extra.length) {
        report.checks.push({ name: label("output"), kind: "output", shape: [], maxAbsError: Infinity, maxRelError: Infinity, ok: false });
        report.notes.push(`${label("output")}: the translation returns ${out.length} arrays (${out.map(([p]) => p || "the output").join(", ")}), the original ${names.length} (${names.map((n) => pathOf(n) || "the output").join(", ")})`);
        disposeOut(out);
        return;
      }
      for (const n of names) report.checks.push(judged(prefix, n, byPath.get(pathOf(n))!, check(label(`output${n.slice(`${prefix}output`.length)}`), "output", byPath.get(pathOf(n))!, tensors[n], tolerance)));
      disposeOut(out);
      if (train) checkState(`${prefix}param/`, "state", (e) => e.type === "BatchStat", tensors);
      // A model without trainable parameters (hk.nets.VectorQuantizerEMA: state only) has no gradients to compare.
      if (!t.paramMap!.params.some((p) => p.type === "Param")) return;
      const cots = new Map(names.map((n) => [pathOf(n), tensors[n.replace(`${prefix}output`, `${prefix}cotangent`)]]));
      prepare();
      const grads = nnx.grad((m: Module) => {
        const leaves = outputLeaves(call(m), tf);
        let total = tf.scalar(0);
        for (const [p, a] of leaves) {
          const c = cots.get(p);
          if (c) total = tf.add(total, tf.sum(tf.mul(a, c)));
        }
        return total;
      })(model!);
      const flat = new Map(nnx.toFlatState(grads).map(([path, leaf]) => [path.join("."), leaf]));
      for (const e of t.paramMap!.params.filter((p) => p.type === "Param")) {
        const g = flat.get(e.nnx);
        const expected = tensors[`${prefix}grad/${e.source}`];
        if (!g || !expected) continue;
        const actual = g instanceof nnx.Variable ? (g.value as Tensor) : (g as Tensor);
        report.checks.push(judged(prefix, `${prefix}grad/${e.source}`, actual, check(`${label("grad")} ${e.source} → ${e.nnx}`, "grad", actual, reshaped(expected, e.shape, tf), tolerance)));
      }
      nnx.dispose(grads);
    };

    // The reference records its main call in eval mode and train mode under train/ (harness.py), whichever mode the entry gives.
    checkMode(false, "", modal ? "eval mode" : "");
    if (spec.calls) {
      restoreState();
      model.eval();
      for (let i = 0; i < spec.calls; i++) {
        const out = outputLeaves(call(model), tf);
        for (const [p, a] of out) report.checks.push(check(`output (call ${i + 1} of ${spec.calls})${p ? ` ${p}` : ""}`, "call", a, tensors[`calls/${i}/output${p ? `/${p}` : ""}`], tolerance));
        tf.dispose(out.map(([, a]) => a));
      }
      checkState("calls/param/", `state after ${spec.calls} calls`);
    }
    const trainFrom = report.checks.length;
    if (compareTrain) checkMode(true, "train/", "train mode");
    const trainTo = report.checks.length;
    if (pending.length) {
      const retry = await conditioned(pending, spec, tensors, report, tolerance, loadSafetensors, tf, /new (nnx|hk)\.BatchNorm\(/.test(t.code) && batchable(entry.inputs));
      if (retry) {
        // The train-mode comparison again, on the larger batch: its checks replace the first ones.
        extra = retry.tensors;
        report.checks.splice(trainFrom, trainTo - trainFrom);
        const trainArgs = callArgs(params, entry, retry.tensors, runtime, "train/input/");
        const before = pending.length;
        checkMode(true, "train/", "train mode", callWith(trainArgs), retry.tensors);
        // Checks that still fail on the larger batch: said as ill-conditioned or not, never retried again.
        const still = pending.slice(before);
        if (still.length) await conditioned(still, { ...spec, trainBatch: TRAIN_BATCH_FACTOR }, retry.tensors, report, tolerance, loadSafetensors, tf, false);
        trainInputs = "train/input/";
        if (options.artifacts) options.artifacts.reference = retry.bytes;
      }
    }
    // The model's other methods, on inputs shaped as the entry's own call gave them.
    const otherMethods: FixtureSpec["methods"] = [];
    for (const m of spec.methods ?? []) {
      const inputs = Object.keys(tensors).filter((k) => k.startsWith(`method/${m}/input/`)).sort((a, b) => Number(a.split("/").pop()) - Number(b.split("/").pop()));
      if (!Object.keys(tensors).some((k) => k.startsWith(`method/${m}/output`))) {
        report.notes.push(`${methodName(m)}() not compared: the entry's own call does not call it, so nnxport has no inputs of the right shapes for it`);
        continue;
      }
      const callM = (mod: Module) => (mod as unknown as Record<string, (...a: unknown[]) => unknown>)[methodName(m)](...inputs.map((k) => tensors[k]));
      checkMode(false, `method/${m}/`, `${methodName(m)}()`, callM);
      const prefix = `method/${m}/`;
      const outputs = Object.keys(tensors).filter((k) => k === `${prefix}output` || k.startsWith(`${prefix}output/`)).sort(leafOrder(prefix)).map((k) => k.slice(prefix.length));
      otherMethods.push({ ts: methodName(m), prefix, inputs, args: inputs.map((k) => `ref[${JSON.stringify(k)}]`).join(", "), outputs, main: false });
    }
    const steps: FixtureSpec["steps"] = [];
    for (const step of t.staged.steps) {
      const blocked = stepBlocked(step, generated, hasDropout(t));
      if (blocked) {
        report.notes.push(blocked);
        continue;
      }
      // Both the step as it runs op by op and the same step under nnx.jit are held to the source's.
      for (const fn of [step.tsEager, step.tsFunction]) {
        const r = checkStep(step, fn, { paramMap: t.paramMap, generated, tensors, runtime, seed, tolerance, dropout: t.plan, tamper: options.tamper });
        report.checks.push(...r.checks);
        report.notes.push(...r.notes);
      }
      steps.push(fixtureStep(step, t, tensors, tolerance));
    }
    if (options.artifacts && !mainTrain) {
      const outputs = Object.keys(tensors).filter((k) => k === "output" || k.startsWith("output/")).sort(leafOrder(""));
      options.artifacts.fixture = {
        framework: t.program.framework.origin,
        // The fixture's copy of the model stands alone (the converted output may import other outputs).
        code: t.standalone ?? t.code,
        paramMap: t.paramMap,
        modal,
        seed,
        tolerance,
        methods: [{ ts: methodName(entry.method), prefix: "", inputs: inputTensorNames(entry.inputs), args: argsSource(params, entry), outputs, main: true }, ...otherMethods],
        calls: spec.calls,
        train: compareTrain ? { dropoutKeys: !!t.plan?.dropout?.length, inputs: trainInputs } : undefined,
        steps,
      };
    }
  } catch (e) {
    fail({ code: "NNX505", severity: "error", message: `the translated model raised: ${(e as Error).message}`, file });
  } finally {
    if (model) nnx.dispose(model);
    tf.dispose(Object.values(tensors));
    if (extra) tf.dispose(Object.values(extra));
  }
  report.ok = report.diagnostics.every((d) => d.severity !== "error") && report.params !== undefined && report.params.problems.length === 0 && report.checks.length > 0 && report.checks.every((c) => c.ok);
  return report;
}

/** A compared step as the fixture's test repeats it. */
function fixtureStep(step: StepSpec, t: Translation, tensors: Record<string, Tensor>, tolerance: Tolerance): FixtureSpec["steps"][number] {
  const allowances: Record<string, Tolerance> = {};
  for (const n of STEPS_RECORDED) {
    for (const e of t.paramMap!.params) {
      const tol = afterSteps(tolerance, step.adamLearningRate, n, e.shape.reduce((a, b) => a * b, 1));
      if (tol.outliers) allowances[`${n}:${e.nnx}`] = tol;
    }
  }
  const data = step.params
    .filter((p) => ["input", "labels", "batch"].includes(p.role.kind))
    .map((p) => (p.role.kind === "batch" ? { name: p.name, entries: Object.keys(p.role.entries) } : { name: p.name }));
  let outs = 0;
  while (tensors[`steps/${step.function}/0/out/${outs}`]) outs++;
  return {
    name: step.function,
    ts: step.tsFunction,
    optimizer: step.usesOptimizer ? OPTIMIZER_FACTORY : undefined,
    data,
    outs,
    count: STEP_COUNT,
    record: STEPS_RECORDED,
    allowances,
    optimizerLabel: step.adamLearningRate !== undefined ? `Adam (learning rate ${step.adamLearningRate})` : undefined,
  };
}

/** The reference tensors the entry's inputs are. */
function inputTensorNames(inputs: SampleInput[], prefix = "input/"): string[] {
  return inputs.flatMap((i) => (i.dict ? inputTensorNames(i.dict, `${prefix}${i.name}/`) : [`${prefix}${i.name}`]));
}

/** The translated method's arguments as TypeScript reading the fixture's `ref`, as callArgs builds them. */
function argsSource(params: ParamInfo[], entry: EntrySpec): string {
  const value = (i: SampleInput, name: string): string => (i.dict ? `{ ${i.dict.map((d) => `${JSON.stringify(d.name)}: ${value(d, `${name}/${d.name}`)}`).join(", ")} }` : `ref[${JSON.stringify(name)}]`);
  const out: string[] = [];
  const options: string[] = [];
  for (const p of params) {
    if (p.kind === "mode" || p.kind === "ignored") continue;
    const input = entry.inputs.find((i) => i.name === p.name);
    let v: string | undefined;
    if (input) v = value(input, `input/${input.name}`);
    else if (entry.kwargTexts[p.name] !== undefined) v = JSON.stringify(pyLiteral(entry.kwargTexts[p.name]));
    if (v === undefined) continue;
    if (p.optional || p.keywordOnly) options.push(`${memberName(p.name)}: ${v}`);
    else out.push(v);
  }
  if (options.length) out.push(`{ ${options.join(", ")} }`);
  return out.join(", ");
}

/** A failed Python run as a diagnostic: the environment, the user's code, something unsupported, or the harness. */
function referenceDiagnostic(error: ReferenceFailure, file: string): Diagnostic {
  const { kind, message, line } = error;
  const code = kind === "environment" ? "NNX501" : kind === "source" ? "NNX502" : kind === "unsupported" ? "NNX503" : "NNX504";
  return { code, severity: "error", message, file, span: line ? { line, column: 1, endLine: line, endColumn: 1 } : undefined };
}

/** The file's own entry, with the sample inputs its init call was seen to get. */
function learnedEntry(entry: EntrySpec, probed: { args: ProbedSample[]; kwargs: Record<string, ProbedSample> }): EntryOverride {
  const positional = entry.inputs.filter((i) => !i.keyword);
  const inputs: SampleInput[] = [
    ...probed.args.map((a, i) => ({ ...a, name: positional[i]?.name ?? `arg${i}` })),
    ...Object.entries(probed.kwargs).map(([name, a]) => ({ ...a, name, keyword: true })),
  ];
  // Its train/eval flags set the init call's mode only, as for the file's own init call; other fixed arguments go to both.
  const flag = (k: string) => TRAIN_WHEN_TRUE.has(k) || ["deterministic", "use_running_average", "eval", "is_eval", "inference"].includes(k);
  const pick = (f: (k: string) => boolean) => Object.fromEntries(Object.entries(entry.kwargTexts).filter(([k]) => f(k)));
  return { expr: entry.text, inputs, kwargs: pick((k) => !flag(k)), initKwargs: pick(flag), rngs: entry.rngs, method: entry.method === "__call__" ? undefined : entry.method, ...(entry.mutable ? { mutable: entry.mutable } : {}) };
}

function modeIsTrain(name: string, text: string | undefined): boolean {
  const value = text === "True";
  return TRAIN_WHEN_TRUE.has(name) ? value : !value;
}

function hasDropout(t: Translation): boolean {
  return !!t.plan?.dropout?.length || /new nnx\.Dropout\(/.test(t.code);
}

/** Inputs the harness can draw a larger batch of: arrays with a leading (batch) axis. */
function batchable(inputs: SampleInput[]): boolean {
  return inputs.length > 0 && inputs.every((i) => !i.dict && i.dtype !== "key" && i.shape.length > 0);
}

/** How many times the entry's batch train mode is compared on again when its batch statistics are ill-conditioned. */
const TRAIN_BATCH_FACTOR = 8;

/**
 * Failed output and gradient checks of the entry's call: the source's call evaluated again in
 * float64 tells whether float32 can reach the tolerance there at all (conditioning.ts), and the
 * report says so. When train mode is ill-conditioned and the model keeps batch statistics (over a
 * batch of a few examples, x − mean is rounding noise times 1/sqrt(var + eps)), the reference is
 * run again with train mode on a fresh batch TRAIN_BATCH_FACTOR times as large; returns it.
 */
async function conditioned(
  pending: PendingCheck[],
  spec: ReferenceSpec,
  first: Record<string, Tensor>,
  report: VerifyReport,
  tolerance: Tolerance,
  load: (bytes: Uint8Array) => { tensors: Record<string, Tensor> },
  tf: Runtime["tf"],
  batchStats: boolean,
): Promise<{ tensors: Record<string, Tensor>; bytes: Uint8Array } | undefined> {
  const exactRun = await runReference({ ...spec, float64: [...new Set(pending.map((p) => p.prefix))] });
  if (!exactRun.ok) {
    report.notes.push(`the source's float64 evaluation (to tell ill-conditioned checks) failed: ${exactRun.error.message}`);
    return undefined;
  }
  const exact = load(exactRun.bytes).tensors;
  let verdict: Conditioning;
  try {
    verdict = judgeConditioning(pending, first, exact, tolerance);
  } finally {
    tf.dispose(Object.values(exact));
  }
  report.notes.push(...verdict.notes);
  if (!verdict.illConditioned.has("train/") || !batchStats) return undefined;
  const retry = await runReference({ ...spec, trainBatch: TRAIN_BATCH_FACTOR });
  if (!retry.ok) {
    report.notes.push(`train mode was not compared again on a larger batch: the source failed on it (${retry.error.message})`);
    return undefined;
  }
  report.notes.push(`train mode compared on a fresh batch ${TRAIN_BATCH_FACTOR} times the entry's: on the entry's batch its batch statistics are ill-conditioned at float32 (above)`);
  return { tensors: load(retry.bytes).tensors, bytes: retry.bytes };
}

function hasBatchNorm(t: Translation): boolean {
  // Layers whose batch statistics a train-mode call updates (Linen's SpectralNorm: u and sigma).
  return /new nnx\.(BatchNorm|LinenSpectralNorm)\(/.test(t.code);
}

function hasModalLayers(t: Translation): boolean {
  return hasDropout(t) || hasBatchNorm(t) || /this\.deterministic/.test(t.code);
}

function entryKind(entry: EntrySpec, t: Translation): ReferenceSpec["entry"] {
  if (t.program.framework.name === "haiku" && entry.transform) return { kind: "function", text: entry.transform.fn };
  return { kind: "expr", text: entry.text };
}

/** For an entry on another method, the source's init creates only what that method uses. */
function methodEntryNotes(params: ParamTreeResult, report: VerifyReport): void {
  const missing = params.problems.filter((p) => p.endsWith("not in the reference parameters"));
  if (!missing.length) return;
  params.problems = params.problems.filter((p) => !missing.includes(p));
  params.total -= missing.length;
  report.notes.push(`${missing.length} variables not compared: the source's init for this method does not create them (${missing.map((m) => m.split(":")[0]).slice(0, 4).join(", ")}${missing.length > 4 ? ", …" : ""})`);
}

function methodName(name: string): string {
  return name === "__call__" ? "call" : memberName(name);
}

/** The translated method's arguments: inputs by name, fixed kwargs as JS values, optional ones in an options object. */
function callArgs(params: ParamInfo[], entry: EntrySpec, tensors: Record<string, Tensor>, runtime: Runtime, prefix = "input/"): unknown[] {
  const out: unknown[] = [];
  const options: Record<string, unknown> = {};
  // Inputs by name; positional inputs named otherwise than the method's parameters go in order.
  const unnamed = entry.inputs.filter((i) => !i.keyword && !params.some((p) => p.name === i.name));
  for (const p of params) {
    if (p.kind === "mode" || p.kind === "ignored") continue;
    const input = entry.inputs.find((i) => i.name === p.name) ?? (p.kind === "array" && !p.optional ? unnamed.shift() : undefined);
    let v: unknown;
    if (input) v = inputValue(input, `${prefix}${input.name}`, tensors, runtime);
    else if (entry.kwargTexts[p.name] !== undefined) v = pyLiteral(entry.kwargTexts[p.name]);
    else if (p.optional || p.keywordOnly) continue;
    if (p.optional || p.keywordOnly) options[memberName(p.name)] = v;
    else out.push(v);
  }
  if (Object.keys(options).length) out.push(options);
  return out;
}

function inputValue(input: SampleInput, name: string, tensors: Record<string, Tensor>, runtime: Runtime): unknown {
  if (input.dict) return Object.fromEntries(input.dict.map((d) => [d.name, inputValue(d, `${name}/${d.name}`, tensors, runtime)]));
  const t = tensors[name];
  if (input.dtype === "key") return new Uint32Array(Int32Array.from(t.dataSync() as Int32Array).buffer);
  return t;
}

/** A Python literal of a kwarg as a JS value (numbers, strings, booleans, None, tuples). */
function pyLiteral(text: string): unknown {
  const json = text.replace(/\bTrue\b/g, "true").replace(/\bFalse\b/g, "false").replace(/\bNone\b/g, "null").replace(/\(/g, "[").replace(/\)/g, "]").replace(/'/g, '"').replace(/,\s*]/g, "]");
  try {
    return JSON.parse(json);
  } catch {
    return text;
  }
}

/** The arrays a method returned, each with its path as the harness names leaves (`0/mean`; '' for a single array); nulls are JAX's Nones. */
function outputLeaves(v: unknown, tf: Runtime["tf"], path = ""): Array<[string, Tensor]> {
  const at = (k: string) => (path ? `${path}/${k}` : k);
  if (v instanceof tf.Tensor) return [[path, v]];
  if (Array.isArray(v)) return v.flatMap((x, i) => outputLeaves(x, tf, at(String(i))));
  if (v && typeof v === "object") return Object.entries(v).flatMap(([k, x]) => outputLeaves(x, tf, at(k)));
  return [];
}

/** Reference output names in JAX's order: `output/0`, `output/1`, ... numerically. */
function leafOrder(prefix: string): (a: string, b: string) => number {
  const key = (n: string) => n.slice(`${prefix}output`.length).split("/").filter(Boolean).map((p) => (/^\d+$/.test(p) ? p.padStart(6, "0") : p)).join("/");
  return (a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0);
}

const EXACT: Tolerance = { atol: 0, rtol: 0 };

/** The translation's own init from the source's seed, bit for bit. */
type Judged = (prefix: string, key: string, actual: Tensor, result: CheckResult) => CheckResult;

function checkSourceInit(t: Translation, generated: Record<string, unknown>, tensors: Record<string, Tensor>, runtime: Runtime, seed: number, report: VerifyReport, tolerance: Tolerance, judged: Judged): void {
  const factory = t.paramMap?.seededFactory;
  if (!factory) {
    report.notes.push(`init not compared: ${t.planMissing ?? "the source's key derivation is not known"}; weights are copied instead`);
    return;
  }
  let model: Module | undefined;
  try {
    model = (generated[factory] as (seed: number) => Module)(seed);
    const variables = variablesByPath(model, runtime);
    const bounded = new Map<string, string[]>();
    for (const entry of t.paramMap!.params) {
      const v = variables.get(entry.nnx);
      const expected = tensors[`param/${entry.source}`];
      if (!v || !expected) continue;
      const isParam = entry.type === "Param";
      const initState = isParam ? undefined : tensors[`${INIT_STATE}${entry.source}`];
      const expectedInit = initState ?? expected;
      // Bit for bit, except initializers that are not bit-exact (orthogonal: a QR), within their stated bound.
      const bound = isParam ? runtime.nnx.initializers.initializerBound((v as unknown as { getMetadata(k: string): unknown }).getMetadata("init"), (v.value as Tensor).shape) : undefined;
      if (bound) bounded.set(`${bound.atol}|${bound.why}`, [...(bounded.get(`${bound.atol}|${bound.why}`) ?? []), entry.source]);
      const exact = bound ? { atol: bound.atol, rtol: 0 } : EXACT;
      const result = check(`${isParam ? "init" : "init state"} ${entry.source} → ${entry.nnx}`, isParam ? "init" : "state", v.value as Tensor, reshaped(expectedInit, entry.shape, runtime.tf), isParam ? exact : tolerance);
      // The state a train-mode init leaves (batch statistics of its own sample) can be ill-conditioned like an output.
      report.checks.push(initState ? judged(INIT_STATE, `${INIT_STATE}${entry.source}`, v.value as Tensor, result) : result);
    }
    for (const [key, sources] of bounded) {
      const [atol, why] = key.split("|");
      report.notes.push(`init of ${sources.length} parameter${sources.length > 1 ? "s" : ""} (${sources.slice(0, 3).join(", ")}${sources.length > 3 ? ", …" : ""}) compared within ${Number(atol).toExponential(0)}, not bit for bit: ${why}`);
    }
  } finally {
    if (model) runtime.nnx.dispose(model);
  }
}

export type { CheckResult };
