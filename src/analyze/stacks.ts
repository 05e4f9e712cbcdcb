// Layer stacks run their layers through nnx.scanLayers, which hands each layer
// slices of the stacked variables: a layer that assigns its own variables while
// it runs (batch-norm statistics, set_state) would lose the assignment. Such
// stacks are reported rather than translated wrongly.
import type { DiagnosticBag } from "../diagnostics.js";
import type { Child, Program } from "../ir/model.js";
import { moduleOf } from "./order.js";

export function checkStacks(program: Program, diags: DiagnosticBag): void {
  for (const def of program.modules) {
    for (const child of def.children.filter((c) => c.stack)) {
      const why = updatesOwnState(program, child, 0);
      if (why) diags.error("NNX201", `unsupported construct: a layer stack whose layers update their own state (${why})`, child.span);
    }
  }
}

function updatesOwnState(program: Program, child: Child, depth: number): string | undefined {
  if (child.ctor.kind === "layer") return child.ctor.layer === "BatchNorm" ? "batch norm's running statistics" : undefined;
  const def = moduleOf(program, child.ctor.module);
  if (def.methods.some((m) => m.body.some((s) => s.kind === "setVar"))) return `${def.name} sets its own variables`;
  if (depth > 16) return undefined;
  for (const c of def.children) {
    const why = updatesOwnState(program, c, depth + 1);
    if (why) return why;
  }
  return undefined;
}
