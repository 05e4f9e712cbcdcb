// Python's logical lines and indentation, as its tokenizer finds them.
// tree-sitter's scanner is lenient about indentation (an unexpected indent, a
// dedent to no outer level, an empty block, tabs mixed with spaces), so these
// rules are checked here on the text itself, the way CPython's tokenizer
// does (Parser/tokenizer.c): tabs advance to the next multiple of 8, and the
// same indentation must also agree when a tab counts as one column.

/** One logical line: physical lines joined by brackets, strings and backslashes. */
export interface LogicalLine {
  /** 0-based rows of its first and last physical line. */
  startRow: number;
  endRow: number;
  /** 0-based column of its first token. */
  startColumn: number;
  /** Its indentation opens a block (INDENT), closes some (DEDENT), or neither. */
  change: "indent" | "dedent" | "same";
  /** Its last token is ':' (a compound statement's header, its block on the next lines). */
  endsWithColon: boolean;
}

export interface LayoutError {
  message: string;
  /** 0-based. */
  row: number;
  column: number;
}

export interface Layout {
  lines: LogicalLine[];
  /** The logical line each physical row belongs to (-1 for blank and comment-only rows). */
  logicalOfRow: number[];
  /** Rows that continue a logical line (in brackets or after a backslash) and begin outside a string. */
  continuationRows: number[];
  /** The first error Python's tokenizer or its indentation rules would report. */
  error?: LayoutError;
}

const OPEN: Record<string, string> = { "(": ")", "[": "]", "{": "}" };
const CLOSE: Record<string, string> = { ")": "(", "]": "[", "}": "{" };
const PREFIX = /^(r|u|b|f|br|rb|fr|rf)$/i;
/** Characters that may stand outside strings and comments (operators, digits; identifiers are handled before). */
const VALID = /^[0-9+\-*/%@&|^~<>=!.,:;]$/;

