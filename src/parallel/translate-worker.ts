// A translation worker: takes one file at a time from the main thread and sends
// back its translation (not yet type-checked: the main thread checks every
// output together in one program, which is what makes that fast).
import { parentPort } from "node:worker_threads";
import { DiagnosticError } from "../diagnostics.js";
import { translate } from "../pipeline.js";
import type { JobMessage, ResultMessage } from "./messages.js";

export async function translateJob(job: JobMessage): Promise<ResultMessage> {
  try {
    const t = await translate(job.file, job.text, { ...job.options, skipTypeCheck: true });
    return { id: job.id, kind: "translated", code: t.code, paramMap: t.paramMap, diagnostics: t.diagnostics.items };
  } catch (e) {
    if (e instanceof DiagnosticError) return { id: job.id, kind: "failed", diagnostics: e.diagnostics };
    return { id: job.id, kind: "crashed", message: (e as Error).message, stack: (e as Error).stack };
  }
}

if (parentPort) {
  const port = parentPort;
  port.on("message", async (job: JobMessage) => port.postMessage(await translateJob(job)));
}
