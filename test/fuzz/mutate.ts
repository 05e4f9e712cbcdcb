// Seeded mutations of Python source: the edits people make by accident (a line
// lost or pasted twice, a wrong name, a stray bracket, a bad indent, a file cut
// short) and combinations of them. Every mutation is recorded in words, so a
// failing mutant can be read as well as regenerated from its seed.
import { Rng } from "./rng.js";
import { tokenize, type Token, type TokenKind } from "./tokens.js";

export type MutationOp =
  | "delete-line"
  | "delete-block"
  | "swap-lines"
  | "duplicate-line"
  | "move-line"
  | "splice-line"
  | "replace-token"
  | "delete-token"
  | "duplicate-token"
  | "swap-tokens"
  | "truncate"
  | "insert-stray"
  | "indent";

export interface Mutation {
  op: MutationOp;
  /** What changed, in words (`line 12 'x = f(x)' deleted`). */
  detail: string;
}

export interface Mutant {
  text: string;
  mutations: Mutation[];
}

export interface MutateOptions {
  /** Lines from other programs, for `splice-line` (a line pasted from another file). */
  donors?: readonly string[];
  /** How many mutations at most (the count is drawn, weighted towards one or two). */
  maxMutations?: number;
}

/** Replacement tokens besides the file's own: what a slip of the hand or a half-remembered API produces. */
export const VOCABULARY: Record<Exclude<TokenKind, "comment">, readonly string[]> = {
  name: [
    "x", "y", "self", "nn", "hk", "jnp", "jax", "optax", "features", "training", "train", "deterministic", "params",
    "state", "batch_stats", "Dense", "Linear", "Conv", "LayerNorm", "BatchNorm", "Dropout", "relu", "gelu", "softmax",
    "setup", "compact", "__call__", "__init__", "super", "name", "shape", "dtype", "key", "rng", "grads", "loss",
    "init", "apply", "transform", "field", "dataclass", "Module", "float32", "int", "bool", "print", "range", "len",
  ],
  keyword: [
    "if", "else", "elif", "for", "while", "return", "def", "class", "lambda", "pass", "None", "True", "False", "and",
    "or", "not", "in", "is", "with", "yield", "break", "continue", "global", "nonlocal", "del", "assert", "import",
    "from", "as", "raise", "try", "except", "async", "await",
  ],
  number: ["0", "1", "2", "3", "-1", "4", "8", "10", "16", "64", "0.0", "0.5", "1.0", "1e-6", "0.1", "2.5"],
  string: ['"params"', '"batch_stats"', '"dropout"', '""', '"linear"', '"w"', '"b"', '"mean"', "'encode'", '"x"'],
  op: [
    "+", "-", "*", "/", "//", "**", "@", "%", "=", "==", "!=", "<", ">", "<=", ">=", ",", ".", ":", "(", ")", "[",
    "]", "{", "}", "->", "+=", "*=", ":=", "...", ";", "|", "&", "~",
  ],
};

/** Characters that land in code by accident. */
export const STRAY = ["(", ")", "[", "]", "{", "}", ":", ",", ".", '"', "'", '"""', "\t", "\n", "#", "\\", "=", "@", "*", ";", "-", " ", "\n    ", "\r", "\0", "é", "λ", "$", "?", "`"];

const OPS: ReadonlyArray<readonly [MutationOp, number]> = [
  ["delete-line", 10],
  ["delete-block", 3],
  ["swap-lines", 7],
  ["duplicate-line", 7],
  ["move-line", 4],
  ["splice-line", 3],
  ["replace-token", 24],
  ["delete-token", 7],
  ["duplicate-token", 4],
  ["swap-tokens", 4],
  ["truncate", 4],
  ["insert-stray", 12],
  ["indent", 9],
];

/** Applies one to `maxMutations` (default 4) seeded mutations to `source`. */
export function mutate(source: string, rng: Rng, options: MutateOptions = {}): Mutant {
  const max = Math.max(1, options.maxMutations ?? 4);
  const count = Math.min(max, rng.weighted<number>([[1, 50], [2, 28], [3, 14], [4, 6], [5, 2]]));
  let text = source;
  const mutations: Mutation[] = [];
  for (let attempt = 0; mutations.length < count && attempt < count * 20; attempt++) {
    const op = rng.weighted(OPS);
    const r = applyOp(op, text, rng, options.donors ?? []);
    if (!r || r.text === text) continue;
    text = r.text;
    mutations.push({ op, detail: r.detail });
  }
  return { text, mutations };
}

