// `convert --jobs N`: a folder's files translated by N threads (N − 1 worker
// threads and this one, which has the translator loaded already), then
// type-checked together in one program here, as translateAll does. Each thread
// takes the next file from a shared counter, so a slow file holds up nobody and
// no thread waits to be fed. While the workers start, this thread loads the
// type-checker (lib and runtime types), which the final check needs anyway.
import { Worker } from "node:worker_threads";
import { DiagnosticBag, DiagnosticError } from "../diagnostics.js";
import { RUNTIME_MODULE } from "../ts/ast.js";
import { typeCheckAll } from "../ts/typecheck.js";
import { translateAll, typeCheckTranslations, type TranslateInput, type TranslatedFile } from "../translate.js";
import type { ResultMessage, WorkMessage } from "./messages.js";
import { drain } from "./translate-worker.js";

let checkerLoaded = false;

function toResult(m: Exclude<ResultMessage, { kind: "done" }>, file: string): TranslatedFile | DiagnosticError {
  if (m.kind === "crashed") throw Object.assign(new Error(`${file}: ${m.message}`), { stack: m.stack });
  if (m.kind === "failed") return new DiagnosticError(m.diagnostics);
  const diagnostics = new DiagnosticBag(file);
  diagnostics.items.push(...m.diagnostics);
  return { code: m.code, paramMap: m.paramMap, diagnostics, siblings: m.siblings, importsFrom: m.importsFrom, framework: m.framework };
}

export async function translateAllParallel(inputs: TranslateInput[], jobs: number, onEach?: () => void): Promise<Array<TranslatedFile | DiagnosticError>> {
  const threads = Math.max(1, Math.min(jobs, inputs.length));
  if (threads === 1) return translateAll(inputs, onEach);
  const results = new Array<TranslatedFile | DiagnosticError>(inputs.length);
  const take = (m: ResultMessage) => {
    if (m.kind === "done") return;
    results[m.id] = toResult(m, inputs[m.id].file);
    onEach?.();
  };
  const work: WorkMessage = { inputs, next: new SharedArrayBuffer(4) };
  // Workers load libtensorflow too (translation builds the model); it reads these from the
  // process environment, which only this thread can set (a worker's process.env is a copy).
  process.env.TF_ENABLE_ONEDNN_OPTS ??= "0";
  process.env.TF_CPP_MIN_LOG_LEVEL ??= "2";
  const workers = Array.from({ length: threads - 1 }, () => new Worker(new URL("./translate-worker.js", import.meta.url)));
  try {
    const inWorkers = workers.map(
      (w) =>
        new Promise<void>((resolve, reject) => {
          w.on("message", (m: ResultMessage) => {
            try {
              take(m);
              if (m.kind === "done") resolve();
            } catch (e) {
              reject(e);
            }
          });
          w.on("error", reject);
          w.on("exit", (code) => reject(new Error(`a translation worker stopped early (exit code ${code})`)));
          w.postMessage(work);
        }),
    );
    if (!checkerLoaded && inputs.some((i) => !i.options?.skipTypeCheck)) typeCheckAll([`import { nnx } from "${RUNTIME_MODULE}";\nexport const rngs = new nnx.Rngs(0);\n`]);
    checkerLoaded = true;
    // This thread translates too, yielding between files so the workers' results are taken in.
    const here = drain(work, take, () => new Promise((r) => setImmediate(r)));
    await Promise.all([here, ...inWorkers]);
  } finally {
    await Promise.all(workers.map((w) => w.terminate()));
  }
  return typeCheckTranslations(results, inputs);
}
