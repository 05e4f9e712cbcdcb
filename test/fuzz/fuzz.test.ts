// Mutation fuzzing of translate: every input gets a translation or a
// diagnostic at a line, never an exception, an NNX4xx or a hang. The harness
// is tested first (mutator, classification, and a misbehaving stand-in
// translator), then a fixed seed of mutants runs against the real translator.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { pythonJson } from "../helpers/python.js";
import { Corpus, loadSeeds, REPO_ROOT } from "./corpus.js";
import { minimize } from "./minimize.js";
import { mutate, type MutationOp } from "./mutate.js";
import { classify, type Outcome } from "./outcome.js";
import { WorkerPool } from "./pool.js";
import { Rng } from "./rng.js";
import { DEFAULT_TRANSLATOR, formatSummary, runFuzz, staleBuild } from "./run.js";
import { tokenize } from "./tokens.js";

/** The fixed run in `npm test` (FUZZ_SEED / FUZZ_COUNT override it for a local look). */
const SEED = Number(process.env.FUZZ_SEED ?? 9);
const COUNT = Number(process.env.FUZZ_COUNT ?? 500);
const TYPECHECK_EVERY = 1;

describe("mutator", () => {
  const seeds = loadSeeds();

  it("reads the fixtures and the fuzz seeds", () => {
    expect(seeds.filter((s) => s.name.startsWith("fixtures/")).length).toBeGreaterThanOrEqual(18);
    expect(seeds.filter((s) => s.name.startsWith("test/fuzz/seeds/")).length).toBeGreaterThanOrEqual(8);
  });

  it("makes the same mutant from the same (seed, index), and different ones from different indices", () => {
    const corpus = new Corpus(seeds);
    const a = Array.from({ length: 50 }, (_, i) => corpus.mutant(7, i));
    const b = Array.from({ length: 50 }, (_, i) => new Corpus(loadSeeds()).mutant(7, i));
    expect(b).toEqual(a);
    expect(new Set(a.map((m) => m.text)).size).toBeGreaterThan(45);
    const byName = new Map(seeds.map((s) => [s.name, s.text]));
    for (const m of a) {
      expect(m.mutations.length).toBeGreaterThan(0);
      expect(m.text).not.toBe(byName.get(m.seedName));
    }
  });

  it("uses every kind of mutation, each of which changes the text", () => {
    const corpus = new Corpus(seeds);
    const seen = new Set<MutationOp>();
    for (let i = 0; i < 600; i++) for (const m of corpus.mutant(3, i).mutations) seen.add(m.op);
    expect([...seen].sort()).toEqual(
      ["delete-block", "delete-line", "delete-token", "duplicate-line", "duplicate-token", "indent", "insert-stray", "move-line", "replace-token", "splice-line", "swap-lines", "swap-tokens", "truncate"].sort(),
    );
    const rng = new Rng(1);
    const src = seeds[0].text;
    for (let i = 0; i < 200; i++) {
      const m = mutate(src, rng, { maxMutations: 1 });
      expect(m.mutations).toHaveLength(1);
      expect(m.text).not.toBe(src);
    }
  });

  it("tokenizes Python into non-overlapping tokens covering every non-blank character", () => {
    for (const s of seeds) {
      const toks = tokenize(s.text);
      let last = 0;
      for (const t of toks) {
        expect(s.text.slice(last, t.start)).toMatch(/^[\s\\]*$/);
        expect(s.text.slice(t.start, t.end)).toBe(t.text);
        last = t.end;
      }
      expect(s.text.slice(last)).toMatch(/^[\s\\]*$/);
      expect(toks.find((t) => t.text === "def" || t.text === "class")?.kind).toBe("keyword");
      expect(toks.some((t) => t.kind === "string" && t.text.startsWith('"""'))).toBe(true);
    }
  });

  it("seeds are valid Python", () => {
    const files = seeds.map((s) => join(REPO_ROOT, s.name));
    const bad = pythonJson<string[]>(
      `import ast, json, sys\nout = []\nfor f in json.loads(sys.stdin.read()):\n    try:\n        ast.parse(open(f).read(), f)\n    except SyntaxError as e:\n        out.append(f"{f}: {e}")\nprint(json.dumps(out))`,
      JSON.stringify(files),
    );
    expect(bad).toEqual([]);
  });
});