/** Splits `text` into logical lines and checks its indentation. */
export function pythonLayout(text: string): Layout {
  const src = text.replace(/^\uFEFF/, "");
  const rows = src.split(/\r\n|\r|\n/);
  const lines: LogicalLine[] = [];
  const logicalOfRow = new Array<number>(rows.length).fill(-1);
  const continuationRows: number[] = [];
  const errors: LayoutError[] = [];
  const fail = (message: string, row: number, column: number) => errors.push({ message, row, column });
  const indents = [{ col: 0, alt: 0 }];
  const brackets: Array<{ ch: string; row: number; column: number }> = [];
  let current: LogicalLine | undefined;
  let lastToken = "";
  /** Inside a string that spans rows: its quote, where it began, whether its row ended in a backslash. */
  let string: { quote: string; row: number; column: number; continued?: boolean } | undefined;
  let continued = false;

  const finish = (row: number) => {
    if (!current) return;
    current.endRow = row;
    current.endsWithColon = lastToken === ":";
    current = undefined;
    lastToken = "";
  };

  const nul = src.indexOf("\0");
  if (nul >= 0) {
    const before = src.slice(0, nul).split(/\r\n|\r|\n/);
    fail("source code cannot contain null bytes", before.length - 1, before[before.length - 1].length);
  }
  for (let row = 0; row < rows.length && !errors.length; row++) {
    const line = rows[row];
    let i = 0;
    if (!current && !string) {
      // The start of a logical line: measure its indentation.
      let col = 0;
      let alt = 0;
      for (; i < line.length; i++) {
        const c = line[i];
        if (c === " ") {
          col++;
          alt++;
        } else if (c === "\t") {
          col = (Math.floor(col / 8) + 1) * 8;
          alt++;
        } else if (c === "\f") col = alt = 0;
        else break;
      }
      // Blank and comment-only lines do not count.
      if (i >= line.length || line[i] === "#") continue;
      const top = indents[indents.length - 1];
      let change: LogicalLine["change"] = "same";
      if (col === top.col) {
        if (alt !== top.alt) fail("inconsistent use of tabs and spaces in indentation", row, i);
      } else if (col > top.col) {
        if (alt <= top.alt) fail("inconsistent use of tabs and spaces in indentation", row, i);
        indents.push({ col, alt });
        change = "indent";
      } else {
        while (indents.length > 1 && col < indents[indents.length - 1].col) indents.pop();
        const now = indents[indents.length - 1];
        if (col !== now.col) fail("unindent does not match any outer indentation level", row, i);
        else if (alt !== now.alt) fail("inconsistent use of tabs and spaces in indentation", row, i);
        change = "dedent";
      }
      current = { startRow: row, endRow: row, startColumn: i, change, endsWithColon: false };
      lines.push(current);
    }
    if (current) {
      if (current.startRow !== row && !string) continuationRows.push(row);
      logicalOfRow[row] = lines.length - 1;
    }
    continued = false;
    while (i < line.length && !errors.length) {
      if (string) {
        const q = string.quote;
        if (line[i] === "\\") {
          if (i === line.length - 1) string.continued = true;
          i += 2;
          continue;
        }
        if (line.startsWith(q, i)) {
          i += q.length;
          string = undefined;
          lastToken = "string";
          continue;
        }
        i++;
        continue;
      }
      const c = line[i];
      if (c === " " || c === "\t" || c === "\f") {
        i++;
        continue;
      }
      if (c === "#") break;
      if (c === "\\") {
        if (i !== line.length - 1) {
          fail("unexpected character after line continuation character", row, i);
          break;
        }
        continued = true;
        i++;
        continue;
      }
      if (c === '"' || c === "'") {
        const triple = line.startsWith(c.repeat(3), i);
        string = { quote: triple ? c.repeat(3) : c, row, column: i };
        i += triple ? 3 : 1;
        continue;
      }
      if (/[\p{ID_Start}_]/u.test(c)) {
        let j = i;
        while (j < line.length && /[\p{ID_Continue}]/u.test(line[j])) j++;
        const word = line.slice(i, j);
        if ((line[j] === '"' || line[j] === "'") && PREFIX.test(word)) {
          const q = line[j];
          const triple = line.startsWith(q.repeat(3), j);
          string = { quote: triple ? q.repeat(3) : q, row, column: i };
          i = j + (triple ? 3 : 1);
          continue;
        }
        lastToken = word;
        i = j;
        continue;
      }
      if (OPEN[c]) {
        brackets.push({ ch: c, row, column: i });
        lastToken = c;
        i++;
        continue;
      }
      if (CLOSE[c]) {
        const open = brackets.pop();
        if (!open) fail(`unmatched '${c}'`, row, i);
        else if (open.ch !== CLOSE[c]) fail(`closing parenthesis '${c}' does not match opening parenthesis '${open.ch}'`, row, i);
        lastToken = c;
        i++;
        continue;
      }
      if (!VALID.test(c) || (c === "!" && line[i + 1] !== "=")) {
        const code = `U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")}`;
        fail(/[\p{Cc}\p{Cf}]/u.test(c) ? `invalid non-printable character ${code}` : `invalid character '${c}' (${code})`, row, i);
        break;
      }
      if (c === ":" && line[i + 1] === "=") {
        lastToken = ":=";
        i += 2;
        continue;
      }
      lastToken = c;
      i++;
    }
    if (errors.length) break;
    if (string && string.quote.length === 1) {
      // A one-quote string ends at its row unless the row ends in a backslash.
      if (!string.continued) {
        fail("unterminated string literal", string.row, string.column);
        break;
      }
      string.continued = false;
      continue;
    }
    if (string || brackets.length || continued) continue;
    finish(row);
  }
  if (!errors.length) {
    if (string) fail(string.quote.length === 3 ? "unterminated triple-quoted string literal" : "unterminated string literal", string.row, string.column);
    else if (brackets.length) {
      const b = brackets[brackets.length - 1];
      fail(`'${b.ch}' was never closed`, b.row, b.column);
    } else if (continued) fail("unexpected EOF while parsing", rows.length - 1, 0);
  }
  if (current) finish(rows.length - 1);
  // Blocks: an indent only after a header, and a header always followed by one.
  for (let k = 0; k < lines.length; k++) {
    const l = lines[k];
    const prev = lines[k - 1];
    if (l.change === "indent" && !prev?.endsWithColon) errors.push({ message: "unexpected indent", row: l.startRow, column: l.startColumn });
    if (l.endsWithColon && lines[k + 1]?.change !== "indent") {
      const next = lines[k + 1];
      errors.push({ message: `expected an indented block after line ${l.startRow + 1}`, row: next ? next.startRow : l.endRow, column: next ? next.startColumn : 0 });
    }
  }
  errors.sort((a, b) => a.row - b.row || a.column - b.column);
  return { lines, logicalOfRow, continuationRows, error: errors[0] };
}
