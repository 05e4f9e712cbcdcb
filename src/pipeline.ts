// parse → recognize → analyze → emit → format → type-check, for one file.
import { analyze, type Analysis } from "./analyze/index.js";
import type { Value } from "./analyze/evaluate.js";
import type { ParamMapEntry } from "./analyze/params.js";
import { DiagnosticBag, DiagnosticError } from "./diagnostics.js";
import { emit, EmitError } from "./emit/index.js";
import { formatTypeScript } from "./emit/format.js";
import { typeCheck, typeCheckAll, type TypeError } from "./emit/typecheck.js";
import { recognize, type Framework } from "./frontends/index.js";
import type { ReferenceRecipe, SampleInput } from "./ir/model.js";
import { factoryName, seededFactoryName } from "./ir/naming.js";
import { parsePython } from "./parse/parser.js";
import { VERSION } from "./version.js";

/** The param map as written next to the TypeScript (`model.params.json`). */
export interface ParamMapDocument {
  generatedBy: string;
  source: string;
  framework: ReferenceRecipe["framework"];
  module: string;
  factory: string;
  /** Builds the model with the source's own initial parameters for a seed (absent when unknown). */
  seededFactory?: string;
  config: Record<string, Value>;
  inputs: SampleInput[];
  params: ParamMapEntry[];
}

export interface Translation {
  code: string;
  paramMap: ParamMapDocument;
  analysis: Analysis;
  /** Warnings; errors throw a DiagnosticError instead. */
  diagnostics: DiagnosticBag;
}

export interface TranslateOptions {
  /** How the output names its source; defaults to the file path. */
  sourceLabel?: string;
  framework?: Framework;
  /** Skip the strict type-check of the output (it costs most of the time). */
  skipTypeCheck?: boolean;
}

export async function translate(file: string, text: string, options: TranslateOptions = {}): Promise<Translation> {
  const diags = new DiagnosticBag(file);
  const source = parsePython(file, text, diags);
  diags.throwIfErrors();
  const program = recognize(source, diags, options.framework);
  const analysis = analyze(program, diags);

  let raw: string;
  try {
    raw = emit(analysis, { sourceLabel: options.sourceLabel ?? file, version: VERSION });
  } catch (e) {
    if (!(e instanceof EmitError)) throw e;
    diags.error("NNX401", `cannot emit this yet: ${e.message}`, e.span);
    throw new DiagnosticError(diags.items);
  }
  const code = await formatTypeScript(raw);
  if (!options.skipTypeCheck) reportTypeErrors(diags, typeCheck(code));
  const paramMap: ParamMapDocument = {
    generatedBy: `nnxport ${VERSION}`,
    source: options.sourceLabel ?? file,
    framework: program.reference.framework,
    module: program.entry.module,
    factory: factoryName(program.entry.module),
    seededFactory: analysis.sourceInit ? seededFactoryName(program.entry.module) : undefined,
    config: analysis.entryConfig,
    inputs: program.entry.inputs,
    params: analysis.paramMap,
  };
  return { code, paramMap, analysis, diagnostics: diags };
}

function reportTypeErrors(diags: DiagnosticBag, errors: TypeError[]): void {
  for (const err of errors) {
    diags.error("NNX402", `the generated TypeScript does not type-check (an nnxport bug): line ${err.line}: ${err.message}`);
  }
  diags.throwIfErrors();
}

export interface TranslateInput {
  file: string;
  text: string;
  options?: TranslateOptions;
}

/** What `convert` needs of a translation (what a worker thread can send back). */
export type TranslatedFile = Pick<Translation, "code" | "paramMap" | "diagnostics">;

/**
 * Several files, type-checked together at the end (much faster than one by
 * one). Each result is the translation or the diagnostics that stopped it.
 */
export async function translateAll(inputs: TranslateInput[], onEach?: () => void): Promise<Array<Translation | DiagnosticError>> {
  const results: Array<Translation | DiagnosticError> = [];
  for (const input of inputs) {
    onEach?.();
    try {
      results.push(await translate(input.file, input.text, { ...input.options, skipTypeCheck: true }));
    } catch (e) {
      if (!(e instanceof DiagnosticError)) throw e;
      results.push(e);
    }
  }
  return typeCheckTranslations(results, inputs);
}

/** Type-checks translated files as one program; a file with type errors is replaced by its diagnostics. */
export function typeCheckTranslations<T extends TranslatedFile>(results: Array<T | DiagnosticError>, inputs: TranslateInput[]): Array<T | DiagnosticError> {
  const checked = results.map((r, i) => ({ r, i })).filter(({ r, i }) => !(r instanceof DiagnosticError) && !inputs[i].options?.skipTypeCheck);
  const errors = typeCheckAll(checked.map(({ r }) => (r as T).code));
  checked.forEach(({ r, i }, k) => {
    try {
      reportTypeErrors((r as T).diagnostics, errors[k]);
    } catch (e) {
      results[i] = e as DiagnosticError;
    }
  });
  return results;
}