describe("classification", () => {
  const text = "import flax.linen as nn\nx = 1\n";
  const at = (line: number) => ({ line, column: 1, endLine: line, endColumn: 2 });
  const kind = (o: Outcome) => classify(o, "f.py", text).kind;

  it("accepts translations and diagnostics at a line", () => {
    expect(kind({ k: "translated", codeLength: 10, diagnostics: [{ code: "NNX211", severity: "warning", message: "m", file: "f.py", span: at(2) }] })).toBe("translated");
    expect(kind({ k: "diagnostics", diagnostics: [{ code: "NNX101", severity: "error", message: "m", file: "f.py", span: at(3) }] })).toBe("diagnostics");
    expect(kind({ k: "diagnostics", diagnostics: [{ code: "NNX601", severity: "error", message: "m", file: "f.py", span: at(1) }] })).toBe("diagnostics");
    expect(kind({ k: "diagnostics", diagnostics: [{ code: "NNX301", severity: "error", message: "this file imports neither Haiku nor Flax Linen (or both)", file: "f.py" }] })).toBe("diagnostics");
    // A translation that leaves a class out says why at its line.
    expect(kind({ k: "translated", codeLength: 10, diagnostics: [{ code: "NNX201", severity: "error", message: "m", file: "f.py", span: at(2) }] })).toBe("diagnostics");
  });

  it("rejects NNX4xx, missing or impossible spans, blame on nnxport, and errors without an error", () => {
    const bad = [
      { code: "NNX402", severity: "error", message: "the generated TypeScript does not type-check (an nnxport bug)", file: "f.py" },
      { code: "NNX403", severity: "error", message: "x", file: "f.py", span: at(1) },
      { code: "NNX201", severity: "error", message: "unsupported", file: "f.py" },
      { code: "NNX201", severity: "error", message: "unsupported", file: "f.py", span: at(40) },
      { code: "NNX201", severity: "error", message: "unsupported", file: "f.py", span: { line: 2, column: 0, endLine: 2, endColumn: 1 } },
      { code: "NNX201", severity: "error", message: "an internal error", file: "f.py", span: at(1) },
      { code: "NNX201", severity: "error", message: "m", file: "other.py", span: at(1) },
      { code: "NNX999", severity: "error", message: "m", file: "f.py", span: at(1) },
      { code: 201, severity: "error", message: "m", file: "f.py", span: at(1) },
    ];
    for (const d of bad) expect(kind({ k: "diagnostics", diagnostics: [d] }), JSON.stringify(d)).toBe("bad-diagnostic");
    expect(kind({ k: "diagnostics", diagnostics: [{ code: "NNX210", severity: "warning", message: "m", file: "f.py", span: at(1) }] })).toBe("bad-diagnostic");
    expect(kind({ k: "translated", codeLength: 10, diagnostics: [bad[1]] })).toBe("bad-diagnostic");
    expect(kind({ k: "translated", codeLength: 0, diagnostics: [] })).toBe("bad-diagnostic");
  });

  it("calls exceptions and dead workers crashes, time-outs hangs, and groups one bug's mutants together", () => {
    expect(kind({ k: "threw", name: "TypeError", message: "x", stack: "TypeError: x\n    at f (/r/dist/src/stage/stager.js:10:5)" })).toBe("crash");
    expect(kind({ k: "exited", exitCode: null, signal: "SIGABRT", stderr: "" })).toBe("crash");
    expect(kind({ k: "timeout", limitMs: 10 })).toBe("hang");
    const sig = (message: string) => classify({ k: "diagnostics", diagnostics: [{ code: "NNX402", severity: "error", message, file: "f.py" }] }, "f.py", text).signature;
    expect(sig("does not type-check (an nnxport bug): line 12: Duplicate identifier 'inFeatures'.")).toBe(sig("does not type-check (an nnxport bug): line 40: Duplicate identifier 'features'."));
    expect(sig("line 1: Duplicate identifier 'a'.")).not.toBe(sig("line 1: Type 'void' is not assignable to type 'Array'."));
  });
});

