// Chooses the TensorFlow.js backend once per process: tfjs-node ("tensorflow", native
// libtensorflow; see scripts/setup-tfjs-node.sh), else wasm, else the pure-JS cpu backend.
//
// Everything uses the single @tensorflow/tfjs-core in node_modules: tfjs-node, the wasm
// and cpu backends all register themselves on that instance (they `require` it; our ESM
// import resolves to the same CommonJS file), so no tensors cross library copies.
import { createRequire } from "node:module";
import { isMainThread } from "node:worker_threads";
import path from "node:path";
import * as tf from "@tensorflow/tfjs-core";

const BACKENDS = ["tensorflow", "wasm", "cpu"] as const;
export type BackendName = (typeof BACKENDS)[number];

export interface BackendAttempt {
  name: BackendName;
  ok: boolean;
  error?: string;
}

export interface BackendInfo {
  /** The backend in use, or null before ensureBackend() settles (or if all failed). */
  name: BackendName | null;
  /** Why this backend: "default order", "NNXPORT_BACKEND", or "setPreferredBackend". */
  reason: string | null;
  tried: BackendAttempt[];
  versions: Record<string, string>;
  /** The environment variables that steer the choice or TF, as they are now. */
  env: Record<string, string | undefined>;
}

interface State {
  preferred?: BackendName;
  chosen?: Promise<BackendName>;
  info: Omit<BackendInfo, "env">;
}

// Kept on globalThis so that even if this module is loaded twice (source and dist,
// or two bundles) the backend is chosen, and announced, once per process.
const KEY = Symbol.for("nnxport.backend");
const store = globalThis as typeof globalThis & { [KEY]?: State };
const state: State = (store[KEY] ??= {
  info: { name: null, reason: null, tried: [], versions: { node: process.versions.node, "tfjs-core": tf.version_core } },
});

const require = createRequire(import.meta.url);

function parseName(value: string, from: string): BackendName | undefined {
  const v = value.trim().toLowerCase();
  if (v === "" || v === "auto") return undefined;
  if ((BACKENDS as readonly string[]).includes(v)) return v as BackendName;
  throw new Error(`nnxport: ${from}=${JSON.stringify(value)} is not a tensor backend; use one of ${BACKENDS.join(", ")} or auto`);
}

/** For the CLI's --backend. Wins over NNXPORT_BACKEND; must run before the runtime is imported. */
export function setPreferredBackend(name: string): void {
  if (state.chosen) {
    throw new Error(`nnxport: the tensor backend was already chosen (${state.info.name ?? "pending"}); set it before importing the runtime`);
  }
  state.preferred = parseName(name, "backend");
}

/**
 * Selects and initialises the backend (first call only) and returns its name.
 * An explicit request (setPreferredBackend / NNXPORT_BACKEND) is honoured or fails loudly:
 * someone who asked for a backend to check numbers on it must not silently get another one.
 * Without one, tensorflow -> wasm -> cpu, taking the first that loads.
 */
export function ensureBackend(): Promise<string> {
  return (state.chosen ??= choose());
}

export function backendInfo(): BackendInfo {
  const { NNXPORT_BACKEND, TF_ENABLE_ONEDNN_OPTS, TF_CPP_MIN_LOG_LEVEL } = process.env;
  const env = { NNXPORT_BACKEND, TF_ENABLE_ONEDNN_OPTS, TF_CPP_MIN_LOG_LEVEL };
  return JSON.parse(JSON.stringify({ ...state.info, env })) as BackendInfo;
}

async function choose(): Promise<BackendName> {
  const info = state.info;
  const fromEnv = parseName(process.env.NNXPORT_BACKEND ?? "", "NNXPORT_BACKEND");
  const requested = state.preferred ?? fromEnv;
  info.reason = state.preferred ? "setPreferredBackend" : fromEnv ? "NNXPORT_BACKEND" : "default order";
  for (const name of requested ? [requested] : BACKENDS) {
    try {
      await activate(name);
      info.tried.push({ name, ok: true });
      info.name = name;
      announce(name);
      return name;
    } catch (e) {
      info.tried.push({ name, ok: false, error: oneLine(e) });
    }
  }
  const why = info.tried.map((t) => `${t.name}: ${t.error}`).join("; ");
  throw new Error(`nnxport: no tensor backend could be initialised (${why})`);
}

