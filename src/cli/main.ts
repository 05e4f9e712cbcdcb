// The nnxport command line.
import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import pc from "picocolors";
import { VERSION } from "../version.js";
import { runConvert } from "./convert.js";
import { runDoctor } from "./doctor.js";
import { EXIT, UsageError } from "./exit-codes.js";
import { runParams } from "./params.js";
import { runInitVscode } from "./init-vscode.js";
import { runVerify } from "./verify.js";
import { addEntryOptions, entryOverride } from "./entry-options.js";

function number(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n)) throw new InvalidArgumentError("not a number");
  return n;
}

function positiveInteger(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError("not a positive integer");
  return n;
}

async function selectBackend(name: string | undefined): Promise<void> {
  if (!name) return;
  const { setPreferredBackend } = await import("../../runtime/backend.js");
  setPreferredBackend(name);
}

export function buildProgram(setExit: (code: number) => void): Command {
  const program = new Command("nnxport")
    .description("Translate Haiku and Flax Linen models to NNX-style TypeScript, and prove the translation.")
    .version(VERSION)
    .exitOverride()
    .configureOutput({ writeErr: (s) => process.stderr.write(s) })
    .showHelpAfterError("(run with --help for usage)");

  const backend = new Option("--backend <name>", "tensor backend: tensorflow, wasm or cpu (default: first that loads; or $NNXPORT_BACKEND)").choices(["tensorflow", "wasm", "cpu"]);
  const framework = new Option("--framework <name>", "source framework, when imports do not tell").choices(["haiku", "linen"]);

  addEntryOptions(program
    .command("convert")
    .description("translate Python files or folders to TypeScript (writes OUT.ts and OUT.params.json)")
    .argument("<paths...>", "Python files or folders")
    .option("-o, --out <file>", "output file (one input file only)")
    .option("--out-dir <dir>", "output folder, mirroring the inputs' layout")
    .option("--check", "write nothing; exit 1 if any output would change")
    .option("--diff", "print a diff of each output that changes")
    .option("--force", "overwrite outputs even if nnxport did not write them")
    .option("--no-typecheck", "skip the strict type-check of the output")
    .option("-j, --jobs <n>", "threads that translate a folder's files (default: the number of cores, at most one per 40 files)", positiveInteger)
    .addOption(framework))
    .action(async (paths: string[], o) => setExit(await runConvert(paths, { ...o, entry: entryOverride(o) })));

  addEntryOptions(program
    .command("verify")
    .description("run the Python original and the translation on the same weights and inputs, and compare")
    .argument("<file>", "a Haiku or Linen Python file")
    .option("--json", "print one JSON object (with a boolean `ok`) instead of a table")
    .option("--seed <n>", "seed for the reference run and inputs", number, 0)
    .option("--atol <x>", "absolute tolerance", number, 1e-5)
    .option("--rtol <x>", "relative tolerance", number, 1e-4)
    .option("--report <file.html>", "also write a self-contained HTML page of the results")
    .option("--save-fixture <dir>", "save the reference and a vitest test for your own CI (no Python needed to run it)")
    .option("--fixture-model <file.ts>", "the translated model the fixture's test imports (default: a copy in the fixture folder)")
    .option("--force", "overwrite report or fixture files nnxport did not write")
    .addOption(backend))
    .action(async (file: string, o) => {
      await selectBackend(o.backend);
      setExit(await runVerify(file, { ...o, entry: entryOverride(o) }));
    });

  program
    .command("params")
    .description("convert a trained checkpoint (Flax msgpack, Orbax, .npz/.npy, pickle) to the translated model's weights")
    .argument("<checkpoint>", "a checkpoint file, or an Orbax checkpoint folder")
    .requiredOption("--map <file>", "the param map `convert` wrote (MODEL.params.json)")
    .requiredOption("-o, --out <file>", "the weights to write (safetensors, for nnx.loadWeights)")
    .option("--allow-pickle", "read a pickle (unpickling runs code from the file: only for files you trust)")
    .option("--force", "overwrite the output even if nnxport did not write it")
    .action(async (checkpoint: string, o) => setExit(await runParams(checkpoint, o)));

  program
    .command("init")
    .description("set up an editor: `init vscode` adds nnxport's tasks to .vscode/tasks.json")
    .argument("<editor>", "vscode")
    .option("--dir <folder>", "the workspace folder", ".")
    .option("--command <cmd>", "how the tasks run nnxport", "npx nnxport")
    .option("--force", "replace nnxport's tasks even where you changed them")
    .action(async (editor: string, o) => {
      if (editor !== "vscode") throw new UsageError(`unknown editor '${editor}' (nnxport knows: vscode)`);
      setExit(await runInitVscode({ dir: o.dir, command: o.command, force: o.force }));
    });

  program
    .command("doctor")
    .description("show what the reference environment and tensor backend have, and what is missing")
    .option("--json", "print one JSON object")
    .addOption(backend)
    .action(async (o) => {
      await selectBackend(o.backend);
      setExit(await runDoctor(!!o.json));
    });

  return program;
}

export async function main(argv: string[]): Promise<number> {
  let code: number = EXIT.ok;
  const program = buildProgram((c) => (code = c));
  try {
    await program.parseAsync(argv, { from: "user" });
  } catch (e) {
    if (e instanceof CommanderError) {
      // --help and --version end here with exit code 0.
      return e.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    if (e instanceof UsageError) {
      process.stderr.write(`nnxport: ${e.message}\n`);
      return EXIT.usage;
    }
    const detail = process.env.NNXPORT_DEBUG ? ((e as Error).stack ?? String(e)) : (e as Error).message;
    process.stderr.write(pc.red(`nnxport: internal error: ${detail}\n`));
    process.stderr.write("This is a bug in nnxport; please report it with the file that caused it (NNXPORT_DEBUG=1 shows where).\n");
    return EXIT.failed;
  }
  return code;
}
