import { execFileSync } from "node:child_process";
import { Command, CommanderError } from "commander";
import { describe, expect, test } from "vitest";
import { UsageError } from "../../src/cli/exit-codes.js";
import { addEntryOptions, entryArgs, entryFromManifest, entryOverride, formatInput, parseInput, pythonLiteral, shellQuote, type EntryCliOptions, type ManifestEntry } from "../../src/cli/entry-options.js";
import { pythonJson } from "../helpers/python.js";

/** Parses a verify command line's entry options as `nnxport verify` would (exitOverride: errors throw). */
function parse(args: string[]) {
  const cmd = addEntryOptions(new Command("verify").argument("<file>").exitOverride().configureOutput({ writeErr: () => {} }));
  cmd.parse(["model.py", ...args], { from: "user" });
  return entryOverride(cmd.opts<EntryCliOptions>());
}

/** The CommanderError a bad command line throws (main.ts turns any such non-zero error into exit 2). */
function usageError(args: string[]): CommanderError {
  try {
    parse(args);
  } catch (e) {
    expect(e).toBeInstanceOf(CommanderError);
    expect((e as CommanderError).exitCode).not.toBe(0);
    return e as CommanderError;
  }
  throw new Error(`no error for ${args.join(" ")}`);
}

describe("--input NAME=SPEC", () => {
  test.each([
    ["x=float32[2,28,28,1]", { name: "x", dtype: "float32", shape: [2, 28, 28, 1] }],
    ["tokens=int32[2,16]<100", { name: "tokens", dtype: "int32", shape: [2, 16], high: 100 }],
    ["lengths=int32[2]>=1<9", { name: "lengths", dtype: "int32", shape: [2], low: 1, high: 9 }],
    ["lengths=int32[2]<9>=1", { name: "lengths", dtype: "int32", shape: [2], low: 1, high: 9 }],
    ["mask=bool[2,8]", { name: "mask", dtype: "bool", shape: [2, 8] }],
    ["s=float32[]", { name: "s", dtype: "float32", shape: [] }],
    ["x=float32[2, 3]", { name: "x", dtype: "float32", shape: [2, 3] }],
    ["rng=key", { name: "rng", dtype: "key", shape: [] }],
  ])("%s", (text, expected) => {
    expect(parseInput(text)).toEqual(expected);
    expect(parseInput(formatInput(parseInput(text)))).toEqual(expected);
  });

  test("a dict of inputs, nested, with keys that are not identifiers", () => {
    const i = parseInput(`batch={a=float32[2,3],b=int32[2]<5,pixels/view_0=bool[2],"odd, key"={c=key}}`);
    expect(i.name).toBe("batch");
    expect(i.dict).toEqual([
      { name: "a", dtype: "float32", shape: [2, 3] },
      { name: "b", dtype: "int32", shape: [2], high: 5 },
      { name: "pixels/view_0", dtype: "bool", shape: [2] },
      { name: "odd, key", dtype: "float32", shape: [], dict: [{ name: "c", dtype: "key", shape: [] }] },
    ]);
    expect(parseInput(formatInput(i))).toEqual(i);
  });

  test.each([
    ["x", "'='"],
    ["x=", "a dtype"],
    ["x=float64[2]", "a dtype"],
    ["1x=float32[2]", "identifier"],
    ["x=float32", "'['"],
    ["x=float32[2", "']'"],
    ["x=float32[2,-1]", "a dimension"],
    ["x=float32[2]<3", "no bounds on a float32 input"],
    ["m=bool[2]>=0<2", "no bounds on a bool input"],
    ["t=int32[2]", "an upper bound"],
    ["t=int32[2]>=3", "an upper bound"],
    ["t=int32[2]>=5<5", "LOW < HIGH"],
    ["t=int32[2]<5<6", "one upper bound"],
    ["k=key[2]", "nothing after key"],
    ["d={}", "at least one NAME=SPEC"],
    ["d={a=float32[2],a=key}", "given twice"],
    ["d={a=float32[2]", "'}'"],
    ["x=float32[2] y", "the end of the input"],
  ])("%s is a usage error naming --input and the form", (text, expected) => {
    const e = usageError(["--entry", "M()", "--input", text]);
    expect(e.code).toBe("commander.invalidArgument");
    expect(e.message).toContain("--input");
    expect(e.message).toContain(expected);
    expect(e.message).toContain("NAME=float32[2,28,28,1]");
    expect(usageError(["--entry", "M()", "--kw-input", text]).message).toContain("--kw-input");
  });
});

