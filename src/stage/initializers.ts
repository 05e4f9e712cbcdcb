// jax.nn.initializers (and flax's re-exports) by qualified name: how the
// runtime spells each, and how its Python arguments map onto the TypeScript
// call (positional, then an axes options object for the variance-scaling
// family).
import { num, rt, str, type TExpr } from "../ts/ast.js";

export interface InitializerSpec {
  /** The runtime factory, or the initializer itself when `direct`. */
  rt: string;
  /** An initializer itself (`zeros`), not a factory (`zeros_init()`). */
  direct?: true;
  /** Python parameter names taken positionally in TypeScript, in order. */
  positional: string[];
  /** Python parameter names that go in a trailing options object (as camelCase keys). */
  options?: string[];
}

const AXES = ["in_axis", "out_axis", "batch_axis", "dtype"];

const SPECS: Record<string, InitializerSpec> = {
  zeros: { rt: "nnx.initializers.zeros", direct: true, positional: [] },
  ones: { rt: "nnx.initializers.ones", direct: true, positional: [] },
  zeros_init: { rt: "nnx.initializers.zerosInit", positional: [] },
  ones_init: { rt: "nnx.initializers.onesInit", positional: [] },
  constant: { rt: "nnx.initializers.constant", positional: ["value", "dtype"] },
  uniform: { rt: "nnx.initializers.uniform", positional: ["scale", "dtype"] },
  normal: { rt: "nnx.initializers.normal", positional: ["stddev", "dtype"] },
  truncated_normal: { rt: "nnx.initializers.truncatedNormal", positional: ["stddev", "dtype", "lower", "upper"] },
  variance_scaling: { rt: "nnx.initializers.varianceScaling", positional: ["scale", "mode", "distribution"], options: AXES },
  glorot_uniform: { rt: "nnx.initializers.glorotUniform", positional: [], options: AXES },
  glorot_normal: { rt: "nnx.initializers.glorotNormal", positional: [], options: AXES },
  xavier_uniform: { rt: "nnx.initializers.xavierUniform", positional: [], options: AXES },
  xavier_normal: { rt: "nnx.initializers.xavierNormal", positional: [], options: AXES },
  lecun_uniform: { rt: "nnx.initializers.lecunUniform", positional: [], options: AXES },
  lecun_normal: { rt: "nnx.initializers.lecunNormal", positional: [], options: AXES },
  he_uniform: { rt: "nnx.initializers.heUniform", positional: [], options: AXES },
  he_normal: { rt: "nnx.initializers.heNormal", positional: [], options: AXES },
  kaiming_uniform: { rt: "nnx.initializers.kaimingUniform", positional: [], options: AXES },
  kaiming_normal: { rt: "nnx.initializers.kaimingNormal", positional: [], options: AXES },
  orthogonal: { rt: "nnx.initializers.orthogonal", positional: ["scale", "column_axis", "dtype"] },
  delta_orthogonal: { rt: "nnx.initializers.deltaOrthogonal", positional: ["scale", "column_axis", "dtype"] },
};

const PREFIXES = ["jax.nn.initializers.", "flax.linen.initializers.", "flax.nnx.initializers.", "jax.initializers.", "flax.linen.linear.", "flax.linen.initializers."];

/** The spec of an initializer or initializer factory named `qualified`. */
export function initializerSpec(qualified: string): InitializerSpec | undefined {
  for (const p of PREFIXES) if (qualified.startsWith(p)) return SPECS[qualified.slice(p.length)];
  // `from flax.linen.initializers import lecun_normal` is resolved to the full name already.
  return undefined;
}

/** The TypeScript call for a factory given its arguments' expressions by Python name. */
export function initializerCall(spec: InitializerSpec, args: Map<string, TExpr>): TExpr {
  if (spec.direct) return rt(spec.rt);
  const positional: TExpr[] = [];
  const names = spec.positional.filter((n) => n !== "dtype");
  const last = Math.max(-1, ...names.map((n, i) => (args.has(n) ? i : -1)));
  for (let i = 0; i <= last; i++) positional.push(args.get(names[i]) ?? { k: "undefined" });
  const options = (spec.options ?? []).filter((n) => n !== "dtype" && args.has(n)).map((n) => ({ key: n, value: args.get(n)! }));
  if (options.length) positional.push({ k: "object", entries: options });
  return { k: "call", fn: rt(spec.rt), args: positional };
}

export { num, str };
