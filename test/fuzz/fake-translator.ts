// A stand-in for translate that misbehaves on request (`# fake: MODE` in the
// text), so the harness's own test can show it catches every kind of failure.

interface FakeDiagnostic {
  code: string;
  severity: "error" | "warning";
  message: string;
  file: string;
  span?: { line: number; column: number; endLine: number; endColumn: number };
}

class DiagnosticError extends Error {
  constructor(readonly diagnostics: FakeDiagnostic[]) {
    super(diagnostics.map((d) => `${d.code}: ${d.message}`).join("\n"));
    this.name = "DiagnosticError";
  }
}

const AT_1 = { line: 1, column: 1, endLine: 1, endColumn: 5 };

export async function translate(file: string, text: string, _options: { skipTypeCheck?: boolean } = {}): Promise<{ code: string; diagnostics: { items: FakeDiagnostic[] } }> {
  const mode = /^# fake: ([\w-]+)/m.exec(text)?.[1] ?? "ok";
  // null: no span at all (undefined would pick the default).
  const err = (code: string, message: string, span: FakeDiagnostic["span"] | null = AT_1): FakeDiagnostic => ({ code, severity: "error", message, file, ...(span ? { span } : {}) });
  switch (mode) {
    case "ok":
      return { code: "export {};\n", diagnostics: { items: [] } };
    case "ok-warning-4xx":
      return { code: "export {};\n", diagnostics: { items: [{ ...err("NNX401", "odd"), severity: "warning" }] } };
    case "diagnostic":
      throw new DiagnosticError([err("NNX201", "unsupported construct: x")]);
    case "file-level":
      throw new DiagnosticError([err("NNX301", "this file imports neither Haiku nor Flax Linen (or both)", null)]);
    case "nnx402":
      throw new DiagnosticError([err("NNX402", "the generated TypeScript does not type-check (an nnxport bug): line 3: Type 'void' is not assignable", null)]);
    case "no-span":
      throw new DiagnosticError([err("NNX201", "unsupported construct: y", null)]);
    case "span-past-end":
      throw new DiagnosticError([err("NNX201", "unsupported construct: z", { line: 900, column: 1, endLine: 900, endColumn: 2 })]);
    case "warnings-only":
      throw new DiagnosticError([{ ...err("NNX210", "ignored"), severity: "warning" }]);
    case "crash":
      throw new TypeError("Cannot read properties of undefined (reading 'span')");
    case "throw-string":
      throw "a string";
    case "hang":
      for (;;);
    case "never-settles":
      return new Promise(() => {});
    case "exit":
      process.exit(3);
    case "late-rejection":
      void Promise.reject(new RangeError("rejected after the answer"));
      return { code: "export {};\n", diagnostics: { items: [] } };
    default:
      throw new Error(`fake translator: unknown mode ${mode}`);
  }
}