describe("the entry options as an EntryOverride", () => {
  test("every option, in the order given", () => {
    const e = parse([
      "--entry", "TextClassifier(vocab_size=20, output_size=3)",
      "--input", "token_ids=int32[2,6]<20",
      "--kw-input", "lengths=int32[2]>=1<7",
      "--input", "x=float32[2,4]",
      "--kwarg", "deterministic=False",
      "--kwarg", "features = (8, 16)",
      "--init-kwarg", "deterministic=True",
      "--rng", "dropout",
      "--rng", "lstm",
      "--method", "generate",
      "--mutable", "intermediates",
      "--prelude", "import ml_collections",
      "--prelude", "X = 1",
      "--argv", "--hidden_size=16",
      "--argv=--depth=2",
    ]);
    expect(e).toEqual({
      expr: "TextClassifier(vocab_size=20, output_size=3)",
      inputs: [
        { name: "token_ids", dtype: "int32", shape: [2, 6], high: 20 },
        { name: "x", dtype: "float32", shape: [2, 4] },
        { name: "lengths", dtype: "int32", shape: [2], low: 1, high: 7, keyword: true },
      ],
      kwargs: { deterministic: "False", features: "(8, 16)" },
      initKwargs: { deterministic: "True" },
      rngs: ["dropout", "lstm"],
      method: "generate",
      mutable: ["intermediates"],
      prelude: "import ml_collections\nX = 1",
      argv: ["--hidden_size=16", "--depth=2"],
    });
  });

  test("just --entry: no inputs, kwargs or rngs, and nothing optional set", () => {
    expect(parse(["--entry", "net_fn"])).toEqual({ expr: "net_fn", inputs: [], kwargs: {}, rngs: [] });
  });

  test("no entry options: undefined (the file's own init call is used)", () => {
    expect(parse([])).toBeUndefined();
  });

  test("entry options without --entry are a usage error that names them", () => {
    expect(() => parse(["--input", "x=float32[2]", "--rng", "dropout"])).toThrow(UsageError);
    expect(() => parse(["--input", "x=float32[2]", "--rng", "dropout"])).toThrow("--input, --rng need --entry EXPR");
    expect(() => parse(["--kw-input", "x=float32[2]"])).toThrow("--kw-input needs --entry EXPR");
  });

  test.each([
    [["--input", "x=float32[2]", "--kw-input", "x=float32[3]"], "the input 'x' is given twice"],
    [["--input", "x=float32[2]", "--kwarg", "x=1"], "'x' is given both as an input and as a --kwarg"],
    [["--kwarg", "train=True", "--kwarg", "train=False"], "--kwarg: 'train' is given twice"],
    [["--rng", "dropout", "--rng", "dropout"], "--rng: 'dropout' is given twice"],
  ])("%j is a usage error", (args, message) => {
    expect(() => parse(["--entry", "M()", ...args])).toThrow(UsageError);
    expect(() => parse(["--entry", "M()", ...args])).toThrow(message);
  });

  test.each([
    [["--kwarg", "train"], "--kwarg NAME=PYTHON_LITERAL"],
    [["--kwarg", "train="], "--kwarg NAME=PYTHON_LITERAL"],
    [["--kwarg", "=True"], "--kwarg NAME=PYTHON_LITERAL"],
    [["--kwarg", "shape=(2, 3"], "unclosed '('"],
    [["--kwarg", "shape=[2, 3)"], "unmatched ')'"],
    [["--init-kwarg", "name='abc"], "unclosed string"],
    [["--rng", "drop out"], "--rng NAME"],
    [["--method", "a.b"], "--method NAME"],
    [["--mutable", ""], "--mutable NAME"],
    [["--prelude", " "], "--prelude CODE"],
    [["--argv", ""], "--argv ARG"],
  ])("%j is a usage error naming the option and its form", (args, expected) => {
    const e = usageError(["--entry", "M()", ...args]);
    expect(e.message).toContain(args[0]);
    expect(e.message).toContain(expected);
  });

  test("--entry with an empty expression is a usage error", () => {
    expect(usageError(["--entry", ""]).message).toContain("--entry EXPR");
  });

  test("strings and brackets inside a kwarg's literal are fine", () => {
    expect(parse(["--entry", "M()", "--kwarg", `name='a)b"c'`, "--kwarg", `d={"k": [1, (2,)]}`])?.kwargs).toEqual({ name: `'a)b"c'`, d: `{"k": [1, (2,)]}` });
  });
});

