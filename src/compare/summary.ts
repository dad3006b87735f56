import type { Results, RunInfo } from '../results/schema.js';

export type MetricName = 'acc1' | 'acc5' | 'mean_per_class_recall';
export const METRICS: readonly MetricName[] = ['acc1', 'acc5', 'mean_per_class_recall'];

export interface SetSummary {
  readonly name: string;
  readonly file: string;
  readonly templates: readonly string[];
  readonly metrics: Readonly<Record<MetricName, number | null>>;
  /** Per item, in `items` order: 1 when the true class is the top-1 (top-5) prediction. */
  readonly top1: Uint8Array;
  /** Null when there are fewer than 5 classes. */
  readonly top5: Uint8Array | null;
}

/**
 * What a comparison needs from one run, whether it came from a full results.json or from a compact
 * baseline file: identity, settings that make runs comparable, metrics and per-item correctness.
 */
export interface RunSummary {
  readonly origin: {
    readonly file: string;
    readonly kind: 'baseline' | 'results';
    readonly runId: string;
    readonly createdAt: string;
    readonly commit: string | null;
  };
  readonly toolVersion: string;
  readonly model: Pick<RunInfo['model'], 'id' | 'dtype' | 'onnxSha256'>;
  readonly preprocess: RunInfo['preprocess'];
  readonly dataset: Omit<RunInfo['dataset'], 'path'> & { readonly seed: number };
  readonly promptSets: readonly SetSummary[];
  readonly items: readonly { readonly id: string; readonly label: string }[];
  readonly errors: Results['errors'];
}

/** Per-item correctness as defined for results.json: top-1 is `predictions[set][0]`, top-5 the list. */
export function summarizeResults(results: Results, file: string, commit: string | null = null): RunSummary {
  const { run } = results;
  const hasTop5 = results.promptSets.every((set) => set.metrics.acc5 !== null);
  return {
    origin: { file, kind: 'results', runId: run.id, createdAt: run.createdAt, commit },
    toolVersion: run.toolVersion,
    model: { id: run.model.id, dtype: run.model.dtype, onnxSha256: run.model.onnxSha256 },
    preprocess: run.preprocess,
    dataset: {
      name: run.dataset.name,
      format: run.dataset.format,
      itemCount: run.dataset.itemCount,
      classNames: run.dataset.classNames,
      limit: run.dataset.limit,
      perClass: run.dataset.perClass,
      seed: run.seed,
    },
    promptSets: results.promptSets.map((set) => ({
      name: set.name,
      file: set.file,
      templates: set.templates,
      metrics: { ...set.metrics },
      top1: Uint8Array.from(results.items, (item) => (item.predictions[set.name]?.[0]?.label === item.label ? 1 : 0)),
      top5: hasTop5
        ? Uint8Array.from(results.items, (item) => ((item.predictions[set.name] ?? []).some((p) => p.label === item.label) ? 1 : 0))
        : null,
    })),
    items: results.items.map((item) => ({ id: item.id, label: item.label })),
    errors: results.errors,
  };
}
