// `verify --save-fixture DIR`: what verify compared, saved so that the user's own
// TypeScript CI can keep checking it without Python. From the data verify
// already has (the reference safetensors, and a FixtureSpec of what it compared:
// the translation, its param map, the methods, modes and steps) it writes:
//   <stem>.weights.safetensors    the reference weights by NNX path (nnx.loadWeights reads it)
//   <stem>.reference.safetensors  inputs, outputs, cotangents, gradients, state, steps (by NNX path)
//   <stem>.fixture.test.ts        a vitest file that rebuilds the model and asserts all of it
//   <stem>.ts                     the translated model, unless the test should import the user's own copy
import { join, relative } from "node:path";
import type { ParamMapEntry } from "../instantiate/index.js";
import { formatTypeScript } from "../ts/format.js";
import { GENERATED_MARKER } from "../version.js";
import type { ParamMapDocument } from "../translate.js";
import { VERSION } from "../version.js";
import type { Tolerance } from "./compare.js";
import type { VerifyReport } from "./index.js";
import { runtimeEntryUrl } from "./load-module.js";
import type { Runtime, Tensor } from "./variables.js";


type Entry = ParamMapEntry & { layout?: { reshape?: number[]; transpose?: number[] } };

/**
 * What verify compared, as plain data (verify makes it as it runs). Tensor
 * names are the reference's (python/harness.py): `param/<source>`,
 * `initstate/<source>`, `input/<name>`, `<prefix>output[/<leaf>]`,
 * `<prefix>cotangent[/<leaf>]`, `<prefix>grad/<source>`, `calls/<i>/output`,
 * `calls/param/<source>`, `train/param/<source>`, `steps/<name>/<i>/arg/<arg>`,
 * `steps/<name>/<i>/out/<j>`, `steps/<name>/<n>/param/<source>`.
 */
export interface FixtureSpec {
  /** "Haiku" or "Flax Linen", for the test's header. */
  framework: string;
  code: string;
  paramMap: Pick<ParamMapDocument, "source" | "module" | "factory" | "seededFactory"> & { params: Entry[] };
  /** The model has train()/eval() modes: methods are compared in eval mode. */
  modal: boolean;
  seed: number;
  tolerance: Tolerance;
  /**
   * Methods compared: the TypeScript name, the reference prefix ("" for the
   * entry, train mode is "train/"), the input tensors it reads, its arguments
   * as TypeScript (reading `ref[...]`), and its output leaves' names.
   */
  methods: Array<{ ts: string; prefix: string; inputs: string[]; args: string; outputs: string[]; main: boolean }>;
  /** Successive calls of the entry method whose outputs and state were compared. */
  calls: number;
  /** The entry method in train mode; `dropoutKeys`: the generated useSourceDropoutKeys(model, seed) makes the masks the source's. */
  train?: { dropoutKeys: boolean; /** Where train mode's inputs are: "input/", or "train/input/" for a batch of its own. */ inputs?: string };
  steps: Array<{
    /** The source's name (reference prefix) and the generated function's. */
    name: string;
    ts: string;
    /** The generated factory of the optimizer passed after the model (`createOptimizer`), if the step takes one. */
    optimizer?: string;
    /** The step's data arguments: an array (`steps/<name>/<i>/arg/<name>`) or a dict of them (`.../arg/<name>/<key>`). */
    data: Array<{ name: string; entries?: string[] }>;
    /** How many arrays it returns (`steps/<name>/<i>/out/<j>`). */
    outs: number;
    count: number;
    /** After which steps the variables were compared. */
    record: number[];
    /** Per-array tolerance where it is not `tolerance` (Adam's allowance), by `<n>:<nnx path>`. */
    allowances: Record<string, Tolerance>;
    /** optax transform and learning rate, for the comment on the allowance. */
    optimizerLabel?: string;
  }>;
}

export class FixtureError extends Error {
  override name = "FixtureError";
}