describe("worker pool (with a misbehaving stand-in translator)", () => {
  const fake = fileURLToPath(new URL("./fake-translator.ts", import.meta.url));
  const late: number[] = [];
  let pool: WorkerPool;
  beforeAll(() => {
    pool = new WorkerPool({ jobs: 2, timeoutMs: 3000, translator: fake, onLateFatal: (input) => late.push(input.tag ?? -1) });
  });
  afterAll(async () => {
    await pool.close();
  });
  const verdict = async (mode: string, tag = 0) => {
    const text = `# fake: ${mode}\nimport haiku as hk\n`;
    const r = await pool.run({ file: "f.py", text, skipTypeCheck: true, tag });
    return { ...classify(r.outcome, "f.py", text), outcome: r.outcome };
  };

  it("tells answers from each kind of failure, replacing workers that hang or die", async () => {
    const modes: Array<[string, string]> = [
      ["ok", "translated"],
      ["diagnostic", "diagnostics"],
      ["file-level", "diagnostics"],
      ["nnx402", "bad-diagnostic"],
      ["no-span", "bad-diagnostic"],
      ["span-past-end", "bad-diagnostic"],
      ["warnings-only", "bad-diagnostic"],
      ["ok-warning-4xx", "bad-diagnostic"],
      ["crash", "crash"],
      ["throw-string", "crash"],
      ["exit", "crash"],
      ["hang", "hang"],
      ["never-settles", "hang"],
      ["ok", "translated"],
    ];
    const got = await Promise.all(modes.map(async ([mode]) => [mode, (await verdict(mode)).kind]));
    expect(got).toEqual(modes);
    const crash = await verdict("crash");
    expect(crash.outcome.k === "threw" && crash.outcome.stack).toContain("fake-translator.ts");
    expect(crash.signature).toContain("TypeError");
    expect(pool.stats.timeouts).toBe(2);
  }, 60_000);

  it("blames an error that escapes after an answer on that input, not the next one", async () => {
    const first = await verdict("late-rejection", 41);
    expect(first.kind).toBe("translated");
    const next = await verdict("ok", 42);
    expect(next.kind).toBe("translated");
    await new Promise((r) => setTimeout(r, 300));
    expect(late).toEqual([41]);
  }, 60_000);

  it("shrinks a failing input to the lines that make it fail", async () => {
    const lines = ["import haiku as hk", "x = 1", "# fake: crash", "y = 2", "z = 3"];
    const check = async (text: string) => {
      const r = await pool.run({ file: "f.py", text, skipTypeCheck: true });
      return classify(r.outcome, "f.py", text).signature;
    };
    const signature = (await check(lines.join("\n")))!;
    const m = await minimize(lines.join("\n"), { signature, check });
    expect(m.text).toBe("# fake: crash");
  }, 60_000);
});

describe("minimal reproducers of failures the fuzzer found (test/fuzz/repro)", () => {
  const dir = join(REPO_ROOT, "test", "fuzz", "repro");
  const files = readdirSync(dir).filter((f) => f.endsWith(".py")).sort();
  let pool: WorkerPool;
  beforeAll(() => {
    const stale = staleBuild();
    if (stale) throw new Error(stale);
    pool = new WorkerPool({ jobs: 1, timeoutMs: 10_000, translator: DEFAULT_TRANSLATOR });
  });
  afterAll(async () => {
    await pool?.close();
  });

  it("has reproducers", () => {
    expect(files.length).toBeGreaterThan(0);
  });

  it.each(files)("%s gets a translation or a diagnostic at a line", async (f) => {
    const text = readFileSync(join(dir, f), "utf8");
    const r = await pool.run({ file: f, text, skipTypeCheck: false });
    const v = classify(r.outcome, f, text);
    expect(v.problems).toEqual([]);
    expect(["translated", "diagnostics"]).toContain(v.kind);
  }, 60_000);
});

describe("translate under mutation", () => {
  it(`seed ${SEED}: ${COUNT} mutants give no crash, no NNX4xx or line-less diagnostic, and no hang`, async () => {
    const stale = staleBuild();
    if (stale) throw new Error(stale);
    const outDir = join(REPO_ROOT, ".cache", "fuzz", `test-seed-${SEED}`);
    // One worker: on this shared 2-core machine a second one mostly competes with the first.
    const summary = await runFuzz({ seed: SEED, count: COUNT, jobs: 1, timeoutMs: 10_000, typeCheckEvery: TYPECHECK_EVERY, outDir });
    process.stdout.write(`${formatSummary(summary)}\n`);
    // Not an empty run: every mutant answered, and both answers occur.
    expect(summary.count).toBe(COUNT);
    expect(summary.counts.translated).toBeGreaterThan(0);
    expect(summary.counts.diagnostics).toBeGreaterThan(0);
    expect(summary.typeChecked.count).toBe(Math.ceil(COUNT / TYPECHECK_EVERY));
    const classes = summary.classes.map((c) => `[${c.kind}] x${c.count} ${c.signature} (e.g. ${join(outDir, `${String(c.example.index).padStart(6, "0")}-${c.kind}.py`)})`);
    expect(classes).toEqual([]);
  }, 600_000);
});
