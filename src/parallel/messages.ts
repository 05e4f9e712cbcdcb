// What the main thread and the translation workers send each other.
import type { Diagnostic } from "../diagnostics.js";
import type { ParamMapDocument, TranslatedFile, TranslateInput } from "../translate.js";

/** Sent once to each worker: every input, and a shared counter from which each thread takes the next index. */
export interface WorkMessage {
  inputs: TranslateInput[];
  next: SharedArrayBuffer;
}

/** A translated file (type-checked later, with the others), the diagnostics that stopped it, or an nnxport bug. */
export type ResultMessage =
  | { id: number; kind: "translated"; code: string; paramMap?: ParamMapDocument; diagnostics: Diagnostic[]; siblings: TranslatedFile["siblings"]; importsFrom: TranslatedFile["importsFrom"]; framework: TranslatedFile["framework"] }
  | { id: number; kind: "failed"; diagnostics: Diagnostic[] }
  | { id: number; kind: "crashed"; message: string; stack?: string }
  | { kind: "done" };
