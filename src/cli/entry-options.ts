// `nnxport verify FILE --entry EXPR --input NAME=float32[2,28,28,1] ...`: the options that
// give verify its model, inputs and call arguments on the command line, for files without
// their own `init` call. They map one to one onto an EntryOverride (and onto a corpus
// manifest entry, see entryFromManifest).
import { InvalidArgumentError, Option, type Command } from "commander";
import type { SampleInput } from "../model/program.js";
import type { EntryOverride } from "../verify/verify.js";
import { UsageError } from "./exit-codes.js";

/** What commander leaves in the parsed options object for the entry options. */
export interface EntryCliOptions {
  entry?: string;
  input?: SampleInput[];
  kwInput?: SampleInput[];
  kwarg?: [string, string][];
  initKwarg?: [string, string][];
  rng?: string[];
  method?: string;
  mutable?: string[];
  prelude?: string[];
  argv?: string[];
}

const INPUT_FORM = "NAME=float32[2,28,28,1], NAME=int32[2,16]<HIGH, NAME=int32[2]>=LOW<HIGH, NAME=bool[2,8], NAME=key or NAME={a=float32[2,3],b=int32[2]<5}";
const KWARG_FORM = "NAME=PYTHON_LITERAL (for example train=False or features=(8, 16))";
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Adds the entry options to a command (verify); entryOverride turns what they parse into an EntryOverride. */
export function addEntryOptions(command: Command): Command {
  const repeated = <T>(parse: (text: string) => T) => (text: string, previous: T[] | undefined) => [...(previous ?? []), parse(text)];
  return command
    .addOption(new Option("--entry <expr>", "the model: a Python expression in the file's namespace (Linen: a Module; Haiku: a module or the name of a function to transform)").argParser(nonEmpty("--entry", "EXPR")))
    .addOption(new Option("--input <name=spec>", `a positional input, in order (repeatable): ${INPUT_FORM}`).argParser(repeated(parseInput)))
    .addOption(new Option("--kw-input <name=spec>", "an input passed by keyword (repeatable), same form as --input").argParser(repeated(parseInput)))
    .addOption(new Option("--kwarg <name=literal>", "a static argument of init and apply (repeatable), for example train=False").argParser(repeated((t) => parseKwarg("--kwarg", t))))
    .addOption(new Option("--init-kwarg <name=literal>", "overrides a --kwarg for init only (repeatable)").argParser(repeated((t) => parseKwarg("--init-kwarg", t))))
    .addOption(new Option("--rng <name>", "an extra Linen rng stream init and apply need, such as dropout (repeatable)").argParser(repeated((t) => identifier("--rng", t))))
    .addOption(new Option("--method <name>", "call this method instead of __call__ (Linen apply(method=NAME))").argParser((t) => identifier("--method", t)))
    .addOption(new Option("--mutable <name>", "a Linen collection apply may change (repeatable)").argParser(repeated((t) => identifier("--mutable", t))))
    .addOption(new Option("--prelude <code>", "Python statements run in the file's namespace before the entry (repeatable, run in order)").argParser(repeated(nonEmpty("--prelude", "CODE"))))
    .addOption(new Option("--argv <arg>", "an absl command-line flag the file reads, such as --argv=--hidden_size=16 (repeatable)").argParser(repeated(nonEmpty("--argv", "ARG"))));
}

