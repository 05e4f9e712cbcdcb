// Reads a checkpoint of any supported format into one tree of host arrays.
// JavaScript reads what is safe and fully specified (Flax msgpack, .npz, .npy);
// Python reads Orbax directories, and pickles only when the user allows it.
import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { packageRoot, pythonExecutable } from "../verify/python-env.js";
import { CheckpointError, HostArray, type Tree, type TreeNode } from "./host-array.js";
import { readFlaxMsgpack } from "./msgpack.js";
import { isNpy, PickledNpyError, readNpy } from "./npy.js";
import { isZip, readZip } from "./zip.js";

export type CheckpointFormat = "msgpack" | "npz" | "npy" | "orbax" | "pickle";

export interface ReadOptions {
  allowPickle?: boolean;
  /** Most bytes a compressed container may declare (a bound from the param map: far above the weights it needs). */
  maxBytes: number;
}

export interface Checkpoint {
  format: CheckpointFormat;
  tree: TreeNode;
}

const PICKLE_HINT = "unpickling runs code from the file, so nnxport reads pickles only when told to: pass --allow-pickle if you trust this file";

/** Python failed to run the reader (missing or broken environment): not the file's fault. */
export class ReaderEnvironmentError extends Error {
  override name = "ReaderEnvironmentError";
}

export async function readCheckpoint(path: string, options: ReadOptions): Promise<Checkpoint> {
  const info = await stat(path);
  if (info.isDirectory()) return { format: "orbax", tree: await readWithPython("orbax", path) };
  if (info.size > options.maxBytes) {
    throw new CheckpointError(`${path}: ${info.size} bytes, far more than the model's weights need (at most ${options.maxBytes} expected)`);
  }
  const bytes = new Uint8Array(await readFile(path));
  if (bytes.byteLength === 0) throw new CheckpointError(`${path}: empty file`);
  if (isZip(bytes)) {
    try {
      return { format: "npz", tree: readNpz(bytes, path, options) };
    } catch (e) {
      if (!(e instanceof PickledNpyError)) throw e;
      if (!options.allowPickle) throw new CheckpointError(`${e.message}; ${PICKLE_HINT}`, "refused");
      return { format: "npz", tree: await readWithPython("npy-pickle", path) };
    }
  }
  if (isNpy(bytes)) {
    try {
      readNpy(bytes, path);
    } catch (e) {
      if (!(e instanceof PickledNpyError)) throw e;
      if (!options.allowPickle) throw new CheckpointError(`${e.message}; ${PICKLE_HINT}`, "refused");
      return { format: "npy", tree: await readWithPython("npy-pickle", path) };
    }
    throw new CheckpointError(`${path}: a .npy holding one plain array, not a tree of parameters (save a dict with np.savez)`, "unsupported");
  }
  if (isPickle(bytes, path)) {
    if (!options.allowPickle) throw new CheckpointError(`${path}: a Python pickle; ${PICKLE_HINT}`, "refused");
    return { format: "pickle", tree: await readWithPython("pickle", path) };
  }
  if (isMsgpackMap(bytes[0])) return { format: "msgpack", tree: readFlaxMsgpack(bytes, path) };
  throw new CheckpointError(
    `${path}: not a checkpoint nnxport reads (Flax msgpack, an Orbax directory, .npz, .npy, or with --allow-pickle a pickle)`,
    "unsupported",
  );
}

/** Pickle protocol 2+ starts with PROTO (0x80) and its number; older ones are recognised by name only. */
function isPickle(bytes: Uint8Array, path: string): boolean {
  if (bytes[0] === 0x80 && bytes.byteLength > 1 && bytes[1] >= 2 && bytes[1] <= 5) return true;
  return /\.(pkl|pickle|p)$/i.test(path);
}

function isMsgpackMap(b: number): boolean {
  return (b >= 0x80 && b <= 0x8f) || b === 0xde || b === 0xdf;
}

/** np.savez: one .npy per key; a key's slashes (Haiku's module paths) are kept as they are. */
function readNpz(bytes: Uint8Array, path: string, options: ReadOptions): TreeNode {
  const entries = readZip(bytes, path, { maxTotalBytes: options.maxBytes, maxEntries: 1_000_000 });
  const tree = Object.create(null) as TreeNode;
  for (const [name, data] of entries) {
    if (!name.endsWith(".npy")) throw new CheckpointError(`${path}: ${name} is not a .npy entry (not an .npz from np.savez)`);
    tree[name.slice(0, -4)] = readNpy(data, `${path}:${name}`);
  }
  return tree;
}

const run = promisify(execFile);

async function readWithPython(format: "orbax" | "pickle" | "npy-pickle", path: string): Promise<TreeNode> {
  const dir = await mkdtemp(join(tmpdir(), "nnxport-ckpt-"));
  try {
    const out = join(dir, "arrays.npz");
    const script = join(packageRoot(), "src", "params", "python", "read_checkpoint.py");
    let stdout: string;
    try {
      ({ stdout } = await run(pythonExecutable(), [script, format, path, out], {
        timeout: 600_000,
        maxBuffer: 256 << 20,
        env: { ...process.env, JAX_PLATFORMS: "cpu" },
      }));
    } catch (e) {
      const err = e as NodeJS.ErrnoException & { stdout?: string; stderr?: string };
      if (err.code === "ENOENT") throw new ReaderEnvironmentError(`Python not found at ${pythonExecutable()}; run \`npm run setup\` or set NNXPORT_PYTHON`);
      if (!err.stdout?.trim()) throw new ReaderEnvironmentError(`the Python checkpoint reader failed: ${(err.stderr ?? String(e)).trim().split("\n").slice(-3).join(" | ")}`);
      stdout = err.stdout;
    }
    const result = JSON.parse(stdout.trim().split("\n").pop() ?? "{}") as { ok: boolean; error?: string; tree?: unknown };
    if (!result.ok) throw new CheckpointError(result.error ?? `${path}: unreadable`);
    const arrays = readZip(new Uint8Array(await readFile(out)), out, { maxTotalBytes: Number.MAX_SAFE_INTEGER, maxEntries: 10_000_000 });
    const leaf = (i: number) => readNpy(arrays.get(`${i}.npy`) ?? new Uint8Array(), `${path} (array ${i})`);
    const tree = fromJsonTree(result.tree, leaf);
    if (tree === null || typeof tree !== "object" || tree instanceof HostArray) throw new CheckpointError(`${path}: holds a single value, not a tree of parameters`);
    return tree;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function fromJsonTree(x: unknown, leaf: (i: number) => HostArray): Tree {
  if (x === null || typeof x !== "object") return x as Tree;
  const keys = Object.keys(x);
  if (keys.length === 1 && keys[0] === "__nnxport_array__") return leaf((x as Record<string, number>).__nnxport_array__);
  const out = Object.create(null) as TreeNode;
  for (const k of keys) out[k] = fromJsonTree((x as Record<string, unknown>)[k], leaf);
  return out;
}
