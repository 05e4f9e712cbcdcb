// verify's results: what was compared, how closely, and what was not
// compared and why. The comparison itself is in ./verify.ts.
import type { Diagnostic } from "../diagnostics.js";
import type { Translation } from "../translate.js";
import type { Tolerance } from "./compare.js";
import type { ErrorSummary } from "./error-summary.js";
import type { FixtureSpec } from "./fixture.js";

export interface CheckResult {
  name: string;
  kind: "init" | "output" | "grad" | "state" | "call" | "step";
  shape: number[];
  maxAbsError: number;
  maxRelError: number;
  ok: boolean;
  /** Elements accepted beyond the tolerance as ill-conditioned (see Tolerance.outliers); reported in a note. */
  outliers?: number;
  /** An output's dtype differs from the original's ("int32, expected float32"); the check fails. */
  dtype?: string;
  /** Where the errors are (for `--report`). */
  errors?: ErrorSummary;
  /** For a check that failed at first: how far the source's own float32 value is from its float64 evaluation (see conditioning.ts). */
  sourceFloat32Error?: number;
  /** For a check judged ill-conditioned: the translation's largest error against the float64 value. */
  errorVsFloat64?: number;
  /** An ill-conditioned check passed against the float64 value instead (conditioning.ts FLOAT32_REACH). */
  againstFloat64?: boolean;
}

export interface ParamTreeResult {
  matched: number;
  total: number;
  /** Map entries the reference or the translation lacks, or whose shapes differ. */
  problems: string[];
}

export interface VerifyReport {
  ok: boolean;
  file: string;
  framework?: string;
  backend?: string;
  params?: ParamTreeResult;
  checks: CheckResult[];
  tolerance: Tolerance;
  /** What was not compared, and why: never silently skipped. */
  notes: string[];
  diagnostics: Array<Diagnostic & { text: string }>;
  /** The translation that was verified. */
  code?: string;
}

/** What verify worked from, for `--report` and `--save-fixture`. */
export interface VerifyArtifacts {
  translation?: Translation;
  /** The reference run's safetensors (see python/harness.py for the names). */
  reference?: Uint8Array;
  /** What was compared, as the fixture's test repeats it. */
  fixture?: FixtureSpec;
}

export { verify, type VerifyOptions, type EntryOverride } from "./verify.js";