/** The entry the options give, or undefined when none of them is used. */
export function entryOverride(o: EntryCliOptions): EntryOverride | undefined {
  const used = (["input", "kwInput", "kwarg", "initKwarg", "rng", "method", "mutable", "prelude", "argv"] as const).filter((k) => o[k] !== undefined);
  if (o.entry === undefined) {
    if (used.length) throw new UsageError(`${used.map(flagName).join(", ")} ${used.length > 1 ? "need" : "needs"} --entry EXPR (the model to build)`);
    return undefined;
  }
  const inputs = [...(o.input ?? []), ...(o.kwInput ?? []).map((i) => ({ ...i, keyword: true }))];
  const kwargs = pairs("--kwarg", o.kwarg);
  const seen = new Set<string>();
  for (const i of inputs) {
    if (seen.has(i.name)) throw new UsageError(`--input: the input '${i.name}' is given twice`);
    if (i.name in kwargs) throw new UsageError(`'${i.name}' is given both as an input and as a --kwarg`);
    seen.add(i.name);
  }
  const out: EntryOverride = { expr: o.entry, inputs, kwargs, rngs: unique("--rng", o.rng ?? []) };
  if (o.initKwarg) out.initKwargs = pairs("--init-kwarg", o.initKwarg);
  if (o.method !== undefined) out.method = o.method;
  if (o.mutable) out.mutable = unique("--mutable", o.mutable);
  if (o.prelude) out.prelude = o.prelude.join("\n");
  if (o.argv) out.argv = o.argv;
  return out;
}

/** `NAME=SPEC` as a sample input; InvalidArgumentError (commander reports it with the option's name) when it is not one. */
export function parseInput(text: string): SampleInput {
  const p = new InputParser(text);
  const input = p.named(true);
  p.end();
  return input;
}

/** An input as `--input` writes it (the inverse of parseInput). */
export function formatInput(i: SampleInput): string {
  return `${i.name}=${formatValue(i)}`;
}

function formatValue(i: SampleInput): string {
  if (i.dict) return `{${i.dict.map((d) => `${quoteKey(d.name)}=${formatValue(d)}`).join(",")}}`;
  if (i.dtype === "key") return "key";
  const bounds = i.dtype === "int32" ? `${i.low !== undefined ? `>=${i.low}` : ""}${i.high !== undefined ? `<${i.high}` : ""}` : "";
  return `${i.dtype}[${i.shape.join(",")}]${bounds}`;
}

/** The command-line arguments after FILE that give this entry (for a command a person can rerun). */
export function entryArgs(e: EntryOverride): string[] {
  const args = ["--entry", e.expr];
  for (const i of e.inputs) args.push(i.keyword ? "--kw-input" : "--input", formatInput(i));
  for (const [k, v] of Object.entries(e.kwargs)) args.push("--kwarg", `${k}=${v}`);
  for (const [k, v] of Object.entries(e.initKwargs ?? {})) args.push("--init-kwarg", `${k}=${v}`);
  for (const r of e.rngs) args.push("--rng", r);
  if (e.method !== undefined) args.push("--method", e.method);
  for (const m of e.mutable ?? []) args.push("--mutable", m);
  if (e.prelude !== undefined) args.push("--prelude", e.prelude);
  for (const a of e.argv ?? []) args.push(`--argv=${a}`);
  return args;
}

/** Quotes arguments for a POSIX shell where they need it. */
export function shellQuote(args: string[]): string {
  return args.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(" ");
}

// --- corpus manifest entries --------------------------------------------------------------

/** One model of a corpus manifest (../shared/corpus/README.md): JSON values where the CLI takes Python text. */
export interface ManifestEntry {
  id: string;
  file: string;
  framework?: "linen" | "haiku";
  entry: string;
  inputs: ManifestInput[];
  kwargs?: Record<string, unknown>;
  init_kwargs?: Record<string, unknown>;
  rngs?: string[];
  method?: string;
  mutable?: string[];
  prelude?: string;
  flags?: string[];
  needs?: string[];
  notes?: string;
}

export interface ManifestInput {
  name: string;
  dtype?: SampleInput["dtype"];
  shape?: number[];
  low?: number;
  high?: number;
  keyword?: boolean;
  dict?: ManifestInput[];
}

const MANIFEST_FIELDS = new Set(["id", "file", "framework", "entry", "inputs", "kwargs", "init_kwargs", "rngs", "method", "mutable", "prelude", "flags", "needs", "notes"]);

