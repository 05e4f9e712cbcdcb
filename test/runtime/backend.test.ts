// Backend selection (runtime/backend.ts) and numerics of the chosen backend.
// Expects scripts/setup-tfjs-node.sh to have run: on the project's machines the default
// backend must then be tfjs-node ("tensorflow"), and that is asserted, not assumed.
import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { fileURLToPath } from "node:url";
import * as tf from "@tensorflow/tfjs-core";
import "@tensorflow/tfjs-backend-cpu";
import ts from "typescript";
import { afterAll, beforeAll, describe, expect, test } from "vitest";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const fixtures = path.join(root, "test/runtime/fixtures-backend");

describe("in this process (default selection)", () => {
  let backend: typeof import("../../runtime/backend.js");
  let chosen: string;

  beforeAll(async () => {
    delete process.env.NNXPORT_BACKEND; // the default order is what is under test here
    backend = await import("../../runtime/backend.js");
    chosen = await backend.ensureBackend();
  });

  test("tfjs-node is the default backend, on the same tfjs-core instance we import", () => {
    expect(chosen).toBe("tensorflow");
    expect(tf.getBackend()).toBe("tensorflow");
    const info = backend.backendInfo();
    expect(info.tried).toEqual([{ name: "tensorflow", ok: true }]);
    expect(info.versions["tfjs-node"]).toBe("4.22.0");
    expect(info.versions.libtensorflow).toMatch(/^\d+\.\d+\.\d+/); // 2.21.0 when built from the wheel
  });

  test("every tfjs package resolves the one copy of @tensorflow/tfjs-core", () => {
    const resolveFrom = (pkg: string) => {
      const dir = path.dirname(createRequire(import.meta.url).resolve(`${pkg}/package.json`));
      return createRequire(path.join(dir, "index.js")).resolve("@tensorflow/tfjs-core");
    };
    const ours = createRequire(import.meta.url).resolve("@tensorflow/tfjs-core");
    for (const pkg of ["@tensorflow/tfjs-node", "@tensorflow/tfjs", "@tensorflow/tfjs-backend-cpu", "@tensorflow/tfjs-backend-wasm"]) {
      expect(resolveFrom(pkg), pkg).toBe(ours);
    }
  });

  // Shapes chosen to cover strided, "same"/"valid", output sizes that a stride makes
  // ambiguous (7 vs 8 from 4), non-square kernels/strides, and wider channels.
  const convCases = [
    { N: 2, H: 8, W: 8, C: 3, O: 4, k: [3, 3], s: [2, 2], pad: "same" },
    { N: 2, H: 7, W: 7, C: 3, O: 4, k: [3, 3], s: [2, 2], pad: "same" },
    { N: 1, H: 16, W: 16, C: 16, O: 32, k: [4, 4], s: [2, 2], pad: "same" },
    { N: 2, H: 9, W: 10, C: 5, O: 6, k: [3, 3], s: [2, 2], pad: "valid" },
    { N: 1, H: 6, W: 11, C: 4, O: 3, k: [2, 3], s: [1, 2], pad: "valid" },
    { N: 3, H: 5, W: 5, C: 8, O: 8, k: [3, 3], s: [1, 1], pad: "same" },
    { N: 1, H: 12, W: 12, C: 2, O: 2, k: [5, 5], s: [3, 3], pad: "same" },
  ] as const;

  /** conv2dTranspose and d(conv2d)/d(input) for each case, on the active backend. */
  function convResults(): Float32Array[] {
    return convCases.flatMap((c, i) =>
      tf.tidy(() => {
        const x = tf.tensor4d(noise(c.N * c.H * c.W * c.C, 3 * i + 1), [c.N, c.H, c.W, c.C]);
        const f = tf.tensor4d(noise(c.k[0] * c.k[1] * c.C * c.O, 3 * i + 2), [c.k[0], c.k[1], c.C, c.O]);
        const yShape = tf.conv2d(x, f, c.s as [number, number], c.pad).shape;
        const dy = tf.tensor(noise(yShape.reduce((a, b) => a * b), 3 * i + 3), yShape) as tf.Tensor4D;
        const transposed = tf.conv2dTranspose(dy, f, [c.N, c.H, c.W, c.C], c.s as [number, number], c.pad);
        const inputGrad = tf.grad((v: tf.Tensor4D) => tf.conv2d(v, f, c.s as [number, number], c.pad).mul(dy).sum())(x);
        return [transposed.dataSync() as Float32Array, inputGrad.dataSync() as Float32Array];
      }),
    );
  }

  async function onCpu<T>(fn: () => T): Promise<T> {
    await tf.setBackend("cpu");
    (tf.backend() as { firstUse?: boolean }).firstUse = false; // skip its "install tfjs-node" banner
    try {
      return fn();
    } finally {
      await tf.setBackend(chosen);
    }
  }

  test("conv2dTranspose and conv2d input-gradients match the pure-JS cpu backend", async () => {
    const got = convResults();
    expect(tf.getBackend()).toBe(chosen); // i.e. not cpu-vs-cpu
    const want = await onCpu(convResults);
    expect(tf.getBackend()).toBe(chosen);
    got.forEach((g, i) => {
      const w = want[i]!;
      expect(g.length).toBe(w.length);
      const scale = Math.max(1, ...w.map(Math.abs));
      const worst = Math.max(...g.map((v, j) => Math.abs(v - w[j]!)));
      expect(worst / scale, `case ${i >> 1} ${i % 2 ? "input-gradient" : "conv2dTranspose"}`).toBeLessThan(1e-4);
    });
  });

  test("round on int32 is exact (TF 2.21's int32 Round kernel returns zeros)", async () => {
    const ints = [-2147483648, -7, -1, 0, 1, 2, 7, 2147483647];
    const r = tf.round(tf.tensor1d(ints, "int32"));
    expect(r.dtype).toBe("int32");
    expect(Array.from(r.dataSync())).toEqual(ints);
    // float32 still goes to TF's kernel and must keep half-to-even rounding.
    const floats = [-2.5, -1.5, -0.5, 0.4, 0.5, 1.5, 2.5, 3.7];
    // (`+ 0` folds -0 into 0: TF gives round(-0.5) = -0, the cpu backend 0; both are right.)
    const rounded = () => Array.from(tf.round(tf.tensor1d(floats)).dataSync(), (v) => v + 0);
    const got = rounded();
    expect(got).toEqual(await onCpu(rounded));
    expect(got).toEqual([-2, -2, 0, 0, 0, 2, 2, 4]);
  });
});

