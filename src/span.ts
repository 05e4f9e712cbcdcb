/** A source range; lines and columns are 1-based, as editors show them. */
export interface Span {
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
}
