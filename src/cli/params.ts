// `nnxport params CHECKPOINT --map MODEL.params.json -o WEIGHTS.safetensors [--allow-pickle]`
import { closeSync, existsSync, openSync, readSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { dirname } from "node:path";
import writeFileAtomic from "write-file-atomic";
import { CheckpointError } from "../params/host-array.js";
import { convertCheckpoint, readParamMap } from "../params/convert.js";
import { ReaderEnvironmentError } from "../params/read.js";
import { EXIT, UsageError } from "./exit-codes.js";

export interface ParamsCliOptions {
  map: string;
  out: string;
  allowPickle?: boolean;
  force?: boolean;
}

/** Did nnxport write this safetensors file (or is it absent)? Reads only its header. */
export function isOurWeights(path: string): boolean {
  if (!existsSync(path)) return true;
  const fd = openSync(path, "r");
  try {
    const head = Buffer.alloc(8);
    if (readSync(fd, head, 0, 8, 0) !== 8) return false;
    const length = Number(head.readBigUInt64LE(0));
    if (length > 1 << 24) return false;
    const header = Buffer.alloc(length);
    if (readSync(fd, header, 0, length, 8) !== length) return false;
    return String(JSON.parse(header.toString("utf8")).__metadata__?.format ?? "").startsWith("nnxport-");
  } catch {
    return false;
  } finally {
    closeSync(fd);
  }
}

export async function runParams(checkpoint: string, options: ParamsCliOptions): Promise<number> {
  if (!existsSync(checkpoint)) throw new UsageError(`no such file or folder: ${checkpoint}`);
  if (!existsSync(options.map)) throw new UsageError(`no such param map: ${options.map} (\`nnxport convert\` writes MODEL.params.json next to MODEL.ts)`);
  const say = (code: string, message: string, file = checkpoint) => {
    const text = message.startsWith(`${file}: `) ? message.slice(file.length + 2) : message;
    process.stderr.write(`${file}: error ${code}: ${text}\n`);
  };
  if (!options.force && !isOurWeights(options.out)) {
    say("NNX602", "refusing to overwrite a file nnxport did not write (use --force)", options.out);
    return EXIT.failed;
  }
  let result;
  try {
    result = await convertCheckpoint(checkpoint, readParamMap(options.map), { allowPickle: options.allowPickle });
  } catch (e) {
    if (e instanceof CheckpointError) {
      say(e.kind === "refused" ? "NNX702" : "NNX701", e.message);
      return EXIT.badInput;
    }
    if (e instanceof ReaderEnvironmentError) {
      say("NNX704", e.message);
      return EXIT.failed;
    }
    throw e;
  }
  for (const n of result.notes) process.stderr.write(`${checkpoint}: ${result.format}: ${n}\n`);
  if (!result.bytes) {
    for (const p of result.problems) say("NNX703", p);
    process.stderr.write(`${result.problems.length} problem${result.problems.length === 1 ? "" : "s"}; nothing written\n`);
    return EXIT.failed;
  }
  await mkdir(dirname(options.out), { recursive: true });
  await writeFileAtomic(options.out, Buffer.from(result.bytes.buffer, result.bytes.byteOffset, result.bytes.byteLength));
  process.stderr.write(`${result.count} arrays written to ${options.out}\n`);
  return EXIT.ok;
}
