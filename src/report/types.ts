/**
 * The classification report's view-model: everything the page shows, computed once from
 * results.json and the extras (intervals, history), so charts, HTML, summary.md and metrics.csv
 * all read the same numbers.
 */

import type { MetricKey } from '../metrics/labels.js';
import type { Interval } from '../stats/index.js';
import type { RunHeader } from './runHeader.js';

export { METRIC_LABELS, type MetricKey } from '../metrics/labels.js';
export type { Interval } from '../stats/index.js';

export interface MetricValue {
  readonly promptSet: string;
  readonly metric: MetricKey;
  readonly value: number;
  readonly interval?: Interval;
}

export interface PromptSetView {
  readonly name: string;
  readonly file: string;
  readonly templates: readonly string[];
  readonly truncatedPrompts: readonly string[];
  readonly metrics: Readonly<Record<MetricKey, number | null>>;
  /** The prompts rendered for the first class, so a reader sees what the model was actually fed. */
  readonly example: { readonly label: string; readonly prompts: readonly string[] } | null;
}

/** acc1, acc5 (null with under five classes) and mean per-class recall, as results.json has them. */
export interface ClassificationScores {
  readonly acc1: number;
  readonly acc5: number | null;
  readonly mean_per_class_recall: number;
}

/** One template of a prompt file scored alone (results.json `perTemplate`). */
export interface TemplateScore {
  /** 1-based line in the prompt file. */
  readonly line: number;
  /** As written: user text, escaped wherever it is shown. */
  readonly template: string;
  readonly metrics: ClassificationScores;
}

/** A prompt file with several templates: each alone against the ensemble they form. */
export interface TemplateSetView {
  readonly promptSet: string;
  readonly file: string;
  /** Position in `ReportModel.promptSets`, which gives the prompt file its colour. */
  readonly index: number;
  readonly ensemble: ClassificationScores;
  /** In file order. */
  readonly templates: readonly TemplateScore[];
  readonly medianAcc1: number;
}

export interface ClassRecall {
  readonly promptSet: string;
  readonly label: string;
  /** null when the class has no images in the evaluated set. */
  readonly recall: number | null;
  readonly support: number;
}

export interface ConfusionView {
  readonly promptSet: string;
  /** The classes shown: all of them, or the most confused ones when there are too many to draw. */
  readonly labels: readonly string[];
  /** matrix[true][predicted] over `labels`. */
  readonly matrix: readonly (readonly number[])[];
  readonly totalClasses: number;
}

/** Images one prompt file gets right and the other wrong (ids of the first few as examples). */
export interface Disagreement {
  readonly a: string;
  readonly b: string;
  readonly aOnly: number;
  readonly bOnly: number;
  readonly aOnlyExamples: readonly string[];
  readonly bOnlyExamples: readonly string[];
}

/** One metric of one prompt file in one earlier (or this) run, from history.jsonl. */
export interface TrendPoint {
  readonly runId: string;
  readonly createdAt: string;
  readonly promptSet: string;
  readonly metric: MetricKey;
  readonly value: number;
}

/**
 * What results.json does not hold but extras.ts derives (intervals from per-image correctness, the
 * trend from history.jsonl); each is optional and what it adds is left out when absent.
 */
export interface ReportExtras {
  readonly intervals?: Readonly<Record<string, Partial<Record<MetricKey, Interval>>>>;
  readonly history?: readonly TrendPoint[];
}

export interface HeaderView extends RunHeader {
  readonly selected: number;
  readonly evaluated: number;
  readonly classCount: number;
  readonly subset: string;
}

export interface ReportModel {
  readonly header: HeaderView;
  readonly classNames: readonly string[];
  readonly promptSets: readonly PromptSetView[];
  /** Only prompt files with at least two templates; empty for results written before per-template scores. */
  readonly templateSets: readonly TemplateSetView[];
  readonly metrics: readonly MetricValue[];
  readonly classRecall: readonly ClassRecall[];
  readonly confusion: readonly ConfusionView[];
  readonly disagreements: readonly Disagreement[];
  readonly history: readonly TrendPoint[];
}
