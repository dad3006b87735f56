import { acc1Interval, wilsonInterval } from '../stats/index.js';
import { historyFileFor, readHistory, type HistoryRecord } from '../history/history.js';
import type { Results } from '../results/schema.js';
import { METRIC_KEYS } from './data.js';
import type { Interval, MetricKey, ReportExtras, TrendPoint } from './types.js';

export interface ExtrasOptions {
  /** The runs folder (`--out`, default reports/) whose history.jsonl holds earlier runs. */
  readonly outDir: string;
  /** Lines of history.jsonl that are not records; the trend is drawn from the rest. */
  readonly onSkip?: (lineNumber: number, reason: string) => void;
}

/**
 * The report's optional inputs for a classification run: Wilson 95% intervals for acc1 and acc5
 * from per-image correctness, and the trend of this dataset and model over the runs in history.jsonl.
 */
export function reportExtras(results: Results, options: ExtrasOptions): ReportExtras {
  const history = trendPoints(results, readHistory(historyFileFor(options.outDir), options.onSkip));
  return { intervals: intervals(results), ...(history.length > 0 ? { history } : {}) };
}

/** acc1: the top prediction is the label; acc5: the label is among the (top-5) predictions. */
export function intervals(results: Results): Record<string, Partial<Record<MetricKey, Interval>>> {
  return Object.fromEntries(
    results.promptSets.map((set) => {
      const top1 = results.items.map((item) => item.predictions[set.name]?.[0]?.label === item.label);
      const byMetric: Partial<Record<MetricKey, Interval>> = {};
      if (results.items.length > 0) byMetric.acc1 = acc1Interval(top1);
      if (set.metrics.acc5 !== null && results.items.length > 0) {
        const top5 = results.items.filter((item) =>
          (item.predictions[set.name] ?? []).slice(0, 5).some((p) => p.label === item.label),
        ).length;
        byMetric.acc5 = wilsonInterval(top5, results.items.length);
      }
      return [set.name, byMetric];
    }),
  );
}

/**
 * Classification runs of the same dataset (name and subset) and model (id and dtype) up to this
 * run, oldest first; empty when fewer than two runs remain, since one point is no trend.
 */
function trendPoints(results: Results, records: readonly HistoryRecord[]): TrendPoint[] {
  const { run } = results;
  const same = records.filter(
    (r) =>
      r.task === 'classification' &&
      r.dataset.name === run.dataset.name &&
      r.dataset.limit === run.dataset.limit &&
      r.dataset.perClass === run.dataset.perClass &&
      r.model.id === run.model.id &&
      r.model.dtype === run.model.dtype &&
      r.createdAt <= run.createdAt,
  );
  if (new Set(same.map((r) => r.runId)).size < 2) return [];
  return same.flatMap((r) =>
    r.promptSets.flatMap((set) =>
      METRIC_KEYS.flatMap((metric): TrendPoint[] => {
        const value = set.metrics[metric];
        return typeof value === 'number' ? [{ runId: r.runId, createdAt: r.createdAt, promptSet: set.name, metric, value }] : [];
      }),
    ),
  );
}
