// The op catalog against the runtime: every row names a function the runtime
// exports, its signature parses, and its options are camelCase names.
import { describe, expect, it } from "vitest";
import * as runtime from "../../../runtime/index.js";
import { ARRAY_METHODS, opSpec, catalogNames } from "../../../src/stage/ops/index.js";
import { signature } from "../../../src/stage/ops/signature.js";

function resolve(path: string): unknown {
  return path.split(".").reduce<unknown>((o, k) => (o as Record<string, unknown> | undefined)?.[k], runtime as unknown);
}

describe("op catalog", () => {
  const names = catalogNames();

  it("has rows for jnp, lax, jax.random, jax.nn and pooling", () => {
    for (const prefix of ["jax.numpy.", "jax.lax.", "jax.random.", "jax.nn.", "flax.linen.", "haiku."]) expect(names.filter((n) => n.startsWith(prefix)).length).toBeGreaterThan(0);
    expect(names.length).toBeGreaterThan(200);
  });

  it.each(names)("%s: the runtime function exists and the signature parses", (name) => {
    const spec = opSpec(name)!;
    expect(typeof resolve(spec.rt), spec.rt).toBe("function");
    const sig = signature(spec.sig);
    expect(sig.params.length).toBeGreaterThan(0);
    expect(new Set(sig.params.map((p) => p.name)).size).toBe(sig.params.length);
    if (spec.axisOrOptions) expect(sig.params.some((p) => p.name === spec.axisOrOptions)).toBe(true);
  });

  it("maps every array method onto a row", () => {
    for (const [method, fn] of Object.entries(ARRAY_METHODS)) expect(opSpec(fn), method).toBeDefined();
  });
});
