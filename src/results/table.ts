import type { Results } from './schema.js';

/** The compact stdout table: one row per prompt file, metrics as percentages. */
export function formatResultsTable(results: Results): string {
  const header = ['prompt file', 'templates', 'acc1', 'acc5', 'mean per-class recall'];
  const rows = results.promptSets.map((set) => [
    set.name,
    String(set.templates.length),
    percent(set.metrics.acc1),
    percent(set.metrics.acc5),
    percent(set.metrics.mean_per_class_recall),
  ]);
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
  const line = (cells: readonly string[]): string =>
    cells.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

function percent(value: number | null): string {
  return value === null ? 'n/a' : `${(value * 100).toFixed(2)}%`;
}
