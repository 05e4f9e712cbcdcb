// The translated model's variables against the reference's tensors: the
// parameter tree check, loading the reference's values, and one comparison.
import type { ParamMapEntry } from "../instantiate/index.js";
import { compareArrays, type Tolerance } from "./compare.js";
import { summarizeErrors } from "./error-summary.js";
import type { CheckResult, ParamTreeResult } from "./index.js";

export type Runtime = typeof import("../../runtime/index.js");
export type Module = InstanceType<Runtime["nnx"]["Module"]>;
export type Tensor = import("../../runtime/tf.js").Tensor;

type AnyVariable = InstanceType<Runtime["nnx"]["Variable"]>;

/** Every variable of the model but its RNG state, by dotted path. */
export function variablesByPath(model: Module, { nnx }: Runtime): Map<string, AnyVariable> {
  const flat = nnx.toFlatState(nnx.state(model, nnx.Not(nnx.RngState)));
  return new Map(flat.map(([path, v]) => [path.join("."), v as AnyVariable]));
}

/** A source value with extra leading size-1 axes (keepdims), as the NNX variable holds it. */
export function reshaped(t: Tensor, shape: number[], tf: Runtime["tf"]): Tensor {
  return JSON.stringify(t.shape) === JSON.stringify(shape) ? t : tf.reshape(t, shape);
}

/** `[1, 1, 256]` holds the same values as `[256]`. */
function sameUpToLeadingOnes(source: number[], target: number[]): boolean {
  const extra = source.length - target.length;
  return extra >= 0 && source.slice(0, extra).every((d) => d === 1) && JSON.stringify(source.slice(extra)) === JSON.stringify(target);
}

/** Checks both trees against the param map, then copies the reference values in. */
export function loadParams(t: { paramMap: { params: ParamMapEntry[] } }, model: Module, tensors: Record<string, Tensor>, runtime: Runtime): ParamTreeResult {
  const { tf } = runtime;
  const variables = variablesByPath(model, runtime);
  const problems: string[] = [];
  let matched = 0;
  const mapped = new Set<string>();
  for (const entry of t.paramMap.params) {
    mapped.add(entry.nnx);
    const ref = tensors[`param/${entry.source}`];
    const v = variables.get(entry.nnx);
    const shape = JSON.stringify(entry.shape);
    if (!ref) problems.push(`${entry.source}: not in the reference parameters`);
    else if ((entry as { flattened?: true }).flattened ? ref.size !== entry.shape.reduce((a, b) => a * b, 1) : entry.keepdims ? !sameUpToLeadingOnes(ref.shape, entry.shape) : JSON.stringify(ref.shape) !== shape) {
      problems.push(`${entry.source}: reference shape [${ref.shape}] ≠ expected ${shape}`);
    }
    else if (!v) problems.push(`${entry.nnx}: not in the translated model`);
    else if (JSON.stringify((v.value as Tensor).shape) !== shape) problems.push(`${entry.nnx}: translated shape [${(v.value as Tensor).shape}] ≠ ${shape}`);
    else {
      v.value = tf.reshape(ref, entry.shape); // a new tensor the variable owns
      matched++;
    }
  }
  for (const path of variables.keys()) if (!mapped.has(path)) problems.push(`${path}: in the translated model but not in the param map`);
  const sources = new Set(t.paramMap.params.map((p) => `param/${p.source}`));
  for (const name of Object.keys(tensors)) {
    if (name.startsWith("param/") && !sources.has(name)) problems.push(`${name.slice(6)}: in the reference but not in the param map`);
  }
  return { matched, total: Math.max(t.paramMap.params.length, matched + problems.length), problems };
}

export function check(name: string, kind: CheckResult["kind"], actual: Tensor, expected: Tensor | undefined, tol: Tolerance): CheckResult {
  if (!expected || JSON.stringify(actual.shape) !== JSON.stringify(expected.shape)) {
    return { name, kind, shape: actual.shape, maxAbsError: Infinity, maxRelError: Infinity, ok: false };
  }
  const [a, e] = [actual.dataSync(), expected.dataSync()];
  const c = compareArrays(a, e, tol);
  const result: CheckResult = { name, kind, shape: actual.shape, maxAbsError: c.maxAbsError, maxRelError: c.maxRelError, ok: c.ok };
  result.errors = summarizeErrors(a, e, actual.shape, tol, !c.ok); // for the report
  // An output must also have the original's dtype (an int32 result is not a float32 one of the same values).
  if ((kind === "output" || kind === "call") && actual.dtype !== expected.dtype) {
    result.ok = false;
    result.dtype = `${actual.dtype}, expected ${expected.dtype}`;
  }
  if (c.outliers) result.outliers = c.outliers;
  return result;
}
