// A forgiving Python tokenizer for the mutator: it only needs each token's
// category and offsets, never fails, and treats anything unknown as an operator.

export type TokenKind = "name" | "keyword" | "number" | "string" | "op" | "comment";

export interface Token {
  kind: TokenKind;
  text: string;
  start: number;
  end: number;
}

export const PY_KEYWORDS = new Set([
  "False", "None", "True", "and", "as", "assert", "async", "await", "break", "class", "continue", "def", "del", "elif",
  "else", "except", "finally", "for", "from", "global", "if", "import", "in", "is", "lambda", "nonlocal", "not", "or",
  "pass", "raise", "return", "try", "while", "with", "yield",
]);

const STRING = /^(?:[rRbBuUfF]{0,2})(?:"""[\s\S]*?(?:"""|$)|'''[\s\S]*?(?:'''|$)|"(?:[^"\\\n]|\\.)*(?:"|$)|'(?:[^'\\\n]|\\.)*(?:'|$))/;
const NUMBER = /^(?:0[xX][0-9a-fA-F_]+|0[bB][01_]+|0[oO][0-7_]+|(?:\d[\d_]*\.?[\d_]*|\.\d[\d_]*)(?:[eE][+-]?\d+)?[jJ]?)/;
const NAME = /^[A-Za-z_][A-Za-z0-9_]*/;
const OPS = ["**=", "//=", ">>=", "<<=", "...", "->", ":=", "**", "//", ">>", "<<", "<=", ">=", "==", "!=", "+=", "-=", "*=", "/=", "%=", "&=", "|=", "^=", "@="];

export function tokenize(text: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (c === " " || c === "\t" || c === "\n" || c === "\r" || c === "\f" || c === "\\") {
      i++;
      continue;
    }
    const rest = text.slice(i, i + 4096);
    if (c === "#") {
      const end = text.indexOf("\n", i);
      const stop = end < 0 ? text.length : end;
      out.push({ kind: "comment", text: text.slice(i, stop), start: i, end: stop });
      i = stop;
      continue;
    }
    // A string prefix looks like a name: try strings first.
    const s = /^[rRbBuUfF]{0,2}["']/.test(rest) ? STRING.exec(text.slice(i)) : null;
    if (s) {
      out.push({ kind: "string", text: s[0], start: i, end: i + s[0].length });
      i += s[0].length;
      continue;
    }
    const n = /[0-9.]/.test(c) ? NUMBER.exec(rest) : null;
    if (n && n[0] !== ".") {
      out.push({ kind: "number", text: n[0], start: i, end: i + n[0].length });
      i += n[0].length;
      continue;
    }
    const id = NAME.exec(rest);
    if (id) {
      out.push({ kind: PY_KEYWORDS.has(id[0]) ? "keyword" : "name", text: id[0], start: i, end: i + id[0].length });
      i += id[0].length;
      continue;
    }
    const op = OPS.find((o) => rest.startsWith(o)) ?? c;
    out.push({ kind: "op", text: op, start: i, end: i + op.length });
    i += op.length;
  }
  return out;
}