interface Step {
  text: string;
  detail: string;
}

function applyOp(op: MutationOp, text: string, rng: Rng, donors: readonly string[]): Step | undefined {
  switch (op) {
    case "delete-line":
    case "delete-block":
    case "swap-lines":
    case "duplicate-line":
    case "move-line":
    case "splice-line":
    case "indent":
      return lineOp(op, text, rng, donors);
    case "replace-token":
    case "delete-token":
    case "duplicate-token":
    case "swap-tokens":
      return tokenOp(op, text, rng);
    case "truncate": {
      if (!text.length) return undefined;
      // Half the time at a token boundary (an editor's save mid-edit), otherwise anywhere.
      const toks = tokenize(text);
      const at = toks.length && rng.chance(0.5) ? rng.pick(toks)[rng.chance(0.5) ? "start" : "end"] : rng.int(text.length);
      return { text: text.slice(0, at), detail: `truncated at offset ${at} (line ${lineOf(text, at)}) of ${text.length}` };
    }
    case "insert-stray": {
      const stray = rng.pick(STRAY);
      const toks = tokenize(text);
      const at = toks.length && rng.chance(0.7) ? rng.pick(toks)[rng.chance(0.5) ? "start" : "end"] : rng.int(text.length + 1);
      return { text: text.slice(0, at) + stray + text.slice(at), detail: `inserted ${JSON.stringify(stray)} at line ${lineOf(text, at)} col ${colOf(text, at)}` };
    }
  }
}

function lineOp(op: MutationOp, text: string, rng: Rng, donors: readonly string[]): Step | undefined {
  const lines = text.split("\n");
  // Prefer lines with code: deleting a blank line rarely changes anything.
  const code = lines.map((l, i) => [l, i] as const).filter(([l]) => l.trim() !== "").map(([, i]) => i);
  if (!code.length) return undefined;
  const i = rng.pick(code);
  const show = (k: number) => `${k + 1} ${JSON.stringify(clip(lines[k]))}`;
  switch (op) {
    case "delete-line": {
      const detail = `deleted line ${show(i)}`;
      lines.splice(i, 1);
      return { text: lines.join("\n"), detail };
    }
    case "delete-block": {
      const n = Math.min(rng.range(2, 6), lines.length - i);
      const detail = `deleted lines ${i + 1}-${i + n}`;
      lines.splice(i, n);
      return { text: lines.join("\n"), detail };
    }
    case "swap-lines": {
      const j = rng.chance(0.7) ? clamp(i + rng.pick([-3, -2, -1, 1, 2, 3]), 0, lines.length - 1) : rng.int(lines.length);
      if (i === j) return undefined;
      const detail = `swapped line ${show(i)} with line ${show(j)}`;
      [lines[i], lines[j]] = [lines[j], lines[i]];
      return { text: lines.join("\n"), detail };
    }
    case "duplicate-line": {
      const j = rng.chance(0.6) ? i + 1 : rng.int(lines.length + 1);
      const detail = `copied line ${show(i)} to before line ${j + 1}`;
      lines.splice(j, 0, lines[i]);
      return { text: lines.join("\n"), detail };
    }
    case "move-line": {
      const [moved] = lines.splice(i, 1);
      const j = rng.int(lines.length + 1);
      lines.splice(j, 0, moved);
      return { text: lines.join("\n"), detail: `moved line ${i + 1} ${JSON.stringify(clip(moved))} to line ${j + 1}` };
    }
    case "splice-line": {
      if (!donors.length) return undefined;
      const donor = rng.pick(donors);
      const j = rng.int(lines.length + 1);
      // Pasted at the indentation of the line it lands before, as an editor would.
      const indent = /^[ \t]*/.exec(lines[Math.min(j, lines.length - 1)] ?? "")![0];
      const pasted = rng.chance(0.7) ? indent + donor.trimStart() : donor;
      lines.splice(j, 0, pasted);
      return { text: lines.join("\n"), detail: `inserted ${JSON.stringify(clip(pasted))} (from another program) before line ${j + 1}` };
    }
    case "indent": {
      const kind = rng.weighted<string>([["more", 3], ["less", 3], ["tab", 1], ["block", 2], ["flush", 1]]);
      const lead = /^[ \t]*/.exec(lines[i])![0];
      const body = lines[i].slice(lead.length);
      if (kind === "block") {
        // A pasted block at the wrong depth: shift up to 6 lines together.
        const n = Math.min(rng.range(2, 6), lines.length - i);
        const delta = rng.pick([-8, -4, -2, 2, 4, 8]);
        for (let k = i; k < i + n; k++) lines[k] = reindent(lines[k], delta);
        return { text: lines.join("\n"), detail: `shifted lines ${i + 1}-${i + n} by ${delta} spaces` };
      }
      const next =
        kind === "more" ? " ".repeat(rng.pick([1, 2, 4, 8])) + lines[i]
        : kind === "less" ? reindent(lines[i], -rng.pick([1, 2, 4]))
        : kind === "tab" ? lead.replace(/ {4}|^ +/, "\t") + body
        : body;
      if (next === lines[i]) return undefined;
      lines[i] = next;
      return { text: lines.join("\n"), detail: `re-indented line ${i + 1} (${kind}): ${JSON.stringify(clip(next))}` };
    }
  }
  return undefined;
}

