#!/usr/bin/env node
// `npm run fuzz -- [options]`: mutation fuzzing of the translator (test/fuzz/run.ts).
import "./ts-register.mjs";

// Exit through process.exit so the pool's exit hook kills the workers.
for (const signal of ["SIGINT", "SIGTERM"]) process.once(signal, () => process.exit(130));

const { main } = await import("../test/fuzz/run.ts");
try {
  process.exitCode = await main(process.argv.slice(2));
} catch (e) {
  process.stderr.write(`nnxport fuzz: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 2;
}