async function activate(name: BackendName): Promise<void> {
  // tfjs reports backend-initialisation failures only via console.warn; catch them so the
  // reason ends up in the error (and in backendInfo) instead of as stray noise.
  const warnings: string[] = [];
  const warn = console.warn;
  console.warn = (...args: unknown[]) => void warnings.push(args.map(String).join(" "));
  try {
    if (name === "tensorflow") {
      // Read by libtensorflow when it loads, so they must be set before the require.
      // TF 2.21's oneDNN Conv2DBackpropInput (conv transpose, conv input-gradients) is
      // recorded in the design notes as giving wrong answers; the Eigen kernels used with
      // oneDNN off are TF's reference CPU implementation.
      process.env.TF_ENABLE_ONEDNN_OPTS ??= "0";
      process.env.TF_CPP_MIN_LOG_LEVEL ??= "2"; // hide TF's C++ INFO/WARNING chatter
      require("@tensorflow/tfjs-node"); // registers "tensorflow" (and selects it) on import
      state.info.versions["tfjs-node"] = require("@tensorflow/tfjs-node/package.json").version;
    } else if (name === "wasm") {
      const wasm = require("@tensorflow/tfjs-backend-wasm");
      // Locate the .wasm binaries in node_modules explicitly, so this also works when our
      // code is bundled or run from somewhere other than tfjs-backend-wasm's own directory.
      wasm.setWasmPaths(path.dirname(require.resolve("@tensorflow/tfjs-backend-wasm")) + path.sep);
      state.info.versions["tfjs-backend-wasm"] = wasm.version_wasm;
    } else {
      require("@tensorflow/tfjs-backend-cpu");
    }
    if (!(await tf.setBackend(name))) throw new Error(`tf.setBackend("${name}") failed`);
    await tf.ready();
  } catch (e) {
    throw new Error([oneLine(e), ...warnings.map(oneLine)].join(" | "));
  } finally {
    console.warn = warn;
  }
  for (const w of warnings) warn(w); // on success they are ordinary warnings: pass them on
  if (name === "tensorflow") {
    const binding = (tf.backend() as { binding?: { TF_Version?: string } }).binding;
    if (binding?.TF_Version) state.info.versions.libtensorflow = binding.TF_Version;
    routeInt32RoundAroundTF();
  }
  if (name === "cpu") {
    // Its first write prints "install our node backend" advice; we announce the choice ourselves.
    (tf.backend() as { firstUse?: boolean }).firstUse = false;
  }
}

// TF 2.21's Round kernel returns 0 for every int32 element (tf.round on an int32 tensor
// runs it directly; measured: round([-3, 7]) -> [0, 0]). Rounding an integer is the
// identity, so int32 input is sent to the backend's Identity kernel instead. Overriding
// the kernel, rather than exporting a round() helper, also fixes tf.round calls in
// generated code and inside tfjs itself; other dtypes still use TF's Round.
function routeInt32RoundAroundTF(): void {
  const round = tf.getKernel(tf.Round, "tensorflow");
  const identity = tf.getKernel(tf.Identity, "tensorflow");
  if (!round || !identity) throw new Error("tfjs-node lacks the Round/Identity kernels this runtime patches");
  tf.unregisterKernel(tf.Round, "tensorflow"); // registerKernel refuses to overwrite silently
  tf.registerKernel({
    ...round,
    kernelFunc: (args) => ((args.inputs.x as tf.TensorInfo).dtype === "int32" ? identity : round).kernelFunc(args),
  });
}

function announce(name: BackendName): void {
  // Worker threads (convert --jobs) load the backend too; the process says it once.
  if (!isMainThread) return;
  const { tried, versions, reason } = state.info;
  const notes: string[] = [];
  if (name === "tensorflow") {
    notes.push(`tfjs-node ${versions["tfjs-node"]}` + (versions.libtensorflow ? `, libtensorflow ${versions.libtensorflow}` : ""));
    if (process.env.TF_ENABLE_ONEDNN_OPTS !== "0") notes.push("WARNING: oneDNN on, conv-transpose results may be wrong");
  }
  if (reason !== "default order") notes.push(`requested via ${reason}`);
  for (const t of tried) if (!t.ok) notes.push(`${t.name} unavailable: ${t.error}`);
  process.stderr.write(`nnxport: tensor backend ${name}${notes.length ? ` (${notes.join("; ")})` : ""}\n`);
}

function oneLine(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  const first = text.trim().split("\n")[0]!.trim();
  // The stock tfjs-node message says "npm rebuild"; that cannot work offline, this can.
  return /tfjs_binding\.node/.test(first) && !first.includes("setup-tfjs-node") ? `${first} (run scripts/setup-tfjs-node.sh)` : first;
}
