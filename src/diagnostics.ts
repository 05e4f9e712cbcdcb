import type { Span } from "./span.js";

export type Severity = "error" | "warning";

/**
 * NNX1xx: the source cannot be parsed. NNX2xx: a construct nnxport does not
 * support. NNX3xx: analysis could not work something out. NNX4xx: emitted code
 * failed its own checks (an nnxport bug). NNX5xx: verification problems.
 */
export interface Diagnostic {
  code: string;
  severity: Severity;
  message: string;
  file: string;
  span?: Span;
}

/** Formats like TypeScript's own diagnostics so editors' problem matchers pick them up. */
export function formatDiagnostic(d: Diagnostic): string {
  const where = d.span ? `${d.file}(${d.span.line},${d.span.column})` : d.file;
  return `${where}: ${d.severity} ${d.code}: ${d.message}`;
}

/** Thrown by a pass that cannot go on; carries the diagnostics gathered so far. */
export class DiagnosticError extends Error {
  constructor(readonly diagnostics: Diagnostic[]) {
    super(diagnostics.map(formatDiagnostic).join("\n"));
    this.name = "DiagnosticError";
  }
}

/** Collects diagnostics for one source file. */
export class DiagnosticBag {
  readonly items: Diagnostic[] = [];
  /** Passes may look at the same code twice (a shape pass, then the real one): each finding is said once. */
  private readonly said = new Set<string>();
  constructor(readonly file: string) {}

  error(code: string, message: string, span?: Span): void {
    this.add({ code, severity: "error", message, file: span?.file ?? this.file, span });
  }

  warning(code: string, message: string, span?: Span): void {
    this.add({ code, severity: "warning", message, file: span?.file ?? this.file, span });
  }

  private add(d: Diagnostic): void {
    const key = `${d.severity}|${d.code}|${d.file}:${d.span?.line}:${d.span?.column}|${d.message}`;
    if (this.said.has(key)) return;
    this.said.add(key);
    this.items.push(d);
  }

  /** Where the bag is now, for `rollback` (a trial pass whose findings the real pass will say again). */
  mark(): number {
    return this.items.length;
  }

  /** Forgets what was said since `mark`, so that saying it again reports it. */
  rollback(mark: number): void {
    for (const d of this.items.splice(mark)) this.said.delete(`${d.severity}|${d.code}|${d.file}:${d.span?.line}:${d.span?.column}|${d.message}`);
  }

  get errorCount(): number {
    return this.items.filter((d) => d.severity === "error").length;
  }

  get hasErrors(): boolean {
    return this.items.some((d) => d.severity === "error");
  }

  /** Stops the pipeline if anything so far is an error. */
  throwIfErrors(): void {
    if (this.hasErrors) throw new DiagnosticError(this.items);
  }
}
