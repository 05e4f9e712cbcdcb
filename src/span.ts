/** A source range; lines and columns are 1-based, as editors show them. */
export interface Span {
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  /** The file, when not the one being translated (a definition linked in from a file it imports). */
  file?: string;
}
