import { alignItems, datasetDifference, modelDifference, NotComparableError, type ItemAlignment } from './comparable.js';
import type { MetricName, RunSummary, SetSummary } from './summary.js';
import {
  ALPHA,
  DEFAULT_BOOTSTRAP,
  discordance,
  mcnemarExactP,
  pairedBootstrap,
  type BootstrapSettings,
  type Interval,
} from '../stats/index.js';

export { ALPHA };

export interface MetricComparison {
  readonly promptSet: string;
  readonly metric: MetricName;
  /** Proportions in [0, 1]; delta = current − baseline. */
  readonly baseline: number;
  readonly current: number;
  readonly delta: number;
  /** Paired bootstrap interval of delta (proportion). */
  readonly interval: Interval;
  /** acc1/acc5: McNemar's exact test; mean per-class recall has no exact paired test: the interval decides. */
  readonly test: 'mcnemar-exact' | 'bootstrap';
  readonly pValue: number | null;
  /** Images right in the baseline and wrong now, and the reverse (null for mean per-class recall). */
  readonly lost: number | null;
  readonly gained: number | null;
  /** p < ALPHA, or for bootstrap-only metrics the interval excludes 0. */
  readonly significant: boolean;
}

export interface Comparison {
  readonly baseline: RunSummary;
  readonly current: RunSummary;
  readonly pairedItems: number;
  /** Set when the model or data set differ and that was allowed; otherwise they are equal. */
  readonly modelChange: string | null;
  readonly datasetChange: string | null;
  /** Prompt sets in the baseline missing from the current run, and the reverse. */
  readonly missingSets: readonly string[];
  readonly newSets: readonly string[];
  readonly notes: readonly string[];
  readonly bootstrap: BootstrapSettings;
  readonly alpha: number;
  readonly rows: readonly MetricComparison[];
}

export interface CompareOptions {
  readonly allowModelChange?: boolean;
  readonly bootstrap?: BootstrapSettings;
}

/**
 * Pairs two runs image by image and compares every prompt set they share. Throws
 * NotComparableError when the images differ, or the model or data set do (unless allowed).
 */
export function compareRuns(baseline: RunSummary, current: RunSummary, options: CompareOptions = {}): Comparison {
  const bootstrap = options.bootstrap ?? DEFAULT_BOOTSTRAP;
  const modelChange = modelDifference(baseline, current);
  const datasetChange = datasetDifference(baseline, current);
  for (const change of [datasetChange, modelChange]) {
    if (change && !options.allowModelChange) {
      throw new NotComparableError(
        `cannot compare: ${change}.\nPass --allow-model-change to compare anyway, or save a new baseline with \`bench baseline save\`.`,
      );
    }
  }
  const alignment = alignItems(baseline, current);
  if (alignment.currentIndex.length === 0) throw new NotComparableError('cannot compare: neither run scored any image');
  const currentSets = new Map(current.promptSets.map((set) => [set.name, set]));
  const shared = baseline.promptSets.filter((set) => currentSets.has(set.name));
  if (shared.length === 0) {
    throw new NotComparableError(
      `cannot compare: no prompt set in common (baseline: ${names(baseline.promptSets)}; current: ${names(current.promptSets)}). Prompt sets are matched by name (the file name without .hbs).`,
    );
  }
  const rows = shared.flatMap((set) => compareSet(set, currentSets.get(set.name)!, alignment, bootstrap));
  return {
    baseline,
    current,
    pairedItems: alignment.currentIndex.length,
    modelChange,
    datasetChange,
    missingSets: baseline.promptSets.filter((set) => !currentSets.has(set.name)).map((set) => set.name),
    newSets: current.promptSets.filter((set) => !baseline.promptSets.some((b) => b.name === set.name)).map((set) => set.name),
    notes: notesFor(baseline, current, shared),
    bootstrap,
    alpha: ALPHA,
    rows,
  };
}

function names(sets: readonly SetSummary[]): string {
  return sets.map((s) => s.name).join(', ') || 'none';
}

/** Compares one prompt set present in both runs, with per-item outcomes reordered to the baseline's item order. */
export function compareSet(
  before: SetSummary,
  after: SetSummary,
  alignment: ItemAlignment,
  settings: BootstrapSettings,
): MetricComparison[] {
  const reorder = (values: Uint8Array): Uint8Array => Uint8Array.from(alignment.currentIndex, (i) => values[i]!);
  const after1 = reorder(after.top1);
  const after5 = after.top5 && before.top5 ? reorder(after.top5) : null;
  const intervals = pairedBootstrap(
    { before1: before.top1, after1, before5: after5 ? before.top5 : null, after5, classes: alignment.classes },
    settings,
  );
  const row = (metric: MetricName, interval: Interval, tested: { lost: number; gained: number } | null): MetricComparison[] => {
    const b = before.metrics[metric];
    const a = after.metrics[metric];
    if (b === null || a === null) return [];
    const pValue = tested ? mcnemarExactP(tested) : null;
    const significant = pValue !== null ? pValue < ALPHA : interval.lo > 0 || interval.hi < 0;
    const test = tested ? 'mcnemar-exact' : 'bootstrap';
    return [
      {
        promptSet: before.name,
        metric,
        baseline: b,
        current: a,
        delta: a - b,
        interval,
        test,
        pValue,
        lost: tested?.lost ?? null,
        gained: tested?.gained ?? null,
        significant,
      },
    ];
  };
  return [
    ...row('acc1', intervals.acc1, discordance(before.top1, after1)),
    ...(after5 && intervals.acc5 ? row('acc5', intervals.acc5, discordance(before.top5!, after5)) : []),
    ...row('mean_per_class_recall', intervals.meanPerClassRecall, null),
  ];
}

function notesFor(baseline: RunSummary, current: RunSummary, shared: readonly SetSummary[]): string[] {
  const notes: string[] = [];
  const bp = baseline.preprocess;
  const cp = current.preprocess;
  if (bp.mode !== cp.mode || bp.size !== cp.size || bp.cropSize !== cp.cropSize) {
    notes.push(`preprocessing differs: baseline ${bp.mode} ${bp.size}/${bp.cropSize}, current ${cp.mode} ${cp.size}/${cp.cropSize}`);
  }
  for (const set of shared) {
    const now = current.promptSets.find((s) => s.name === set.name)!;
    if (set.templates.join('\n') !== now.templates.join('\n')) {
      const counts = set.templates.length === now.templates.length ? '' : ` (${set.templates.length} → ${now.templates.length} templates)`;
      notes.push(`prompt set "${set.name}": its templates changed since the baseline${counts}`);
    }
  }
  return notes;
}
