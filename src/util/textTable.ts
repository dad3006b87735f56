/** Plain-text tables for the terminal: columns padded to their widest cell, two spaces apart. */
export interface AlignedRows {
  /** The rows, padded, in the order given. */
  readonly lines: string[];
  /** A `----  ---` rule under the header. */
  readonly rule: string;
}

/** Aligns every row (header included); `leftAligned` columns pad on the right, the rest (numbers) on the left. */
export function alignColumns(rows: readonly (readonly string[])[], leftAligned: ReadonlySet<number>): AlignedRows {
  const columns = Math.max(0, ...rows.map((r) => r.length));
  const widths = Array.from({ length: columns }, (_, c) => Math.max(0, ...rows.map((r) => (r[c] ?? '').length)));
  const line = (cells: readonly string[]): string =>
    cells
      .map((cell, c) => (leftAligned.has(c) ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!)))
      .join('  ')
      .trimEnd();
  return { lines: rows.map(line), rule: widths.map((w) => '-'.repeat(w)).join('  ') };
}

/** Header, rule, rows. */
export function textTable(header: readonly string[], rows: readonly (readonly string[])[], leftAligned: ReadonlySet<number>): string[] {
  const { lines, rule } = alignColumns([header, ...rows], leftAligned);
  return [lines[0]!, rule, ...lines.slice(1)];
}
