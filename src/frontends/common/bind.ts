import type { DiagnosticBag } from "../../diagnostics.js";
import { spanOf, type Node } from "../../parse/parser.js";
import { callArguments } from "./lower.js";

/**
 * Binds a call's arguments to named parameters, positionally then by keyword,
 * as Python would. Reports excess or unknown arguments; returns name → node.
 */
export function bindArguments(call: Node, params: string[], what: string, diags: DiagnosticBag): Map<string, Node> {
  const { positional, keywords } = callArguments(call);
  const bound = new Map<string, Node>();
  positional.forEach((arg, i) => {
    if (i < params.length) bound.set(params[i], arg);
    else diags.error("NNX204", `${what} takes at most ${params.length} positional arguments`, spanOf(arg));
  });
  for (const [name, value] of Object.entries(keywords)) {
    if (!params.includes(name)) diags.error("NNX204", `${what} has no parameter '${name}'`, spanOf(value));
    else if (bound.has(name)) diags.error("NNX204", `${what} got '${name}' twice`, spanOf(value));
    else bound.set(name, value);
  }
  return bound;
}
