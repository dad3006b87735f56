import type { RetrievalResults } from './retrievalSchema.js';

/** One row per prompt set: image and text retrieval recall@k, as percentages. */
export function formatRetrievalTable(results: RetrievalResults): string {
  const ks = results.run.ks;
  const header = ['prompt file', ...ks.map((k) => `image R@${k}`), ...ks.map((k) => `text R@${k}`)];
  const rows = results.promptSets.map((set) => [
    set.name,
    ...ks.map((k) => percent(set.metrics[`image_retrieval_recall@${k}`])),
    ...ks.map((k) => percent(set.metrics[`text_retrieval_recall@${k}`])),
  ]);
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
  const line = (cells: readonly string[]): string => cells.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

function percent(value: number | undefined): string {
  return value === undefined ? 'n/a' : `${(value * 100).toFixed(2)}%`;
}
