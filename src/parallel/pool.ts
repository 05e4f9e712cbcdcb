// `convert --jobs N`: the files of a folder translated in N threads (N − 1
// worker threads and this one, which has the translator loaded already), then
// type-checked together in one program here, as translateAll does. Workers take
// the next file when they finish one, so a slow file holds up nobody.
import { Worker } from "node:worker_threads";
import { DiagnosticBag, DiagnosticError } from "../diagnostics.js";
import { translateAll, typeCheckTranslations, type TranslateInput, type TranslatedFile } from "../pipeline.js";
import type { JobMessage, ResultMessage } from "./messages.js";
import { translateJob } from "./translate-worker.js";

function toResult(m: ResultMessage, file: string): TranslatedFile | DiagnosticError {
  if (m.kind === "crashed") throw Object.assign(new Error(`${file}: ${m.message}`), { stack: m.stack });
  if (m.kind === "failed") return new DiagnosticError(m.diagnostics);
  const diagnostics = new DiagnosticBag(file);
  diagnostics.items.push(...m.diagnostics);
  return { code: m.code, paramMap: m.paramMap, diagnostics };
}

export async function translateAllParallel(inputs: TranslateInput[], jobs: number, onEach?: () => void): Promise<Array<TranslatedFile | DiagnosticError>> {
  const threads = Math.max(1, Math.min(jobs, inputs.length));
  if (threads === 1) return translateAll(inputs, onEach);
  const results = new Array<TranslatedFile | DiagnosticError>(inputs.length);
  let next = 0;
  const take = (): JobMessage | undefined => {
    if (next >= inputs.length) return undefined;
    const id = next++;
    return { id, file: inputs[id].file, text: inputs[id].text, options: inputs[id].options };
  };
  const finish = (m: ResultMessage) => {
    results[m.id] = toResult(m, inputs[m.id].file);
    onEach?.();
  };
  const workers = Array.from({ length: threads - 1 }, () => new Worker(new URL("./translate-worker.js", import.meta.url)));
  try {
    const inWorkers = workers.map(
      (w) =>
        new Promise<void>((resolve, reject) => {
          const feed = () => {
            const job = take();
            if (job) w.postMessage(job);
            else resolve();
          };
          w.on("message", (m: ResultMessage) => {
            try {
              finish(m);
              feed();
            } catch (e) {
              reject(e);
            }
          });
          w.on("error", reject);
          w.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`a translation worker stopped (exit code ${code})`))));
          feed();
        }),
    );
    // This thread translates too, yielding between files so the workers' results are taken in.
    const here = (async () => {
      for (let job = take(); job; job = take()) {
        finish(await translateJob(job));
        await new Promise((r) => setImmediate(r));
      }
    })();
    await Promise.all([here, ...inWorkers]);
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  return typeCheckTranslations(results, inputs);
}
