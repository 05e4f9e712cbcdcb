// What one translate call did (as the worker reports it) and what that means
// for the fuzzer: a translation and a diagnostic at a line are answers; an
// NNX4xx, a diagnostic that points nowhere, an exception or a time-out are bugs.

export interface WireSpan {
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
}

/** A diagnostic as it crosses the process boundary (fields checked, not trusted). */
export interface WireDiagnostic {
  code: unknown;
  severity: unknown;
  message: unknown;
  file: unknown;
  span?: unknown;
}

export type Outcome =
  /** translate returned. */
  | { k: "translated"; codeLength: number; diagnostics: WireDiagnostic[] }
  /** translate threw DiagnosticError. */
  | { k: "diagnostics"; diagnostics: WireDiagnostic[] }
  /** translate threw anything else (or rejected with a non-Error). */
  | { k: "threw"; name: string; message: string; stack?: string }
  /** The worker process died while translating (native crash, out of memory, process.exit). */
  | { k: "exited"; exitCode: number | null; signal: string | null; stderr: string }
  /** No answer within the time limit (the worker was killed). */
  | { k: "timeout"; limitMs: number };

export type Kind = "translated" | "diagnostics" | "bad-diagnostic" | "crash" | "hang";

export const KINDS: readonly Kind[] = ["translated", "diagnostics", "bad-diagnostic", "crash", "hang"];

export function isFailure(kind: Kind): boolean {
  return kind === "bad-diagnostic" || kind === "crash" || kind === "hang";
}

export interface Verdict {
  kind: Kind;
  /** Why it is a failure, one line each (empty for answers). */
  problems: string[];
  /** Groups failures that are the same bug (codes, normalized messages, crash site). */
  signature?: string;
}

/** Codes an input may get: parse (1xx), unsupported (2xx), analysis (3xx), and 6xx. */
const INPUT_CODE = /^NNX[1236]\d\d$/;

/**
 * Diagnostics about the file as a whole, which have no line to point at. Every
 * other diagnostic is about some source text and must carry its span.
 */
const FILE_LEVEL: ReadonlyArray<{ code: string; message: RegExp }> = [
  { code: "NNX301", message: /imports neither Haiku nor Flax Linen/ },
];

/** Words that say the user hit a bug of nnxport's rather than a problem in their code. */
const BUG_WORDS = /nnxport bug|internal error/i;

export function classify(outcome: Outcome, file: string, text: string): Verdict {
  switch (outcome.k) {
    case "timeout":
      return { kind: "hang", problems: [`no answer within ${outcome.limitMs} ms`], signature: "hang" };
    case "exited": {
      const how = outcome.signal ? `signal ${outcome.signal}` : `exit code ${outcome.exitCode}`;
      const last = outcome.stderr.trim().split("\n").slice(-1)[0] ?? "";
      return { kind: "crash", problems: [`the worker process died (${how}): ${last}`], signature: `crash: process died (${how}) ${normalize(last)}` };
    }
    case "threw": {
      // A stack overflow runs out wherever the recursion happens to be: its top frame varies from mutant to mutant.
      const overflow = /Maximum call stack size exceeded/.test(outcome.message);
      return {
        kind: "crash",
        problems: [`${outcome.name}: ${outcome.message} (at ${ownFrames(outcome.stack).slice(0, 4).join(" < ") || "?"})`],
        signature: `crash: ${outcome.name}: ${normalize(outcome.message)}${overflow ? "" : ` @ ${topFrame(outcome.stack)}`}`,
      };
    }
    case "translated": {
      const problems = outcome.diagnostics.flatMap((d) => diagnosticProblems(d, file, text));
      if (outcome.codeLength <= 0) problems.push("translate returned empty code");
      if (problems.length) return bad(problems, outcome.diagnostics);
      // A class with an unsupported construct is left out of the translation, said by an error at its line (src/translate.ts).
      return { kind: outcome.diagnostics.some((d) => d.severity === "error") ? "diagnostics" : "translated", problems: [] };
    }
    case "diagnostics": {
      const problems = outcome.diagnostics.flatMap((d) => diagnosticProblems(d, file, text));
      if (!outcome.diagnostics.some((d) => d.severity === "error")) problems.push("DiagnosticError without an error diagnostic");
      return problems.length ? bad(problems, outcome.diagnostics) : { kind: "diagnostics", problems: [] };
    }
  }
}

