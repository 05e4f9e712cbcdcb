// The translator's own training steps wrapped in nnx.jit, as generated code
// exports them (`trainStep = nnx.jit(trainStepEager)`). Each fixture's steps run eagerly on one model and jitted on
// another built the same way; every Variable must stay bit-identical (plain graph).
import { readFile } from "node:fs/promises";
import { describe, expect, test } from "vitest";
import { translate } from "../../src/translate.js";
import { importGenerated } from "../../src/verify/load-module.js";
import { nnx, tf } from "../../runtime/index.js";
import { FIXTURES } from "../helpers/translate.js";

const CASES = ["training/haiku_model.py", "training/linen_model.py", "trainstate/haiku_model.py", "trainstate/linen_model.py", "state/haiku_model.py", "state/linen_model.py"];

type Model = nnx.Module & { call(...x: tf.Tensor[]): tf.Tensor };
type Step = (...args: unknown[]) => unknown;

function bits(t: unknown): number[] | unknown {
  if (!(t instanceof tf.Tensor)) return t;
  const d = t.dataSync();
  return t.dtype === "float32" ? Array.from(new Uint32Array(Float32Array.from(d as Float32Array).buffer)) : Array.from(d as Int32Array);
}

const snapshot = (x: object) => nnx.state(x).flatState().map(([p, v]) => [p.join("."), bits(v.value)]);

describe.each(CASES)("%s", (path) => {
  test("nnx.jit(step) trains exactly as the eager step", async () => {
    const t = await translate(path, await readFile(FIXTURES + path, "utf8"));
    const generated = await importGenerated(t.code);
    const factory = generated[t.paramMap!.factory] as (r: nnx.Rngs) => Model;
    const createOptimizer = generated.createOptimizer as ((m: Model) => nnx.Optimizer<Model>) | undefined;
    const steps = Object.entries(generated).filter(([name, f]) => /StepEager$/.test(name) && typeof f === "function") as [string, Step][];
    expect(steps.length).toBeGreaterThan(0);
    const inputs = t.paramMap!.inputs.map((i, k) => tf.randomNormal(i.shape, 0, 1, "float32", 10 + k));
    for (const [name, step] of steps) {
      const build = () => {
        const model = factory(new nnx.Rngs(0));
        const withOptimizer = step.length === inputs.length + 3;
        return { model, opt: withOptimizer ? createOptimizer!(model) : undefined };
      };
      const a = build();
      const b = build();
      const out = tf.tidy(() => a.model.eval().call(...inputs));
      const classes = out.shape[out.shape.length - 1];
      const labels = tf.tensor(Array.from({ length: out.size / classes }, (_, i) => (i * 7) % classes), out.shape.slice(0, -1), "int32");
      out.dispose();
      const argsOf = (s: { model: Model; opt?: nnx.Optimizer<Model> }) => [s.model, ...(s.opt ? [s.opt] : []), ...inputs, labels];
      const jitted = nnx.jit(step, { xla: false, name });
      for (let i = 0; i < 4; i++) {
        const eager = tf.tidy(() => bits(step(...argsOf(a))));
        const compiled = tf.tidy(() => bits(jitted(...argsOf(b))));
        expect(compiled, `${name} step ${i}: result`).toEqual(eager);
        expect(snapshot(b.model), `${name} step ${i}`).toEqual(snapshot(a.model));
        if (a.opt) expect(snapshot(b.opt!), `${name} step ${i}: optimizer`).toEqual(snapshot(a.opt));
      }
      const trace = jitted.stats.traces[0];
      expect(trace.mode, `${name}: ${trace.reason}`).toBe("graph");
      expect(jitted.stats.compiledCalls).toBe(3);
      jitted.dispose();
    }
  });
});
