#!/usr/bin/env node
// Runs the built CLI (dist/). `npm run build` (part of `npm run setup`) makes it.
import { existsSync } from "node:fs";

const entry = new URL("../dist/src/cli/main.js", import.meta.url);
if (!existsSync(entry)) {
  process.stderr.write("nnxport: not built yet; run `npm run build` (or `npm run setup`) in the nnxport package\n");
  process.exit(2);
}
const { main } = await import(entry.href);
process.exitCode = await main(process.argv.slice(2));
