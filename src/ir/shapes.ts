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
  /** Sizes added up, as concatenating along the last axis does. */
  | { kind: "sum"; terms: Dim[] }
  | { kind: "unknown" };

export interface ValueShape {
  /** Trailing dimensions; any leading (batch) dimensions are implied. */
  dims: Dim[];
  /** The shapes of a tuple's items (`return x, x`). */
  items?: ValueShape[];
}

export const UNKNOWN: Dim = { kind: "unknown" };

export function dimFromExpr(e: Expr): Dim {
  if (e.kind === "number" && e.isInt) return { kind: "const", value: e.value };
  if (e.kind === "config") return { kind: "field", name: e.field };
  if (e.kind === "binary" && e.op === "+") return sumDims([dimFromExpr(e.left), dimFromExpr(e.right)]);
  return UNKNOWN;
}

/** A sum, unknown if any term is; folded when every term is a number. */
export function sumDims(terms: Dim[]): Dim {
  if (terms.some((t) => t.kind === "unknown")) return UNKNOWN;
  if (terms.every((t) => t.kind === "const")) return { kind: "const", value: terms.reduce((a, t) => a + (t as { value: number }).value, 0) };
  return terms.length === 1 ? terms[0] : { kind: "sum", terms };
}

export function exprFromDim(d: Dim, span: Span): Expr | undefined {
  if (d.kind === "const") return { kind: "number", value: d.value, isInt: true, span };
  if (d.kind === "field") return { kind: "config", field: d.name, span };
  if (d.kind === "sum") {
    const terms = d.terms.map((t) => exprFromDim(t, span));
    if (terms.some((t) => !t)) return undefined;
    return (terms as Expr[]).reduce((left, right) => ({ kind: "binary", op: "+", left, right, span }));
  }
  return undefined;
}

/** Replaces each `input` dim for which `f` gives a field. */
export function mapDims(d: Dim, f: (d: Dim) => Dim): Dim {
  return d.kind === "sum" ? sumDims(d.terms.map((t) => mapDims(t, f))) : f(d);
}

export function showDim(d: Dim): string {
  if (d.kind === "sum") return d.terms.map(showDim).join(" + ");
  return d.kind === "const" ? String(d.value) : d.kind === "field" ? d.name : d.kind === "input" ? `size of ${d.param}` : "?";
}

export function lastDim(s: ValueShape): Dim {
  return s.dims.length ? s.dims[s.dims.length - 1] : UNKNOWN;
}

export function withLastDim(s: ValueShape, d: Dim): ValueShape {
  return { dims: s.dims.length ? [...s.dims.slice(0, -1), d] : [d] };
}
