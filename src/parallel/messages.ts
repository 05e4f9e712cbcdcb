// What the main thread and the translation workers send each other.
import type { Diagnostic } from "../diagnostics.js";
import type { ParamMapDocument, TranslateOptions } from "../pipeline.js";

export interface JobMessage {
  id: number;
  file: string;
  text: string;
  options?: TranslateOptions;
}

/** A translated file (type-checked later, with the others), the diagnostics that stopped it, or an nnxport bug. */
export type ResultMessage =
  | { id: number; kind: "translated"; code: string; paramMap: ParamMapDocument; diagnostics: Diagnostic[] }
  | { id: number; kind: "failed"; diagnostics: Diagnostic[] }
  | { id: number; kind: "crashed"; message: string; stack?: string };
