// Reading the arguments of variable declarations (hk.get_parameter/get_state,
// Linen's self.param/self.variable): the initializer, shape and dtype.
import type { Expr, SourceInitializer } from "../../ir/model.js";
import type { Node } from "../../parse/parser.js";
import { callArguments, type MethodLowering } from "./lower.js";
import { intTuple } from "./toplevel.js";

export interface VariableSpec {
  init: SourceInitializer;
  shape?: number[];
  dtype?: "float32" | "int32";
}

/** Constant initializers only: their values need no key, so both sides agree whatever the seed. */
const CONSTANT_INITS: Record<string, "ones" | "zeros"> = {
  "jax.numpy.ones": "ones",
  "jax.numpy.zeros": "zeros",
  "flax.linen.initializers.ones": "ones",
  "flax.linen.initializers.zeros": "zeros",
  "jax.nn.initializers.ones": "ones",
  "jax.nn.initializers.zeros": "zeros",
};
const FACTORIES: Record<string, "ones" | "zeros"> = {
  "flax.linen.initializers.ones_init": "ones",
  "flax.linen.initializers.zeros_init": "zeros",
};

/**
 * `jnp.ones`, `nn.initializers.ones_init()`, or `lambda: jnp.ones((), jnp.int32)`
 * (which also gives shape and dtype); undefined for anything else.
 */
export function parseInit(node: Node, lower: MethodLowering): VariableSpec | undefined {
  if (node.type === "lambda") {
    const body = node.childForFieldName("body");
    if (body?.type !== "call") return undefined;
    const init = CONSTANT_INITS[lower.imports.resolve(body.childForFieldName("function")!) ?? ""];
    const { positional, keywords } = callArguments(body);
    const shapeNode = keywords.shape ?? positional[0];
    const shape = shapeNode ? intTuple(shapeNode) : undefined;
    const dtypeNode = keywords.dtype ?? positional[1];
    return init && shape ? { init, shape, dtype: dtypeNode ? parseDtype(dtypeNode, lower) : "float32" } : undefined;
  }
  if (node.type === "call" && callArguments(node).positional.length === 0) {
    const factory = FACTORIES[lower.imports.resolve(node.childForFieldName("function")!) ?? ""];
    return factory ? { init: factory } : undefined;
  }
  const init = CONSTANT_INITS[lower.imports.resolve(node) ?? ""];
  return init ? { init } : undefined;
}

/** `jnp.int32` → int32; `jnp.float32` and `x.dtype` (inputs are float32) → float32. */
export function parseDtype(node: Node, lower: MethodLowering): "float32" | "int32" | undefined {
  const q = lower.imports.resolve(node) ?? "";
  if (/int32$/.test(q)) return "int32";
  if (/float32$/.test(q)) return "float32";
  if (node.type === "attribute" && node.childForFieldName("attribute")!.text === "dtype") return "float32";
  return undefined;
}

export function parseShape(node: Node | undefined): number[] | undefined {
  return node ? intTuple(node) : undefined;
}

/** `counter` → `Counter`: the Variable subclass for a source collection or state name. */
export function variableTypeName(name: string): string {
  return name.replace(/(^|_)([a-z0-9])/g, (_, __, c: string) => c.toUpperCase());
}

export function varRead(name: string, at: Node, lower: MethodLowering): Expr {
  return { kind: "var", name, span: lower.span(at) };
}