describe("manifest entries", () => {
  const full: ManifestEntry = {
    id: "pkg/models:Model@train",
    file: "pkg/models.py",
    framework: "linen",
    entry: "Model(config=Config(width=8, acts=('relu', 'gelu')))",
    inputs: [
      { name: "x", dtype: "float32", shape: [2, 16, 16, 3] },
      { name: "lengths", dtype: "int32", shape: [2], low: 1, high: 7, keyword: true },
      { name: "key", dtype: "key", shape: [] },
      { name: "batch", dict: [{ name: "pixels/view_0", dtype: "float32", shape: [2, 4] }, { name: "m", dtype: "bool", shape: [2] }] },
    ],
    kwargs: { train: true, sample_length: 4, scale: 0.5, mode: "it's", shape: [2, 3], none: null, cfg: { a: false } },
    init_kwargs: { train: false },
    rngs: ["dropout"],
    method: "generate",
    mutable: ["sing_vec"],
    prelude: "import ml_collections",
    flags: ["--hidden_size=16"],
    needs: ["tensorflow_datasets"],
    notes: "informational",
  };

  test("map one to one onto the EntryOverride the same command line gives (keyword inputs last, as there)", () => {
    const e = entryFromManifest(full);
    expect(e).toEqual({
      expr: full.entry,
      inputs: [
        { name: "x", dtype: "float32", shape: [2, 16, 16, 3] },
        { name: "key", dtype: "key", shape: [] },
        { name: "batch", dtype: "float32", shape: [], dict: [{ name: "pixels/view_0", dtype: "float32", shape: [2, 4] }, { name: "m", dtype: "bool", shape: [2] }] },
        { name: "lengths", dtype: "int32", shape: [2], low: 1, high: 7, keyword: true },
      ],
      kwargs: { train: "True", sample_length: "4", scale: "0.5", mode: `"it's"`, shape: "[2, 3]", none: "None", cfg: `{"a": False}` },
      initKwargs: { train: "False" },
      rngs: ["dropout"],
      method: "generate",
      mutable: ["sing_vec"],
      prelude: "import ml_collections",
      argv: ["--hidden_size=16"],
    });
    expect(parse(entryArgs(e))).toEqual(e);
  });

  test("a minimal entry has only the required fields", () => {
    const e = entryFromManifest({ id: "a", file: "a.py", entry: "net_fn", inputs: [{ name: "images", dtype: "float32", shape: [2, 28, 28, 1] }] });
    expect(e).toEqual({ expr: "net_fn", inputs: [{ name: "images", dtype: "float32", shape: [2, 28, 28, 1] }], kwargs: {}, rngs: [] });
    expect(parse(entryArgs(e))).toEqual(e);
  });

  test.each([
    [{ ...full, extra: 1 }, "unknown field 'extra'"],
    [{ ...full, entry: "" }, "`entry` must be a Python expression"],
    [{ ...full, inputs: [{ name: "t", dtype: "int32", shape: [2] }] }, "input 't'"],
    [{ ...full, inputs: [{ name: "x", dtype: "float32", shape: "2" }] }, "`shape` must be a list of integers"],
    [{ ...full, inputs: [{ name: "x", dtype: "float64", shape: [2] }] }, "a dtype"],
    [{ ...full, rngs: "dropout" }, "`rngs` must be a list of names"],
    [{ ...full, kwargs: { x: Infinity } }, "kwargs.x"],
    [{ ...full, flags: "--a" }, "`flags` must be a list of strings"],
  ])("a malformed entry names itself and the field (%#)", (m, message) => {
    expect(() => entryFromManifest(m as unknown as ManifestEntry)).toThrow(`manifest entry pkg/models:Model@train: `);
    expect(() => entryFromManifest(m as unknown as ManifestEntry)).toThrow(message);
  });

  test("kwargs' JSON values become Python literals that Python reads back as the same values", () => {
    const values = [true, false, null, 0, -3, 0.5, 1e-7, "a 'quoted' \"str\"\n", [1, [2, "x"]], { k: [true, null], "é": 1.5 }];
    const literals = values.map((v) => pythonLiteral(v));
    const back = pythonJson<unknown[]>(`import json, sys\nprint(json.dumps([eval(s) for s in json.loads(sys.stdin.read())]))`, JSON.stringify(literals));
    expect(back).toEqual(values);
  });
});

test("shellQuote: a POSIX shell reads the quoted arguments back exactly", () => {
  const args = ["--entry", "VisionMLP(key='state', sizes=(8, 8))", "--input", "x=int32[2]>=1<9", "plain", "it's", "$HOME `x`", "a\"b"];
  expect(execFileSync("sh", ["-c", `printf '%s\\n' ${shellQuote(args)}`], { encoding: "utf8" })).toBe(args.map((a) => `${a}\n`).join(""));
});

describe("convert --entry", () => {
  test("a library file's model is built as the entry says; --entry takes one file", async () => {
    const { mkdtempSync, writeFileSync, readFileSync } = await import("node:fs");
    const { join } = await import("node:path");
    const { tmpdir } = await import("node:os");
    const { nnxport } = await import("../helpers/cli.js");
    const dir = mkdtempSync(join(tmpdir(), "nnxport-entry-"));
    writeFileSync(
      join(dir, "mlp.py"),
      ["import flax.linen as nn", "", "", "class MLP(nn.Module):", "    hidden: int = 32", "", "    @nn.compact", "    def __call__(self, x):", "        return nn.Dense(3)(nn.relu(nn.Dense(self.hidden)(x)))", ""].join("\n"),
    );
    const r = nnxport(["convert", join(dir, "mlp.py"), "--entry", "MLP(hidden=16)", "--input", "x=float32[2,8]"]);
    expect(r.code, r.stderr).toBe(0);
    expect(readFileSync(join(dir, "mlp.ts"), "utf8")).toContain("return new MLP({ hidden: 16, inFeatures: 8, rngs });");
    expect(JSON.parse(readFileSync(join(dir, "mlp.params.json"), "utf8")).inputs).toEqual([expect.objectContaining({ name: "x", shape: [2, 8] })]);
    const folder = nnxport(["convert", dir, "--entry", "MLP()"]);
    expect(folder.code).toBe(2);
    expect(folder.stderr).toMatch(/--entry names the model of one file/);
  }, 120_000);
});
