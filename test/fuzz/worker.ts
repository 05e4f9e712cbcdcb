// A fuzz worker process: loads the translator once, then translates the inputs
// the runner sends, one at a time, and reports what happened. The runner owns
// the clock and kills this process when an input takes too long.
import { pathToFileURL } from "node:url";
import type { Outcome, WireDiagnostic } from "./outcome.js";
import { ENV_TRANSLATOR, type RunRequest, type WorkerMessage } from "./protocol.js";

type Translate2 = (file: string, text: string, options: { skipTypeCheck?: boolean }) => Promise<{ code: unknown; diagnostics: unknown }>;

/** Loads once the translator's type-checker and tensor runtime, so the first input is timed fairly. */
const WARM_UP = `import flax.linen as nn
import jax
import jax.numpy as jnp


class MLP(nn.Module):
    features: int

    @nn.compact
    def __call__(self, x):
        return nn.Dense(self.features)(x)


model = MLP(4)
params = model.init(jax.random.key(0), jnp.ones((1, 3)))
`;

let current: number | undefined;

// Enough frames to see a recursion's cycle in a crash report.
Error.stackTraceLimit = 40;

function send(msg: WorkerMessage): void {
  process.send!(msg);
}

function fatal(e: unknown): void {
  const err = e instanceof Error ? e : new Error(`non-Error value thrown: ${String(e)}`);
  send({ type: "fatal", id: current, name: err.name, message: err.message, stack: err.stack });
  // Let the IPC message leave before exiting.
  setTimeout(() => process.exit(70), 50);
}

process.on("uncaughtException", fatal);
// The runner is gone (killed, or exited without closing its pool): nobody reads the answers.
process.on("disconnect", () => process.exit(0));
process.on("unhandledRejection", fatal);

/** A DiagnosticError from any copy of src/diagnostics.ts (matched by shape, not identity). */
function diagnosticsOf(e: unknown): WireDiagnostic[] | undefined {
  if (!(e instanceof Error) || e.name !== "DiagnosticError") return undefined;
  const list = (e as Error & { diagnostics?: unknown }).diagnostics;
  return Array.isArray(list) ? (list as WireDiagnostic[]).map(plain) : undefined;
}

/** Only the fields the runner checks, so nothing unserializable crosses IPC. */
function plain(d: WireDiagnostic): WireDiagnostic {
  const out: WireDiagnostic = { code: d?.code, severity: d?.severity, message: d?.message, file: d?.file };
  if (d?.span !== undefined) out.span = JSON.parse(JSON.stringify(d.span)) as unknown;
  return out;
}

async function translateOnce(translate: Translate2, req: Pick<RunRequest, "file" | "text" | "skipTypeCheck">): Promise<Outcome> {
  try {
    const t = await translate(req.file, req.text, { skipTypeCheck: req.skipTypeCheck });
    const bag = t.diagnostics as { items?: WireDiagnostic[] } | undefined;
    return { k: "translated", codeLength: typeof t.code === "string" ? t.code.length : -1, diagnostics: (bag?.items ?? []).map(plain) };
  } catch (e) {
    const diagnostics = diagnosticsOf(e);
    if (diagnostics) return { k: "diagnostics", diagnostics };
    if (e instanceof Error) return { k: "threw", name: e.name, message: e.message, stack: e.stack };
    return { k: "threw", name: typeof e, message: `non-Error value thrown: ${String(e)}` };
  }
}

async function main(): Promise<void> {
  const path = process.env[ENV_TRANSLATOR];
  if (!path) throw new Error(`${ENV_TRANSLATOR} is not set`);
  const t0 = performance.now();
  const mod = (await import(pathToFileURL(path).href)) as { translate?: Translate2 };
  const translate = mod.translate;
  if (typeof translate !== "function") throw new Error(`${path} does not export translate`);
  await translateOnce(translate, { file: "warm_up.py", text: WARM_UP, skipTypeCheck: false });
  send({ type: "ready", ms: performance.now() - t0 });
  process.on("message", (msg: RunRequest) => {
    if (msg?.type !== "run") return;
    current = msg.id;
    const start = performance.now();
    void translateOnce(translate, msg).then((outcome) => {
      current = undefined;
      send({ type: "result", id: msg.id, outcome, ms: performance.now() - start, rssMb: process.memoryUsage().rss / 2 ** 20 });
    });
  });
}

main().catch(fatal);
