// The seams nnx.jit's tracer listens on while it records a call. Everything is
// optional and unset outside a trace, so the runtime pays one property check.
// No imports: runtime/random and runtime/scan.ts call these without pulling in
// the tracer.

/** A tensor-returning sampler of runtime/random. */
export type SampleKind = "uniform" | "normal" | "truncatedNormal" | "bernoulli" | "gumbel" | "permutation";

export interface JitHooks {
  /** A tensor sampler made `tensor` from `key` (params: the sampler's numbers, e.g. [p] or [min, max]). */
  sample?(kind: SampleKind, key: Uint32Array, shape: number[], params: readonly unknown[], tensor: unknown): void;
  /** A key was derived: random.key(seed) (parent null), split (data = [num, i]) or foldIn (data = [d]). */
  derive?(kind: "key" | "split" | "foldIn", parent: Uint32Array | null, data: readonly number[], out: Uint32Array): void;
  /** random.bits ran outside a tensor sampler: its values reach the program as JavaScript data. */
  rawBits?(key: Uint32Array): void;
  /** nnx.scan / nnx.scanLayers: a loop of `length` steps begins; returns a token for its steps. */
  scanBegin?(length: number): number | undefined;
  /** Step `index` of the loop `token` is about to run. */
  scanStep?(token: number, index: number): void;
  scanEnd?(token: number): void;
}

export const jitHooks: JitHooks = {};

/** How deep inside tensor samplers we are (their own bits() calls are not raw uses). */
export const samplerDepth = { value: 0 };