function bad(problems: string[], diagnostics: WireDiagnostic[]): Verdict {
  // The first offending diagnostic names the bug; the others usually follow from it.
  const offender = diagnostics.find((d) => diagnosticProblems(d, "", "", true).length) ?? diagnostics[0];
  const sig = offender ? `${String(offender.code)}: ${normalize(String(offender.message))}` : normalize(problems[0]);
  return { kind: "bad-diagnostic", problems, signature: `bad: ${sig}` };
}

/** What is wrong with one diagnostic, if anything. `codeOnly` skips the checks that need the file. */
export function diagnosticProblems(d: WireDiagnostic, file: string, text: string, codeOnly = false): string[] {
  const out: string[] = [];
  const desc = describe(d);
  if (typeof d.code !== "string" || typeof d.message !== "string" || (d.severity !== "error" && d.severity !== "warning")) {
    return [`malformed diagnostic: ${JSON.stringify(d)}`];
  }
  if (!INPUT_CODE.test(d.code)) out.push(`${d.code} cannot be the answer to an input: ${desc}`);
  if (BUG_WORDS.test(d.message)) out.push(`the message blames nnxport: ${desc}`);
  const fileLevel = FILE_LEVEL.some((f) => f.code === d.code && f.message.test(d.message as string));
  if (d.span === undefined) {
    if (!fileLevel) out.push(`no line: ${desc}`);
  } else if (!codeOnly) {
    const why = spanProblem(d.span, text);
    if (why) out.push(`${why}: ${desc}`);
  }
  if (!codeOnly && d.file !== file) out.push(`diagnostic names file ${JSON.stringify(d.file)}, not ${JSON.stringify(file)}`);
  return out;
}

/** A span must lie in the file (tree-sitter may point one line past a final newline); lines end as Python's do (LF, CRLF or CR). */
function spanProblem(span: unknown, text: string): string | undefined {
  if (!span || typeof span !== "object") return "span is not an object";
  const s = span as Partial<WireSpan>;
  const nums = [s.line, s.column, s.endLine, s.endColumn];
  if (!nums.every((n) => typeof n === "number" && Number.isInteger(n))) return `span has non-integer fields ${JSON.stringify(span)}`;
  const [line, column, endLine, endColumn] = nums as number[];
  const lines = text.split(/\r\n|\r|\n/);
  if (line < 1 || column < 1 || endLine < line || (endLine === line && endColumn < column)) return `span is inverted or before the start ${JSON.stringify(span)}`;
  if (endLine > lines.length + 1) return `span ends at line ${endLine}, past the file's ${lines.length} lines`;
  return undefined;
}

export function describe(d: WireDiagnostic): string {
  const s = d.span as Partial<WireSpan> | undefined;
  const at = s && typeof s.line === "number" ? `(${s.line},${s.column})` : "";
  return `${String(d.code)}${at} ${String(d.severity)}: ${String(d.message)}`;
}

/**
 * A message with the parts that vary between mutants of one bug replaced:
 * quoted names and code, numbers, line references.
 */
export function normalize(message: string): string {
  return message
    .split("\n")[0]
    .replace(/'[^'\n]*'|"[^"\n]*"|`[^`\n]*`/g, "'…'")
    .replace(/\b\d+(\.\d+)?\b/g, "N")
    .slice(0, 200);
}

/** `file:line` of the first stack frame in nnxport's own code (or the first frame). */
export function topFrame(stack: string | undefined): string {
  const own = ownFrames(stack);
  if (own.length) return own[0];
  const first = (stack ?? "").split("\n").find((l) => /^\s+at /.test(l)) ?? "";
  const m = /([^\s()/]+):(\d+):\d+\)?$/.exec(first);
  return m ? `${m[1]}:${m[2]}` : first.trim();
}

/** `src/stage/stager.ts:831` for each frame in nnxport's own code, innermost first. */
export function ownFrames(stack: string | undefined): string[] {
  const out: string[] = [];
  for (const l of (stack ?? "").split("\n")) {
    if (!/^\s+at /.test(l) || /node_modules/.test(l)) continue;
    const m = /((?:src|runtime)\/[^\s():]+):(\d+)/.exec(l);
    if (m) out.push(`${m[1]}:${m[2]}`);
  }
  return out;
}
