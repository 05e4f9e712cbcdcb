// `verify --save-fixture DIR`: writes the fixture files (see src/verify/fixture.ts),
// never over files nnxport did not write.
import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { relative, resolve } from "node:path";
import { buildFixture, fixtureStem, FixtureError } from "../verify/fixture.js";
import { fixtureSpec } from "../verify/fixture-plan.js";
import type { VerifyArtifacts, VerifyReport } from "../verify/index.js";
import { isOurWeights } from "./params.js";
import { isOurs, writeAtomic } from "./write.js";
import writeFileAtomic from "write-file-atomic";

export interface SaveFixtureOptions {
  dir: string;
  seed: number;
  fixtureModel?: string;
  force?: boolean;
}

/** Writes the fixture; false (with a diagnostic printed) when it cannot. */
export async function saveFixture(file: string, report: VerifyReport, artifacts: VerifyArtifacts, options: SaveFixtureOptions): Promise<boolean> {
  if (options.fixtureModel && !existsSync(options.fixtureModel)) {
    process.stderr.write(`${options.fixtureModel}: error NNX506: no such translated model (write it with \`nnxport convert ${file} -o ${options.fixtureModel}\`)\n`);
    return false;
  }
  let files;
  try {
    const source = relative(resolve(options.dir), resolve(file)).split("\\").join("/");
    const { translation, plan, reference } = artifacts;
    const spec = translation && plan ? fixtureSpec(translation, plan, report.tolerance, options.seed) : undefined;
    files = await buildFixture(report, spec, reference, { dir: options.dir, stem: fixtureStem(file), model: options.fixtureModel, source });
  } catch (e) {
    if (!(e instanceof FixtureError)) throw e;
    process.stderr.write(`${file}: error NNX506: fixture not saved: ${e.message}\n`);
    return false;
  }
  const refused = files.filter((f) => !options.force && !(f.path.endsWith(".safetensors") ? isOurWeights(f.path) : isOurs(f.path)));
  for (const f of refused) process.stderr.write(`${f.path}: error NNX602: refusing to overwrite a file nnxport did not write (use --force)\n`);
  if (refused.length) return false;
  await mkdir(options.dir, { recursive: true });
  for (const f of files) {
    if (typeof f.data === "string") await writeAtomic(f.path, f.data);
    else await writeFileAtomic(f.path, Buffer.from(f.data.buffer, f.data.byteOffset, f.data.byteLength));
  }
  process.stderr.write(`fixture: ${files.map((f) => f.path).join(", ")}\n`);
  return true;
}