/**
 * A manifest entry as the EntryOverride the same command line would give: kwargs become Python
 * literals, `flags` become argv, `needs` and `notes` are informational (and `framework` is detected). Throws Error naming the
 * entry and field when the entry does not have the manifest's form.
 */
export function entryFromManifest(m: ManifestEntry): EntryOverride {
  const where = `manifest entry ${m.id ?? JSON.stringify(m.entry)}`;
  const bad = (msg: string): never => {
    throw new Error(`${where}: ${msg}`);
  };
  for (const k of Object.keys(m)) if (!MANIFEST_FIELDS.has(k)) bad(`unknown field '${k}'`);
  if (typeof m.entry !== "string" || !m.entry.trim()) bad("`entry` must be a Python expression");
  if (!Array.isArray(m.inputs)) bad("`inputs` must be a list");
  const literals = (field: string, v: Record<string, unknown> | undefined) => {
    if (v === undefined) return undefined;
    if (!v || typeof v !== "object" || Array.isArray(v)) bad(`\`${field}\` must be an object`);
    return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, pythonLiteral(x, `${field}.${k}`, bad)]));
  };
  const names = (field: string, v: string[] | undefined) => {
    if (v !== undefined && (!Array.isArray(v) || v.some((s) => typeof s !== "string" || !IDENTIFIER.test(s)))) bad(`\`${field}\` must be a list of names`);
    return v;
  };
  const inputs = m.inputs.map((i) => manifestInput(i, bad));
  const out: EntryOverride = {
    expr: m.entry,
    // Keyword inputs after the positional ones, as the command line orders them: inputs are drawn in this order.
    inputs: [...inputs.filter((i) => !i.keyword), ...inputs.filter((i) => i.keyword)],
    kwargs: literals("kwargs", m.kwargs) ?? {},
    rngs: names("rngs", m.rngs) ?? [],
  };
  const initKwargs = literals("init_kwargs", m.init_kwargs);
  if (initKwargs) out.initKwargs = initKwargs;
  if (m.method !== undefined) out.method = typeof m.method === "string" && IDENTIFIER.test(m.method) ? m.method : bad("`method` must be a name");
  const mutable = names("mutable", m.mutable);
  if (mutable) out.mutable = mutable;
  if (m.prelude !== undefined) out.prelude = typeof m.prelude === "string" ? m.prelude : bad("`prelude` must be a string");
  if (m.flags !== undefined) out.argv = Array.isArray(m.flags) && m.flags.every((f) => typeof f === "string") ? m.flags : bad("`flags` must be a list of strings");
  return out;
}

function manifestInput(i: ManifestInput, bad: (msg: string) => never): SampleInput {
  if (!i || typeof i.name !== "string" || !i.name) return bad(`an input has no name: ${JSON.stringify(i)}`);
  // Checked by the command line's own parser, so the manifest accepts exactly what --input does.
  const text = `${i.name}=${manifestValue(i, bad)}`;
  try {
    const p = new InputParser(text);
    const parsed = p.named(true);
    p.end();
    return i.keyword ? { ...parsed, keyword: true } : parsed;
  } catch (e) {
    return bad(`input '${i.name}': ${(e as Error).message}`);
  }
}

function manifestValue(i: ManifestInput, bad: (msg: string) => never): string {
  if (i.dict) return `{${i.dict.map((d) => `${quoteKey(d.name)}=${manifestValue(d, bad)}`).join(",")}}`;
  if (i.dtype === "key") return "key";
  if (!Array.isArray(i.shape) || i.shape.some((n) => !Number.isInteger(n))) return bad(`input '${i.name}': \`shape\` must be a list of integers`);
  return formatValue({ name: i.name, dtype: i.dtype as SampleInput["dtype"], shape: i.shape, low: i.low, high: i.high });
}

