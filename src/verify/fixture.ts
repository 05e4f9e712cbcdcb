// `verify --save-fixture DIR`: what verify compared, saved so that the user's own
// TypeScript CI can keep checking it without Python. From the data verify
// already has (the reference safetensors, the translation and its param map,
// the check plan) it writes:
//   <stem>.weights.safetensors    the reference weights by NNX path (nnx.loadWeights reads it)
//   <stem>.reference.safetensors  inputs, outputs, cotangents, gradients, state, steps (by NNX path)
//   <stem>.fixture.test.ts        a vitest file that rebuilds the model and asserts all of it
//   <stem>.ts                     the translated model, unless the test should import the user's own copy
import { join, relative } from "node:path";
import type { ParamMapEntry } from "../analyze/params.js";
import { evaluate } from "../analyze/evaluate.js";
import { methodName } from "../emit/expressions.js";
import { formatTypeScript } from "../emit/format.js";
import { GENERATED_MARKER } from "../emit/index.js";
import { inputParams } from "../ir/walk.js";
import { nnxName, OPTIMIZER_FACTORY } from "../ir/naming.js";
import type { Translation } from "../pipeline.js";
import { VERSION } from "../version.js";
import type { Tolerance } from "./compare.js";
import type { CheckPlan, VerifyArtifacts, VerifyReport } from "./index.js";
import { runtimeEntryUrl } from "./load-module.js";
import { afterSteps, STEP_COUNT, STEPS_RECORDED } from "./training.js";
import type { Runtime, Tensor } from "./variables.js";

type Entry = ParamMapEntry & { layout?: { reshape?: number[]; transpose?: number[] } };

export class FixtureError extends Error {
  override name = "FixtureError";
}

export interface FixtureOptions {
  dir: string;
  /** File names start with this (the source's name without .py). */
  stem: string;
  seed: number;
  /** The translated model the test imports; default: the translation, written into `dir` as `<stem>.ts`. */
  model?: string;
  /** How the generated files name the source (relative to `dir`). */
  source: string;
}

export interface FixtureFile {
  path: string;
  data: string | Uint8Array;
}

export async function buildFixture(report: VerifyReport, artifacts: VerifyArtifacts, options: FixtureOptions): Promise<FixtureFile[]> {
  const { translation, reference, plan } = artifacts;
  if (!report.ok || !translation || !reference || !plan) {
    throw new FixtureError("the translation did not verify, so there is no agreed reference to save (see the checks above)");
  }
  const runtime: Runtime = await import(runtimeEntryUrl());
  const { tf, nnx } = runtime;
  const { tensors: ref } = nnx.loadSafetensors(reference);
  const weights: Record<string, Tensor> = {};
  const saved: Record<string, Tensor> = {};
  try {
    const entries = translation.paramMap.params as Entry[];
    const toNnx = (t: Tensor, e: Entry) =>
      tf.tidy(() => {
        let x = t;
        if (e.layout?.reshape) x = tf.reshape(x, e.layout.reshape);
        if (e.layout?.transpose) x = tf.transpose(x, e.layout.transpose);
        return tf.reshape(x, e.shape);
      });
    /** Each entry's array under `from + source`, saved as `to + nnx` (skipped where the reference has none). */
    const byEntry = (from: string, to: string, which: Entry[]) => {
      for (const e of which) if (ref[from + e.source]) saved[to + e.nnx] = toNnx(ref[from + e.source], e);
    };
    const copy = (name: string, as = name) => {
      if (!ref[name]) throw new FixtureError(`the reference lacks ${name}`);
      saved[as] = tf.clone(ref[name]);
    };
    for (const e of entries) weights[e.nnx] = toNnx(ref[`param/${e.source}`], e);
    const params = entries.filter((e) => e.type === "Param");
    const state = entries.filter((e) => e.type !== "Param");
    byEntry("initstate/", "initstate/", state);
    const { program } = translation.analysis;
    const root = program.modules.find((m) => m.name === program.entry.module)!;
    for (const m of plan.methods) {
      const method = root.methods.find((x) => x.name === m.name)!;
      const prefix = m.main ? "" : `method/${m.name}/`;
      const names = m.main ? inputParams(method).map((p) => `input/${p.name}`) : m.inputs.map((i) => `method/${m.name}/input/${i.name}`);
      names.forEach((n) => copy(n));
      copy(`${prefix}output`);
      copy(`${prefix}cotangent`);
      byEntry(`${prefix}grad/`, `${prefix}grad/`, params);
      if (!m.main) continue;
      for (let i = 0; i < plan.calls; i++) copy(`calls/${i}/output`);
      if (plan.calls) byEntry("calls/param/", "calls/state/", state);
      if (plan.train) {
        copy("train/output");
        copy("train/cotangent");
        byEntry("train/grad/", "train/grad/", params);
        byEntry("train/param/", "train/state/", state.filter((e) => e.type === "BatchStat"));
      }
    }
    for (const step of plan.steps) {
      const p = `steps/${step.name}/`;
      for (let i = 0; i < STEP_COUNT; i++) {
        for (const d of step.params.filter((x) => x.role.kind === "input" || x.role.kind === "labels")) copy(`${p}${i}/${d.name}`);
        if (ref[`${p}${i}/loss`]) copy(`${p}${i}/loss`);
      }
      for (const n of STEPS_RECORDED) byEntry(`${p}${n}/param/`, `${p}${n}/param/`, entries);
    }
    const meta = { format: "nnxport-fixture", generatedBy: `nnxport ${VERSION}`, source: options.source };
    const test = await testFile(translation, plan, report.tolerance, options, Object.keys(saved));
    const files: FixtureFile[] = [
      { path: join(options.dir, `${options.stem}.weights.safetensors`), data: nnx.saveSafetensors(weights, { ...meta, format: "nnxport-weights" }) },
      { path: join(options.dir, `${options.stem}.reference.safetensors`), data: nnx.saveSafetensors(saved, meta) },
      { path: join(options.dir, `${options.stem}.fixture.test.ts`), data: test },
    ];
    // The copy names its source as seen from the fixture folder, as `convert -o` would.
    const [first, ...rest] = translation.code.split("\n");
    const code = [first.replace(` from ${translation.paramMap.source} (`, ` from ${options.source} (`), ...rest].join("\n");
    if (!options.model) files.push({ path: join(options.dir, `${options.stem}.ts`), data: code });
    return files;
  } finally {
    tf.dispose([...Object.values(ref), ...Object.values(weights), ...Object.values(saved)]);
  }
}

