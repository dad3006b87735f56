import { quantileSorted } from '../stats/index.js';
import { percent } from '../util/format.js';
import type { ItemResult, PromptSetResult, Results } from '../results/schema.js';
import { runHeader } from './runHeader.js';
import type {
  ClassRecall,
  ConfusionView,
  Disagreement,
  HeaderView,
  MetricKey,
  MetricValue,
  PromptSetView,
  ReportExtras,
  ReportModel,
  TemplateSetView,
} from './types.js';

export const METRIC_KEYS: readonly MetricKey[] = ['acc1', 'acc5', 'mean_per_class_recall'];

/** Beyond this many classes a confusion matrix is unreadable; the most confused classes are shown. */
const MAX_CONFUSION_CLASSES = 20;
const DISAGREEMENT_EXAMPLES = 6;

export function buildModel(results: Results, extras: ReportExtras = {}): ReportModel {
  return {
    header: header(results),
    classNames: results.run.dataset.classNames,
    promptSets: results.promptSets.map((set) => promptSetView(set, results.run.dataset.classNames[0])),
    templateSets: results.promptSets.flatMap(templateSetView),
    metrics: metricValues(results.promptSets, extras),
    classRecall: results.promptSets.flatMap((set) =>
      set.perClass.map((c): ClassRecall => ({ promptSet: set.name, label: c.label, recall: c.recall, support: c.support })),
    ),
    confusion: results.promptSets.map(confusionView),
    disagreements: disagreements(results),
    history: extras.history ?? [],
  };
}

/** An item counts as correct for a prompt file when its top prediction is the true class. */
export function isCorrect(item: ItemResult, promptSet: string): boolean {
  return item.predictions[promptSet]?.[0]?.label === item.label;
}

function header(results: Results): HeaderView {
  const { dataset } = results.run;
  return {
    ...runHeader(results),
    selected: dataset.itemCount,
    evaluated: results.items.length,
    classCount: dataset.classNames.length,
    subset: subsetText(dataset.limit, dataset.perClass, results.run.seed),
  };
}

function subsetText(limit: number | null, perClass: number | null, seed: number): string {
  const parts = [limit === null ? null : `limit ${limit}`, perClass === null ? null : `${perClass} per class`].filter((p) => p !== null);
  return parts.length === 0 ? 'all items' : `${parts.join(', ')} (seed ${seed})`;
}

/** Keyed by classNames[0], not by object order: JSON objects put integer-like keys ("0", "7") first. */
function promptSetView(set: PromptSetResult, firstClass: string | undefined): PromptSetView {
  const prompts = firstClass === undefined ? undefined : set.prompts[firstClass];
  const example = prompts === undefined ? null : { label: firstClass!, prompts };
  return {
    name: set.name,
    file: set.file,
    templates: set.templates,
    truncatedPrompts: set.truncatedPrompts,
    metrics: set.metrics,
    example,
  };
}

/** A one-template file's only entry equals the ensemble, so there is nothing to compare. */
function templateSetView(set: PromptSetResult, index: number): TemplateSetView[] {
  const templates = set.perTemplate ?? [];
  if (templates.length < 2) return [];
  return [
    {
      promptSet: set.name,
      file: set.file,
      index,
      ensemble: set.metrics,
      templates,
      medianAcc1: quantileSorted(
        templates.map((t) => t.metrics.acc1).sort((a, b) => a - b),
        0.5,
      ),
    },
  ];
}

function metricValues(sets: readonly PromptSetResult[], extras: ReportExtras): MetricValue[] {
  return sets.flatMap((set) =>
    METRIC_KEYS.flatMap((metric): MetricValue[] => {
      const value = set.metrics[metric];
      if (value === null) return [];
      const interval = extras.intervals?.[set.name]?.[metric];
      return [interval === undefined ? { promptSet: set.name, metric, value } : { promptSet: set.name, metric, value, interval }];
    }),
  );
}

function confusionView(set: PromptSetResult): ConfusionView {
  const { labels, matrix } = set.confusion;
  const keep = labels.length <= MAX_CONFUSION_CLASSES ? labels.map((_, i) => i) : mostConfused(matrix, MAX_CONFUSION_CLASSES);
  return {
    promptSet: set.name,
    labels: keep.map((i) => labels[i]!),
    matrix: keep.map((t) => keep.map((p) => matrix[t]?.[p] ?? 0)),
    totalClasses: labels.length,
  };
}

/** Classes with the most errors in or out (missed + wrongly predicted), kept in dataset order. */
function mostConfused(matrix: readonly (readonly number[])[], n: number): number[] {
  const errors = matrix.map((row, t) => row.reduce((sum, count, p) => sum + (p === t ? 0 : count + (matrix[p]?.[t] ?? 0)), 0));
  return errors
    .map((e, i) => ({ e, i }))
    .sort((x, y) => y.e - x.e || x.i - y.i)
    .slice(0, n)
    .map((x) => x.i)
    .sort((x, y) => x - y);
}

function disagreements(results: Results): Disagreement[] {
  const names = results.promptSets.map((s) => s.name);
  const correct = names.map((name) => results.items.map((item) => isCorrect(item, name)));
  const pairs: Disagreement[] = [];
  names.forEach((a, i) =>
    names.slice(i + 1).forEach((b, offset) => {
      const j = i + 1 + offset;
      const aOnly = results.items.filter((_, k) => correct[i]![k] && !correct[j]![k]).map((item) => item.id);
      const bOnly = results.items.filter((_, k) => !correct[i]![k] && correct[j]![k]).map((item) => item.id);
      pairs.push({
        a,
        b,
        aOnly: aOnly.length,
        bOnly: bOnly.length,
        aOnlyExamples: aOnly.slice(0, DISAGREEMENT_EXAMPLES),
        bOnlyExamples: bOnly.slice(0, DISAGREEMENT_EXAMPLES),
      });
    }),
  );
  return pairs;
}

/** Formats a share as a percentage; null (acc5 with under 5 classes, a class without images) as an en dash. */
export function pct(value: number | null, digits = 1): string {
  return percent(value, { digits, missing: '–' });
}

/** One plain-text sentence answering "which prompt wins?" on acc1, for the page and summary.md. */
export function headline(sets: readonly PromptSetView[]): string {
  const ranked = [...sets].sort((x, y) => y.metrics.acc1! - x.metrics.acc1!);
  const [best, second] = ranked;
  if (best === undefined) return 'No prompt files were evaluated.';
  const acc = (s: PromptSetView): number => s.metrics.acc1 ?? 0;
  if (second === undefined) return `One prompt file, ${best.name}: acc1 ${pct(acc(best))}.`;
  const worst = ranked[ranked.length - 1]!;
  const tied = ranked.filter((s) => acc(s) === acc(best));
  if (tied.length === ranked.length) return `No prompt file wins on acc1: all ${ranked.length} score ${pct(acc(best))}.`;
  if (tied.length > 1) {
    return (
      `${tied.map((s) => s.name).join(', ')} tie for the best acc1 (${pct(acc(best))}); ` +
      `the worst, ${worst.name}, scores ${pct(acc(worst))}.`
    );
  }
  const lead = points(acc(best) - acc(second));
  const spread = ranked.length > 2 ? `; best to worst (${worst.name}) is ${points(acc(best) - acc(worst))}` : '';
  return `${best.name} wins on acc1 with ${pct(acc(best))}, ${lead} ahead of ${second.name} (${pct(acc(second))})${spread}.`;
}

function points(diff: number): string {
  const value = (diff * 100).toFixed(1);
  return `${value} ${value === '1.0' ? 'point' : 'points'}`;
}
