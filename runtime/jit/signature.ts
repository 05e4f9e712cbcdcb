// What a GraphDef needs beyond what the tfjs-node binding passes: eager execution
// infers type and length attributes from the inputs, a GraphDef must spell them
// out; and a FunctionDef names outputs by argument ("MatMul:product:0").

import { OP_ARGS } from "./opdefs.js";
import { DT, type Attr, type Graph, type Node } from "./ir.js";

interface ArgSpec {
  name: string;
  /** A type attribute (T), or a fixed type. */
  typeAttr?: string;
  fixed?: number;
  /** N tensors (a number attribute), or one per entry of a type list attribute. */
  numberAttr?: string;
  listAttr?: string;
}

const FIXED: Record<string, number> = {
  float: DT.float32,
  double: DT.float64,
  int32: DT.int32,
  int64: DT.int64,
  bool: DT.bool,
  string: DT.string,
  variant: DT.variant,
  uint32: DT.uint32,
  uint8: DT.uint8,
};

function parseArg(text: string): ArgSpec {
  const [name, spec] = text.split(":");
  if (spec.startsWith("[")) return { name, listAttr: spec.slice(1, -1) };
  let rest = spec;
  let numberAttr: string | undefined;
  if (rest.includes("*")) [numberAttr, rest] = rest.split("*");
  if (rest.startsWith("=")) {
    const fixed = FIXED[rest.slice(1)];
    if (fixed === undefined) throw new Error(`nnx.jit: unknown fixed type ${rest} in ${text}`);
    return { name, fixed, numberAttr };
  }
  return { name, typeAttr: rest, numberAttr };
}

const parsed = new Map<string, { inputs: ArgSpec[]; outputs: ArgSpec[] }>();

export function opSignature(op: string): { inputs: ArgSpec[]; outputs: ArgSpec[] } | undefined {
  let sig = parsed.get(op);
  if (!sig) {
    const raw = OP_ARGS[op];
    if (!raw) return undefined;
    const split = (s: string) => (s.trim() === "" ? [] : s.trim().split(/\s+/).map(parseArg));
    sig = { inputs: split(raw[0]), outputs: split(raw[1]) };
    parsed.set(op, sig);
  }
  return sig;
}

export function isKnownOp(op: string): boolean {
  return OP_ARGS[op] !== undefined;
}

/** How many tensors an argument stands for, given the node's attributes. */
function argCount(arg: ArgSpec, attrs: Map<string, Attr>): number | undefined {
  if (arg.listAttr) {
    const a = attrs.get(arg.listAttr);
    return a?.kind === "list_type" ? a.value.length : undefined;
  }
  if (arg.numberAttr) {
    const a = attrs.get(arg.numberAttr);
    return a?.kind === "i" ? a.value : undefined;
  }
  return 1;
}

/**
 * Adds the type/length attributes eager execution inferred from the inputs
 * (T, N, Tidx, ...), leaving those the binding passed untouched.
 */
export function completeAttrs(graph: Graph, node: Node): void {
  const sig = opSignature(node.op);
  if (!sig) throw new Error(`nnx.jit: no signature for op ${node.op}`);
  const known = sig.inputs.map((a) => argCount(a, node.attrs));
  const unknown = known.filter((n) => n === undefined).length;
  if (unknown > 1) throw new Error(`nnx.jit: cannot split the inputs of ${node.op} between its list arguments`);
  const fixedTotal = known.reduce<number>((s, n) => s + (n ?? 0), 0);
  let at = 0;
  sig.inputs.forEach((arg, i) => {
    const n = known[i] ?? node.inputs.length - fixedTotal;
    const dtypes = node.inputs.slice(at, at + n).map((r) => graph.info(r).dtype);
    at += n;
    if (arg.listAttr) {
      if (!node.attrs.has(arg.listAttr)) node.attrs.set(arg.listAttr, { kind: "list_type", value: dtypes });
      return;
    }
    if (arg.numberAttr && !node.attrs.has(arg.numberAttr)) node.attrs.set(arg.numberAttr, { kind: "i", value: n });
    if (arg.typeAttr && !node.attrs.has(arg.typeAttr) && dtypes.length > 0) {
      node.attrs.set(arg.typeAttr, { kind: "type", value: dtypes[0] });
    }
  });
  if (at !== node.inputs.length) throw new Error(`nnx.jit: ${node.op} got ${node.inputs.length} inputs, its signature takes ${at}`);
}

/** "arg:i" naming output `index` of the node inside a FunctionDef. */
export function outputArgRef(node: Node, index: number): string {
  const sig = opSignature(node.op);
  if (!sig) throw new Error(`nnx.jit: no signature for op ${node.op}`);
  let at = index;
  for (const arg of sig.outputs) {
    const n = argCount(arg, node.attrs);
    if (n === undefined) throw new Error(`nnx.jit: ${node.op}: the length of output ${arg.name} is not known`);
    if (at < n) return `${arg.name}:${at}`;
    at -= n;
  }
  throw new Error(`nnx.jit: ${node.op} has no output ${index}`);
}
