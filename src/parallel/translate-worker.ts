// A translation worker: takes the next file from the shared counter until none
// is left, and sends back each translation (not yet type-checked: the main
// thread checks every output together in one program, which is what makes that
// fast).
import { parentPort } from "node:worker_threads";
import { DiagnosticError } from "../diagnostics.js";
import { translate, type TranslateInput } from "../translate.js";
import type { ResultMessage, WorkMessage } from "./messages.js";

export async function translateOne(id: number, input: TranslateInput): Promise<ResultMessage> {
  try {
    const t = await translate(input.file, input.text, { ...input.options, skipTypeCheck: true });
    return { id, kind: "translated", code: t.code, paramMap: t.paramMap, diagnostics: t.diagnostics.items, siblings: t.siblings, importsFrom: t.importsFrom, framework: t.framework };
  } catch (e) {
    if (e instanceof DiagnosticError) return { id, kind: "failed", diagnostics: e.diagnostics };
    return { id, kind: "crashed", message: (e as Error).message, stack: (e as Error).stack };
  }
}

/** Translates inputs by index from the shared counter; `send` gets each result. */
export async function drain(work: WorkMessage, send: (m: ResultMessage) => void, between?: () => Promise<void>): Promise<void> {
  const next = new Int32Array(work.next);
  for (let id = Atomics.add(next, 0, 1); id < work.inputs.length; id = Atomics.add(next, 0, 1)) {
    send(await translateOne(id, work.inputs[id]));
    await between?.();
  }
}

if (parentPort) {
  const port = parentPort;
  port.once("message", async (work: WorkMessage) => {
    await drain(work, (m) => port.postMessage(m));
    port.postMessage({ kind: "done" } satisfies ResultMessage);
  });
}
