// verify on Python text written for a test: the file lives in a fresh temporary
// folder for the call, and is removed after.
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { verify, type VerifyReport } from "../../src/verify/index.js";

export async function verifyText(name: string, text: string): Promise<VerifyReport> {
  const dir = await mkdtemp(join(tmpdir(), "nnxport-test-"));
  try {
    const file = join(dir, name);
    await writeFile(file, text);
    return await verify(file);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
