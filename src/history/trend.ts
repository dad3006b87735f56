import path from 'node:path';
import { percent } from '../util/format.js';
import { alignColumns } from '../util/textTable.js';
import type { HistoryRecord } from './history.js';

export interface TrendOptions {
  /** A metric key of results.json: acc1, acc5, mean_per_class_recall, image_retrieval_recall@5, … */
  readonly metric: string;
  /** Show only the newest `last` runs (the sparkline covers the same runs). */
  readonly last: number;
  /** Only these prompt sets (default: every set seen). */
  readonly promptSets?: readonly string[];
}

const BARS = '▁▂▃▄▅▆▇█';

/** One row per run, one column per prompt set, then a sparkline and first→last change per set. */
export function formatHistory(records: readonly HistoryRecord[], options: TrendOptions): string {
  const shown = records.slice(-options.last);
  if (shown.length === 0) return 'no runs recorded yet: each `bench run` appends one line to the history';
  const sets = options.promptSets ?? [...new Set(shown.flatMap((r) => r.promptSets.map((s) => s.name)))];
  const value = (r: HistoryRecord, set: string): number | null => r.promptSets.find((s) => s.name === set)?.metrics[options.metric] ?? null;
  const header = ['run', 'commit', 'model', 'dataset', ...sets];
  const rows = shown.map((r) => [
    r.runId,
    r.commit ? `${r.commit.slice(0, 7)}${r.dirty ? '+' : ''}` : '-',
    `${path.basename(r.model.id)} ${r.model.dtype}`,
    `${r.dataset.name} (${r.dataset.evaluated})`,
    ...sets.map((set) => percent(value(r, set), { missing: '-' })),
  ]);
  const trend = ['trend', '', '', '', ...sets.map((set) => sparkline(shown.map((r) => value(r, set))))];
  const change = ['change', '', '', '', ...sets.map((set) => firstToLast(shown.map((r) => value(r, set))))];
  const { lines, rule } = alignColumns([header, ...rows, trend, change], new Set([0, 1, 2, 3]));
  const title = `${options.metric} over the last ${shown.length} of ${records.length} run(s), oldest first ('+' after a commit: uncommitted changes)`;
  return [title, '', lines[0]!, rule, ...lines.slice(1, -2), '', ...lines.slice(-2)].join('\n');
}

/** Scaled to the shown range, so small changes remain visible; a gap where a run lacked the set. */
function sparkline(values: readonly (number | null)[]): string {
  const present = values.filter((v): v is number => v !== null);
  if (present.length === 0) return '';
  const lo = Math.min(...present);
  const span = Math.max(...present) - lo;
  return values.map((v) => (v === null ? ' ' : BARS[span === 0 ? 3 : Math.round(((v - lo) / span) * (BARS.length - 1))]!)).join('');
}

function firstToLast(values: readonly (number | null)[]): string {
  const present = values.filter((v): v is number => v !== null);
  if (present.length < 2) return '';
  const delta = (present[present.length - 1]! - present[0]!) * 100;
  return `${delta >= 0 ? '+' : ''}${delta.toFixed(2)} pts`;
}
