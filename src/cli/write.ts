// Writing outputs safely: atomically (temp file, then rename), and never over a
// file that nnxport did not write.
import { existsSync, readFileSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { dirname } from "node:path";
import writeFileAtomic from "write-file-atomic";
import { GENERATED_MARKER } from "../version.js";

/** Is this file one nnxport wrote (or absent)? Generated TypeScript starts with the marker; param maps carry `generatedBy`. */
export function isOurs(path: string): boolean {
  if (!existsSync(path)) return true;
  const text = readFileSync(path, "utf8");
  if (path.endsWith(".json")) {
    try {
      return String(JSON.parse(text).generatedBy ?? "").startsWith("nnxport");
    } catch {
      return false;
    }
  }
  return text.startsWith(GENERATED_MARKER);
}

export function readIfExists(path: string): string | undefined {
  return existsSync(path) ? readFileSync(path, "utf8") : undefined;
}

export async function writeAtomic(path: string, text: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFileAtomic(path, text);
}