// Each choice is per process, so the other selections run in child processes. This Node
// (20) cannot import .ts, so the test type-strips runtime/backend.ts with the TypeScript
// compiler already in node_modules and the child imports that: the code under test is
// the real source, not a copy. (It only imports packages, so one file suffices.)
describe("in child processes", () => {
  const outDir = path.join(root, `.cache/backend-test-${process.pid}`);
  const compiled = path.join(outDir, "backend.mjs");

  beforeAll(() => {
    const source = readFileSync(path.join(root, "runtime/backend.ts"), "utf8");
    const js = ts.transpileModule(source, {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
    }).outputText;
    mkdirSync(outDir, { recursive: true }); // inside the repo so node_modules resolves
    writeFileSync(compiled, js);
  });
  afterAll(() => rmSync(outDir, { recursive: true, force: true }));

  interface ChildResult {
    status: number | null;
    stderrLines: string[];
    out?: {
      names: string[];
      active: string;
      round: number[];
      info: import("../../runtime/backend.js").BackendInfo;
    };
  }

  function runChild(env: Record<string, string>, opts: { preferred?: string; preload?: string } = {}): ChildResult {
    const base = { ...process.env };
    for (const k of ["NNXPORT_BACKEND", "TF_ENABLE_ONEDNN_OPTS", "TF_CPP_MIN_LOG_LEVEL"]) delete base[k];
    const args = [
      ...(opts.preload ? ["--require", path.join(fixtures, opts.preload)] : []),
      path.join(fixtures, "child.mjs"),
      compiled,
      ...(opts.preferred ? [opts.preferred] : []),
    ];
    const r = spawnSync(process.execPath, args, { cwd: root, env: { ...base, ...env }, encoding: "utf8", timeout: 60_000 });
    const stderrLines = r.stderr.split("\n").filter((l) => l.trim() !== "");
    return { status: r.status, stderrLines, out: r.status === 0 ? JSON.parse(r.stdout) : undefined };
  }

  function expectChosen(r: ChildResult, name: string): void {
    expect(r.status, r.stderrLines.join("\n")).toBe(0);
    expect(r.out!.names).toEqual([name, name, name]);
    expect(r.out!.active).toBe(name);
    expect(r.out!.info.name).toBe(name);
    expect(r.out!.round).toEqual([-3, 0, 7, 2147483647]);
    // Announced exactly once, and nothing else on stderr (TF's C++ logging is quiet).
    expect(r.stderrLines).toHaveLength(1);
    expect(r.stderrLines[0]).toMatch(new RegExp(`^nnxport: tensor backend ${name}\\b`));
  }

  test("default: tensorflow, with oneDNN turned off and TF logging quieted", () => {
    const r = runChild({});
    expectChosen(r, "tensorflow");
    expect(r.stderrLines[0]).toMatch(/^nnxport: tensor backend tensorflow \(tfjs-node 4\.22\.0, libtensorflow \d+\.\d+\.\d+\)$/);
    expect(r.out!.info.env).toMatchObject({ TF_ENABLE_ONEDNN_OPTS: "0", TF_CPP_MIN_LOG_LEVEL: "2" });
  });

  test("a user's TF_ENABLE_ONEDNN_OPTS=1 is respected but called out", () => {
    const r = runChild({ TF_ENABLE_ONEDNN_OPTS: "1", TF_CPP_MIN_LOG_LEVEL: "3" });
    expect(r.status).toBe(0);
    expect(r.out!.info.env.TF_ENABLE_ONEDNN_OPTS).toBe("1");
    expect(r.stderrLines.filter((l) => l.startsWith("nnxport:"))).toEqual([
      expect.stringMatching(/^nnxport: tensor backend tensorflow .*WARNING: oneDNN on/),
    ]);
  });

  test("NNXPORT_BACKEND=wasm selects wasm (its .wasm found in node_modules)", () => {
    const r = runChild({ NNXPORT_BACKEND: "wasm" });
    expectChosen(r, "wasm");
    expect(r.out!.info.tried).toEqual([{ name: "wasm", ok: true }]);
    expect(r.stderrLines[0]).toContain("requested via NNXPORT_BACKEND");
  });

  test("NNXPORT_BACKEND=cpu selects cpu", () => {
    const r = runChild({ NNXPORT_BACKEND: "cpu" });
    expectChosen(r, "cpu");
    expect(r.out!.info.tried).toEqual([{ name: "cpu", ok: true }]);
  });

  test("setPreferredBackend (the CLI's --backend) wins over NNXPORT_BACKEND", () => {
    const r = runChild({ NNXPORT_BACKEND: "wasm" }, { preferred: "cpu" });
    expectChosen(r, "cpu");
    expect(r.out!.info.reason).toBe("setPreferredBackend");
  });

  test("when tfjs-node cannot load, falls back to wasm and says why", () => {
    const r = runChild({}, { preload: "no-tfjs-node.cjs" });
    expectChosen(r, "wasm");
    expect(r.out!.info.tried).toEqual([
      { name: "tensorflow", ok: false, error: expect.stringContaining("simulated: tfjs_binding.node missing") },
      { name: "wasm", ok: true },
    ]);
    expect(r.stderrLines[0]).toMatch(/^nnxport: tensor backend wasm \(tensorflow unavailable: simulated: tfjs_binding\.node missing/);
  });

  test("an explicit request that cannot be met fails loudly instead of substituting", () => {
    const r = runChild({ NNXPORT_BACKEND: "tensorflow" }, { preload: "no-tfjs-node.cjs" });
    expect(r.status).not.toBe(0);
    expect(r.stderrLines.join("\n")).toMatch(/no tensor backend could be initialised \(tensorflow: simulated/);
    const bogus = runChild({ NNXPORT_BACKEND: "gpu" });
    expect(bogus.status).not.toBe(0);
    expect(bogus.stderrLines.join("\n")).toContain('NNXPORT_BACKEND="gpu" is not a tensor backend');
  });
});

/** Deterministic values in [-0.5, 0.5). */
function noise(n: number, seed: number): Float32Array {
  const a = new Float32Array(n);
  let x = seed;
  for (let i = 0; i < n; i++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    a[i] = x / 2 ** 32 - 0.5;
  }
  return a;
}