export interface FixtureOptions {
  dir: string;
  /** File names start with this (the source's name without .py). */
  stem: string;
  /** The translated model the test imports; default: the translation, written into `dir` as `<stem>.ts`. */
  model?: string;
  /** How the generated files name the source (relative to `dir`). */
  source: string;
}

export interface FixtureFile {
  path: string;
  data: string | Uint8Array;
}

export async function buildFixture(report: VerifyReport, spec: FixtureSpec | undefined, reference: Uint8Array | undefined, options: FixtureOptions): Promise<FixtureFile[]> {
  if (!report.ok || !spec || !reference) {
    throw new FixtureError("the translation did not verify, so there is no agreed reference to save (see the checks above)");
  }
  const runtime: Runtime = await import(runtimeEntryUrl());
  const { tf, nnx } = runtime;
  const { tensors: ref } = nnx.loadSafetensors(reference);
  const weights: Record<string, Tensor> = {};
  const saved: Record<string, Tensor> = {};
  try {
    const entries = spec.paramMap.params;
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
    for (const m of spec.methods) {
      m.inputs.forEach((n) => copy(n));
      for (const o of m.outputs) {
        copy(`${m.prefix}${o}`);
        if (ref[`${m.prefix}${o.replace(/^output/, "cotangent")}`]) copy(`${m.prefix}${o.replace(/^output/, "cotangent")}`);
      }
      byEntry(`${m.prefix}grad/`, `${m.prefix}grad/`, params);
    }
    const main = spec.methods.find((m) => m.main);
    for (let i = 0; i < spec.calls; i++) for (const o of main?.outputs ?? []) copy(`calls/${i}/${o}`);
    if (spec.calls) byEntry("calls/param/", "calls/state/", state);
    if (spec.train) {
      if (main && spec.train.inputs && spec.train.inputs !== "input/") main.inputs.forEach((n) => copy(n.replace(/^input\//, spec.train!.inputs!)));
      for (const o of main?.outputs ?? []) {
        copy(`train/${o}`);
        if (ref[`train/${o.replace(/^output/, "cotangent")}`]) copy(`train/${o.replace(/^output/, "cotangent")}`);
      }
      byEntry("train/grad/", "train/grad/", params);
      byEntry("train/param/", "train/state/", state.filter((e) => e.type === "BatchStat"));
    }
    for (const step of spec.steps) {
      const p = `steps/${step.name}/`;
      for (let i = 0; i < step.count; i++) {
        for (const d of step.data) for (const n of d.entries?.map((e) => `${d.name}/${e}`) ?? [d.name]) copy(`${p}${i}/arg/${n}`);
        for (let j = 0; j < step.outs; j++) copy(`${p}${i}/out/${j}`);
      }
      for (const n of step.record) byEntry(`${p}${n}/param/`, `${p}${n}/param/`, entries);
    }
    const meta = { format: "nnxport-fixture", generatedBy: `nnxport ${VERSION}`, source: options.source };
    const test = await testFile(spec, options, Object.keys(saved));
    const files: FixtureFile[] = [
      { path: join(options.dir, `${options.stem}.weights.safetensors`), data: nnx.saveSafetensors(weights, { ...meta, format: "nnxport-weights" }) },
      { path: join(options.dir, `${options.stem}.reference.safetensors`), data: nnx.saveSafetensors(saved, meta) },
      { path: join(options.dir, `${options.stem}.fixture.test.ts`), data: test },
    ];
    // The copy names its source as seen from the fixture folder, as `convert -o` would.
    const [first, ...rest] = spec.code.split("\n");
    const code = [first.replace(` from ${spec.paramMap.source} (`, ` from ${options.source} (`), ...rest].join("\n");
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

async function testFile(spec: FixtureSpec, options: FixtureOptions, saved: string[]): Promise<string> {
  const map = spec.paramMap;
  const { modal, seed, tolerance } = spec;
  const params = map.params.filter((p) => p.type === "Param").map((p) => p.nnx);
  const state = map.params.filter((p) => p.type !== "Param").map((p) => p.nnx);
  const batchStats = map.params.filter((p) => p.type === "BatchStat").map((p) => p.nnx);
  const tests: string[] = [];
  const main = spec.methods.find((m) => m.main);
  const callOf = (m: FixtureSpec["methods"][number]) => `(m: Model) => m.${m.ts}(${m.args})`;

  if (map.seededFactory) {
    tests.push(`test("initial parameters for seed ${seed}: the original's own, bit for bit", () => {
    const m = translated.${map.seededFactory}(${seed});
    const vars = nnx.weightVariables(m);
    for (const p of PARAMS) expectClose(\`init \${p}\`, vars.get(p)!.value as tf.Tensor, weights[p], EXACT);
    for (const p of STATE) expectClose(\`init state \${p}\`, vars.get(p)!.value as tf.Tensor, ref[\`initstate/\${p}\`] ?? weights[p]);
    nnx.dispose(m);
  });`);
  }

  for (const m of spec.methods) {
    const tag = m.main ? (modal ? " (eval mode)" : "") : ` of ${m.ts}()`;
    tests.push(`test(${q(`output and gradients${tag}`)}, () => {
    const m = model();${modal ? "\n    m.eval();" : ""}
    checkMethod(m, ${q(m.prefix)}, ${JSON.stringify(m.outputs)}, ${callOf(m)});
    nnx.dispose(m);
  });`);
  }
  if (main && spec.calls) {
    tests.push(`test("${spec.calls} successive calls, and the state they leave", () => {
    const m = model();${modal ? "\n    m.eval();" : ""}
    const call = ${callOf(main)};
    for (let i = 0; i < ${spec.calls}; i++) {
      const ys = leaves(call(m));
      ${JSON.stringify(main.outputs)}.forEach((o, j) => expectClose(\`\${o} (call \${i + 1})\`, ys[j], ref[\`calls/\${i}/\${o}\`]));
      tf.dispose(ys);
    }
    const vars = nnx.weightVariables(m);
    for (const p of STATE) expectClose(\`state after ${spec.calls} calls: \${p}\`, vars.get(p)!.value as tf.Tensor, ref[\`calls/state/\${p}\`]);
    nnx.dispose(m);
  });`);
  }
  if (main && spec.train) {
    const keys = spec.train.dropoutKeys;
    const inputs = spec.train.inputs ?? "input/";
    const trainCall = inputs === "input/" ? main : { ...main, args: main.args.replaceAll('ref["input/', `ref["${inputs}`) };
    const prepare = keys ? `(m: Model) => translated.useSourceDropoutKeys(m, ${seed})` : "undefined";
    const after = batchStats.length
      ? `(m: Model) => {
      const vars = nnx.weightVariables(m);
      for (const p of BATCH_STATS) expectClose(\`state \${p}\`, vars.get(p)!.value as tf.Tensor, ref[\`train/state/\${p}\`]);
    }`
      : "undefined";
    tests.push(`test(${q(`output, gradients${batchStats.length ? " and batch statistics" : ""} (train mode${keys ? ", the original's dropout masks" : ""})`)}, () => {
    const m = model();
    m.train();
    checkMethod(m, "train/", ${JSON.stringify(main.outputs)}, ${callOf(trainCall)}, ${prepare}, ${after});
    nnx.dispose(m);
  });`);
  }

  for (const step of spec.steps) {
    const p = `steps/${step.name}/`;
    const arg = (n: string) => `ref[\`${p}\${i}/arg/${n}\`]`;
    const data = step.data.map((d) => (d.entries ? `{ ${d.entries.map((e) => `${e}: ${arg(`${d.name}/${e}`)}`).join(", ")} }` : arg(d.name)));
    const returns = step.outs > 0;
    const allowances = Object.entries(step.allowances).map(([k, t]) => `${q(k)}: ${JSON.stringify(t)}`);
    const keys = spec.train?.dropoutKeys;
    tests.push(`test(${q(`${step.ts}: ${step.count} training steps from the same weights on the same data`)}, () => {
    const m = model();${step.optimizer ? `\n    const opt = translated.${step.optimizer}(m);` : ""}${allowances.length ? `\n    // ${step.optimizerLabel ?? "The optimizer"}: a few elements per array may differ by up to 2·lr·steps (README, "Limits").\n    const allow: Record<string, Tolerance> = { ${allowances.join(", ")} };` : ""}
    const vars = nnx.weightVariables(m);
    for (let i = 0; i < ${step.count}; i++) {${keys ? `\n      translated.useSourceDropoutKeys(m, ${seed} + 1 + i);` : ""}
      ${returns ? "const outs = leaves(" : ""}translated.${step.ts}(m, ${step.optimizer ? "opt, " : ""}${data.join(", ")})${returns ? ")" : ""};${
        returns
          ? `
      outs.forEach((y, j) => expectClose(\`${step.ts} \${i + 1}: result \${j}\`, y, ref[\`${p}\${i}/out/\${j}\`]));
      tf.dispose(outs);`
          : ""
      }
      if (!${JSON.stringify(step.record)}.includes(i + 1)) continue;
      for (const p of [...PARAMS, ...STATE]) {
        expectClose(\`after \${i + 1} ${step.ts}: \${p}\`, vars.get(p)!.value as tf.Tensor, ref[\`${p}\${i + 1}/param/\${p}\`]${allowances.length ? ", allow[`${i + 1}:${p}`] ?? TOLERANCE" : ""});
      }
    }
    nnx.dispose(${step.optimizer ? "[m, opt]" : "m"});
  });`);
  }

  const source = options.source;
  const code = `${GENERATED_MARKER} ${VERSION} from ${source} by \`nnxport verify --save-fixture\`.
// The translated model against what the ${spec.framework} original computed (seed ${seed}), saved
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

/** The arrays a call returned, in order (tuples in order, objects by their keys' order). */
function leaves(v: unknown): tf.Tensor[] {
  if (v instanceof tf.Tensor) return [v];
  if (Array.isArray(v)) return v.flatMap(leaves);
  if (v && typeof v === "object") return Object.values(v).flatMap(leaves);
  return [];
}

/** One method's outputs, then the gradients of Σ output ⊙ cotangent, against the reference under \`prefix\`. */
function checkMethod(m: Model, prefix: string, outputs: string[], call: (m: Model) => unknown, prepare?: (m: Model) => void, afterOutput?: (m: Model) => void): void {
  // Each pass stands for one apply of the original, which starts from the saved state.
  nnx.loadWeights(m, WEIGHTS);
  prepare?.(m);
  const ys = leaves(call(m));
  outputs.forEach((o, j) => expectClose(\`\${prefix}\${o}\`, ys[j], ref[\`\${prefix}\${o}\`]));
  tf.dispose(ys);
  afterOutput?.(m);
  nnx.loadWeights(m, WEIGHTS);
  prepare?.(m);
  const cotangents = outputs.map((o) => ref[\`\${prefix}\${o.replace(/^output/, "cotangent")}\`]);
  const grads = nnx.grad((m: Model) => {
    let total = tf.scalar(0);
    leaves(call(m)).forEach((y, j) => {
      if (cotangents[j]) total = tf.add(total, tf.sum(tf.mul(y, cotangents[j])));
    });
    return total;
  })(m);
  const flat = new Map(nnx.toFlatState(grads).map(([path, leaf]) => [path.join("."), leaf]));
  for (const p of PARAMS) {
    const g = flat.get(p);
    expect(g, \`gradient of \${p}\`).toBeDefined();
    expectClose(\`\${prefix}grad \${p}\`, g instanceof nnx.Variable ? (g.value as tf.Tensor) : (g as tf.Tensor), ref[\`\${prefix}grad/\${p}\`]);
  }
  nnx.dispose(grads);
}

describe(${q(`${map.module} translated from ${source} matches its original`)}, () => {
  ${tests.join("\n\n  ")}
});
`;
  return formatTypeScript(code);
}

export function fixtureStem(file: string): string {
  return file.replace(/^.*[\\/]/, "").replace(/\.py$/, "");
}
