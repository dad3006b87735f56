import type { DtypeCheck, ModelContrast, ModelCost, MultiModelResults } from '../results/multiModelSchema.js';
import type { Results } from '../results/schema.js';
import { acc1Interval } from '../stats/index.js';
import { isCorrect, pct } from './data.js';
import { MAX_HEATMAP_CLASSES } from './heatmap.js';
import type { ClassificationScores, Interval } from './types.js';

/**
 * The view-model of what only a run of several models shows: each model's cost beside its
 * accuracy per prompt file, per-class recall against the first model, and the run's paired
 * comparisons. The rest of the page reads the flat view (every (model, prompt file) pair).
 */

/** One model on one prompt file, with acc1's Wilson 95% interval over that model's own images. */
export interface ModelScore {
  readonly model: string;
  readonly promptSet: string;
  readonly metrics: ClassificationScores;
  readonly interval: Interval;
  /** "acc1 [lo–hi]", the grid cell's text. */
  readonly text: string;
}

export interface ModelRow {
  readonly key: string;
  /** Position in the run: gives the model its colour. */
  readonly index: number;
  readonly cost: ModelCost;
  /** By prompt file name; a prompt file this model did not run is absent. */
  readonly scores: ReadonlyMap<string, ModelScore>;
}

/** Per-class recall of `model` minus that of `against` on one prompt file, in points. */
export interface RecallDiff {
  readonly promptSet: string;
  readonly model: string;
  readonly modelIndex: number;
  readonly against: string;
  /** Largest change first; classes without images under either model are left out. */
  readonly rows: readonly { readonly label: string; readonly points: number }[];
  /** Classes with a recall under both models, before the cap on what is drawn. */
  readonly comparable: number;
}

export interface ModelsView {
  readonly models: readonly ModelRow[];
  /** Every prompt file of any model, first seen first. */
  readonly promptSets: readonly string[];
  readonly diffs: readonly RecallDiff[];
  readonly contrasts: readonly ModelContrast[];
  readonly dtypeChecks: readonly DtypeCheck[];
}

export function buildModelsView(results: MultiModelResults): ModelsView {
  const promptSets = [...new Set(results.models.flatMap((m) => m.results.promptSets.map((s) => s.name)))];
  const models = results.models.map((m, index): ModelRow => ({
    key: m.key,
    index,
    cost: m.cost,
    scores: new Map(scores(m.key, m.results).map((s) => [s.promptSet, s])),
  }));
  return {
    models,
    promptSets,
    diffs: recallDiffs(results, promptSets),
    contrasts: results.modelContrasts,
    dtypeChecks: results.dtypeChecks,
  };
}

function scores(model: string, results: Results): ModelScore[] {
  return results.promptSets.map((set) => {
    const interval = acc1Interval(results.items.map((item) => isCorrect(item, set.name)));
    return { model, promptSet: set.name, metrics: set.metrics, interval, text: `${pct(set.metrics.acc1)} [${range(interval)}]` };
  });
}

/** "31.3–83.2": the interval in percent, its unit read off the acc1 beside it. */
function range(interval: Interval): string {
  return `${(interval.lo * 100).toFixed(1)}–${(interval.hi * 100).toFixed(1)}`;
}

/** Every model after the first against the first, per prompt file both ran. */
function recallDiffs(results: MultiModelResults, promptSets: readonly string[]): RecallDiff[] {
  const [first, ...others] = results.models;
  if (first === undefined) return [];
  return promptSets.flatMap((name) => {
    const base = recallOf(first.results, name);
    if (base === undefined) return [];
    return others.flatMap((m, i): RecallDiff[] => {
      const recall = recallOf(m.results, name);
      if (recall === undefined) return [];
      const rows = first.results.run.dataset.classNames.flatMap((label) => {
        const a = base.get(label);
        const b = recall.get(label);
        return a === undefined || a === null || b === undefined || b === null ? [] : [{ label, points: (b - a) * 100 }];
      });
      // Largest change first, so beyond the cap the classes where the models differ most stay.
      const sorted = rows.sort((x, y) => Math.abs(y.points) - Math.abs(x.points)).slice(0, MAX_HEATMAP_CLASSES);
      return [{ promptSet: name, model: m.key, modelIndex: i + 1, against: first.key, rows: sorted, comparable: rows.length }];
    });
  });
}

function recallOf(results: Results, promptSet: string): ReadonlyMap<string, number | null> | undefined {
  const set = results.promptSets.find((s) => s.name === promptSet);
  return set === undefined ? undefined : new Map(set.perClass.map((c) => [c.label, c.recall]));
}

/** Images per second; null when every image came from the cache and there was nothing to time. */
export function speed(imagesPerSecond: number | null): string {
  if (imagesPerSecond === null) return 'not measured';
  return imagesPerSecond >= 100 ? imagesPerSecond.toFixed(0) : imagesPerSecond.toFixed(1);
}

export const SPEED_NOT_MEASURED = 'speed not measured (all images came from the cache; rerun with --no-cache)';