const quoteKey = (k: string) => (/^[^=,{}[\]<>\s'"]+$/.test(k) ? k : JSON.stringify(k));

/** A JSON value as Python source text. */
export function pythonLiteral(v: unknown, where = "value", bad: (msg: string) => never = (m) => { throw new Error(m); }): string {
  if (v === null) return "None";
  if (v === true) return "True";
  if (v === false) return "False";
  if (typeof v === "number") return Number.isFinite(v) ? String(v) : bad(`${where}: ${v} has no Python literal`);
  if (typeof v === "string") return JSON.stringify(v);
  if (Array.isArray(v)) return `[${v.map((x, i) => pythonLiteral(x, `${where}[${i}]`, bad)).join(", ")}]`;
  if (typeof v === "object") return `{${Object.entries(v as object).map(([k, x]) => `${JSON.stringify(k)}: ${pythonLiteral(x, `${where}.${k}`, bad)}`).join(", ")}}`;
  return bad(`${where}: ${String(v)} has no Python literal`);
}

// --- parsing ----------------------------------------------------------------------------

function flagName(key: string): string {
  return `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}

function nonEmpty(flag: string, form: string): (text: string) => string {
  return (text) => {
    if (!text.trim()) throw new InvalidArgumentError(`expected ${flag} ${form}, not an empty string`);
    return text;
  };
}

function identifier(flag: string, text: string): string {
  if (!IDENTIFIER.test(text)) throw new InvalidArgumentError(`expected ${flag} NAME, where NAME is a Python identifier`);
  return text;
}

function parseKwarg(flag: string, text: string): [string, string] {
  const eq = text.indexOf("=");
  const name = eq < 0 ? "" : text.slice(0, eq).trim();
  const value = eq < 0 ? "" : text.slice(eq + 1).trim();
  if (!IDENTIFIER.test(name) || !value) throw new InvalidArgumentError(`expected ${flag} ${KWARG_FORM}`);
  const unbalanced = balanceProblem(value);
  if (unbalanced) throw new InvalidArgumentError(`expected ${flag} ${KWARG_FORM}: the value ${unbalanced}`);
  return [name, value];
}

/** Why a Python expression cannot be complete (an unclosed bracket or string), or undefined. */
function balanceProblem(text: string): string | undefined {
  const closing: Record<string, string> = { "(": ")", "[": "]", "{": "}" };
  const stack: string[] = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "'" || c === '"') {
      let j = i + 1;
      while (j < text.length && text[j] !== c) j += text[j] === "\\" ? 2 : 1;
      if (j >= text.length) return `has an unclosed string`;
      i = j;
    } else if (c in closing) stack.push(closing[c]);
    else if (c === ")" || c === "]" || c === "}") {
      if (stack.pop() !== c) return `has an unmatched '${c}'`;
    }
  }
  return stack.length ? `has an unclosed '${Object.keys(closing).find((k) => closing[k] === stack[stack.length - 1])}'` : undefined;
}

function pairs(flag: string, list: [string, string][] | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of list ?? []) {
    if (k in out) throw new UsageError(`${flag}: '${k}' is given twice`);
    out[k] = v;
  }
  return out;
}

function unique(flag: string, list: string[]): string[] {
  const dup = list.find((x, i) => list.indexOf(x) !== i);
  if (dup !== undefined) throw new UsageError(`${flag}: '${dup}' is given twice`);
  return list;
}

/** A small recursive-descent reader of the input form; errors say where and what was expected. */
class InputParser {
  private pos = 0;
  constructor(private readonly text: string) {}

  /** NAME=VALUE. Top-level names are the method's parameter names; dict keys may be any string (quote one with , = { } in it). */
  named(topLevel: boolean): SampleInput {
    this.space();
    const name = topLevel ? this.match(/[A-Za-z_][A-Za-z0-9_]*/y) : this.key();
    if (!name) this.fail(topLevel ? "a Python identifier as the input's name" : "a key");
    this.space();
    this.expect("=");
    this.space();
    const value = this.value(name);
    this.space();
    return value;
  }

  end(): void {
    if (this.pos < this.text.length) this.fail("the end of the input");
  }

  private value(name: string): SampleInput {
    if (this.eat("{")) {
      const dict: SampleInput[] = [];
      this.space();
      if (this.eat("}")) this.fail("at least one NAME=SPEC in the dict", this.pos - 1);
      do {
        const d = this.named(false);
        if (dict.some((x) => x.name === d.name)) this.fail(`a key other than '${d.name}' (it is given twice)`);
        dict.push(d);
      } while (this.eat(","));
      this.expect("}");
      // SampleInput's dtype and shape mean nothing for a dict; its entries carry their own.
      return { name, dtype: "float32", shape: [], dict };
    }
    const at = this.pos;
    const dtype = this.match(/float32|int32|bool|key/y) as SampleInput["dtype"] | undefined;
    if (!dtype) this.fail("a dtype (float32, int32, bool or key) or a {dict}");
    if (dtype === "key") {
      if (this.text[this.pos] === "[") this.fail("nothing after key (a key input is one PRNG key, without a shape)");
      return { name, dtype, shape: [] };
    }
    const shape = this.shape();
    const input: SampleInput = { name, dtype, shape };
    let low: number | undefined;
    let high: number | undefined;
    for (;;) {
      const boundAt = this.pos;
      if (this.eat(">=")) {
        if (low !== undefined) this.fail("one lower bound >=LOW", boundAt);
        low = this.integer();
      } else if (this.eat("<")) {
        if (high !== undefined) this.fail("one upper bound <HIGH", boundAt);
        high = this.integer();
      } else break;
      if (dtype !== "int32") this.fail(`no bounds on a ${dtype} input (only int32 inputs are drawn in [LOW, HIGH))`, boundAt);
    }
    if (dtype === "int32") {
      if (high === undefined) this.fail("an upper bound: int32 inputs are drawn in [0, HIGH), written int32[SHAPE]<HIGH", at);
      if (low !== undefined && low >= high!) this.fail(`LOW < HIGH (got >=${low}<${high})`, at);
      if (low !== undefined) input.low = low;
      input.high = high;
    }
    return input;
  }

  private shape(): number[] {
    this.expect("[");
    const dims: number[] = [];
    this.space();
    if (this.eat("]")) return dims;
    do {
      this.space();
      const d = this.match(/\d+/y);
      if (d === undefined) this.fail("a dimension (a non-negative integer)");
      dims.push(Number(d));
      this.space();
    } while (this.eat(","));
    this.expect("]");
    return dims;
  }

  private integer(): number {
    const s = this.match(/-?\d+/y);
    if (s === undefined) this.fail("an integer");
    return Number(s);
  }

  private key(): string | undefined {
    const q = this.text[this.pos];
    if (q === '"' || q === "'") {
      const end = this.text.indexOf(q, this.pos + 1);
      if (end < 0) this.fail(`a closing ${q}`);
      const k = this.text.slice(this.pos + 1, end);
      this.pos = end + 1;
      return k;
    }
    return this.match(/[^=,{}[\]<>\s'"]+/y);
  }

  private match(re: RegExp): string | undefined {
    re.lastIndex = this.pos;
    const m = re.exec(this.text);
    if (!m) return undefined;
    this.pos += m[0].length;
    return m[0];
  }

  private eat(s: string): boolean {
    if (!this.text.startsWith(s, this.pos)) return false;
    this.pos += s.length;
    return true;
  }

  private expect(s: string): void {
    if (!this.eat(s)) this.fail(`'${s}'`);
  }

  private space(): void {
    while (this.text[this.pos] === " ") this.pos++;
  }

  private fail(what: string, at = this.pos): never {
    const found = at < this.text.length ? `'${this.text.slice(at, at + 12)}${this.text.length > at + 12 ? "…" : ""}'` : "the end";
    throw new InvalidArgumentError(`expected ${what} at column ${at + 1}, found ${found}; the form is ${INPUT_FORM}`);
  }
}
