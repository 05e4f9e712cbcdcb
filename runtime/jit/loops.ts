import type { Graph } from "./ir.js";
import type { LoopRecord } from "./record.js";
import type { FunctionSpec } from "./emit.js";

export function rerollLoops(graph: Graph, loops: LoopRecord[]): FunctionSpec[] {
  void graph;
  void loops;
  return [];
}
