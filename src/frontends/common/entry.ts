// The entry point as the source states it: a `.init(key, *inputs, **flags)`
// call, whose arguments are matched to the root method's parameters.
import type { DiagnosticBag } from "../../diagnostics.js";
import type { EntryPoint, Expr, SampleInput } from "../../ir/model.js";
import { spanOf, type Node } from "../../parse/parser.js";
import { callArguments } from "./lower.js";
import type { TopLevel } from "./toplevel.js";

export interface EntryArguments {
  inputs: SampleInput[];
  /** Boolean flags the init call passes, by the name the callee sees. */
  flags: Record<string, boolean>;
}

/**
 * Reads the init call's arguments after the key: each is either a sample
 * array (its shape is needed) or a boolean literal (a mode flag candidate).
 */
export function readInitArguments(
  init: Node,
  paramNames: string[],
  top: TopLevel,
  diags: DiagnosticBag,
): EntryArguments | undefined {
  const { positional, keywords } = callArguments(init);
  const bound = new Map<string, Node>();
  positional.slice(1).forEach((a, i) => {
    if (i < paramNames.length) bound.set(paramNames[i], a);
  });
  for (const [k, v] of Object.entries(keywords)) bound.set(k, v);
  const out: EntryArguments = { inputs: [], flags: {} };
  for (const name of paramNames) {
    const node = bound.get(name);
    if (!node) {
      diags.error("NNX302", `the init call does not pass '${name}', so its sample shape is unknown`, spanOf(init));
      return undefined;
    }
    if (node.type === "true" || node.type === "false") {
      out.flags[name] = node.type === "true";
      continue;
    }
    const sample = top.sampleInput(name, node);
    if (!sample) {
      diags.error(
        "NNX302",
        `cannot tell the shape of the sample input '${node.text}'; write it as jnp.ones((...)) or similar, or pass --input-shape`,
        spanOf(node),
      );
      return undefined;
    }
    out.inputs.push(sample);
  }
  return out;
}

export function entryPoint(
  module: string,
  config: Record<string, Expr>,
  args: EntryArguments,
  at: Node,
): EntryPoint {
  return { module, config, method: "__call__", inputs: args.inputs, modeArgs: args.flags, span: spanOf(at) };
}
