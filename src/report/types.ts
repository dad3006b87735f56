/**
 * The report's view-model: everything the page shows, computed once from results.json (plus
 * optional inputs other modules will supply later), so charts, HTML, summary.md and metrics.csv
 * all read the same numbers.
 */

import type { MetricKey } from '../metrics/labels.js';
import type { Interval } from '../stats/index.js';

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

/** Retrieval recall@k, one curve per caption set and direction; results.json has none yet. */
export interface RetrievalCurve {
  readonly name: string;
  readonly direction: 'image' | 'text';
  readonly points: readonly { readonly k: number; readonly recall: number }[];
}

/** One metric of one prompt file in one earlier (or this) run; the CI history supplies these. */
export interface TrendPoint {
  readonly runId: string;
  readonly createdAt: string;
  readonly promptSet: string;
  readonly metric: MetricKey;
  readonly value: number;
}

/** Inputs results.json does not carry yet; each is optional and its section is skipped when absent. */
export interface ReportExtras {
  readonly intervals?: Readonly<Record<string, Partial<Record<MetricKey, Interval>>>>;
  readonly retrieval?: readonly RetrievalCurve[];
  readonly history?: readonly TrendPoint[];
}

export interface HeaderView {
  readonly runId: string;
  readonly createdAt: string;
  readonly toolVersion: string;
  readonly durationMs: number;
  readonly model: string;
  readonly modelKind: string;
  readonly dtype: string;
  readonly preprocess: string;
  readonly dataset: string;
  readonly datasetFormat: string;
  readonly datasetPath: string;
  readonly selected: number;
  readonly evaluated: number;
  readonly classCount: number;
  readonly subset: string;
  readonly cache: string;
  readonly errors: readonly { readonly item: string; readonly reason: string }[];
}

export interface ReportModel {
  readonly header: HeaderView;
  readonly classNames: readonly string[];
  readonly promptSets: readonly PromptSetView[];
  readonly metrics: readonly MetricValue[];
  readonly classRecall: readonly ClassRecall[];
  readonly confusion: readonly ConfusionView[];
  readonly disagreements: readonly Disagreement[];
  readonly retrieval: readonly RetrievalCurve[];
  readonly history: readonly TrendPoint[];
}
