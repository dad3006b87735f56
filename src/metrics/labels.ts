/** The classification metrics' keys in results.json, and their names wherever they are shown. */
export type MetricKey = 'acc1' | 'acc5' | 'mean_per_class_recall';

export const METRIC_LABELS: Readonly<Record<MetricKey, string>> = {
  acc1: 'acc1',
  acc5: 'acc5',
  mean_per_class_recall: 'mean per-class recall',
};