function tokenOp(op: MutationOp, text: string, rng: Rng): Step | undefined {
  const toks = tokenize(text).filter((t) => t.kind !== "comment");
  if (!toks.length) return undefined;
  const k = rng.int(toks.length);
  const t = toks[k];
  const where = `line ${lineOf(text, t.start)} col ${colOf(text, t.start)}`;
  switch (op) {
    case "replace-token": {
      const by = replacement(t, toks, rng);
      if (by === t.text) return undefined;
      return { text: splice(text, t.start, t.end, by), detail: `replaced ${t.kind} ${JSON.stringify(clip(t.text))} with ${JSON.stringify(clip(by))} at ${where}` };
    }
    case "delete-token":
      return { text: splice(text, t.start, t.end, ""), detail: `deleted ${t.kind} ${JSON.stringify(clip(t.text))} at ${where}` };
    case "duplicate-token": {
      const sep = t.kind === "name" || t.kind === "keyword" || t.kind === "number" ? " " : "";
      return { text: splice(text, t.end, t.end, sep + t.text), detail: `doubled ${t.kind} ${JSON.stringify(clip(t.text))} at ${where}` };
    }
    case "swap-tokens": {
      const u = toks[k + 1];
      if (!u || lineOf(text, u.start) !== lineOf(text, t.start)) return undefined;
      const between = text.slice(t.end, u.start);
      return { text: text.slice(0, t.start) + u.text + between + t.text + text.slice(u.end), detail: `swapped ${JSON.stringify(clip(t.text))} and ${JSON.stringify(clip(u.text))} at ${where}` };
    }
  }
  return undefined;
}

/** Mostly a token of the same kind from the file itself (a plausible mix-up), else the vocabulary. */
function replacement(t: Token, toks: readonly Token[], rng: Rng): string {
  const kind = t.kind === "comment" ? "name" : t.kind;
  const roll = rng.next();
  if (roll < 0.55) {
    const same = toks.filter((u) => u.kind === kind && u.text !== t.text);
    if (same.length) return rng.pick(same).text;
  }
  if (roll < 0.9) return rng.pick(VOCABULARY[kind]);
  const other = rng.pick(["name", "keyword", "number", "string", "op"] as const);
  return rng.pick(VOCABULARY[other]);
}

function reindent(line: string, delta: number): string {
  if (!line.trim()) return line;
  const lead = /^[ \t]*/.exec(line)![0];
  const width = lead.replace(/\t/g, "    ").length;
  return " ".repeat(Math.max(0, width + delta)) + line.slice(lead.length);
}

function splice(text: string, start: number, end: number, by: string): string {
  return text.slice(0, start) + by + text.slice(end);
}

function lineOf(text: string, at: number): number {
  let n = 1;
  for (let i = 0; i < at && i < text.length; i++) if (text.charCodeAt(i) === 10) n++;
  return n;
}

function colOf(text: string, at: number): number {
  return at - (text.lastIndexOf("\n", at - 1) + 1) + 1;
}

function clip(s: string): string {
  return s.length > 60 ? `${s.slice(0, 57)}...` : s;
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, v));
}