/** `./model.js` for the test's import of the translated model. */
function modelImport(options: FixtureOptions): string {
  if (!options.model) return `./${options.stem}.js`;
  const rel = relative(options.dir, options.model).split("\\").join("/").replace(/\.ts$/, ".js");
  return rel.startsWith(".") ? rel : `./${rel}`;
}

const q = (s: string) => JSON.stringify(s);

async function testFile(t: Translation, plan: CheckPlan, tolerance: Tolerance, options: FixtureOptions, saved: string[]): Promise<string> {
  const { program } = t.analysis;
  const map = t.paramMap;
  const root = program.modules.find((m) => m.name === program.entry.module)!;
  const modal = root.methods.some((m) => m.params.some((p) => p.modeFlag));
  const params = map.params.filter((p) => p.type === "Param").map((p) => p.nnx);
  const state = map.params.filter((p) => p.type !== "Param").map((p) => p.nnx);
  const batchStats = map.params.filter((p) => p.type === "BatchStat").map((p) => p.nnx);
  const seed = options.seed;
  const has = (name: string) => saved.includes(name);
  const tests: string[] = [];

  if (map.seededFactory) {
    tests.push(`test("initial parameters for seed ${seed}: the original's own, bit for bit", () => {
    const m = translated.${map.seededFactory}(${seed});
    const vars = nnx.weightVariables(m);
    for (const p of PARAMS) expectClose(\`init \${p}\`, vars.get(p)!.value as tf.Tensor, weights[p], EXACT);
    for (const p of STATE) expectClose(\`init state \${p}\`, vars.get(p)!.value as tf.Tensor, ref[\`initstate/\${p}\`] ?? weights[p]);
    nnx.dispose(m);
  });`);
  }

  for (const m of plan.methods) {
    const method = root.methods.find((x) => x.name === m.name)!;
    const ts = methodName(m.name);
    const prefix = m.main ? "" : `method/${m.name}/`;
    const args = (m.main ? inputParams(method).map((p) => `input/${p.name}`) : m.inputs.map((i) => `method/${m.name}/input/${i.name}`)).map((n) => `ref[${q(n)}]`);
    const call = `(m: Model) => m.${ts}(${args.join(", ")})`;
    const tag = m.main ? (modal ? " (eval mode)" : "") : ` of ${ts}()`;
    tests.push(`test(${q(`output and gradients${tag}`)}, () => {
    const m = model();${modal ? "\n    m.eval();" : ""}
    checkMethod(m, ${q(prefix)}, ${call});
    nnx.dispose(m);
  });`);
    if (!m.main) continue;
    if (plan.calls) {
      tests.push(`test("${plan.calls} successive calls, and the state they leave", () => {
    const m = model();${modal ? "\n    m.eval();" : ""}
    const call = ${call};
    for (let i = 0; i < ${plan.calls}; i++) {
      const y = call(m);
      expectClose(\`output (call \${i + 1})\`, y, ref[\`calls/\${i}/output\`]);
      y.dispose();
    }
    const vars = nnx.weightVariables(m);
    for (const p of STATE) expectClose(\`state after ${plan.calls} calls: \${p}\`, vars.get(p)!.value as tf.Tensor, ref[\`calls/state/\${p}\`]);
    nnx.dispose(m);
  });`);
    }
    if (plan.train) {
      const prepare = plan.sourceDropout ? `(m: Model) => translated.useSourceDropoutKeys(m, ${seed})` : "undefined";
      const after = batchStats.length
        ? `(m: Model) => {
      const vars = nnx.weightVariables(m);
      for (const p of BATCH_STATS) expectClose(\`state \${p}\`, vars.get(p)!.value as tf.Tensor, ref[\`train/state/\${p}\`]);
    }`
        : "undefined";
      tests.push(`test(${q(`output, gradients${batchStats.length ? " and batch statistics" : ""} (train mode${plan.sourceDropout ? ", the original's dropout masks" : ""})`)}, () => {
    const m = model();
    m.train();
    checkMethod(m, "train/", ${call}, ${prepare}, ${after});
    nnx.dispose(m);
  });`);
    }
  }

  const optimizer = program.training?.optimizer;
  for (const step of plan.steps) {
    const fn = nnxName(step.name);
    const p = `steps/${step.name}/`;
    const needsOpt = step.params.some((x) => x.role.kind === "trainState" || x.role.kind === "optState");
    const data = step.params.filter((x) => x.role.kind === "input" || x.role.kind === "labels").map((x) => `ref[\`${p}\${i}/${x.name}\`]`);
    const returnsLoss = has(`${p}0/loss`);
    const opt = step.update.kind === "optimizer" ? optimizer : undefined;
    // Adam's ill-conditioned elements (see verify's afterSteps): the same allowance, per array.
    const allowances: string[] = [];
    for (const n of STEPS_RECORDED) {
      for (const e of map.params) {
        const tol = afterSteps(tolerance, opt, n, e.shape.reduce((a, b) => a * b, 1));
        if (tol.outliers) allowances.push(`${q(`${n}:${e.nnx}`)}: ${JSON.stringify(tol)}`);
      }
    }
    const lr = opt ? evaluate(opt.learningRate, {}) : undefined;
    tests.push(`test(${q(`${fn}: ${STEP_COUNT} training steps from the same weights on the same data`)}, () => {
    const m = model();${needsOpt ? `\n    const opt = translated.${OPTIMIZER_FACTORY}(m);` : ""}${allowances.length ? `\n    // optax.${opt!.transform}(${lr}): a few elements per array may differ by up to 2·lr·steps (README, "Limits").\n    const allow: Record<string, Tolerance> = { ${allowances.join(", ")} };` : ""}
    const vars = nnx.weightVariables(m);
    for (let i = 0; i < ${STEP_COUNT}; i++) {${plan.sourceDropout ? `\n      translated.useSourceDropoutKeys(m, ${seed} + 1 + i);` : ""}
      ${returnsLoss ? "const loss = " : ""}translated.${fn}(m, ${needsOpt ? "opt, " : ""}${data.join(", ")});${
        returnsLoss
          ? `
      expectClose(\`${fn} \${i + 1}: loss\`, loss, ref[\`${p}\${i}/loss\`]);
      loss.dispose();`
          : ""
      }
      if (!${JSON.stringify(STEPS_RECORDED)}.includes(i + 1)) continue;
      for (const p of [...PARAMS, ...STATE]) {
        expectClose(\`after \${i + 1} ${fn}: \${p}\`, vars.get(p)!.value as tf.Tensor, ref[\`${p}\${i + 1}/param/\${p}\`]${allowances.length ? ", allow[`${i + 1}:${p}`] ?? TOLERANCE" : ""});
      }
    }
    nnx.dispose(${needsOpt ? "[m, opt]" : "m"});
  });`);
  }

  const source = options.source;
  const code = `${GENERATED_MARKER} ${VERSION} from ${source} by \`nnxport verify --save-fixture\`.
// The translated model against what the ${program.reference.framework === "haiku" ? "Haiku" : "Flax Linen"} original computed (seed ${seed}), saved
// beside this file as safetensors: no Python runs here. Same checks and tolerance as
// \`nnxport verify\`: |ts − ref| ≤ atol + rtol·|ref| element-wise; initial parameters exact.
import { readFileSync } from "node:fs";
import { describe, expect, test } from "vitest";
import { nnx, tf } from "nnxport/runtime";
import * as translated from ${q(modelImport(options))};

type Model = ReturnType<typeof translated.${map.factory}>;
interface Tolerance {
  atol: number;
  rtol: number;
  /** Up to \`count\` elements may miss atol/rtol if within \`bound\` (Adam's ill-conditioned updates). */
  outliers?: { count: number; bound: number };
}

const TOLERANCE: Tolerance = ${JSON.stringify({ atol: tolerance.atol, rtol: tolerance.rtol })};
const EXACT: Tolerance = { atol: 0, rtol: 0 };
const here = (name: string) => readFileSync(new URL(name, import.meta.url));
const WEIGHTS = here(${q(`./${options.stem}.weights.safetensors`)});
const weights = nnx.loadSafetensors(WEIGHTS).tensors;
const ref = nnx.loadSafetensors(here(${q(`./${options.stem}.reference.safetensors`)})).tensors;
/** The model's parameters and its other variables, by NNX path (from ${source}'s param map). */
const PARAMS: string[] = ${JSON.stringify(params)};
const STATE: string[] = ${JSON.stringify(state)};
const BATCH_STATS: string[] = ${JSON.stringify(batchStats)};

/** The translated model with the reference weights. */
function model(): Model {
  const m = translated.${map.factory}(new nnx.Rngs(0));
  nnx.loadWeights(m, WEIGHTS);
  return m;
}

function expectClose(name: string, actual: tf.Tensor, expected: tf.Tensor | undefined, tol: Tolerance = TOLERANCE): void {
  expect(expected, \`\${name}: not in the reference\`).toBeDefined();
  expect(actual.shape, name).toEqual(expected!.shape);
  const [a, e] = [actual.dataSync(), expected!.dataSync()];
  let bad = 0;
  let outOfBound = 0;
  let worst = -1;
  for (let i = 0; i < a.length; i++) {
    const err = Math.abs(a[i] - e[i]);
    if (err <= tol.atol + tol.rtol * Math.abs(e[i])) continue;
    bad++;
    if (!(err <= (tol.outliers?.bound ?? -1))) outOfBound++;
    if (worst < 0 || !(err <= Math.abs(a[worst] - e[worst]))) worst = i;
  }
  const allowed = tol.outliers && outOfBound === 0 && bad <= tol.outliers.count;
  expect(allowed ? 0 : bad, \`\${name}: \${bad} of \${a.length} elements beyond tolerance (worst at \${worst}: \${a[worst]} vs \${e[worst]})\`).toBe(0);
}

/** One method's output, then the gradients of Σ output ⊙ cotangent, against the reference under \`prefix\`. */
function checkMethod(m: Model, prefix: string, call: (m: Model) => tf.Tensor, prepare?: (m: Model) => void, afterOutput?: (m: Model) => void): void {
  // Each pass stands for one apply of the original, which starts from the saved state.
  nnx.loadWeights(m, WEIGHTS);
  prepare?.(m);
  const y = call(m);
  expectClose(\`\${prefix}output\`, y, ref[\`\${prefix}output\`]);
  y.dispose();
  afterOutput?.(m);
  nnx.loadWeights(m, WEIGHTS);
  prepare?.(m);
  const cotangent = ref[\`\${prefix}cotangent\`];
  const grads = nnx.grad((m: Model) => tf.sum(tf.mul(call(m), cotangent)))(m);
  const flat = new Map(nnx.toFlatState(grads).map(([path, leaf]) => [path.join("."), leaf]));
  for (const p of PARAMS) {
    const g = flat.get(p);
    expect(g, \`gradient of \${p}\`).toBeDefined();
    expectClose(\`\${prefix}grad \${p}\`, g instanceof nnx.Variable ? (g.value as tf.Tensor) : (g as tf.Tensor), ref[\`\${prefix}grad/\${p}\`]);
  }
  nnx.dispose(grads);
}

describe(${q(`${program.entry.module} translated from ${source} matches its original`)}, () => {
  ${tests.join("\n\n  ")}
});
`;
  return formatTypeScript(code);
}

export function fixtureStem(file: string): string {
  return file.replace(/^.*[\\/]/, "").replace(/\.py$/, "");
}
