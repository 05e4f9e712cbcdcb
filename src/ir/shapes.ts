// Symbolic shapes for the lazy → eager analysis. A dimension is a number, a
// field of the module's configuration, or unknown; leading batch dimensions
// are never needed by an eager layer, so a shape keeps only the trailing ones.
import type { Expr } from "./model.js";
import type { Span } from "./span.js";

export type Dim =
  | { kind: "const"; value: number }
  | { kind: "field"; name: string }
  /** The last size of a method input, not yet bound to a config field. */
  | { kind: "input"; param: string }
  | { kind: "unknown" };

export interface ValueShape {
  /** Trailing dimensions; any leading (batch) dimensions are implied. */
  dims: Dim[];
}

export const UNKNOWN: Dim = { kind: "unknown" };

export function dimFromExpr(e: Expr): Dim {
  if (e.kind === "number" && e.isInt) return { kind: "const", value: e.value };
  if (e.kind === "config") return { kind: "field", name: e.field };
  return UNKNOWN;
}

export function exprFromDim(d: Dim, span: Span): Expr | undefined {
  if (d.kind === "const") return { kind: "number", value: d.value, isInt: true, span };
  if (d.kind === "field") return { kind: "config", field: d.name, span };
  return undefined;
}

export function sameDim(a: Dim, b: Dim): boolean {
  if (a.kind === "const" && b.kind === "const") return a.value === b.value;
  if (a.kind === "field" && b.kind === "field") return a.name === b.name;
  return false;
}

export function showDim(d: Dim): string {
  return d.kind === "const" ? String(d.value) : d.kind === "field" ? d.name : d.kind === "input" ? `size of ${d.param}` : "?";
}

export function lastDim(s: ValueShape): Dim {
  return s.dims.length ? s.dims[s.dims.length - 1] : UNKNOWN;
}

export function withLastDim(s: ValueShape, d: Dim): ValueShape {
  return { dims: s.dims.length ? [...s.dims.slice(0, -1), d] : [d] };
}
